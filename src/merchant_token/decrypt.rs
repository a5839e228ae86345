//! Decrypting verified merchant token metadata with the [`Keyring`]: the payment token's
//! key selection by `publicKeyHash`, KDF and AES-GCM step.

use crate::error::Error;
use crate::merchant_token::metadata::TokenMetadata;
use crate::merchant_token::verify::VerifiedTokenMetadata;
use crate::token::keyring::Keyring;

impl Keyring {
    /// Decrypts verified merchant token metadata into its authenticated plaintext: picks
    /// the key whose public key hash equals the metadata's `publicKeyHash` and decrypts as
    /// for a payment token of the same scheme (`EC_v1`: ECDH, Apple's KDF with the key's
    /// merchant identity, AES-256-GCM; `RSA_v1`: RSA-OAEP unwrap, AES-128-GCM — run only
    /// here, on a `wrappedKey` Apple signed).
    ///
    /// Errors: [`Error::NoMatchingKey`] when no key has that hash,
    /// [`Error::DecryptionFailed`] when the key or merchant identity is wrong or the data
    /// was altered, [`Error::Malformed`] for a `wrappedKey` not as long as the RSA key's
    /// modulus or `data` shorter than a GCM tag.
    pub fn decrypt_metadata(
        &self,
        verified: &VerifiedTokenMetadata,
    ) -> Result<TokenMetadata, Error> {
        let metadata = verified.metadata();
        let plaintext = self.decrypt_sealed(metadata.public_key_hash(), &metadata.sealed())?;
        Ok(TokenMetadata::new(plaintext.into_bytes()))
    }
}
