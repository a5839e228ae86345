//! The decrypted payment data as typed values ([`Payment`]): a view of the authenticated
//! plaintext, strict where a payment processor cannot go on and lenient everywhere else.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::error::Error;
use crate::token::json_string::Text;
use crate::token::payment_fields::{
    AuthenticationResponse, CardArt, CardMetadata, CurrencyCode, ExpirationDate, PaymentDataType,
};

/// Decrypted payment data: the typed view of an authenticated plaintext.
///
/// Made by [`crate::Keyring::decrypt`], [`crate::Plaintext::payment`] or
/// [`Payment::from_plaintext`].
///
/// Strict (a missing or unusable value is [`Error::PaymentData`] naming the field):
/// `applicationPrimaryAccountNumber` (decimal digits), `applicationExpirationDate`
/// (`YYMMDD`, a real date), `currencyCode` (three digits, ISO 4217 numeric),
/// `transactionAmount` (minor units up to `u64::MAX`, a JSON integer or a digit string),
/// `paymentDataType` (a string) with the data it requires — `onlinePaymentCryptogram`
/// for `3DSecure`, `emvData` for `EMV` — an `eciIndicator`, if sent, as a string or
/// number (it must be passed on), and each `authenticationResponses` entry's
/// `authenticationData` and, if sent, its amount.
///
/// Lenient: unknown fields are ignored at every level (they stay in the plaintext);
/// optional fields may be absent or `null`, and a mistyped optional field that is not
/// needed to process the payment (`cardholderName`, `deviceManufacturerIdentifier`,
/// `merchantTokenIdentifier`, `merchantTokenMetadata` and its parts) is treated as
/// absent; names may be any Unicode; an unknown `paymentDataType` is surfaced as
/// [`PaymentDataType::Unknown`] with its name.
///
/// Why: a wrong value in a strict field means charging the wrong card, amount or currency,
/// so it is refused; anything else Apple adds or sends loosely must not turn an authentic
/// payment into an error (the plaintext keeps every byte either way).
///
/// The account number, cryptograms, EMV data, encrypted PIN data, cardholder name and the
/// plaintext itself are zeroized on drop, and `Debug` shows at most the last four digits
/// of the account number.
pub struct Payment {
    pub(crate) plaintext: Zeroizing<Vec<u8>>,
    pub(crate) pan: Text,
    pub(crate) expiration_date: ExpirationDate,
    pub(crate) currency_code: CurrencyCode,
    pub(crate) transaction_amount: u64,
    pub(crate) cardholder_name: Option<Text>,
    pub(crate) device_manufacturer_identifier: Option<Text>,
    pub(crate) payment_data_type: PaymentDataType,
    /// `paymentDataType` as sent, when it is [`PaymentDataType::Unknown`].
    pub(crate) unknown_type_name: Option<String>,
    pub(crate) online_payment_cryptogram: Option<Text>,
    pub(crate) eci_indicator: Option<Text>,
    pub(crate) emv_data: Option<Text>,
    pub(crate) encrypted_pin_data: Option<Text>,
    pub(crate) merchant_token_identifier: Option<Text>,
    pub(crate) merchant_token_metadata: Option<serde_json::Value>,
    pub(crate) card_art: Vec<CardArt>,
    pub(crate) card_metadata: Option<CardMetadata>,
    pub(crate) authentication_responses: Vec<AuthenticationResponse>,
}

impl Payment {
    /// Parses decrypted payment data. Takes ownership so the bytes are zeroized with the
    /// `Payment`.
    ///
    /// A field a processor cannot do without that is missing or unusable is
    /// [`Error::PaymentData`] naming it; plaintext that is not a JSON object is
    /// `PaymentData("payment data")`.
    pub fn from_plaintext(plaintext: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        Ok(Self::parse(&plaintext)?.with_plaintext(plaintext))
    }

