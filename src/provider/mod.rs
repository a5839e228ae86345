//! The crypto back-end boundary.
//!
//! Every cryptographic primitive the crate uses — SHA-256, AES-GCM, P-256 ECDH, signature
//! verification — is called through a [`Provider`], so a back-end (a FIPS module, an
//! assembly-optimised library) can be swapped in without touching protocol code. The
//! default, [`RustCrypto`], is pure Rust and `no_std + alloc`.
//!
//! Parsing of formats (PEM, DER, JSON) is not a primitive and stays outside the boundary.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, KeyImportError};

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
pub(crate) mod counter_rng;
pub(crate) mod merchant_key;
#[cfg(feature = "std")]
mod p256_table;
pub(crate) mod rsa_blinding;
mod rust_crypto;

pub use merchant_key::{KeyAlgorithm, MerchantKey, SharedSecret, SigningScheme};
pub use rust_crypto::RustCrypto;

/// The 16-byte all-zero IV Apple uses for AES-GCM in both `EC_v1` and `RSA_v1`.
///
/// A fixed IV is safe here only because every token has a fresh key.
pub const APPLE_GCM_IV: [u8; 16] = [0; 16];

/// Length of the AES-GCM authentication tag at the end of `data`.
pub const GCM_TAG_LEN: usize = 16;

/// A signature algorithm, as named by its use in Apple Pay tokens and certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA over P-256 with SHA-256, DER-encoded signature.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-256 (how Apple's root signs its intermediate).
    EcdsaP384Sha256,
    /// ECDSA over P-384 with SHA-384, DER-encoded signature.
    EcdsaP384Sha384,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1Sha256,
}

/// A cryptographic back-end.
///
/// Implementations must be constant-time where secrets are involved and must not panic on
/// any input.
pub trait Provider: Send + Sync + fmt::Debug {
    /// SHA-256 of the concatenation of `parts`.
    fn sha256(&self, parts: &[&[u8]]) -> [u8; 32];

    /// AES-GCM decryption with Apple's 16-byte all-zero IV and no associated data.
    ///
    /// `key` is 16 bytes (AES-128, `RSA_v1`) or 32 bytes (AES-256, `EC_v1`);
    /// `ciphertext_and_tag` ends with the 16-byte tag. Any failure is
    /// [`Error::DecryptionFailed`], without detail.
    fn aes_gcm_open(
        &self,
        key: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error>;

    /// Loads a P-256 private key from its 32-byte big-endian scalar, as an in-memory
    /// [`MerchantKey`] that performs ECDH with this back-end.
    fn p256_private_key(&self, scalar: &[u8; 32]) -> Result<Box<dyn MerchantKey>, Error>;

    /// Loads an RSA private key from its PKCS#1 `RSAPrivateKey` DER, as an in-memory
    /// [`MerchantKey`] that performs RSA operations with this back-end.
    ///
    /// Keys shorter than 2048 bits are refused. The default refuses every RSA key with
    /// [`KeyImportError::UnsupportedAlgorithm`], for back-ends without RSA.
    fn rsa_private_key(&self, pkcs1_der: &[u8]) -> Result<Box<dyn MerchantKey>, Error> {
        let _ = pkcs1_der;
        Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm))
    }

    /// Verifies `signature` over `message` with the public key in `spki_der` (a DER
    /// `SubjectPublicKeyInfo`). Any failure is [`Error::SignatureInvalid`].
    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;

    /// Parses the public key in `spki_der` once, for checking many `algorithm` signatures
    /// with [`VerifyingKey::verify`]: Apple's signing key repeats from token to token, and
    /// [`Provider::verify_signature`] decodes and validates it every time.
    ///
    /// `None` when the back-end has no such form, which is the default, or when the key
    /// does not parse; callers then use [`Provider::verify_signature`]. A key this returns
    /// must accept exactly the signatures [`Provider::verify_signature`] accepts with the
    /// same key.
    fn verifying_key(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
    ) -> Option<Box<dyn VerifyingKey>> {
        let _ = (algorithm, spki_der);
        None
    }
}

/// A public key parsed by a [`Provider`] (see [`Provider::verifying_key`]).
pub trait VerifyingKey: Send + Sync + fmt::Debug {
    /// Verifies `signature` over `message`. Any failure is [`Error::SignatureInvalid`].
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error>;
}

/// The provider used where the caller does not choose one: `AwsLc` when the
/// `aws-lc-rs` feature is enabled, [`RustCrypto`] otherwise.
#[must_use]
pub fn default_provider() -> &'static dyn Provider {
    #[cfg(feature = "aws-lc-rs")]
    {
        &AwsLc
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        &RustCrypto
    }
}

#[cfg(feature = "aws-lc-rs")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws-lc-rs")))]
pub use aws_lc::AwsLc;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every back-end's parsed key accepts exactly what its `verify_signature` accepts.
    #[test]
    fn parsed_keys_agree_with_verify_signature() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let signer = RustCrypto.p256_private_key(&[7; 32]).unwrap();
        let spki = signer.public_key_spki().to_vec();
        let message = b"signed attributes".to_vec();
        let signature = signer.sign(&mut rng, &message).unwrap();
        let mut flipped = signature.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let providers: &[&'static dyn Provider] = &[&RustCrypto, default_provider()];
        for &provider in providers {
            let alg = SignatureAlgorithm::EcdsaP256Sha256;
            let key = provider.verifying_key(alg, &spki).unwrap();
            for (m, s) in [
                (&message[..], &signature[..]),
                (&message[..], &flipped[..]),
                (b"other", &signature[..]),
                (&message[..], &[][..]),
                (&message[..], &signature[..signature.len() - 1]),
            ] {
                assert_eq!(
                    key.verify(m, s),
                    provider.verify_signature(alg, &spki, m, s),
                    "{provider:?}"
                );
            }
            assert_eq!(key.verify(&message, &signature), Ok(()));
            assert!(provider.verifying_key(alg, b"\x30\x00").is_none());
        }
    }
}
