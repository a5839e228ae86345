//! The merchant validation URL check (the request body and Apple's answer are in
//! `merchant_session`).
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

use alloc::string::String;
use core::fmt;

use crate::error::Error;

/// Longest validation URL accepted, in bytes.
pub const MAX_VALIDATION_URL_LEN: usize = 2048;

/// Apple's merchant validation hosts, exactly as Apple publishes them ("Setting Up Your
/// Server", Apple Pay on the Web): the global and China gateways, the regional pods
/// behind them (`nc` and `pr` in production, Shanghai `sh` and Tianjin `tj` in China),
/// and the sandbox gateways. No pattern: a host that merely looks like these
/// (`apple-pay-gateway-nc-pod6.apple.com`) is refused.
pub const APPLE_PAY_GATEWAY_HOSTS: [&str; 20] = [
    // Production.
    "apple-pay-gateway.apple.com",
    "cn-apple-pay-gateway.apple.com",
    "apple-pay-gateway-nc-pod1.apple.com",
    "apple-pay-gateway-nc-pod2.apple.com",
    "apple-pay-gateway-nc-pod3.apple.com",
    "apple-pay-gateway-nc-pod4.apple.com",
    "apple-pay-gateway-nc-pod5.apple.com",
    "apple-pay-gateway-pr-pod1.apple.com",
    "apple-pay-gateway-pr-pod2.apple.com",
    "apple-pay-gateway-pr-pod3.apple.com",
    "apple-pay-gateway-pr-pod4.apple.com",
    "apple-pay-gateway-pr-pod5.apple.com",
    "cn-apple-pay-gateway-sh-pod1.apple.com",
    "cn-apple-pay-gateway-sh-pod2.apple.com",
    "cn-apple-pay-gateway-sh-pod3.apple.com",
    "cn-apple-pay-gateway-tj-pod1.apple.com",
    "cn-apple-pay-gateway-tj-pod2.apple.com",
    "cn-apple-pay-gateway-tj-pod3.apple.com",
    // Sandbox.
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
    /// [`APPLE_PAY_GATEWAY_HOSTS`], compared ASCII case-insensitively. Refused, with the reason as
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

    /// The path and query (`/paymentservices/startSession`), at least `/`: the target of
    /// the HTTP request line. Free of spaces and control characters, as the whole URL is.
    #[must_use]
    pub fn path_and_query(&self) -> &str {
        self.url
            .get("https://".len() + self.host_len..)
            .filter(|p| !p.is_empty())
            .unwrap_or("/")
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

/// Whether a lower-case host is one of Apple's gateways: on the list, nothing else.
fn is_apple_pay_gateway(host: &str) -> bool {
    APPLE_PAY_GATEWAY_HOSTS.contains(&host)
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
            assert!(APPLE_PAY_GATEWAY_HOSTS.contains(&checked.host()));
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
            // Shaped like Apple's pods, but not on Apple's list.
            (
                "https://apple-pay-gateway-nc-pod6.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-nc-pod0.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-xx-pod1.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-sh-pod1.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://cn-apple-pay-gateway-nc-pod1.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://cn-apple-pay-gateway-tj-pod4.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://apple-pay-gateway-nc-pod1-dr.apple.com/",
                "host is not an apple pay gateway",
            ),
            (
                "https://cn-apple-pay-gateway-cert-pod1.apple.com/",
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
    fn path_and_query_is_the_request_target() {
        for (url, target) in [
            (
                "https://apple-pay-gateway.apple.com/paymentservices/startSession",
                "/paymentservices/startSession",
            ),
            ("https://APPLE-PAY-GATEWAY.apple.com", "/"),
            ("https://apple-pay-gateway.apple.com:443?a=b", "/?a=b"),
            ("https://apple-pay-gateway-cert.apple.com/p?q=1", "/p?q=1"),
        ] {
            let parsed = ValidationUrl::parse(url).unwrap();
            assert_eq!(parsed.path_and_query(), target, "{url}");
        }
    }
}
