//! Replay protection on the token path: `Keyring::decrypt_once` with a `ReplayGuard`
//! accepts each transactionId once within its window, a replayed token never reaches the
//! key, a failed decryption releases its id, and a store that cannot answer refuses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, LazyLock};

use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{
    DEFAULT_MAX_AGE, Error, Keyring, MAX_CLOCK_SKEW, MemoryReplayGuard, MerchantKey, PaymentToken,
    PrivateKey, ReplayGuard, SharedSecret, UnixTime, VerifiedToken,
};

static PKI: LazyLock<TestPki> = LazyLock::new(|| TestPki::new(b"replay").unwrap());

/// The merchant key, counting its private-key operations.
struct Counting(PrivateKey, Arc<AtomicUsize>);

impl MerchantKey for Counting {
    fn public_key_spki(&self) -> &[u8] {
        self.0.public_key_spki()
    }

    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.ecdh_p256(ephemeral_spki)
    }
}

fn signed() -> UnixTime {
    UnixTime::parse_rfc3339("2026-05-06T07:08:09Z").unwrap()
}

/// A keyring with the merchant key, and the count of that key's operations.
fn counted_keyring() -> (Keyring, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let key = Counting(PKI.merchant_key().unwrap(), Arc::clone(&calls));
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(key, PKI.merchant_id());
    (keyring, calls)
}

fn keyring() -> Keyring {
    counted_keyring().0
}

/// A token spec for transaction `id` (its 32 bytes all `id`).
fn spec(id: u8) -> TokenSpec {
    let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed());
    spec.transaction_id = vec![id; 32];
    spec.ephemeral_seed = vec![id];
    spec
}

fn token(id: u8) -> PaymentToken {
    PaymentToken::from_json(PKI.mint(&spec(id)).unwrap().as_bytes()).unwrap()
}

fn verified(token: &PaymentToken, after: u64) -> VerifiedToken {
    token
        .verify(
            &PKI.verifier(),
            signed().saturating_add_secs(after),
            DEFAULT_MAX_AGE,
        )
        .unwrap()
}

