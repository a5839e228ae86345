//! `publicKeyHash`: base64 of SHA-256 of a DER `SubjectPublicKeyInfo`.
//!
//! The same value can be computed from every artefact of onboarding — the private key,
//! the public key, the CSR and the certificate Apple returns — which is how they are
//! matched to one another and to tokens. [`PublicKeyHash::from_pem_or_der`] takes any of
//! them.

use core::fmt;

use base64ct::{Base64, Encoding};
use der::Decode;
use der::asn1::ObjectIdentifier;

use crate::csr::Csr;
use crate::error::{Error, KeyImportError};
use crate::key::{MAX_KEY_INPUT_LEN, PrivateKey};
use crate::merchant_cert::MerchantCertificate;
use crate::pem;
use crate::provider::Provider;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

const PRIVATE_KEY_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];

/// The SHA-256 hash of a public key's DER `SubjectPublicKeyInfo`, as found base64-encoded
/// in every token's `header.publicKeyHash`.
///
/// Compares in constant time; `Display` gives the base64 form.
#[derive(Clone, Copy)]
pub struct PublicKeyHash([u8; 32]);

impl PublicKeyHash {
    /// Wraps the 32 raw hash bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 raw hash bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses the base64 form used in `header.publicKeyHash`.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let mut out = [0u8; 32];
        match Base64::decode(text.trim(), &mut out) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self(out)),
            _ => Err(Error::Malformed("publicKeyHash")),
        }
    }

    /// Hashes a DER `SubjectPublicKeyInfo`.
    #[must_use]
    pub fn of_spki_der(spki_der: &[u8]) -> Self {
        Self::of_spki_der_with(crate::provider::default_provider(), spki_der)
    }

    /// The hash of whatever `input` holds, PEM or DER: a private key (any format
    /// [`PrivateKey::from_pem_or_der`] reads), a public key (`PUBLIC KEY` SPKI or PKCS#1
    /// `RSA PUBLIC KEY`), a CSR or a certificate. In PEM, the first block of a known kind
    /// decides.
    ///
    /// Equals `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64`
    /// for keys, and the same over the key in a CSR or certificate. An encrypted private
    /// key is [`KeyImportError::WrongPassword`]: decrypt it with
    /// [`PrivateKey::decrypt_pem_or_der`] and use [`PrivateKey::public_key_hash`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let unrecognized = Error::KeyImport(KeyImportError::UnrecognizedFormat);
        if pem::is_pem(input) {
            let text = core::str::from_utf8(input).map_err(|_| unrecognized.clone())?;
            let block = pem::blocks(text)
                .find(|b| {
                    PRIVATE_KEY_LABELS.contains(&b.label)
                        || matches!(
                            b.label,
                            "PUBLIC KEY"
                                | "RSA PUBLIC KEY"
                                | "CERTIFICATE"
                                | "CERTIFICATE REQUEST"
                                | "NEW CERTIFICATE REQUEST"
                        )
                })
                .ok_or(unrecognized)?;
            return match block.label {
                "CERTIFICATE" => Ok(MerchantCertificate::from_pem_or_der(input)?.public_key_hash()),
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                    Ok(Csr::from_pem_or_der(input)?.public_key_hash())
                }
                "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                    let der = block
                        .decode()
                        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
                    Self::of_public_key_der(&der)
                }
                _ => Ok(PrivateKey::from_pem(text)?.public_key_hash()),
            };
        }
        if let Ok(cert) = MerchantCertificate::from_der(input) {
            return Ok(cert.public_key_hash());
        }
        if let Ok(csr) = Csr::from_der(input) {
            return Ok(csr.public_key_hash());
        }
        match Self::of_public_key_der(input) {
            Ok(hash) => Ok(hash),
            Err(_) => Ok(PrivateKey::from_der(input)?.public_key_hash()),
        }
    }

    /// The hash of a public key given as PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`) or DER
    /// (see [`PublicKeyHash::of_public_key_der`]).
    ///
    /// The typed counterparts for the other inputs are [`PrivateKey::public_key_hash`],
    /// [`Csr::public_key_hash`] and [`MerchantCertificate::public_key_hash`].
    pub fn of_public_key_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        if !pem::is_pem(input) {
            return Self::of_public_key_der(input);
        }
        let text = core::str::from_utf8(input)
            .map_err(|_| Error::KeyImport(KeyImportError::UnrecognizedFormat))?;
        let block = pem::blocks(text)
            .find(|b| matches!(b.label, "PUBLIC KEY" | "RSA PUBLIC KEY"))
            .ok_or(Error::KeyImport(KeyImportError::UnrecognizedFormat))?;
        let der = block
            .decode()
            .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
        Self::of_public_key_der(&der)
    }

    /// The hash of a public key given as DER: a `SubjectPublicKeyInfo`, or a PKCS#1
    /// `RSAPublicKey` (hashed as the SPKI that wraps it, as OpenSSL does).
    pub fn of_public_key_der(der: &[u8]) -> Result<Self, Error> {
        if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok() {
            return Ok(Self::of_spki_der(der));
        }
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        rsa::pkcs1::RsaPublicKeyRef::from_der(der).map_err(|_| invalid())?;
        let spki = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            subject_public_key: der::asn1::BitStringRef::from_bytes(der).map_err(|_| invalid())?,
        };
        let spki_der = der::Encode::to_der(&spki).map_err(|_| invalid())?;
        Ok(Self::of_spki_der(&spki_der))
    }

    /// Hashes a DER `SubjectPublicKeyInfo` with the given provider's SHA-256.
    #[must_use]
    pub fn of_spki_der_with(provider: &dyn Provider, spki_der: &[u8]) -> Self {
        Self(provider.sha256(&[spki_der]))
    }
}

impl PartialEq for PublicKeyHash {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for PublicKeyHash {}

impl fmt::Display for PublicKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 44];
        let text = Base64::encode(&self.0, &mut buf).map_err(|_| fmt::Error)?;
        f.write_str(text)
    }
}

impl fmt::Debug for PublicKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKeyHash({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        let h = PublicKeyHash::from_bytes([7u8; 32]);
        let text = alloc::format!("{h}");
        assert_eq!(PublicKeyHash::from_base64(&text).unwrap(), h);
    }

    #[test]
    fn typed_public_key_and_sniffing_agree() {
        let p256_pem = include_bytes!("../test-vectors/onboarding/p256.pub.pem");
        let p256_der = include_bytes!("../test-vectors/onboarding/p256.pub.der");
        let rsa_pkcs1 = include_bytes!("../test-vectors/onboarding/rsa.pkcs1pub.pem");
        for input in [&p256_pem[..], p256_der, rsa_pkcs1] {
            assert_eq!(
                PublicKeyHash::of_public_key_pem_or_der(input).unwrap(),
                PublicKeyHash::from_pem_or_der(input).unwrap()
            );
        }
        let cert = include_bytes!("../test-vectors/onboarding/pp.pem");
        assert!(PublicKeyHash::of_public_key_pem_or_der(cert).is_err());
        for garbage in [
            &b""[..],
            b"\x30\x00",
            b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(matches!(
                PublicKeyHash::from_pem_or_der(garbage),
                Err(Error::KeyImport(_))
            ));
        }
    }

    #[test]
    fn wrong_length_is_malformed() {
        assert_eq!(
            PublicKeyHash::from_base64("AAAA"),
            Err(Error::Malformed("publicKeyHash"))
        );
        assert_eq!(
            PublicKeyHash::from_base64("not base64!"),
            Err(Error::Malformed("publicKeyHash"))
        );
    }
}
