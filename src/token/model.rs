//! The payment token as JSON: parsing every shape users hold into a [`PaymentToken`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::public_key_hash::PublicKeyHash;

/// Largest token input accepted, in bytes, checked before any parsing. Apple's tokens are
/// 3–6 KB (the CMS signature with two certificates is most of it).
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// How the symmetric key is delivered: the token's `version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// `EC_v1`: ECDH with an ephemeral P-256 key, AES-256-GCM.
    EcV1,
    /// `RSA_v1`: an RSA-OAEP wrapped key, AES-128-GCM.
    RsaV1,
}

impl Version {
    /// The version string as it appears in tokens.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EcV1 => "EC_v1",
            Self::RsaV1 => "RSA_v1",
        }
    }
}

/// A parsed (not yet verified) Apple Pay payment token.
///
/// Holds the decoded binary fields of `paymentData`. Parsing checks only the shape;
/// [`PaymentToken::verify`] it before trusting anything in it.
///
/// Cloning is cheap: the fields are shared, not copied (verification keeps a clone in the
/// [`crate::VerifiedToken`] it returns).
#[derive(Clone, Debug)]
pub struct PaymentToken {
    fields: Arc<Fields>,
}

#[derive(Debug)]
struct Fields {
    version: Version,
    data: Vec<u8>,
    signature: Vec<u8>,
    ephemeral_public_key: Option<Vec<u8>>,
    wrapped_key: Option<Vec<u8>>,
    public_key_hash: PublicKeyHash,
    transaction_id: Vec<u8>,
    application_data: Option<Vec<u8>>,
    transaction_identifier: Option<String>,
}

