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
//!    verified token into a typed [`Payment`], whose secrets are zeroized on drop — or,
//!    with [`Keyring::decrypt_plaintext`], into the authenticated [`Plaintext`] itself, of
//!    which the typed view ([`Plaintext::payment`]) is a convenience that can fail
//!    ([`Error::PaymentData`]) without losing the payment.
//! 4. Inside the signing-time window the same token verifies as often as it is sent:
//!    [`Keyring::decrypt_once`] (and [`Keyring::decrypt_plaintext_once`]) first records
//!    the token's transactionId in a [`ReplayGuard`] — [`MemoryReplayGuard`] for one
//!    process, a shared store such as Redis for a fleet — so a copy is [`Error::Replay`]
//!    and never reaches the key.
//!
//! Verification must come first. The token is encrypted to your *public* key with an
//! ephemeral key the sender chooses, so anyone can make a token that decrypts; only
//! Apple's signature shows it came from a customer's device, and only the signing time
//! stops a captured token from being replayed. For `RSA_v1` tokens it also protects your
//! RSA key: decrypting attacker-chosen `wrappedKey`s would be a timing oracle (the
//! Bleichenbacher / "Marvin" attacks, see [`MerchantKey::rsa_oaep_sha256_decrypt`]).
//! [`Keyring::decrypt`] therefore takes a [`VerifiedToken`]; decrypting without
//! verification is possible only through [`dangerous`].
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
//!
//! Merchant tokens use the same steps: [`EncryptedTokenMetadata::from_json`],
//! [`EncryptedTokenMetadata::verify`] into a [`VerifiedTokenMetadata`], and
//! [`Keyring::decrypt_metadata`] into the MPAN's [`TokenMetadata`]; the usage information
//! a merchant publishes is sealed with HPKE by [`seal_usage_metadata`] and
//! [`seal_usage_package`] from a P-384 [`UsageKey`]. Apple's merchant-token notification
//! is not authenticated: [`MerchantTokenEventId::from_notification_path`] checks only the
//! event id's shape, and the event counts once fetched from Apple over mutual TLS.
//!
//! Onboarding comes before any token: [`PrivateKey::generate_p256`] (Payment Processing)
//! or [`PrivateKey::generate_rsa2048`] (Merchant Identity) from the caller's RNG, a
//! [`Csr`] to upload to Apple, the [`MerchantCertificate`] Apple returns — its
//! [`kind`](MerchantCertificate::kind), merchant identifier, validity and the key it
//! matches — and [`PublicKeyHash::from_pem_or_der`] for any of them. Key files may also be
//! PKCS#1, encrypted PKCS#8 ([`PrivateKey::decrypt_pem_or_der`]) or, with feature
//! `pkcs12`, a `.p12` (`Pkcs12`). Merchant validation is [`ValidationUrl::parse`] (never
//! connect to a URL it refuses) and [`MerchantSessionRequest`]; Apple's other server APIs
//! are requests built here as plain data ([`MerchantTokenRequests`], [`PlatformRequests`],
//! for a [`GatewayHost`]), sent by the `applepay-gateway` package or any HTTP client.
//!
//! ```
//! use applepay_crypto::{Csr, CsrSubject, MerchantCertificate, PrivateKey, ValidationUrl};
//! # use rand::SeedableRng;
//!
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! # let mut rng = rand::rngs::StdRng::seed_from_u64(7); // an OS RNG in production
//! let key = PrivateKey::generate_p256(&mut rng)?;
//! let subject = CsrSubject::new().common_name("Example Payment Processing");
//! let csr = Csr::create(&key, &subject, &mut rng)?;
//! assert_eq!(csr.public_key_hash(), key.public_key_hash());
//! let key_pem = key.to_pkcs8_pem()?; // store it, zeroized on drop
//! # let _ = (csr.to_pem()?, key_pem);
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/gala-current");
//! # let read = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
//! let cert = MerchantCertificate::from_pem_or_der(&read("merchant_cert.pem"))?;
//! assert_eq!(cert.merchant_id(), Some("merchant.test.spreedly.123merchant"));
//! assert!(cert.matches_key(&PrivateKey::from_pem_or_der(&read("merchant_key.pem"))?));
//!
//! assert!(ValidationUrl::parse("https://apple-pay-gateway.apple.com.evil.example/").is_err());
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

