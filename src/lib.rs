//! Merchant-side Apple Pay cryptography, without I/O.
//!
//! Bytes in, typed values or one precise [`Error`] out. Time, randomness, trust anchors
//! and the crypto back-end are inputs; the library never reads a clock, a file or the
//! environment.
//!
//! The flow a payment backend runs for each token:
//!
//! 1. [`PaymentToken::from_json`] parses the token in any shape users hold.
//! 2. The verifier checks the CMS signature, Apple's certificate chain and the signing
//!    time, returning a verified token.
//! 3. A [`Keyring`] picks the merchant key by `header.publicKeyHash` and decrypts it into
//!    a typed [`Payment`], whose secrets are zeroized on drop.
//!
//! Decrypting without verification is possible only through [`dangerous`].
//!
//! ```
//! use applepay_crypto::{Keyring, MerchantCertificate, PaymentToken, PrivateKey, dangerous};
//!
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/gala-current");
//! # let read = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
//! let key = PrivateKey::from_pem_or_der(&read("merchant_key.pem"))?;
//! let cert = MerchantCertificate::from_pem_or_der(&read("merchant_cert.pem"))?;
//! let mut keyring = Keyring::new();
//! keyring.add_with_certificate(key, &cert)?;
//!
//! let token = PaymentToken::from_json(&read("token.json"))?;
//! let payment = dangerous::decrypt_unverified(&keyring, &token)?;
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
pub mod dangerous;
mod decrypt;
mod error;
mod kdf;
mod key;
mod key_hash;
mod keyring;
mod merchant_cert;
mod merchant_id;
mod payment;
mod pem;
pub mod provider;
mod time;
mod token;

pub use error::{ChainError, Error, KeyImportError};
pub use key::{MAX_KEY_INPUT_LEN, MerchantKey, PrivateKey, SharedSecret};
pub use key_hash::PublicKeyHash;
pub use keyring::Keyring;
pub use merchant_cert::{MAX_CERT_INPUT_LEN, MerchantCertificate, OID_MERCHANT_ID_HASH};
pub use merchant_id::MerchantIdHash;
pub use payment::{AuthenticationResponse, CurrencyCode, ExpirationDate, Payment, PaymentDataType};
pub use time::UnixTime;
pub use token::{MAX_TOKEN_LEN, PaymentToken, Version};

/// The README's code samples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
