//! The merchant's P-384 key for merchant token usage information: generation, import in
//! the formats P-256 keys have, export, and its public key in the forms Apple asks for.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, KeyImportError};
use crate::keys::pem;
use crate::keys::private_key::{ID_EC_PUBLIC_KEY, MAX_KEY_INPUT_LEN, padded_scalar};
use crate::public_key_hash::PublicKeyHash;

/// The named curve P-384 (`secp384r1`).
pub(crate) const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Length of an uncompressed P-384 point in X9.63 form (`04 ‖ x ‖ y`).
pub const P384_POINT_LEN: usize = 97;

/// The DER header of a P-384 `SubjectPublicKeyInfo` holding an uncompressed point.
const P384_SPKI_PREFIX: [u8; 23] = [
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];

/// The merchant's P-384 private key for merchant token usage information: it
/// authenticates what the merchant seals (HPKE auth mode) for a token's P-384 key, and its
/// public half is the `merchantPublicKey` Apple is told.
///
/// Held in memory for now (HPKE's auth mode takes the scalar); the type's fields are
/// private so a key held elsewhere can be added later. Zeroized on drop; `Debug` shows
/// only the public key hash.
pub struct UsageKey {
    scalar: Zeroizing<[u8; 48]>,
    point: [u8; P384_POINT_LEN],
    spki: Vec<u8>,
}

impl UsageKey {
    /// Generates a key from the caller's RNG.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, Error> {
        use p384::elliptic_curve::Generate;
        let secret = p384::SecretKey::generate_from_rng(rng);
        Self::from_scalar(&Zeroizing::new(secret.to_bytes().into()))
    }

    /// Wraps a raw P-384 private scalar (48 bytes, big-endian).
    pub fn from_scalar(scalar: &[u8; 48]) -> Result<Self, Error> {
        use p384::elliptic_curve::sec1::ToSec1Point;
        let secret = p384::SecretKey::from_slice(scalar)
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
        let encoded = secret.public_key().to_sec1_point(false);
        let point: [u8; P384_POINT_LEN] = encoded
            .as_bytes()
            .try_into()
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
        Ok(Self {
            scalar: Zeroizing::new(*scalar),
            point,
            spki: [&P384_SPKI_PREFIX[..], &point[..]].concat(),
        })
    }

    /// Imports a key from PEM or DER, whichever `input` is: SEC1 `EC PRIVATE KEY` (also
    /// after an `EC PARAMETERS` block) or PKCS#8 `PRIVATE KEY` (also among `Bag
    /// Attributes` text), or the DER of either. Inputs over
    /// [`MAX_KEY_INPUT_LEN`](crate::MAX_KEY_INPUT_LEN) are refused first.
    ///
    /// A key on another curve (a P-256 payment processing key, say) or of another
    /// algorithm is [`KeyImportError::UnsupportedAlgorithm`]; other failures are
    /// [`Error::KeyImport`] too.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let scalar = match core::str::from_utf8(input) {
            Ok(text) if pem::is_pem(input) => {
                let block = pem::blocks(text)
                    .find(|b| matches!(b.label, "EC PRIVATE KEY" | "PRIVATE KEY"))
                    .ok_or(Error::KeyImport(KeyImportError::UnrecognizedFormat))?;
                let der = block
                    .decode()
                    .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
                if block.label == "PRIVATE KEY" {
                    pkcs8_scalar(&der)?
                } else {
                    sec1_scalar(&der, None)?
                }
            }
            _ => {
                if pkcs8::PrivateKeyInfoRef::from_der(input).is_ok() {
                    pkcs8_scalar(input)?
                } else if sec1::EcPrivateKey::from_der(input).is_ok() {
                    sec1_scalar(input, None)?
                } else {
                    return Err(Error::KeyImport(KeyImportError::UnrecognizedFormat));
                }
            }
        };
        Self::from_scalar(&scalar)
    }

    /// The private scalar, for the HPKE sender.
    pub(crate) fn scalar(&self) -> &[u8; 48] {
        &self.scalar
    }

    /// The public key as an uncompressed X9.63 point (97 bytes, `04 ‖ x ‖ y`): the form
    /// of `merchantPublicKey`.
    #[must_use]
    pub fn public_key_x963(&self) -> &[u8; P384_POINT_LEN] {
        &self.point
    }

    /// The DER `SubjectPublicKeyInfo` of the public half.
    #[must_use]
    pub fn public_key_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The public key hash, as for every key: SHA-256 of the `SubjectPublicKeyInfo`
    /// (base64 in `Display`).
    #[must_use]
    pub fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(&self.spki)
    }

    /// The key as unencrypted PKCS#8 `PrivateKeyInfo` DER (the SEC1 key with its public
    /// key inside, the curve named outside, as OpenSSL writes it).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        let ec = sec1::EcPrivateKey {
            private_key: &self.scalar[..],
            parameters: None,
            public_key: Some(&self.point[..]),
        };
        let ec_der = Zeroizing::new(ec.to_der().map_err(|_| invalid())?);
        let curve = der::asn1::AnyRef::from(&SECP384R1);
        let info = pkcs8::PrivateKeyInfoRef::new(
            spki::AlgorithmIdentifierRef {
                oid: ID_EC_PUBLIC_KEY,
                parameters: Some(curve),
            },
            der::asn1::OctetStringRef::new(&ec_der).map_err(|_| invalid())?,
        );
        Ok(Zeroizing::new(info.to_der().map_err(|_| invalid())?))
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        pem::to_pem("PRIVATE KEY", &self.to_pkcs8_der()?)
    }

    /// The public half as PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_public_key_pem(&self) -> Result<String, Error> {
        let pem = pem::to_pem("PUBLIC KEY", &self.spki)?;
        Ok(String::from(pem.as_str()))
    }
}

