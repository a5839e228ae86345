//! One replay check through Redis on loopback (`replay/redis_check`): a new id recorded
//! with `SET NX PX` through the blocking facade, one round trip to a `redis-server` this
//! bench starts on 127.0.0.1 (Debian package `redis-server`); and the refusal of an id
//! already recorded (`replay/redis_replay`).
//!
//! ```text
//! cargo bench -p applepay-replay-redis --bench redis
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Duration;

use applepay_crypto::{Error, ReplayGuard, UnixTime};
use applepay_replay_redis::BlockingRedisReplayStore;
use criterion::{Criterion, criterion_group, criterion_main};

fn redis(c: &mut Criterion) {
    let server = support::RedisServer::start();
    let store = BlockingRedisReplayStore::open(&server.url()).expect("url");
    let now = UnixTime::since_unix_epoch(1_780_000_000);
    let forget = now.saturating_add_secs(360);
    let mut n: u64 = 0;
    let mut group = c.benchmark_group("replay");
    group.bench_function("redis_check", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("{n:064x}");
            let r = store.check_and_record(black_box(&id), now, forget);
            assert_eq!(r, Ok(()));
        });
    });
    let seen = format!("{n:064x}");
    group.bench_function("redis_replay", |b| {
        b.iter(|| {
            let r = store.check_and_record(black_box(&seen), now, forget);
            assert_eq!(r, Err(Error::Replay));
        });
    });
    group.finish();
    drop(server);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = redis
}
criterion_main!(benches);
