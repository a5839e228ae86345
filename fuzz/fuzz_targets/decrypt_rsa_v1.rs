//! `RSA_v1` decryption with a fixed RSA merchant key and fuzzed `wrappedKey` and data.
//!
//! Structure-aware like `decrypt_ec_v1`: the fuzzer edits the fields of a minted `RSA_v1`
//! vector (`test-vectors/minted-rsa-v1-ber`) and the target rebuilds a well-formed token,
//! so inputs reach the RSA-OAEP unwrap and AES-128-GCM. Every unwrap failure must be the
//! one opaque `DecryptionFailed`, and only the untouched wrapped key and ciphertext may
//! decrypt.
#![no_main]

use std::sync::LazyLock;

use applepay_crypto::{
    Error, Keyring, MerchantCertificate, P256_SPKI_PREFIX, PaymentToken, PrivateKey, dangerous,
};
use arbitrary::Arbitrary;
use base64ct::{Base64, Encoding};
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = include_bytes!("../../test-vectors/minted-rsa-v1-ber/merchant_key.pem");
const CERT: &[u8] = include_bytes!("../../test-vectors/minted-rsa-v1-ber/merchant_cert.pem");
const TOKEN: &[u8] = include_bytes!("../../test-vectors/minted-rsa-v1-ber/token.json");

struct Fixture {
    keyring: Keyring,
    hash: String,
    wrapped: Vec<u8>,
    data: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = PrivateKey::from_pem_or_der(KEY).expect("fixture key");
    let hash = key.public_key_hash().to_string();
    let cert = MerchantCertificate::from_pem_or_der(CERT).expect("fixture certificate");
    let mut keyring = Keyring::new();
    keyring
        .add_with_certificate(key, &cert)
        .expect("key matches certificate");
    let token = PaymentToken::from_json(TOKEN).expect("fixture token");
    Fixture {
        keyring,
        hash,
        wrapped: token.wrapped_key().expect("RSA_v1 fixture").to_vec(),
        data: token.data().to_vec(),
    }
});

#[derive(Arbitrary, Debug)]
struct Input {
    /// Replace the real wrapped key with these bytes.
    wrapped: Option<Vec<u8>>,
    /// Flip bits of the real wrapped key (index, mask).
    wrapped_flip: Option<(u8, u8)>,
    /// Flip bits of the real ciphertext (index, mask).
    data_flip: Option<(u16, u8)>,
    /// Address the token to another key.
    other_hash: bool,
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    let mut wrapped = input.wrapped.unwrap_or_else(|| f.wrapped.clone());
    if let Some((i, mask)) = input.wrapped_flip {
        let len = wrapped.len();
        if len > 0 {
            wrapped[usize::from(i) % len] ^= mask;
        }
    }
    let mut data = f.data.clone();
    if let Some((i, mask)) = input.data_flip {
        let len = data.len();
        data[usize::from(i) % len] ^= mask;
    }
    let hash = if input.other_hash {
        Base64::encode_string(&[7u8; 32])
    } else {
        f.hash.clone()
    };
    let json = serde_json::json!({
        "version": "RSA_v1",
        "data": Base64::encode_string(&data),
        "signature": "MA==",
        "header": {
            "wrappedKey": Base64::encode_string(&wrapped),
            "publicKeyHash": hash,
            "transactionId": "00".repeat(32),
        }
    });
    // An empty `wrappedKey`, or one that starts like a P-256 key (a relabelled `EC_v1`
    // token), is refused by the parser already.
    let like_ec_key = wrapped.starts_with(&P256_SPKI_PREFIX[..wrapped.len().min(27)]);
    let Ok(token) = PaymentToken::from_json(json.to_string().as_bytes()) else {
        assert!(wrapped.is_empty() || like_ec_key);
        return;
    };
    assert!(!like_ec_key);
    match dangerous::decrypt_unverified(&f.keyring, &token) {
        Ok(payment) => {
            assert_eq!((&wrapped, &data), (&f.wrapped, &f.data));
            assert!(!payment.plaintext().is_empty());
        }
        Err(Error::NoMatchingKey { .. }) => assert!(input.other_hash),
        // Another length than the modulus is refused before the RSA operation; at the
        // modulus length every failure is the one opaque error.
        Err(Error::Malformed("header.wrappedKey")) => assert_ne!(wrapped.len(), f.wrapped.len()),
        Err(e) => {
            assert_eq!(e, Error::DecryptionFailed, "{e:?}");
            assert_eq!(wrapped.len(), f.wrapped.len());
        }
    }
});
