//! Computing a [`PublicKeyHash`] from a key: its DER `SubjectPublicKeyInfo`, or a public
//! key in PEM or DER; and reading the base64 form tokens carry.

use base64ct::{Base64, Encoding};
use der::Decode;
use der::asn1::ObjectIdentifier;

use super::MAX_KEY_INPUT_LEN;
use super::pem;
use crate::error::{Error, KeyImportError};
use crate::provider::Provider;
use crate::public_key_hash::PublicKeyHash;

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl PublicKeyHash {
    /// Parses the base64 form used in `header.publicKeyHash`.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let mut out = [0u8; 32];
        match Base64::decode(text.trim(), &mut out) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self::from_bytes(out)),
            _ => Err(Error::Malformed("publicKeyHash")),
        }
    }

    /// Hashes a DER `SubjectPublicKeyInfo`.
    #[must_use]
    pub fn of_spki_der(spki_der: &[u8]) -> Self {
        Self::of_spki_der_with(crate::provider::default_provider(), spki_der)
    }

    /// The hash of a public key given as PEM (`PUBLIC KEY` or `RSA PUBLIC KEY`) or DER
    /// (see [`PublicKeyHash::of_public_key_der`]).
    ///
    /// The typed counterparts for the other inputs are [`crate::PrivateKey::public_key_hash`],
    /// [`crate::Csr::public_key_hash`] and [`crate::MerchantCertificate::public_key_hash`].
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
        Self::from_bytes(provider.sha256(&[spki_der]))
    }
}
