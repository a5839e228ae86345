//! The payment path, in flow order: the token model ([`PaymentToken`], parse only), the
//! CMS signature (`cms`), Apple's certificate chain (`anchors`, `chain`), verification
//! ([`VerifiedToken`]), the [`Keyring`] that picks the merchant key, decryption (`kdf`,
//! `decrypt`), the authenticated [`Plaintext`] and its typed view, [`Payment`]; and replay
//! protection ([`ReplayGuard`]), run between verification and decryption.
//!
//! Uses [`crate::onboarding`] (certificates, merchant id hashes), [`crate::keys`],
//! [`crate::provider`] and the shared vocabulary; nothing below uses it.

pub(crate) mod anchors;
pub(crate) mod base64;
mod ber;
pub(crate) mod chain;
pub(crate) mod chain_cache;
pub(crate) mod cms;
pub(crate) mod decrypt;
pub(crate) mod envelope;
pub(crate) mod json;
pub(crate) mod json_string;
pub(crate) mod kdf;
pub(crate) mod keyring;
pub(crate) mod model;
pub(crate) mod payment;
pub(crate) mod payment_fields;
pub(crate) mod payment_parse;
pub(crate) mod plaintext;
pub(crate) mod replay;
pub(crate) mod verify;

pub use anchors::{
    APPLE_ROOT_CA_G3_DER, MAX_ANCHOR_INPUT_LEN, OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF,
    TrustAnchors,
};
pub use cms::{MAX_CERTIFICATES, MAX_SIGNATURE_LEN};
pub use envelope::{APPLICATION_DATA_LEN, EPHEMERAL_KEY_LEN, P256_SPKI_PREFIX, TRANSACTION_ID_LEN};
pub use keyring::Keyring;
pub use model::{MAX_TOKEN_LEN, PaymentToken, Version};
pub use payment::Payment;
pub use payment_fields::{
    AuthenticationResponse, CardArt, CardMetadata, CurrencyCode, ExpirationDate, PaymentDataType,
};
pub use plaintext::Plaintext;
#[cfg(feature = "std")]
pub use replay::MemoryReplayGuard;
pub use replay::ReplayGuard;
pub use verify::{DEFAULT_MAX_AGE, MAX_CLOCK_SKEW, VerifiedToken, Verifier};
