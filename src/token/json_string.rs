//! JSON values of the payment data read straight from the plaintext's bytes.
//!
//! The typed view deserializes every field as a borrowed [`RawValue`] (the field's JSON
//! text, still escaped) and interprets it here. Two reasons:
//!
//! - **Secrets stay in zeroizing storage.** `serde_json` unescapes strings (`\/`, `\u0034`)
//!   through a scratch buffer it frees without zeroizing, and grows it by reallocation; a
//!   PAN or cryptogram with an escape would leave copies in freed memory. [`secret`]
//!   unescapes into a [`Zeroizing`] string allocated once at the raw text's length (an
//!   escape never decodes to more bytes than it takes), so it never reallocates.
//! - **Lenient types are decided by this crate**, not by a derive: an amount may be a
//!   number or a digit string, an ECI indicator a string or a number, and a mistyped
//!   optional field is ignored instead of failing the whole payment.

use alloc::borrow::Cow;
use alloc::string::String;
use core::ops::Range;

use serde_json::value::RawValue;
use zeroize::Zeroizing;

/// The JSON text of `raw`, without surrounding whitespace.
fn text(raw: &RawValue) -> &str {
    raw.get()
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Whether `raw` is a JSON object (`{…}`).
pub(crate) fn is_object(raw: &RawValue) -> bool {
    text(raw).starts_with('{')
}

/// Whether `raw` is a JSON array (`[…]`).
pub(crate) fn is_array(raw: &RawValue) -> bool {
    text(raw).starts_with('[')
}

/// Unescapes the JSON string literal `literal` (quotes included) into `out`, returning
/// `None` if it is not a string literal or holds an escape that is not a character (a
/// lone surrogate). `out` must have room for `literal.len()` bytes to never reallocate.
fn unescape_into(literal: &str, out: &mut String) -> Option<()> {
    fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value * 16 + chars.next()?.to_digit(16)?;
        }
        Some(value)
    }
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut chars = inner.chars();
    loop {
        // The text up to the next escape (usually all of it), in one copy.
        let rest = chars.as_str();
        let plain = rest.find('\\').unwrap_or(rest.len());
        out.push_str(rest.get(..plain)?);
        chars = rest.get(plain..)?.chars();
        if chars.next().is_none() {
            break;
        }
        let decoded = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => match hex4(&mut chars)? {
                high @ 0xD800..=0xDBFF => {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let low = hex4(&mut chars)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))?
                }
                // A lone low surrogate is refused by `from_u32`.
                code => char::from_u32(code)?,
            },
            _ => return None,
        };
        out.push(decoded);
    }
    Some(())
}

/// A string of the payment data, kept with the plaintext it was read from: where it lies
/// in the plaintext when it has no escapes (the usual case: no copy, and a secret is
/// zeroized with the plaintext), else its unescaped value in zeroizing storage.
pub(crate) enum Text {
    /// The byte range of the string's contents in the plaintext.
    In(Range<usize>),
    /// The unescaped value.
    Owned(Zeroizing<String>),
}

impl Text {
    /// The string, given the plaintext it was read from (empty if that is another one).
    pub(crate) fn get<'a>(&'a self, plaintext: &'a [u8]) -> &'a str {
        match self {
            Self::In(range) => plaintext
                .get(range.clone())
                .and_then(|bytes| core::str::from_utf8(bytes).ok())
                .unwrap_or_default(),
            Self::Owned(value) => value,
        }
    }
}

/// Where `part`, a slice of `document`, lies in it.
fn range_in(document: &str, part: &str) -> Option<Range<usize>> {
    let start = part.as_ptr().addr().checked_sub(document.as_ptr().addr())?;
    let end = start.checked_add(part.len())?;
    let found = document.get(start..end)?;
    core::ptr::eq(found, part).then_some(start..end)
}

/// The string value of `raw`, read from `document`, as a [`Text`] of it; `None` if `raw`
/// is not a string.
pub(crate) fn text_in(raw: &RawValue, document: &str) -> Option<Text> {
    let literal = text(raw);
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        return secret(raw).map(Text::Owned);
    }
    range_in(document, inner).map(Text::In)
}

/// As [`text_in`], and a JSON number as its decimal text (an ECI indicator sent as `7`
/// rather than `"7"`); `None` for any other type.
pub(crate) fn text_or_number_in(raw: &RawValue, document: &str) -> Option<Text> {
    let literal = text(raw);
    match literal.bytes().next()? {
        b'-' | b'0'..=b'9' => range_in(document, literal).map(Text::In),
        _ => text_in(raw, document),
    }
}

/// A string value unescaped into zeroizing storage, or `None` if `raw` is not a string.
pub(crate) fn secret(raw: &RawValue) -> Option<Zeroizing<String>> {
    let literal = text(raw);
    let mut out = Zeroizing::new(String::with_capacity(literal.len()));
    unescape_into(literal, &mut out)?;
    Some(out)
}

