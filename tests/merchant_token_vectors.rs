//! Every folder of `test-vectors/merchant-token/` is one test, run through the library:
//! parsed, verified (at `Verify =`, else as of its signing time), decrypted, and the
//! plaintext compared byte for byte with `expected.json` — or the error kind with
//! `Error =`.

mod common;

use std::fs;

use applepay_crypto::{
    EncryptedTokenMetadata, Error, Keyring, MerchantCertificate, PrivateKey, TokenMetadata,
    TrustAnchors, UnixTime, Verifier,
};
use common::Expected;
use common::merchant_token::MetadataVector;
use libtest_mimic::{Arguments, Failed, Trial};

fn decrypt(vector: &MetadataVector) -> Result<TokenMetadata, Error> {
    let metadata = EncryptedTokenMetadata::from_json(&fs::read(&vector.metadata).unwrap())?;
    let anchors = TrustAnchors::from_pem_or_der(&fs::read(&vector.root).unwrap())?;
    let verifier = Verifier::with_anchors(anchors);
    let verified = match &vector.verify_at {
        Some(at) => metadata.verify(&verifier, UnixTime::parse_rfc3339(at).unwrap())?,
        None => metadata.verify_at_signing_time(&verifier)?,
    };
    let key = PrivateKey::from_pem_or_der(&fs::read(&vector.key).unwrap())?;
    let mut keyring = Keyring::new();
    match (&vector.cert, &vector.merchant_id) {
        (Some(cert), _) => {
            let cert = MerchantCertificate::from_pem_or_der(&fs::read(cert).unwrap())?;
            keyring.add_with_certificate(key, &cert)?;
        }
        (None, Some(id)) => {
            keyring.add_with_merchant_id(key, id);
        }
        (None, None) => panic!("{}: no merchant_cert.pem or merchant_id.txt", vector.name),
    }
    keyring.decrypt_metadata(&verified)
}

fn run(vector: &MetadataVector) -> Result<(), Failed> {
    match (&vector.expected, decrypt(vector)) {
        (Expected::Plaintext(want), Ok(got)) if *want == got.as_bytes() => {
            let fields = got.fields().map_err(|e| format!("typed view: {e:?}"))?;
            let json: serde_json::Value = serde_json::from_slice(want).unwrap();
            if fields.mpan().as_str() != json["mpan"] {
                return Err("the typed view's mpan differs".into());
            }
            if format!("{fields:?}").contains(fields.mpan().as_str()) {
                return Err("Debug shows the MPAN".into());
            }
            if fields.mpan_id() != json["mpanId"].as_str() {
                return Err("the typed view's mpanId differs".into());
            }
            Ok(())
        }
        (Expected::Plaintext(_), Ok(_)) => Err("plaintext differs from expected.json".into()),
        (Expected::Plaintext(_), Err(e)) => Err(format!("expected plaintext, got {e:?}").into()),
        (Expected::Error(kind), Err(e)) if e.kind() == kind => Ok(()),
        (Expected::Error(kind), Err(e)) => Err(format!("expected {kind}, got {e:?}").into()),
        (Expected::Error(kind), Ok(_)) => Err(format!("expected {kind}, got a plaintext").into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials = common::merchant_token::all()
        .into_iter()
        .map(|vector| Trial::test(vector.name.clone(), move || run(&vector)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
