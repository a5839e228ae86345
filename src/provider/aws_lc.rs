//! The `aws-lc-rs` back-end (feature `aws-lc-rs`): AWS-LC's assembly P-256 for the two
//! operations that dominate each token, ECDH and ECDSA verification, and AWS-LC's RSA for
//! the `RSA_v1` OAEP unwrap and RSA signature verification.
//!
//! AES-GCM stays with RustCrypto: AWS-LC's safe API fixes the GCM nonce at 12 bytes and
//! Apple's IV is 16, and the step costs microseconds beside the two curve operations.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use aws_lc_rs::{agreement, digest, rsa, signature};
use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use super::{
    MerchantKey, Provider, RustCrypto, SharedSecret, SignatureAlgorithm, SigningScheme,
    VerifyingKey,
};
use crate::error::{Error, KeyImportError};

/// DER prefix of a P-256 `SubjectPublicKeyInfo` (id-ecPublicKey, prime256v1), followed by
/// the 65-byte uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// rsaEncryption.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The AWS-LC back-end.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLc;

impl Provider for AwsLc {
    fn sha256(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut ctx = digest::Context::new(&digest::SHA256);
        for part in parts {
            ctx.update(part);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    fn aes_gcm_open(
        &self,
        key: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        RustCrypto.aes_gcm_open(key, ciphertext_and_tag)
    }

    fn p256_private_key(&self, scalar: &[u8; 32]) -> Result<Box<dyn MerchantKey>, Error> {
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        let key = agreement::PrivateKey::from_private_key(&agreement::ECDH_P256, scalar)
            .map_err(|_| invalid())?;
        let point = key.compute_public_key().map_err(|_| invalid())?;
        let mut spki = Vec::with_capacity(P256_SPKI_PREFIX.len() + point.as_ref().len());
        spki.extend_from_slice(&P256_SPKI_PREFIX);
        spki.extend_from_slice(point.as_ref());
        Ok(Box::new(AwsLcP256Key { key, spki }))
    }

    fn rsa_private_key(&self, pkcs1_der: &[u8]) -> Result<Box<dyn MerchantKey>, Error> {
        // RustCrypto checks the key (size, consistency) and keeps the rarely used
        // operations: the public key and CSR signing with the caller's RNG.
        let checked = RustCrypto.rsa_private_key(pkcs1_der)?;
        // `from_pkcs8` refuses a bare PKCS#1 `RSAPrivateKey`: wrap it.
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        let info = pkcs8::PrivateKeyInfoRef::new(
            spki::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            der::asn1::OctetStringRef::new(pkcs1_der).map_err(|_| invalid())?,
        );
        let pkcs8 = Zeroizing::new(der::Encode::to_der(&info).map_err(|_| invalid())?);
        let key = rsa::PrivateDecryptingKey::from_pkcs8(&pkcs8).map_err(|_| invalid())?;
        let oaep = rsa::OaepPrivateDecryptingKey::new(key).map_err(|_| invalid())?;
        Ok(Box::new(AwsLcRsaKey { oaep, checked }))
    }

    fn verify_signature(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature_der: &[u8],
    ) -> Result<(), Error> {
        signature::UnparsedPublicKey::new(verification_algorithm(algorithm), spki_der)
            .verify(message, signature_der)
            .map_err(|_| Error::SignatureInvalid)
    }

    /// AWS-LC's parsed key (`EVP_PKEY`): the point is decoded and checked on the curve once.
    fn verifying_key(
        &self,
        algorithm: SignatureAlgorithm,
        spki_der: &[u8],
    ) -> Option<Box<dyn VerifyingKey>> {
        let key = signature::ParsedPublicKey::new(verification_algorithm(algorithm), spki_der);
        Some(Box::new(AwsLcVerifyingKey(key.ok()?)))
    }
}

fn verification_algorithm(
    algorithm: SignatureAlgorithm,
) -> &'static dyn signature::VerificationAlgorithm {
    match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        SignatureAlgorithm::EcdsaP384Sha256 => &signature::ECDSA_P384_SHA256_ASN1,
        SignatureAlgorithm::EcdsaP384Sha384 => &signature::ECDSA_P384_SHA384_ASN1,
        SignatureAlgorithm::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

/// A public key parsed by AWS-LC.
#[derive(Debug)]
struct AwsLcVerifyingKey(signature::ParsedPublicKey);

impl VerifyingKey for AwsLcVerifyingKey {
    fn verify(&self, message: &[u8], signature_der: &[u8]) -> Result<(), Error> {
        self.0
            .verify_sig(message, signature_der)
            .map_err(|_| Error::SignatureInvalid)
    }
}

/// A P-256 key held by AWS-LC (which clears key memory when it frees it).
struct AwsLcP256Key {
    key: agreement::PrivateKey,
    spki: Vec<u8>,
}

impl fmt::Debug for AwsLcP256Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcP256Key").finish_non_exhaustive()
    }
}

