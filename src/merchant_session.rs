//! Merchant validation, without I/O: checking the `validationURL` the browser sends,
//! building the request body for Apple, and passing Apple's answer back untouched.
//!
//! In Apple Pay on the Web the browser hands the server a `validationURL`; the server
//! POSTs to it with its Merchant Identity certificate and returns the merchant session to
//! the browser. The URL comes from the client, so a server that connects to it
//! unchecked can be pointed anywhere (SSRF), presenting its TLS client certificate on the
//! way. [`ValidationUrl::parse`] lets through only `https` URLs on Apple's gateway hosts.
//!
//! The parser is written here, on purpose, rather than taken from the `url` crate: `url`
//! implements the WHATWG algorithm, which *repairs* input (percent-decodes and
//! IDNA-maps hosts, turns `\` into `/`, accepts `0443` as a port, resolves numeric hosts
//! like `0x7f.1`), and it pulls in IDNA tables; an allowlist wants the opposite — accept
//! only a strict ASCII subset, byte for byte, and refuse everything else. It stays
//! `no_std`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;

use crate::error::Error;

/// Longest validation URL accepted, in bytes.
pub const MAX_VALIDATION_URL_LEN: usize = 2048;

/// Longest `displayName` Apple accepts, in characters.
pub const MAX_DISPLAY_NAME_LEN: usize = 64;

/// Largest merchant session (Apple's answer) passed through, in bytes.
pub const MAX_MERCHANT_SESSION_LEN: usize = 64 * 1024;

/// Apple's merchant validation hosts (production, China, and their sandbox
/// counterparts). The older regional pods are matched by pattern, see
/// [`ValidationUrl::parse`].
pub const APPLE_PAY_GATEWAY_HOSTS: [&str; 4] = [
    "apple-pay-gateway.apple.com",
    "cn-apple-pay-gateway.apple.com",
    "apple-pay-gateway-cert.apple.com",
    "cn-apple-pay-gateway-cert.apple.com",
];

/// A `validationURL` checked to point at one of Apple's Apple Pay gateways.
///
/// The only way to get one is [`ValidationUrl::parse`]; hand it to your HTTP client as
/// [`ValidationUrl::as_str`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationUrl {
    url: String,
    host_len: usize,
}

impl ValidationUrl {
    /// Checks a `validationURL` from the browser.
    ///
    /// Accepted: `https://HOST[:443][/path][?query]` where `HOST` is one of
    /// [`APPLE_PAY_GATEWAY_HOSTS`] or a regional pod
    /// `[cn-]apple-pay-gateway-XX-podN.apple.com` (`XX` two letters, `N` one or two
    /// digits), compared ASCII case-insensitively. Refused, with the reason as
    /// [`Error::UntrustedValidationUrl`]: any other scheme, userinfo (`user@`), any port
    /// but 443, IP literals, a trailing dot, any other host (look-alikes such as
    /// `apple-pay-gateway.apple.com.evil.example`), non-ASCII text (IDN), percent-encoded
    /// hosts, whitespace, control characters, backslashes and fragments.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let untrusted = Error::UntrustedValidationUrl;
        if url.len() > MAX_VALIDATION_URL_LEN {
            return Err(untrusted("url too long"));
        }
        if !url.is_ascii() {
            return Err(untrusted("non-ascii characters (idn)"));
        }
        if url.bytes().any(|b| !b.is_ascii_graphic() || b == b'\\') {
            return Err(untrusted("whitespace, control character or backslash"));
        }
        if url.contains('#') {
            return Err(untrusted("fragment"));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or(untrusted("not an absolute url"))?;
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(untrusted("scheme is not https"));
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(untrusted("userinfo"));
        }
        if authority.starts_with('[') {
            return Err(untrusted("ip literal"));
        }
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if port.is_some_and(|p| p != "443") {
            return Err(untrusted("port is not 443"));
        }
        if host.is_empty() {
            return Err(untrusted("no host"));
        }
        if host.ends_with('.') {
            return Err(untrusted("trailing dot in host"));
        }
        if is_ip_literal(host) {
            return Err(untrusted("ip literal"));
        }
        let lower = host.to_ascii_lowercase();
        if !is_apple_pay_gateway(&lower) {
            return Err(untrusted("host is not an apple pay gateway"));
        }
        let mut normalized = String::with_capacity(url.len());
        normalized.push_str("https://");
        normalized.push_str(&lower);
        if !path.starts_with('/') {
            normalized.push('/');
        }
        normalized.push_str(path);
        Ok(Self {
            url: normalized,
            host_len: lower.len(),
        })
    }

    /// The URL, normalised: scheme and host lower-case, no explicit port, at least `/` as
    /// path.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The gateway host, lower-case.
    #[must_use]
    pub fn host(&self) -> &str {
        self.url
            .get("https://".len().."https://".len() + self.host_len)
            .unwrap_or_default()
    }
}

