//! Merchant validation, without I/O: the guard on the browser's `validationURL` (never
//! connect to a URL it refuses), the session request body, and Apple's answer.
//!
//! With feature `rustls`, [`MerchantIdentity`] turns the Merchant Identity certificate
//! and its key (from `onboarding` and `keys`) into the TLS client configuration for
//! Apple's gateway. The CLI's `session` command does the network exchange.

#[cfg(feature = "rustls")]
mod identity;
pub(crate) mod merchant_session;
pub(crate) mod validation_url;

#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub use identity::{IdentityRole, MerchantIdentity, mozilla_roots, rustls_provider};

pub use merchant_session::{
    GatewayErrorResponse, Initiative, MAX_DISPLAY_NAME_LEN, MAX_MERCHANT_SESSION_LEN,
    MerchantSession, MerchantSessionRequest,
};
pub use validation_url::{APPLE_PAY_GATEWAY_HOSTS, MAX_VALIDATION_URL_LEN, ValidationUrl};
