//! The BER/DER CMS reader alone: any bytes as the token's `signature` field.
//!
//! Seeded with the signatures of every vector in `test-vectors/` (BER with indefinite
//! lengths from Apple, DER from the simulator).
#![no_main]

use applepay_crypto::bench_hooks::parse_cms;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_cms(data);
});