impl fmt::Display for ValidationUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// Digits and dots only (`127.0.0.1`, `2130706433`), or hex forms (`0x7f.1`): hosts that
/// resolvers treat as IPv4 addresses.
fn is_ip_literal(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    last.bytes().all(|b| b.is_ascii_digit())
        || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"))
}

/// Whether a lower-case host is one of Apple's gateways.
fn is_apple_pay_gateway(host: &str) -> bool {
    if APPLE_PAY_GATEWAY_HOSTS.contains(&host) {
        return true;
    }
    // Regional pods: [cn-]apple-pay-gateway-XX-podN.apple.com
    let Some(rest) = host.strip_suffix(".apple.com") else {
        return false;
    };
    let rest = rest.strip_prefix("cn-").unwrap_or(rest);
    let Some(rest) = rest.strip_prefix("apple-pay-gateway-") else {
        return false;
    };
    let Some((region, pod)) = rest.split_once("-pod") else {
        return false;
    };
    region.len() == 2
        && region.bytes().all(|b| b.is_ascii_lowercase())
        && (1..=2).contains(&pod.len())
        && pod.bytes().all(|b| b.is_ascii_digit())
}

/// Where the payment is initiated, as Apple's `initiative` field names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Initiative {
    /// Apple Pay on the Web; `initiativeContext` is the domain name of the site.
    #[serde(rename = "web")]
    Web,
    /// Apple Pay in Business Chat / Messages; `initiativeContext` is the payment
    /// gateway URL.
    #[serde(rename = "messaging")]
    Messaging,
    /// Apple Pay in an app's web view.
    #[serde(rename = "in_app")]
    InApp,
}

/// The body a server POSTs to the validation URL to get a merchant session.
///
/// ```
/// use applepay_crypto::{Initiative, MerchantSessionRequest};
/// let body = MerchantSessionRequest::new(
///     "merchant.com.example",
///     "Example Store",
///     Initiative::Web,
///     "shop.example.com",
/// )?
/// .to_json();
/// assert_eq!(
///     body,
///     r#"{"merchantIdentifier":"merchant.com.example","displayName":"Example Store","initiative":"web","initiativeContext":"shop.example.com"}"#
/// );
/// # Ok::<(), applepay_crypto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantSessionRequest {
    merchant_identifier: String,
    display_name: String,
    initiative: Initiative,
    initiative_context: String,
}

