//! Apple Pay's server APIs for merchants and payment platforms, over mutual TLS.
//!
//! The I/O half of [`applepay_crypto`], which builds and checks everything without I/O:
//! the [`MerchantIdentity`](applepay_crypto::MerchantIdentity) and its TLS configuration
//! (HSM keys included), the requests with every identifier checked, Apple's answers. This
//! package sends them, with one well-kept HTTP stack (reqwest on hyper, tokio):
//!
//! - **merchant sessions** ([`Gateway::create_session`]), to the browser's checked
//!   `validationURL`;
//! - the **Merchant Token Management API** ([`Gateway::merchant_token_event`],
//!   [`unlink_merchant_token`](Gateway::unlink_merchant_token),
//!   [`update_merchant_token_metadata`](Gateway::update_merchant_token_metadata),
//!   [`merchant_token_public_key`](Gateway::merchant_token_public_key)), with the
//!   Merchant Identity;
//! - the **Web Merchant Registration API** ([`Gateway::register_merchant`],
//!   [`unregister_merchant`](Gateway::unregister_merchant),
//!   [`merchant_details`](Gateway::merchant_details)), with the platform integrator
//!   identity.
//!
//! What every call guarantees: one total deadline from name resolution to the last byte
//! (a server that drips bytes cannot extend it); answers read up to a cap (64 KiB) and
//! refused beyond; redirects never followed (that would undo the validation URL check); no
//! proxy unless configured (environment variables are not read); the host always one of
//! Apple's gateway hosts; a fresh `x-request-id` (UUID v4) on each request, reported with
//! errors. One [`Gateway`] serves many calls and reuses its connections.
//! [`BlockingGateway`] offers the same calls without an async runtime.
//!
//! A merchant server creating a session for Apple Pay on the Web:
//!
//! ```no_run
//! use applepay_crypto::{Initiative, MerchantIdentity, MerchantSessionRequest, UnixTime, ValidationUrl};
//! use applepay_gateway::Gateway;
//!
//! # async fn run(validation_url_from_browser: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start-up.
//! let identity = MerchantIdentity::from_pem_or_der(
//!     &std::fs::read("merchant_id.pem")?,
//!     &std::fs::read("merchant_id.key")?,
//!     UnixTime::now(),
//! )?;
//! let gateway = Gateway::builder(identity).build().await?;
//!
//! // Per payment: check the URL, then ask Apple; hand session.as_bytes() to the browser.
//! let url = ValidationUrl::parse(validation_url_from_browser)?;
//! let request = MerchantSessionRequest::new(
//!     "merchant.com.example",
//!     "Example Shop",
//!     Initiative::Web,
//!     "shop.example.com",
//! )?;
//! let session = gateway.create_session(&url, &request).await?;
//! # let _ = session;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod blocking;
mod calls;
mod client;
mod connect_to;
mod error;
#[cfg(feature = "simulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "simulator")))]
pub mod simulator;

pub use blocking::BlockingGateway;
pub use calls::ApiResponse;
pub use client::{DEFAULT_TIMEOUT, Gateway, GatewayBuilder};
pub use connect_to::ConnectTo;
pub use error::{GatewayError, escape_server_text};
