//! ECDSA P-256/SHA-256 verification with a precomputed table for one public key.
//!
//! Apple's leaf signing key stays the same for months, and the verifier keeps it with
//! its cached certificate chain ([`super::Provider::verifying_key`]). `p256`'s
//! `VerifyingKey::verify` computes `R = u1·G + u2·Q` with one interleaved double-and-add
//! over both scalars: about 256 doublings and 130 additions, every time. With a table
//! of multiples of `Q` kept next to the key, and `p256`'s static table of multiples of
//! `G` (feature `precomputed-tables`), both products need additions only.
//!
//! # The algorithm
//!
//! A scalar `k < n < 2²⁵⁶` is recoded into [`DIGITS`] = 65 signed radix-16 digits
//! `d_i ∈ [-8, 8]`, `k = Σ d_i·16^i`. The table holds, for each of [`ROWS`] = 33 rows
//! `j`, the affine points `m·256^j·Q` for `m = 1..=8` — 264 points. Digit `d_{2j}`
//! selects `±|d_{2j}|·256^j·Q` from row `j` into one accumulator, digit `d_{2j+1}` the
//! same row's point into a second accumulator, which is multiplied by 16 at the end:
//!
//! ```text
//! k·Q = Σ_j d_{2j}·256^j·Q + 16·Σ_j d_{2j+1}·256^j·Q
//! ```
//!
//! so `u2·Q` costs at most 65 mixed additions (projective + affine) and 4 doublings.
//! Storing one row per digit pair rather than per digit halves the table for those 4
//! doublings; it is the layout of `primeorder::BasepointTable`, whose `p256` instance
//! computes `u1·G` here (`ProjectivePoint::mul_by_generator_vartime`). The points are
//! made affine with one batched inversion when the table is built, so every addition
//! is a mixed one. All group operations are `primeorder`'s complete formulas: no
//! exceptional case (identity, equal or opposite operands) needs handling here.
//!
//! Building the table costs 198 additions, 193 doublings and one batched inversion —
//! about 1.3 of `p256`'s verifications (198 µs against 147 µs on the development
//! machine, where a verification with the table takes 62 µs) — and it keeps 264 × 72
//! bytes = 19 KB per key (61 KB while being built). [`CachedP256Key`] therefore
//! verifies its first signature the standard way and builds the table on the second,
//! so a verifier used once (the command-line tool, a cold cache) pays nothing extra,
//! and one that sees the key a few times is ahead by the fourth token.
//!
//! [`WINDOW_BITS`] sets the trade-off (the tests hold for any value from 2 to 7 but the
//! one that pins the size). Timed back to back on the same machine: at 4, build
//! 198 µs, verification 62.2 µs; at 5 (26 rows of 16 points, 30 KB), build 281 µs,
//! verification 56.4 µs. 4 keeps the table at `BasepointTable`'s shape and a third
//! smaller for 9 % more time per verification.
//!
//! # Variable time
//!
//! Verification handles public data only: the key, the message, the signature. Digit
//! recoding, skipping zero digits and the table lookups therefore depend on the scalars
//! without harm, as in `p256`'s own `verify` (`lincomb_vartime`, `invert_vartime`).
//! None of this code may be used with secret scalars.
//!
//! # Why it is hand-written
//!
//! No well-kept crate offers a per-key fixed-base table for P-256 ECDSA verification:
//! `p256`/`primeorder` keep a table for the generator only (`BasepointTable` builds
//! from `Group::generator`, and `p256`'s instance is private), and their
//! `LinearCombination` builds its small per-point tables afresh on every call. This
//! module adds only the recoding and the table walk; field and group arithmetic,
//! inversion, hashing and signature decoding are `p256`'s, `sha2`'s and `ecdsa`'s.
//!
//! # Semantics
//!
//! Exactly those of `p256::ecdsa::VerifyingKey::verify` (`ecdsa` 0.17's
//! `hazmat::verify_prehashed`), which the tests check against Wycheproof's vectors and
//! random tampered signatures: `r, s ∈ [1, n-1]` (enforced by
//! [`p256::ecdsa::Signature`]); high `s` accepted, not normalised (`p256` sets
//! `NORMALIZE_S = false`); `e` = SHA-256(message) read big-endian and reduced mod `n`;
//! `w = s⁻¹`, `u1 = e·w`, `u2 = r·w`; accept iff `R = u1·G + u2·Q` is not the identity
//! and `x(R) mod n = r`.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use p256::elliptic_curve::BatchNormalize;
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::{MulByGeneratorVartime, Reduce};
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