impl fmt::Debug for UsageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageKey")
            .field("public_key_hash", &self.public_key_hash())
            .finish_non_exhaustive()
    }
}

/// The scalar inside a PKCS#8 `PrivateKeyInfo` naming P-384.
fn pkcs8_scalar(der: &[u8]) -> Result<Zeroizing<[u8; 48]>, Error> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
    let curve = info
        .algorithm
        .parameters
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if info.algorithm.oid != ID_EC_PUBLIC_KEY || curve != Some(SECP384R1) {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    sec1_scalar(info.private_key.as_bytes(), Some(SECP384R1))
}

/// The scalar inside a SEC1 `ECPrivateKey` on P-384; `outer_curve` is the curve an
/// enclosing PKCS#8 names. An embedded public key must be the scalar's.
fn sec1_scalar(
    der: &[u8],
    outer_curve: Option<ObjectIdentifier>,
) -> Result<Zeroizing<[u8; 48]>, Error> {
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
    let curve = key.parameters.and_then(|p| p.named_curve()).or(outer_curve);
    if curve != Some(SECP384R1) {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    let scalar = padded_scalar::<48>(key.private_key)?;
    if let Some(public) = key.public_key {
        let ours = UsageKey::from_scalar(&scalar)?;
        if ours.point[..] != *public {
            return Err(Error::KeyImport(KeyImportError::InvalidKey));
        }
    }
    Ok(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use rand::SeedableRng;

    #[test]
    fn generated_keys_round_trip_through_every_format() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(384);
        let key = UsageKey::generate(&mut rng).unwrap();
        assert_eq!(key.public_key_x963()[0], 0x04);
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let sec1 = sec1::EcPrivateKey {
            private_key: &key.scalar[..],
            parameters: Some(sec1::EcParameters::NamedCurve(SECP384R1)),
            public_key: Some(&key.point[..]),
        }
        .to_der()
        .unwrap();
        let sec1_pem = pem::to_pem("EC PRIVATE KEY", &sec1).unwrap();
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n{}",
            sec1_pem.as_str()
        );
        for input in [
            &pkcs8[..],
            pem.as_bytes(),
            &sec1[..],
            sec1_pem.as_bytes(),
            with_params.as_bytes(),
        ] {
            let again = UsageKey::from_pem_or_der(input).unwrap();
            assert_eq!(again.public_key_hash(), key.public_key_hash());
        }
        // The SPKI is what the p384 crate writes.
        use spki::DecodePublicKey;
        let public = p384::PublicKey::from_public_key_der(key.public_key_spki_der()).unwrap();
        use p384::elliptic_curve::sec1::ToSec1Point;
        assert_eq!(
            public.to_sec1_point(false).as_bytes(),
            &key.public_key_x963()[..]
        );
        assert!(
            key.to_public_key_pem()
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
    }

    #[test]
    fn p256_and_rsa_keys_are_refused_and_debug_hides_the_scalar() {
        let p256 = include_bytes!("../../test-vectors/gala-current/merchant_key.pem");
        assert_eq!(
            UsageKey::from_pem_or_der(p256).unwrap_err(),
            Error::KeyImport(KeyImportError::UnsupportedAlgorithm)
        );
        let rsa = include_bytes!("../../test-vectors/onboarding/rsa.pkcs1.pem");
        assert_eq!(
            UsageKey::from_pem_or_der(rsa).unwrap_err(),
            Error::KeyImport(KeyImportError::UnrecognizedFormat)
        );
        assert!(UsageKey::from_pem_or_der(b"junk").is_err());
        let key = UsageKey::from_scalar(&[7; 48]).unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains("0707"), "{debug}");
        assert!(!debug.contains("7, 7"), "{debug}");
        assert!(debug.contains(&key.public_key_hash().to_string()));
    }
}
