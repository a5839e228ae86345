//! The canonical envelope: what Apple's signature covers, and the checks that make a
//! verified token mean one thing.
//!
//! The rules are documented, with the argument for them, on
//! [`PaymentToken`](crate::PaymentToken#what-the-signature-covers).

use crate::error::Error;

/// Length of `header.transactionId`, in bytes (64 hex digits).
pub const TRANSACTION_ID_LEN: usize = 32;

/// Length of `header.applicationData` when present, in bytes (64 hex digits): a SHA-256
/// hash the merchant chose.
pub const APPLICATION_DATA_LEN: usize = 32;

/// Length of `EC_v1`'s `header.ephemeralPublicKey`, in bytes: the DER
/// `SubjectPublicKeyInfo` of an uncompressed P-256 point.
pub const EPHEMERAL_KEY_LEN: usize = 91;

/// The first 27 bytes of every `EC_v1` `ephemeralPublicKey`: the DER header of a
/// `SubjectPublicKeyInfo` with `id-ecPublicKey`, `prime256v1`, and a 66-byte `BIT STRING`
/// holding an uncompressed point (`04`).
pub const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

/// `EC_v1`: the ephemeral key has the one form Apple sends.
pub(crate) fn check_ephemeral_key(key: &[u8]) -> Result<(), Error> {
    if key.len() == EPHEMERAL_KEY_LEN && key.starts_with(&P256_SPKI_PREFIX) {
        Ok(())
    } else {
        Err(Error::Malformed("header.ephemeralPublicKey"))
    }
}

/// `RSA_v1`: the wrapped key does not start like a P-256 `SubjectPublicKeyInfo` (a
/// relabelled `EC_v1` token; a shorter `wrappedKey` than the prefix is compared over its
/// length).
pub(crate) fn check_wrapped_key_shape(wrapped: &[u8]) -> Result<(), Error> {
    let n = wrapped.len().min(P256_SPKI_PREFIX.len());
    if wrapped.get(..n) == P256_SPKI_PREFIX.get(..n) {
        Err(Error::Malformed("header.wrappedKey"))
    } else {
        Ok(())
    }
}

/// `RSA_v1`, before the RSA operation: the wrapped key is exactly as long as the modulus
/// of the RSA key whose `SubjectPublicKeyInfo` is `spki_der`. A key that is not RSA cannot
/// unwrap it ([`Error::DecryptionFailed`], as the RSA operation itself would report).
/// `what` names the wrapped key's field in the error.
pub(crate) fn check_wrapped_key_len(
    spki_der: &[u8],
    wrapped: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    match rsa_modulus_len(spki_der) {
        Some(len) if len == wrapped.len() => Ok(()),
        Some(_) => Err(Error::Malformed(what)),
        None => Err(Error::DecryptionFailed),
    }
}

