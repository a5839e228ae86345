//! The hot path: decryption with a fixed merchant key and fuzzed header and data.
//!
//! Structure-aware: the fuzzer chooses the fields, the target builds a well-formed token
//! around them, usually addressed to the loaded key, so inputs reach ECDH, the KDF and
//! AES-GCM rather than dying in the JSON parser.
#![no_main]

use std::sync::LazyLock;

use applepay_crypto::{Keyring, P256_SPKI_PREFIX, PaymentToken, PrivateKey, dangerous};
use arbitrary::Arbitrary;
use base64ct::{Base64, Encoding};
use libfuzzer_sys::fuzz_target;

const KEY: &[u8] = include_bytes!("../../test-vectors/gala-current/merchant_key.pem");
const TOKEN: &[u8] = include_bytes!("../../test-vectors/gala-current/token.json");

struct Fixture {
    keyring: Keyring,
    hash: String,
    ephemeral: Vec<u8>,
    data: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = PrivateKey::from_pem_or_der(KEY).expect("fixture key");
    let hash = key.public_key_hash().to_string();
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(key, "merchant.test.spreedly.123merchant");
    let token = PaymentToken::from_json(TOKEN).expect("fixture token");
    Fixture {
        keyring,
        hash,
        ephemeral: token.ephemeral_public_key().expect("EC_v1").to_vec(),
        data: token.data().to_vec(),
    }
});

#[derive(Arbitrary, Debug)]
struct Input {
    /// Replace the real ephemeral key with these bytes.
    ephemeral: Option<Vec<u8>>,
    /// Flip bits of the real ephemeral key (index, mask).
    ephemeral_flip: Option<(u8, u8)>,
    /// Replace the real ciphertext with these bytes.
    data: Option<Vec<u8>>,
    /// Flip bits of the real ciphertext (index, mask).
    data_flip: Option<(u16, u8)>,
    /// Address the token to another key.
    other_hash: bool,
    transaction_id: Vec<u8>,
    version: u8,
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    let mut ephemeral = input.ephemeral.unwrap_or_else(|| f.ephemeral.clone());
    if let Some((i, mask)) = input.ephemeral_flip {
        let len = ephemeral.len();
        if len > 0 {
            ephemeral[usize::from(i) % len] ^= mask;
        }
    }
    let mut data = input.data.unwrap_or_else(|| f.data.clone());
    if let Some((i, mask)) = input.data_flip {
        let len = data.len();
        if len > 0 {
            data[usize::from(i) % len] ^= mask;
        }
    }
    let hash = if input.other_hash {
        Base64::encode_string(&[7u8; 32])
    } else {
        f.hash.clone()
    };
    let version = match input.version % 3 {
        0 | 1 => "EC_v1",
        _ => "RSA_v1",
    };
    let json = serde_json::json!({
        "version": version,
        "data": Base64::encode_string(&data),
        "signature": "MA==",
        "header": {
            "ephemeralPublicKey": Base64::encode_string(&ephemeral),
            "wrappedKey": Base64::encode_string(&ephemeral),
            "publicKeyHash": hash,
            "transactionId": input.transaction_id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        }
    });
    if let Ok(token) = PaymentToken::from_json(json.to_string().as_bytes()) {
        // The canonical envelope: only these shapes parse.
        assert_eq!(input.transaction_id.len(), 32);
        match version {
            "EC_v1" => assert!(ephemeral.len() == 91 && ephemeral.starts_with(&P256_SPKI_PREFIX)),
            _ => assert!(!ephemeral.starts_with(&P256_SPKI_PREFIX[..ephemeral.len().min(27)])),
        }
        if let Ok(payment) = dangerous::decrypt_unverified(&f.keyring, &token) {
            // Only the untouched ciphertext under the untouched key can decrypt.
            assert_eq!(data, f.data);
            assert!(!payment.plaintext().is_empty());
        }
    }
});
