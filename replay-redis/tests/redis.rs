//! The Redis replay store against a real `redis-server` (Debian package `redis-server`),
//! started on 127.0.0.1 on a free port for each test and killed at its end: each id
//! accepted once, also by racing threads; the key's TTL follows the caller's time; the key
//! expires; a server that is down, silent or gone refuses, and one that comes back is
//! used again.

mod support;

use std::net::TcpListener;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{
    DEFAULT_MAX_AGE, Error, Keyring, MAX_CLOCK_SKEW, PaymentToken, ReplayGuard, UnixTime,
};
use applepay_replay_redis::{BlockingRedisReplayStore, DEFAULT_KEY_PREFIX, RedisReplayStore};
use support::RedisServer;

fn id(n: u64) -> String {
    format!("{n:064x}")
}

fn at(text: &str) -> UnixTime {
    UnixTime::parse_rfc3339(text).unwrap()
}

/// Runs a command on the server with a plain connection of the test's own.
fn query<T: redis::FromRedisValue>(server: &RedisServer, args: &[&str]) -> T {
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let mut command = redis::cmd(args[0]);
    for arg in &args[1..] {
        command.arg(*arg);
    }
    command.query(&mut connection).unwrap()
}

#[test]
fn an_id_is_accepted_once_and_another_id_is_accepted() {
    let server = RedisServer::start();
    let store = BlockingRedisReplayStore::open(&server.url()).unwrap();
    let now = at("2026-05-06T07:08:09Z");
    let forget = now.saturating_add_secs(360);
    assert_eq!(store.check_and_record(&id(1), now, forget), Ok(()));
    assert_eq!(
        store.check_and_record(&id(1), now.saturating_add_secs(5), forget),
        Err(Error::Replay)
    );
    assert_eq!(store.check_and_record(&id(2), now, forget), Ok(()));
    // The key is the default prefix and the id, its value the forget instant.
    let value: String = query(&server, &["GET", &format!("{DEFAULT_KEY_PREFIX}{}", id(1))]);
    assert_eq!(value, forget.as_secs().to_string());
    // A second store (another instance of the fleet) sees the same ids.
    let other = BlockingRedisReplayStore::open(&server.url()).unwrap();
    assert_eq!(
        other.check_and_record(&id(2), now, forget),
        Err(Error::Replay)
    );
    // Release forgets an id.
    assert_eq!(store.release(&id(1)), Ok(()));
    assert_eq!(other.check_and_record(&id(1), now, forget), Ok(()));
}

#[test]
fn the_ttl_is_the_forget_instant_minus_the_callers_now() {
    let server = RedisServer::start();
    let store = BlockingRedisReplayStore::new(
        RedisReplayStore::open(&server.url())
            .unwrap()
            .with_key_prefix("test:replay:"),
    )
    .unwrap();
    // A token checked as of 2021 (the CLI's --at) gets a TTL of minutes, not a negative
    // one or none.
    let now = at("2021-09-01T19:04:06Z");
    let forget = at("2021-09-01T19:09:06Z").saturating_add_secs(MAX_CLOCK_SKEW.as_secs());
    assert_eq!(store.check_and_record(&id(3), now, forget), Ok(()));
    let key = format!("test:replay:{}", id(3));
    let pttl: i64 = query(&server, &["PTTL", &key]);
    assert!((359_000..=360_000).contains(&pttl), "{pttl}");
    let default_key: i64 = query(
        &server,
        &["EXISTS", &format!("{DEFAULT_KEY_PREFIX}{}", id(3))],
    );
    assert_eq!(default_key, 0);
    // A forget instant not after now still sets the key, for 1 ms.
    assert_eq!(store.check_and_record(&id(4), now, now), Ok(()));
}

#[test]
fn the_key_expires_with_the_tokens_window() {
    let server = RedisServer::start();
    let store = BlockingRedisReplayStore::open(&server.url()).unwrap();
    let now = at("2026-05-06T07:08:09Z");
    let forget = now.saturating_add_secs(1);
    assert_eq!(store.check_and_record(&id(5), now, forget), Ok(()));
    assert_eq!(
        store.check_and_record(&id(5), now, forget),
        Err(Error::Replay)
    );
    std::thread::sleep(Duration::from_millis(1_200));
    assert_eq!(store.check_and_record(&id(5), now, forget), Ok(()));
}

