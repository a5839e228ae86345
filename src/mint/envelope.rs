//! How the simulator ([`crate::mint`]) encrypts a token's payment data: the `EC_v1` and
//! `RSA_v1` envelopes, with the deliberate `RSA_v1` faults.

use alloc::vec;
use alloc::vec::Vec;

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{AeadInOut, KeyInit};
use sha2::Digest;
use spki::EncodePublicKey;

use super::keys::{SeedRng, p256_key, spki_p256, spki_rsa};
use super::spec::{Fault, TokenSpec};
use crate::error::Error;

/// What the version-specific step hands to the signing step.
pub(crate) struct Envelope {
    /// `ephemeralPublicKey` or `wrappedKey`.
    pub(crate) key_field: &'static str,
    /// Its value (decoded), the first part of the signed content.
    pub(crate) key_value: Vec<u8>,
    /// The merchant public key the token is for (its hash goes in the header).
    pub(crate) merchant_spki: Vec<u8>,
    /// Ciphertext and tag.
    pub(crate) data: Vec<u8>,
}

/// AES-GCM (AES-128 or AES-256 by key length) with Apple's zero 16-byte IV, tag appended.
fn aes_gcm_seal(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    fn seal<C: AeadInOut<NonceSize = U16>>(cipher: &C, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let mut data = plaintext.to_vec();
        let tag = cipher
            .encrypt_inout_detached(
                &aes_gcm::Nonce::<U16>::default(),
                &[],
                data.as_mut_slice().into(),
            )
            .map_err(|_| Error::InvalidParameter("plaintext"))?;
        data.extend_from_slice(tag.as_slice());
        Ok(data)
    }
    let bad_key = |_| Error::InvalidParameter("aes key");
    match key.len() {
        16 => seal(
            &aes_gcm::AesGcm::<aes_gcm::aes::Aes128, U16>::new_from_slice(key).map_err(bad_key)?,
            plaintext,
        ),
        _ => seal(
            &aes_gcm::AesGcm::<aes_gcm::aes::Aes256, U16>::new_from_slice(key).map_err(bad_key)?,
            plaintext,
        ),
    }
}

/// `EC_v1` encryption: ECDH, Apple's KDF, AES-256-GCM with a zero 16-byte IV.
pub(crate) fn ec_v1(
    merchant_public: &p256::PublicKey,
    merchant_id: &str,
    spec: &TokenSpec,
) -> Result<Envelope, Error> {
    let ephemeral = p256_key(&spec.ephemeral_seed, "ephemeral")?;
    let ephemeral_spki = if spec.fault == Some(Fault::CompressedEphemeralKey) {
        use super::der_writer::{oid, seq, tlv};
        let point = ephemeral.verifying_key().to_sec1_point(true);
        seq(&[
            &seq(&[&oid("1.2.840.10045.2.1"), &oid("1.2.840.10045.3.1.7")]),
            &tlv(0x03, &[&[0x00][..], point.as_bytes()].concat()),
        ])
    } else {
        spki_p256(ephemeral.verifying_key())?
    };
    let merchant_spki = merchant_public
        .to_public_key_der()
        .map_err(|_| Error::InvalidParameter("merchant key"))?
        .into_vec();
    let z = p256::ecdh::diffie_hellman(ephemeral.as_nonzero_scalar(), merchant_public.as_affine());
    let party_v = sha2::Sha256::digest(merchant_id.as_bytes());
    let mut kdf = sha2::Sha256::new();
    for part in [
        &[0, 0, 0, 1][..],
        z.raw_secret_bytes().as_slice(),
        b"\x0did-aes256-GCM",
        b"Apple",
        party_v.as_slice(),
    ] {
        kdf.update(part);
    }
    let key = kdf.finalize();
    Ok(Envelope {
        key_field: "ephemeralPublicKey",
        key_value: ephemeral_spki,
        merchant_spki,
        data: aes_gcm_seal(key.as_slice(), &spec.plaintext)?,
    })
}

/// `RSA_v1` encryption: a random AES-128 key, wrapped with RSA-OAEP (SHA-256,
/// MGF1-SHA-256, empty label) for the merchant's RSA key; AES-128-GCM with a zero
/// 16-byte IV. The `RSA_v1` faults change one of these choices.
/// `other_key` receives the key instead under [`Fault::WrappedForOtherKey`].
pub(crate) fn rsa_v1(
    merchant_key: &rsa::PrivateKey,
    other_key: &rsa::PrivateKey,
    spec: &TokenSpec,
) -> Result<Envelope, Error> {
    let mut rng = SeedRng::new(&spec.ephemeral_seed, "rsa_v1");
    let key_len = if spec.fault == Some(Fault::WrongWrappedKeyLength) {
        32
    } else {
        16
    };
    let mut key = vec![0u8; key_len];
    rand_core::TryRng::try_fill_bytes(&mut rng, &mut key)
        .map_err(|_| Error::InvalidParameter("rng"))?;
    let recipient = if spec.fault == Some(Fault::WrappedForOtherKey) {
        other_key.to_public_key()
    } else {
        merchant_key.to_public_key()
    };
    let wrapped = match spec.fault {
        Some(Fault::WrongOaepLabel) => recipient.encrypt(
            &mut rng,
            rsa::Oaep::<sha2::Sha256>::new_with_label(*b"Apple"),
            &key,
        ),
        Some(Fault::WrongOaepHash) => {
            recipient.oaep_encrypt_with_rng::<sha2::Sha384, _>(&mut rng, &key)
        }
        _ => recipient.oaep_encrypt_with_rng::<sha2::Sha256, _>(&mut rng, &key),
    }
    .map_err(|_| Error::InvalidParameter("rsa key"))?;
    Ok(Envelope {
        key_field: "wrappedKey",
        key_value: wrapped,
        merchant_spki: spki_rsa(merchant_key)?,
        data: aes_gcm_seal(&key, &spec.plaintext)?,
    })
}
