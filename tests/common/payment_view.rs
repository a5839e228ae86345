//! The typed view of the payment data ([`Payment`]) read against a plain
//! `serde_json::Value` reading of the same plaintext: the rules the crate documents
//! (strict where a processor cannot go on, lenient elsewhere), written out once.

use applepay_crypto::{Payment, PaymentDataType};
use serde_json::Value;

/// A string member of `object`, or `None` when absent, `null` or not a string (the typed
/// view ignores mistyped optional fields).
fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// An amount: a JSON integer up to `u64::MAX`, or a string of decimal digits that fits.
pub fn amount(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

/// Asserts that every accessor of `payment` says what a `Value` reading of `plaintext`
/// says under the documented rules.
pub fn assert_agrees(payment: &Payment, plaintext: &[u8]) {
    let v: Value = serde_json::from_slice(plaintext).expect("the plaintext is JSON");
    assert_eq!(payment.plaintext(), plaintext);
    assert_eq!(
        Some(payment.application_primary_account_number()),
        text(&v, "applicationPrimaryAccountNumber")
    );
    let date = payment.expiration_date();
    assert_eq!(
        Some(
            format!(
                "{:02}{:02}{:02}",
                date.year() % 100,
                date.month(),
                date.day()
            )
            .as_str()
        ),
        text(&v, "applicationExpirationDate")
    );
    assert_eq!(
        Some(payment.currency_code().as_str()),
        text(&v, "currencyCode")
    );
    assert_eq!(
        Some(payment.transaction_amount()),
        v.get("transactionAmount").and_then(amount)
    );
    assert_eq!(payment.cardholder_name(), text(&v, "cardholderName"));
    assert_eq!(
        payment.device_manufacturer_identifier(),
        text(&v, "deviceManufacturerIdentifier").unwrap_or_default()
    );
    let kind = text(&v, "paymentDataType").expect("paymentDataType is a string");
    assert_eq!(payment.payment_data_type_name(), kind);
    assert_eq!(
        payment.payment_data_type(),
        match kind {
            "3DSecure" => PaymentDataType::ThreeDSecure,
            "EMV" => PaymentDataType::Emv,
            _ => PaymentDataType::Unknown,
        }
    );
    let none = Value::Null;
    let data = v.get("paymentData").unwrap_or(&none);
    assert_eq!(
        payment.online_payment_cryptogram(),
        text(data, "onlinePaymentCryptogram")
    );
    let eci = match data.get("eciIndicator") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    assert_eq!(payment.eci_indicator(), eci.as_deref());
    assert_eq!(payment.emv_data(), text(data, "emvData"));
    assert_eq!(payment.encrypted_pin_data(), text(data, "encryptedPINData"));
    assert_eq!(
        payment.merchant_token_identifier(),
        text(&v, "merchantTokenIdentifier")
    );
    let metadata = v.get("merchantTokenMetadata").filter(|m| m.is_object());
    assert_eq!(payment.merchant_token_metadata(), metadata);
    let metadata = metadata.unwrap_or(&none);
    let art: Vec<&Value> = metadata
        .get("cardArt")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|e| e.is_object()).collect())
        .unwrap_or_default();
    assert_eq!(payment.card_art().len(), art.len());
    for (typed, plain) in payment.card_art().iter().zip(art) {
        assert_eq!(typed.name(), text(plain, "name"));
        assert_eq!(typed.card_type(), text(plain, "type"));
        assert_eq!(typed.url(), text(plain, "url"));
    }
    match metadata.get("cardMetadata").and_then(Value::as_object) {
        None => assert!(payment.card_metadata().is_none()),
        Some(plain) => {
            let typed = payment.card_metadata().expect("cardMetadata is an object");
            let strings: Vec<(&str, &str)> = plain
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                .collect();
            assert_eq!(typed.entries().count(), strings.len());
            for (key, value) in strings {
                assert_eq!(typed.get(key), Some(value));
            }
            assert_eq!(
                typed.expiration_date(),
                plain.get("expirationDate").and_then(Value::as_str)
            );
        }
    }
    let responses: &[Value] = v
        .get("authenticationResponses")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    assert_eq!(payment.authentication_responses().len(), responses.len());
    for (typed, plain) in payment.authentication_responses().iter().zip(responses) {
        assert_eq!(
            typed.merchant_identifier(),
            text(plain, "merchantIdentifier")
        );
        assert_eq!(
            Some(typed.authentication_data()),
            text(plain, "authenticationData")
        );
        assert_eq!(
            typed.transaction_amount(),
            plain.get("transactionAmount").and_then(amount)
        );
    }
}
