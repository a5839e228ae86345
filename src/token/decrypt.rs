//! Token decryption, once a key has been chosen: `EC_v1` (ECDH, Apple's KDF, AES-256-GCM)
//! and `RSA_v1` (RSA-OAEP key unwrap, AES-128-GCM).

use super::{envelope, kdf};
use crate::error::Error;
use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::MerchantKey;
use crate::provider::{GCM_TAG_LEN, Provider};
use crate::token::model::{PaymentToken, Version};
use crate::token::plaintext::Plaintext;

/// Length of the AES-128-GCM key an `RSA_v1` token's `wrappedKey` holds.
const RSA_V1_KEY_LEN: usize = 16;

/// What decryption needs of an envelope, whichever document carries it (a payment token,
/// merchant token metadata): the scheme, the ephemeral key or wrapped key, the ciphertext.
pub(crate) struct Sealed<'a> {
    pub(crate) version: Version,
    /// `EC_v1`: the ephemeral public key (DER `SubjectPublicKeyInfo`); `RSA_v1`: the
    /// wrapped key.
    pub(crate) key: &'a [u8],
    /// Ciphertext with the 16-byte GCM tag at the end.
    pub(crate) data: &'a [u8],
    /// How errors name the key field and the data (`header.wrappedKey`, `data`, …).
    pub(crate) key_path: &'static str,
}

impl PaymentToken {
    /// The envelope decryption opens: version, key field, data.
    pub(crate) fn sealed(&self) -> Sealed<'_> {
        Sealed {
            version: self.version(),
            key: self.key_field(),
            data: self.data(),
            key_path: match self.version() {
                Version::EcV1 => "header.ephemeralPublicKey",
                Version::RsaV1 => "header.wrappedKey",
            },
        }
    }
}

/// Decrypts `sealed` with `key`, whose merchant identity is `merchant` (the `PartyV` of
/// `EC_v1`'s key derivation; `RSA_v1` does not use it).
///
/// `RSA_v1` runs an RSA private-key operation on the wrapped key; see
/// [`MerchantKey::rsa_oaep_sha256_decrypt`] for why that must happen only for verified
/// documents.
pub(crate) fn decrypt(
    provider: &dyn Provider,
    key: &dyn MerchantKey,
    merchant: &MerchantIdHash,
    sealed: &Sealed<'_>,
) -> Result<Plaintext, Error> {
    if sealed.data.len() < GCM_TAG_LEN {
        return Err(Error::Malformed("data"));
    }
    match sealed.version {
        Version::EcV1 => {
            let symmetric_key = kdf::ec_v1_key(provider, key, sealed.key, merchant)?;
            let plaintext = provider.aes_gcm_open(&symmetric_key[..], sealed.data)?;
            Ok(Plaintext::new(plaintext))
        }
        Version::RsaV1 => {
            let wrapped = sealed.key;
            // Before the RSA operation: a wrapped key of another length than the modulus
            // is not one (it holds bytes of the signed content Apple did not sign as a
            // wrapped key: see `envelope`).
            envelope::check_wrapped_key_len(key.public_key_spki(), wrapped, sealed.key_path)?;
            // Whatever went wrong with the ciphertext — padding, length, another key — is
            // one opaque error, whatever the key implementation reported. Only a key that
            // cannot unwrap at all (an HSM without the mechanism, a key not allowed to
            // decrypt) says so, with a key error decided before the ciphertext is read:
            // it tells nothing about the ciphertext.
            let symmetric_key = key.rsa_oaep_sha256_decrypt(wrapped).map_err(|e| match e {
                Error::KeyImport(_) => e,
                _ => Error::DecryptionFailed,
            })?;
            if symmetric_key.len() != RSA_V1_KEY_LEN {
                return Err(Error::DecryptionFailed);
            }
            let plaintext = provider.aes_gcm_open(&symmetric_key, sealed.data)?;
            Ok(Plaintext::new(plaintext))
        }
    }
}
