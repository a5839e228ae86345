//! The gateway's one error type.

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

/// Everything that can go wrong in a call to Apple's gateway.
///
/// [`GatewayError::kind`] gives a stable name per variant (the `applepay` CLI prints it).
/// Text Apple sent (an error message, a redirect target) is shown with control and
/// bidirectional-override characters escaped, so a server cannot write to a terminal or
/// disguise a log line. Errors raised once a request exists carry its `x-request-id`,
/// which Apple's support asks for.
#[derive(Debug)]
#[non_exhaustive]
pub enum GatewayError {
    /// A parameter was refused before any connection: an identifier, domain list or URL
    /// ([`applepay_crypto::Error::InvalidParameter`]), a `--connect-to` rule, a proxy URL
    /// or a gateway host that is not Apple's. Fix the call.
    InvalidParameter(String),
    /// The identity cannot make this call: it is not a Merchant Identity certificate
    /// (merchant sessions and merchant tokens need one), or the TLS configuration could
    /// not be built from it. Nothing was sent.
    Identity(String),
    /// The TLS connection failed: the gateway's certificate is not trusted or not for the
    /// host, or the gateway refused the client certificate (in TLS 1.3 that refusal
    /// arrives while the answer is read).
    Tls {
        /// What rustls reported.
        message: String,
        /// The request's `x-request-id`.
        request_id: Uuid,
    },
    /// The exchange failed at the HTTP level: a status other than 2xx (with Apple's
    /// message, if it sent one), a redirect (never followed), or a broken connection.
    Http {
        /// The HTTP status, if an answer arrived.
        status: Option<u16>,
        /// What happened, with Apple's message escaped.
        message: String,
        /// The request's `x-request-id`.
        request_id: Uuid,
    },
    /// The whole call — resolving, connecting, the handshake, the request and the last
    /// byte of the answer — took longer than the deadline.
    Timeout {
        /// The deadline.
        limit: Duration,
        /// The request's `x-request-id`, once the request existed.
        request_id: Option<Uuid>,
    },
    /// A 2xx answer that is not one JSON object within the call's cap (refused without
    /// reading past the cap).
    MalformedAnswer {
        /// Why (too large, not an object).
        message: String,
        /// The request's `x-request-id`.
        request_id: Uuid,
    },
    /// The blocking facade's runtime could not start (out of threads or file
    /// descriptors); nothing was sent. Reported as kind `http`.
    Runtime(std::io::Error),
}

impl GatewayError {
    /// A stable machine-readable name: `invalid_parameter`, `identity`, `tls`, `http`,
    /// `timeout` or `malformed_answer`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidParameter(_) => "invalid_parameter",
            Self::Identity(_) => "identity",
            Self::Tls { .. } => "tls",
            Self::Http { .. } | Self::Runtime(_) => "http",
            Self::Timeout { .. } => "timeout",
            Self::MalformedAnswer { .. } => "malformed_answer",
        }
    }

    /// The `x-request-id` of the request this error belongs to, if a request was made.
    #[must_use]
    pub fn request_id(&self) -> Option<Uuid> {
        match self {
            Self::Tls { request_id, .. }
            | Self::Http { request_id, .. }
            | Self::MalformedAnswer { request_id, .. } => Some(*request_id),
            Self::Timeout { request_id, .. } => *request_id,
            Self::InvalidParameter(_) | Self::Identity(_) | Self::Runtime(_) => None,
        }
    }
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidParameter(message) | Self::Identity(message) => f.write_str(message)?,
            Self::Tls { message, .. }
            | Self::Http { message, .. }
            | Self::MalformedAnswer { message, .. } => f.write_str(message)?,
            Self::Runtime(e) => write!(f, "cannot start the I/O runtime: {e}")?,
            Self::Timeout { limit, .. } => write!(
                f,
                "no complete answer within {} s (the whole call, connecting included)",
                limit.as_secs_f64()
            )?,
        }
        match self.request_id() {
            Some(id) => write!(f, " (x-request-id {id})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for GatewayError {}

impl From<applepay_crypto::Error> for GatewayError {
    /// The core's refusals of a parameter ([`applepay_crypto::Error::InvalidParameter`])
    /// and of an identity ([`applepay_crypto::Error::MerchantIdentity`], key import).
    fn from(e: applepay_crypto::Error) -> Self {
        match e {
            applepay_crypto::Error::InvalidParameter(_) => Self::InvalidParameter(e.to_string()),
            other => Self::Identity(other.to_string()),
        }
    }
}

/// `text` as it may be shown: control characters and the Unicode bidirectional controls
/// (which reorder what a terminal or log viewer displays, e.g. U+202E) escaped as
/// `\u{…}`.
#[must_use]
pub fn escape_server_text(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        );
        if c.is_control() || bidi {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_escaped() {
        assert_eq!(
            escape_server_text("ok \u{202E}txt.exe\u{1b}[2J\n"),
            "ok \\u{202e}txt.exe\\u{1b}[2J\\u{a}"
        );
        assert_eq!(escape_server_text("Ünïcode fine"), "Ünïcode fine");
    }

    #[test]
    fn kinds_and_request_ids() {
        let id = Uuid::nil();
        let e = GatewayError::Http {
            status: Some(404),
            message: "HTTP 404".into(),
            request_id: id,
        };
        assert_eq!(e.kind(), "http");
        assert_eq!(
            e.to_string(),
            "HTTP 404 (x-request-id 00000000-0000-0000-0000-000000000000)"
        );
        let parameter = GatewayError::from(applepay_crypto::Error::InvalidParameter("x"));
        assert_eq!(parameter.kind(), "invalid_parameter");
        assert_eq!(parameter.request_id(), None);
    }
}
