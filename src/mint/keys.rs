//! Keys and signatures for the Apple-side simulator ([`crate::mint`]), all derived from
//! a seed so the minted output is reproducible: P-256 and P-384 keys by hashing the seed,
//! RSA keys by running `rsa`'s key generation on a seeded RNG, ECDSA signatures with RFC
//! 6979 nonces, RSA PKCS#1 v1.5 signatures (deterministic by design) and OAEP padding
//! seeds from the same seeded RNG.
//!
//! The RSA keys depend on `rsa`'s prime search: a new `rsa` release may generate
//! different keys from the same seed, and then `examples/mint_vectors.rs` rewrites the
//! RSA vectors.

use alloc::vec::Vec;

use sha2::Digest;
use signature::Signer;
use signature::hazmat::PrehashSigner;
use spki::EncodePublicKey;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::provider::counter_rng::{BlockFn, CounterRng};

/// Bits of the simulator's RSA keys (Apple's merchant keys are RSA-2048).
const RSA_BITS: usize = 2048;

/// A deterministic RNG for the simulator: SHA-256(seed ‖ 0 ‖ label ‖ counter) blocks.
/// **Not** a secure RNG for anything but test data.
pub(crate) type SeedRng = CounterRng<SeedBlocks>;

/// SHA-256 of a fixed prefix (seed ‖ 0 ‖ label) and the big-endian block counter.
pub(crate) struct SeedBlocks(sha2::Sha256);

impl BlockFn for SeedBlocks {
    fn block(&self, counter: u64) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(
            self.0
                .clone()
                .chain_update(counter.to_be_bytes())
                .finalize()
                .into(),
        )
    }
}

impl SeedRng {
    pub(crate) fn new(seed: &[u8], label: &str) -> Self {
        let prefix = sha2::Sha256::new()
            .chain_update(seed)
            .chain_update([0])
            .chain_update(label);
        CounterRng::from_blocks(SeedBlocks(prefix))
    }
}

/// An RSA-2048 key generated from `seed` and `label`.
pub(crate) fn rsa_key(seed: &[u8], label: &str) -> Result<rsa::PrivateKey, Error> {
    rsa::PrivateKey::new(&mut SeedRng::new(seed, label), RSA_BITS)
        .map_err(|_| Error::InvalidParameter("seed"))
}

pub(crate) fn spki_rsa(key: &rsa::PrivateKey) -> Result<Vec<u8>, Error> {
    key.to_public_key()
        .to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|_| Error::InvalidParameter("key"))
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (deterministic; the RNG only blinds).
pub(crate) fn sign_rsa(key: &rsa::PrivateKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    let digest = sha2::Sha256::digest(message);
    key.sign_with_rng(
        &mut SeedRng::new(message, "rsa blinding"),
        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        &digest,
    )
    .map_err(|_| Error::InvalidParameter("rsa signature"))
}

pub(crate) fn p256_key(seed: &[u8], label: &str) -> Result<p256::ecdsa::SigningKey, Error> {
    (0u8..=255)
        .find_map(|counter| {
            let bytes = sha2::Sha256::new()
                .chain_update(seed)
                .chain_update([0])
                .chain_update(label)
                .chain_update([counter])
                .finalize();
            p256::ecdsa::SigningKey::from_slice(&bytes).ok()
        })
        .ok_or(Error::InvalidParameter("seed"))
}

pub(crate) fn p384_key(seed: &[u8], label: &str) -> Result<p384::ecdsa::SigningKey, Error> {
    (0u8..=255)
        .find_map(|counter| {
            let bytes = sha2::Sha384::new()
                .chain_update(seed)
                .chain_update([0])
                .chain_update(label)
                .chain_update([counter])
                .finalize();
            p384::ecdsa::SigningKey::from_slice(&bytes).ok()
        })
        .ok_or(Error::InvalidParameter("seed"))
}

pub(crate) fn spki_p256(key: &p256::ecdsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    key.to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|_| Error::InvalidParameter("key"))
}

pub(crate) fn spki_p384(key: &p384::ecdsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    key.to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|_| Error::InvalidParameter("key"))
}

pub(crate) fn sign_p256(key: &p256::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: p256::ecdsa::Signature = key.sign(message);
    signature.to_der().as_bytes().to_vec()
}

pub(crate) fn sign_p384_sha384(key: &p384::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: p384::ecdsa::Signature = key.sign(message);
    signature.to_der().as_bytes().to_vec()
}

/// ecdsa-with-SHA256 under a P-384 key, as Apple's root signs its intermediate.
pub(crate) fn sign_p384_sha256(
    key: &p384::ecdsa::SigningKey,
    message: &[u8],
) -> Result<Vec<u8>, Error> {
    let signature: p384::ecdsa::Signature = key
        .sign_prehash(&sha2::Sha256::digest(message))
        .map_err(|_| Error::InvalidParameter("prehash"))?;
    Ok(signature.to_der().as_bytes().to_vec())
}