use super::VerifyingKey;
use crate::error::Error;

/// Bits per signed digit of the recoded scalar.
const WINDOW_BITS: usize = 4;
/// Table points per row: the multiples `1..=HALF` of the row's base (digits are
/// signed, so the negatives come from negating `y`).
const HALF: usize = 1 << (WINDOW_BITS - 1);
/// Signed digits of a scalar below `2²⁵⁶`: the top digit takes the last carry, so
/// `DIGITS · WINDOW_BITS ≥ 257`.
pub(super) const DIGITS: usize = 257_usize.div_ceil(WINDOW_BITS);
/// Table rows: one per pair of digits.
pub(super) const ROWS: usize = DIGITS.div_ceil(2);
/// Points in a table.
pub(super) const POINTS: usize = ROWS * HALF;

const _: () = assert!(DIGITS * WINDOW_BITS >= 257 && WINDOW_BITS >= 2 && WINDOW_BITS <= 7);

/// Signed radix-`2^WINDOW_BITS` digits of `k`, least significant first, each in
/// `[-HALF, HALF]`, with `k = Σ digits[i]·2^(WINDOW_BITS·i)`. Variable time. `None`
/// never happens (a digit out of range would be a bug here), but fails closed.
pub(super) fn recode(k: &Scalar) -> Option<[i8; DIGITS]> {
    const MASK: u16 = (1 << WINDOW_BITS) - 1;
    let mut le = [0u8; 32];
    for (out, byte) in le.iter_mut().zip(k.to_bytes().iter().rev()) {
        *out = *byte;
    }
    let byte = |at: usize| le.get(at).copied().unwrap_or(0);
    let mut digits = [0i8; DIGITS];
    let mut carry = 0u16;
    for (i, digit) in digits.iter_mut().enumerate() {
        let bit = i * WINDOW_BITS;
        let pair = u16::from_le_bytes([byte(bit / 8), byte(bit / 8 + 1)]);
        // In [0, 2^WINDOW_BITS]; above HALF it becomes negative and carries 1 upwards.
        let value = ((pair >> (bit % 8)) & MASK) + carry;
        carry = u16::from(usize::from(value) > HALF);
        let signed = i32::from(value) - (i32::from(carry) << WINDOW_BITS);
        *digit = i8::try_from(signed).ok()?;
    }
    // The top digit holds at most 2^(256 - (DIGITS-1)·WINDOW_BITS) ≤ HALF: no carry out.
    (carry == 0).then_some(digits)
}

/// The precomputed multiples of one public key: row `j` holds `m·2^(2·WINDOW_BITS·j)·Q`
/// for `m = 1..=HALF`, affine.
pub(super) struct KeyTable {
    /// `POINTS` points, row after row.
    points: Box<[AffinePoint]>,
}

impl core::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyTable")
            .field("points", &self.points.len())
            .finish()
    }
}

impl KeyTable {
    /// Builds the table of `q`'s multiples: `ROWS·(HALF - 2)` additions,
    /// `ROWS + (ROWS - 1)·(WINDOW_BITS + 1)` doublings, one batched inversion.
    pub(super) fn new(q: &AffinePoint) -> Self {
        let mut projective = Vec::with_capacity(POINTS);
        let mut base = ProjectivePoint::from(q);
        for row in 0..ROWS {
            let mut multiple = base;
            projective.push(multiple);
            multiple = base.double();
            projective.push(multiple);
            for _ in 3..=HALF {
                multiple += &base;
                projective.push(multiple);
            }
            // The next row's base: 2^(2·WINDOW_BITS)·base = 2^(WINDOW_BITS+1)·(HALF·base).
            if row + 1 < ROWS {
                base = multiple;
                for _ in 0..=WINDOW_BITS {
                    base = base.double();
                }
            }
        }
        let points =
            <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(&projective);
        Self {
            points: points.into_boxed_slice(),
        }
    }

