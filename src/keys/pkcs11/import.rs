//! An existing key as PKCS#11 objects: the templates [`super::Pkcs11Module::import_key`]
//! creates in the token.
//!
//! The private key object is a token object, private, sensitive and never extractable,
//! allowed what a merchant key needs: sign (CSRs, TLS) and derive (P-256, `EC_v1` ECDH) or
//! decrypt (RSA, `RSA_v1` unwrap). Its public key object carries the same `CKA_ID` and
//! label, so [`super::Pkcs11Module::open_key`] finds it (and checks it belongs).

use alloc::vec::Vec;

use cryptoki::object::{Attribute, KeyType, ObjectClass};
use der::{Decode, Encode};
use zeroize::Zeroize;

use super::{P256_CURVE_DER, pkcs11_error};
use crate::error::{Error, KeyImportError, Pkcs11Error};
use crate::keys::private_key::{ID_EC_PUBLIC_KEY, PrivateKey};
use crate::provider::{KeyAlgorithm, MerchantKey};
use crate::public_key_hash::PublicKeyHash;

const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The two objects of one key pair, before they are created. The private template's
/// secret values are zeroized on drop (`cryptoki`'s attributes are plain `Vec`s).
pub(super) struct KeyObjects {
    pub(super) private: Vec<Attribute>,
    pub(super) public: Vec<Attribute>,
}

impl Drop for KeyObjects {
    fn drop(&mut self) {
        for attribute in &mut self.private {
            match attribute {
                Attribute::Value(v)
                | Attribute::PrivateExponent(v)
                | Attribute::Prime1(v)
                | Attribute::Prime2(v)
                | Attribute::Exponent1(v)
                | Attribute::Exponent2(v)
                | Attribute::Coefficient(v) => v.zeroize(),
                _ => {}
            }
        }
    }
}

/// The `CKA_ID` an imported key gets when its URI has no `id=`: the 32 bytes of its public
/// key hash (SHA-256 of the DER `SubjectPublicKeyInfo`), the hash tokens name it by.
pub(super) fn default_id(key: &PrivateKey) -> Vec<u8> {
    PublicKeyHash::of_spki_der(key.public_key_spki())
        .as_bytes()
        .to_vec()
}

/// The objects for `key`, named by `names` (`CKA_LABEL`, `CKA_ID`).
pub(super) fn key_objects(key: &PrivateKey, names: &[Attribute]) -> Result<KeyObjects, Error> {
    let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
    let info = pkcs8::PrivateKeyInfoRef::from_der(&key.pkcs8).map_err(|_| invalid())?;
    let mut objects = KeyObjects {
        private: alloc::vec![
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ],
        public: alloc::vec![
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
        ],
    };
    objects.private.extend(names.iter().cloned());
    objects.public.extend(names.iter().cloned());
    let oid = info.algorithm.oid;
    match key.algorithm() {
        KeyAlgorithm::P256 if oid == ID_EC_PUBLIC_KEY => {
            let ec =
                sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(|_| invalid())?;
            // SEC1 fixes 32 bytes; some encoders strip leading zeros, PKCS#11 wants 32.
            let mut scalar = alloc::vec![0u8; 32];
            let offset = 32usize
                .checked_sub(ec.private_key.len())
                .ok_or_else(invalid)?;
            scalar
                .get_mut(offset..)
                .ok_or_else(invalid)?
                .copy_from_slice(ec.private_key);
            objects.private.extend([
                Attribute::KeyType(KeyType::EC),
                Attribute::Derive(true),
                Attribute::EcParams(P256_CURVE_DER.to_vec()),
                Attribute::Value(scalar),
            ]);
            let spki = spki::SubjectPublicKeyInfoRef::from_der(key.public_key_spki())
                .map_err(|_| invalid())?;
            // CKA_EC_POINT is the DER OCTET STRING of the uncompressed point.
            let point = der::asn1::OctetStringRef::new(spki.subject_public_key.raw_bytes())
                .and_then(|o| o.to_der())
                .map_err(|_| invalid())?;
            objects.public.extend([
                Attribute::KeyType(KeyType::EC),
                Attribute::EcParams(P256_CURVE_DER.to_vec()),
                Attribute::EcPoint(point),
            ]);
        }
        KeyAlgorithm::Rsa if oid == RSA_ENCRYPTION => {
            let rsa = rsa::pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                .map_err(|_| invalid())?;
            if rsa.other_prime_infos.is_some() {
                return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
            }
            let int = |u: der::asn1::UintRef<'_>| u.as_bytes().to_vec();
            objects.private.extend([
                Attribute::KeyType(KeyType::RSA),
                Attribute::Decrypt(true),
                Attribute::Modulus(int(rsa.modulus)),
                Attribute::PublicExponent(int(rsa.public_exponent)),
                Attribute::PrivateExponent(int(rsa.private_exponent)),
                Attribute::Prime1(int(rsa.prime1)),
                Attribute::Prime2(int(rsa.prime2)),
                Attribute::Exponent1(int(rsa.exponent1)),
                Attribute::Exponent2(int(rsa.exponent2)),
                Attribute::Coefficient(int(rsa.coefficient)),
            ]);
            objects.public.extend([
                Attribute::KeyType(KeyType::RSA),
                Attribute::Encrypt(true),
                Attribute::Modulus(int(rsa.modulus)),
                Attribute::PublicExponent(int(rsa.public_exponent)),
            ]);
        }
        _ => return Err(pkcs11_error(Pkcs11Error::WrongKeyType)),
    }
    Ok(objects)
}
