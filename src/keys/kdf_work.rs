//! What a password-protected key file may cost: every key derivation's work, checked from
//! its parameters before any derivation runs.
//!
//! The parameters of a key derivation come from the file — an iteration count or an
//! scrypt cost picked by whoever wrote it — so unchecked, a crafted file makes an import
//! take hours or allocate gigabytes, with the wrong password as much as with the right
//! one. Each derivation is capped on its own ([`MAX_PBKDF2_ITERATIONS`],
//! [`MAX_SCRYPT_WORK`], [`MAX_SCRYPT_MEMORY`], [`MAX_SCRYPT_PARALLELIZATION`]) and the sum
//! over a whole file — a PKCS#12 file has a MAC and several encrypted parts — is capped
//! by [`MAX_KDF_WORK`].
//!
//! # The work unit
//!
//! One unit is about one hash compression of SHA-1 or SHA-256. Per iteration and per
//! block of output: PBKDF2 costs 2 units (HMAC's inner and outer hash), the PKCS#12 key
//! derivation (RFC 7292 appendix B) 1 unit; both three times that with SHA-384 and
//! SHA-512, whose compressions are dearer. scrypt costs 8 units per `N · r · p`.
//! Measured on a 2-core AMD EPYC (release build), one unit of each kind took between
//! 0.09 and 0.12 µs, so [`MAX_KDF_WORK`] is about a second.

use crate::error::{Error, KeyImportError};

/// Largest PBKDF2 (and PKCS#12 key derivation) iteration count accepted. OpenSSL writes
/// 2048 by default; OWASP's 2023 advice for PBKDF2-HMAC-SHA256 is 600 000.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;

/// Largest scrypt memory (`128 · r · N` bytes) accepted: 256 MiB. [`MAX_SCRYPT_WORK`]
/// is the tighter limit unless `p` is 1.
pub const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;

/// Largest scrypt parallelization `p` accepted.
pub const MAX_SCRYPT_PARALLELIZATION: u16 = 16;

/// Largest scrypt work `N · r · p` accepted: 2^20, for example `N = 2^17, r = 8, p = 1`
/// (OpenSSL writes `N = 2^14, r = 8, p = 1`). `p` multiplies the time as `N` does, so
/// memory alone does not bound it.
pub const MAX_SCRYPT_WORK: u64 = 1 << 20;

/// Largest total key-derivation work accepted for one key file, in the units described
/// in the module documentation: about one second of derivations. A PKCS#12 file's MAC
/// and every encrypted part count towards it.
pub const MAX_KDF_WORK: u64 = 1 << 23;

/// The hash a key derivation iterates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KdfHash {
    /// SHA-1, SHA-224 or SHA-256 (64-byte blocks); the output length in bytes.
    Small(usize),
    /// SHA-384, SHA-512 or a truncation of SHA-512 (128-byte blocks); the output length.
    Large(usize),
}

impl KdfHash {
    fn weight(self) -> u64 {
        match self {
            Self::Small(_) => 1,
            Self::Large(_) => 3,
        }
    }

    fn output_len(self) -> usize {
        match self {
            Self::Small(n) | Self::Large(n) => n,
        }
    }

    /// Output blocks needed for `key_len` bytes (at least one).
    fn blocks(self, key_len: usize) -> u64 {
        let out = self.output_len().max(1);
        u64::try_from(key_len.div_ceil(out).max(1)).unwrap_or(u64::MAX)
    }
}

fn too_much() -> Error {
    Error::KeyImport(KeyImportError::WorkFactorTooHigh)
}

/// The work of PBKDF2 with HMAC over `hash`, `iterations` times, for `key_len` bytes.
pub(crate) fn pbkdf2(hash: KdfHash, iterations: u32, key_len: usize) -> Result<u64, Error> {
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(too_much());
    }
    Ok(u64::from(iterations.max(1))
        .saturating_mul(hash.blocks(key_len))
        .saturating_mul(2 * hash.weight()))
}

/// The work of the PKCS#12 key derivation (RFC 7292 appendix B.2) over `hash`,
/// `iterations` times (fewer than one runs once), for `key_len` bytes.
#[cfg(any(feature = "pkcs12", test))]
pub(crate) fn pkcs12_kdf(hash: KdfHash, iterations: i32, key_len: usize) -> Result<u64, Error> {
    let iterations = u64::try_from(iterations.max(1)).unwrap_or(1);
    if iterations > u64::from(MAX_PBKDF2_ITERATIONS) {
        return Err(too_much());
    }
    Ok(iterations
        .saturating_mul(hash.blocks(key_len))
        .saturating_mul(hash.weight()))
}

/// The work of scrypt with cost `n`, block size `r` and parallelization `p`.
pub(crate) fn scrypt(n: u64, r: u16, p: u16) -> Result<u64, Error> {
    let (r, p) = (u64::from(r), u64::from(p));
    let memory = 128u64.saturating_mul(r).saturating_mul(n);
    let work = n.saturating_mul(r).saturating_mul(p);
    if memory > MAX_SCRYPT_MEMORY
        || p > u64::from(MAX_SCRYPT_PARALLELIZATION)
        || work > MAX_SCRYPT_WORK
    {
        return Err(too_much());
    }
    Ok(work.saturating_mul(8))
}

