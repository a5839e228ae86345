//! The intermediate values recorded in the interop vectors' `meta.json`: the ECDH shared
//! secret `Z` (always 32 bytes, leading zeros kept) and, through decryption, the KDF.

mod common;

use std::fs;

use applepay_crypto::{MerchantKey, PaymentToken, PrivateKey};
use base64ct::{Base64, Encoding};

#[test]
fn shared_secrets_match_meta_json_including_the_leading_zero_vector() {
    let mut checked = 0;
    let mut leading_zero = 0;
    for vector in common::all() {
        let Ok(meta) = fs::read(vector.dir.join("meta.json")) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_slice(&meta).unwrap();
        let Some(z_b64) = meta["intermediates"]["shared_secret_b64"].as_str() else {
            continue;
        };
        let key = PrivateKey::from_pem_or_der(&fs::read(&vector.key).unwrap()).unwrap();
        let token = PaymentToken::from_json(&fs::read(&vector.token).unwrap()).unwrap();
        let z = key
            .ecdh_p256(token.ephemeral_public_key().unwrap())
            .unwrap();
        assert_eq!(
            Base64::encode_string(z.as_bytes()),
            z_b64,
            "{}",
            vector.name
        );
        checked += 1;
        leading_zero += usize::from(z.as_bytes()[0] == 0);
    }
    assert!(checked >= 4, "only {checked} vectors carry intermediates");
    assert!(
        leading_zero >= 1,
        "no vector exercises a shared secret with a leading zero"
    );
}
