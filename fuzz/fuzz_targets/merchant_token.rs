//! Merchant token metadata: the parser (bare object or whole event, any JSON) and the
//! verifier behind it, then decryption of whatever verifies; and the notification path's
//! event id parser on the same bytes.
//!
//! Seeded with the `metadata.json` of every `test-vectors/merchant-token/` folder. Only the
//! simulator's signature over a vector's own content verifies, so whatever verifies must
//! carry that vector's signing time and decrypt (or fail with a key error), never panic.
#![no_main]

use std::sync::LazyLock;

use applepay_crypto::{
    EncryptedTokenMetadata, Keyring, MerchantCertificate, MerchantTokenEventId, PrivateKey,
    TrustAnchors, UnixTime, Verifier,
};
use libfuzzer_sys::fuzz_target;

const ROOT: &[u8] = include_bytes!("../../test-vectors/merchant-token/ec-v1/test_root.pem");
const KEY: &[u8] = include_bytes!("../../test-vectors/merchant-token/ec-v1/merchant_key.pem");
const CERT: &[u8] = include_bytes!("../../test-vectors/merchant-token/ec-v1/merchant_cert.pem");

struct Fixture {
    verifier: Verifier,
    keyring: Keyring,
    signed: UnixTime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let mut keyring = Keyring::new();
    let cert = MerchantCertificate::from_pem_or_der(CERT).expect("fixture certificate");
    keyring
        .add_with_certificate(
            PrivateKey::from_pem_or_der(KEY).expect("fixture key"),
            &cert,
        )
        .expect("fixture keyring");
    Fixture {
        verifier: Verifier::with_anchors(TrustAnchors::from_pem_or_der(ROOT).expect("root")),
        keyring,
        signed: UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").expect("fixture time"),
    }
});

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(id) = MerchantTokenEventId::from_notification_path(text) {
            let id = id.as_str();
            assert!(!id.is_empty() && id.len() <= 64);
            assert!(!id.contains('/') && !id.contains('\\') && !id.contains(".."));
            assert!(!id.chars().any(char::is_control));
        }
    }
    let f = &*FIXTURE;
    let Ok(metadata) = EncryptedTokenMetadata::from_json(data) else {
        return;
    };
    let _ = metadata.verify(&f.verifier, f.signed);
    if let Ok(verified) = metadata.verify_at_signing_time(&f.verifier) {
        assert_eq!(verified.signing_time(), f.signed);
        if let Ok(plaintext) = f.keyring.decrypt_metadata(&verified) {
            let _ = plaintext.fields();
        }
    }
});
