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

use applepay_crypto::Payment;
use zeroize::Zeroizing;

#[path = "common/freed_scan.rs"]
mod freed_scan;

#[global_allocator]
static GLOBAL: freed_scan::Scanning = freed_scan::Scanning;

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

fn main() {
    freed_scan::set_needles(&SECRETS.map(|(_, secret)| secret.as_bytes()));
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
    freed_scan::arm();
    parse_all(copies);
    let found = freed_scan::disarm();
    drop(plaintexts);

    // Control: an ordinary String copy of the PAN, freed, is seen.
    freed_scan::arm();
    drop(std::hint::black_box(String::from(SECRETS[0].1)));
    let control = freed_scan::disarm();
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
