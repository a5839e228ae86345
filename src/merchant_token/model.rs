//! Merchant token event metadata as JSON: parsing `encryptedTokenMetadata` into an
//! [`EncryptedTokenMetadata`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::public_key_hash::PublicKeyHash;
use crate::token::base64;
use crate::token::decrypt::Sealed;
use crate::token::envelope::{check_ephemeral_key, check_wrapped_key_shape};
use crate::token::json::is_json_without_duplicate_keys;
use crate::token::model::Version;

/// Largest event or metadata input accepted, in bytes, checked before any parsing.
/// Apple's event responses are a few kilobytes (the CMS signature with two certificates
/// is most of the metadata).
pub const MAX_METADATA_LEN: usize = 64 * 1024;

/// The encrypted, signed metadata of a merchant token (`encryptedTokenMetadata` of
/// Apple's `MerchantTokenEventResponse`): the new MPAN and its expiry, encrypted to a
/// Payment Processing key like a payment token.
///
/// Parsed, not yet verified: [`EncryptedTokenMetadata::verify`] it before trusting
/// anything in it.
///
/// # What the signature covers
///
/// The detached CMS signature's `messageDigest` is SHA-256 over
///
/// ```text
/// ephemeralPublicKey (EC_v1) or wrappedKey (RSA_v1) ‖ data
/// ```
///
/// — no transaction id, no application data, no `version` (the key field present names
/// the scheme). The concatenation parses one way because, as for payment tokens, an
/// `EC_v1` `ephemeralPublicKey` must be the 91-byte uncompressed P-256
/// `SubjectPublicKeyInfo` ([`P256_SPKI_PREFIX`](crate::P256_SPKI_PREFIX)), an `RSA_v1`
/// `wrappedKey` must not start like one and must be exactly as long as the RSA key's
/// modulus (checked when decrypting, before the RSA operation). `publicKeyHash` is not
/// signed; it only selects the key.
#[derive(Clone)]
pub struct EncryptedTokenMetadata {
    fields: Arc<Fields>,
}

struct Fields {
    version: Version,
    data: Vec<u8>,
    /// The ephemeral public key (`EC_v1`) or the wrapped key (`RSA_v1`).
    key: Vec<u8>,
    signature: Vec<u8>,
    public_key_hash: PublicKeyHash,
}

impl fmt::Debug for EncryptedTokenMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedTokenMetadata")
            .field("version", &self.version())
            .field("data_len", &self.data().len())
            .field("signature_len", &self.signature().len())
            .field("public_key_hash", self.public_key_hash())
            .finish_non_exhaustive()
    }
}

/// Where the metadata sits inside a whole `MerchantTokenEventResponse`.
const EVENT_PATH: &str = "merchantTokenMetadata.encryptedTokenMetadata";

