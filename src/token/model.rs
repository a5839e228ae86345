//! The payment token as JSON: parsing every shape users hold into a [`PaymentToken`].
//!
//! The JSON is read in one borrowed pass (`json.rs`, which also refuses duplicate keys);
//! the binary fields are then decoded into one buffer, so a token is two allocations
//! whatever its shape.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::base64;
use super::envelope::{
    APPLICATION_DATA_LEN, TRANSACTION_ID_LEN, check_ephemeral_key, check_wrapped_key_shape,
};
use super::json::{self, Binary, PaymentDataJson, PaymentDataValue, Scalar};
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
#[derive(Clone)]
pub struct PaymentToken {
    fields: Arc<Fields>,
}

struct Fields {
    version: Version,
    /// Every binary field, back to back in the order they are checked: data, signature,
    /// transaction id, application data, ephemeral public key or wrapped key. All are
    /// decoded except, with `std`, the signature (see [`Signature`]).
    bytes: Vec<u8>,
    data: Span,
    signature: Signature,
    transaction_id: Span,
    application_data: Option<Span>,
    /// The ephemeral public key (`EC_v1`) or the wrapped key (`RSA_v1`).
    key: Span,
    public_key_hash: PublicKeyHash,
    /// The transaction id as lower-case hex (ASCII).
    transaction_id_hex: [u8; 2 * TRANSACTION_ID_LEN],
    transaction_identifier: Option<String>,
}

/// The CMS signature. With `std`, its base64 text is checked when the token is parsed
/// and decoded when first asked for: verification needs it, decryption does not, and it
/// is most of a token. Without `std` (no `OnceLock`) it is decoded when parsed.
struct Signature {
    /// The base64 text (`std`) or the decoding, in [`Fields::bytes`].
    span: Span,
    #[cfg(feature = "std")]
    decoded: std::sync::OnceLock<Vec<u8>>,
}

/// Where a field lies in [`Fields::bytes`].
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

impl Fields {
    fn get(&self, span: Span) -> &[u8] {
        // Spans are made by `Decoder` over this buffer: always in range.
        self.bytes.get(span.start..span.end).unwrap_or_default()
    }
}

impl fmt::Debug for PaymentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentToken")
            .field("version", &self.version())
            .field("data", &self.data())
            .field("signature", &self.signature())
            .field("ephemeral_public_key", &self.ephemeral_public_key())
            .field("wrapped_key", &self.wrapped_key())
            .field("public_key_hash", self.public_key_hash())
            .field("transaction_id", &self.transaction_id())
            .field("application_data", &self.application_data())
            .field("transaction_identifier", &self.transaction_identifier())
            .finish()
    }
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
    /// Unknown fields are ignored, but no object anywhere in the JSON may repeat a key.
    /// Inputs over [`MAX_TOKEN_LEN`] are refused before parsing. A missing, mistyped or
    /// repeated field is [`Error::Malformed`] naming it (a repeated key that is not a
    /// token field names the object holding it); a version other than `EC_v1` or
    /// `RSA_v1` is [`Error::UnsupportedVersion`].
    ///
    /// The fields must have the canonical form that makes the signed content unambiguous
    /// (see [what the signature covers](PaymentToken#what-the-signature-covers)), else
    /// [`Error::Malformed`] names the field: `header.transactionId` of 32 bytes (64 hex
    /// digits, either case), `header.applicationData` absent, empty or of 32 bytes,
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
        let fields = with_json_or_base64(input, "token", |json| {
            let token = json::read_token(json, "token")?;
            let Some(payment_data) = token.payment_data else {
                return Fields::decode(token.bare, None);
            };
            let transaction_identifier = match token.transaction_identifier {
                None | Some(Scalar::Null) => None,
                Some(Scalar::Str(s)) => Some(s.into_owned()),
                Some(Scalar::Other) => return Err(Error::Malformed("transactionIdentifier")),
            };
            match payment_data {
                PaymentDataValue::Object(inner) => Fields::decode(inner, transaction_identifier),
                PaymentDataValue::Str(text) => {
                    with_json_or_base64(text.as_bytes(), "paymentData", |json| {
                        let inner = json::read_payment_data(json, "paymentData")?;
                        Fields::decode(inner, transaction_identifier)
                    })
                }
                PaymentDataValue::Other => Err(Error::Malformed("paymentData")),
            }
        })?;
        Ok(Self {
            fields: Arc::new(fields),
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

    /// The decoded `header.transactionId`: always [`TRANSACTION_ID_LEN`](crate::TRANSACTION_ID_LEN)
    /// (32) bytes.
    #[must_use]
    pub fn transaction_id(&self) -> &[u8] {
        self.fields.get(self.fields.transaction_id)
    }

    /// `header.transactionId` in one canonical form, 64 lower-case hex digits, whatever
    /// case the token used: the key to detect replays on (the signature covers the
    /// decoded bytes, not their spelling).
    #[must_use]
    pub fn transaction_id_hex(&self) -> &str {
        // ASCII by construction.
        core::str::from_utf8(&self.fields.transaction_id_hex).unwrap_or_default()
    }

    /// The decoded `header.applicationData`, if present: always
    /// [`APPLICATION_DATA_LEN`](crate::APPLICATION_DATA_LEN) (32) bytes, a hash the
    /// merchant chose when requesting the payment.
    #[must_use]
    pub fn application_data(&self) -> Option<&[u8]> {
        self.fields
            .application_data
            .map(|span| self.fields.get(span))
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
        self.fields.get(self.fields.data)
    }

    /// The detached CMS `SignedData` (BER or DER), as decoded from `signature`.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        let fields = &*self.fields;
        #[cfg(feature = "std")]
        {
            fields.signature.decoded.get_or_init(|| {
                let text = fields.get(fields.signature.span);
                let mut decoded = Vec::with_capacity(text.len() / 4 * 3);
                // Checked when parsed, so this succeeds; if it did not, the empty
                // signature would fail verification.
                if base64::decode_into(fields.get(fields.signature.span), &mut decoded).is_none() {
                    decoded.clear();
                }
                decoded
            })
        }
        #[cfg(not(feature = "std"))]
        fields.get(fields.signature.span)
    }

    /// `EC_v1`: the ephemeral public key (DER `SubjectPublicKeyInfo`).
    #[must_use]
    pub fn ephemeral_public_key(&self) -> Option<&[u8]> {
        (self.fields.version == Version::EcV1).then(|| self.fields.get(self.fields.key))
    }

    /// `RSA_v1`: the RSA-OAEP wrapped symmetric key.
    #[must_use]
    pub fn wrapped_key(&self) -> Option<&[u8]> {
        (self.fields.version == Version::RsaV1).then(|| self.fields.get(self.fields.key))
    }

    /// The ephemeral public key (`EC_v1`) or the wrapped key (`RSA_v1`).
    pub(crate) fn key_field(&self) -> &[u8] {
        self.fields.get(self.fields.key)
    }

    /// The parts whose concatenation the CMS signature covers, in order:
    /// ephemeral public key or wrapped key, data, transaction id, application data
    /// (`envelope` says why the concatenation is unambiguous).
    #[allow(dead_code, reason = "used by signature verification")]
    pub(crate) fn signed_content(&self) -> [&[u8]; 4] {
        [
            self.fields.get(self.fields.key),
            self.data(),
            self.transaction_id(),
            self.application_data().unwrap_or_default(),
        ]
    }
}

