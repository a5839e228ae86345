//! The cost of one replay check in the in-memory guard with 1 M live transaction ids
//! (`replay/memory_check`: a new id recorded while the oldest one expires, the steady
//! state of a server at its capacity), and of refusing a replay (`replay/memory_replay`).
//!
//! ```text
//! cargo bench --bench replay
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use applepay_crypto::{Error, MemoryReplayGuard, ReplayGuard, UnixTime};
use criterion::{Criterion, criterion_group, criterion_main};

/// Live ids in the guard while measuring.
const LIVE: u64 = 1_000_000;

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
    // Id n is recorded at second n and forgotten at second n + LIVE: at second t the live
    // ids are t - LIVE + 1 ..= t, so each check of a new id also expires one.
    let at = UnixTime::since_unix_epoch;
    let guard = MemoryReplayGuard::with_capacity(usize::try_from(LIVE).expect("fits"));
    for n in 1..=LIVE {
        guard
            .check_and_record(as_str(&id(n)), at(n), at(n + LIVE))
            .expect("room");
    }
    assert_eq!(guard.len() as u64, LIVE);
    let mut next = LIVE + 1;
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
                let start = Instant::now();
                for (k, id) in ids.iter().enumerate() {
                    let n = next + k as u64;
                    let r = guard.check_and_record(black_box(as_str(id)), at(n), at(n + LIVE));
                    debug_assert!(r.is_ok());
                    black_box(r).ok();
                }
                spent += start.elapsed();
                next += chunk;
                left -= chunk;
            }
            spent
        });
    });
    assert_eq!(guard.len() as u64, LIVE, "steady state: one in, one out");
    let seen = id(next - 1);
    let now = at(next - 1);
    group.bench_function("memory_replay", |b| {
        b.iter(|| {
            let r = guard.check_and_record(black_box(as_str(&seen)), now, at(next + LIVE));
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
