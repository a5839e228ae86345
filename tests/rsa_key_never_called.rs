//! `deny.toml`'s reasoning for RUSTSEC-2023-0071 (Marvin), proved: the RSA private-key
//! operation runs only on a `wrappedKey` Apple signed as one. A counting key shows that
//! neither a relabelled `EC_v1` token (its signed ephemeral key and data presented as an
//! `RSA_v1` `wrappedKey`) nor a `wrappedKey` of another length than the modulus reaches
//! the RSA key, verified or not; only a genuine `RSA_v1` token does.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use applepay_crypto::mint::{Fault, SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{
    Error, Keyring, MerchantKey, PaymentToken, PrivateKey, UnixTime, Version, dangerous,
};
use base64ct::{Base64, Encoding as _};
use zeroize::Zeroizing;

static PKI: LazyLock<TestPki> = LazyLock::new(|| TestPki::with_rsa(b"rsa never called").unwrap());

/// How many times any [`Counting`] key ran its RSA operation.
static RSA_CALLS: AtomicUsize = AtomicUsize::new(0);

/// The RSA merchant key, counting its private-key operations.
struct Counting(PrivateKey);

impl MerchantKey for Counting {
    fn public_key_spki(&self) -> &[u8] {
        self.0.public_key_spki()
    }

    fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        RSA_CALLS.fetch_add(1, Ordering::SeqCst);
        self.0.rsa_oaep_sha256_decrypt(wrapped_key)
    }
}

fn signed() -> UnixTime {
    UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").unwrap()
}

fn keyring() -> Keyring {
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(Counting(PKI.rsa_merchant_key().unwrap()), PKI.merchant_id());
    keyring
}

fn spec(version: Version, fault: Option<Fault>) -> TokenSpec {
    let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed());
    spec.version = version;
    spec.fault = fault;
    spec.application_data = Some(vec![0xA5; 32]);
    spec
}

/// An `EC_v1` token relabelled `RSA_v1`, its `wrappedKey` the signed ephemeral key and the
/// first `take` bytes of `data`, addressed to the RSA key. The signed content is
/// unchanged.
fn relabelled(take: usize) -> String {
    let minted = PKI.mint(&spec(Version::EcV1, None)).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&minted).unwrap();
    let b64 = |v: &serde_json::Value| Base64::decode_vec(v.as_str().unwrap()).unwrap();
    let key = b64(&json["header"]["ephemeralPublicKey"]);
    let data = b64(&json["data"]);
    let header = json["header"].as_object_mut().unwrap();
    header.remove("ephemeralPublicKey");
    header.insert(
        "wrappedKey".into(),
        Base64::encode_string(&[&key[..], &data[..take]].concat()).into(),
    );
    header.insert(
        "publicKeyHash".into(),
        PKI.rsa_merchant_key()
            .unwrap()
            .public_key_hash()
            .to_string()
            .into(),
    );
    json["version"] = "RSA_v1".into();
    json["data"] = Base64::encode_string(&data[take..]).into();
    json.to_string()
}

#[test]
fn the_rsa_key_runs_only_on_apple_signed_wrapped_keys() {
    let keyring = keyring();
    let verifier = PKI.verifier();
    let calls = || RSA_CALLS.load(Ordering::SeqCst);

    // Relabelled EC_v1 tokens, with the wrappedKey the modulus length (256) or not: the
    // parser refuses them (the wrappedKey starts like a P-256 key).
    for take in [165, 0, 200] {
        assert_eq!(
            PaymentToken::from_json(relabelled(take).as_bytes()).unwrap_err(),
            Error::Malformed("header.wrappedKey")
        );
    }

    // A wrappedKey one byte longer than the modulus, validly signed: it verifies, and
    // both decryption paths refuse it before the RSA operation.
    let json = PKI
        .mint(&spec(
            Version::RsaV1,
            Some(Fault::WrappedKeyLongerThanModulus),
        ))
        .unwrap();
    let token = PaymentToken::from_json(json.as_bytes()).unwrap();
    assert_eq!(token.wrapped_key().unwrap().len(), 257);
    let verified = token.verify_at_signing_time(&verifier).unwrap();
    assert_eq!(
        keyring.decrypt(&verified).unwrap_err(),
        Error::Malformed("header.wrappedKey")
    );
    assert_eq!(
        dangerous::decrypt_unverified(&keyring, &token).unwrap_err(),
        Error::Malformed("header.wrappedKey")
    );
    assert_eq!(
        calls(),
        0,
        "the RSA key ran on a wrappedKey Apple did not sign as one"
    );

    // The control: a genuine RSA_v1 token reaches the key once and decrypts.
    let json = PKI.mint(&spec(Version::RsaV1, None)).unwrap();
    let verified = PaymentToken::from_json(json.as_bytes())
        .unwrap()
        .verify_at_signing_time(&verifier)
        .unwrap();
    assert_eq!(
        keyring.decrypt(&verified).unwrap().transaction_amount(),
        1000
    );
    assert_eq!(calls(), 1);
}
