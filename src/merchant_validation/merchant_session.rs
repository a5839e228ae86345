//! Merchant validation, without I/O: the request body a server POSTs to Apple's
//! validation URL (checked by [`crate::ValidationUrl`]), and Apple's answer, passed back
//! to the browser untouched.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;

use crate::error::Error;
use crate::merchant_validation::validation_url::MAX_VALIDATION_URL_LEN;

/// Longest `displayName` Apple accepts, in characters.
pub const MAX_DISPLAY_NAME_LEN: usize = 64;

/// Largest merchant session (Apple's answer) passed through, in bytes.
pub const MAX_MERCHANT_SESSION_LEN: usize = 64 * 1024;

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
