//! Replay protection: each `transactionId` accepted once while its token can still verify.
//!
//! The signing-time check bounds how long a captured token stays usable; inside that
//! window the same token verifies and decrypts as often as it is sent. A [`ReplayGuard`]
//! closes the window: an atomic check-and-record of the token's canonical transaction id,
//! kept until the instant the token would fail the signing-time check anyway (its *forget
//! instant*, [`VerifiedToken::forget_at`](crate::VerifiedToken::forget_at)).
//! [`Keyring::decrypt_once`](crate::Keyring::decrypt_once) runs it after verification and
//! before the key is touched. [`MemoryReplayGuard`] serves one process; a store shared
//! by a fleet (Redis) lives outside this crate, which does no I/O.
//!
//! Time comes from the caller, as everywhere in this crate: the guard is told `now` and
//! never reads a clock.

use crate::error::Error;
use crate::time::UnixTime;

/// An atomic check-and-record of transaction ids: the store behind
/// [`Keyring::decrypt_once`](crate::Keyring::decrypt_once).
///
/// Implementations must be atomic across every caller sharing the store — two threads,
/// or two machines, recording the same id at the same moment: exactly one gets `Ok` —
/// and must **fail closed**: when the store cannot say whether an id was seen
/// (unreachable, failing, full), the answer is [`Error::ReplayStore`], never `Ok`.
///
/// The id passed is [`PaymentToken::transaction_id_hex`](crate::PaymentToken::transaction_id_hex):
/// 64 lower-case hex digits, one spelling per transaction.
pub trait ReplayGuard: Send + Sync {
    /// Records `transaction_id` until `forget_at`, unless it is already recorded and
    /// not yet forgotten at `now`.
    ///
    /// `forget_at` is the instant after which the token fails the signing-time check
    /// anyway, so the id need not be kept longer; an implementation may keep it longer,
    /// never shorter. An id whose `forget_at` is not after `now` is checked but need not
    /// be kept.
    ///
    /// Errors: [`Error::Replay`] when the id is recorded and not yet forgotten (a copy of a
    /// token already accepted); [`Error::ReplayStore`] when the store cannot answer — the
    /// caller must then refuse the token.
    fn check_and_record(
        &self,
        transaction_id: &str,
        now: UnixTime,
        forget_at: UnixTime,
    ) -> Result<(), Error>;

    /// Forgets `transaction_id`, which the caller recorded with
    /// [`ReplayGuard::check_and_record`] for a token that then failed to decrypt, so that
    /// the same token is accepted again once the failure is fixed (a key loaded, say).
    ///
    /// Errors: [`Error::ReplayStore`] when the store cannot be reached; the id then stays
    /// recorded until its forget instant (the safe direction).
    fn release(&self, transaction_id: &str) -> Result<(), Error>;
}

#[cfg(feature = "std")]
pub use memory::MemoryReplayGuard;

#[cfg(feature = "std")]
mod memory {
    use alloc::vec::Vec;
    use std::collections::hash_map::Entry;
    use std::collections::{BTreeMap, HashMap};
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use super::ReplayGuard;
    use crate::error::Error;
    use crate::time::UnixTime;

    /// A transaction id, decoded: [`crate::TRANSACTION_ID_LEN`] bytes.
    type Id = [u8; 32];

    /// A [`ReplayGuard`] in this process's memory, bounded in entries: for one server, or
    /// for the threads of one batch. Instances behind a load balancer each see only their
    /// share of the traffic, so a fleet needs a shared store (Redis) instead.
    ///
    /// **Sizing.** An id is kept from its token's verification until its forget instant:
    /// signing time + maximum age + [`crate::MAX_CLOCK_SKEW`], at most max age + 2 ×
    /// skew after verification (7 minutes with [`crate::DEFAULT_MAX_AGE`]). The capacity
    /// must therefore cover the peak rate of *accepted* tokens times that window: 100
    /// tokens per second × 420 s = 42,000 ids. Each live id costs about 100 bytes (its
    /// hash table entry and its place in the expiry queue, with their slack), so 1 M ids
    /// need about 100–150 MB. Nothing is allocated up front.
    ///
    /// **Full means refuse.** When every slot holds an id that has not expired, a new id
    /// is refused with [`Error::ReplayStore`] (fail closed: accepting it unrecorded would
    /// let its copies through). Expired ids are dropped as time (the callers' `now`)
    /// passes them, so a guard sized for its traffic never fills.
    ///
    /// Check-and-record is atomic behind one lock; a check costs a hash-table probe and,
    /// for a new id, an insertion and an append to the queue of its forget second (see
    /// `benches/replay.rs`).
    #[derive(Debug)]
    pub struct MemoryReplayGuard {
        capacity: usize,
        state: Mutex<State>,
    }