// Shared vocabulary, used by every folder below.
pub mod dangerous;
mod error;
mod public_key_hash;
mod time;

// Folders by concern. Imports point one way, down this list of layers:
// mint → merchant_token → token, server_api → merchant_validation → onboarding → keys →
// provider → shared vocabulary.
mod keys;
mod merchant_token;
mod merchant_validation;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod mint;
mod onboarding;
pub mod provider;
mod server_api;
mod token;

#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod bench_hooks;

pub use error::{
    ChainCertificate, ChainError, Error, IdentityError, InputContent, KeyImportError, Pkcs11Error,
    SigningTimeProblem,
};
#[cfg(feature = "pkcs12")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
pub use keys::MAX_PKCS12_BAGS;
#[cfg(feature = "pkcs11")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs11")))]
pub use keys::pkcs11;
pub use keys::{
    MAX_KDF_WORK, MAX_KEY_INPUT_LEN, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY,
    MAX_SCRYPT_PARALLELIZATION, MAX_SCRYPT_WORK, P384_POINT_LEN, PrivateKey, RSA_KEY_BITS,
    UsageKey,
};
pub use merchant_token::{
    EncryptedTokenMetadata, MAX_AUTHENTICATION_TOKEN_LEN, MAX_METADATA_LEN, MAX_USAGE_PACKAGE_LEN,
    MAX_WEB_SERVICE_URL_LEN, MerchantTokenEventId, Mpan, TokenMetadata, TokenMetadataFields,
    TokenPublicKey, USAGE_CIPHERSUITE, USAGE_INFO_LABEL, VerifiedTokenMetadata,
    seal_usage_metadata, seal_usage_package, usage_info,
};
pub use merchant_validation::{
    APPLE_PAY_GATEWAY_HOSTS, GatewayErrorResponse, Initiative, MAX_DISPLAY_NAME_LEN,
    MAX_MERCHANT_SESSION_LEN, MAX_VALIDATION_URL_LEN, MerchantSession, MerchantSessionRequest,
    ValidationUrl,
};
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub use merchant_validation::{IdentityRole, MerchantIdentity, mozilla_roots, rustls_provider};
pub use onboarding::{
    CertificateKind, CertificateStatus, Csr, CsrSubject, MAX_CERT_INPUT_LEN, MAX_CHAIN_LEN,
    MAX_CSR_INPUT_LEN, MAX_NAME_ATTRIBUTE_LEN, MerchantCertificate, MerchantIdHash,
    OID_MERCHANT_ID_HASH, OID_MERCHANT_IDENTITY_MARKER, OID_USER_ID,
};
#[cfg(feature = "pkcs12")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
pub use onboarding::{MAX_PKCS12_INPUT_LEN, Pkcs12};
#[doc(inline)]
pub use provider::{KeyAlgorithm, MerchantKey, SharedSecret, SigningScheme};
pub use public_key_hash::PublicKeyHash;
pub use server_api::{
    ApiAnswer, ApiRequest, GatewayHost, MAX_API_ANSWER_LEN, MAX_DOMAIN_NAMES, MAX_IDENTIFIER_LEN,
    MAX_TOKEN_IDENTIFIER_LEN, MAX_URL_LEN, MerchantRegistration, MerchantTokenRequests, Method,
    PlatformRequests,
};
pub use time::UnixTime;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use token::MemoryReplayGuard;
pub use token::ReplayGuard;
pub use token::{
    APPLE_ROOT_CA_G3_DER, AuthenticationResponse, CardArt, CardMetadata, CurrencyCode,
    DEFAULT_MAX_AGE, ExpirationDate, Keyring, MAX_ANCHOR_INPUT_LEN, MAX_CERTIFICATES,
    MAX_CLOCK_SKEW, MAX_SIGNATURE_LEN, MAX_TOKEN_LEN, OID_APPLE_PAY_INTERMEDIATE,
    OID_APPLE_PAY_LEAF, Payment, PaymentDataType, PaymentToken, Plaintext, TrustAnchors,
    VerifiedToken, Verifier, Version,
};
pub use token::{APPLICATION_DATA_LEN, EPHEMERAL_KEY_LEN, P256_SPKI_PREFIX, TRANSACTION_ID_LEN};

/// The README's code samples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
