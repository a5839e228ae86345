//! The Apple-side simulator (`mint`, feature `test-util`): its tokens verify and decrypt
//! in BER and DER, each fault gives its error, and any changed byte is rejected.

use applepay_crypto::mint::{Certificates, Encoding, Fault, SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{
    ChainCertificate, ChainError, DEFAULT_MAX_AGE, Error, Keyring, MerchantCertificate,
    MerchantIdHash, PaymentToken, UnixTime,
};
use base64ct::{Base64, Encoding as _};

fn pki() -> TestPki {
    TestPki::new(b"unit tests").unwrap()
}

fn signed() -> UnixTime {
    UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").unwrap()
}

fn spec() -> TokenSpec {
    let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed());
    spec.application_data = Some(vec![0xAB; 32]);
    spec
}

#[test]
fn minted_tokens_verify_and_decrypt_in_ber_and_der() {
    let pki = pki();
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());
    for encoding in [Encoding::BerIndefinite, Encoding::Der] {
        let spec = TokenSpec { encoding, ..spec() };
        let json = pki.mint(&spec).unwrap();
        let token = PaymentToken::from_json(json.as_bytes()).unwrap();
        let first = token.signature()[..2].to_vec();
        assert_eq!(first[1] == 0x80, encoding == Encoding::BerIndefinite);
        let verified = token
            .verify(
                &pki.verifier(),
                signed().saturating_add_secs(60),
                DEFAULT_MAX_AGE,
            )
            .unwrap();
        assert_eq!(verified.signing_time(), signed());
        let payment = keyring.decrypt(&verified).unwrap();
        assert_eq!(payment.plaintext(), spec.plaintext.as_slice());
    }
}

#[test]
fn minting_is_deterministic() {
    assert_eq!(pki().mint(&spec()).unwrap(), pki().mint(&spec()).unwrap());
    assert_eq!(pki().root_pem().unwrap(), pki().root_pem().unwrap());
}

