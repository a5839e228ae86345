//! The payment token as JSON: parsing every shape users hold into a [`PaymentToken`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::public_key_hash::PublicKeyHash;
use crate::token::envelope::{
    APPLICATION_DATA_LEN, TRANSACTION_ID_LEN, check_ephemeral_key, check_wrapped_key_shape,
};

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
///
/// # What the signature covers
///
/// The CMS signature's `messageDigest` is SHA-256 over the unframed concatenation
///
/// ```text
/// ephemeralPublicKey (EC_v1) or wrappedKey (RSA_v1) ‖ data ‖ transactionId ‖ applicationData
/// ```
///
/// of the decoded fields (`applicationData` empty when absent). Nothing in it marks where
/// one field ends, and `version`, `publicKeyHash` and the `PKPaymentToken` wrapper's
/// `transactionIdentifier` are not covered at all. Without further checks, bytes could be
/// moved between `transactionId` and `applicationData` (or between the key field and
/// `data`), either could be emptied, and an `EC_v1` token could be relabelled `RSA_v1`
/// with its ephemeral key and the start of `data` as `wrappedKey`, and still verify.
///
/// # Why the concatenation parses one way
///
/// Every token this crate accepts has:
///
/// - `transactionId` of exactly [`TRANSACTION_ID_LEN`](crate::TRANSACTION_ID_LEN) bytes
///   (64 hex digits) and `applicationData` absent or of exactly
///   [`APPLICATION_DATA_LEN`](crate::APPLICATION_DATA_LEN) bytes: the last 32 or 64 bytes
///   of the signed content are these fields, and which of the two cases applies is in the
///   token, so no byte can move between them or into `data`;
/// - for `EC_v1`, an `ephemeralPublicKey` of exactly
///   [`EPHEMERAL_KEY_LEN`](crate::EPHEMERAL_KEY_LEN) bytes starting with
///   [`P256_SPKI_PREFIX`](crate::P256_SPKI_PREFIX) (the uncompressed P-256
///   `SubjectPublicKeyInfo` Apple sends): the first 91 bytes are the key, the rest up to
///   the fixed-length tail is `data`;
/// - for `RSA_v1`, a `wrappedKey` that does not start like a P-256 `SubjectPublicKeyInfo`
///   (checked when parsing) and is exactly as long as the merchant key's modulus (checked
///   when decrypting, where the key is known, before any RSA operation): the first
///   modulus-length bytes are the key, the rest is `data`.
///
/// The unsigned `version` is pinned by the same checks: the signed content of an `EC_v1`
/// token starts with the 27 bytes of [`P256_SPKI_PREFIX`](crate::P256_SPKI_PREFIX), with
/// which an `RSA_v1` `wrappedKey` may not start; an `RSA_v1` token relabelled `EC_v1`
/// would need its ciphertext to start with them (a chance of 2⁻²¹⁶). The wrapper's
/// `transactionIdentifier` must name the same transaction as the signed
/// `header.transactionId` (compared as hex, ignoring case), and
/// [`PaymentToken::transaction_id_hex`] gives the id in one canonical form (lower case) to
/// key replay detection on. `publicKeyHash` only selects the merchant key: pointing it at
/// another key makes decryption fail.
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
    transaction_id: [u8; TRANSACTION_ID_LEN],
    /// `transaction_id` as lower-case hex (ASCII).
    transaction_id_hex: [u8; 2 * TRANSACTION_ID_LEN],
    application_data: Option<[u8; APPLICATION_DATA_LEN]>,
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
    ///
    /// The fields must have the canonical form that makes the signed content unambiguous
    /// (see [what the signature covers](PaymentToken#what-the-signature-covers)),
    /// else [`Error::Malformed`] names the field: `header.transactionId` of 32 bytes (64
    /// hex digits, either case), `header.applicationData` absent, empty or of 32 bytes,
    /// `EC_v1`'s `header.ephemeralPublicKey` the 91-byte uncompressed P-256
    /// `SubjectPublicKeyInfo`, `RSA_v1`'s `header.wrappedKey` not starting like one, and
    /// the wrapper's `transactionIdentifier`, when given, the same transaction id as
    /// `header.transactionId` (compared ignoring case).
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
                if let Some(identifier) = &transaction_identifier
                    && !identifier
                        .as_bytes()
                        .eq_ignore_ascii_case(&fields.transaction_id_hex)
                {
                    return Err(Error::Malformed("transactionIdentifier"));
                }
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
        let transaction_id: [u8; TRANSACTION_ID_LEN] =
            hex_field(header, "transactionId", "header.transactionId")?;
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
            Version::EcV1 => {
                let key = base64_field(header, "ephemeralPublicKey", "header.ephemeralPublicKey")?;
                check_ephemeral_key(&key)?;
                (Some(key), None)
            }
            Version::RsaV1 => {
                let wrapped = base64_field(header, "wrappedKey", "header.wrappedKey")?;
                check_wrapped_key_shape(&wrapped)?;
                (None, Some(wrapped))
            }
        };
        Ok(Fields {
            version,
            data,
            signature,
            ephemeral_public_key,
            wrapped_key,
            public_key_hash,
            transaction_id_hex: lower_hex(&transaction_id),
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

    /// The decoded `header.transactionId`: always [`TRANSACTION_ID_LEN`] (32) bytes.
    #[must_use]
    pub fn transaction_id(&self) -> &[u8] {
        &self.fields.transaction_id
    }

    /// `header.transactionId` in one canonical form, 64 lower-case hex digits, whatever
    /// case the token used: the key to detect replays on (the signature covers the
    /// decoded bytes, not their spelling).
    #[must_use]
    pub fn transaction_id_hex(&self) -> &str {
        // ASCII by construction.
        core::str::from_utf8(&self.fields.transaction_id_hex).unwrap_or_default()
    }

    /// The decoded `header.applicationData`, if present: always [`APPLICATION_DATA_LEN`]
    /// (32) bytes, a hash the merchant chose when requesting the payment.
    #[must_use]
    pub fn application_data(&self) -> Option<&[u8]> {
        self.fields
            .application_data
            .as_ref()
            .map(<[u8; 32]>::as_slice)
    }

    /// `transactionIdentifier` of the enclosing `PKPaymentToken`, when that shape was given,
    /// as given (Apple writes it in upper case). Parsing checked that it names the same
    /// transaction as the signed `header.transactionId`; prefer
    /// [`PaymentToken::transaction_id_hex`], which is canonical.
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
    /// ephemeral public key or wrapped key, data, transaction id, application data
    /// (`envelope` says why the concatenation is unambiguous).
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
            self.fields
                .application_data
                .as_ref()
                .map_or(&[][..], <[u8; 32]>::as_slice),
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

/// Lower-case hex of the transaction id, without allocating.
fn lower_hex(bytes: &[u8; TRANSACTION_ID_LEN]) -> [u8; 2 * TRANSACTION_ID_LEN] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 2 * TRANSACTION_ID_LEN];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        for (slot, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0x0f]) {
            *slot = DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
        }
    }
    out
}

/// A hex field of exactly `N` bytes (either case).
fn hex_field<const N: usize>(
    object: &Map<String, Value>,
    key: &str,
    what: &'static str,
) -> Result<[u8; N], Error> {
    let text = string_field(object, key, what)?;
    let mut out = [0u8; N];
    match base16ct::mixed::decode(text, &mut out) {
        Ok(decoded) if decoded.len() == N => Ok(out),
        _ => Err(Error::Malformed(what)),
    }
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
        v["header"]["applicationData"] = Value::from("0a0b".repeat(16));
        let token = parse(&v).unwrap();
        let [key, data, txid, app] = token.signed_content();
        assert_eq!(key, token.ephemeral_public_key().unwrap());
        assert_eq!(data, token.data());
        assert_eq!(txid, token.transaction_id());
        assert_eq!(app, [0x0a, 0x0b].repeat(16));
    }
}
