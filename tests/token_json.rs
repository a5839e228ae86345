//! Duplicate keys in token JSON (issue 12, weakness 3): a gateway that reads the first of
//! two equal keys and this crate, reading the last, would see different tokens, so no
//! object anywhere in a token may repeat a key, however the key is escaped.

use applepay_crypto::{Error, MAX_TOKEN_LEN, PaymentToken, Version};
use base64ct::{Base64, Encoding};
use serde_json::Value;

const GALA: &str = include_str!("../test-vectors/gala-current/token.json");

/// `GALA` with `text` inserted right after the `{` that opens the object found at
/// `path` (`""` for the top level, or a key whose value is an object).
fn with_inserted(json: &str, after_key: &str, text: &str) -> String {
    let at = if after_key.is_empty() {
        json.find('{').unwrap() + 1
    } else {
        let key = json.find(&format!("\"{after_key}\"")).unwrap();
        key + json[key..].find('{').unwrap() + 1
    };
    format!("{}{text}{}", &json[..at], &json[at..])
}

#[test]
fn duplicate_keys_are_malformed_wherever_they_are() {
    let full = |payment_data: &str, rest: &str| {
        format!(
            r#"{{"paymentData": {payment_data}, "paymentMethod": {{"network": "Visa", "type": "debit"}}, "transactionIdentifier": "AB"{rest}}}"#
        )
    };
    let cases: Vec<(String, &str)> = vec![
        // Bare token: top-level fields and header fields.
        (with_inserted(GALA, "", r#""version": "EC_v1","#), "version"),
        (with_inserted(GALA, "", r#""data": "AAAA","#), "data"),
        (
            with_inserted(GALA, "", r#""signature": "AAAA","#),
            "signature",
        ),
        (with_inserted(GALA, "", r#""header": {},"#), "header"),
        (
            with_inserted(GALA, "header", r#""transactionId": "00","#),
            "header.transactionId",
        ),
        (
            with_inserted(GALA, "header", r#""publicKeyHash": "x","#),
            "header.publicKeyHash",
        ),
        (
            with_inserted(GALA, "header", r#""ephemeralPublicKey": "AAAA","#),
            "header.ephemeralPublicKey",
        ),
        (
            with_inserted(
                GALA,
                "header",
                r#""applicationData": "", "applicationData": null,"#,
            ),
            "header.applicationData",
        ),
        (
            with_inserted(
                GALA,
                "header",
                r#""wrappedKey": "AAAA", "wrappedKey": "AAAA","#,
            ),
            "header.wrappedKey",
        ),
        // Unknown keys: named by the object holding them.
        (with_inserted(GALA, "", r#""x": 1, "x": 2,"#), "token"),
        (
            with_inserted(GALA, "header", r#""x": 1, "x": 2,"#),
            "header",
        ),
        // The same key, once escaped.
        (
            with_inserted(GALA, "", r#""vers\u0069on": "EC_v1","#),
            "version",
        ),
        (with_inserted(GALA, "", r#""x": 1, "\u0078": 2,"#), "token"),
        // Nested objects anywhere, in arrays too.
        (
            with_inserted(GALA, "", r#""x": [1, {"a": {"b": 1, "b": 2}}],"#),
            "token",
        ),
        (
            with_inserted(GALA, "header", r#""x": {"a": [{"c": 1, "c": 1}]},"#),
            "header",
        ),
        (
            with_inserted(GALA, "", r#""version": {"a": 1, "a": 1},"#),
            "version",
        ),
        // PKPaymentToken: wrapper fields, nested paymentData, paymentMethod.
        (full(GALA, r#", "paymentData": {}"#), "paymentData"),
        (
            full(GALA, r#", "transactionIdentifier": "AB""#),
            "transactionIdentifier",
        ),
        (full(GALA, r#", "paymentMethod": {}"#), "paymentMethod"),
        (full(GALA, r#", "x": 1, "x": 1"#), "token"),
        (
            full(&with_inserted(GALA, "", r#""x": 1, "x": 1,"#), ""),
            "paymentData",
        ),
        (
            full(&with_inserted(GALA, "", r#""data": "AAAA","#), ""),
            "data",
        ),
        (
            full(
                &with_inserted(GALA, "header", r#""transactionId": "00","#),
                "",
            ),
            "header.transactionId",
        ),
        (
            full(GALA, "").replace(r#""type": "debit""#, r#""type": "debit", "type": "credit""#),
            "paymentMethod",
        ),
        // paymentData as a string holding JSON with a duplicate.
        (
            full(
                &Value::from(with_inserted(GALA, "", r#""version": "EC_v1","#)).to_string(),
                "",
            ),
            "version",
        ),
        (
            full(
                &Value::from(with_inserted(GALA, "", r#""x": 1, "x": 1,"#)).to_string(),
                "",
            ),
            "paymentData",
        ),
    ];
    for (json, what) in &cases {
        assert_eq!(
            PaymentToken::from_json(json.as_bytes()).map(drop),
            Err(Error::Malformed(what)),
            "{json}"
        );
        // The same in base64.
        assert_eq!(
            PaymentToken::from_json(Base64::encode_string(json.as_bytes()).as_bytes()).map(drop),
            Err(Error::Malformed(what)),
            "base64 of {json}"
        );
    }
}

#[test]
fn the_same_key_in_different_objects_is_fine() {
    let json = with_inserted(
        GALA,
        "",
        r#""x": {"version": 1, "data": [{"data": 2}, {"data": 3}]}, "y": {"x": 1},"#,
    );
    assert!(PaymentToken::from_json(json.as_bytes()).is_ok());
    let full = format!(
        r#"{{"paymentData": {GALA}, "version": "EC_v1", "header": {{"a": 1}}, "paymentMethod": {{"type": "debit"}}, "transactionIdentifier": null}}"#
    );
    assert!(PaymentToken::from_json(full.as_bytes()).is_ok());
}

#[test]
fn many_unknown_keys_cost_little_and_are_all_checked() {
    let keys: String = (0..3000).map(|i| format!(r#""k{i}": {i},"#)).collect();
    let json = with_inserted(GALA, "", &keys);
    assert!(json.len() < MAX_TOKEN_LEN);
    assert!(PaymentToken::from_json(json.as_bytes()).is_ok());
    let json = with_inserted(GALA, "", &format!(r#"{keys}"k2999": 0,"#));
    assert_eq!(
        PaymentToken::from_json(json.as_bytes()).unwrap_err(),
        Error::Malformed("token")
    );
}

#[test]
fn escaped_strings_are_read() {
    // `\/` is how some JSON encoders write `/` (Apple's base64 has many).
    let escaped = GALA.replace('/', "\\/");
    assert_ne!(escaped, GALA);
    let token = PaymentToken::from_json(escaped.as_bytes()).unwrap();
    let plain = PaymentToken::from_json(GALA.as_bytes()).unwrap();
    assert_eq!(token.data(), plain.data());
    assert_eq!(token.signature(), plain.signature());
    assert_eq!(token.public_key_hash(), plain.public_key_hash());
    let renamed = GALA.replace("\"version\"", "\"\\u0076ersion\"");
    assert_eq!(
        PaymentToken::from_json(renamed.as_bytes())
            .unwrap()
            .version(),
        Version::EcV1
    );
}
