//! Merchant private keys as users hold them: the in-memory [`PrivateKey`], its import from
//! every format users have (SEC1, PKCS#8, PKCS#1, PEM bundles, encrypted PKCS#8) and its
//! generation and export; and the merchant's P-384 [`UsageKey`] for merchant token usage
//! information.
//!
//! Keys do their private-key operations through the [`MerchantKey`](crate::MerchantKey)
//! trait of [`crate::provider`], which an HSM or KMS implements as well. This folder uses
//! `provider` and the shared vocabulary, nothing else.

pub(crate) mod content;
pub(crate) mod encrypted_key;
pub(crate) mod kdf_work;
mod key_hash;
pub(crate) mod keygen;
pub(crate) mod pem;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
#[cfg(feature = "pkcs12")]
pub(crate) mod pkcs12_bounds;
pub(crate) mod private_key;
pub(crate) mod usage_key;

pub use kdf_work::{
    MAX_KDF_WORK, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, MAX_SCRYPT_PARALLELIZATION,
    MAX_SCRYPT_WORK,
};
pub use keygen::RSA_KEY_BITS;
#[cfg(feature = "pkcs12")]
pub use pkcs12_bounds::MAX_PKCS12_BAGS;
pub use private_key::{MAX_KEY_INPUT_LEN, PrivateKey};
pub use usage_key::{P384_POINT_LEN, UsageKey};
