//! Deterministic blinding randomness for the RustCrypto RSA key's private operation.
//!
//! `rsa` blinds a private-key operation — it decrypts `c · rᵉ mod n` and multiplies the
//! result by `r⁻¹` — when given an RNG, and runs it unblinded when not (without its
//! `getrandom` feature). The library takes no ambient randomness and builds without `std`,
//! and [`crate::Keyring::decrypt`] has no RNG parameter, so the blinding values are
//! derived instead, as RFC 6979 derives ECDSA nonces:
//!
//! ```text
//! K    = HMAC-SHA256("applepay-crypto rsa blinding v1", PKCS#1 DER of the private key)
//! seed = HMAC-SHA256(K, ciphertext)
//! out  = HMAC-SHA256(seed, 0) ‖ HMAC-SHA256(seed, 1) ‖ …   (8-byte big-endian counter)
//! ```
//!
//! Why this is enough: blinding exists so that the exponentiation runs on a value the
//! attacker neither knows nor chooses. `r` is a PRF of the ciphertext under a key derived
//! from the private key, so it is unpredictable to anyone without that key, and distinct
//! for every distinct ciphertext. What an attacker gains over random blinding is only that
//! resubmitting the *same* ciphertext repeats the same computation — on a blinded value
//! they still do not know. The same build behaves identically with and without `std`, and
//! no OS RNG failure can make decryption fail. (`crypto-bigint`'s exponentiation is
//! constant-time in any case; blinding is defence in depth. It does not hide the timing
//! of the OAEP decoding *after* unblinding, which `rsa` 0.10 does in constant time, and
//! which this crate further shields by unwrapping only signature-verified tokens.)

use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

use super::counter_rng::{BlockFn, CounterRng};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const LABEL: &[u8] = b"applepay-crypto rsa blinding v1";

/// The per-key secret `K`, zeroized on drop.
pub(crate) struct BlindingKey(Zeroizing<[u8; 32]>);

impl BlindingKey {
    /// Derives `K` from the private key's PKCS#1 `RSAPrivateKey` DER.
    pub(crate) fn derive(pkcs1_der: &[u8]) -> Self {
        Self(prf(LABEL, &[pkcs1_der]))
    }

    /// The blinding RNG for one private operation on `ciphertext`.
    pub(crate) fn rng_for(&self, ciphertext: &[u8]) -> BlindingRng {
        CounterRng::from_blocks(BlindingBlocks(prf(self.0.as_slice(), &[ciphertext])))
    }
}

/// HMAC-SHA256 in counter mode, keyed by the per-ciphertext seed.
pub(crate) type BlindingRng = CounterRng<BlindingBlocks>;

/// `HMAC-SHA256(seed, counter)`, the seed zeroized on drop.
pub(crate) struct BlindingBlocks(Zeroizing<[u8; 32]>);

impl BlockFn for BlindingBlocks {
    fn block(&self, counter: u64) -> Zeroizing<[u8; 32]> {
        prf(self.0.as_slice(), &[&counter.to_be_bytes()])
    }
}

/// HMAC-SHA256(key, parts…), zeroized on drop.
fn prf(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Zeroizing::new([0; 32]),
    };
    for part in parts {
        mac.update(part);
    }
    let mut out = Zeroizing::new([0; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::TryRng;

    fn bytes(rng: &mut BlindingRng, n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        rng.try_fill_bytes(&mut out).unwrap();
        out
    }

    #[test]
    fn deterministic_per_key_and_ciphertext_and_split_independent() {
        let k = BlindingKey::derive(b"key one");
        let whole = bytes(&mut k.rng_for(b"ct"), 100);
        let mut rng = k.rng_for(b"ct");
        let mut pieces = bytes(&mut rng, 7);
        pieces.extend(bytes(&mut rng, 33));
        pieces.extend(bytes(&mut rng, 60));
        assert_eq!(whole, pieces);
        assert_ne!(whole, bytes(&mut k.rng_for(b"cu"), 100));
        let other = BlindingKey::derive(b"key two");
        assert_ne!(whole, bytes(&mut other.rng_for(b"ct"), 100));
        // Blocks differ from one another.
        assert_ne!(whole[..32], whole[32..64]);
    }

    #[test]
    fn first_block_is_hmac_counter_zero() {
        let k = BlindingKey::derive(b"k");
        let seed = prf(k.0.as_slice(), &[b"c"]);
        let expected = prf(seed.as_slice(), &[&0u64.to_be_bytes()]);
        assert_eq!(bytes(&mut k.rng_for(b"c"), 32), expected.to_vec());
    }
}
