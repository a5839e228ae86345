//! Merchant token metadata and payment tokens are not interchangeable, and what the
//! simulator mints verifies only under the metadata rule.

mod common;

use std::fs;

use applepay_crypto::mint::{Fault, SAMPLE_METADATA, TestPki, TokenSpec};
use applepay_crypto::{
    EncryptedTokenMetadata, Error, Keyring, MAX_CLOCK_SKEW, PaymentToken, SigningTimeProblem,
    UnixTime, Verifier,
};

fn read(path: &str) -> Vec<u8> {
    fs::read(common::vectors_dir().join(path)).unwrap()
}

#[test]
fn a_payment_token_is_not_metadata_and_back() {
    assert_eq!(
        EncryptedTokenMetadata::from_json(&read("minted-ber/token.json")).unwrap_err(),
        Error::Malformed("header")
    );
    let metadata = read("merchant-token/ec-v1/metadata.json");
    assert!(matches!(
        PaymentToken::from_json(&metadata).unwrap_err(),
        Error::Malformed(_) | Error::UnsupportedVersion(_)
    ));
}

#[test]
fn apple_root_does_not_trust_the_test_pki() {
    let metadata =
        EncryptedTokenMetadata::from_json(&read("merchant-token/ec-v1/metadata.json")).unwrap();
    assert_eq!(
        metadata
            .verify_at_signing_time(&Verifier::new())
            .unwrap_err()
            .kind(),
        "certificate_chain"
    );
}

#[test]
fn the_signing_time_has_no_maximum_age_but_no_future() {
    let pki = TestPki::new(b"merchant token test").unwrap();
    let signed = UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").unwrap();
    let spec = TokenSpec::new(SAMPLE_METADATA.as_bytes().to_vec(), signed);
    let metadata =
        EncryptedTokenMetadata::from_json(pki.mint_event(&spec).unwrap().as_bytes()).unwrap();
    let verifier = pki.verifier();
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());
    for later in [0, 60, 86_400 * 365] {
        let verified = metadata
            .verify(&verifier, signed.saturating_add_secs(later))
            .unwrap();
        assert_eq!(verified.signing_time(), signed);
        let plaintext = keyring.decrypt_metadata(&verified).unwrap();
        assert_eq!(plaintext.as_bytes(), SAMPLE_METADATA.as_bytes());
    }
    assert!(
        metadata
            .verify(&verifier, signed.saturating_sub_secs(60))
            .is_ok()
    );
    let early = signed.saturating_sub_secs(61);
    let err = metadata.verify(&verifier, early).unwrap_err();
    let Error::SigningTimeOutOfWindow {
        problem,
        signing_time,
        verification_time,
        max_age,
        max_skew,
        ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(problem, SigningTimeProblem::InFuture);
    assert_eq!((signing_time, verification_time), (signed, early));
    assert_eq!((max_age, max_skew), (None, MAX_CLOCK_SKEW));
    assert_eq!(
        err.to_string(),
        format!(
            "token signing time {signed} is in the future: verified at {early}, the window \
             accepts signing times up to {} (no max age, clock skew 60s)",
            early.saturating_add_secs(60)
        )
    );
}

#[test]
fn each_signature_fault_is_a_signature_error_for_both_schemes() {
    let pki = TestPki::with_rsa(b"merchant token faults").unwrap();
    let signed = UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").unwrap();
    for version in [
        applepay_crypto::Version::EcV1,
        applepay_crypto::Version::RsaV1,
    ] {
        for fault in [
            Fault::PaymentTokenRule,
            Fault::TamperedData,
            Fault::BadMessageDigest,
            Fault::TamperedSignature,
        ] {
            let mut spec = TokenSpec::new(SAMPLE_METADATA.as_bytes().to_vec(), signed);
            spec.version = version;
            spec.fault = Some(fault);
            let metadata =
                EncryptedTokenMetadata::from_json(pki.mint_metadata(&spec).unwrap().as_bytes())
                    .unwrap();
            assert_eq!(
                metadata
                    .verify_at_signing_time(&pki.verifier())
                    .unwrap_err(),
                Error::SignatureInvalid,
                "{version:?} {fault:?}"
            );
        }
    }
}

/// `openssl cms -verify` of a detached signature over `content`, chain to `root`, any
/// purpose, validity not checked (the vectors are verified as of their signing time).
fn openssl_cms_verify(signature: &[u8], content: &[u8], root: &std::path::Path) -> bool {
    let dir = std::env::temp_dir().join(format!("applepay-mt-openssl-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let (sig, data) = (dir.join("sig.der"), dir.join("content.bin"));
    fs::write(&sig, signature).unwrap();
    fs::write(&data, content).unwrap();
    let output = std::process::Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-no_check_time")
        .arg("-in")
        .arg(&sig)
        .arg("-content")
        .arg(&data)
        .arg("-CAfile")
        .arg(root)
        .args(["-out", "/dev/null"])
        .output()
        .expect("openssl is needed for this cross-check: apt-get install openssl (.ci/run does)");
    let _ = fs::remove_dir_all(&dir);
    output.status.success()
}

/// OpenSSL, which this crate does not use to verify, agrees on what the minted metadata's
/// signature covers: `key ‖ data` for every valid vector, and the payment token's longer
/// content for the `err-payment-token-rule` vector.
#[test]
fn openssl_agrees_on_what_the_metadata_signature_covers() {
    use base64ct::{Base64, Encoding};
    let decode = |json: &serde_json::Value, field: &str| -> Vec<u8> {
        Base64::decode_vec(json[field].as_str().unwrap_or_default()).unwrap()
    };
    for name in ["ec-v1", "ec-v1-event", "rsa-v1", "err-payment-token-rule"] {
        let dir = common::vectors_dir().join("merchant-token").join(name);
        let mut json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("metadata.json")).unwrap()).unwrap();
        if let Some(inner) = json
            .get("merchantTokenMetadata")
            .map(|m| m["encryptedTokenMetadata"].clone())
        {
            json = inner;
        }
        let key = match json.get("ephemeralPublicKey") {
            Some(_) => decode(&json, "ephemeralPublicKey"),
            None => decode(&json, "wrappedKey"),
        };
        let signature = decode(&json, "signature");
        let metadata_rule = [key, decode(&json, "data")].concat();
        let root = dir.join("test_root.pem");
        let token_rule = [&metadata_rule[..], &[0x5a; 32], &[0xa5; 32]].concat();
        let (metadata_ok, token_ok) = (
            openssl_cms_verify(&signature, &metadata_rule, &root),
            openssl_cms_verify(&signature, &token_rule, &root),
        );
        if name == "err-payment-token-rule" {
            assert!(!metadata_ok && token_ok, "{name}");
        } else {
            assert!(metadata_ok && !token_ok, "{name}");
        }
    }
}
