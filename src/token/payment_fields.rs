//! The small typed values of the payment data: expiration date, currency, payment data
//! type, and the parts of merchant tokens and multi-merchant payments.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

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
    /// A value this crate does not know (Apple may add types). The payment is still
    /// returned, with whatever `paymentData` fields it recognises;
    /// [`crate::Payment::payment_data_type_name`] gives the value as sent. Route such
    /// payments to a processor that knows the type, or decline them.
    Unknown,
}

/// One entry of `authenticationResponses`: the authorisation for one merchant of a
/// multi-merchant payment.
///
/// `authenticationData` is a cryptogram: zeroized on drop and redacted from `Debug`.
#[derive(Clone)]
pub struct AuthenticationResponse {
    pub(crate) merchant_identifier: Option<String>,
    pub(crate) authentication_data: Zeroizing<String>,
    pub(crate) transaction_amount: Option<u64>,
}

impl AuthenticationResponse {
    /// `merchantIdentifier`: the sub-merchant, as the coordinating merchant named it, if
    /// given.
    #[must_use]
    pub fn merchant_identifier(&self) -> Option<&str> {
        self.merchant_identifier.as_deref()
    }

    /// `authenticationData`: the payment network's cryptogram for this merchant.
    #[must_use]
    pub fn authentication_data(&self) -> &str {
        &self.authentication_data
    }

    /// `transactionAmount`: the amount authorised for this merchant, in minor units, if
    /// given (Apple documents a string; a JSON number is accepted too).
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

/// One entry of `merchantTokenMetadata.cardArt`: an image of the card the merchant token
/// stands for. Each field is `None` when absent or not a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardArt {
    pub(crate) name: Option<String>,
    pub(crate) card_type: Option<String>,
    pub(crate) url: Option<String>,
}

impl CardArt {
    /// `name`: the bank and card, for display.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `type`: the kind of card art.
    #[must_use]
    pub fn card_type(&self) -> Option<&str> {
        self.card_type.as_deref()
    }

    /// `url`: where to download the image (from the issuing bank).
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// `merchantTokenMetadata.cardMetadata`: data about the card behind a merchant token,
/// such as its expiration date and suffix.
///
/// Apple's public reference describes this object without fixing all its keys, so it is
/// kept as the string-valued members it holds, sorted by key (members of other types are
/// ignored; the plaintext keeps them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardMetadata {
    pub(crate) entries: Vec<(String, String)>,
}

impl CardMetadata {
    /// The value of the string member `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v.as_str())
    }

    /// `expirationDate`, as sent: `MMYYYY` or `DDMMYYYY` according to Apple's developer
    /// support, so it is not parsed.
    #[must_use]
    pub fn expiration_date(&self) -> Option<&str> {
        self.get("expirationDate")
    }

    /// Every string member, sorted by key.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
