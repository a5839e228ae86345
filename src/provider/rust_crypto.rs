//! The default back-end: pure-Rust RustCrypto (`p256`, `p384`, `aes-gcm`, `sha2`, `rsa`),
//! `no_std + alloc`, with its in-memory P-256 and RSA keys.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::{APPLE_GCM_IV, GCM_TAG_LEN, MerchantKey, Provider, SignatureAlgorithm, VerifyingKey};
use crate::error::Error;

/// The pure-Rust RustCrypto back-end (`p256`, `p384`, `aes-gcm`, `sha2`, `rsa`).
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCrypto;

impl Provider for RustCrypto {
    fn sha256(&self, parts: &[&[u8]]) -> [u8; 32] {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    fn aes_gcm_open(
        &self,
        key: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        use aes_gcm::aead::consts::U16;
        use aes_gcm::aead::{AeadInOut, KeyInit};
        // Encryption-only key schedules: GCM never runs the block cipher backwards.
        use aes_gcm::aes::{Aes128Enc, Aes256Enc};

        fn open<C>(cipher: &C, ciphertext_and_tag: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error>
        where
            C: AeadInOut<NonceSize = U16>,
        {
            let split = ciphertext_and_tag
                .len()
                .checked_sub(GCM_TAG_LEN)
                .ok_or(Error::DecryptionFailed)?;
            let (ciphertext, tag) = ciphertext_and_tag.split_at(split);
            let tag =
                aes_gcm::Tag::<C::TagSize>::try_from(tag).map_err(|_| Error::DecryptionFailed)?;
            let nonce = aes_gcm::Nonce::<U16>::from(APPLE_GCM_IV);
            let mut buffer = Zeroizing::new(ciphertext.to_vec());
            cipher
                .decrypt_inout_detached(&nonce, &[], buffer.as_mut_slice().into(), &tag)
                .map_err(|_| Error::DecryptionFailed)?;
            Ok(buffer)
        }

        match key.len() {
            32 => {
                let cipher = aes_gcm::AesGcm::<Aes256Enc, U16>::new_from_slice(key)
                    .map_err(|_| Error::DecryptionFailed)?;
                open(&cipher, ciphertext_and_tag)
            }
            16 => {
                let cipher = aes_gcm::AesGcm::<Aes128Enc, U16>::new_from_slice(key)
                    .map_err(|_| Error::DecryptionFailed)?;
                open(&cipher, ciphertext_and_tag)
            }
            _ => Err(Error::DecryptionFailed),
        }
    }

    fn p256_private_key(&self, scalar: &[u8; 32]) -> Result<Box<dyn MerchantKey>, Error> {
        Ok(Box::new(rustcrypto::P256Key::from_scalar(scalar)?))
    }

    fn rsa_private_key(&self, pkcs1_der: &[u8]) -> Result<Box<dyn MerchantKey>, Error> {
        Ok(Box::new(rustcrypto::RsaKey::from_pkcs1_der(pkcs1_der)?))
    }

    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        rustcrypto::verify(algorithm, spki_der, message, signature)
    }

    /// P-256 keys only (the leaf key of `EC_v1` tokens): `p256`'s verifying key, with the
    /// point decoded and checked on the curve once. With `std`, from the key's second
    /// use on, verification runs on a table of the key's multiples (`p256_table.rs`).
    fn verifying_key(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
    ) -> Option<Box<dyn VerifyingKey>> {
        use spki::DecodePublicKey;
        if algorithm != SignatureAlgorithm::EcdsaP256Sha256 {
            return None;
        }
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der).ok()?;
        #[cfg(feature = "std")]
        return Some(Box::new(super::p256_table::CachedP256Key::new(key)));
        #[cfg(not(feature = "std"))]
        return Some(Box::new(P256VerifyingKey(key)));
    }
}

/// A P-256 public key parsed by `p256` (without `std`, which the table's lazy
/// construction needs).
#[cfg(not(feature = "std"))]
#[derive(Debug)]
struct P256VerifyingKey(p256::ecdsa::VerifyingKey);