impl PaymentToken {
    /// Parses a token from JSON or base64 text, in any shape users hold:
    ///
    /// - the full `PKPaymentToken` object `{"paymentData": …, "paymentMethod": …,
    ///   "transactionIdentifier": …}` (with `paymentData` an object, or a string holding
    ///   its JSON or base64 of its JSON),
    /// - the bare `paymentData` object `{"version", "data", "signature", "header"}`,
    /// - base64 of either.
    ///
    /// Unknown fields are ignored. Inputs over [`MAX_TOKEN_LEN`] are refused before
    /// parsing. A missing or mistyped field is [`Error::Malformed`] naming it; a version
    /// other than `EC_v1` or `RSA_v1` is [`Error::UnsupportedVersion`].
    pub fn from_json(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_TOKEN_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_TOKEN_LEN,
            });
        }
        let value = parse_json_or_base64(input, "token")?;
        let object = value.as_object().ok_or(Error::Malformed("token"))?;
        match object.get("paymentData") {
            Some(payment_data) => {
                let transaction_identifier = match object.get("transactionIdentifier") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => return Err(Error::Malformed("transactionIdentifier")),
                };
                let mut fields = match payment_data {
                    Value::Object(inner) => Self::from_payment_data(inner)?,
                    Value::String(text) => {
                        let inner = parse_json_or_base64(text.as_bytes(), "paymentData")?;
                        Self::from_payment_data(
                            inner.as_object().ok_or(Error::Malformed("paymentData"))?,
                        )?
                    }
                    _ => return Err(Error::Malformed("paymentData")),
                };
                fields.transaction_identifier = transaction_identifier;
                Ok(Self {
                    fields: Arc::new(fields),
                })
            }
            None => Ok(Self {
                fields: Arc::new(Self::from_payment_data(object)?),
            }),
        }
    }

    fn from_payment_data(object: &Map<String, Value>) -> Result<Fields, Error> {
        let version = match string_field(object, "version", "version")? {
            "EC_v1" => Version::EcV1,
            "RSA_v1" => Version::RsaV1,
            other => {
                return Err(Error::UnsupportedVersion(other.chars().take(32).collect()));
            }
        };
        let data = base64_field(object, "data", "data")?;
        let signature = base64_field(object, "signature", "signature")?;
        let header = match object.get("header") {
            Some(Value::Object(h)) => h,
            _ => return Err(Error::Malformed("header")),
        };
        let public_key_hash = PublicKeyHash::from_base64(string_field(
            header,
            "publicKeyHash",
            "header.publicKeyHash",
        )?)?;
        let transaction_id = hex_field(header, "transactionId", "header.transactionId")?;
        let application_data = match header.get("applicationData") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(_) => Some(hex_field(
                header,
                "applicationData",
                "header.applicationData",
            )?),
        };
        let (ephemeral_public_key, wrapped_key) = match version {
            Version::EcV1 => (
                Some(base64_field(
                    header,
                    "ephemeralPublicKey",
                    "header.ephemeralPublicKey",
                )?),
                None,
            ),
            Version::RsaV1 => (
                None,
                Some(base64_field(header, "wrappedKey", "header.wrappedKey")?),
            ),
        };
        Ok(Fields {
            version,
            data,
            signature,
            ephemeral_public_key,
            wrapped_key,
            public_key_hash,
            transaction_id,
            application_data,
            transaction_identifier: None,
        })
    }

    /// The token's version.
    #[must_use]
    pub fn version(&self) -> Version {
        self.fields.version
    }

    /// The hash of the merchant public key the token is encrypted for
    /// (`header.publicKeyHash`).
    #[must_use]
    pub fn public_key_hash(&self) -> &PublicKeyHash {
        &self.fields.public_key_hash
    }

    /// The decoded `header.transactionId`.
    #[must_use]
    pub fn transaction_id(&self) -> &[u8] {
        &self.fields.transaction_id
    }

    /// The decoded `header.applicationData`, if present (a hash the merchant chose when
    /// requesting the payment).
    #[must_use]
    pub fn application_data(&self) -> Option<&[u8]> {
        self.fields.application_data.as_deref()
    }

    /// `transactionIdentifier` of the enclosing `PKPaymentToken`, when that shape was given.
    #[must_use]
    pub fn transaction_identifier(&self) -> Option<&str> {
        self.fields.transaction_identifier.as_deref()
    }

    /// The encrypted payment data, with the 16-byte GCM tag at the end.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.fields.data
    }

    /// The detached CMS `SignedData` (BER or DER), as decoded from `signature`.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.fields.signature
    }

    /// `EC_v1`: the ephemeral public key (DER `SubjectPublicKeyInfo`).
    #[must_use]
    pub fn ephemeral_public_key(&self) -> Option<&[u8]> {
        self.fields.ephemeral_public_key.as_deref()
    }

    /// `RSA_v1`: the RSA-OAEP wrapped symmetric key.
    #[must_use]
    pub fn wrapped_key(&self) -> Option<&[u8]> {
        self.fields.wrapped_key.as_deref()
    }

    /// The parts whose concatenation the CMS signature covers, in order:
    /// ephemeral public key or wrapped key, data, transaction id, application data.
    #[allow(dead_code, reason = "used by signature verification")]
    pub(crate) fn signed_content(&self) -> [&[u8]; 4] {
        let key = self
            .fields
            .ephemeral_public_key
            .as_deref()
            .or(self.fields.wrapped_key.as_deref())
            .unwrap_or_default();
        [
            key,
            &self.fields.data,
            &self.fields.transaction_id,
            self.fields.application_data.as_deref().unwrap_or_default(),
        ]
    }
}

/// Parses JSON, or base64 text whose decoding is JSON.
fn parse_json_or_base64(input: &[u8], what: &'static str) -> Result<Value, Error> {
    let trimmed = input.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        return serde_json::from_slice(trimmed).map_err(|_| Error::Malformed(what));
    }
    let text = core::str::from_utf8(trimmed).map_err(|_| Error::Malformed(what))?;
    let decoded = Base64::decode_vec(text).map_err(|_| Error::Malformed(what))?;
    if decoded.trim_ascii().first() != Some(&b'{') {
        return Err(Error::Malformed(what));
    }
    serde_json::from_slice(&decoded).map_err(|_| Error::Malformed(what))
}

