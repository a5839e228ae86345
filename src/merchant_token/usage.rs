//! Merchant token usage information, sealed with HPKE for the token's P-384 key: the
//! `MerchantTokenUsageMetadata` a merchant sends Apple, and the usage-information package
//! its server hands the user's device.
//!
//! Both are HPKE (RFC 9180) in auth mode — DHKEM(P-384, HKDF-SHA384), HKDF-SHA384,
//! AES-256-GCM — to the merchant token's public key, authenticated with the merchant's
//! [`UsageKey`], with `info` = UTF-8 [`USAGE_INFO_LABEL`] ‖ SHA-256(UTF-8
//! `merchantTokenIdentifier`) and an empty AAD. The HPKE steps are the `hpke` crate's
//! (rozbb/rust-hpke); the ephemeral key comes from the caller's RNG.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha384;
use hpke::kem::DhP384HkdfSha384;
use hpke::{Deserializable, Kem as _, OpModeS, Serializable};
use rand_core::CryptoRng;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::keys::usage_key::{P384_POINT_LEN, UsageKey};
use crate::server_api::MAX_TOKEN_IDENTIFIER_LEN;

type Kem = DhP384HkdfSha384;

/// The first part of HPKE's `info`: `ApplePayMerchantTokenUsageInformation_1.0` (UTF-8).
pub const USAGE_INFO_LABEL: &str = "ApplePayMerchantTokenUsageInformation_1.0";

/// The `ciphersuite` field of both documents.
pub const USAGE_CIPHERSUITE: &str = "HPKE_AUTH_P384_SHA384_AES_GCM_256";

/// Longest `webServiceURL` accepted, in bytes.
pub const MAX_WEB_SERVICE_URL_LEN: usize = 2048;

/// Longest `authenticationToken` accepted, in bytes.
pub const MAX_AUTHENTICATION_TOKEN_LEN: usize = 4096;

/// Largest usage-information package sealed, in bytes, checked before any work.
pub const MAX_USAGE_PACKAGE_LEN: usize = 512 * 1024;

/// A merchant token's P-384 public key (from Apple's `publicKey` call): the recipient of
/// the usage information.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenPublicKey {
    point: [u8; P384_POINT_LEN],
}

impl TokenPublicKey {
    /// Reads the key from base64 (surrounding whitespace ignored) of an uncompressed X9.63
    /// point (97 bytes) or of its DER `SubjectPublicKeyInfo`. Anything that is not a
    /// P-384 point on the curve is [`Error::InvalidParameter`]`("token public key")`, as
    /// is text over 1 KiB (refused before decoding).
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        const BAD: Error = Error::InvalidParameter("token public key");
        if text.len() > 1024 {
            return Err(BAD);
        }
        let bytes = Base64::decode_vec(text.trim()).map_err(|_| BAD)?;
        Self::from_bytes(&bytes)
    }

    /// As [`TokenPublicKey::from_base64`], from the decoded bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        const BAD: Error = Error::InvalidParameter("token public key");
        let point = match bytes.len() {
            P384_POINT_LEN => bytes,
            _ => {
                use der::Decode;
                let spki = spki::SubjectPublicKeyInfoRef::from_der(bytes).map_err(|_| BAD)?;
                spki.subject_public_key.as_bytes().ok_or(BAD)?
            }
        };
        let point: [u8; P384_POINT_LEN] = point.try_into().map_err(|_| BAD)?;
        // On the curve and uncompressed, or refused.
        <Kem as hpke::Kem>::PublicKey::from_bytes(&point).map_err(|_| BAD)?;
        Ok(Self { point })
    }

    /// The uncompressed X9.63 point.
    #[must_use]
    pub fn x963(&self) -> &[u8; P384_POINT_LEN] {
        &self.point
    }
}

impl fmt::Debug for TokenPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenPublicKey({})", hex_sha256(&self.point))
    }
}

/// HPKE's `info` for a merchant token: [`USAGE_INFO_LABEL`] ‖ SHA-256(`token_id`).
#[must_use]
pub fn usage_info(token_id: &str) -> Vec<u8> {
    [
        USAGE_INFO_LABEL.as_bytes(),
        &Sha256::digest(token_id.as_bytes())[..],
    ]
    .concat()
}