#[cfg(not(feature = "std"))]
impl VerifyingKey for P256VerifyingKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        use signature::Verifier;
        let signature =
            p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::SignatureInvalid)?;
        self.0
            .verify(message, &signature)
            .map_err(|_| Error::SignatureInvalid)
    }
}

mod rustcrypto {
    use alloc::vec::Vec;
    use core::fmt;

    use rand_core::CryptoRng;
    use signature::Verifier;
    use signature::hazmat::PrehashVerifier;
    use spki::{DecodePublicKey, EncodePublicKey};
    use zeroize::Zeroizing;

    use super::SignatureAlgorithm;
    use crate::error::{Error, KeyImportError};
    use crate::provider::rsa_blinding::BlindingKey;
    use crate::provider::{MerchantKey, SharedSecret, SigningScheme};

    /// An in-memory P-256 key. `p256::SecretKey` zeroizes itself on drop.
    pub(super) struct P256Key {
        secret: p256::SecretKey,
        spki: Vec<u8>,
    }

    impl P256Key {
        pub(super) fn from_scalar(scalar: &[u8; 32]) -> Result<Self, Error> {
            let secret = p256::SecretKey::from_slice(scalar)
                .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
            let spki = secret
                .public_key()
                .to_public_key_der()
                .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?
                .into_vec();
            Ok(Self { secret, spki })
        }
    }

