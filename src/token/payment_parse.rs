//! Reading the plaintext's JSON into a [`Payment`]: which fields are strict and which
//! lenient is decided here, field by field (the rules are on [`Payment`]).

use alloc::string::String;
use alloc::vec::Vec;

use alloc::borrow::Cow;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::token::json::any_scalar_is;
use crate::token::json_string::{
    amount, borrowed, is_array, is_object, secret, string, text_in, text_or_number_in,
};
use crate::token::payment::Payment;
use crate::token::payment_fields::{
    AuthenticationResponse, CardArt, CardMetadata, CurrencyCode, ExpirationDate, PaymentDataType,
};

/// Every field as its raw JSON text: types are decided in [`Payment::parse`], and secrets
/// never pass through `serde_json`'s unescaping buffer (see `json_string`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPayment<'a> {
    #[serde(borrow)]
    application_primary_account_number: Option<&'a RawValue>,
    #[serde(borrow)]
    application_expiration_date: Option<&'a RawValue>,
    #[serde(borrow)]
    currency_code: Option<&'a RawValue>,
    #[serde(borrow)]
    transaction_amount: Option<&'a RawValue>,
    #[serde(borrow)]
    cardholder_name: Option<&'a RawValue>,
    #[serde(borrow)]
    device_manufacturer_identifier: Option<&'a RawValue>,
    #[serde(borrow)]
    payment_data_type: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payment_data: Nested<'a>,
    #[serde(borrow)]
    merchant_token_identifier: Option<&'a RawValue>,
    #[serde(borrow)]
    merchant_token_metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    authentication_responses: Option<&'a RawValue>,
}

/// The fields of the nested `paymentData` object.
#[derive(Default)]
struct RawPaymentData<'a> {
    online_payment_cryptogram: Option<&'a RawValue>,
    eci_indicator: Option<&'a RawValue>,
    emv_data: Option<&'a RawValue>,
    encrypted_pin_data: Option<&'a RawValue>,
}

/// `paymentData`, read in the same pass as the rest of the payment (it is most of what
/// follows the card fields) rather than captured raw and parsed again.
#[derive(Default)]
enum Nested<'a> {
    /// Absent or `null`.
    #[default]
    Absent,
    /// An object whose fields could be read.
    Object(RawPaymentData<'a>),
    /// Anything else, or an object repeating one of the four fields.
    Unusable,
}

impl<'a> Nested<'a> {
    /// The object's fields, if it is a usable object.
    fn object(self) -> Option<RawPaymentData<'a>> {
        match self {
            Self::Object(data) => Some(data),
            Self::Absent | Self::Unusable => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Nested<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NestedVisitor)
    }
}

/// Reads [`Nested`]: any JSON value is accepted here; what is unusable is decided by the
/// payment data type.
struct NestedVisitor;

