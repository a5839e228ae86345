//! The decrypted payment data: a typed view of the plaintext, secrets zeroized.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::Error;

/// The card's expiration date, from `applicationExpirationDate` (`YYMMDD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpirationDate {
    year: u16,
    month: u8,
    day: u8,
}

impl ExpirationDate {
    /// Parses `YYMMDD` (years 2000–2099), checking that the date exists.
    pub fn parse_yymmdd(text: &str) -> Result<Self, Error> {
        const WHAT: &str = "applicationExpirationDate";
        let digits: [u8; 6] = text
            .as_bytes()
            .try_into()
            .map_err(|_| Error::Malformed(WHAT))?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(Error::Malformed(WHAT));
        }
        let [y1, y2, m1, m2, d1, d2] = digits.map(|d| d - b'0');
        let year = 2000 + u16::from(y1 * 10 + y2);
        let (month, day) = (m1 * 10 + m2, d1 * 10 + d2);
        if !(1..=12).contains(&month) {
            return Err(Error::Malformed(WHAT));
        }
        let days_in_month = crate::time::days_in_month(u64::from(year), u64::from(month));
        if day == 0 || u64::from(day) > days_in_month {
            return Err(Error::Malformed(WHAT));
        }
        Ok(Self { year, month, day })
    }

    /// The four-digit year.
    #[must_use]
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    #[must_use]
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month (usually its last day).
    #[must_use]
    pub fn day(&self) -> u8 {
        self.day
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for ExpirationDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An ISO 4217 numeric currency code such as `840` (US dollar), from `currencyCode`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    /// Parses three ASCII digits.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let digits: [u8; 3] = text
            .as_bytes()
            .try_into()
            .map_err(|_| Error::Malformed("currencyCode"))?;
        if digits.iter().all(u8::is_ascii_digit) {
            Ok(Self(digits))
        } else {
            Err(Error::Malformed("currencyCode"))
        }
    }

    /// The three digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ASCII digits, checked in `parse`.
        core::str::from_utf8(&self.0).unwrap_or("000")
    }

    /// The code as a number (`840`).
    #[must_use]
    pub fn numeric(&self) -> u16 {
        self.0
            .iter()
            .fold(0, |acc, d| acc * 10 + u16::from(d - b'0'))
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CurrencyCode({})", self.as_str())
    }
}

/// What kind of card data the token carries (`paymentDataType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentDataType {
    /// `3DSecure`: an online payment cryptogram and optional ECI indicator.
    ThreeDSecure,
    /// `EMV`: EMV data and encrypted PIN data (regions that use EMV for in-app payments).
    Emv,
}

/// One entry of `authenticationResponses` (multi-merchant payments).
#[derive(Clone)]
pub struct AuthenticationResponse {
    merchant_identifier: Option<String>,
    authentication_data: Zeroizing<String>,
    transaction_amount: Option<u64>,
}

impl AuthenticationResponse {
    /// The merchant this authentication is for, if given.
    #[must_use]
    pub fn merchant_identifier(&self) -> Option<&str> {
        self.merchant_identifier.as_deref()
    }

    /// The authentication data (a cryptogram, base64).
    #[must_use]
    pub fn authentication_data(&self) -> &str {
        &self.authentication_data
    }

    /// The amount authorised for this merchant, in minor units, if given.
    #[must_use]
    pub fn transaction_amount(&self) -> Option<u64> {
        self.transaction_amount
    }
}

impl fmt::Debug for AuthenticationResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationResponse")
            .field("merchant_identifier", &self.merchant_identifier)
            .field("authentication_data", &"<redacted>")
            .field("transaction_amount", &self.transaction_amount)
            .finish()
    }
}

