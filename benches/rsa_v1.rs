//! The cost of one token, verify + decrypt, `RSA_v1` next to `EC_v1`, on the default
//! back-end (`--features test-util`; add `aws-lc-rs` for AWS-LC). Inputs come from the
//! Apple-side simulator; the verifier is built once, as a server builds it, so the root →
//! intermediate check is cached and each iteration pays the per-token work only.
//!
//! ```text
//! cargo bench --bench rsa_v1 --features test-util
//! ```

use std::hint::black_box;

use applepay_crypto::mint::{SAMPLE_PLAINTEXT, Signer, TestPki, TokenSpec};
use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, PaymentToken, UnixTime, Version};
use criterion::{Criterion, criterion_group, criterion_main};

fn tokens(c: &mut Criterion) {
    let pki = TestPki::with_rsa(b"bench").expect("test PKI");
    let signed = UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").expect("time");
    let now = signed.saturating_add_secs(30);
    let verifier = pki.verifier();
    let mut keyring = Keyring::new();
    keyring
        .add_with_merchant_id(pki.merchant_key().expect("EC key"), pki.merchant_id())
        .add_with_merchant_id(pki.rsa_merchant_key().expect("RSA key"), pki.merchant_id());

    let mut group = c.benchmark_group("verify+decrypt");
    for (name, version, signer) in [
        ("EC_v1, EC leaf", Version::EcV1, Signer::Ecdsa),
        ("RSA_v1, EC leaf", Version::RsaV1, Signer::Ecdsa),
        ("RSA_v1, RSA leaf", Version::RsaV1, Signer::Rsa),
    ] {
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed);
        spec.version = version;
        spec.signer = signer;
        let json = pki.mint(&spec).expect("mint");
        // Check once that the work measured is the work wanted.
        let verified = PaymentToken::from_json(json.as_bytes())
            .and_then(|t| t.verify(&verifier, now, DEFAULT_MAX_AGE))
            .expect("verifies");
        assert_eq!(
            keyring.decrypt(&verified).expect("decrypts").plaintext(),
            SAMPLE_PLAINTEXT.as_bytes()
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let token = PaymentToken::from_json(black_box(json.as_bytes())).expect("parses");
                let verified = token
                    .verify(&verifier, now, DEFAULT_MAX_AGE)
                    .expect("verifies");
                keyring.decrypt(&verified).expect("decrypts")
            });
        });
        group.bench_function(format!("{name}: decrypt only"), |b| {
            b.iter(|| keyring.decrypt(black_box(&verified)).expect("decrypts"));
        });
    }
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
