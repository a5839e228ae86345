//! Unit tests of `model`.

use super::*;
use alloc::format;
use alloc::string::ToString;
use base64ct::{Base64, Encoding};
use serde_json::Value;

const GALA: &str = include_str!("../../test-vectors/gala-current/token.json");

fn gala() -> Value {
    serde_json::from_str(GALA).unwrap()
}

fn parse(value: &Value) -> Result<PaymentToken, Error> {
    PaymentToken::from_json(value.to_string().as_bytes())
}

#[test]
fn every_shape_parses_to_the_same_token() {
    let bare = PaymentToken::from_json(GALA.as_bytes()).unwrap();
    let full = serde_json::json!({
        "paymentData": gala(),
        "paymentMethod": {"network": "MasterCard"},
        "transactionIdentifier": gala()["header"]["transactionId"].as_str().unwrap().to_uppercase()
    });
    let as_string = serde_json::json!({ "paymentData": GALA });
    let as_b64_string =
        serde_json::json!({ "paymentData": Base64::encode_string(GALA.as_bytes()) });
    for token in [
        parse(&full).unwrap(),
        parse(&as_string).unwrap(),
        parse(&as_b64_string).unwrap(),
        PaymentToken::from_json(Base64::encode_string(GALA.as_bytes()).as_bytes()).unwrap(),
        PaymentToken::from_json(Base64::encode_string(full.to_string().as_bytes()).as_bytes())
            .unwrap(),
    ] {
        assert_eq!(token.data(), bare.data());
        assert_eq!(token.signature(), bare.signature());
        assert_eq!(token.public_key_hash(), bare.public_key_hash());
        assert_eq!(token.ephemeral_public_key(), bare.ephemeral_public_key());
    }
    assert_eq!(
        parse(&full).unwrap().transaction_identifier(),
        full["transactionIdentifier"].as_str()
    );
    assert_eq!(bare.version(), Version::EcV1);
    assert_eq!(bare.application_data(), None);
}

#[test]
fn unknown_fields_are_tolerated() {
    let mut v = gala();
    v["extra"] = Value::Bool(true);
    v["header"]["future"] = Value::from(1);
    assert!(parse(&v).is_ok());
}

#[test]
fn missing_or_mistyped_fields_name_themselves() {
    let cases: [(&[&str], &str); 7] = [
        (&["version"], "version"),
        (&["data"], "data"),
        (&["signature"], "signature"),
        (&["header"], "header"),
        (&["header", "publicKeyHash"], "header.publicKeyHash"),
        (&["header", "transactionId"], "header.transactionId"),
        (
            &["header", "ephemeralPublicKey"],
            "header.ephemeralPublicKey",
        ),
    ];
    for (path, what) in cases {
        for replacement in [None, Some(Value::from(7)), Some(Value::Null)] {
            let mut v = gala();
            let (last, parents) = path.split_last().unwrap();
            let parent = parents.iter().fold(&mut v, |v, p| &mut v[*p]);
            let object = parent.as_object_mut().unwrap();
            match &replacement {
                None => drop(object.remove(*last)),
                Some(r) => drop(object.insert((*last).into(), r.clone())),
            }
            assert_eq!(
                parse(&v).unwrap_err(),
                Error::Malformed(what),
                "{path:?} {replacement:?}"
            );
        }
    }
}

#[test]
fn encodings_are_checked() {
    let mut v = gala();
    v["header"]["transactionId"] = Value::from("xyz");
    assert_eq!(
        parse(&v).unwrap_err(),
        Error::Malformed("header.transactionId")
    );
    let mut v = gala();
    v["header"]["applicationData"] = Value::from("abc");
    assert_eq!(
        parse(&v).unwrap_err(),
        Error::Malformed("header.applicationData")
    );
    let mut v = gala();
    v["data"] = Value::from("");
    assert_eq!(parse(&v).unwrap_err(), Error::Malformed("data"));
    let mut v = gala();
    v["header"]["publicKeyHash"] = Value::from("AAAA");
    assert_eq!(parse(&v).unwrap_err(), Error::Malformed("publicKeyHash"));
}

