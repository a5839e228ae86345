//! The checks on what a caller puts into a request: identifiers (which may end up in a
//! path), free text and URLs. All run before any connection.

use alloc::string::String;
use core::fmt::Write as _;

use crate::error::Error;

/// Longest identifier accepted (merchant ids, partner merchant ids), in characters.
pub const MAX_IDENTIFIER_LEN: usize = 255;

/// Longest merchant-token identifier or event identifier accepted, in characters.
pub const MAX_TOKEN_IDENTIFIER_LEN: usize = 64;

/// Longest URL accepted in a request body (`tokenNotificationURL`, `merchantUrl`), in
/// bytes.
pub const MAX_URL_LEN: usize = 2048;

/// `value` if it can name one thing in a path: 1 to `max` characters, without `/`, `\`,
/// `..` or control characters (which could move the request to another resource or
/// forge a header), else [`Error::InvalidParameter`] with `what`.
pub(super) fn identifier<'a>(
    value: &'a str,
    max: usize,
    what: &'static str,
) -> Result<&'a str, Error> {
    let length = value.chars().count();
    if length == 0
        || length > max
        || value.contains(['/', '\\'])
        || value.contains("..")
        || value.chars().any(char::is_control)
    {
        return Err(Error::InvalidParameter(what));
    }
    Ok(value)
}

/// [`identifier`], percent-encoded for a path segment: every byte of its UTF-8 outside
/// RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`) becomes `%XX`.
pub(super) fn path_segment(value: &str, max: usize, what: &'static str) -> Result<String, Error> {
    let value = identifier(value, max, what)?;
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    Ok(encoded)
}

/// `value` if it is 1 to `max` characters of text without control characters.
pub(super) fn text<'a>(value: &'a str, max: usize, what: &'static str) -> Result<&'a str, Error> {
    let length = value.chars().count();
    if length == 0 || length > max || value.chars().any(char::is_control) {
        return Err(Error::InvalidParameter(what));
    }
    Ok(value)
}

/// `value` if it is an absolute `https` URL (or `http`, when `allow_http`) with a host, at
/// most [`MAX_URL_LEN`] bytes of printable ASCII.
pub(super) fn url<'a>(
    value: &'a str,
    allow_http: bool,
    what: &'static str,
) -> Result<&'a str, Error> {
    let rest = match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some((scheme, rest)) if allow_http && scheme.eq_ignore_ascii_case("http") => rest,
        _ => return Err(Error::InvalidParameter(what)),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if value.len() > MAX_URL_LEN
        || !value.bytes().all(|b| b.is_ascii_graphic())
        || value.contains('\\')
        || host.is_empty()
        || host.contains('@')
    {
        return Err(Error::InvalidParameter(what));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn identifiers_refuse_what_could_escape_a_path() {
        let too_long = "a".repeat(MAX_IDENTIFIER_LEN + 1);
        for bad in [
            "", "a/b", "a\\b", "..", "a..b", "a\nb", "a\u{7f}", "\u{85}", &too_long,
        ] {
            assert_eq!(
                identifier(bad, MAX_IDENTIFIER_LEN, "id"),
                Err(Error::InvalidParameter("id")),
                "{bad:?}"
            );
        }
        let longest = "é".repeat(MAX_IDENTIFIER_LEN);
        assert!(identifier(&longest, MAX_IDENTIFIER_LEN, "id").is_ok());
        assert!(identifier(&"a".repeat(65), MAX_TOKEN_IDENTIFIER_LEN, "id").is_err());
    }

    #[test]
    fn path_segments_percent_encode_all_but_unreserved() {
        assert_eq!(
            path_segment("merchant.com.example-1_~", 255, "id"),
            Ok("merchant.com.example-1_~".to_string())
        );
        assert_eq!(
            path_segment("a b?c#d%é", 255, "id"),
            Ok("a%20b%3Fc%23d%25%C3%A9".to_string())
        );
    }

    #[test]
    fn urls_must_be_absolute_and_printable() {
        assert!(url("https://shop.example/notify?x=1", false, "u").is_ok());
        assert!(url("http://shop.example/", true, "u").is_ok());
        for bad in [
            "http://shop.example/",
            "shop.example",
            "https://",
            "https:///path",
            "https://user@shop.example/",
            "https://shop.example/a b",
            "ftp://shop.example/",
            "https://shop.example/\\",
        ] {
            assert!(url(bad, false, "u").is_err(), "{bad}");
        }
    }
}