impl EncryptedTokenMetadata {
    /// Parses the metadata from JSON: the `EncryptedTokenMetadata` object itself
    /// (`{"data", "ephemeralPublicKey" | "wrappedKey", "publicKeyHash", "signature"}`, all
    /// base64), or the whole event response holding it at
    /// `merchantTokenMetadata.encryptedTokenMetadata`.
    ///
    /// Inputs over [`MAX_METADATA_LEN`] are refused before parsing
    /// ([`Error::InputTooLarge`]). As for payment tokens, unknown fields are ignored but no
    /// object anywhere may repeat a key. Everything else wrong is [`Error::Malformed`]
    /// naming the field: not JSON or a repeated key (`metadata`), no object at the event
    /// path (`merchantTokenMetadata.encryptedTokenMetadata`), a `header` field (a payment
    /// token, not metadata: `header`), a missing, mistyped, empty or badly encoded field,
    /// both key fields or neither (`ephemeralPublicKey`), a key field not of the canonical
    /// shape (`ephemeralPublicKey`, `wrappedKey`).
    pub fn from_json(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_METADATA_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_METADATA_LEN,
            });
        }
        let input = input.trim_ascii();
        if input.first() != Some(&b'{') || !is_json_without_duplicate_keys(input) {
            return Err(Error::Malformed("metadata"));
        }
        // Read into a `Value` after the duplicate-key check: the metadata is a handful of
        // fields read once per event (not per payment), so the token's borrowed one-pass
        // reader is not worth a second copy here; the check keeps its strictness.
        let value: Map<String, Value> =
            serde_json::from_slice(input).map_err(|_| Error::Malformed("metadata"))?;
        let object = match value.get("merchantTokenMetadata") {
            Some(outer) => outer
                .get("encryptedTokenMetadata")
                .and_then(Value::as_object)
                .ok_or(Error::Malformed(EVENT_PATH))?,
            None => &value,
        };
        Ok(Self {
            fields: Arc::new(Fields::decode(object)?),
        })
    }

    /// How the symmetric key is delivered: `EC_v1` when the metadata carries an
    /// `ephemeralPublicKey`, `RSA_v1` when it carries a `wrappedKey`.
    #[must_use]
    pub fn version(&self) -> Version {
        self.fields.version
    }

    /// The hash of the merchant public key the metadata is encrypted for
    /// (`publicKeyHash`, not signed).
    #[must_use]
    pub fn public_key_hash(&self) -> &PublicKeyHash {
        &self.fields.public_key_hash
    }

    /// The encrypted metadata, with the 16-byte GCM tag at the end.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.fields.data
    }

    /// The detached CMS `SignedData` (BER or DER).
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.fields.signature
    }

    /// `EC_v1`: the ephemeral public key (DER `SubjectPublicKeyInfo`).
    #[must_use]
    pub fn ephemeral_public_key(&self) -> Option<&[u8]> {
        (self.fields.version == Version::EcV1).then_some(self.fields.key.as_slice())
    }

    /// `RSA_v1`: the RSA-OAEP wrapped symmetric key.
    #[must_use]
    pub fn wrapped_key(&self) -> Option<&[u8]> {
        (self.fields.version == Version::RsaV1).then_some(self.fields.key.as_slice())
    }

    /// The parts whose concatenation the CMS signature covers, in order: the key field,
    /// then the data.
    pub(crate) fn signed_content(&self) -> [&[u8]; 2] {
        [&self.fields.key, &self.fields.data]
    }

    /// The envelope decryption opens.
    pub(crate) fn sealed(&self) -> Sealed<'_> {
        Sealed {
            version: self.fields.version,
            key: &self.fields.key,
            data: &self.fields.data,
            key_path: match self.fields.version {
                Version::EcV1 => "ephemeralPublicKey",
                Version::RsaV1 => "wrappedKey",
            },
        }
    }
}

impl Fields {
    /// Checks and decodes the fields, in a fixed order (the first problem found is the one
    /// reported).
    fn decode(object: &Map<String, Value>) -> Result<Self, Error> {
        if object.contains_key("header") {
            return Err(Error::Malformed("header"));
        }
        let text = |name: &'static str| -> Result<&str, Error> {
            object
                .get(name)
                .and_then(Value::as_str)
                .ok_or(Error::Malformed(name))
        };
        let binary = |name: &'static str| -> Result<Vec<u8>, Error> {
            match base64::decode(text(name)?.as_bytes()) {
                Some(bytes) if !bytes.is_empty() => Ok(bytes),
                _ => Err(Error::Malformed(name)),
            }
        };
        let data = binary("data")?;
        let signature = binary("signature")?;
        let public_key_hash = PublicKeyHash::from_base64(text("publicKeyHash")?)?;
        let (version, key) = match (
            object.contains_key("ephemeralPublicKey"),
            object.contains_key("wrappedKey"),
        ) {
            (true, false) => {
                let key = binary("ephemeralPublicKey")?;
                check_ephemeral_key(&key).map_err(|_| Error::Malformed("ephemeralPublicKey"))?;
                (Version::EcV1, key)
            }
            (false, true) => {
                let key = binary("wrappedKey")?;
                check_wrapped_key_shape(&key).map_err(|_| Error::Malformed("wrappedKey"))?;
                (Version::RsaV1, key)
            }
            _ => return Err(Error::Malformed("ephemeralPublicKey")),
        };
        Ok(Self {
            version,
            data,
            key,
            signature,
            public_key_hash,
        })
    }
}

impl core::str::FromStr for EncryptedTokenMetadata {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_json(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64, Encoding};
    use serde_json::json;

