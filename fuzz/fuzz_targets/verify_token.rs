//! Token verification: fuzzed CMS signatures (BER or DER) in an otherwise real token.
//!
//! The signature field is the attacker-controlled input that reaches the BER reader, the
//! certificate parser and the chain checks before any cryptography; nothing it holds may
//! panic or loop. Seeded with the signatures of every vector in `test-vectors/`.
#![no_main]

use std::sync::LazyLock;

use applepay_crypto::{DEFAULT_MAX_AGE, PaymentToken, UnixTime, Verifier};
use base64ct::{Base64, Encoding};
use libfuzzer_sys::fuzz_target;

const TOKEN: &[u8] = include_bytes!("../../test-vectors/gala-current/token.json");

struct Fixture {
    json: serde_json::Value,
    verifier: Verifier,
    signed: UnixTime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| Fixture {
    json: serde_json::from_slice(TOKEN).expect("fixture token"),
    verifier: Verifier::new(),
    signed: UnixTime::parse_rfc3339("2021-09-01T19:03:06Z").expect("fixture time"),
});

fuzz_target!(|signature: &[u8]| {
    let f = &*FIXTURE;
    let mut json = f.json.clone();
    json["signature"] = Base64::encode_string(signature).into();
    if let Ok(token) = PaymentToken::from_json(json.to_string().as_bytes()) {
        if let Ok(verified) = token.verify_at_signing_time(&f.verifier) {
            // Only Apple's signature over this content verifies; its time is signed.
            assert_eq!(verified.signing_time(), f.signed);
        }
        let _ = token.verify(&f.verifier, f.signed, DEFAULT_MAX_AGE);
    }
});