/// Decrypted payment data.
///
/// The account number, cryptogram, EMV data, cardholder name and the plaintext itself are
/// zeroized on drop, and `Debug` shows at most the last four digits of the account number.
pub struct Payment {
    plaintext: Zeroizing<Vec<u8>>,
    pan: Zeroizing<String>,
    expiration_date: ExpirationDate,
    currency_code: CurrencyCode,
    transaction_amount: u64,
    cardholder_name: Option<Zeroizing<String>>,
    device_manufacturer_identifier: String,
    payment_data_type: PaymentDataType,
    online_payment_cryptogram: Option<Zeroizing<String>>,
    eci_indicator: Option<String>,
    emv_data: Option<Zeroizing<String>>,
    encrypted_pin_data: Option<Zeroizing<String>>,
    merchant_token_identifier: Option<String>,
    merchant_token_metadata: Option<serde_json::Value>,
    authentication_responses: Vec<AuthenticationResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPayment<'a> {
    #[serde(borrow)]
    application_primary_account_number: Option<Cow<'a, str>>,
    #[serde(borrow)]
    application_expiration_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    currency_code: Option<Cow<'a, str>>,
    transaction_amount: Option<u64>,
    #[serde(borrow)]
    cardholder_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device_manufacturer_identifier: Option<Cow<'a, str>>,
    #[serde(borrow)]
    payment_data_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    payment_data: Option<RawPaymentData<'a>>,
    #[serde(borrow)]
    merchant_token_identifier: Option<Cow<'a, str>>,
    merchant_token_metadata: Option<serde_json::Value>,
    #[serde(borrow, default)]
    authentication_responses: Vec<RawAuthenticationResponse<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPaymentData<'a> {
    #[serde(borrow)]
    online_payment_cryptogram: Option<Cow<'a, str>>,
    #[serde(borrow)]
    eci_indicator: Option<Cow<'a, str>>,
    #[serde(borrow)]
    emv_data: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "encryptedPINData")]
    encrypted_pin_data: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthenticationResponse<'a> {
    #[serde(borrow)]
    merchant_identifier: Option<Cow<'a, str>>,
    #[serde(borrow)]
    authentication_data: Option<Cow<'a, str>>,
    transaction_amount: Option<u64>,
}

/// Moves a possibly-borrowed string into zeroizing storage. An owned `Cow` (the JSON had
/// escapes) is moved, not copied, so no unzeroized copy is left behind.
fn secret(text: Cow<'_, str>) -> Zeroizing<String> {
    Zeroizing::new(text.into_owned())
}

fn required<T>(value: Option<T>, what: &'static str) -> Result<T, Error> {
    value.ok_or(Error::Malformed(what))
}

impl Payment {
    /// Parses decrypted plaintext. Takes ownership so the bytes are zeroized with the
    /// `Payment`.
    pub fn from_plaintext(plaintext: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        let mut payment = Self::parse(&plaintext)?;
        payment.plaintext = plaintext;
        Ok(payment)
    }

