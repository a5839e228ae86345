//! The worst case of a password-protected key import under the key-derivation work limit
//! (`MAX_KDF_WORK`), and the cost of refusing a file crafted to exceed it.
//!
//! ```text
//! cargo bench --bench key_import --features pkcs12
//! ```
//!
//! Inputs are in `test-vectors/onboarding/bounds/` (password "test"): `worst-accepted.p12`
//! (OpenSSL `pkcs12 -export -iter 1000000 -macalg sha256`: PBKDF2-HMAC-SHA256 at a
//! million iterations for the key bag and the certificate safe, a million-iteration
//! SHA-256 MAC), `worst-accepted-scrypt.der` (scrypt `N·r·p = 2^20`, exactly
//! `MAX_KDF_WORK`) and `scrypt-n20-p16.p12` (refused).

use std::hint::black_box;
use std::time::Duration;

use applepay_crypto::{Error, KeyImportError, Pkcs12, PrivateKey};
use criterion::{Criterion, criterion_group, criterion_main};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/test-vectors/onboarding/bounds"
);

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).expect("bounds vector")
}

fn key_import(c: &mut Criterion) {
    let p12 = read("worst-accepted.p12");
    let scrypt = read("worst-accepted-scrypt.der");
    let refused = read("scrypt-n20-p16.p12");
    // Check once that each input takes the path measured.
    assert!(Pkcs12::from_der(&p12, "test").is_ok());
    assert_eq!(
        Pkcs12::from_der(&p12, "wrong").map(|_| ()),
        Err(Error::KeyImport(KeyImportError::WrongPassword))
    );
    assert!(PrivateKey::decrypt_pem_or_der(&scrypt, "test").is_ok());
    assert_eq!(
        Pkcs12::from_der(&refused, "test").map(|_| ()),
        Err(Error::KeyImport(KeyImportError::WorkFactorTooHigh))
    );

    let mut group = c.benchmark_group("key_import");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(12));
    group.bench_function("pkcs12 worst accepted, right password", |b| {
        b.iter(|| Pkcs12::from_der(black_box(&p12), "test"));
    });
    group.bench_function("pkcs12 worst accepted, wrong password", |b| {
        b.iter(|| Pkcs12::from_der(black_box(&p12), "wrong"));
    });
    group.bench_function("pkcs8 scrypt at the limit, right password", |b| {
        b.iter(|| PrivateKey::decrypt_pem_or_der(black_box(&scrypt), "test"));
    });
    group.bench_function("pkcs8 scrypt at the limit, wrong password", |b| {
        b.iter(|| PrivateKey::decrypt_pem_or_der(black_box(&scrypt), "wrong"));
    });
    group.bench_function("pkcs12 scrypt N=2^20 p=16, refused", |b| {
        b.iter(|| Pkcs12::from_der(black_box(&refused), "test"));
    });
    group.finish();
}

criterion_group!(benches, key_import);
criterion_main!(benches);