impl<'de> Visitor<'de> for NestedVisitor {
    type Value = Nested<'de>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Nested::Absent)
    }

    any_scalar_is!(Nested::Unusable);

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Nested::Unusable)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Nested::Unusable)
    }

    /// As `#[derive(Deserialize)]` would read the four fields (a `null` value is an absent
    /// field, unknown fields are skipped), except that a repeated field makes the object
    /// unusable instead of failing the whole payment.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = RawPaymentData::default();
        let mut repeated = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let slot = match &*key {
                "onlinePaymentCryptogram" => &mut data.online_payment_cryptogram,
                "eciIndicator" => &mut data.eci_indicator,
                "emvData" => &mut data.emv_data,
                "encryptedPINData" => &mut data.encrypted_pin_data,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let value = map.next_value::<Option<&'de RawValue>>()?;
            repeated |= slot.is_some();
            *slot = value;
        }
        Ok(if repeated {
            Nested::Unusable
        } else {
            Nested::Object(data)
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthenticationResponse<'a> {
    #[serde(borrow)]
    merchant_identifier: Option<&'a RawValue>,
    #[serde(borrow)]
    authentication_data: Option<&'a RawValue>,
    #[serde(borrow)]
    transaction_amount: Option<&'a RawValue>,
}

/// The object `raw` holds, or `None` if it is not a JSON object of that shape.
fn object<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Option<T> {
    if !is_object(raw) {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A required value, interpreted by `read`; absent, `null` or unusable is
/// [`Error::PaymentData`] naming `what`.
fn required<'a, T>(
    raw: Option<&'a RawValue>,
    what: &'static str,
    read: impl FnOnce(&'a RawValue) -> Option<T>,
) -> Result<T, Error> {
    raw.and_then(read).ok_or(Error::PaymentData(what))
}

/// An optional value that must be usable when present: absent or `null` is `None`,
/// anything `read` refuses is [`Error::PaymentData`] naming `what`.
fn checked<'a, T>(
    raw: Option<&'a RawValue>,
    what: &'static str,
    read: impl FnOnce(&'a RawValue) -> Option<T>,
) -> Result<Option<T>, Error> {
    raw.map(|raw| read(raw).ok_or(Error::PaymentData(what)))
        .transpose()
}

impl Payment {
    /// The typed view of `plaintext`, without the plaintext itself.
    pub(crate) fn parse(plaintext: &[u8]) -> Result<Self, Error> {
        const WHOLE: &str = "payment data";
        let text = core::str::from_utf8(plaintext).map_err(|_| Error::PaymentData(WHOLE))?;
        if !text.trim_start().starts_with('{') {
            return Err(Error::PaymentData(WHOLE));
        }
        let raw: RawPayment<'_> =
            serde_json::from_str(text).map_err(|_| Error::PaymentData(WHOLE))?;
        // Strings are kept as ranges of the plaintext where they have no escapes.
        let in_text = |raw| text_in(raw, text);

        let pan = required(
            raw.application_primary_account_number,
            "applicationPrimaryAccountNumber",
            |r| {
                in_text(r).filter(|p| {
                    let pan = p.get(plaintext);
                    !pan.is_empty() && pan.bytes().all(|b| b.is_ascii_digit())
                })
            },
        )?;
        let expiration_date = required(
            raw.application_expiration_date,
            "applicationExpirationDate",
            |r| ExpirationDate::parse_yymmdd(&borrowed(r)?).ok(),
        )?;
        let currency_code = required(raw.currency_code, "currencyCode", |r| {
            CurrencyCode::parse(&borrowed(r)?).ok()
        })?;
        let transaction_amount = required(raw.transaction_amount, "transactionAmount", amount)?;
        let type_name = required(raw.payment_data_type, "paymentDataType", borrowed)?;
        let (payment_data_type, unknown_type_name) = match &*type_name {
            "3DSecure" => (PaymentDataType::ThreeDSecure, None),
            "EMV" => (PaymentDataType::Emv, None),
            _ => (PaymentDataType::Unknown, Some(type_name.into_owned())),
        };

        let data: RawPaymentData<'_> = match payment_data_type {
            PaymentDataType::Unknown => raw.payment_data.object().unwrap_or_default(),
            _ => raw
                .payment_data
                .object()
                .ok_or(Error::PaymentData("paymentData"))?,
        };
        let (online_payment_cryptogram, emv_data) = match payment_data_type {
            PaymentDataType::ThreeDSecure => (
                Some(required(
                    data.online_payment_cryptogram,
                    "paymentData.onlinePaymentCryptogram",
                    in_text,
                )?),
                checked(data.emv_data, "paymentData.emvData", in_text)?,
            ),
            PaymentDataType::Emv => (
                checked(
                    data.online_payment_cryptogram,
                    "paymentData.onlinePaymentCryptogram",
                    in_text,
                )?,
                Some(required(data.emv_data, "paymentData.emvData", in_text)?),
            ),
            PaymentDataType::Unknown => (
                checked(
                    data.online_payment_cryptogram,
                    "paymentData.onlinePaymentCryptogram",
                    in_text,
                )?,
                checked(data.emv_data, "paymentData.emvData", in_text)?,
            ),
        };
        let eci_indicator = checked(data.eci_indicator, "paymentData.eciIndicator", |raw| {
            text_or_number_in(raw, text)
        })?;
        let encrypted_pin_data = checked(
            data.encrypted_pin_data,
            "paymentData.encryptedPINData",
            in_text,
        )?;

        let authentication_responses = match raw.authentication_responses {
            None => Vec::new(),
            Some(list) => Self::parse_authentication_responses(list)?,
        };
        let merchant_token_metadata: Option<serde_json::Value> = raw
            .merchant_token_metadata
            .filter(|r| is_object(r))
            .and_then(|r| serde_json::from_str(r.get()).ok());
        let (card_art, card_metadata) = merchant_token_metadata
            .as_ref()
            .map(Self::merchant_token_parts)
            .unwrap_or_default();

        Ok(Self {
            plaintext: Zeroizing::new(Vec::new()),
            pan,
            expiration_date,
            currency_code,
            transaction_amount,
            cardholder_name: raw.cardholder_name.and_then(in_text),
            device_manufacturer_identifier: raw.device_manufacturer_identifier.and_then(in_text),
            payment_data_type,
            unknown_type_name,
            online_payment_cryptogram,
            eci_indicator,
            emv_data,
            encrypted_pin_data,
            merchant_token_identifier: raw.merchant_token_identifier.and_then(in_text),
            merchant_token_metadata,
            card_art,
            card_metadata,
            authentication_responses,
        })
    }

    /// `authenticationResponses`: an array of objects, each with its cryptogram.
    fn parse_authentication_responses(
        list: &RawValue,
    ) -> Result<Vec<AuthenticationResponse>, Error> {
        const WHAT: &str = "authenticationResponses";
        if !is_array(list) {
            return Err(Error::PaymentData(WHAT));
        }
        let entries: Vec<&RawValue> =
            serde_json::from_str(list.get()).map_err(|_| Error::PaymentData(WHAT))?;
        entries
            .into_iter()
            .map(|entry| {
                let r: RawAuthenticationResponse<'_> =
                    object(entry).ok_or(Error::PaymentData(WHAT))?;
                Ok(AuthenticationResponse {
                    merchant_identifier: r.merchant_identifier.and_then(string),
                    authentication_data: required(
                        r.authentication_data,
                        "authenticationResponses.authenticationData",
                        secret,
                    )?,
                    transaction_amount: checked(
                        r.transaction_amount,
                        "authenticationResponses.transactionAmount",
                        amount,
                    )?,
                })
            })
            .collect()
    }

    /// `cardArt` entries and `cardMetadata` of `merchantTokenMetadata`, leniently: entries
    /// that are not objects and members that are not strings are skipped.
    fn merchant_token_parts(metadata: &serde_json::Value) -> (Vec<CardArt>, Option<CardMetadata>) {
        let text = |v: &serde_json::Value, key: &str| {
            v.get(key)
                .and_then(serde_json::Value::as_str)
                .map(String::from)
        };
        let card_art = metadata
            .get("cardArt")
            .and_then(serde_json::Value::as_array)
            .map(|art| {
                art.iter()
                    .filter(|entry| entry.is_object())
                    .map(|entry| CardArt {
                        name: text(entry, "name"),
                        card_type: text(entry, "type"),
                        url: text(entry, "url"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let card_metadata = metadata
            .get("cardMetadata")
            .and_then(serde_json::Value::as_object)
            .map(|members| {
                let mut entries: Vec<(String, String)> = members
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), String::from(v.as_str()?))))
                    .collect();
                entries.sort();
                CardMetadata { entries }
            });
        (card_art, card_metadata)
    }
}