impl MerchantKey for AwsLcP256Key {
    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ephemeral_spki);
        agreement::agree(
            &self.key,
            peer,
            Error::Malformed("header.ephemeralPublicKey"),
            |z| {
                let mut out = Zeroizing::new([0u8; 32]);
                if z.len() != out.len() {
                    return Err(Error::DecryptionFailed);
                }
                out.copy_from_slice(z);
                Ok(SharedSecret::new(out))
            },
        )
    }

    /// Signs with RustCrypto's deterministic (RFC 6979) ECDSA: CSRs are rare, and AWS-LC
    /// would draw the nonce from its own RNG rather than the caller's.
    fn sign(&self, rng: &mut dyn rand_core::CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
        use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        let bin: EcPrivateKeyBin<'static> = self.key.as_be_bytes().map_err(|_| invalid())?;
        let mut scalar = Zeroizing::new([0u8; 32]);
        if bin.as_ref().len() != scalar.len() {
            return Err(invalid());
        }
        scalar.copy_from_slice(bin.as_ref());
        RustCrypto.p256_private_key(&scalar)?.sign(rng, message)
    }

    fn signing_schemes(&self) -> &[SigningScheme] {
        &[SigningScheme::EcdsaP256Sha256]
    }

    /// [`MerchantKey::sign`] for the one scheme: deterministic ECDSA, for the same reason.
    fn sign_with_scheme(
        &self,
        scheme: SigningScheme,
        rng: &mut dyn rand_core::CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        match scheme {
            SigningScheme::EcdsaP256Sha256 => self.sign(rng, message),
            _ => Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm)),
        }
    }
}

/// An RSA key whose OAEP unwrap runs in AWS-LC (blinded with AWS-LC's own RNG,
/// constant-time padding check; AWS-LC clears key memory when it frees it). The same key,
/// loaded in RustCrypto, gives the public key and signs CSRs.
struct AwsLcRsaKey {
    oaep: rsa::OaepPrivateDecryptingKey,
    checked: Box<dyn MerchantKey>,
}

impl fmt::Debug for AwsLcRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcRsaKey").finish_non_exhaustive()
    }
}

impl MerchantKey for AwsLcRsaKey {
    fn public_key_spki(&self) -> &[u8] {
        self.checked.public_key_spki()
    }

    fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut out = Zeroizing::new(alloc::vec![0u8; self.oaep.min_output_size()]);
        let len = self
            .oaep
            .decrypt(&rsa::OAEP_SHA256_MGF1SHA256, wrapped_key, &mut out, None)
            .map_err(|_| Error::DecryptionFailed)?
            .len();
        out.truncate(len);
        Ok(out)
    }

    fn sign(&self, rng: &mut dyn rand_core::CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.checked.sign(rng, message)
    }

    /// Signs in RustCrypto, like [`MerchantKey::sign`]: AWS-LC would draw the PSS salt
    /// and blinding from its own RNG rather than the caller's.
    fn signing_schemes(&self) -> &[SigningScheme] {
        self.checked.signing_schemes()
    }

    fn sign_with_scheme(
        &self,
        scheme: SigningScheme,
        rng: &mut dyn rand_core::CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.checked.sign_with_scheme(scheme, rng, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;

    const KEY: &[u8] = include_bytes!("../../test-vectors/synthetic-leading-zero/merchant_key.pem");

    #[test]
    fn same_public_key_and_shared_secret_as_rustcrypto() {
        let ours = PrivateKey::from_pem_or_der_with(&AwsLc, KEY).unwrap();
        let theirs = PrivateKey::from_pem_or_der_with(&RustCrypto, KEY).unwrap();
        assert_eq!(ours.public_key_spki(), theirs.public_key_spki());
        let peer = theirs.public_key_spki().to_vec();
        assert_eq!(
            ours.ecdh_p256(&peer).unwrap().as_bytes(),
            theirs.ecdh_p256(&peer).unwrap().as_bytes()
        );
        assert_eq!(AwsLc.sha256(&[b"ab", b"c"]), RustCrypto.sha256(&[b"abc"]));
    }

    #[test]
    fn csrs_and_rsa_keys_work_with_this_back_end() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let key = PrivateKey::generate_p256_with(&AwsLc, &mut rng).unwrap();
        let subject = crate::CsrSubject::new().common_name("aws-lc");
        let csr = crate::Csr::create(&key, &subject, &mut rng).unwrap();
        assert_eq!(csr.public_key_hash(), key.public_key_hash());
        let tbs = der::Encode::to_der(&csr.request().info).unwrap();
        AwsLc
            .verify_signature(
                SignatureAlgorithm::EcdsaP256Sha256,
                csr.public_key_spki(),
                &tbs,
                csr.request().signature.raw_bytes(),
            )
            .unwrap();
        let rsa = include_bytes!("../../test-vectors/onboarding/rsa.pkcs1.pem");
        let rsa = PrivateKey::from_pem_or_der_with(&AwsLc, rsa).unwrap();
        assert_eq!(rsa.algorithm(), crate::KeyAlgorithm::Rsa);
    }

    #[test]
    fn rsa_oaep_unwrap_agrees_with_rustcrypto() {
        use ::rsa::pkcs1::DecodeRsaPrivateKey;
        use rand::SeedableRng;
        let pem = include_str!("../../test-vectors/onboarding/rsa.pkcs1.pem");
        let ours = PrivateKey::from_pem_or_der_with(&AwsLc, pem.as_bytes()).unwrap();
        let theirs = PrivateKey::from_pem_or_der_with(&RustCrypto, pem.as_bytes()).unwrap();
        assert_eq!(ours.public_key_spki(), theirs.public_key_spki());
        let public = ::rsa::PrivateKey::from_pkcs1_pem(pem)
            .unwrap()
            .to_public_key();
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let wrapped = public
            .oaep_encrypt_with_rng::<sha2::Sha256, _>(&mut rng, &[7; 16])
            .unwrap();
        for key in [&ours, &theirs] {
            assert_eq!(
                key.rsa_oaep_sha256_decrypt(&wrapped).unwrap().as_slice(),
                &[7; 16]
            );
        }
        let mut flipped = wrapped.clone();
        flipped[100] ^= 1;
        let labelled = public
            .encrypt(
                &mut rng,
                ::rsa::Oaep::<sha2::Sha256>::new_with_label(*b"x"),
                &[7; 16],
            )
            .unwrap();
        for bad in [&flipped[..], &labelled, &wrapped[1..], &[]] {
            for key in [&ours, &theirs] {
                assert_eq!(
                    key.rsa_oaep_sha256_decrypt(bad).unwrap_err(),
                    Error::DecryptionFailed
                );
            }
        }
    }

    #[test]
    fn bad_peer_key_is_malformed() {
        let ours = PrivateKey::from_pem_or_der_with(&AwsLc, KEY).unwrap();
        assert_eq!(
            ours.ecdh_p256(&[0x30, 0x00]).unwrap_err(),
            Error::Malformed("header.ephemeralPublicKey")
        );
    }
}