#[test]
fn a_token_is_accepted_once_and_its_copy_never_reaches_the_key() {
    let (keyring, calls) = counted_keyring();
    let guard = MemoryReplayGuard::with_capacity(16);
    let first = token(0xab);
    let payment = keyring.decrypt_once(&verified(&first, 5), &guard).unwrap();
    assert_eq!(payment.transaction_amount(), 1000);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The same token again, verified later within its window, and a copy of it with its
    // transaction id in upper case (the signature covers the bytes, not their spelling).
    let json: serde_json::Value = serde_json::from_str(&PKI.mint(&spec(0xab)).unwrap()).unwrap();
    let mut upper = json.clone();
    let id = json["header"]["transactionId"]
        .as_str()
        .unwrap()
        .to_uppercase();
    upper["header"]["transactionId"] = id.into();
    let copy = PaymentToken::from_json(upper.to_string().as_bytes()).unwrap();
    assert_ne!(upper, json);
    for (token, after) in [(&first, 6), (&copy, 200), (&first, 300)] {
        assert_eq!(
            keyring
                .decrypt_plaintext_once(&verified(token, after), &guard)
                .unwrap_err(),
            Error::Replay
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "a replay reached the key");
    // Another transaction is accepted.
    assert!(
        keyring
            .decrypt_once(&verified(&token(2), 7), &guard)
            .is_ok()
    );
    assert_eq!(
        Error::Replay.to_string(),
        "transaction id already accepted: the token is a replay"
    );
}

#[test]
fn the_window_is_signing_time_plus_max_age_plus_skew() {
    let token = token(3);
    let at = signed().saturating_add_secs(42);
    let verified = token.verify(&PKI.verifier(), at, DEFAULT_MAX_AGE).unwrap();
    assert_eq!(verified.verified_at(), Some(at));
    let forget = signed()
        .saturating_add_secs(DEFAULT_MAX_AGE.as_secs())
        .saturating_add_secs(MAX_CLOCK_SKEW.as_secs());
    assert_eq!(verified.forget_at(), Some(forget));
    // The guard is told exactly that window: kept until the forget instant, then not.
    let guard = MemoryReplayGuard::with_capacity(4);
    keyring().decrypt_once(&verified, &guard).unwrap();
    let id = token.transaction_id_hex();
    assert_eq!(
        guard.check_and_record(id, forget.saturating_sub_secs(1), forget),
        Err(Error::Replay)
    );
    assert_eq!(
        guard.check_and_record(id, forget, forget.saturating_add_secs(9)),
        Ok(())
    );
}

#[test]
fn a_token_verified_at_its_signing_time_cannot_be_guarded() {
    let token = token(4);
    let verified = token.verify_at_signing_time(&PKI.verifier()).unwrap();
    assert_eq!(verified.forget_at(), None);
    let guard = MemoryReplayGuard::with_capacity(4);
    assert!(matches!(
        keyring().decrypt_once(&verified, &guard),
        Err(Error::InvalidParameter(_))
    ));
    assert!(guard.is_empty());
}

#[test]
fn a_failed_decryption_releases_the_id() {
    let guard = MemoryReplayGuard::with_capacity(4);
    let token = token(5);
    // No key loaded yet: the id is released, so the token is accepted once the key is.
    let empty = Keyring::new();
    assert!(matches!(
        empty.decrypt_once(&verified(&token, 1), &guard),
        Err(Error::NoMatchingKey { .. })
    ));
    assert!(guard.is_empty());
    // A key paired with the wrong merchant: decryption fails, the id is released.
    let mut wrong = Keyring::new();
    wrong.add_with_merchant_id(PKI.merchant_key().unwrap(), "merchant.other");
    assert_eq!(
        wrong
            .decrypt_plaintext_once(&verified(&token, 2), &guard)
            .unwrap_err(),
        Error::DecryptionFailed
    );
    assert!(guard.is_empty());
    assert!(keyring().decrypt_once(&verified(&token, 3), &guard).is_ok());
    assert_eq!(
        keyring()
            .decrypt_once(&verified(&token, 4), &guard)
            .unwrap_err(),
        Error::Replay
    );
}

/// A store that cannot be reached.
struct Down;

impl ReplayGuard for Down {
    fn check_and_record(&self, _: &str, _: UnixTime, _: UnixTime) -> Result<(), Error> {
        Err(Error::ReplayStore("unreachable"))
    }

    fn release(&self, _: &str) -> Result<(), Error> {
        Err(Error::ReplayStore("unreachable"))
    }
}

#[test]
fn a_store_that_cannot_answer_refuses_the_token() {
    let (keyring, calls) = counted_keyring();
    let err = keyring
        .decrypt_once(&verified(&token(6), 1), &Down)
        .unwrap_err();
    assert_eq!(err, Error::ReplayStore("unreachable"));
    assert_eq!(err.kind(), "replay_store");
    assert_eq!(err.to_string(), "replay store unavailable: unreachable");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a refused token reached the key"
    );
    // A full in-memory store refuses too, through a trait object.
    let full: &dyn ReplayGuard = &MemoryReplayGuard::with_capacity(0);
    assert!(matches!(
        keyring.decrypt_once(&verified(&token(6), 1), full),
        Err(Error::ReplayStore(_))
    ));
}

#[test]
fn racing_threads_decrypting_one_token_exactly_one_wins() {
    const RACERS: usize = 8;
    let (keyring, calls) = counted_keyring();
    let guard = MemoryReplayGuard::with_capacity(64);
    let token = token(7);
    let start = Barrier::new(RACERS);
    let results: Vec<Result<(), Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (keyring, guard, token, start) = (&keyring, &guard, &token, &start);
                scope.spawn(move || {
                    let verified = verified(token, 1 + i as u64);
                    start.wait();
                    keyring.decrypt_plaintext_once(&verified, guard).map(|_| ())
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
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(Error::Replay)))
    );
}