impl MerchantSessionRequest {
    /// Checks and assembles the request.
    ///
    /// `merchant_identifier` is the identifier registered with Apple
    /// (`merchant.com.example`); `display_name` 1 to [`MAX_DISPLAY_NAME_LEN`]
    /// characters; for [`Initiative::Web`], `initiative_context` is the site's domain name
    /// (ASCII or punycode, no scheme, port or path; stored lower-case). Anything else is
    /// [`Error::InvalidParameter`] naming the field.
    pub fn new(
        merchant_identifier: &str,
        display_name: &str,
        initiative: Initiative,
        initiative_context: &str,
    ) -> Result<Self, Error> {
        let no_controls = |s: &str| !s.chars().any(char::is_control);
        if merchant_identifier.is_empty()
            || merchant_identifier.len() > 255
            || !merchant_identifier.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Error::InvalidParameter("merchantIdentifier"));
        }
        let name_len = display_name.chars().count();
        if name_len == 0 || name_len > MAX_DISPLAY_NAME_LEN || !no_controls(display_name) {
            return Err(Error::InvalidParameter("displayName (1 to 64 characters)"));
        }
        let initiative_context = match initiative {
            Initiative::Web => {
                if !is_domain_name(initiative_context) {
                    return Err(Error::InvalidParameter(
                        "initiativeContext (the site's domain name)",
                    ));
                }
                initiative_context.to_ascii_lowercase()
            }
            Initiative::Messaging | Initiative::InApp => {
                if initiative_context.is_empty()
                    || initiative_context.len() > MAX_VALIDATION_URL_LEN
                    || !no_controls(initiative_context)
                {
                    return Err(Error::InvalidParameter("initiativeContext"));
                }
                initiative_context.to_string()
            }
        };
        Ok(Self {
            merchant_identifier: merchant_identifier.to_string(),
            display_name: display_name.to_string(),
            initiative,
            initiative_context,
        })
    }

    /// The JSON body (compact, fields in Apple's documented order).
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising a struct of strings and a unit enum cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An ASCII (or punycode) host name: dot-separated labels of letters, digits and inner
/// hyphens, 1 to 63 bytes each, 253 in all, at least two labels, no trailing dot.
fn is_domain_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').count() >= 2
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The merchant session Apple returns: opaque JSON, passed to the browser unchanged
/// (`session.completeMerchantValidation(...)`).
///
/// Only checked to be a JSON object within [`MAX_MERCHANT_SESSION_LEN`]; the bytes are
/// kept exactly as received.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantSession(Vec<u8>);

impl MerchantSession {
    /// Wraps Apple's answer, checking that it is one JSON object.
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_MERCHANT_SESSION_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_MERCHANT_SESSION_LEN,
            });
        }
        let is_object = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'{');
        if !is_object || serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
            return Err(Error::Malformed("merchant session"));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The bytes exactly as Apple sent them.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Unwraps the bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Shows only the length: the session carries a signature and nonces meant for the