#[test]
fn versions() {
    let mut v = gala();
    v["version"] = Value::from("EC_v2");
    assert_eq!(
        parse(&v).unwrap_err(),
        Error::UnsupportedVersion("EC_v2".into())
    );
    v["version"] = Value::from("X".repeat(1000));
    assert_eq!(
        parse(&v).unwrap_err(),
        Error::UnsupportedVersion("X".repeat(32))
    );
    let mut v = gala();
    v["version"] = Value::from("RSA_v1");
    assert_eq!(
        parse(&v).unwrap_err(),
        Error::Malformed("header.wrappedKey")
    );
    v["header"]["wrappedKey"] = Value::from("AAAA");
    let token = parse(&v).unwrap();
    assert_eq!(token.version(), Version::RsaV1);
    assert_eq!(token.wrapped_key(), Some(&[0u8, 0, 0][..]));
}

#[test]
fn garbage_and_size_limit() {
    for input in [
        &b""[..],
        b"[]",
        b"null",
        b"{",
        b"!!!!",
        b"e30=",
        b"\xff\xfe",
        b"\"str\"",
    ] {
        assert!(
            matches!(PaymentToken::from_json(input), Err(Error::Malformed(_))),
            "{input:?}"
        );
    }
    let big = format!("{{\"pad\":\"{}\"}}", "a".repeat(MAX_TOKEN_LEN));
    assert_eq!(
        PaymentToken::from_json(big.as_bytes()).unwrap_err(),
        Error::InputTooLarge {
            limit: MAX_TOKEN_LEN
        }
    );
}

#[test]
fn signed_content_order() {
    let mut v = gala();
    v["header"]["applicationData"] = Value::from("0a0b".repeat(16));
    let token = parse(&v).unwrap();
    let [key, data, txid, app] = token.signed_content();
    assert_eq!(key, token.ephemeral_public_key().unwrap());
    assert_eq!(data, token.data());
    assert_eq!(txid, token.transaction_id());
    assert_eq!(app, [0x0a, 0x0b].repeat(16));
}

/// `data` and `signature` are read as bytes (`json::BinarySeed`): escapes are undone,
/// and whatever `serde_json` then leaves unchecked (control characters, bytes that are not
/// UTF-8) is refused by the base64 decoder, naming the field.
#[test]
fn binary_fields_read_as_bytes() {
    let json = serde_json::to_string(&gala()).unwrap();
    let plain = PaymentToken::from_json(json.as_bytes()).unwrap();
    let escaped = json.replace('/', "\\/");
    assert_ne!(escaped, json, "the vector has a '/' to escape");
    let token = PaymentToken::from_json(escaped.as_bytes()).unwrap();
    assert_eq!(
        (token.data(), token.signature()),
        (plain.data(), plain.signature())
    );

    for field in ["data", "signature"] {
        let text = gala()[field].as_str().unwrap().to_owned();
        let at = json.find(&text).unwrap();
        for bad in [&b"\x01"[..], b"\xff", b"\xc3\xa9", b"\\u0041"] {
            let mut input = json.as_bytes()[..at].to_vec();
            input.extend_from_slice(&text.as_bytes()[..4]);
            input.extend_from_slice(bad);
            input.extend_from_slice(&text.as_bytes()[4..]);
            input.extend_from_slice(&json.as_bytes()[at + text.len()..]);
            assert_eq!(
                PaymentToken::from_json(&input).unwrap_err(),
                Error::Malformed(field),
                "{field} {bad:?}"
            );
        }
        let mut v = gala();
        v[field] = serde_json::json!([{ "k": 1 }, { "k": 2 }]);
        assert_eq!(parse(&v).unwrap_err(), Error::Malformed(field));
        let duplicate = serde_json::to_string(&v)
            .unwrap()
            .replace(r#"{"k":2}"#, r#"{"k":2,"k":3}"#);
        assert_eq!(
            PaymentToken::from_json(duplicate.as_bytes()).unwrap_err(),
            Error::Malformed(field)
        );
        // Not a string and not an array: reading stops there, so this field is named
        // even though the version, checked first otherwise, is wrong too.
        let mut v = gala();
        v["version"] = Value::from("EC_v9");
        v[field] = Value::from(true);
        assert_eq!(parse(&v).unwrap_err(), Error::Malformed(field));
    }
}