    /// `k·Q`, from the table. Variable time. `None` only if the table were malformed,
    /// which [`KeyTable::new`] rules out.
    pub(super) fn mul_vartime(&self, k: &Scalar) -> Option<ProjectivePoint> {
        /// Adds `digit·P` to `acc`, `P` from `row` (`digit·P` is `±row[|digit|-1]`).
        fn add_digit(acc: &mut ProjectivePoint, row: &[AffinePoint], digit: i8) -> Option<()> {
            let Some(at) = usize::from(digit.unsigned_abs()).checked_sub(1) else {
                return Some(());
            };
            let point = row.get(at)?;
            if digit < 0 {
                *acc -= point;
            } else {
                *acc += point;
            }
            Some(())
        }

        if self.points.len() != POINTS {
            return None;
        }
        let digits = recode(k)?;
        let mut even = ProjectivePoint::IDENTITY;
        let mut odd = ProjectivePoint::IDENTITY;
        for (row, pair) in self.points.chunks_exact(HALF).zip(digits.chunks(2)) {
            let mut pair = pair.iter().copied();
            add_digit(&mut even, row, pair.next()?)?;
            if let Some(digit) = pair.next() {
                add_digit(&mut odd, row, digit)?;
            }
        }
        for _ in 0..WINDOW_BITS {
            odd = odd.double();
        }
        Some(even + odd)
    }

    /// Verifies `signature` over `message`, with `Q` the key this table was built for.
    /// Any failure is [`Error::SignatureInvalid`].
    pub(super) fn verify(
        &self,
        message: &[u8],
        signature: &p256::ecdsa::Signature,
    ) -> Result<(), Error> {
        use sha2::Digest;
        // `Signature` holds r and s in [1, n-1].
        let (r, s) = signature.split_scalars();
        let (r, s): (Scalar, Scalar) = (*r, *s);
        // The prehash is exactly 32 bytes, the size of `n`: read big-endian and reduced
        // mod n, as `ecdsa`'s `bits2field`/`bytes2scalar` does for it.
        let digest: [u8; 32] = sha2::Sha256::digest(message).into();
        let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(digest));
        let w = Option::<Scalar>::from(s.invert_vartime()).ok_or(Error::SignatureInvalid)?;
        let u1 = e * w;
        let u2 = r * w;
        let u2_q = self.mul_vartime(&u2).ok_or(Error::SignatureInvalid)?;
        let point = ProjectivePoint::mul_by_generator_vartime(&u1) + u2_q;
        if bool::from(point.is_identity()) {
            return Err(Error::SignatureInvalid);
        }
        let x = point.to_affine().x();
        if <Scalar as Reduce<FieldBytes>>::reduce(&x) == r {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

/// A cached P-256 verifying key: `p256`'s, and from its second use on, a [`KeyTable`].
pub(super) struct CachedP256Key {
    key: p256::ecdsa::VerifyingKey,
    /// Set by the first verification, which runs through `key`. A signature that does
    /// not decode as DER is no use of the key.
    used: AtomicBool,
    /// Built by the second verification; used from then on.
    table: OnceLock<KeyTable>,
}

impl core::fmt::Debug for CachedP256Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CachedP256Key")
            .field("key", &self.key)
            .field("table", &self.table.get().is_some())
            .finish()
    }
}

impl CachedP256Key {
    /// Wraps `key`; no table yet.
    pub(super) fn new(key: p256::ecdsa::VerifyingKey) -> Self {
        Self {
            key,
            used: AtomicBool::new(false),
            table: OnceLock::new(),
        }
    }

    /// The table, built now if this is the key's second use or later; `None` on the
    /// first use.
    fn table(&self) -> Option<&KeyTable> {
        if let Some(table) = self.table.get() {
            return Some(table);
        }
        if !self.used.swap(true, Ordering::Relaxed) {
            return None;
        }
        Some(
            self.table
                .get_or_init(|| KeyTable::new(self.key.as_affine())),
        )
    }

    /// Whether the table has been built (for tests).
    #[cfg(test)]
    pub(super) fn has_table(&self) -> bool {
        self.table.get().is_some()
    }
}

impl VerifyingKey for CachedP256Key {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let signature =
            p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::SignatureInvalid)?;
        match self.table() {
            Some(table) => table.verify(message, &signature),
            None => {
                use signature::Verifier;
                self.key
                    .verify(message, &signature)
                    .map_err(|_| Error::SignatureInvalid)
            }
        }
    }
}

#[cfg(test)]
#[path = "p256_table_tests.rs"]
mod tests;
