//! The decrypted merchant token metadata: the authenticated bytes ([`TokenMetadata`]) and
//! their typed view ([`TokenMetadataFields`]: the MPAN, its expiry, its id).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::token::json_string;
use crate::token::payment_fields::ExpirationDate;

/// The decrypted metadata exactly as Apple encrypted it: the bytes whose AES-GCM tag
/// verified, unchanged (compact JSON such as
/// `{"mpan":"…","expirationDate":"YYMMDD","mpanId":"…"}`).
///
/// [`TokenMetadata::fields`] gives the typed view; when it refuses the plaintext
/// ([`Error::PaymentData`]) the bytes are still here. Zeroized on drop; `Debug` shows only
/// the length.
#[must_use]
pub struct TokenMetadata {
    bytes: Zeroizing<Vec<u8>>,
}

impl TokenMetadata {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self { bytes }
    }

    /// The decrypted bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, still zeroizing.
    #[must_use]
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }

    /// The typed view: `mpan` (12 to 19 digits, a secret), `expirationDate` (`YYMMDD`, a
    /// real date) and the optional `mpanId`; other fields are ignored.
    ///
    /// A plaintext that is not a JSON object, or repeats one of these keys, is
    /// [`Error::PaymentData`]`("metadata")`; a missing or unusable `mpan` or
    /// `expirationDate` names the field; an `mpanId` that is not a string is ignored.
    pub fn fields(&self) -> Result<TokenMetadataFields, Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow, default)]
            mpan: Option<&'a RawValue>,
            #[serde(borrow, default, rename = "expirationDate")]
            expiration_date: Option<&'a RawValue>,
            #[serde(borrow, default, rename = "mpanId")]
            mpan_id: Option<&'a RawValue>,
        }
        // A derived `Deserialize` also reads a struct from an array: only an object here.
        if self.bytes.trim_ascii().first() != Some(&b'{') {
            return Err(Error::PaymentData("metadata"));
        }
        let raw: Raw<'_> =
            serde_json::from_slice(&self.bytes).map_err(|_| Error::PaymentData("metadata"))?;
        let mpan = raw
            .mpan
            .and_then(json_string::secret)
            .filter(|digits| {
                (12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            })
            .ok_or(Error::PaymentData("mpan"))?;
        let expiration_date = raw
            .expiration_date
            .and_then(json_string::borrowed)
            .and_then(|text| ExpirationDate::parse_yymmdd(&text).ok())
            .ok_or(Error::PaymentData("expirationDate"))?;
        Ok(TokenMetadataFields {
            mpan: Mpan(mpan),
            expiration_date,
            mpan_id: raw.mpan_id.and_then(json_string::string),
        })
    }
}

impl AsRef<[u8]> for TokenMetadata {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for TokenMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenMetadata")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The typed view of [`TokenMetadata`].
#[derive(Debug)]
pub struct TokenMetadataFields {
    mpan: Mpan,
    expiration_date: ExpirationDate,
    mpan_id: Option<String>,
}

impl TokenMetadataFields {
    /// The Merchant Primary Account Number (`mpan`).
    #[must_use]
    pub fn mpan(&self) -> &Mpan {
        &self.mpan
    }

    /// The MPAN's expiration date (`expirationDate`).
    #[must_use]
    pub fn expiration_date(&self) -> ExpirationDate {
        self.expiration_date
    }

    /// The MPAN's identifier (`mpanId`), when present.
    #[must_use]
    pub fn mpan_id(&self) -> Option<&str> {
        self.mpan_id.as_deref()
    }
}

/// A Merchant Primary Account Number: 12 to 19 digits, zeroized on drop; `Debug` shows
/// only the last four digits.
pub struct Mpan(Zeroizing<String>);

impl Mpan {
    /// The digits. Handle them as you would a card number.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, to show a user which card this is.
    #[must_use]
    pub fn last_four(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(4)..)
            .unwrap_or_default()
    }
}

impl fmt::Debug for Mpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mpan(\"…{}\")", self.last_four())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn metadata(json: &str) -> TokenMetadata {
        TokenMetadata::new(Zeroizing::new(json.as_bytes().to_vec()))
    }

    #[test]
    fn the_typed_view_reads_the_documented_fields() {
        let m = metadata(
            r#"{"mpan":"5204245250001488","expirationDate":"311231","mpanId":"MPAN-1","x":[1]}"#,
        );
        let fields = m.fields().unwrap();
        assert_eq!(fields.mpan().as_str(), "5204245250001488");
        assert_eq!(fields.mpan().last_four(), "1488");
        assert_eq!(fields.expiration_date().year(), 2031);
        assert_eq!(fields.mpan_id(), Some("MPAN-1"));
        let no_id = metadata(r#"{"mpan":"5204245250001488","expirationDate":"280229"}"#);
        assert_eq!(no_id.fields().unwrap().mpan_id(), None);
    }

    #[test]
    fn the_mpan_is_absent_from_debug() {
        let m = metadata(r#"{"mpan":"5204245250001488","expirationDate":"311231"}"#);
        let fields = m.fields().unwrap();
        for text in [format!("{fields:?}"), format!("{m:?}")] {
            assert!(!text.contains("520424525000"), "{text}");
        }
        assert!(format!("{fields:?}").contains("…1488"));
    }

    #[test]
    fn unusable_fields_are_named_and_the_bytes_stay() {
        for (json, field) in [
            (r#"{"expirationDate":"311231"}"#, "mpan"),
            (r#"{"mpan":"52042452","expirationDate":"311231"}"#, "mpan"),
            (
                r#"{"mpan":"520424525000148A","expirationDate":"311231"}"#,
                "mpan",
            ),
            (
                r#"{"mpan":5204245250001488,"expirationDate":"311231"}"#,
                "mpan",
            ),
            (
                r#"{"mpan":"5204245250001488","expirationDate":"310231"}"#,
                "expirationDate",
            ),
            (r#"{"mpan":"5204245250001488"}"#, "expirationDate"),
            (r#"["mpan"]"#, "metadata"),
            (
                r#"{"mpan":"5204245250001488","mpan":"1","expirationDate":"311231"}"#,
                "metadata",
            ),
        ] {
            let m = metadata(json);
            assert_eq!(m.fields().unwrap_err(), Error::PaymentData(field), "{json}");
            assert_eq!(m.as_bytes(), json.as_bytes());
        }
    }
}