    impl fmt::Debug for P256Key {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("P256Key").finish_non_exhaustive()
        }
    }

    impl MerchantKey for P256Key {
        fn public_key_spki(&self) -> &[u8] {
            &self.spki
        }

        fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
            let peer = p256::PublicKey::from_public_key_der(ephemeral_spki)
                .map_err(|_| Error::Malformed("header.ephemeralPublicKey"))?;
            let shared =
                p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
            let mut z = Zeroizing::new([0u8; 32]);
            z.copy_from_slice(shared.raw_secret_bytes());
            Ok(SharedSecret::new(z))
        }

        fn sign(&self, _rng: &mut dyn CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
            use signature::Signer;
            // RFC 6979 deterministic nonces: the RNG is not needed.
            let signing_key = p256::ecdsa::SigningKey::from(&self.secret);
            let signature: p256::ecdsa::DerSignature = signing_key
                .try_sign(message)
                .map_err(|_| Error::InvalidParameter("message to sign"))?;
            Ok(signature.as_bytes().to_vec())
        }

        fn signing_schemes(&self) -> &[SigningScheme] {
            &[SigningScheme::EcdsaP256Sha256]
        }

        fn sign_with_scheme(
            &self,
            scheme: SigningScheme,
            rng: &mut dyn CryptoRng,
            message: &[u8],
        ) -> Result<Vec<u8>, Error> {
            match scheme {
                SigningScheme::EcdsaP256Sha256 => self.sign(rng, message),
                _ => Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm)),
            }
        }
    }

    /// Smallest RSA modulus accepted, in bits (Apple's Merchant Identity keys are 2048).
    const MIN_RSA_BITS: usize = 2048;
    /// Largest RSA private key accepted, in bits (bounds the cost of one operation).
    const MAX_RSA_BITS: usize = 4096;
    /// Largest RSA public key whose signatures are verified, in bits (a public operation
    /// with a small exponent stays cheap at this size).
    const MAX_RSA_VERIFY_BITS: usize = 8192;

    /// An in-memory RSA key. `rsa::PrivateKey` zeroizes itself on drop, and so does the
    /// blinding key derived from it.
    pub(super) struct RsaKey {
        secret: rsa::PrivateKey,
        blinding: BlindingKey,
        spki: Vec<u8>,
    }

    impl RsaKey {
        pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            use rsa::traits::PublicKeyParts;
            let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
            let secret = rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| invalid())?;
            let bits = secret.n().bit_width() as usize;
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
            }
            secret.validate().map_err(|_| invalid())?;
            let spki = secret
                .to_public_key()
                .to_public_key_der()
                .map_err(|_| invalid())?
                .into_vec();
            Ok(Self {
                secret,
                blinding: BlindingKey::derive(der),
                spki,
            })
        }
    }

    impl fmt::Debug for RsaKey {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("RsaKey").finish_non_exhaustive()
        }
    }

    impl MerchantKey for RsaKey {
        fn public_key_spki(&self) -> &[u8] {
            &self.spki
        }

        /// OAEP with SHA-256 and MGF1-SHA-256, blinded with values derived from the key
        /// and the ciphertext (`rsa_blinding.rs` says why). `rsa` 0.10 decodes the OAEP
        /// padding in constant time; every failure is the same opaque error.
        fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
            let mut rng = self.blinding.rng_for(wrapped_key);
            self.secret
                .oaep_decrypt_with_rng::<sha2::Sha256, _>(&mut rng, wrapped_key)
                .map(Zeroizing::new)
                .map_err(|_| Error::DecryptionFailed)
        }

        fn sign(&self, rng: &mut dyn CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(message);
            // The RNG blinds the private-key operation.
            self.secret
                .sign_with_rng(rng, rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
                .map_err(|_| Error::InvalidParameter("message to sign"))
        }

        /// PSS first: TLS 1.3 accepts nothing else from an RSA key.
        fn signing_schemes(&self) -> &[SigningScheme] {
            &[SigningScheme::RsaPssSha256, SigningScheme::RsaPkcs1Sha256]
        }

        fn sign_with_scheme(
            &self,
            scheme: SigningScheme,
            rng: &mut dyn CryptoRng,
            message: &[u8],
        ) -> Result<Vec<u8>, Error> {
            use sha2::Digest;
            match scheme {
                SigningScheme::RsaPkcs1Sha256 => self.sign(rng, message),
                // A 32-byte salt (the digest length, as TLS 1.3 requires) and MGF1 with
                // SHA-256, both drawn from `rng`; the RNG also blinds.
                SigningScheme::RsaPssSha256 => self
                    .secret
                    .sign_with_rng(
                        rng,
                        rsa::pss::Pss::<sha2::Sha256>::new(),
                        &sha2::Sha256::digest(message),
                    )
                    .map_err(|_| Error::InvalidParameter("message to sign")),
                _ => Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm)),
            }
        }
    }

    pub(super) fn verify(
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        use sha2::Digest;
        match algorithm {
            SignatureAlgorithm::EcdsaP256Sha256 => {
                let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                    .map_err(|_| Error::SignatureInvalid)?;
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .map_err(|_| Error::SignatureInvalid)?;
                key.verify(message, &sig)
                    .map_err(|_| Error::SignatureInvalid)
            }
            SignatureAlgorithm::EcdsaP384Sha256 | SignatureAlgorithm::EcdsaP384Sha384 => {
                let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                    .map_err(|_| Error::SignatureInvalid)?;
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .map_err(|_| Error::SignatureInvalid)?;
                if algorithm == SignatureAlgorithm::EcdsaP384Sha384 {
                    key.verify(message, &sig)
                        .map_err(|_| Error::SignatureInvalid)
                } else {
                    // A P-384 key with a SHA-256 digest only works through the prehash API.
                    key.verify_prehash(&sha2::Sha256::digest(message), &sig)
                        .map_err(|_| Error::SignatureInvalid)
                }
            }
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                use rsa::traits::PublicKeyParts;
                let key = rsa::PublicKey::from_public_key_der(spki_der)
                    .map_err(|_| Error::SignatureInvalid)?;
                // The same range as aws-lc-rs's `RSA_PKCS1_2048_8192_SHA256`.
                let bits = key.n().bit_width() as usize;
                if !(MIN_RSA_BITS..=MAX_RSA_VERIFY_BITS).contains(&bits) {
                    return Err(Error::SignatureInvalid);
                }
                let sig = rsa::pkcs1v15::Signature::try_from(signature)
                    .map_err(|_| Error::SignatureInvalid)?;
                rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key)
                    .verify(message, &sig)
                    .map_err(|_| Error::SignatureInvalid)
            }
        }
    }
}
