//! Wall-clock benchmarks (criterion) of the per-token work, on the back-end this build
//! selects: `cargo bench --features test-util --bench token` (RustCrypto) or
//! `cargo bench --features test-util,aws-lc-rs --bench token` (AWS-LC). Every bench id
//! ends with the back-end's name, so both runs can be compared in one report.
//!
//! Groups: `parse` (token JSON, CMS, certificate), `verify` (cold: a new verifier per
//! token; warm: a verifier that has seen the certificates), `decrypt` (`EC_v1`),
//! `end_to_end` (parse + warm verify + decrypt), `decrypt_unverified` (parse + decrypt),
//! `floor` (the token's ECDH and ECDSA verification done directly with the back-end
//! library, measured in the same run), `overhead` (`decrypt_unverified` and `end_to_end`
//! less their floors, measured in alternation so that the machine's drift cancels), and
//! `parts` (the KDF with AES-GCM, and the payment data's typed view, each alone).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use applepay_crypto::bench_hooks;
use applepay_crypto::mint::SAMPLE_PLAINTEXT;
use applepay_crypto::{DEFAULT_MAX_AGE, MerchantIdHash, Payment, PaymentToken, Verifier};
use common::{BACKEND, Fixture, floor::Floor};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zeroize::Zeroizing;

fn benches(c: &mut Criterion) {
    let fx = Fixture::new();
    let json = fx.json.as_bytes();
    let signature = fx.token.signature();

    let mut group = c.benchmark_group("parse");
    group.bench_function(format!("token_json/{BACKEND}"), |b| {
        b.iter(|| PaymentToken::from_json(black_box(json)).unwrap());
    });
    group.bench_function(format!("cms/{BACKEND}"), |b| {
        b.iter(|| bench_hooks::parse_cms(black_box(signature)).unwrap());
    });
    group.bench_function(format!("certificate/{BACKEND}"), |b| {
        let leaf = &fx.parts.certificates[0];
        b.iter(|| bench_hooks::parse_certificate(black_box(leaf)).unwrap());
    });
    group.finish();

    let mut group = c.benchmark_group("verify");
    group.bench_function(format!("cold/{BACKEND}"), |b| {
        b.iter_batched(
            || Verifier::with_anchors(fx.anchors.clone()),
            |verifier| fx.token.verify(&verifier, fx.now, DEFAULT_MAX_AGE).unwrap(),
            BatchSize::SmallInput,
        );
    });
    group.bench_function(format!("warm/{BACKEND}"), |b| {
        b.iter(|| {
            black_box(&fx.token)
                .verify(&fx.warm, fx.now, DEFAULT_MAX_AGE)
                .unwrap()
        });
    });
    group.finish();

    let mut group = c.benchmark_group("decrypt");
    group.bench_function(format!("ec_v1/{BACKEND}"), |b| {
        b.iter(|| fx.keyring.decrypt(black_box(&fx.verified)).unwrap());
    });
    // RSA_v1 (issue 6): add `decrypt/rsa_v1/{BACKEND}` here once the simulator mints
    // RSA_v1 tokens, with its floor (one RSA-OAEP decryption) in the `floor` group.
    group.finish();

    c.bench_function(&format!("end_to_end/{BACKEND}"), |b| {
        b.iter(|| fx.end_to_end(black_box(json)));
    });
    c.bench_function(&format!("decrypt_unverified/{BACKEND}"), |b| {
        b.iter(|| fx.decrypt_unverified(black_box(json)));
    });

    let floor = Floor::new(&fx.merchant_key_pem);
    let ephemeral = fx.token.ephemeral_public_key().unwrap();
    let parts = &fx.parts;
    let mut group = c.benchmark_group("floor");
    group.bench_function(format!("ecdh/{BACKEND}"), |b| {
        b.iter(|| floor.ecdh(black_box(ephemeral)));
    });
    group.bench_function(format!("ecdsa_verify/{BACKEND}"), |b| {
        b.iter(|| {
            assert!(floor.ecdsa_verify(
                black_box(&parts.leaf_spki),
                &parts.signed_attrs,
                &parts.signature
            ));
        });
    });
    // Both operations, as the floor of `end_to_end`.
    let floor_both = || {
        let z = floor.ecdh(black_box(ephemeral));
        let ok = floor.ecdsa_verify(
            black_box(&parts.leaf_spki),
            &parts.signed_attrs,
            &parts.signature,
        );
        (z, ok)
    };
    group.bench_function(format!("ecdh+ecdsa_verify/{BACKEND}"), |b| {
        b.iter(floor_both);
    });
    group.finish();

    // The time above the floor, with drift cancelled: this VM's speed wanders by several
    // percent from one bench to the next, which is the size of the margins the ratios
    // `end_to_end ÷ floor` and `decrypt_unverified ÷ floor/ecdh` are judged by. Each
    // sample alternates blocks of the token path and of its floor and reports the
    // difference per iteration (zero if the floor took longer).
    let mut group = c.benchmark_group("overhead");
    group.bench_function(format!("decrypt_unverified-floor_ecdh/{BACKEND}"), |b| {
        b.iter_custom(|iters| {
            above(
                iters,
                || fx.decrypt_unverified(black_box(json)),
                || floor.ecdh(black_box(ephemeral)),
            )
        });
    });
    group.bench_function(format!("end_to_end-floor_both/{BACKEND}"), |b| {
        b.iter_custom(|iters| above(iters, || fx.end_to_end(black_box(json)), floor_both));
    });
    group.finish();

    // The per-token work of `decrypt_unverified` besides parsing and ECDH, each part
    // alone, to see where the time above `floor/ecdh` goes: Apple's KDF and AES-GCM
    // through the back-end (from a known `Z`), and the payment data's typed view.
    let provider = applepay_crypto::provider::default_provider();
    let z = floor.shared_secret(ephemeral);
    let party_v = MerchantIdHash::of_merchant_id(fx.pki.merchant_id());
    let data = fx.token.data();
    let mut group = c.benchmark_group("parts");
    group.bench_function(format!("kdf+aes_gcm/{BACKEND}"), |b| {
        b.iter(|| {
            let key = bench_hooks::ec_v1_kdf(provider, black_box(&z), &party_v);
            provider
                .aes_gcm_open(&key[..], black_box(data))
                .unwrap()
                .len()
        });
    });
    // With a copy of the plaintext, as `Plaintext::payment` makes.
    group.bench_function(format!("payment_view/{BACKEND}"), |b| {
        b.iter(|| {
            let plaintext = Zeroizing::new(black_box(SAMPLE_PLAINTEXT).as_bytes().to_vec());
            Payment::from_plaintext(plaintext)
                .unwrap()
                .transaction_amount()
        });
    });
    group.finish();
}

/// `iters` runs of `path` less `iters` runs of `floor`, run in alternating blocks so that
/// both see the same machine.
fn above<A, B>(iters: u64, mut path: impl FnMut() -> A, mut floor: impl FnMut() -> B) -> Duration {
    const BLOCK: u64 = 8;
    let (mut spent, mut base) = (Duration::ZERO, Duration::ZERO);
    let mut left = iters;
    while left > 0 {
        let n = left.min(BLOCK);
        let start = Instant::now();
        for _ in 0..n {
            black_box(path());
        }
        spent += start.elapsed();
        let start = Instant::now();
        for _ in 0..n {
            black_box(floor());
        }
        base += start.elapsed();
        left -= n;
    }
    spent.saturating_sub(base)
}

criterion_group!(token, benches);
criterion_main!(token);
