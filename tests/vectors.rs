//! Every folder of `test-vectors/` is one test, run through the library: verified as its
//! `case.txt` says (default: as of the token's signing time), then decrypted.

mod common;

use std::fs;

use std::time::Duration;

use applepay_crypto::{
    Error, Keyring, MerchantCertificate, PaymentToken, PrivateKey, TrustAnchors, UnixTime,
    Verifier, dangerous,
};
use common::{Expected, Vector, VerifyMode};
use libtest_mimic::{Arguments, Failed, Trial};

fn run(vector: &Vector) -> Result<(), Failed> {
    let outcome = decrypt(vector);
    match (&vector.expected, outcome) {
        (Expected::Plaintext(want), Ok(got)) if *want == got => Ok(()),
        (Expected::Plaintext(_), Ok(_)) => Err("plaintext differs from expected.json".into()),
        (Expected::Plaintext(_), Err(e)) => {
            Err(format!("expected plaintext, got error {e:?}").into())
        }
        (Expected::Error(kind), Err(e)) if e.kind() == kind => Ok(()),
        (Expected::Error(kind), Err(e)) => Err(format!("expected {kind}, got {e:?}").into()),
        (Expected::Error(kind), Ok(_)) => Err(format!("expected {kind}, got a plaintext").into()),
    }
}

fn decrypt(vector: &Vector) -> Result<Vec<u8>, Error> {
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
    let verifier = match &vector.root {
        Some(root) => {
            Verifier::with_anchors(TrustAnchors::from_pem_or_der(&fs::read(root).unwrap())?)
        }
        None => Verifier::new(),
    };
    let token = PaymentToken::from_json(&fs::read(&vector.token).unwrap())?;
    if let Some(id) = &vector.transaction_id {
        assert_eq!(token.transaction_id_hex(), id, "{}", vector.name);
    }
    let payment = match &vector.verify {
        VerifyMode::Skip => dangerous::decrypt_unverified(&keyring, &token)?,
        VerifyMode::SigningTime => keyring.decrypt(&token.verify_at_signing_time(&verifier)?)?,
        VerifyMode::At(at) => {
            let now = UnixTime::parse_rfc3339(at).unwrap();
            let max_age = Duration::from_secs(vector.max_age);
            keyring.decrypt(&token.verify(&verifier, now, max_age)?)?
        }
    };
    Ok(payment.plaintext().to_vec())
}

fn main() {
    let args = Arguments::from_args();
    let trials = common::all()
        .into_iter()
        .map(|v| Trial::test(v.name.clone(), move || run(&v)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
