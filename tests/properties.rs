//! Laws, checked on arbitrary inputs with the Apple-side simulator (feature `test-util`):
//!
//! - mint → verify → decrypt returns exactly what was minted, for any payload, merchant
//!   PKI, transaction id, application data and signature encoding;
//! - BER (indefinite lengths) and DER encodings of the same token verify alike;
//! - changing any byte of any token field yields an error — never a panic, never a
//!   different plaintext.

use std::sync::LazyLock;

use applepay_crypto::mint::{Encoding, TestPki, TokenSpec};
use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, Payment, PaymentToken, UnixTime, Verifier};
use base64ct::{Base64, Encoding as _};
use proptest::prelude::*;
use serde_json::Value;

/// Minting a PKI costs several curve operations; the laws that do not vary the PKI share one.
static PKI: LazyLock<TestPki> = LazyLock::new(|| TestPki::new(b"property tests").unwrap());

fn keyring(pki: &TestPki) -> Keyring {
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());
    keyring
}

/// A payment-data plaintext built from arbitrary field values.
fn plaintext() -> impl Strategy<Value = Vec<u8>> {
    (
        "[0-9]{12,19}",
        (0u8..100, 1u8..=12, 1u8..=28),
        "[0-9]{3}",
        any::<u64>(),
        proptest::option::of("[ -~]{0,40}"),
        "[A-Za-z0-9+/]{27}=",
        proptest::option::of("[0-9]"),
    )
        .prop_map(
            |(pan, (yy, mm, dd), currency, amount, name, cryptogram, eci)| {
                let mut data = serde_json::json!({ "onlinePaymentCryptogram": cryptogram });
                if let Some(eci) = eci {
                    data["eciIndicator"] = Value::from(eci);
                }
                let mut object = serde_json::json!({
                    "applicationPrimaryAccountNumber": pan,
                    "applicationExpirationDate": format!("{yy:02}{mm:02}{dd:02}"),
                    "currencyCode": currency,
                    "transactionAmount": amount,
                    "deviceManufacturerIdentifier": "040010030273",
                    "paymentDataType": "3DSecure",
                    "paymentData": data,
                });
                if let Some(name) = name {
                    object["cardholderName"] = Value::from(name);
                }
                serde_json::to_vec(&object).unwrap()
            },
        )
}

fn signing_time() -> impl Strategy<Value = UnixTime> {
    // 2020-01-01 .. 2035-01-01, inside the simulator's certificate validity.
    (1_577_836_800u64..2_051_222_400).prop_map(UnixTime::since_unix_epoch)
}

fn spec() -> impl Strategy<Value = TokenSpec> {
    (
        plaintext(),
        signing_time(),
        // The canonical envelope: 32-byte transaction id, application data absent or 32
        // bytes.
        proptest::array::uniform32(any::<u8>()),
        proptest::option::of(proptest::array::uniform32(any::<u8>())),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 1..16),
    )
        .prop_map(|(plaintext, time, txid, app, der, seed)| {
            let mut spec = TokenSpec::new(plaintext, time);
            spec.transaction_id = txid.to_vec();
            spec.application_data = app.map(|a| a.to_vec());
            spec.encoding = if der {
                Encoding::Der
            } else {
                Encoding::BerIndefinite
            };
            spec.ephemeral_seed = seed;
            spec
        })
}

fn verify_and_decrypt(
    json: &[u8],
    verifier: &Verifier,
    keyring: &Keyring,
    now: UnixTime,
) -> Result<Payment, applepay_crypto::Error> {
    let token = PaymentToken::from_json(json)?;
    let verified = token.verify(verifier, now, DEFAULT_MAX_AGE)?;
    keyring.decrypt(&verified)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Round trip for any merchant PKI, payload, transaction id and application data.
    #[test]
    fn mint_verify_decrypt_round_trips(pki_seed in proptest::collection::vec(any::<u8>(), 1..16), spec in spec()) {
        let pki = TestPki::new(&pki_seed).unwrap();
        let json = pki.mint(&spec).unwrap();
        let now = spec.signing_time.saturating_add_secs(30);
        let payment = verify_and_decrypt(json.as_bytes(), &pki.verifier(), &keyring(&pki), now).unwrap();
        prop_assert_eq!(payment.plaintext(), spec.plaintext.as_slice());
        let token = PaymentToken::from_json(json.as_bytes()).unwrap();
        prop_assert_eq!(token.transaction_id(), spec.transaction_id.as_slice());
        prop_assert_eq!(token.application_data(), spec.application_data.as_deref());
    }

    /// BER with indefinite lengths and DER of the same token are the same token.
    #[test]
    fn ber_and_der_verify_alike(spec in spec()) {
        let verifier = PKI.verifier();
        let keyring = keyring(&PKI);
        let now = spec.signing_time.saturating_add_secs(1);
        let mut plaintexts = Vec::new();
        for encoding in [Encoding::BerIndefinite, Encoding::Der] {
            let json = PKI.mint(&TokenSpec { encoding, ..spec.clone() }).unwrap();
            let token = PaymentToken::from_json(json.as_bytes()).unwrap();
            let verified = token.verify(&verifier, now, DEFAULT_MAX_AGE).unwrap();
            prop_assert_eq!(verified.signing_time(), spec.signing_time);
            plaintexts.push(keyring.decrypt(&verified).unwrap().plaintext().to_vec());
        }
        prop_assert_eq!(&plaintexts[0], &plaintexts[1]);
    }

    /// Any single-byte change to any field is an error: never a panic, never a plaintext.
    #[test]
    fn any_byte_change_is_an_error(
        spec in spec(),
        field in 0usize..7,
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let json = PKI.mint(&spec).unwrap();
        let mut token: Value = serde_json::from_str(&json).unwrap();
        let (path, hex): (&[&str], bool) = match field {
            0 => (&["data"], false),
            1 => (&["signature"], false),
            2 => (&["header", "ephemeralPublicKey"], false),
            3 => (&["header", "publicKeyHash"], false),
            4 => (&["header", "transactionId"], true),
            5 => (&["header", "applicationData"], true),
            _ => (&["version"], false),
        };
        let slot = path.iter().fold(&mut token, |v, p| &mut v[*p]);
        let Some(text) = slot.as_str() else {
            // No application data in this token: nothing to change.
            return Ok(());
        };
        let mut bytes = match (field, hex) {
            (6, _) => text.as_bytes().to_vec(),
            (_, true) => base16ct::mixed::decode_vec(text).unwrap(),
            (_, false) => Base64::decode_vec(text).unwrap(),
        };
        let i = position.index(bytes.len());
        bytes[i] ^= mask;
        *slot = Value::from(match (field, hex) {
            (6, _) => String::from_utf8_lossy(&bytes).into_owned(),
            (_, true) => base16ct::lower::encode_string(&bytes),
            (_, false) => Base64::encode_string(&bytes),
        });
        let changed = serde_json::to_vec(&token).unwrap();
        let now = spec.signing_time.saturating_add_secs(1);
        let result = verify_and_decrypt(&changed, &PKI.verifier(), &keyring(&PKI), now);
        prop_assert!(result.is_err(), "field {} byte {} changed and still decrypted", field, i);
    }
}
