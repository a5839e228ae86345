//! Apple's server APIs beyond the merchant session, without I/O: the requests (method,
//! path, JSON body) of the Merchant Token Management API and the Web Merchant
//! Registration API, each identifier and parameter checked before anything connects, the
//! gateway host checked against Apple's list, and Apple's answers read back.
//!
//! The `applepay-gateway` package sends these requests over mutual TLS; any HTTP client
//! can, since an [`ApiRequest`] is plain data: [`ApiRequest::method`],
//! [`ApiRequest::url`] and [`ApiRequest::body`].

mod answer;
mod host;
mod identifier;
mod merchant_tokens;
mod platform;
mod request;

pub use answer::{ApiAnswer, MAX_API_ANSWER_LEN};
pub use host::GatewayHost;
pub use identifier::{MAX_IDENTIFIER_LEN, MAX_TOKEN_IDENTIFIER_LEN, MAX_URL_LEN};
pub use merchant_tokens::MerchantTokenRequests;
pub use platform::{MAX_DOMAIN_NAMES, MerchantRegistration, PlatformRequests};
pub use request::{ApiRequest, Method};
