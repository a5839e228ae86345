//! Every folder of `test-vectors/` is one test, run through the library: verified as its
//! `case.txt` says (default: as of the token's signing time), then decrypted to the
//! authenticated plaintext, whose typed view must agree with a plain JSON reading of it
//! (or, with `PaymentError =`, refuse it naming that field).

mod common;

use std::fs;

use std::time::Duration;

use applepay_crypto::{
    Error, Keyring, MerchantCertificate, PaymentToken, Plaintext, PrivateKey, TrustAnchors,
    UnixTime, Verifier, dangerous,
};
use common::{Expected, Vector, VerifyMode};
use libtest_mimic::{Arguments, Failed, Trial};

fn run(vector: &Vector) -> Result<(), Failed> {
    let outcome = decrypt(vector);
    match (&vector.expected, outcome) {
        (Expected::Plaintext(want), Ok(got)) if *want == got.as_bytes() => typed_view(vector, &got),
        (Expected::Plaintext(_), Ok(_)) => Err("plaintext differs from expected.json".into()),
        (Expected::Plaintext(_), Err(e)) => {
            Err(format!("expected plaintext, got error {e:?}").into())
        }
        (Expected::Error(kind), Err(e)) if e.kind() == kind => Ok(()),
        (Expected::Error(kind), Err(e)) => Err(format!("expected {kind}, got {e:?}").into()),
        (Expected::Error(kind), Ok(_)) => Err(format!("expected {kind}, got a plaintext").into()),
    }
}

/// The typed view of a decrypted vector: it agrees with a `serde_json::Value` reading of the
/// plaintext, or refuses it naming the field `case.txt` names.
fn typed_view(vector: &Vector, plaintext: &Plaintext) -> Result<(), Failed> {
    match (plaintext.payment(), &vector.payment_error) {
        (Ok(payment), None) => {
            common::payment_view::assert_agrees(&payment, plaintext.as_bytes());
            Ok(())
        }
        (Err(Error::PaymentData(field)), Some(want)) if field == want => Ok(()),
        (Err(e), None) => Err(format!("the typed view refused the plaintext: {e:?}").into()),
        (Err(e), Some(want)) => Err(format!("expected PaymentData({want}), got {e:?}").into()),
        (Ok(_), Some(want)) => Err(format!("expected PaymentData({want}), got a payment").into()),
    }
}

fn decrypt(vector: &Vector) -> Result<Plaintext, Error> {
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
    match &vector.verify {
        VerifyMode::Skip => dangerous::decrypt_plaintext_unverified(&keyring, &token),
        VerifyMode::SigningTime => {
            keyring.decrypt_plaintext(&token.verify_at_signing_time(&verifier)?)
        }
        VerifyMode::At(at) => {
            let now = UnixTime::parse_rfc3339(at).unwrap();
            let max_age = Duration::from_secs(vector.max_age);
            keyring.decrypt_plaintext(&token.verify(&verifier, now, max_age)?)
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let trials = common::all()
        .into_iter()
        .map(|v| Trial::test(v.name.clone(), move || run(&v)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