impl Fields {
    /// Checks and decodes the fields of `paymentData`, in a fixed order (the first
    /// problem found is the one reported).
    fn decode(
        json: PaymentDataJson<'_>,
        transaction_identifier: Option<String>,
    ) -> Result<Self, Error> {
        let version = match string(json.version.as_ref(), "version")? {
            "EC_v1" => Version::EcV1,
            "RSA_v1" => Version::RsaV1,
            other => {
                return Err(Error::UnsupportedVersion(other.chars().take(32).collect()));
            }
        };
        let data = binary(json.data.as_ref(), "data")?;
        let signature = binary(json.signature.as_ref(), "signature")?;
        let Some(Some(header)) = json.header else {
            return Err(Error::Malformed("header"));
        };
        let public_key_hash = string(header.public_key_hash.as_ref(), "header.publicKeyHash")?;
        let transaction_id = string(header.transaction_id.as_ref(), "header.transactionId")?;
        let application_data = match &header.application_data {
            None | Some(Scalar::Null) => None,
            Some(Scalar::Str(s)) if s.is_empty() => None,
            Some(other) => Some(string(Some(other), "header.applicationData")?),
        };
        let (key, key_path) = match version {
            Version::EcV1 => (&header.ephemeral_public_key, "header.ephemeralPublicKey"),
            Version::RsaV1 => (&header.wrapped_key, "header.wrappedKey"),
        };
        let key_text = string(key.as_ref(), key_path)?;

        // The signature is kept as text with `std`, decoded without; the hash is decoded
        // here and taken out again.
        let signature_len = if cfg!(feature = "std") {
            signature.len()
        } else {
            signature.len() / 4 * 3
        };
        let mut decoder = Decoder::with_capacity(
            [data.len(), key_text.len(), public_key_hash.len()]
                .iter()
                .map(|len| len / 4 * 3)
                .sum::<usize>()
                + signature_len
                + (transaction_id.len() + application_data.map_or(0, str::len)) / 2,
        );
        // Every field is present and a string: decode them into one buffer, in the same
        // order, so the first bad encoding is the one reported.
        let public_key_hash = decoder.public_key_hash(public_key_hash)?;
        let data = decoder.base64(data, "data")?;
        let signature = Signature {
            #[cfg(feature = "std")]
            span: decoder.base64_text(signature, "signature")?,
            #[cfg(not(feature = "std"))]
            span: decoder.base64(signature, "signature")?,
            #[cfg(feature = "std")]
            decoded: std::sync::OnceLock::new(),
        };
        let transaction_id = decoder.hex(transaction_id, "header.transactionId")?;
        let application_data = application_data
            .map(|text| decoder.hex(text, "header.applicationData"))
            .transpose()?;
        let key = decoder.base64(key_text.as_bytes(), key_path)?;

        // The canonical envelope (`envelope`): fixed lengths and key shapes.
        let bytes = |span: Span| decoder.bytes.get(span.start..span.end).unwrap_or_default();
        let transaction_id_bytes: &[u8; TRANSACTION_ID_LEN] = bytes(transaction_id)
            .try_into()
            .map_err(|_| Error::Malformed("header.transactionId"))?;
        if application_data.is_some_and(|span| bytes(span).len() != APPLICATION_DATA_LEN) {
            return Err(Error::Malformed("header.applicationData"));
        }
        match version {
            Version::EcV1 => check_ephemeral_key(bytes(key))?,
            Version::RsaV1 => check_wrapped_key_shape(bytes(key))?,
        }
        let transaction_id_hex = lower_hex(transaction_id_bytes);
        if let Some(identifier) = &transaction_identifier
            && !identifier
                .as_bytes()
                .eq_ignore_ascii_case(&transaction_id_hex)
        {
            return Err(Error::Malformed("transactionIdentifier"));
        }
        Ok(Self {
            transaction_id_hex,
            version,
            bytes: decoder.bytes,
            data,
            signature,
            transaction_id,
            application_data,
            key,
            public_key_hash,
            transaction_identifier,
        })
    }
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

/// A field that must be a string.
fn string<'s>(value: Option<&'s Scalar<'_>>, what: &'static str) -> Result<&'s str, Error> {
    value.and_then(Scalar::as_str).ok_or(Error::Malformed(what))
}