/// Seals `MerchantTokenUsageMetadata` for Apple: the plaintext
/// `{"webServiceURL":…,"authenticationToken":…}` sealed for `token_key`, as the JSON
/// object `{"ciphersuite", "data", "ephemeralPublicKey", "infoHash", "merchantPublicKey",
/// "merchantTokenPublicKeyHash"}` — `data` (ciphertext and tag), `ephemeralPublicKey`
/// (HPKE's `enc`) and `merchantPublicKey` base64, the keys as uncompressed X9.63 points;
/// `infoHash` the hex SHA-256 of `info`; `merchantTokenPublicKeyHash` the hex SHA-256 of
/// the token key's point.
///
/// `token_id` is the `merchantTokenIdentifier` (1 to
/// [`MAX_TOKEN_IDENTIFIER_LEN`](crate::MAX_TOKEN_IDENTIFIER_LEN) characters, as for Apple's
/// API calls); `web_service_url` must be `https://` (at most [`MAX_WEB_SERVICE_URL_LEN`]
/// bytes, no control characters); `authentication_token` 1 to
/// [`MAX_AUTHENTICATION_TOKEN_LEN`] bytes. Otherwise [`Error::InvalidParameter`] names
/// the argument. The plaintext is built in zeroizing memory.
pub fn seal_usage_metadata<R: CryptoRng + ?Sized>(
    merchant_key: &UsageKey,
    token_key: &TokenPublicKey,
    token_id: &str,
    web_service_url: &str,
    authentication_token: &str,
    rng: &mut R,
) -> Result<String, Error> {
    check_token_id(token_id)?;
    if web_service_url.len() > MAX_WEB_SERVICE_URL_LEN
        || !web_service_url.starts_with("https://")
        || web_service_url.chars().any(char::is_control)
    {
        return Err(Error::InvalidParameter("webServiceURL"));
    }
    if authentication_token.is_empty() || authentication_token.len() > MAX_AUTHENTICATION_TOKEN_LEN
    {
        return Err(Error::InvalidParameter("authenticationToken"));
    }
    // A JSON string is at most six bytes per input byte (`\u00XX`): reserved up front so
    // the secret is never moved by a reallocation.
    let capacity = 64 + 6 * (web_service_url.len() + authentication_token.len());
    let mut plaintext = Zeroizing::new(Vec::with_capacity(capacity));
    plaintext.extend_from_slice(br#"{"webServiceURL":"#);
    push_json_string(&mut plaintext, web_service_url);
    plaintext.extend_from_slice(br#","authenticationToken":"#);
    push_json_string(&mut plaintext, authentication_token);
    plaintext.push(b'}');
    let sealed = seal(merchant_key, token_key, token_id, &plaintext, rng)?;
    let mut doc = sealed.common_fields(token_key);
    doc.insert(
        "merchantPublicKey".into(),
        Base64::encode_string(merchant_key.public_key_x963()).into(),
    );
    to_json(&doc)
}

/// Seals a usage-information package for the user's device: `package` sealed for
/// `token_key`, as the JSON object `{"ciphersuite", "data", "ephemeralPublicKey",
/// "infoHash", "merchantPublicKeyHash", "merchantTokenPublicKeyHash"}` (encodings as in
/// [`seal_usage_metadata`]; `merchantPublicKeyHash` the hex SHA-256 of the merchant key's
/// uncompressed point).
///
/// A package over [`MAX_USAGE_PACKAGE_LEN`] is [`Error::InputTooLarge`]; a bad `token_id`
/// [`Error::InvalidParameter`].
pub fn seal_usage_package<R: CryptoRng + ?Sized>(
    merchant_key: &UsageKey,
    token_key: &TokenPublicKey,
    token_id: &str,
    package: &[u8],
    rng: &mut R,
) -> Result<String, Error> {
    if package.len() > MAX_USAGE_PACKAGE_LEN {
        return Err(Error::InputTooLarge {
            limit: MAX_USAGE_PACKAGE_LEN,
        });
    }
    check_token_id(token_id)?;
    let sealed = seal(merchant_key, token_key, token_id, package, rng)?;
    let mut doc = sealed.common_fields(token_key);
    doc.insert(
        "merchantPublicKeyHash".into(),
        hex_sha256(merchant_key.public_key_x963()).into(),
    );
    to_json(&doc)
}

fn check_token_id(token_id: &str) -> Result<(), Error> {
    let length = token_id.chars().count();
    if length == 0 || length > MAX_TOKEN_IDENTIFIER_LEN {
        return Err(Error::InvalidParameter("merchantTokenIdentifier"));
    }
    Ok(())
}

/// HPKE's output and the `info` it was made with.
struct Sealed {
    enc: Vec<u8>,
    ciphertext: Vec<u8>,
    info: Vec<u8>,
}

impl Sealed {
    /// The fields both documents share.
    fn common_fields(&self, token_key: &TokenPublicKey) -> Map<String, Value> {
        let mut doc = Map::new();
        doc.insert("ciphersuite".into(), USAGE_CIPHERSUITE.into());
        doc.insert(
            "data".into(),
            Base64::encode_string(&self.ciphertext).into(),
        );
        doc.insert(
            "ephemeralPublicKey".into(),
            Base64::encode_string(&self.enc).into(),
        );
        doc.insert("infoHash".into(), hex_sha256(&self.info).into());
        doc.insert(
            "merchantTokenPublicKeyHash".into(),
            hex_sha256(token_key.x963()).into(),
        );
        doc
    }
}

/// HPKE auth mode, single shot, empty AAD.
fn seal<R: CryptoRng + ?Sized>(
    merchant_key: &UsageKey,
    token_key: &TokenPublicKey,
    token_id: &str,
    plaintext: &[u8],
    mut rng: &mut R,
) -> Result<Sealed, Error> {
    let sender = <Kem as hpke::Kem>::PrivateKey::from_bytes(merchant_key.scalar())
        .map_err(|_| Error::InvalidParameter("merchant key"))?;
    let sender_public = Kem::sk_to_pk(&sender);
    let recipient = <Kem as hpke::Kem>::PublicKey::from_bytes(token_key.x963())
        .map_err(|_| Error::InvalidParameter("token public key"))?;
    let info = usage_info(token_id);
    let (enc, ciphertext) = hpke::single_shot_seal_with_rng::<AesGcm256, HkdfSha384, Kem>(
        &OpModeS::Auth((sender, sender_public)),
        &recipient,
        &info,
        plaintext,
        &[],
        &mut rng,
    )
    .map_err(|_| Error::InvalidParameter("usage information"))?;
    Ok(Sealed {
        enc: enc.to_bytes().to_vec(),
        ciphertext,
        info,
    })
}

/// Appends `text` to `out` as a JSON string literal: `"` and `\\` escaped, control
/// characters as `\u00XX`, everything else as is (UTF-8). Writes into `out`'s capacity
/// only, so a caller that reserved six bytes per byte of `text` (plus two) never
/// reallocates.
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &byte in text.as_bytes() {
        match byte {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
            0x00..=0x1f => {
                let hex = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(byte >> 4), hex(byte & 0xf)]);
            }
            _ => out.push(byte),
        }
    }
    out.push(b'"');
}

