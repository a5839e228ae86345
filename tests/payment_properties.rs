//! Laws of the layered decrypt, on generated payment data of every documented shape with
//! random variations (unknown fields at every level, optional fields absent or `null`,
//! amounts as numbers or strings up to `u64::MAX`, non-ASCII names, JSON escapes anywhere):
//!
//! - mint → verify → `decrypt_plaintext` returns exactly the bytes that were encrypted;
//! - the typed view (`Payment`) agrees with a plain `serde_json::Value` reading of the
//!   same bytes, field by field, under the documented strict and lenient rules.

mod common;

use std::fmt::Write as _;
use std::sync::LazyLock;

use applepay_crypto::mint::{TestPki, TokenSpec};
use applepay_crypto::{Keyring, Payment, PaymentToken, UnixTime};
use proptest::prelude::*;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

static PKI: LazyLock<TestPki> = LazyLock::new(|| TestPki::new(b"payment properties").unwrap());

/// An optional field: left out, `null`, or present.
fn optional(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Value::Null)),
        3 => value.prop_map(Some),
    ]
}

/// An amount up to `u64::MAX` (biased towards the edges), as a JSON number or a string.
fn amount() -> impl Strategy<Value = Value> {
    let n = prop_oneof![
        any::<u64>(),
        (0u64..3).prop_map(|d| u64::MAX - d),
        0u64..10_000,
    ];
    (n, any::<bool>()).prop_map(|(n, as_string)| {
        if as_string {
            Value::from(n.to_string())
        } else {
            Value::from(n)
        }
    })
}

/// Any small JSON value, for fields no documentation names.
fn unknown_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Up to two unknown members (`x…` never collides with a documented key).
fn unknown_members() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec(("x[a-zA-Z]{1,8}", unknown_value()), 0..3)
}

