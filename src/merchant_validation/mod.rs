//! Merchant validation, without I/O: the guard on the browser's `validationURL` (never
//! connect to a URL it refuses), the session request body, and Apple's answer.
//!
//! Uses the shared vocabulary only; the CLI's `session` command does the network exchange.

pub(crate) mod merchant_session;
pub(crate) mod validation_url;

pub use merchant_session::{
    Initiative, MAX_DISPLAY_NAME_LEN, MAX_MERCHANT_SESSION_LEN, MerchantSession,
    MerchantSessionRequest,
};
pub use validation_url::{APPLE_PAY_GATEWAY_HOSTS, MAX_VALIDATION_URL_LEN, ValidationUrl};