    #[derive(Debug, Default)]
    struct State {
        /// Each live id with its forget instant (seconds since the epoch).
        live: HashMap<Id, u64>,
        /// The same ids grouped by forget instant, soonest first: expiring drops whole
        /// seconds at once. Entries of ids since released or re-recorded are stale; they
        /// are skipped when dropped, and the queue is rebuilt when they pile up.
        expiry: BTreeMap<u64, Vec<Id>>,
        /// Entries in `expiry`, stale ones included.
        queued: usize,
    }

    impl MemoryReplayGuard {
        /// A guard holding at most `capacity` unexpired ids (see the type's docs for how
        /// to size it). With a capacity of 0 every token is refused.
        #[must_use]
        pub fn with_capacity(capacity: usize) -> Self {
            Self {
                capacity,
                state: Mutex::new(State::default()),
            }
        }

        /// The most unexpired ids held at once.
        #[must_use]
        pub fn capacity(&self) -> usize {
            self.capacity
        }

        /// How many ids are recorded, expired ones not yet dropped included.
        #[must_use]
        pub fn len(&self) -> usize {
            self.lock().live.len()
        }

        /// Whether no id is recorded.
        #[must_use]
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        fn lock(&self) -> MutexGuard<'_, State> {
            // Nothing under the lock panics on input; should it ever, the state is still
            // a set of ids with instants (at worst a stale queue entry), so go on with it.
            self.state.lock().unwrap_or_else(PoisonError::into_inner)
        }