/// browser, not for logs.
impl fmt::Debug for MerchantSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantSession({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn apple_gateways_pass() {
        for (url, normalized) in [
            (
                "https://apple-pay-gateway.apple.com/paymentservices/startSession",
                "https://apple-pay-gateway.apple.com/paymentservices/startSession",
            ),
            (
                "https://apple-pay-gateway-cert.apple.com/paymentservices/paymentSession",
                "https://apple-pay-gateway-cert.apple.com/paymentservices/paymentSession",
            ),
            (
                "https://cn-apple-pay-gateway.apple.com/paymentservices/paymentSession",
                "https://cn-apple-pay-gateway.apple.com/paymentservices/paymentSession",
            ),
            (
                "https://cn-apple-pay-gateway-cert.apple.com/x",
                "https://cn-apple-pay-gateway-cert.apple.com/x",
            ),
            (
                "HTTPS://Apple-Pay-Gateway.APPLE.com:443/paymentservices/startSession",
                "https://apple-pay-gateway.apple.com/paymentservices/startSession",
            ),
            (
                "https://apple-pay-gateway-nc-pod5.apple.com/paymentservices/startSession",
                "https://apple-pay-gateway-nc-pod5.apple.com/paymentservices/startSession",
            ),
            (
                "https://cn-apple-pay-gateway-sh-pod1.apple.com/paymentservices/startSession",
                "https://cn-apple-pay-gateway-sh-pod1.apple.com/paymentservices/startSession",
            ),
            (
                "https://apple-pay-gateway.apple.com",
                "https://apple-pay-gateway.apple.com/",
            ),
            (
                "https://apple-pay-gateway.apple.com?a=b",
                "https://apple-pay-gateway.apple.com/?a=b",
            ),
        ] {
            let checked = ValidationUrl::parse(url);
            assert!(checked.is_ok(), "{url}: {checked:?}");
            let checked = checked.unwrap();
            assert_eq!(checked.as_str(), normalized);
            assert!(
                APPLE_PAY_GATEWAY_HOSTS.contains(&checked.host())
                    || checked.host().contains("-pod")
            );
        }
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            (
                "http://apple-pay-gateway.apple.com/paymentservices/startSession",
                "scheme is not https",
            ),
            ("ftp://apple-pay-gateway.apple.com/", "scheme is not https"),
            ("https:apple-pay-gateway.apple.com/", "not an absolute url"),
            ("//apple-pay-gateway.apple.com/", "not an absolute url"),
            (
                "https://apple-pay-gateway.apple.com.evil.example/",
                "host is not an apple pay gateway",
            ),
            (
                "https://evil-apple-pay-gateway.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway.apple.com.evil.example:443/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway.apple.co/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://xapple-pay-gateway.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-nc-pod123.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-evil-pod1.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway%2eapple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://xn--apple-pay-gateway-xyz.apple.com/",
                "host is not an apple pay gateway",
            ),
            ("https://apple.com/", "host is not an apple pay gateway"),
            (
                "https://apple-pay-gateway.apple.com@evil.example/",
                "userinfo",
            ),
            (
                "https://evil.example@apple-pay-gateway.apple.com/",
                "userinfo",
            ),
            ("https://user:pass@apple-pay-gateway.apple.com/", "userinfo"),
            (
                "https://apple-pay-gateway.apple.com:8443/",
                "port is not 443",
            ),
            ("https://apple-pay-gateway.apple.com:80/", "port is not 443"),
            (
                "https://apple-pay-gateway.apple.com:0443/",
                "port is not 443",
            ),
            ("https://apple-pay-gateway.apple.com:/", "port is not 443"),
            (
                "https://apple-pay-gateway.apple.com:443:443/",
                "port is not 443",
            ),
            (
                "https://apple-pay-gateway.apple.com./paymentservices",
                "trailing dot in host",
            ),
            (
                "https://apple-pay-gateway.apple.com.:443/",
                "trailing dot in host",
            ),
            (
                "https://17.171.78.7/paymentservices/startSession",
                "ip literal",
            ),
            ("https://2130706433/", "ip literal"),
            ("https://0x7f.1/", "ip literal"),
            ("https://[::1]/", "ip literal"),
            ("https://[::ffff:17.171.78.7]:443/", "ip literal"),
            (
                "https://apple-pay-gateway.аpple.com/",
                "non-ascii characters (idn)",
            ),
            (
                "https://apple-pay-gateway.apple.com\u{3002}evil.example/",
                "non-ascii characters (idn)",
            ),
            (
                "https://apple-pay-gateway.apple.com\\@evil.example/",
                "whitespace, control character or backslash",
            ),
            (
                "https://apple-pay-gateway.apple.com /",
                "whitespace, control character or backslash",
            ),
            (
                "https://apple-pay-gateway.apple.com\n.evil/",
                "whitespace, control character or backslash",
            ),
            (
                "https://apple-pay-gateway.apple.com#@evil.example/",
                "fragment",
            ),
            ("https:///", "no host"),
            ("https://:443/", "no host"),
            ("", "not an absolute url"),
        ];
        for (url, why) in cases {
            assert_eq!(
                ValidationUrl::parse(url),
                Err(Error::UntrustedValidationUrl(why)),
                "{url}"
            );
        }
        let long = format!(
            "https://apple-pay-gateway.apple.com/{}",
            "a".repeat(MAX_VALIDATION_URL_LEN)
        );
        assert_eq!(
            ValidationUrl::parse(&long),
            Err(Error::UntrustedValidationUrl("url too long"))
        );
    }

    #[test]
    fn request_body() {
        let web = MerchantSessionRequest::new(
            "merchant.com.example",
            "Café ☕",
            Initiative::Web,
            "Shop.Example.com",
        )
        .unwrap();
        assert_eq!(
            web.to_json(),
            r#"{"merchantIdentifier":"merchant.com.example","displayName":"Café ☕","initiative":"web","initiativeContext":"shop.example.com"}"#
        );
        let in_app = MerchantSessionRequest::new(
            "merchant.com.example",
            "X",
            Initiative::InApp,
            "com.example.app",
        )
        .unwrap();
        assert!(in_app.to_json().contains(r#""initiative":"in_app""#));
        let messaging = MerchantSessionRequest::new(
            "merchant.com.example",
            "X",
            Initiative::Messaging,
            "https://psp.example/pay",
        )
        .unwrap();
        assert!(
            messaging.to_json().contains(
                r#""initiative":"messaging","initiativeContext":"https://psp.example/pay""#
            )
        );
        let at_limit = "é".repeat(MAX_DISPLAY_NAME_LEN);
        assert!(
            MerchantSessionRequest::new(
                "merchant.com.example",
                &at_limit,
                Initiative::Web,
                "example.com"
            )
            .is_ok()
        );
    }

    #[test]
    fn request_body_refuses_bad_fields() {
        let long = "x".repeat(MAX_DISPLAY_NAME_LEN + 1);
        let cases: &[(&str, &str, Initiative, &str)] = &[
            ("", "X", Initiative::Web, "example.com"),
            ("merchant com", "X", Initiative::Web, "example.com"),
            ("merchant.com.example", "", Initiative::Web, "example.com"),
            (
                "merchant.com.example",
                &long,
                Initiative::Web,
                "example.com",
            ),
            (
                "merchant.com.example",
                "a\u{0}b",
                Initiative::Web,
                "example.com",
            ),
            (
                "merchant.com.example",
                "X",
                Initiative::Web,
                "https://example.com",
            ),
            (
                "merchant.com.example",
                "X",
                Initiative::Web,
                "example.com:443",
            ),
            ("merchant.com.example", "X", Initiative::Web, "example.com."),
            ("merchant.com.example", "X", Initiative::Web, "localhost"),
            ("merchant.com.example", "X", Initiative::Web, "exämple.com"),
            (
                "merchant.com.example",
                "X",
                Initiative::Web,
                "-a.example.com",
            ),
            ("merchant.com.example", "X", Initiative::Messaging, ""),
        ];
        for (id, name, initiative, context) in cases {
            assert!(
                matches!(
                    MerchantSessionRequest::new(id, name, *initiative, context),
                    Err(Error::InvalidParameter(_))
                ),
                "{id:?} {name:?} {context:?}"
            );
        }
    }

    #[test]
    fn merchant_session_passes_through_byte_for_byte() {
        let raw = br#" {"epochTimestamp":1700000000000,"merchantSessionIdentifier":"SSH...","signature":"abc","nested":{"z":1,"a":[1.50,2]}} "#;
        let session = MerchantSession::from_json(raw).unwrap();
        assert_eq!(session.as_bytes(), raw);
        assert!(!format!("{session:?}").contains("signature"));
        for bad in [&b""[..], b"[]", b"\"x\"", b"{", b"{} {}", b"null"] {
            assert_eq!(
                MerchantSession::from_json(bad),
                Err(Error::Malformed("merchant session"))
            );
        }
        let big = alloc::vec![b' '; MAX_MERCHANT_SESSION_LEN + 1];
        assert!(matches!(
            MerchantSession::from_json(&big),
            Err(Error::InputTooLarge { .. })
        ));
    }
}