    /// Attaches the plaintext the view was parsed from (the same bytes: the view keeps
    /// ranges of them).
    pub(crate) fn with_plaintext(mut self, plaintext: Zeroizing<Vec<u8>>) -> Self {
        self.plaintext = plaintext;
        self
    }

    /// The exact decrypted bytes, including every field this view does not model.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The device-specific or merchant-specific account number (`applicationPrimaryAccountNumber`).
    #[must_use]
    pub fn application_primary_account_number(&self) -> &str {
        self.pan.get(&self.plaintext)
    }

    /// The last four digits of the account number (fewer if it is shorter).
    #[must_use]
    pub fn pan_last_four(&self) -> &str {
        let pan = self.application_primary_account_number();
        pan.get(pan.len().saturating_sub(4)..).unwrap_or_default()
    }

    /// `applicationExpirationDate`.
    #[must_use]
    pub fn expiration_date(&self) -> ExpirationDate {
        self.expiration_date
    }

    /// `currencyCode`.
    #[must_use]
    pub fn currency_code(&self) -> CurrencyCode {
        self.currency_code
    }

    /// `transactionAmount`, in minor units of the currency (cents for USD); sent as a
    /// JSON integer or a string of digits.
    #[must_use]
    pub fn transaction_amount(&self) -> u64 {
        self.transaction_amount
    }

    /// `cardholderName`, if present (any Unicode).
    #[must_use]
    pub fn cardholder_name(&self) -> Option<&str> {
        self.text(self.cardholder_name.as_ref())
    }

    /// `deviceManufacturerIdentifier`; empty if absent or not a string.
    #[must_use]
    pub fn device_manufacturer_identifier(&self) -> &str {
        self.text(self.device_manufacturer_identifier.as_ref())
            .unwrap_or_default()
    }

    /// `paymentDataType`.
    #[must_use]
    pub fn payment_data_type(&self) -> PaymentDataType {
        self.payment_data_type
    }

    /// `paymentDataType` as sent (`3DSecure`, `EMV`, or a value this crate does not know).
    #[must_use]
    pub fn payment_data_type_name(&self) -> &str {
        match self.payment_data_type {
            PaymentDataType::ThreeDSecure => "3DSecure",
            PaymentDataType::Emv => "EMV",
            PaymentDataType::Unknown => self.unknown_type_name.as_deref().unwrap_or_default(),
        }
    }

    /// `paymentData.onlinePaymentCryptogram` (always present for `3DSecure`).
    #[must_use]
    pub fn online_payment_cryptogram(&self) -> Option<&str> {
        self.text(self.online_payment_cryptogram.as_ref())
    }

    /// `paymentData.eciIndicator`, if present (not all networks send one; a JSON number
    /// is given as its digits). If present, pass it on to your processor.
    #[must_use]
    pub fn eci_indicator(&self) -> Option<&str> {
        self.text(self.eci_indicator.as_ref())
    }

    /// `paymentData.emvData` (always present for `EMV`).
    #[must_use]
    pub fn emv_data(&self) -> Option<&str> {
        self.text(self.emv_data.as_ref())
    }

    /// `paymentData.encryptedPINData`, if present.
    #[must_use]
    pub fn encrypted_pin_data(&self) -> Option<&str> {
        self.text(self.encrypted_pin_data.as_ref())
    }

    /// `merchantTokenIdentifier`, for merchant tokens (recurring, automatic-reload and
    /// deferred payments).
    #[must_use]
    pub fn merchant_token_identifier(&self) -> Option<&str> {
        self.text(self.merchant_token_identifier.as_ref())
    }

    /// A string of the payment data.
    fn text<'a>(&'a self, text: Option<&'a Text>) -> Option<&'a str> {
        text.map(|text| text.get(&self.plaintext))
    }

    /// `merchantTokenMetadata`, as JSON, if it is an object. Its documented parts are
    /// typed: [`Payment::card_art`], [`Payment::card_metadata`].
    #[must_use]
    pub fn merchant_token_metadata(&self) -> Option<&serde_json::Value> {
        self.merchant_token_metadata.as_ref()
    }