fn hex_sha256(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(&Sha256::digest(bytes))
}

fn to_json(doc: &Map<String, Value>) -> Result<String, Error> {
    serde_json::to_string(doc).map_err(|_| Error::InvalidParameter("usage information"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hpke::OpModeR;
    use rand::SeedableRng;

    /// Opens what [`seal`] made, with the `hpke` crate's receiver: the round trip.
    fn open(
        doc: &Value,
        recipient: &[u8; 48],
        sender: &[u8; P384_POINT_LEN],
        token_id: &str,
    ) -> Result<Vec<u8>, hpke::HpkeError> {
        let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(recipient).unwrap();
        let pk_s = <Kem as hpke::Kem>::PublicKey::from_bytes(sender).unwrap();
        let enc = Base64::decode_vec(doc["ephemeralPublicKey"].as_str().unwrap()).unwrap();
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc).unwrap();
        let ct = Base64::decode_vec(doc["data"].as_str().unwrap()).unwrap();
        hpke::single_shot_open::<AesGcm256, HkdfSha384, Kem>(
            &OpModeR::Auth(pk_s),
            &sk,
            &enc,
            &usage_info(token_id),
            &ct,
            &[],
        )
    }

    fn keys() -> (UsageKey, [u8; 48], TokenPublicKey) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let merchant = UsageKey::generate(&mut rng).unwrap();
        let token_secret = [0x42; 48];
        let token = UsageKey::from_scalar(&token_secret).unwrap();
        let token_key =
            TokenPublicKey::from_base64(&Base64::encode_string(token.public_key_x963())).unwrap();
        (merchant, token_secret, token_key)
    }

    #[test]
    fn usage_metadata_opens_with_the_documented_info() {
        let (merchant, token_secret, token_key) = keys();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let json = seal_usage_metadata(
            &merchant,
            &token_key,
            "DNITHE302312345678901234",
            "https://merchant.example/usage",
            "tok\"en",
            &mut rng,
        )
        .unwrap();
        let doc: Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "ciphersuite",
                "data",
                "ephemeralPublicKey",
                "infoHash",
                "merchantPublicKey",
                "merchantTokenPublicKeyHash"
            ]
        );
        assert_eq!(doc["ciphersuite"], USAGE_CIPHERSUITE);
        assert_eq!(
            Base64::decode_vec(doc["merchantPublicKey"].as_str().unwrap()).unwrap(),
            merchant.public_key_x963()
        );
        assert_eq!(
            Base64::decode_vec(doc["ephemeralPublicKey"].as_str().unwrap())
                .unwrap()
                .len(),
            97
        );
        let info = [
            &b"ApplePayMerchantTokenUsageInformation_1.0"[..],
            &Sha256::digest(b"DNITHE302312345678901234"),
        ]
        .concat();
        assert_eq!(doc["infoHash"], hex_sha256(&info));
        assert_eq!(
            doc["merchantTokenPublicKeyHash"],
            hex_sha256(token_key.x963())
        );
        let plaintext = open(
            &doc,
            &token_secret,
            merchant.public_key_x963(),
            "DNITHE302312345678901234",
        )
        .unwrap();
        assert_eq!(
            plaintext,
            br#"{"webServiceURL":"https://merchant.example/usage","authenticationToken":"tok\"en"}"#
        );
    }

    #[test]
    fn usage_package_opens_and_binds_the_token_id() {
        let (merchant, token_secret, token_key) = keys();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let json = seal_usage_package(&merchant, &token_key, "id-1", b"\x00package\xff", &mut rng)
            .unwrap();
        let doc: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            doc["merchantPublicKeyHash"],
            hex_sha256(merchant.public_key_x963())
        );
        assert!(doc.get("merchantPublicKey").is_none());
        assert_eq!(
            open(&doc, &token_secret, merchant.public_key_x963(), "id-1").unwrap(),
            b"\x00package\xff"
        );
        // Another token id is another info: the receiver refuses it. So does a receiver
        // expecting another sender (auth mode binds the merchant's key).
        assert!(open(&doc, &token_secret, merchant.public_key_x963(), "id-2").is_err());
        let other = UsageKey::from_scalar(&[9; 48]).unwrap();
        assert!(open(&doc, &token_secret, other.public_key_x963(), "id-1").is_err());
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_reads_them() {
        for text in [
            "plain",
            "quote\" back\\slash",
            "tab\tnl\n\u{1}\u{1f}",
            "é/✓",
        ] {
            let mut out = Vec::with_capacity(2 + 6 * text.len());
            let capacity = out.capacity();
            push_json_string(&mut out, text);
            assert_eq!(out.capacity(), capacity, "{text:?}");
            assert_eq!(serde_json::from_slice::<String>(&out).unwrap(), text);
        }
    }

    #[test]
    fn bad_arguments_are_named() {
        let (merchant, _, token_key) = keys();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let meta = |id: &str, url: &str, auth: &str| {
            seal_usage_metadata(
                &merchant,
                &token_key,
                id,
                url,
                auth,
                &mut rand::rngs::StdRng::seed_from_u64(3),
            )
            .unwrap_err()
        };
        assert_eq!(
            meta("", "https://a", "t"),
            Error::InvalidParameter("merchantTokenIdentifier")
        );
        assert_eq!(
            meta("i", "http://a", "t"),
            Error::InvalidParameter("webServiceURL")
        );
        assert_eq!(
            meta("i", "https://a\n", "t"),
            Error::InvalidParameter("webServiceURL")
        );
        assert_eq!(
            meta("i", "https://a", ""),
            Error::InvalidParameter("authenticationToken")
        );
        assert_eq!(
            seal_usage_package(
                &merchant,
                &token_key,
                "i",
                &vec![0; MAX_USAGE_PACKAGE_LEN + 1],
                &mut rng
            )
            .unwrap_err(),
            Error::InputTooLarge {
                limit: MAX_USAGE_PACKAGE_LEN
            }
        );
        // Not a P-384 point: a P-256 one, a point off the curve, a compressed one, junk.
        let p256 = crate::PrivateKey::from_pem_or_der(include_bytes!(
            "../../test-vectors/gala-current/merchant_key.pem"
        ))
        .unwrap();
        let mut off_curve = *token_key.x963();
        off_curve[96] ^= 1;
        for bad in [
            Base64::encode_string(p256.public_key_spki_der()),
            Base64::encode_string(&off_curve),
            Base64::encode_string(&token_key.x963()[..49]),
            "not base64".into(),
        ] {
            assert_eq!(
                TokenPublicKey::from_base64(&bad).unwrap_err(),
                Error::InvalidParameter("token public key")
            );
        }
        // The SPKI form of a P-384 key is accepted too.
        let spki = Base64::encode_string(merchant.public_key_spki_der());
        assert_eq!(
            TokenPublicKey::from_base64(&spki).unwrap().x963(),
            merchant.public_key_x963()
        );
    }
}
