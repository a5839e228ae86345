//! A deterministic RNG over a block function: `block(0) ‖ block(1) ‖ …`, 32 bytes each.
//!
//! Where the crate needs derived rather than ambient randomness — the RSA blinding values
//! (`rsa_blinding`, a PRF of the ciphertext) and the simulator's seeded keys (`mint_keys`)
//! — the bytes come from a keyed function of a counter, and this type hands them to `rsa`
//! and `elliptic-curve` through the `rand_core` interface they take. Which function, and
//! why it is unpredictable enough for its use, is documented where each one is defined.

use core::convert::Infallible;

use zeroize::Zeroizing;

/// The keyed function a [`CounterRng`] draws its blocks from.
pub(crate) trait BlockFn {
    /// The 32-byte block number `counter`.
    fn block(&self, counter: u64) -> Zeroizing<[u8; 32]>;
}

/// `rand_core` RNG yielding `source.block(0) ‖ source.block(1) ‖ …`. The current block
/// is zeroized on drop.
pub(crate) struct CounterRng<B> {
    source: B,
    counter: u64,
    block: Zeroizing<[u8; 32]>,
    /// Bytes of `block` already handed out.
    used: usize,
}

impl<B: BlockFn> CounterRng<B> {
    /// The stream of `source`, from block 0.
    pub(crate) fn from_blocks(source: B) -> Self {
        Self {
            source,
            counter: 0,
            block: Zeroizing::new([0; 32]),
            used: 32,
        }
    }
}

impl<B: BlockFn> rand_core::TryRng for CounterRng<B> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.used == self.block.len() {
                self.block = self.source.block(self.counter);
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            if let Some(next) = self.block.get(self.used) {
                *byte = *next;
            }
            self.used = self.used.saturating_add(1);
        }
        Ok(())
    }
}

impl<B: BlockFn> rand_core::TryCryptoRng for CounterRng<B> {}
