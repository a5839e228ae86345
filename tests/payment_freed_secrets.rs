//! The typed view of the payment data leaves no copy of a secret in freed memory, even
//! when the JSON escapes it (`\/`, `\u0035`): every block is scanned for the unescaped
//! account number, cryptograms, EMV data, encrypted PIN data and cardholder name before
//! it goes back to the system allocator (on `dealloc`, and on `realloc`, which here
//! always moves the block so the old one is scanned too).
//!
//! Scope: `Payment::from_plaintext` on the `minted-payment-*` plaintexts, then drop — the
//! parse path this crate owns. `tests/freed_secrets.rs` (where present) covers the whole
//! token path. Its own binary (`harness = false`, one thread) so that nothing else
//! allocates while the scan is armed. A control run frees an ordinary `String` copy of
//! the account number and must be seen, so the scan itself is shown to work.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

use applepay_crypto::Payment;
use zeroize::Zeroizing;

const MAX_NEEDLES: usize = 8;
const MAX_NEEDLE_LEN: usize = 64;

/// The byte strings looked for, in fixed storage: the allocator must not allocate.
struct Needles {
    bytes: [[u8; MAX_NEEDLE_LEN]; MAX_NEEDLES],
    lens: [usize; MAX_NEEDLES],
    count: usize,
}

static NEEDLES: Mutex<Needles> = Mutex::new(Needles {
    bytes: [[0; MAX_NEEDLE_LEN]; MAX_NEEDLES],
    lens: [0; MAX_NEEDLES],
    count: 0,
});
static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: [AtomicUsize; MAX_NEEDLES] = [const { AtomicUsize::new(0) }; MAX_NEEDLES];

fn scan(block: &[u8]) {
    // `try_lock`: never wait inside the allocator (the lock holder does not allocate).
    let Ok(needles) = NEEDLES.try_lock() else {
        return;
    };
    let found = needles.bytes.iter().zip(needles.lens).zip(&HITS);
    for ((bytes, len), hits) in found.take(needles.count) {
        let needle = &bytes[..len];
        if block.windows(needle.len()).any(|w| w == needle) {
            hits.fetch_add(1, SeqCst);
        }
    }
}

struct Scanning;

// SAFETY: allocation is forwarded to `System` unchanged. `dealloc` reads the block it is
// given (valid for `layout.size()` bytes until it is freed) before freeing it; `realloc`
// allocates a new block from `System`, copies the smaller of the two sizes, scans and
// frees the old block — what `GlobalAlloc::realloc`'s default does, plus the scan.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(SeqCst) {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            scan(unsafe { std::slice::from_raw_parts(ptr, layout.size()) });
        }
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !ARMED.load(SeqCst) {
            // SAFETY: forwarded as received.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the caller guarantees `new_size` is valid with `layout.align()`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (the caller guarantees it).
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least `min` bytes long; they are distinct.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

/// The secrets, unescaped, as the `minted-payment-*` plaintexts hold them.
const SECRETS: [(&str, &str); 7] = [
    ("PAN", "5204240250197840"),
    ("cryptogram", "AM3vG2DTzv7uAAKHqXJhgAADFA=="),
    (
        "cryptogram (escaped in JSON)",
        "AM3v/2DTzv7uAAKHq/JhgAADFA==",
    ),
    ("authentication data", "AQID/AUGBwgJCgsMDQ4PEBESExQ="),
    ("EMV data", "nyYIEjRWeJCrze+fJwGAnxAHBgEKA6SgAJ83BBI0Vng="),
    ("encrypted PIN data", "8A3D9B1C0E2F4A5B"),
    ("cardholder name", "Zoë Ølsen-Łukasz 山田"),
];

/// Folders whose plaintexts carry the secrets, with and without escapes.
const FOLDERS: [&str; 6] = [
    "minted-payment-escaped-secrets",
    "minted-payment-emv",
    "minted-payment-non-ascii-name",
    "minted-payment-multi-merchant-strings",
    "minted-payment-merchant-token",
    "minted-payment-unknown-fields",
];

fn arm() {
    for hits in &HITS {
        hits.store(0, SeqCst);
    }
    ARMED.store(true, SeqCst);
}

fn hits() -> Vec<usize> {
    ARMED.store(false, SeqCst);
    (0..SECRETS.len()).map(|i| HITS[i].load(SeqCst)).collect()
}

fn main() {
    {
        let mut needles = NEEDLES.lock().unwrap();
        for (i, (_, secret)) in SECRETS.iter().enumerate() {
            let bytes = secret.as_bytes();
            assert!((16..=MAX_NEEDLE_LEN).contains(&bytes.len()), "{secret}");
            needles.bytes[i][..bytes.len()].copy_from_slice(bytes);
            needles.lens[i] = bytes.len();
        }
        needles.count = SECRETS.len();
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    let plaintexts: Vec<Zeroizing<Vec<u8>>> = FOLDERS
        .iter()
        .map(|f| Zeroizing::new(std::fs::read(dir.join(f).join("expected.json")).unwrap()))
        .collect();
    let parse_all = |plaintexts: Vec<Zeroizing<Vec<u8>>>| {
        for plaintext in plaintexts {
            let payment = Payment::from_plaintext(plaintext).unwrap();
            assert!(!payment.application_primary_account_number().is_empty());
            drop(payment);
        }
    };
    // Warm up outside the scan (lazily built state, if any), then scan.
    parse_all(plaintexts.clone());
    let copies = plaintexts.clone();
    arm();
    parse_all(copies);
    let found = hits();
    drop(plaintexts);

    // Control: an ordinary String copy of the PAN, freed, is seen.
    arm();
    drop(std::hint::black_box(String::from(SECRETS[0].1)));
    let control = hits();
    assert_eq!(
        control[0], 1,
        "the scan does not see a freed copy: {control:?}"
    );

    println!(
        "freed blocks holding a secret after parsing {} plaintexts:",
        FOLDERS.len()
    );
    for ((name, _), n) in SECRETS.iter().zip(&found) {
        println!("  {name:<30} {n}");
    }
    let leaked: Vec<&str> = SECRETS
        .iter()
        .zip(&found)
        .filter(|(_, n)| **n > 0)
        .map(|((name, _), _)| *name)
        .collect();
    assert!(
        leaked.is_empty(),
        "secrets found in freed memory: {leaked:?}"
    );
}