/// Builds an object from documented members (skipping absent ones) and unknown ones.
fn object(members: Vec<(&str, Option<Value>)>, unknown: Vec<(String, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in unknown {
        map.insert(key, value);
    }
    for (key, value) in members {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    }
    Value::Object(map)
}

fn card_art() -> impl Strategy<Value = Value> {
    (
        optional("[A-Za-z ]{1,20}".prop_map(Value::from)),
        optional("CARD_ART_[A-Z]{2,6}".prop_map(Value::from)),
        optional("https://[a-z]{3,8}\\.example/[a-z]{1,8}\\.png".prop_map(Value::from)),
        unknown_members(),
    )
        .prop_map(|(name, kind, url, unknown)| {
            object(vec![("name", name), ("type", kind), ("url", url)], unknown)
        })
}

fn merchant_token_metadata() -> impl Strategy<Value = Value> {
    (
        optional(prop::collection::vec(card_art(), 0..3).prop_map(Value::from)),
        optional(
            (
                optional("[0-9]{6,8}".prop_map(Value::from)),
                unknown_members(),
            )
                .prop_map(|(date, unknown)| object(vec![("expirationDate", date)], unknown)),
        ),
        unknown_members(),
    )
        .prop_map(|(art, card, unknown)| {
            object(vec![("cardArt", art), ("cardMetadata", card)], unknown)
        })
}

fn authentication_response() -> impl Strategy<Value = Value> {
    (
        optional("merchant\\.com\\.[a-z]{1,10}".prop_map(Value::from)),
        "[A-Za-z0-9+/]{27}=",
        optional(amount()),
        unknown_members(),
    )
        .prop_map(|(merchant, data, amount, unknown)| {
            object(
                vec![
                    ("merchantIdentifier", merchant),
                    ("authenticationData", Some(Value::from(data))),
                    ("transactionAmount", amount),
                ],
                unknown,
            )
        })
}

/// `paymentDataType` and the `paymentData` it requires.
fn payment_data() -> impl Strategy<Value = (String, Option<Value>)> {
    let eci = prop_oneof![
        "[0-9]{1,2}".prop_map(Value::from),
        (0u8..10).prop_map(Value::from),
    ];
    let three_ds = ("[A-Za-z0-9+/]{27}=", optional(eci), unknown_members()).prop_map(
        |(cryptogram, eci, unknown)| {
            let data = object(
                vec![
                    ("onlinePaymentCryptogram", Some(Value::from(cryptogram))),
                    ("eciIndicator", eci),
                ],
                unknown,
            );
            ("3DSecure".to_owned(), Some(data))
        },
    );
    let emv = (
        "[A-Za-z0-9+/]{40}",
        optional("[0-9A-F]{16}".prop_map(Value::from)),
        unknown_members(),
    )
        .prop_map(|(emv, pin, unknown)| {
            let data = object(
                vec![
                    ("emvData", Some(Value::from(emv))),
                    ("encryptedPINData", pin),
                ],
                unknown,
            );
            ("EMV".to_owned(), Some(data))
        });
    let other =
        ("Future[A-Za-z]{1,8}", optional(unknown_value())).prop_map(|(kind, data)| (kind, data));
    prop_oneof![4 => three_ds, 2 => emv, 1 => other]
}

/// A payment-data object of documented shape with random variations.
fn payment() -> impl Strategy<Value = Value> {
    (
        (
            "[0-9]{12,19}",
            (0u8..100, 1u8..=12, 1u8..=28),
            "[0-9]{3}",
            amount(),
            optional("\\PC{0,24}".prop_map(Value::from)),
            optional("[0-9a-f]{12}".prop_map(Value::from)),
        ),
        payment_data(),
        optional(prop::collection::vec(authentication_response(), 0..3).prop_map(Value::from)),
        optional("DNITHE[0-9]{18}".prop_map(Value::from)),
        optional(merchant_token_metadata()),
        unknown_members(),
    )
        .prop_map(
            |(
                (pan, (yy, mm, dd), currency, amount, name, device),
                (kind, data),
                auth,
                mti,
                mtm,
                unknown,
            )| {
                object(
                    vec![
                        ("applicationPrimaryAccountNumber", Some(Value::from(pan))),
                        (
                            "applicationExpirationDate",
                            Some(Value::from(format!("{yy:02}{mm:02}{dd:02}"))),
                        ),
                        ("currencyCode", Some(Value::from(currency))),
                        ("transactionAmount", Some(amount)),
                        ("cardholderName", name),
                        ("deviceManufacturerIdentifier", device),
                        ("paymentDataType", Some(Value::from(kind))),
                        ("paymentData", data),
                        ("authenticationResponses", auth),
                        ("merchantTokenIdentifier", mti),
                        ("merchantTokenMetadata", mtm),
                    ],
                    unknown,
                )
            },
        )
}

/// Writes `value` as compact JSON, escaping characters of strings (and keys) as `\uXXXX`
/// or `\/` where `escapes` (a bit stream) says so; everything JSON requires is escaped.
fn write_json(out: &mut String, value: &Value, escapes: &mut u64) {
    fn next(escapes: &mut u64) -> bool {
        *escapes ^= *escapes << 13;
        *escapes ^= *escapes >> 7;
        *escapes ^= *escapes << 17;
        (*escapes).is_multiple_of(5)
    }
    fn string(out: &mut String, text: &str, escapes: &mut u64) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' if next(escapes) => out.push_str("\\/"),
                c if (c as u32) < 0x20 || next(escapes) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        write!(out, "\\u{unit:04x}").unwrap();
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
    match value {
        Value::String(s) => string(out, s, escapes),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item, escapes);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, key, escapes);
                out.push(':');
                write_json(out, item, escapes);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The plaintext bytes a device might send for `value`: escapes chosen by `seed`
/// (`0`: none but the required ones).
fn plaintext(value: &Value, seed: u64) -> Vec<u8> {
    let mut out = String::new();
    let mut escapes = seed;
    write_json(&mut out, value, &mut escapes);
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The typed view agrees with a plain JSON reading, whatever the variation.
    #[test]
    fn typed_view_agrees_with_plain_json(value in payment(), seed in any::<u64>()) {
        let bytes = plaintext(&value, seed);
        let payment = Payment::from_plaintext(Zeroizing::new(bytes.clone()));
        let payment = payment.map_err(|e| TestCaseError::fail(format!(
            "{e:?} for {}", String::from_utf8_lossy(&bytes))))?;
        common::payment_view::assert_agrees(&payment, &bytes);
    }
}

proptest! {
    // Each case mints, verifies and decrypts a token: a few curve operations.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Decryption returns the exact plaintext bytes, and its typed view agrees with them.
    #[test]
    fn decrypt_returns_the_exact_plaintext(value in payment(), seed in any::<u64>()) {
        let bytes = plaintext(&value, seed);
        let signed = UnixTime::parse_rfc3339("2026-05-06T07:08:09Z").unwrap();
        let json = PKI.mint(&TokenSpec::new(bytes.clone(), signed)).unwrap();
        let token = PaymentToken::from_json(json.as_bytes()).unwrap();
        let verified = token.verify_at_signing_time(&PKI.verifier()).unwrap();
        let mut keyring = Keyring::new();
        keyring.add_with_merchant_id(PKI.merchant_key().unwrap(), PKI.merchant_id());
        let decrypted = keyring.decrypt_plaintext(&verified).unwrap();
        prop_assert_eq!(decrypted.as_bytes(), &bytes[..]);
        let payment = decrypted.payment().unwrap();
        common::payment_view::assert_agrees(&payment, &bytes);
        let typed = keyring.decrypt(&verified).unwrap();
        prop_assert_eq!(typed.plaintext(), &bytes[..]);
    }
}
