//! Certificates Apple issues to merchants: reading the Payment Processing certificate.

use alloc::vec::Vec;

use der::asn1::{ObjectIdentifier, Utf8StringRef};
use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::error::{Error, KeyImportError};
use crate::key_hash::PublicKeyHash;
use crate::merchant_id::MerchantIdHash;
use crate::pem;

/// Largest certificate input accepted, in bytes (PEM chains included).
pub const MAX_CERT_INPUT_LEN: usize = 64 * 1024;

/// Extension holding the hex SHA-256 of the merchant identifier (Payment Processing
/// certificate).
pub const OID_MERCHANT_ID_HASH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.32");

/// A merchant certificate issued by Apple (for now: what decryption needs from a Payment
/// Processing certificate).
#[derive(Clone, Debug)]
pub struct MerchantCertificate {
    cert: Certificate,
    spki_der: Vec<u8>,
    merchant_id_hash: Option<MerchantIdHash>,
}

impl MerchantCertificate {
    /// Parses a certificate from PEM (the first `CERTIFICATE` block of a chain) or DER.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_CERT_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_CERT_INPUT_LEN,
            });
        }
        if !pem::is_pem(input) {
            return Self::from_der(input);
        }
        let text = core::str::from_utf8(input)
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidCertificate))?;
        let block = pem::blocks(text)
            .find(|b| b.label == "CERTIFICATE")
            .ok_or(Error::KeyImport(KeyImportError::InvalidCertificate))?;
        let der = block
            .decode()
            .ok_or(Error::KeyImport(KeyImportError::InvalidCertificate))?;
        Self::from_der(&der)
    }

    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let invalid = Error::KeyImport(KeyImportError::InvalidCertificate);
        let cert = Certificate::from_der(der).map_err(|_| invalid.clone())?;
        let spki_der = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|_| invalid.clone())?;
        let merchant_id_hash = match find_extension(&cert, OID_MERCHANT_ID_HASH) {
            None => None,
            Some(value) => {
                let text = Utf8StringRef::from_der(value).map_err(|_| invalid.clone())?;
                Some(MerchantIdHash::from_hex(text.as_str()).map_err(|_| invalid)?)
            }
        };
        Ok(Self {
            cert,
            spki_der,
            merchant_id_hash,
        })
    }

    /// The merchant id hash from extension `1.2.840.113635.100.6.32`, if present (it is in
    /// every Payment Processing certificate).
    #[must_use]
    pub fn merchant_id_hash(&self) -> Option<MerchantIdHash> {
        self.merchant_id_hash
    }

    /// The DER `SubjectPublicKeyInfo` of the certified key.
    #[must_use]
    pub fn public_key_spki(&self) -> &[u8] {
        &self.spki_der
    }

    /// The hash of the certified public key (what tokens carry in `header.publicKeyHash`).
    #[must_use]
    pub fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(&self.spki_der)
    }

    /// The parsed certificate.
    #[must_use]
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}

/// The raw `extnValue` contents of the extension `oid`, if the certificate has it.
pub(crate) fn find_extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|ext| ext.extn_id == oid)
        .map(|ext| ext.extn_value.as_bytes())
}
