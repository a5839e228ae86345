//! The cost of one replay check in the in-memory guard with 1 M live transaction ids
//! (`replay/memory_check`: a new id recorded while the oldest ones expire, the steady
//! state of a server taking 2,500 tokens a second with a 400 s window), and of refusing a
//! replay (`replay/memory_replay`).
//!
//! ```text
//! cargo bench --bench replay
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use applepay_crypto::{Error, MemoryReplayGuard, ReplayGuard, UnixTime};
use criterion::{Criterion, criterion_group, criterion_main};

/// Ids recorded per second (of the callers' time).
const RATE: u64 = 2_500;

/// Seconds an id is kept: its forget instant minus the time it was recorded.
const WINDOW: u64 = 400;

/// Live ids in the guard while measuring: 1 M.
const LIVE: u64 = RATE * WINDOW;

/// Transaction id `n` as the guard receives it: 64 lower-case hex digits, the number in
/// the last 16 (the rest a fixed pattern, as random as any other).
fn id(n: u64) -> [u8; 64] {
    let mut out = *b"5a3c9e01d2b4f68779e1c0b2a4d6f8e0135724680acebdf90000000000000000";
    out[48..].copy_from_slice(format!("{n:016x}").as_bytes());
    out
}

fn as_str(id: &[u8; 64]) -> &str {
    std::str::from_utf8(id).expect("hex is ASCII")
}

fn memory(c: &mut Criterion) {
    // Id n is recorded at second n / RATE and forgotten WINDOW seconds later: once the
    // guard is warm, a second's worth of ids expires as each second begins.
    let now = |n: u64| UnixTime::since_unix_epoch(n / RATE);
    let forget = |n: u64| UnixTime::since_unix_epoch(n / RATE + WINDOW);
    let guard = MemoryReplayGuard::with_capacity(usize::try_from(LIVE + RATE).expect("fits"));
    for n in 0..LIVE {
        guard
            .check_and_record(as_str(&id(n)), now(n), forget(n))
            .expect("room");
    }
    assert_eq!(guard.len() as u64, LIVE);
    let mut next = LIVE;
    // Ids precomputed per batch, so the measurement holds the guard's work only.
    let mut ids: Vec<[u8; 64]> = Vec::with_capacity(1 << 16);

    let mut group = c.benchmark_group("replay");
    group.bench_function("memory_check", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let chunk = left.min(1 << 16);
                ids.clear();
                ids.extend((next..next + chunk).map(id));
                let mut refused = 0u64;
                let start = Instant::now();
                for (k, id) in ids.iter().enumerate() {
                    let n = next + k as u64;
                    let r = guard.check_and_record(black_box(as_str(id)), now(n), forget(n));
                    refused += u64::from(r.is_err());
                }
                spent += start.elapsed();
                assert_eq!(refused, 0, "every id is new and the guard has room");
                next += chunk;
                left -= chunk;
            }
            spent
        });
    });
    let live = guard.len() as u64;
    assert!(
        (LIVE - RATE..=LIVE).contains(&live),
        "steady state: {live} ids"
    );
    let seen = id(next - 1);
    group.bench_function("memory_replay", |b| {
        b.iter(|| {
            let r = guard.check_and_record(black_box(as_str(&seen)), now(next), forget(next));
            assert_eq!(r, Err(Error::Replay));
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = memory
}
criterion_main!(benches);
