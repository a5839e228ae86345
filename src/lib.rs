//! Merchant-side Apple Pay cryptography, without I/O.
//!
//! Bytes in, typed values or one precise [`Error`] out. Time, randomness, trust anchors
//! and the crypto back-end are inputs; the library never reads a clock, a file or the
//! environment.
//!
//! The flow a payment backend runs for each token:
//!
//! 1. [`PaymentToken::from_json`] parses the token in any shape users hold.
//! 2. [`PaymentToken::verify`] checks the CMS signature, Apple's certificate chain (to
//!    the embedded Apple Root CA - G3, or the [`TrustAnchors`] of a [`Verifier`]) and that
//!    the signing time lies within a maximum age of `now`, returning a [`VerifiedToken`].
//! 3. A [`Keyring`] picks the merchant key by `header.publicKeyHash` and decrypts the
//!    verified token into a typed [`Payment`], whose secrets are zeroized on drop.
//!
//! Verification must come first. The token is encrypted to your *public* key with an
//! ephemeral key the sender chooses, so anyone can make a token that decrypts; only
//! Apple's signature shows it came from a customer's device, and only the signing time
//! stops a captured token from being replayed. [`Keyring::decrypt`] therefore takes a
//! [`VerifiedToken`]; decrypting without verification is possible only through
//! [`dangerous`].
//!
//! ```
//! use applepay_crypto::{Keyring, MerchantCertificate, PaymentToken, PrivateKey, Verifier};
//!
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/gala-current");
//! # let read = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
//! let key = PrivateKey::from_pem_or_der(&read("merchant_key.pem"))?;
//! let cert = MerchantCertificate::from_pem_or_der(&read("merchant_cert.pem"))?;
//! let mut keyring = Keyring::new();
//! keyring.add_with_certificate(key, &cert)?;
//! let verifier = Verifier::new(); // trusts Apple Root CA - G3
//!
//! let token = PaymentToken::from_json(&read("token.json"))?;
//! // A live backend passes the current time and a few minutes:
//! // let verified = token.verify(&verifier, UnixTime::now(), DEFAULT_MAX_AGE)?;
//! // This token was signed in 2021, so replay it as of its own signing time.
//! let verified = token.verify_at_signing_time(&verifier)?;
//! assert_eq!(verified.signing_time().to_string(), "2021-09-01T19:03:06Z");
//!
//! let payment = keyring.decrypt(&verified)?;
//! assert_eq!(payment.transaction_amount(), 100);
//! assert_eq!(payment.pan_last_four(), "1169");
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    rust_2018_idioms,
    unused_qualifications
)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

extern crate alloc;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod bench_hooks;
mod chain;
mod cms;
pub mod dangerous;
mod decrypt;
#[cfg(feature = "test-util")]
mod der_writer;
mod error;
mod kdf;
mod key;
mod key_hash;
mod keyring;
mod merchant_cert;
mod merchant_id;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod mint;
mod payment;
mod pem;
pub mod provider;
mod time;
mod token;
mod verify;

pub use chain::{
    APPLE_ROOT_CA_G3_DER, MAX_ANCHOR_INPUT_LEN, OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF,
    TrustAnchors,
};
pub use cms::{MAX_CERTIFICATES, MAX_SIGNATURE_LEN};
pub use error::{ChainError, Error, KeyImportError};
pub use key::{MAX_KEY_INPUT_LEN, MerchantKey, PrivateKey, SharedSecret};
pub use key_hash::PublicKeyHash;
pub use keyring::Keyring;
pub use merchant_cert::{MAX_CERT_INPUT_LEN, MerchantCertificate, OID_MERCHANT_ID_HASH};
pub use merchant_id::MerchantIdHash;
pub use payment::{AuthenticationResponse, CurrencyCode, ExpirationDate, Payment, PaymentDataType};
pub use time::UnixTime;
pub use token::{MAX_TOKEN_LEN, PaymentToken, Version};
pub use verify::{DEFAULT_MAX_AGE, MAX_CLOCK_SKEW, VerifiedToken, Verifier};

/// The README's code samples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
