//! Allocation budget of the per-token path: parse + verify (warm verifier) + decrypt of
//! one minted token, counted by a global allocator that wraps the system one. Fails when
//! the count or the bytes grow past the committed budget, so a change that adds
//! allocations to the hot path has to say so here.
//!
//! Its own test binary (`harness = false`, one thread) so nothing else allocates while it
//! counts. Allocations made inside AWS-LC's C code use `malloc` directly and are not seen;
//! the budget counts Rust allocations only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, PaymentToken, UnixTime, Verifier};

/// Counts calls to `alloc` and `realloc` and the bytes they ask for, then defers to
/// [`System`].
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees carry over; the counters are atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        // SAFETY: forwarded as received (see the impl's comment).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes requested while `f` runs.
fn count<T>(f: impl FnOnce() -> T) -> (usize, usize, T) {
    let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    let out = f();
    let (a1, b1) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    (a1 - a0, b1 - b0, out)
}

/// The budget for parse + warm verify + decrypt of one token: (allocations, bytes).
/// Lower it when you remove allocations; raising it needs a reason in the commit.
/// (The parsed token keeps its transaction id as canonical lower-case hex, 64 bytes, in
/// the one allocation that holds its fields, so `transaction_id_hex` never allocates.)
const BUDGET: (usize, usize) = if cfg!(feature = "aws-lc-rs") {
    (9, 4_832)
} else {
    (7, 4_709)
};

fn main() {
    let pki = TestPki::new(b"applepay-crypto alloc budget").unwrap();
    let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
    let json = pki
        .mint(&TokenSpec::new(
            SAMPLE_PLAINTEXT.as_bytes().to_vec(),
            signed,
        ))
        .unwrap();
    let now = signed.saturating_add_secs(10);
    let verifier = Verifier::with_anchors(pki.trust_anchors().unwrap());
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());

    let run = || {
        let token = PaymentToken::from_json(json.as_bytes()).unwrap();
        let verified = token.verify(&verifier, now, DEFAULT_MAX_AGE).unwrap();
        keyring.decrypt(&verified).unwrap().transaction_amount()
    };
    // Warm the verifier's caches: a live backend has seen Apple's certificates before.
    // Twice: the RustCrypto back-end builds its table for the leaf key (one 19 KB
    // allocation, once per key) on the key's second use.
    assert_eq!(run(), 1000);
    assert_eq!(run(), 1000);

    let (parse_n, parse_b, token) = count(|| PaymentToken::from_json(json.as_bytes()).unwrap());
    let (verify_n, verify_b, verified) =
        count(|| token.verify(&verifier, now, DEFAULT_MAX_AGE).unwrap());
    let (decrypt_n, decrypt_b, _) = count(|| keyring.decrypt(&verified).unwrap());
    let (total_n, total_b, amount) = count(run);
    assert_eq!(amount, 1000);

    println!("allocations per token (warm verifier, Rust allocations only):");
    println!("  parse   {parse_n:>5} allocations {parse_b:>7} bytes");
    println!("  verify  {verify_n:>5} allocations {verify_b:>7} bytes");
    println!("  decrypt {decrypt_n:>5} allocations {decrypt_b:>7} bytes");
    println!("  total   {total_n:>5} allocations {total_b:>7} bytes (budget {BUDGET:?})");
    assert!(
        total_n <= BUDGET.0 && total_b <= BUDGET.1,
        "per-token allocations grew past the budget: {total_n} allocations, {total_b} bytes \
         > {BUDGET:?}"
    );
}