/// Law: changing any byte of the signature or of the signed content makes
/// verification fail (and never panic).
#[test]
fn any_flipped_byte_is_rejected() {
    use serde_json::Value;
    let pki = pki();
    let verifier = pki.verifier();
    let original: Value = serde_json::from_str(&pki.mint(&spec()).unwrap()).unwrap();
    let b64 = |v: &Value| Base64::decode_vec(v.as_str().unwrap()).unwrap();
    let unhex = |v: &Value| base16ct::mixed::decode_vec(v.as_str().unwrap()).unwrap();
    let fields: [(&[&str], bool); 5] = [
        (&["signature"], true),
        (&["data"], true),
        (&["header", "ephemeralPublicKey"], true),
        (&["header", "transactionId"], false),
        (&["header", "applicationData"], false),
    ];
    let mut checked = 0;
    for (path, is_base64) in fields {
        let get = |json: &Value| path.iter().fold(json.clone(), |v, key| v[*key].clone());
        let bytes = if is_base64 {
            b64(&get(&original))
        } else {
            unhex(&get(&original))
        };
        for i in (0..bytes.len()).step_by(1) {
            let mut changed = bytes.clone();
            changed[i] ^= 0x01;
            let text = if is_base64 {
                Base64::encode_string(&changed)
            } else {
                base16ct::lower::encode_string(&changed)
            };
            let mut json = original.clone();
            let slot = path.iter().fold(&mut json, |v, key| &mut v[*key]);
            *slot = Value::String(text);
            if let Ok(token) = PaymentToken::from_json(json.to_string().as_bytes()) {
                assert!(
                    token.verify_at_signing_time(&verifier).is_err(),
                    "{path:?} byte {i}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 500);
}

/// A decoy in the certificate set is not part of any path: a changed byte inside its body
/// leaves the token verifiable, while the same change just past it (the leaf) does not.
/// `fuzz/fuzz_targets/verify_minted.rs` relies on `decoy_intermediate_der` to tell them
/// apart.
#[test]
fn only_bytes_outside_the_decoy_are_covered() {
    let pki = pki();
    let spec = TokenSpec {
        certificates: Certificates::DecoyIntermediateFirst,
        ..spec()
    };
    let mut json: serde_json::Value = serde_json::from_str(&pki.mint(&spec).unwrap()).unwrap();
    let signature = Base64::decode_vec(json["signature"].as_str().unwrap()).unwrap();
    let decoy = pki.decoy_intermediate_der().unwrap();
    let start = signature
        .windows(decoy.len())
        .position(|w| w == decoy)
        .expect("the decoy stands in the signature as minted");
    let verify = |json: &serde_json::Value| {
        PaymentToken::from_json(json.to_string().as_bytes())
            .and_then(|token| token.verify_at_signing_time(&pki.verifier()).map(|_| ()))
    };
    assert_eq!(verify(&json), Ok(()));
    // The last byte of the decoy (of its own signature value), then a byte of the leaf's
    // header.
    for (at, verifies) in [
        (start + decoy.len() - 1, true),
        (start + decoy.len() + 5, false),
    ] {
        let mut changed = signature.clone();
        changed[at] ^= 0x01;
        json["signature"] = Base64::encode_string(&changed).into();
        assert_eq!(verify(&json).is_ok(), verifies, "byte {at}");
    }
}

#[test]
fn merchant_certificate_pairs_with_key() {
    let pki = pki();
    let cert =
        MerchantCertificate::from_pem_or_der(pki.merchant_cert_pem().unwrap().as_bytes()).unwrap();
    assert_eq!(
        cert.merchant_id_hash(),
        Some(MerchantIdHash::of_merchant_id(pki.merchant_id()))
    );
    Keyring::new()
        .add_with_certificate(pki.merchant_key().unwrap(), &cert)
        .unwrap();
}

#[test]
fn each_fault_gives_its_error() {
    let pki = pki();
    // One verifier throughout: having trusted the good intermediate must not make it
    // trust another.
    let verifier = pki.verifier();
    let good = PaymentToken::from_json(pki.mint(&spec()).unwrap().as_bytes()).unwrap();
    let _ = good.verify_at_signing_time(&verifier).unwrap();
    for (fault, expected) in [
        (
            Fault::WrongLeafOid,
            Error::CertificateChain(ChainError::MissingLeafMarker),
        ),
        (
            Fault::MissingIntermediateOid,
            Error::CertificateChain(ChainError::MissingIntermediateMarker),
        ),
        (
            Fault::UntrustedRoot,
            Error::CertificateChain(ChainError::UntrustedRoot),
        ),
        (Fault::BadMessageDigest, Error::SignatureInvalid),
        (Fault::TamperedData, Error::SignatureInvalid),
        (Fault::TamperedSignature, Error::SignatureInvalid),
    ] {
        for encoding in [Encoding::BerIndefinite, Encoding::Der] {
            let spec = TokenSpec {
                fault: Some(fault),
                encoding,
                ..spec()
            };
            let token = PaymentToken::from_json(pki.mint(&spec).unwrap().as_bytes()).unwrap();
            assert_eq!(
                token.verify_at_signing_time(&verifier).unwrap_err(),
                expected,
                "{fault:?} {encoding:?}"
            );
        }
    }
    // An expired leaf: the error names it, its validity period and the time.
    let spec = TokenSpec {
        fault: Some(Fault::ExpiredLeaf),
        ..spec()
    };
    let token = PaymentToken::from_json(pki.mint(&spec).unwrap().as_bytes()).unwrap();
    let err = token.verify_at_signing_time(&verifier).unwrap_err();
    let Error::CertificateChain(ChainError::Expired {
        certificate,
        not_before,
        not_after,
        time,
        ..
    }) = err
    else {
        panic!("{err:?}");
    };
    const DAY: u64 = 86_400;
    assert_eq!(certificate, ChainCertificate::Leaf);
    assert_eq!(time, signed());
    assert_eq!(not_before, signed().saturating_sub_secs(400 * DAY));
    assert_eq!(not_after, signed().saturating_sub_secs(DAY));
    assert_eq!(
        err.to_string(),
        format!(
            "certificate chain rejected: leaf certificate has expired at the verification \
             time {time} (valid from {not_before} to {not_after})"
        )
    );
}