/// A string value that is not secret, borrowed from the plaintext when it has no escapes;
/// `None` if `raw` is not a string.
pub(crate) fn borrowed(raw: &RawValue) -> Option<Cow<'_, str>> {
    let literal = text(raw);
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        string(raw).map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// A string value that is not secret, or `None` if `raw` is not a string.
pub(crate) fn string(raw: &RawValue) -> Option<String> {
    let literal = text(raw);
    let mut out = String::with_capacity(literal.len());
    unescape_into(literal, &mut out)?;
    Some(out)
}

/// An amount in minor units: a JSON integer, or a string of decimal digits, up to
/// `u64::MAX`. `None` for anything else (a sign, a fraction, an exponent, an empty
/// string, a value that does not fit).
pub(crate) fn amount(raw: &RawValue) -> Option<u64> {
    let literal = text(raw);
    let digits = if literal.starts_with('"') {
        borrowed(raw)?
    } else {
        Cow::Borrowed(literal)
    };
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |acc, b| {
        let digit = u64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
        acc.checked_mul(10)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    fn raw(json: &str) -> Box<RawValue> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn strings_are_unescaped() {
        let cases = [
            (r#""plain""#, "plain"),
            (r#""a\/b\\c\"d""#, "a/b\\c\"d"),
            (r#""\u0034\u0031""#, "41"),
            (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (r#""Zo\u00eb \ud83d\udcb3 山田""#, "Zoë 💳 山田"),
            (r#""""#, ""),
        ];
        for (json, want) in cases {
            assert_eq!(string(&raw(json)).as_deref(), Some(want), "{json}");
            assert_eq!(
                secret(&raw(json)).as_deref().map(String::as_str),
                Some(want)
            );
        }
        for json in [
            "12",
            "null",
            "true",
            "{}",
            "[\"a\"]",
            r#""\ud800""#,
            r#""\udc00x""#,
        ] {
            assert_eq!(string(&raw(json)), None, "{json}");
        }
    }

    #[test]
    fn secrets_never_outgrow_their_first_allocation() {
        for json in [r#""\u0034\u0031\/\/""#, r#""\ud83d\udcb3""#, r#""abc""#] {
            let literal = raw(json);
            let s = secret(&literal).unwrap();
            assert_eq!(s.capacity(), literal.get().len(), "{json}");
        }
    }

    #[test]
    fn amounts() {
        let cases = [
            ("0", Some(0)),
            ("1000", Some(1000)),
            (r#""1000""#, Some(1000)),
            (r#""007""#, Some(7)),
            ("18446744073709551615", Some(u64::MAX)),
            (r#""18446744073709551615""#, Some(u64::MAX)),
            ("18446744073709551616", None),
            (r#""18446744073709551616""#, None),
            ("-1", None),
            ("1.5", None),
            ("1e3", None),
            (r#""12.50""#, None),
            (r#""""#, None),
            (r#""+1""#, None),
            ("null", None),
            ("[1]", None),
        ];
        for (json, want) in cases {
            assert_eq!(amount(&raw(json)), want, "{json}");
        }
    }

    #[test]
    fn eci_as_string_or_number() {
        let read = |json: &str| {
            let document = format!(r#"{{"eci":{json}}}"#);
            let object: alloc::collections::BTreeMap<&str, &RawValue> =
                serde_json::from_str(&document).unwrap();
            text_or_number_in(object["eci"], &document)
                .map(|text| String::from(text.get(document.as_bytes())))
        };
        assert_eq!(read(r#""05""#).as_deref(), Some("05"));
        assert_eq!(read(r#""0\u0035""#).as_deref(), Some("05"));
        assert_eq!(read("7").as_deref(), Some("7"));
        assert_eq!(read("{}"), None);
        assert_eq!(read("true"), None);
    }

    /// A [`Text`] is a range of the document it was read from, or owned when unescaped.
    #[test]
    fn text_in_the_document() {
        let document = r#"{"a":"4111","b":"x\/y"}"#;
        let object: alloc::collections::BTreeMap<&str, &RawValue> =
            serde_json::from_str(document).unwrap();
        let a = text_in(object["a"], document).unwrap();
        assert!(matches!(&a, Text::In(range) if &document[range.clone()] == "4111"));
        let b = text_in(object["b"], document).unwrap();
        assert!(matches!(&b, Text::Owned(value) if value.as_str() == "x/y"));
        // A value not read from `document` is not placed in it.
        assert!(text_in(&raw(r#""4111""#), document).is_none());
        assert_eq!(a.get(b"{}"), "", "another plaintext gives no string");
    }
}
