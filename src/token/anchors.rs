//! Trust anchors: the roots a token's intermediate must be issued by — Apple Root CA - G3,
//! embedded, unless the caller replaces it — and Apple's marker extensions.

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::error::Error;
use crate::keys::content::not_a_certificate;
use crate::keys::pem;

/// Apple Root CA - G3 (DER), SHA-256 fingerprint
/// `63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179`, from
/// <https://www.apple.com/certificateauthority/>.
pub const APPLE_ROOT_CA_G3_DER: &[u8] = include_bytes!("certs/AppleRootCA-G3.cer");

/// Marker extension of the certificate that signs payment tokens.
pub const OID_APPLE_PAY_LEAF: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.29");

/// Marker extension of Apple's payment intermediate CA (Application Integration CA - G3).
pub const OID_APPLE_PAY_INTERMEDIATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.2.14");

/// Largest trust-anchor input accepted, in bytes (PEM bundles included).
pub const MAX_ANCHOR_INPUT_LEN: usize = 64 * 1024;

/// The certificates a token's intermediate must be issued by.
///
/// By default Apple Root CA - G3, embedded in the crate. Replace it to verify tokens of a
/// test PKI, or the day Apple rotates its root.
#[derive(Clone, Debug)]
pub struct TrustAnchors {
    pub(crate) anchors: Vec<Anchor>,
}

#[derive(Clone, Debug)]
pub(crate) struct Anchor {
    pub(crate) subject: Name,
    pub(crate) spki_der: Vec<u8>,
}

impl TrustAnchors {
    /// Apple Root CA - G3 alone: what production tokens chain to.
    ///
    /// # Panics
    ///
    /// Never: the embedded certificate is checked by a unit test.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn apple() -> Self {
        let mut anchors = Self::empty();
        anchors
            .add_der(APPLE_ROOT_CA_G3_DER)
            .expect("embedded Apple root parses");
        anchors
    }

    /// No anchors: every chain fails until some are added.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            anchors: Vec::new(),
        }
    }

    /// Anchors read from PEM (every `CERTIFICATE` block) or one DER certificate.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        let mut anchors = Self::empty();
        anchors.add_pem_or_der(input)?;
        Ok(anchors)
    }

    /// Adds every certificate in `input`: PEM (all `CERTIFICATE` blocks) or one DER
    /// certificate. An input with no certificate is [`Error::KeyImport`] with
    /// [`crate::KeyImportError::NotACertificate`] saying what it holds; one with a
    /// certificate that does not parse, [`crate::KeyImportError::InvalidCertificate`].
    pub fn add_pem_or_der(&mut self, input: &[u8]) -> Result<&mut Self, Error> {
        let invalid = Error::KeyImport(crate::KeyImportError::InvalidCertificate);
        if input.len() > MAX_ANCHOR_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_ANCHOR_INPUT_LEN,
            });
        }
        if !pem::is_pem(input) {
            return match self.add_der(input) {
                Err(Error::KeyImport(crate::KeyImportError::InvalidCertificate)) => {
                    Err(not_a_certificate(input))
                }
                other => other,
            };
        }
        let text = core::str::from_utf8(input).map_err(|_| invalid.clone())?;
        let mut found = false;
        for block in pem::blocks(text).filter(|b| b.label == "CERTIFICATE") {
            let der = block.decode().ok_or(invalid.clone())?;
            self.add_der(&der)?;
            found = true;
        }
        if found {
            Ok(self)
        } else {
            Err(not_a_certificate(input))
        }
    }

    /// Adds one DER certificate as an anchor. Only its subject and public key are used
    /// (as RFC 5280 §6.1.1 (d) does for trust anchors); its validity is not checked.
    pub fn add_der(&mut self, der: &[u8]) -> Result<&mut Self, Error> {
        let invalid = Error::KeyImport(crate::KeyImportError::InvalidCertificate);
        let cert = Certificate::from_der(der).map_err(|_| invalid.clone())?;
        let tbs = cert.tbs_certificate();
        let spki_der = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|_| invalid)?;
        self.anchors.push(Anchor {
            subject: tbs.subject().clone(),
            spki_der,
        });
        Ok(self)
    }

    /// The number of anchors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there is no anchor.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

impl Default for TrustAnchors {
    fn default() -> Self {
        Self::apple()
    }
}
