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
pub(crate) fn is_domain_name(name: &str) -> bool {
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
/// Checked to be one JSON object within [`MAX_MERCHANT_SESSION_LEN`]; the bytes are kept
/// exactly as received. The fields worth logging or checking are readable, typed; a field
/// that is absent or of another type reads as `None`.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantSession {
    bytes: Vec<u8>,
    fields: SessionFields,
}

/// The typed fields read from a merchant session.
#[derive(Clone, Default, PartialEq, Eq)]
struct SessionFields {
    merchant_session_identifier: Option<String>,
    epoch_timestamp: Option<u64>,
    expires_at: Option<u64>,
    domain_name: Option<String>,
    display_name: Option<String>,
}

/// The JSON object at the top of `bytes`, within `limit` bytes.
pub(crate) fn json_object(
    bytes: &[u8],
    limit: usize,
    what: &'static str,
) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    if bytes.len() > limit {
        return Err(Error::InputTooLarge { limit });
    }
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(Error::Malformed(what)),
    }
}

fn string_field(map: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    map.get(name)
        .and_then(|v| v.as_str())
        .map(ToString::to_string)
}

impl MerchantSession {
    /// Wraps Apple's answer, checking that it is one JSON object of at most
    /// [`MAX_MERCHANT_SESSION_LEN`] bytes ([`Error::InputTooLarge`] otherwise; anything
    /// but an object is [`Error::Malformed`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let map = json_object(bytes, MAX_MERCHANT_SESSION_LEN, "merchant session")?;
        let fields = SessionFields {
            merchant_session_identifier: string_field(&map, "merchantSessionIdentifier"),
            epoch_timestamp: map.get("epochTimestamp").and_then(|v| v.as_u64()),
            expires_at: map.get("expiresAt").and_then(|v| v.as_u64()),
            domain_name: string_field(&map, "domainName"),
            display_name: string_field(&map, "displayName"),
        };
        Ok(Self {
            bytes: bytes.to_vec(),
            fields,
        })
    }

    /// The bytes exactly as Apple sent them.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Unwraps the bytes.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// `merchantSessionIdentifier`: Apple's identifier of this session, for logs.
    #[must_use]
    pub fn merchant_session_identifier(&self) -> Option<&str> {
        self.fields.merchant_session_identifier.as_deref()
    }

    /// `epochTimestamp`: when Apple made the session, in milliseconds since the Unix epoch.
    #[must_use]
    pub fn epoch_timestamp_ms(&self) -> Option<u64> {
        self.fields.epoch_timestamp
    }

    /// `expiresAt`: when the session stops being accepted, in milliseconds since the Unix
    /// epoch (Apple gives the browser about five minutes).
    #[must_use]
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.fields.expires_at
    }

    /// `domainName`: the domain the session was made for; compare it with the site's.
    #[must_use]
    pub fn domain_name(&self) -> Option<&str> {
        self.fields.domain_name.as_deref()
    }

    /// `displayName`: the merchant name the payment sheet shows.
    #[must_use]
    pub fn display_name(&self) -> Option<&str> {
        self.fields.display_name.as_deref()
    }
}

/// Shows only the length and the session identifier: the session carries a signature and
/// nonces meant for the browser, not for logs.
impl fmt::Debug for MerchantSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantSession")
            .field("len", &self.bytes.len())
            .field(
                "merchant_session_identifier",
                &self.merchant_session_identifier(),
            )
            .finish_non_exhaustive()
    }
}

/// Apple's answer when it refuses a request (a non-2xx status), in either of its two
/// shapes: `{"statusMessage":"Payment Services Exception merchantId=… unregistered",
/// "statusCode":"400"}` (merchant sessions, platform registration; `statusCode` often a
/// string) or `{"errorMessage":…,"statusCode":404,"subStatusCode":…}` (merchant tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayErrorResponse {
    status_message: Option<String>,
    error_message: Option<String>,
    status_code: Option<String>,
    sub_status_code: Option<String>,
}