    /// `merchantTokenMetadata.cardArt`; empty when absent.
    #[must_use]
    pub fn card_art(&self) -> &[CardArt] {
        &self.card_art
    }

    /// `merchantTokenMetadata.cardMetadata`, if it is an object.
    #[must_use]
    pub fn card_metadata(&self) -> Option<&CardMetadata> {
        self.card_metadata.as_ref()
    }

    /// `authenticationResponses` (multi-merchant payments); empty when absent or `null`.
    #[must_use]
    pub fn authentication_responses(&self) -> &[AuthenticationResponse] {
        &self.authentication_responses
    }
}

impl fmt::Debug for Payment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct LastFour<'a>(&'a str);
        impl fmt::Debug for LastFour<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "\"…{}\"", self.0)
            }
        }
        f.debug_struct("Payment")
            .field("pan", &LastFour(self.pan_last_four()))
            .field("expiration_date", &self.expiration_date)
            .field("currency_code", &self.currency_code)
            .field("transaction_amount", &self.transaction_amount)
            .field("payment_data_type", &self.payment_data_type_name())
            .field("eci_indicator", &self.eci_indicator())
            .field(
                "merchant_token_identifier",
                &self.merchant_token_identifier(),
            )
            .field("authentication_responses", &self.authentication_responses)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString as _;

    const PLAINTEXT: &str = r#"{"applicationPrimaryAccountNumber":"5555555555554444","applicationExpirationDate":"300630","currencyCode":"840","transactionAmount":1000,"cardholderName":"Jane Appleseed","deviceManufacturerIdentifier":"040010030273","paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"+2BjN3ikUupJspp+zvgtGDcKkPw=","eciIndicator":"7"}}"#;

    fn parse(text: &str) -> Result<Payment, Error> {
        Payment::from_plaintext(Zeroizing::new(text.as_bytes().to_vec()))
    }

    fn with(from: &str, to: &str) -> Result<Payment, Error> {
        assert!(PLAINTEXT.contains(from), "{from}");
        parse(&PLAINTEXT.replacen(from, to, 1))
    }

    #[test]
    fn typed_fields() {
        let p = parse(PLAINTEXT).unwrap();
        assert_eq!(p.application_primary_account_number(), "5555555555554444");
        assert_eq!(p.expiration_date().to_string(), "2030-06-30");
        assert_eq!(p.currency_code().numeric(), 840);
        assert_eq!(p.transaction_amount(), 1000);
        assert_eq!(p.cardholder_name(), Some("Jane Appleseed"));
        assert_eq!(p.device_manufacturer_identifier(), "040010030273");
        assert_eq!(p.payment_data_type(), PaymentDataType::ThreeDSecure);
        assert_eq!(p.payment_data_type_name(), "3DSecure");
        assert_eq!(
            p.online_payment_cryptogram(),
            Some("+2BjN3ikUupJspp+zvgtGDcKkPw=")
        );
        assert_eq!(p.eci_indicator(), Some("7"));
        assert_eq!(p.plaintext(), PLAINTEXT.as_bytes());
        assert!(p.authentication_responses().is_empty());
        assert!(p.card_art().is_empty());
        assert_eq!(p.card_metadata(), None);
    }

    #[test]
    fn debug_redacts_secrets() {
        let text = PLAINTEXT.replacen(
            "}}",
            r#"},"authenticationResponses":[{"authenticationData":"SECRETCRYPTOGRAM"}]}"#,
            1,
        );
        let p = parse(&text).unwrap();
        let debug = format!("{p:?}");
        assert!(debug.contains("4444"), "{debug}");
        for secret in ["555555555555", "+2BjN3ik", "Appleseed", "SECRETCRYPTOGRAM"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn escapes_are_unescaped() {
        let p = with("+2BjN3ikUupJspp+zvgtGDcKkPw=", r"a\/b\u0043").unwrap();
        assert_eq!(p.online_payment_cryptogram(), Some("a/bC"));
        let p = with(r#""5555555555554444""#, r#""\u00355555555555554444""#).unwrap();
        assert_eq!(p.application_primary_account_number(), "55555555555554444");
        let p = with("Jane Appleseed", r"Zo\u00eb \ud83d\udcb3 山田").unwrap();
        assert_eq!(p.cardholder_name(), Some("Zoë 💳 山田"));
    }

    #[test]
    fn emv_and_merchant_tokens() {
        let text = r#"{"applicationPrimaryAccountNumber":"4111111111111111","applicationExpirationDate":"281130","currencyCode":"156","transactionAmount":12345,"deviceManufacturerIdentifier":"x","paymentDataType":"EMV","paymentData":{"emvData":"9F26...","encryptedPINData":"AB"},"merchantTokenIdentifier":"DNITHE1","merchantTokenMetadata":{"cardArt":[{"name":"Bank","type":"T","url":"https://a.example/x.png"},7,{"name":3}],"cardMetadata":{"expirationDate":"122031","z":"last","n":5}},"authenticationResponses":[{"merchantIdentifier":"m","authenticationData":"AAA=","transactionAmount":5},{"authenticationData":"BBB=","transactionAmount":"6"},{"authenticationData":"CCC="}]}"#;
        let p = parse(text).unwrap();
        assert_eq!(p.payment_data_type(), PaymentDataType::Emv);
        assert_eq!(p.emv_data(), Some("9F26..."));
        assert_eq!(p.encrypted_pin_data(), Some("AB"));
        assert_eq!(p.online_payment_cryptogram(), None);
        assert_eq!(p.merchant_token_identifier(), Some("DNITHE1"));
        assert!(p.merchant_token_metadata().is_some());
        let art = p.card_art();
        assert_eq!(art.len(), 2);
        assert_eq!(art[0].name(), Some("Bank"));
        assert_eq!(art[0].card_type(), Some("T"));
        assert_eq!(art[0].url(), Some("https://a.example/x.png"));
        assert_eq!(art[1].name(), None);
        let card = p.card_metadata().unwrap();
        assert_eq!(card.expiration_date(), Some("122031"));
        assert_eq!(card.get("z"), Some("last"));
        assert_eq!(card.get("n"), None);
        assert_eq!(
            card.entries().collect::<Vec<_>>(),
            [("expirationDate", "122031"), ("z", "last")]
        );
        let responses = p.authentication_responses();
        assert_eq!(responses.len(), 3);
        assert_eq!(responses[0].merchant_identifier(), Some("m"));
        assert_eq!(responses[0].authentication_data(), "AAA=");
        assert_eq!(responses[0].transaction_amount(), Some(5));
        assert_eq!(responses[1].merchant_identifier(), None);
        assert_eq!(responses[1].transaction_amount(), Some(6));
        assert_eq!(responses[2].transaction_amount(), None);
    }

    #[test]
    fn lenient_fields() {
        // Amounts as digit strings, up to u64::MAX.
        assert_eq!(
            with("1000", r#""1000""#).unwrap().transaction_amount(),
            1000
        );
        let max = with("1000", "18446744073709551615").unwrap();
        assert_eq!(max.transaction_amount(), u64::MAX);
        // Optional fields null, absent or mistyped: treated as absent.
        for (from, to) in [
            (r#""Jane Appleseed""#, "null"),
            (r#""Jane Appleseed""#, "42"),
            (r#""Jane Appleseed""#, "{}"),
        ] {
            assert_eq!(with(from, to).unwrap().cardholder_name(), None, "{to}");
        }
        assert_eq!(
            with(r#""040010030273""#, "null")
                .unwrap()
                .device_manufacturer_identifier(),
            ""
        );
        let p = with(r#","eciIndicator":"7""#, "").unwrap();
        assert_eq!(p.eci_indicator(), None);
        assert_eq!(with(r#""7""#, "null").unwrap().eci_indicator(), None);
        assert_eq!(with(r#""7""#, "5").unwrap().eci_indicator(), Some("5"));
        let nulls = PLAINTEXT.replacen(
            "}}",
            r#"},"authenticationResponses":null,"merchantTokenIdentifier":null,"merchantTokenMetadata":null}"#,
            1,
        );
        let p = parse(&nulls).unwrap();
        assert!(p.authentication_responses().is_empty());
        assert_eq!(p.merchant_token_identifier(), None);
        assert_eq!(p.merchant_token_metadata(), None);
        // Unknown fields anywhere.
        let unknown = PLAINTEXT
            .replacen('{', r#"{"x":{"y":[1,null]},"#, 1)
            .replacen(r#""eciIndicator""#, r#""z":1.5e9,"eciIndicator""#, 1);
        assert_eq!(parse(&unknown).unwrap().plaintext(), unknown.as_bytes());
        // An unknown payment data type is surfaced, with what it carries.
        let p = with(r#""3DSecure""#, r#""FutureType""#).unwrap();
        assert_eq!(p.payment_data_type(), PaymentDataType::Unknown);
        assert_eq!(p.payment_data_type_name(), "FutureType");
        assert_eq!(
            p.online_payment_cryptogram(),
            Some("+2BjN3ikUupJspp+zvgtGDcKkPw=")
        );
        let text = PLAINTEXT.replacen(r#""3DSecure""#, r#""FutureType""#, 1);
        let bare = text.replacen(
            r#""paymentData":{"onlinePaymentCryptogram":"+2BjN3ikUupJspp+zvgtGDcKkPw=","eciIndicator":"7"}"#,
            r#""paymentData":"opaque""#,
            1,
        );
        assert_eq!(parse(&bare).unwrap().online_payment_cryptogram(), None);
    }

    #[test]
    fn strict_fields_name_themselves() {
        let cases = [
            (r#""300630""#, r#""301330""#, "applicationExpirationDate"),
            (r#""300630""#, r#""300631""#, "applicationExpirationDate"),
            (r#""300630""#, "300630", "applicationExpirationDate"),
            (r#""840""#, r#""84""#, "currencyCode"),
            (r#""840""#, "840", "currencyCode"),
            (r#""3DSecure""#, "3", "paymentDataType"),
            (
                r#""5555555555554444""#,
                r#""5555-5555""#,
                "applicationPrimaryAccountNumber",
            ),
            (
                r#""5555555555554444""#,
                r#""""#,
                "applicationPrimaryAccountNumber",
            ),
            (
                r#""5555555555554444""#,
                "5555555555554444",
                "applicationPrimaryAccountNumber",
            ),
            ("1000", "10.5", "transactionAmount"),
            ("1000", "-1", "transactionAmount"),
            ("1000", "1e3", "transactionAmount"),
            ("1000", "null", "transactionAmount"),
            ("1000", r#""10.00""#, "transactionAmount"),
            ("1000", "18446744073709551616", "transactionAmount"),
            (
                r#""+2BjN3ikUupJspp+zvgtGDcKkPw=""#,
                "null",
                "paymentData.onlinePaymentCryptogram",
            ),
            (
                r#""+2BjN3ikUupJspp+zvgtGDcKkPw=""#,
                "7",
                "paymentData.onlinePaymentCryptogram",
            ),
            (r#""7""#, "{}", "paymentData.eciIndicator"),
            (r#""3DSecure""#, r#""EMV""#, "paymentData.emvData"),
        ];
        for (from, to, what) in cases {
            assert_eq!(
                with(from, to).unwrap_err(),
                Error::PaymentData(what),
                "{to}"
            );
        }
        let no_amount = PLAINTEXT.replace("\"transactionAmount\":1000,", "");
        assert_eq!(
            parse(&no_amount).unwrap_err(),
            Error::PaymentData("transactionAmount")
        );
        let no_data = PLAINTEXT.replacen(
            r#""paymentData":{"onlinePaymentCryptogram":"+2BjN3ikUupJspp+zvgtGDcKkPw=","eciIndicator":"7"}"#,
            r#""paymentData":[]"#,
            1,
        );
        assert_eq!(
            parse(&no_data).unwrap_err(),
            Error::PaymentData("paymentData")
        );
        for (list, what) in [
            ("{}", "authenticationResponses"),
            ("[7]", "authenticationResponses"),
            ("[{}]", "authenticationResponses.authenticationData"),
            (
                r#"[{"authenticationData":"A","transactionAmount":"1.5"}]"#,
                "authenticationResponses.transactionAmount",
            ),
        ] {
            let text = PLAINTEXT.replacen(
                "}}",
                &format!(r#"}},"authenticationResponses":{list}}}"#),
                1,
            );
            assert_eq!(
                parse(&text).unwrap_err(),
                Error::PaymentData(what),
                "{list}"
            );
        }
        for whole in ["[]", "", "null", "\"x\"", "{", "\u{ff}"] {
            assert_eq!(
                parse(whole).unwrap_err(),
                Error::PaymentData("payment data"),
                "{whole}"
            );
        }
        assert_eq!(Error::PaymentData("x").kind(), "payment_data");
        assert!(ExpirationDate::parse_yymmdd("270229").is_err());
        assert!(ExpirationDate::parse_yymmdd("280229").is_ok());
    }

    /// `paymentData` is read in the same pass as the rest: what it may be, and what a
    /// repeated field inside it does, depend on the payment data type as before.
    #[test]
    fn nested_payment_data_shapes() {
        const NESTED: &str =
            r#"{"onlinePaymentCryptogram":"+2BjN3ikUupJspp+zvgtGDcKkPw=","eciIndicator":"7"}"#;
        let repeated =
            r#"{"onlinePaymentCryptogram":"AA==","eciIndicator":"7","eciIndicator":"5"}"#;
        let escaped_key = r#"{"onlinePaymentCryptogram":"AA==","x":{"eciIndicator":1}}"#;
        for (value, three_d_secure) in [
            ("null", Err(Error::PaymentData("paymentData"))),
            ("7", Err(Error::PaymentData("paymentData"))),
            (r#""{}""#, Err(Error::PaymentData("paymentData"))),
            (r#"[{"a":1}]"#, Err(Error::PaymentData("paymentData"))),
            (repeated, Err(Error::PaymentData("paymentData"))),
            (
                "{}",
                Err(Error::PaymentData("paymentData.onlinePaymentCryptogram")),
            ),
            (
                r#"{"emvData":null,"onlinePaymentCryptogram":"AA=="}"#,
                Ok(None),
            ),
            (escaped_key, Ok(None)),
        ] {
            let result = with(NESTED, value);
            match three_d_secure {
                Err(e) => assert_eq!(result.unwrap_err(), e, "{value}"),
                Ok(eci) => {
                    let p = result.unwrap();
                    assert_eq!(p.online_payment_cryptogram(), Some("AA=="), "{value}");
                    assert_eq!(p.eci_indicator(), eci, "{value}");
                }
            }
            // An unknown type needs nothing from `paymentData`: every shape is accepted.
            let unknown = PLAINTEXT
                .replacen("3DSecure", "FutureType", 1)
                .replacen(NESTED, value, 1);
            let p = parse(&unknown).unwrap();
            assert_eq!(p.payment_data_type(), PaymentDataType::Unknown, "{value}");
        }
        // The field itself repeated is a refusal of the whole document.
        let twice =
            PLAINTEXT.replacen(r#""paymentData":"#, r#""paymentData":{},"paymentData":"#, 1);
        assert_eq!(
            parse(&twice).unwrap_err(),
            Error::PaymentData("payment data")
        );
    }
}