fn string_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    what: &'static str,
) -> Result<&'a str, Error> {
    object
        .get(key)
        .and_then(Value::as_str)
        .ok_or(Error::Malformed(what))
}

fn base64_field(
    object: &Map<String, Value>,
    key: &str,
    what: &'static str,
) -> Result<Vec<u8>, Error> {
    let text = string_field(object, key, what)?;
    let bytes = decode_base64(text).ok_or(Error::Malformed(what))?;
    if bytes.is_empty() {
        return Err(Error::Malformed(what));
    }
    Ok(bytes)
}

/// Standard padded base64, accepting exactly what `base64ct::Base64::decode_vec` accepts
/// (length a multiple of 4, at most two `=` at the end, zero unused bits in the last
/// group) but not constant-time: the token's binary fields (ciphertext, public keys, the
/// CMS signature) are public, and this decoder costs a fifth of the constant-time one,
/// which was most of the time spent parsing a token.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(v))
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|&&c| c == b'=').count();
    if padding > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let mut groups = bytes.chunks_exact(4).peekable();
    while let Some(group) = groups.next() {
        let last = groups.peek().is_none();
        let pad = if last { padding } else { 0 };
        let mut acc = 0u32;
        for &c in group.iter().take(4 - pad) {
            acc = (acc << 6) | sextet(c)?;
        }
        match pad {
            0 => {
                let [_, b1, b2, b3] = acc.to_be_bytes();
                out.extend_from_slice(&[b1, b2, b3]);
            }
            // 18 bits: two bytes and two unused bits, which must be zero.
            1 if acc & 0b11 == 0 => {
                let [_, _, b1, b2] = (acc >> 2).to_be_bytes();
                out.extend_from_slice(&[b1, b2]);
            }
            // 12 bits: one byte and four unused bits, which must be zero.
            2 if acc & 0b1111 == 0 => {
                let [_, _, _, b1] = (acc >> 4).to_be_bytes();
                out.push(b1);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn hex_field(object: &Map<String, Value>, key: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let text = string_field(object, key, what)?;
    base16ct::mixed::decode_vec(text).map_err(|_| Error::Malformed(what))
}

impl core::str::FromStr for PaymentToken {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_json(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

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
            "transactionIdentifier": "ABC"
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
        assert_eq!(parse(&full).unwrap().transaction_identifier(), Some("ABC"));
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
    fn base64_decoder_agrees_with_base64ct() {
        let agree = |text: &str| {
            assert_eq!(
                decode_base64(text),
                Base64::decode_vec(text).ok(),
                "{text:?}"
            );
        };
        // Every 4-character string over symbols that exercise each rule.
        let symbols = ['A', 'B', 'P', 'Q', 'g', 'w', '/', '+', '9', '=', '-', ' '];
        for a in symbols {
            for b in symbols {
                for c in symbols {
                    for d in symbols {
                        agree(&[a, b, c, d].iter().collect::<String>());
                    }
                }
            }
        }
        // Random strings of every length up to 13 over the same symbols and the rest.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let all: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ "
            .chars()
            .collect();
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 14) as usize;
            let text: String = (0..len)
                .map(|i| all[((state >> (i * 4)) as usize + i) % all.len()])
                .collect();
            agree(&text);
        }
        for text in [
            "", "AA==", "AAA=", "AAAA", "AB==", "AAB=", "=AAA", "A===", "====",
        ] {
            agree(text);
        }
        let data: Vec<u8> = (0..=255).collect();
        for len in 0..data.len() {
            agree(&Base64::encode_string(&data[..len]));
        }
    }

    #[test]
    fn signed_content_order() {
        let mut v = gala();
        v["header"]["applicationData"] = Value::from("0a0b");
        let token = parse(&v).unwrap();
        let [key, data, txid, app] = token.signed_content();
        assert_eq!(key, token.ephemeral_public_key().unwrap());
        assert_eq!(data, token.data());
        assert_eq!(txid, token.transaction_id());
        assert_eq!(app, &[0x0a, 0x0b]);
    }
}