/// The byte length of an RSA `SubjectPublicKeyInfo`'s modulus.
fn rsa_modulus_len(spki_der: &[u8]) -> Option<usize> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let key = rsa::pkcs1::RsaPublicKeyRef::from_der(spki.subject_public_key.as_bytes()?).ok()?;
    // `UintRef` holds the value without leading zero bytes.
    Some(key.modulus.as_bytes().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_header_of_a_p256_key() {
        use spki::EncodePublicKey;
        let key = p256::SecretKey::from_slice(&[7; 32]).unwrap();
        let spki = key.public_key().to_public_key_der().unwrap();
        assert_eq!(spki.as_bytes().len(), EPHEMERAL_KEY_LEN);
        assert!(spki.as_bytes().starts_with(&P256_SPKI_PREFIX));
        assert_eq!(check_ephemeral_key(spki.as_bytes()), Ok(()));
        // The key with a byte less or more.
        for bad in [
            &spki.as_bytes()[..90],
            &[spki.as_bytes(), &[0][..]].concat()[..],
        ] {
            assert_eq!(
                check_ephemeral_key(bad),
                Err(Error::Malformed("header.ephemeralPublicKey"))
            );
        }
    }

    #[test]
    fn wrapped_keys_starting_like_an_ephemeral_key_are_refused() {
        let relabelled = [&P256_SPKI_PREFIX[..], &[0x11; 229]].concat();
        for bad in [&relabelled[..], &P256_SPKI_PREFIX[..3], &[0x30][..]] {
            assert_eq!(
                check_wrapped_key_shape(bad),
                Err(Error::Malformed("header.wrappedKey"))
            );
        }
        assert_eq!(check_wrapped_key_shape(&[0x30, 0x58]), Ok(()));
        assert_eq!(check_wrapped_key_shape(&[0x5a; 256]), Ok(()));
    }

    #[test]
    fn wrapped_key_length_is_the_modulus_length() {
        let rsa = crate::PrivateKey::from_pem_or_der(include_bytes!(
            "../../test-vectors/onboarding/rsa.pkcs1.pem"
        ))
        .unwrap();
        let spki = crate::MerchantKey::public_key_spki(&rsa);
        assert_eq!(
            check_wrapped_key_len(spki, &[1; 256], "header.wrappedKey"),
            Ok(())
        );
        for len in [255, 257, 0] {
            assert_eq!(
                check_wrapped_key_len(spki, &vec![1; len], "header.wrappedKey"),
                Err(Error::Malformed("header.wrappedKey"))
            );
        }
        assert_eq!(
            check_wrapped_key_len(&P256_SPKI_PREFIX, &[1; 256], "header.wrappedKey"),
            Err(Error::DecryptionFailed)
        );
    }

    mod parsing {
        use crate::{Error, PaymentToken};
        use serde_json::Value;

        const GALA: &str = include_str!("../../test-vectors/gala-current/token.json");

        fn gala() -> Value {
            serde_json::from_str(GALA).unwrap()
        }

        fn parse(value: &Value) -> Result<PaymentToken, Error> {
            PaymentToken::from_json(value.to_string().as_bytes())
        }

        fn header_with(field: &str, value: impl Into<Value>) -> Value {
            let mut v = gala();
            v["header"][field] = value.into();
            v
        }

        #[test]
        fn transaction_id_and_application_data_have_fixed_lengths() {
            let txid = gala()["header"]["transactionId"]
                .as_str()
                .unwrap()
                .to_owned();
            for bad in ["", "00", &txid[2..], &format!("{txid}00")] {
                assert_eq!(
                    parse(&header_with("transactionId", bad)).unwrap_err(),
                    Error::Malformed("header.transactionId"),
                    "{bad:?}"
                );
            }
            for bad in ["00", &"ab".repeat(31), &"ab".repeat(33)] {
                assert_eq!(
                    parse(&header_with("applicationData", bad)).unwrap_err(),
                    Error::Malformed("header.applicationData"),
                    "{bad:?}"
                );
            }
            for absent in [Value::Null, Value::from("")] {
                let token = parse(&header_with("applicationData", absent)).unwrap();
                assert_eq!(token.application_data(), None);
            }
            let token = parse(&header_with("applicationData", "AB".repeat(32))).unwrap();
            assert_eq!(token.application_data(), Some(&[0xab; 32][..]));
        }

        #[test]
        fn the_transaction_id_has_one_canonical_spelling() {
            let txid = gala()["header"]["transactionId"]
                .as_str()
                .unwrap()
                .to_owned();
            let lower = parse(&gala()).unwrap();
            let upper = parse(&header_with("transactionId", txid.to_uppercase())).unwrap();
            assert_eq!(lower.transaction_id_hex(), txid.to_lowercase());
            assert_eq!(upper.transaction_id_hex(), lower.transaction_id_hex());
            assert_eq!(upper.transaction_id(), lower.transaction_id());
        }

        #[test]
        fn the_wrapper_transaction_identifier_must_agree() {
            let txid = gala()["header"]["transactionId"]
                .as_str()
                .unwrap()
                .to_owned();
            let wrapped = |identifier: Value| {
                serde_json::json!({
                    "paymentData": gala(),
                    "transactionIdentifier": identifier,
                })
            };
            for same in [txid.to_uppercase(), txid.clone()] {
                let token = parse(&wrapped(Value::from(same.clone()))).unwrap();
                assert_eq!(token.transaction_identifier(), Some(same.as_str()));
            }
            assert!(parse(&wrapped(Value::Null)).is_ok());
            let mut other = txid.clone().into_bytes();
            other[0] = if other[0] == b'0' { b'1' } else { b'0' };
            for bad in [
                String::from_utf8(other).unwrap(),
                String::new(),
                "ABC".into(),
            ] {
                assert_eq!(
                    parse(&wrapped(Value::from(bad))).unwrap_err(),
                    Error::Malformed("transactionIdentifier")
                );
            }
        }

        #[test]
        fn key_fields_have_the_canonical_shape() {
            use base64ct::{Base64, Encoding};
            let v = gala();
            let key =
                Base64::decode_vec(v["header"]["ephemeralPublicKey"].as_str().unwrap()).unwrap();
            let data = Base64::decode_vec(v["data"].as_str().unwrap()).unwrap();
            // One byte moved from the data into the key.
            let longer = [&key[..], &data[..1]].concat();
            assert_eq!(
                parse(&header_with(
                    "ephemeralPublicKey",
                    Base64::encode_string(&longer)
                ))
                .unwrap_err(),
                Error::Malformed("header.ephemeralPublicKey")
            );
            // The relabelling: RSA_v1 with the ephemeral key and some data as wrappedKey.
            let mut relabelled = header_with(
                "wrappedKey",
                Base64::encode_string(&[&key[..], &data[..165]].concat()),
            );
            relabelled["version"] = "RSA_v1".into();
            relabelled["data"] = Base64::encode_string(&data[165..]).into();
            assert_eq!(
                parse(&relabelled).unwrap_err(),
                Error::Malformed("header.wrappedKey")
            );
        }
    }
}
