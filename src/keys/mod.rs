//! Merchant private keys as users hold them: the in-memory [`PrivateKey`], its import from
//! every format users have (SEC1, PKCS#8, PKCS#1, PEM bundles, encrypted PKCS#8) and its
//! generation and export.
//!
//! Keys do their private-key operations through the [`MerchantKey`](crate::MerchantKey)
//! trait of [`crate::provider`], which an HSM or KMS implements as well. This folder uses
//! `provider` and the shared vocabulary, nothing else.

pub(crate) mod encrypted_key;
mod key_hash;
pub(crate) mod keygen;
pub(crate) mod pem;
pub(crate) mod private_key;

pub use encrypted_key::{MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, MAX_SCRYPT_PARALLELIZATION};
pub use keygen::RSA_KEY_BITS;
pub use private_key::{MAX_KEY_INPUT_LEN, PrivateKey};