    fn ec() -> Value {
        let key = [
            &crate::P256_SPKI_PREFIX[..],
            &[0x11; crate::EPHEMERAL_KEY_LEN - crate::P256_SPKI_PREFIX.len()],
        ]
        .concat();
        json!({
            "data": "AAECAwQFBgcICQoLDA0ODxAREhM=",
            "ephemeralPublicKey": Base64::encode_string(&key),
            "publicKeyHash": "LbsUwAT6w1JV9tFXocU813TCHks+LSuFF0R/eBkrWnQ=",
            "signature": "MIAGCSqGSIb3DQEHAqCAMIACAQE=",
        })
    }

    fn parse(value: &Value) -> Result<EncryptedTokenMetadata, Error> {
        EncryptedTokenMetadata::from_json(value.to_string().as_bytes())
    }

    #[test]
    fn bare_and_inside_the_event_parse_alike() {
        let bare = parse(&ec()).unwrap();
        let event = json!({
            "merchantTokenMetadata": {"encryptedTokenMetadata": ec(), "cardArt": []},
            "eventType": "METADATA_UPDATED",
        });
        let inside = parse(&event).unwrap();
        assert_eq!(bare.version(), Version::EcV1);
        assert_eq!(bare.signed_content(), inside.signed_content());
        assert_eq!(bare.signature(), inside.signature());
        assert_eq!(bare.data().len(), 20);
        assert!(bare.wrapped_key().is_none());
    }

    #[test]
    fn each_fault_names_its_field() {
        let with = |field: &str, value: Value| {
            let mut v = ec();
            v[field] = value;
            parse(&v).unwrap_err()
        };
        assert_eq!(with("data", json!(1)), Error::Malformed("data"));
        assert_eq!(with("data", json!("")), Error::Malformed("data"));
        assert_eq!(
            with("signature", json!("@@")),
            Error::Malformed("signature")
        );
        assert_eq!(
            with("publicKeyHash", json!("AAAA")),
            Error::Malformed("publicKeyHash")
        );
        assert_eq!(
            with("ephemeralPublicKey", json!("AAAA")),
            Error::Malformed("ephemeralPublicKey")
        );
        assert_eq!(
            with("wrappedKey", json!("AAAA")),
            Error::Malformed("ephemeralPublicKey")
        );
        assert_eq!(with("header", json!({})), Error::Malformed("header"));
        let mut none = ec();
        none.as_object_mut().unwrap().remove("ephemeralPublicKey");
        assert_eq!(
            parse(&none).unwrap_err(),
            Error::Malformed("ephemeralPublicKey")
        );
        // An RSA_v1 wrapped key that starts like an ephemeral key: a relabelled EC_v1.
        let mut relabelled = none.clone();
        let key = ec()["ephemeralPublicKey"].clone();
        relabelled["wrappedKey"] = key;
        assert_eq!(
            parse(&relabelled).unwrap_err(),
            Error::Malformed("wrappedKey")
        );
        relabelled["wrappedKey"] = json!(Base64::encode_string(&[0x5a; 256]));
        assert_eq!(parse(&relabelled).unwrap().version(), Version::RsaV1);
        assert_eq!(
            parse(&json!({"merchantTokenMetadata": {"encryptedTokenMetadata": "x"}})).unwrap_err(),
            Error::Malformed(EVENT_PATH)
        );
    }

    #[test]
    fn duplicates_non_json_and_oversize_are_refused() {
        let text = ec().to_string();
        let duplicated = text.replacen('{', r#"{"data":"AAAA","#, 1);
        assert_eq!(
            EncryptedTokenMetadata::from_json(duplicated.as_bytes()).unwrap_err(),
            Error::Malformed("metadata")
        );
        let nested = json!({"x": 1, "merchantTokenMetadata": {"encryptedTokenMetadata": ec()}})
            .to_string()
            .replacen(r#""x":1"#, r#""x":1,"x":2"#, 1);
        assert_eq!(
            EncryptedTokenMetadata::from_json(nested.as_bytes()).unwrap_err(),
            Error::Malformed("metadata")
        );
        for bad in [&b""[..], b"[]", b"{", b"null", b"{} {}"] {
            assert_eq!(
                EncryptedTokenMetadata::from_json(bad).unwrap_err(),
                Error::Malformed("metadata")
            );
        }
        let big = vec![b' '; MAX_METADATA_LEN + 1];
        assert_eq!(
            EncryptedTokenMetadata::from_json(&big).unwrap_err(),
            Error::InputTooLarge {
                limit: MAX_METADATA_LEN
            }
        );
    }
}
