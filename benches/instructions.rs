//! Instruction-count benchmarks (gungraun, under valgrind's callgrind): exact counts that
//! do not depend on a noisy machine, for the per-token paths, each parse step, and the
//! floor (the token's ECDH, and ECDH + ECDSA verify, done directly with the back-end
//! library) to compare them with. Setup (minting the token, warming the verifier) is not
//! counted.
//!
//! Needs `gungraun-runner` 0.20.0 (`cargo install gungraun-runner --version 0.20.0`).
//! `.ci/run` compares each count with the baseline committed in `benches/baseline/`
//! and fails on a regression of more than 10 %; see `benches/README.md`.

mod common;

use std::hint::black_box;

use applepay_crypto::PaymentToken;
use applepay_crypto::bench_hooks;
use common::Fixture;
use common::floor::Floor;
use gungraun::{library_benchmark, library_benchmark_group, main};

fn fixture() -> Fixture {
    Fixture::new()
}

fn token_json() -> String {
    Fixture::new().json
}

fn cms_signature() -> Vec<u8> {
    Fixture::new().token.signature().to_vec()
}

fn leaf_certificate() -> Vec<u8> {
    Fixture::new().parts.certificates[0].clone()
}

/// Drops what a benchmark hands back, outside the counted region: the fixture is
/// returned rather than dropped inside the benchmark, whose count would otherwise include
/// freeing the keyring, the verifier and its caches.
fn release<T>(value: T) {
    drop(value);
}

// Parse, verify with a warm verifier, decrypt.
#[library_benchmark]
#[bench::warm(setup = fixture, teardown = release)]
fn end_to_end(fx: Fixture) -> (usize, Fixture) {
    let n = black_box(fx.end_to_end(black_box(fx.json.as_bytes())));
    (n, fx)
}

// Parse and decrypt, no verification.
#[library_benchmark]
#[bench::ec_v1(setup = fixture, teardown = release)]
fn decrypt_unverified(fx: Fixture) -> (usize, Fixture) {
    let n = black_box(fx.decrypt_unverified(black_box(fx.json.as_bytes())));
    (n, fx)
}

/// The floor inputs: the back-end's key, the token's ephemeral key, and the leaf key,
/// signed attributes and signature.
struct FloorInputs {
    floor: Floor,
    ephemeral: Vec<u8>,
    spki: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn floor_inputs() -> FloorInputs {
    let fx = Fixture::new();
    FloorInputs {
        floor: Floor::new(&fx.merchant_key_pem),
        ephemeral: fx.token.ephemeral_public_key().unwrap().to_vec(),
        spki: fx.parts.leaf_spki.clone(),
        message: fx.parts.signed_attrs.clone(),
        signature: fx.parts.signature.clone(),
    }
}

// The token's ECDH done directly with the back-end library.
#[library_benchmark]
#[bench::ecdh(setup = floor_inputs, teardown = release)]
fn floor_ecdh(f: FloorInputs) -> (u8, FloorInputs) {
    let z = black_box(f.floor.ecdh(black_box(&f.ephemeral)));
    (z, f)
}

// The token's ECDH and ECDSA verification done directly with the back-end library.
#[library_benchmark]
#[bench::ecdh_ecdsa_verify(setup = floor_inputs, teardown = release)]
fn floor_both(f: FloorInputs) -> ((u8, bool), FloorInputs) {
    let z = f.floor.ecdh(black_box(&f.ephemeral));
    let ok = f
        .floor
        .ecdsa_verify(black_box(&f.spki), &f.message, &f.signature);
    (black_box((z, ok)), f)
}

#[library_benchmark]
#[bench::minted(setup = token_json)]
fn parse_token_json(json: String) -> PaymentToken {
    black_box(PaymentToken::from_json(black_box(json.as_bytes())).unwrap())
}

#[library_benchmark]
#[bench::minted(setup = cms_signature)]
fn parse_cms(signature: Vec<u8>) {
    bench_hooks::parse_cms(black_box(&signature)).unwrap();
}

#[library_benchmark]
#[bench::leaf(setup = leaf_certificate)]
fn parse_certificate(der: Vec<u8>) {
    bench_hooks::parse_certificate(black_box(&der)).unwrap();
}

library_benchmark_group!(
    name = token,
    benchmarks = [
        end_to_end,
        decrypt_unverified,
        parse_token_json,
        parse_cms,
        parse_certificate,
        floor_ecdh,
        floor_both
    ]
);

main!(library_benchmark_groups = token);