#[test]
fn racing_threads_on_one_id_exactly_one_wins() {
    const RACERS: usize = 16;
    let server = RedisServer::start();
    let store = BlockingRedisReplayStore::open(&server.url()).unwrap();
    let now = at("2026-05-06T07:08:09Z");
    for round in 0..20 {
        let start = Barrier::new(RACERS);
        let results: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..RACERS)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        store.check_and_record(&id(100 + round), now, now.saturating_add_secs(60))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Ok(()) | Err(Error::Replay)))
        );
    }
}

#[test]
fn a_server_that_is_down_refuses_and_one_that_comes_back_is_used_again() {
    let mut server = RedisServer::start();
    let store = BlockingRedisReplayStore::new(
        RedisReplayStore::open(&server.url())
            .unwrap()
            .with_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    let now = at("2026-05-06T07:08:09Z");
    let forget = now.saturating_add_secs(360);
    assert_eq!(store.check_and_record(&id(6), now, forget), Ok(()));
    server.stop();
    for n in 7..10 {
        let err = store.check_and_record(&id(n), now, forget).unwrap_err();
        assert!(matches!(err, Error::ReplayStore(_)), "{err:?}");
        assert_eq!(err.kind(), "replay_store");
    }
    assert!(matches!(store.release(&id(6)), Err(Error::ReplayStore(_))));
    // Nothing listening at all, from the start.
    let never = BlockingRedisReplayStore::open(&server.url()).unwrap();
    assert_eq!(
        never.check_and_record(&id(7), now, forget),
        Err(Error::ReplayStore(
            "the redis server refused the connection"
        ))
    );
    // The server is back (empty: no persistence): the same store reconnects.
    server.restart();
    assert_eq!(store.check_and_record(&id(7), now, forget), Ok(()));
    assert_eq!(
        store.check_and_record(&id(7), now, forget),
        Err(Error::Replay)
    );
}

#[test]
fn a_server_that_does_not_answer_refuses_within_the_timeout() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}/0", silent.local_addr().unwrap());
    let store = BlockingRedisReplayStore::new(
        RedisReplayStore::open(&url)
            .unwrap()
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let now = at("2026-05-06T07:08:09Z");
    let started = Instant::now();
    let err = store
        .check_and_record(&id(1), now, now.saturating_add_secs(60))
        .unwrap_err();
    assert!(matches!(err, Error::ReplayStore(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn bad_urls_and_ids_are_refused() {
    for url in ["", "http://127.0.0.1:6379", "redis://"] {
        assert!(
            matches!(RedisReplayStore::open(url), Err(Error::InvalidParameter(_))),
            "{url}"
        );
    }
    let store = RedisReplayStore::open("redis://127.0.0.1:1/0").unwrap();
    assert_eq!(store.key(&id(1)), format!("applepay:replay:{}", id(1)));
    let guard = BlockingRedisReplayStore::new(store).unwrap();
    let now = at("2026-05-06T07:08:09Z");
    for bad in [
        id(1).to_uppercase().replace('0', "A"),
        "ab".into(),
        format!("{}0", id(1)),
    ] {
        assert!(
            matches!(
                guard.check_and_record(&bad, now, now),
                Err(Error::InvalidParameter(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn keyring_decrypt_once_through_redis() {
    let server = RedisServer::start();
    let store = BlockingRedisReplayStore::open(&server.url()).unwrap();
    let pki = TestPki::new(b"replay redis").unwrap();
    let signed = at("2026-05-06T07:08:09Z");
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());
    let token = |id: u8| {
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed);
        spec.transaction_id = vec![id; 32];
        PaymentToken::from_json(pki.mint(&spec).unwrap().as_bytes()).unwrap()
    };
    let verify = |token: &PaymentToken, after: u64| {
        token
            .verify(
                &pki.verifier(),
                signed.saturating_add_secs(after),
                DEFAULT_MAX_AGE,
            )
            .unwrap()
    };
    let first = token(0xc1);
    assert!(keyring.decrypt_once(&verify(&first, 3), &store).is_ok());
    assert_eq!(
        keyring
            .decrypt_once(&verify(&first, 30), &store)
            .unwrap_err(),
        Error::Replay
    );
    assert!(
        keyring
            .decrypt_once(&verify(&token(0xc2), 3), &store)
            .is_ok()
    );
    // TTL: signing time + max age + skew - verification time = 300 + 60 - 3 s.
    let key = format!("{DEFAULT_KEY_PREFIX}{}", first.transaction_id_hex());
    let pttl: i64 = query(&server, &["PTTL", &key]);
    assert!((356_000..=357_000).contains(&pttl), "{pttl}");
}