/// A field that must be a string, as bytes (the base64 fields: the decoder checks them).
fn binary<'s>(value: Option<&'s Binary<'_>>, what: &'static str) -> Result<&'s [u8], Error> {
    value
        .and_then(Binary::as_bytes)
        .ok_or(Error::Malformed(what))
}

/// Runs `f` on `input` if it is JSON (an object), or on its base64 decoding if that is.
fn with_json_or_base64<T>(
    input: &[u8],
    what: &'static str,
    f: impl FnOnce(&[u8]) -> Result<T, Error>,
) -> Result<T, Error> {
    let trimmed = input.trim_ascii();
    if trimmed.first() == Some(&b'{') {
        return f(trimmed);
    }
    let decoded = base64::decode(trimmed).ok_or(Error::Malformed(what))?;
    if decoded.trim_ascii().first() != Some(&b'{') {
        return Err(Error::Malformed(what));
    }
    f(&decoded)
}

/// Decodes the binary fields into one buffer.
struct Decoder {
    bytes: Vec<u8>,
}

impl Decoder {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(capacity),
        }
    }

    /// A non-empty base64 field.
    fn base64(&mut self, text: &[u8], what: &'static str) -> Result<Span, Error> {
        let start = self.bytes.len();
        base64::decode_into(text, &mut self.bytes).ok_or(Error::Malformed(what))?;
        let end = self.bytes.len();
        if end == start {
            return Err(Error::Malformed(what));
        }
        Ok(Span { start, end })
    }

    /// `header.publicKeyHash`: as [`PublicKeyHash::from_base64`], which accepts exactly
    /// what this decoder does, without `base64ct`'s constant-time cost (the hash is public).
    fn public_key_hash(&mut self, text: &str) -> Result<PublicKeyHash, Error> {
        let start = self.bytes.len();
        let decoded = base64::decode_into(text.trim().as_bytes(), &mut self.bytes);
        let hash = self
            .bytes
            .get(start..)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
        self.bytes.truncate(start);
        match (decoded, hash) {
            (Some(()), Some(hash)) => Ok(PublicKeyHash::from_bytes(hash)),
            _ => Err(Error::Malformed("publicKeyHash")),
        }
    }

    /// A non-empty base64 field, checked and kept as text.
    #[cfg(feature = "std")]
    fn base64_text(&mut self, text: &[u8], what: &'static str) -> Result<Span, Error> {
        if text.is_empty() || !base64::is_canonical(text) {
            return Err(Error::Malformed(what));
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(text);
        Ok(Span {
            start,
            end: self.bytes.len(),
        })
    }

    /// A hex field (either case).
    fn hex(&mut self, text: &str, what: &'static str) -> Result<Span, Error> {
        if !text.len().is_multiple_of(2) {
            return Err(Error::Malformed(what));
        }
        let start = self.bytes.len();
        let end = start + text.len() / 2;
        self.bytes.resize(end, 0);
        let out = self.bytes.get_mut(start..).ok_or(Error::Malformed(what))?;
        base16ct::mixed::decode(text, out).map_err(|_| Error::Malformed(what))?;
        Ok(Span { start, end })
    }
}

impl core::str::FromStr for PaymentToken {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_json(s.as_bytes())
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