/// The work of a PKCS#5 PBES2 decryption with these parameters.
pub(crate) fn pbes2(params: &pkcs8::pkcs5::pbes2::Parameters) -> Result<u64, Error> {
    use pkcs8::pkcs5::pbes2::{Kdf, Pbkdf2Prf};
    let key_len = params.encryption.key_size();
    match &params.kdf {
        Kdf::Pbkdf2(kdf) => {
            let hash = match kdf.prf {
                Pbkdf2Prf::HmacWithSha1 => KdfHash::Small(20),
                Pbkdf2Prf::HmacWithSha224 => KdfHash::Small(28),
                Pbkdf2Prf::HmacWithSha256 => KdfHash::Small(32),
                Pbkdf2Prf::HmacWithSha384 => KdfHash::Large(48),
                // SHA-512, and any PRF a later pkcs5 adds, counted as the dearest.
                _ => KdfHash::Large(64),
            };
            pbkdf2(hash, kdf.iteration_count, key_len)
        }
        Kdf::Scrypt(kdf) => scrypt(kdf.cost_parameter, kdf.block_size, kdf.parallelization),
        // A derivation a later pkcs5 adds cannot be priced: refused, not run.
        _ => Err(Error::KeyImport(KeyImportError::UnsupportedEncryption)),
    }
}

/// A running total of key-derivation work, refused past [`MAX_KDF_WORK`].
#[derive(Debug, Default)]
pub(crate) struct WorkBudget {
    spent: u64,
}

impl WorkBudget {
    /// Adds `units` (`times` over: work that will be done more than once); an error, and
    /// no change, when the total would pass [`MAX_KDF_WORK`].
    pub(crate) fn charge(&mut self, units: u64, times: u64) -> Result<(), Error> {
        let total = self.spent.saturating_add(units.saturating_mul(times));
        if total > MAX_KDF_WORK {
            return Err(too_much());
        }
        self.spent = total;
        Ok(())
    }

    /// The work charged so far.
    #[cfg(feature = "pkcs12")]
    pub(crate) fn spent(&self) -> u64 {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOO_MUCH: Error = Error::KeyImport(KeyImportError::WorkFactorTooHigh);

    #[test]
    fn units_follow_the_model() {
        // AES-256 from HMAC-SHA-256: one block; from HMAC-SHA-1: two.
        assert_eq!(pbkdf2(KdfHash::Small(32), 1_000_000, 32), Ok(2_000_000));
        assert_eq!(pbkdf2(KdfHash::Small(20), 1_000_000, 32), Ok(4_000_000));
        assert_eq!(pbkdf2(KdfHash::Large(64), 1_000_000, 32), Ok(6_000_000));
        assert_eq!(pbkdf2(KdfHash::Small(32), 0, 32), Ok(2));
        assert_eq!(
            pbkdf2(KdfHash::Small(32), MAX_PBKDF2_ITERATIONS + 1, 32),
            Err(TOO_MUCH)
        );
        // 3DES key (24 bytes) from SHA-1: two blocks; fewer than one iteration runs once.
        assert_eq!(pkcs12_kdf(KdfHash::Small(20), 2048, 24), Ok(4096));
        assert_eq!(pkcs12_kdf(KdfHash::Small(20), -5, 8), Ok(1));
        assert_eq!(pkcs12_kdf(KdfHash::Small(20), i32::MAX, 8), Err(TOO_MUCH));
        // OpenSSL's default scrypt, and the largest accepted.
        assert_eq!(scrypt(1 << 14, 8, 1), Ok(8 << 17));
        assert_eq!(scrypt(1 << 17, 8, 1), Ok(MAX_KDF_WORK));
        assert_eq!(scrypt(1 << 14, 8, 8), Ok(MAX_KDF_WORK));
    }

    #[test]
    fn scrypt_is_capped_by_work_memory_and_parallelism() {
        assert_eq!(scrypt(1 << 14, 8, 16), Err(TOO_MUCH)); // 16 MiB, but N·r·p = 2^21
        assert_eq!(scrypt(1 << 20, 8, 16), Err(TOO_MUCH));
        assert_eq!(scrypt(1 << 21, 1, 1), Err(TOO_MUCH)); // N·r·p = 2^21
        assert_eq!(scrypt(1 << 10, 1, 17), Err(TOO_MUCH)); // p over 16
        assert_eq!(scrypt(u64::MAX, u16::MAX, u16::MAX), Err(TOO_MUCH));
    }

    #[test]
    fn the_budget_is_a_running_total() {
        let mut budget = WorkBudget::default();
        assert_eq!(budget.charge(MAX_KDF_WORK / 2, 2), Ok(()));
        assert_eq!(budget.charge(1, 1), Err(TOO_MUCH));
        let mut budget = WorkBudget::default();
        assert_eq!(budget.charge(u64::MAX, u64::MAX), Err(TOO_MUCH));
        assert_eq!(budget.charge(MAX_KDF_WORK, 1), Ok(()));
    }
}
