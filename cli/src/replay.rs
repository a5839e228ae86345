//! `decrypt --replay-store memory|redis://HOST:PORT[/DB]`: the store that accepts each
//! transactionId once. The checking is the library's (`Keyring::decrypt_plaintext_once`);
//! this only opens the store the flag names.

use applepay_crypto::{MemoryReplayGuard, ReplayGuard};
use applepay_replay_redis::BlockingRedisReplayStore;

use crate::Failure;

/// Ids `--replay-store memory` holds at once: a batch's distinct tokens within one
/// signing-time window (beyond it a token is refused as `replay_store`). Memory grows
/// with the ids actually held, about 100 bytes each.
pub(crate) const MEMORY_CAPACITY: usize = 1 << 20;

/// The store `spec` names. Nothing is connected yet: a Redis server that cannot be
/// reached is each token's `replay_store` error, not a usage error.
pub(crate) fn open_replay_store(spec: &str) -> Result<Box<dyn ReplayGuard>, Failure> {
    if spec == "memory" {
        return Ok(Box::new(MemoryReplayGuard::with_capacity(MEMORY_CAPACITY)));
    }
    let usage = || {
        Failure::Usage(format!(
            "--replay-store takes memory or redis://HOST:PORT[/DB], not {spec:?}"
        ))
    };
    if !spec.starts_with("redis://") {
        return Err(usage());
    }
    match BlockingRedisReplayStore::open(spec) {
        Ok(store) => Ok(Box::new(store)),
        Err(applepay_crypto::Error::InvalidParameter(_)) => Err(usage()),
        Err(e) => Err(Failure::Crypto(e)),
    }
}