impl GatewayErrorResponse {
    /// Reads an error answer: a JSON object of at most [`MAX_MERCHANT_SESSION_LEN`] bytes
    /// ([`Error::InputTooLarge`], [`Error::Malformed`] otherwise).
    pub fn from_json(bytes: &[u8]) -> Result<Self, Error> {
        let map = json_object(bytes, MAX_MERCHANT_SESSION_LEN, "gateway error response")?;
        let code = |name: &str| match map.get(name) {
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            Some(serde_json::Value::Number(code)) => Some(code.to_string()),
            _ => None,
        };
        Ok(Self {
            status_message: string_field(&map, "statusMessage"),
            error_message: string_field(&map, "errorMessage"),
            status_code: code("statusCode"),
            sub_status_code: code("subStatusCode"),
        })
    }

    /// Apple's explanation, whichever shape carried it: `statusMessage`, else
    /// `errorMessage`. Escape it before display.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.status_message().or(self.error_message())
    }

    /// `errorMessage`: the Merchant Token Management API's explanation; control
    /// characters are left as sent, so escape it before display.
    #[must_use]
    pub fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }

    /// `subStatusCode`: the Merchant Token Management API's finer code, as text.
    #[must_use]
    pub fn sub_status_code(&self) -> Option<&str> {
        self.sub_status_code.as_deref()
    }

    /// `statusMessage`: Apple's explanation (for example an unregistered merchant id or
    /// domain); control characters are left as sent, so escape it before display.
    #[must_use]
    pub fn status_message(&self) -> Option<&str> {
        self.status_message.as_deref()
    }

    /// `statusCode`: Apple's code, as text (`"400"`); a JSON number is given in decimal.
    #[must_use]
    pub fn status_code(&self) -> Option<&str> {
        self.status_code.as_deref()
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

    #[test]
    fn merchant_session_fields_are_typed() {
        let raw = br#"{"epochTimestamp":1764600000000,"expiresAt":1764603600000,"merchantSessionIdentifier":"SSH0F1E","nonce":"4d4f","domainName":"shop.example.com","displayName":"Example Shop","signature":"3080"}"#;
        let session = MerchantSession::from_json(raw).unwrap();
        assert_eq!(session.merchant_session_identifier(), Some("SSH0F1E"));
        assert_eq!(session.epoch_timestamp_ms(), Some(1_764_600_000_000));
        assert_eq!(session.expires_at_ms(), Some(1_764_603_600_000));
        assert_eq!(session.domain_name(), Some("shop.example.com"));
        assert_eq!(session.display_name(), Some("Example Shop"));
        assert_eq!(session.clone().into_bytes(), raw);
        let debug = format!("{session:?}");
        assert!(
            debug.contains("SSH0F1E") && !debug.contains("3080"),
            "{debug}"
        );

        // Absent or mistyped fields read as None; the bytes still pass through.
        let odd = br#"{"epochTimestamp":"soon","expiresAt":-1,"domainName":7}"#;
        let session = MerchantSession::from_json(odd).unwrap();
        assert_eq!(session.epoch_timestamp_ms(), None);
        assert_eq!(session.expires_at_ms(), None);
        assert_eq!(session.domain_name(), None);
        assert_eq!(session.merchant_session_identifier(), None);
        assert_eq!(session.as_bytes(), odd);
    }

    #[test]
    fn gateway_error_response() {
        let answer = GatewayErrorResponse::from_json(
            br#"{"statusMessage":"Payment Services Exception merchantId=0F1E unregistered","statusCode":"400"}"#,
        )
        .unwrap();
        assert_eq!(
            answer.status_message(),
            Some("Payment Services Exception merchantId=0F1E unregistered")
        );
        assert_eq!(answer.status_code(), Some("400"));
        let numeric = GatewayErrorResponse::from_json(br#"{"statusCode":417}"#).unwrap();
        assert_eq!(numeric.status_code(), Some("417"));
        assert_eq!(numeric.status_message(), None);
        for bad in [&b"<html>"[..], b"[]", b""] {
            assert_eq!(
                GatewayErrorResponse::from_json(bad),
                Err(Error::Malformed("gateway error response"))
            );
        }
        let big = alloc::vec![b' '; MAX_MERCHANT_SESSION_LEN + 1];
        assert!(matches!(
            GatewayErrorResponse::from_json(&big),
            Err(Error::InputTooLarge { .. })
        ));
    }
}