    fn parse(plaintext: &[u8]) -> Result<Self, Error> {
        let raw: RawPayment<'_> =
            serde_json::from_slice(plaintext).map_err(|_| Error::Malformed("payment data"))?;
        let pan = secret(required(
            raw.application_primary_account_number,
            "applicationPrimaryAccountNumber",
        )?);
        if pan.is_empty() || !pan.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Malformed("applicationPrimaryAccountNumber"));
        }
        let expiration_date = ExpirationDate::parse_yymmdd(&required(
            raw.application_expiration_date,
            "applicationExpirationDate",
        )?)?;
        let currency_code = CurrencyCode::parse(&required(raw.currency_code, "currencyCode")?)?;
        let transaction_amount = required(raw.transaction_amount, "transactionAmount")?;
        let device_manufacturer_identifier = required(
            raw.device_manufacturer_identifier,
            "deviceManufacturerIdentifier",
        )?
        .into_owned();
        let payment_data_type = match &*required(raw.payment_data_type, "paymentDataType")? {
            "3DSecure" => PaymentDataType::ThreeDSecure,
            "EMV" => PaymentDataType::Emv,
            _ => return Err(Error::Malformed("paymentDataType")),
        };
        let data = required(raw.payment_data, "paymentData")?;
        let online_payment_cryptogram = data.online_payment_cryptogram.map(secret);
        let emv_data = data.emv_data.map(secret);
        match payment_data_type {
            PaymentDataType::ThreeDSecure if online_payment_cryptogram.is_none() => {
                return Err(Error::Malformed("paymentData.onlinePaymentCryptogram"));
            }
            PaymentDataType::Emv if emv_data.is_none() => {
                return Err(Error::Malformed("paymentData.emvData"));
            }
            _ => {}
        }
        let authentication_responses = raw
            .authentication_responses
            .into_iter()
            .map(|r| {
                Ok(AuthenticationResponse {
                    merchant_identifier: r.merchant_identifier.map(Cow::into_owned),
                    authentication_data: secret(required(
                        r.authentication_data,
                        "authenticationResponses.authenticationData",
                    )?),
                    transaction_amount: r.transaction_amount,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Self {
            plaintext: Zeroizing::new(Vec::new()),
            pan,
            expiration_date,
            currency_code,
            transaction_amount,
            cardholder_name: raw.cardholder_name.map(secret),
            device_manufacturer_identifier,
            payment_data_type,
            online_payment_cryptogram,
            eci_indicator: data.eci_indicator.map(Cow::into_owned),
            emv_data,
            encrypted_pin_data: data.encrypted_pin_data.map(secret),
            merchant_token_identifier: raw.merchant_token_identifier.map(Cow::into_owned),
            merchant_token_metadata: raw.merchant_token_metadata,
            authentication_responses,
        })
    }

    /// The exact decrypted bytes (compact JSON), for fields this crate does not model.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The device-specific or merchant-specific account number (`applicationPrimaryAccountNumber`).
    #[must_use]
    pub fn application_primary_account_number(&self) -> &str {
        &self.pan
    }

    /// The last four digits of the account number (fewer if it is shorter).
    #[must_use]
    pub fn pan_last_four(&self) -> &str {
        let pan: &str = &self.pan;
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

    /// `transactionAmount`, in minor units of the currency (cents for USD).
    #[must_use]
    pub fn transaction_amount(&self) -> u64 {
        self.transaction_amount
    }

    /// `cardholderName`, if present.
    #[must_use]
    pub fn cardholder_name(&self) -> Option<&str> {
        self.cardholder_name.as_deref().map(String::as_str)
    }

    /// `deviceManufacturerIdentifier`.
    #[must_use]
    pub fn device_manufacturer_identifier(&self) -> &str {
        &self.device_manufacturer_identifier
    }

    /// `paymentDataType`.
    #[must_use]
    pub fn payment_data_type(&self) -> PaymentDataType {
        self.payment_data_type
    }

    /// `paymentData.onlinePaymentCryptogram` (always present for `3DSecure`).
    #[must_use]
    pub fn online_payment_cryptogram(&self) -> Option<&str> {
        self.online_payment_cryptogram
            .as_deref()
            .map(String::as_str)
    }

    /// `paymentData.eciIndicator`, if present (not all networks send one).
    #[must_use]
    pub fn eci_indicator(&self) -> Option<&str> {
        self.eci_indicator.as_deref()
    }

    /// `paymentData.emvData` (always present for `EMV`).
    #[must_use]
    pub fn emv_data(&self) -> Option<&str> {
        self.emv_data.as_deref().map(String::as_str)
    }

    /// `paymentData.encryptedPINData`, if present.
    #[must_use]
    pub fn encrypted_pin_data(&self) -> Option<&str> {
        self.encrypted_pin_data.as_deref().map(String::as_str)
    }

    /// `merchantTokenIdentifier`, for merchant tokens (recurring and automatic-reload payments).
    #[must_use]
    pub fn merchant_token_identifier(&self) -> Option<&str> {
        self.merchant_token_identifier.as_deref()
    }

    /// `merchantTokenMetadata`, as JSON.
    #[must_use]
    pub fn merchant_token_metadata(&self) -> Option<&serde_json::Value> {
        self.merchant_token_metadata.as_ref()
    }

    /// `authenticationResponses` (multi-merchant payments); empty when absent.
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
            .field("payment_data_type", &self.payment_data_type)
            .field("eci_indicator", &self.eci_indicator)
            .field("merchant_token_identifier", &self.merchant_token_identifier)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const PLAINTEXT: &str = r#"{"applicationPrimaryAccountNumber":"5555555555554444","applicationExpirationDate":"300630","currencyCode":"840","transactionAmount":1000,"cardholderName":"Jane Appleseed","deviceManufacturerIdentifier":"040010030273","paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"+2BjN3ikUupJspp+zvgtGDcKkPw=","eciIndicator":"7"}}"#;

    fn parse(text: &str) -> Result<Payment, Error> {
        Payment::from_plaintext(Zeroizing::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn typed_fields() {
        let p = parse(PLAINTEXT).unwrap();
        assert_eq!(p.application_primary_account_number(), "5555555555554444");
        assert_eq!(p.expiration_date().to_string(), "2030-06-30");
        assert_eq!(p.currency_code().numeric(), 840);
        assert_eq!(p.transaction_amount(), 1000);
        assert_eq!(p.cardholder_name(), Some("Jane Appleseed"));
        assert_eq!(p.payment_data_type(), PaymentDataType::ThreeDSecure);
        assert_eq!(
            p.online_payment_cryptogram(),
            Some("+2BjN3ikUupJspp+zvgtGDcKkPw=")
        );
        assert_eq!(p.eci_indicator(), Some("7"));
        assert_eq!(p.plaintext(), PLAINTEXT.as_bytes());
    }

    #[test]
    fn debug_redacts_secrets() {
        let p = parse(PLAINTEXT).unwrap();
        let debug = format!("{p:?}");
        assert!(debug.contains("4444"), "{debug}");
        assert!(!debug.contains("555555555555"), "{debug}");
        assert!(!debug.contains("+2BjN3ik"), "{debug}");
        assert!(!debug.contains("Appleseed"), "{debug}");
    }

    #[test]
    fn escaped_slashes_are_unescaped() {
        let escaped = PLAINTEXT.replace("+2BjN3ikUupJspp+zvgtGDcKkPw=", r"a\/b");
        assert_eq!(
            parse(&escaped).unwrap().online_payment_cryptogram(),
            Some("a/b")
        );
    }

    #[test]
    fn emv_and_merchant_tokens() {
        let text = r#"{"applicationPrimaryAccountNumber":"4111111111111111","applicationExpirationDate":"281130","currencyCode":"156","transactionAmount":12345,"deviceManufacturerIdentifier":"x","paymentDataType":"EMV","paymentData":{"emvData":"9F26...","encryptedPINData":"AB"},"merchantTokenIdentifier":"DNITHE1","merchantTokenMetadata":{"cardArt":[]},"authenticationResponses":[{"merchantIdentifier":"m","authenticationData":"AAA=","transactionAmount":5}]}"#;
        let p = parse(text).unwrap();
        assert_eq!(p.payment_data_type(), PaymentDataType::Emv);
        assert_eq!(p.emv_data(), Some("9F26..."));
        assert_eq!(p.encrypted_pin_data(), Some("AB"));
        assert_eq!(p.merchant_token_identifier(), Some("DNITHE1"));
        assert!(p.merchant_token_metadata().is_some());
        assert_eq!(
            p.authentication_responses()[0].transaction_amount(),
            Some(5)
        );
    }

    #[test]
    fn bad_fields_name_themselves() {
        let cases = [
            ("\"300630\"", "\"301330\"", "applicationExpirationDate"),
            ("\"300630\"", "\"300631\"", "applicationExpirationDate"),
            ("\"840\"", "\"84\"", "currencyCode"),
            ("\"3DSecure\"", "\"Card\"", "paymentDataType"),
            (
                "\"5555555555554444\"",
                "\"5555-5555\"",
                "applicationPrimaryAccountNumber",
            ),
        ];
        for (from, to, what) in cases {
            let text = PLAINTEXT.replacen(from, to, 1);
            assert_eq!(parse(&text).unwrap_err(), Error::Malformed(what), "{to}");
        }
        let no_amount = PLAINTEXT.replace("\"transactionAmount\":1000,", "");
        assert_eq!(
            parse(&no_amount).unwrap_err(),
            Error::Malformed("transactionAmount")
        );
        let float_amount = PLAINTEXT.replace("1000", "10.5");
        assert_eq!(
            parse(&float_amount).unwrap_err(),
            Error::Malformed("payment data")
        );
        assert_eq!(parse("[]").unwrap_err(), Error::Malformed("payment data"));
        assert!(ExpirationDate::parse_yymmdd("270229").is_err());
        assert!(ExpirationDate::parse_yymmdd("280229").is_ok());
    }
}