        /// Entries in the expiry queue, stale ones included.
        #[cfg(test)]
        pub(super) fn queued(&self) -> usize {
            self.lock().queued
        }
    }

    /// The 32 bytes of a 64-digit lower-case hex id.
    fn decode(transaction_id: &str) -> Result<Id, Error> {
        let mut id = [0u8; 32];
        let decoded = base16ct::lower::decode(transaction_id, &mut id).map(<[u8]>::len);
        if decoded == Ok(id.len()) {
            Ok(id)
        } else {
            Err(Error::InvalidParameter(
                "transaction id: 64 lower-case hex digits",
            ))
        }
    }

    impl State {
        /// Drops every id whose forget instant is not after `now`.
        fn expire(&mut self, now: u64) {
            while let Some(second) = self.expiry.first_entry() {
                if *second.key() > now {
                    break;
                }
                let (at, ids) = second.remove_entry();
                self.queued = self.queued.saturating_sub(ids.len());
                for id in ids {
                    if let Entry::Occupied(live) = self.live.entry(id)
                        && *live.get() == at
                    {
                        live.remove();
                    }
                }
            }
        }

        fn record(&mut self, id: Id, forget_at: u64) {
            self.live.insert(id, forget_at);
            self.expiry.entry(forget_at).or_default().push(id);
            self.queued = self.queued.saturating_add(1);
            // Releases leave stale entries; keep the queue within twice the live set.
            if self.queued > self.live.len().saturating_mul(2).saturating_add(64) {
                let mut expiry: BTreeMap<u64, Vec<Id>> = BTreeMap::new();
                for (id, at) in &self.live {
                    expiry.entry(*at).or_default().push(*id);
                }
                self.expiry = expiry;
                self.queued = self.live.len();
            }
        }
    }

    impl ReplayGuard for MemoryReplayGuard {
        fn check_and_record(
            &self,
            transaction_id: &str,
            now: UnixTime,
            forget_at: UnixTime,
        ) -> Result<(), Error> {
            let id = decode(transaction_id)?;
            let (now, forget_at) = (now.as_secs(), forget_at.as_secs());
            let mut state = self.lock();
            state.expire(now);
            match state.live.get(&id) {
                Some(&at) if at > now => return Err(Error::Replay),
                Some(_) => {}
                None if state.live.len() >= self.capacity => {
                    return Err(Error::ReplayStore(
                        "the in-memory replay store is full of unexpired ids",
                    ));
                }
                None => {}
            }
            if forget_at <= now {
                // Past its window already: nothing to remember.
                state.live.remove(&id);
                return Ok(());
            }
            state.record(id, forget_at);
            Ok(())
        }

        fn release(&self, transaction_id: &str) -> Result<(), Error> {
            let id = decode(transaction_id)?;
            self.lock().live.remove(&id);
            Ok(())
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use std::sync::Barrier;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn id(n: u64) -> String {
        format!("{n:064x}")
    }

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(secs)
    }

    #[test]
    fn an_id_is_accepted_once_until_it_is_forgotten() {
        let guard = MemoryReplayGuard::with_capacity(4);
        assert_eq!(guard.check_and_record(&id(1), at(100), at(200)), Ok(()));
        assert_eq!(
            guard.check_and_record(&id(1), at(100), at(200)),
            Err(Error::Replay)
        );
        assert_eq!(
            guard.check_and_record(&id(1), at(199), at(260)),
            Err(Error::Replay)
        );
        // A different id is its own transaction.
        assert_eq!(guard.check_and_record(&id(2), at(150), at(250)), Ok(()));
        // At the forget instant the id is gone.
        assert_eq!(guard.check_and_record(&id(1), at(200), at(300)), Ok(()));
        assert_eq!(
            guard.check_and_record(&id(1), at(201), at(300)),
            Err(Error::Replay)
        );
        assert_eq!(Error::Replay.kind(), "replay");
    }

    #[test]
    fn full_of_unexpired_ids_refuses_and_expiry_frees_room() {
        let guard = MemoryReplayGuard::with_capacity(2);
        assert_eq!(guard.check_and_record(&id(1), at(100), at(200)), Ok(()));
        assert_eq!(guard.check_and_record(&id(2), at(100), at(300)), Ok(()));
        let full = guard.check_and_record(&id(3), at(150), at(400));
        assert!(matches!(full, Err(Error::ReplayStore(_))), "{full:?}");
        assert_eq!(full.unwrap_err().kind(), "replay_store");
        // The refused id was not recorded, and the recorded ones still are.
        assert_eq!(
            guard.check_and_record(&id(2), at(150), at(400)),
            Err(Error::Replay)
        );
        // Once id 1 expires there is room again.
        assert_eq!(guard.check_and_record(&id(3), at(200), at(400)), Ok(()));
        assert_eq!(guard.len(), 2);
        assert!(matches!(
            MemoryReplayGuard::with_capacity(0).check_and_record(&id(1), at(0), at(9)),
            Err(Error::ReplayStore(_))
        ));
    }

    #[test]
    fn release_forgets_an_id_and_stale_queue_entries_do_not_evict_it_later() {
        let guard = MemoryReplayGuard::with_capacity(8);
        assert_eq!(guard.check_and_record(&id(7), at(100), at(200)), Ok(()));
        assert_eq!(guard.release(&id(7)), Ok(()));
        assert!(guard.is_empty());
        // Recorded again with a later forget instant: the queue's first entry (200) is
        // stale and must not drop the new record.
        assert_eq!(guard.check_and_record(&id(7), at(150), at(400)), Ok(()));
        assert_eq!(
            guard.check_and_record(&id(7), at(250), at(400)),
            Err(Error::Replay)
        );
        assert_eq!(guard.check_and_record(&id(7), at(400), at(500)), Ok(()));
    }

    #[test]
    fn many_releases_keep_the_queue_bounded() {
        let guard = MemoryReplayGuard::with_capacity(4);
        for _ in 0..10_000 {
            assert_eq!(guard.check_and_record(&id(1), at(0), at(1_000)), Ok(()));
            assert_eq!(guard.release(&id(1)), Ok(()));
        }
        assert!(guard.queued() <= 66, "{}", guard.queued());
    }

    #[test]
    fn an_id_past_its_window_is_checked_but_not_kept() {
        let guard = MemoryReplayGuard::with_capacity(1);
        assert_eq!(guard.check_and_record(&id(1), at(500), at(500)), Ok(()));
        assert!(guard.is_empty());
        assert_eq!(guard.check_and_record(&id(2), at(500), at(900)), Ok(()));
        assert_eq!(
            guard.check_and_record(&id(2), at(600), at(600)),
            Err(Error::Replay)
        );
    }

    #[test]
    fn ids_must_be_canonical() {
        let guard = MemoryReplayGuard::with_capacity(4);
        for bad in [
            String::new(),
            "ab".into(),
            id(1).to_uppercase().replace('0', "A"),
            format!("{}0", id(1)),
            "g".repeat(64),
        ] {
            assert!(
                matches!(
                    guard.check_and_record(&bad, at(0), at(9)),
                    Err(Error::InvalidParameter(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn racing_threads_on_one_id_exactly_one_wins() {
        const RACERS: usize = 16;
        let guard = MemoryReplayGuard::with_capacity(1024);
        for round in 0..50u64 {
            let start = Barrier::new(RACERS);
            let (won, replayed) = (AtomicUsize::new(0), AtomicUsize::new(0));
            std::thread::scope(|scope| {
                for _ in 0..RACERS {
                    scope.spawn(|| {
                        start.wait();
                        match guard.check_and_record(&id(round), at(100), at(500)) {
                            Ok(()) => won.fetch_add(1, Ordering::SeqCst),
                            Err(Error::Replay) => replayed.fetch_add(1, Ordering::SeqCst),
                            // Counted by neither: the assertions below fail.
                            Err(_) => 0,
                        };
                    });
                }
            });
            assert_eq!(won.into_inner(), 1, "round {round}");
            assert_eq!(replayed.into_inner(), RACERS - 1, "round {round}");
        }
    }

    #[test]
    fn guards_are_send_and_sync_objects() {
        fn assert_send_sync<T: Send + Sync + ?Sized>() {}
        assert_send_sync::<dyn ReplayGuard>();
        assert_send_sync::<MemoryReplayGuard>();
    }
}
