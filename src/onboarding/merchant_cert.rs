//! Certificates Apple issues to merchants: the Payment Processing certificate (its key
//! decrypts tokens; extension `1.2.840.113635.100.6.32` names the merchant) and the
//! Merchant Identity certificate (RSA, TLS client authentication for merchant
//! validation; marker `1.2.840.113635.100.6.46`).
//!
//! A record in a payment backend moves from *incomplete* (key and CSR, no certificate) to
//! *active* once Apple's certificate is uploaded and matched to its key
//! ([`MerchantCertificate::matches_key`]), and to *expired* after `notAfter`
//! ([`MerchantCertificate::status`]).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use der::asn1::{Ia5StringRef, ObjectIdentifier, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::Certificate;

use crate::error::{Error, KeyImportError};
use crate::keys::content;
use crate::keys::pem;
use crate::onboarding::csr::Csr;
use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::MerchantKey;
use crate::public_key_hash::PublicKeyHash;
use crate::time::UnixTime;

/// Largest certificate input accepted, in bytes (PEM chains included).
pub const MAX_CERT_INPUT_LEN: usize = 64 * 1024;

/// Extension holding the hex SHA-256 of the merchant identifier (Payment Processing
/// certificate).
pub const OID_MERCHANT_ID_HASH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.32");

/// Marker extension of Apple's Merchant Identity certificate.
pub const OID_MERCHANT_IDENTITY_MARKER: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.46");

/// Subject attribute `UID` (`0.9.2342.19200300.100.1.1`), where Apple writes the merchant
/// identifier.
pub const OID_USER_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Prefixes of the common name that carry the merchant identifier, as Apple writes them.
const CN_PREFIXES: [&str; 2] = ["Apple Pay Payment Processing:", "Merchant ID:"];

/// Longest certificate chain read from one PEM input.
pub const MAX_CHAIN_LEN: usize = 8;

/// Which of Apple's merchant certificates this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateKind {
    /// Apple Pay Payment Processing certificate: carries the merchant id hash extension
    /// (`1.2.840.113635.100.6.32`); its key decrypts payment tokens.
    PaymentProcessing,
    /// Apple Pay Merchant Identity certificate: carries marker `1.2.840.113635.100.6.46`;
    /// an RSA key used as TLS client certificate for merchant validation.
    MerchantIdentity,
    /// Any other certificate (an intermediate, a TLS server certificate, …).
    Other,
}

impl CertificateKind {
    /// A stable snake_case name: `payment_processing`, `merchant_identity`, `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentProcessing => "payment_processing",
            Self::MerchantIdentity => "merchant_identity",
            Self::Other => "other",
        }
    }
}

/// Whether a certificate is valid at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateStatus {
    /// `notBefore <= t <= notAfter`.
    Active,
    /// `t > notAfter`: rotate to a new certificate.
    Expired,
    /// `t < notBefore`.
    NotYetValid,
}

impl CertificateStatus {
    /// A stable snake_case name: `active`, `expired`, `not_yet_valid`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
        }
    }
}

/// A merchant certificate issued by Apple: what decryption needs from a Payment
/// Processing certificate, and what onboarding needs to know about any of them.
#[derive(Clone, Debug)]
pub struct MerchantCertificate {
    cert: Certificate,
    spki_der: Vec<u8>,
    merchant_id_hash: Option<MerchantIdHash>,
    merchant_id: Option<String>,
    kind: CertificateKind,
    not_before: UnixTime,
    not_after: UnixTime,
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
            return Self::from_der_input(input);
        }
        let text = core::str::from_utf8(input)
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidCertificate))?;
        let block = pem::blocks(text)
            .find(|b| b.label == "CERTIFICATE")
            .ok_or_else(|| content::not_a_certificate(input))?;
        let der = block
            .decode()
            .ok_or(Error::KeyImport(KeyImportError::InvalidCertificate))?;
        Self::from_der(&der)
    }

    /// Parses every `CERTIFICATE` block of a PEM input (a chain, leaf first as usual), or
    /// one DER certificate. At most [`MAX_CHAIN_LEN`] certificates are read.
    pub fn chain_from_pem_or_der(input: &[u8]) -> Result<Vec<Self>, Error> {
        if input.len() > MAX_CERT_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_CERT_INPUT_LEN,
            });
        }
        let invalid = Error::KeyImport(KeyImportError::InvalidCertificate);
        if !pem::is_pem(input) {
            return Ok(alloc::vec![Self::from_der_input(input)?]);
        }
        let text = core::str::from_utf8(input).map_err(|_| invalid.clone())?;
        let chain = pem::blocks(text)
            .filter(|b| b.label == "CERTIFICATE")
            .take(MAX_CHAIN_LEN)
            .map(|b| Self::from_der(&b.decode().ok_or(invalid.clone())?))
            .collect::<Result<Vec<_>, _>>()?;
        if chain.is_empty() {
            return Err(content::not_a_certificate(input));
        }
        Ok(chain)
    }

    /// [`MerchantCertificate::from_der`] on a whole input: if it is no certificate at
    /// all, the error says what it is ([`KeyImportError::NotACertificate`]).
    fn from_der_input(input: &[u8]) -> Result<Self, Error> {
        Self::from_der(input).map_err(|e| match e {
            Error::KeyImport(KeyImportError::InvalidCertificate) => {
                content::not_a_certificate(input)
            }
            other => other,
        })
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
        let kind = if find_extension(&cert, OID_MERCHANT_IDENTITY_MARKER).is_some() {
            CertificateKind::MerchantIdentity
        } else if merchant_id_hash.is_some() {
            CertificateKind::PaymentProcessing
        } else {
            CertificateKind::Other
        };
        let validity = cert.tbs_certificate().validity();
        let to_unix =
            |t: x509_cert::time::Time| UnixTime::since_unix_epoch(t.to_unix_duration().as_secs());
        let not_before = to_unix(validity.not_before);
        let not_after = to_unix(validity.not_after);
        let merchant_id = merchant_id_of(&cert);
        Ok(Self {
            cert,
            spki_der,
            merchant_id_hash,
            merchant_id,
            kind,
            not_before,
            not_after,
        })
    }

    /// Which of Apple's merchant certificates this is. The Merchant Identity marker wins
    /// over the merchant id hash extension, which both kinds may carry.
    #[must_use]
    pub fn kind(&self) -> CertificateKind {
        self.kind
    }

    /// The merchant identifier (`merchant.com.example`): the subject's `UID`, or else the
    /// part after `Apple Pay Payment Processing:` or `Merchant ID:` in the common name.
    #[must_use]
    pub fn merchant_id(&self) -> Option<&str> {
        self.merchant_id.as_deref()
    }

    /// The subject in RFC 4514 form (`UID=…,CN=…,OU=…,O=…,C=…`, last RDN first).
    #[must_use]
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    /// Start of the validity period.
    #[must_use]
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// End of the validity period (inclusive).
    #[must_use]
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// Whether the certificate is valid at `at` (inclusive at both ends, as RFC 5280
    /// says).
    #[must_use]
    pub fn status(&self, at: UnixTime) -> CertificateStatus {
        if at < self.not_before {
            CertificateStatus::NotYetValid
        } else if at > self.not_after {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Active
        }
    }

    /// Whether the certificate certifies `key`'s public key (compares the public key
    /// hashes, in constant time).
    #[must_use]
    pub fn matches_key(&self, key: &dyn MerchantKey) -> bool {
        self.public_key_hash() == PublicKeyHash::of_spki_der(key.public_key_spki())
    }

    /// Whether the certificate was issued for `csr`'s public key.
    #[must_use]
    pub fn matches_csr(&self, csr: &Csr) -> bool {
        self.public_key_hash() == csr.public_key_hash()
    }

    /// The DER encoding of the certificate.
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        self.cert
            .to_der()
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidCertificate))
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

/// The merchant identifier from the subject: the `UID` attribute, else a common name of
/// one of Apple's forms.
fn merchant_id_of(cert: &Certificate) -> Option<String> {
    let subject = cert.tbs_certificate().subject();
    let text_of = |oid: ObjectIdentifier| -> Option<String> {
        subject.iter().filter(|atv| atv.oid == oid).find_map(|atv| {
            let value = &atv.value;
            let text = match value.tag() {
                Tag::Utf8String => value.decode_as::<Utf8StringRef<'_>>().ok()?.to_string(),
                Tag::PrintableString => value
                    .decode_as::<PrintableStringRef<'_>>()
                    .ok()?
                    .to_string(),
                Tag::Ia5String => value.decode_as::<Ia5StringRef<'_>>().ok()?.to_string(),
                _ => return None,
            };
            Some(text)
        })
    };
    if let Some(uid) = text_of(OID_USER_ID).filter(|u| !u.trim().is_empty()) {
        return Some(uid.trim().to_string());
    }
    let cn = text_of(OID_CN)?;
    CN_PREFIXES
        .iter()
        .find_map(|prefix| cn.strip_prefix(prefix))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(ToString::to_string)
}

/// The raw `extnValue` contents of the extension `oid`, if the certificate has it.
pub(crate) fn find_extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    cert.tbs_certificate()
        .extensions()?
        .iter()
        .find(|ext| ext.extn_id == oid)
        .map(|ext| ext.extn_value.as_bytes())
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::error::InputContent;
    use crate::keys::private_key::PrivateKey;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors");

    fn read(path: &str) -> Vec<u8> {
        std::fs::read(alloc::format!("{DIR}/{path}")).unwrap()
    }

    fn cert(path: &str) -> MerchantCertificate {
        MerchantCertificate::from_pem_or_der(&read(path)).unwrap()
    }

    fn at(text: &str) -> UnixTime {
        UnixTime::parse_rfc3339(text).unwrap()
    }

    const MID: &str = "merchant.com.example.onboard";

    #[test]
    fn payment_processing_certificate() {
        let pp = cert("onboarding/pp.pem");
        assert_eq!(pp.kind(), CertificateKind::PaymentProcessing);
        assert_eq!(pp.merchant_id(), Some(MID));
        let hash = pp.merchant_id_hash().unwrap();
        assert_eq!(hash, MerchantIdHash::of_merchant_id(MID));
        assert_eq!(
            hash.to_string().as_bytes(),
            &read("onboarding/merchant_id_hash.txt")[..]
        );
        assert_eq!(pp.not_before().to_string(), "2025-01-01T00:00:00Z");
        assert_eq!(pp.not_after().to_string(), "2027-02-01T00:00:00Z");
        assert!(
            pp.subject()
                .starts_with("C=US,O=Example,OU=TESTTEAM01,CN=Apple Pay Payment")
        );
        assert_eq!(
            cert("onboarding/pp.der").to_der().unwrap(),
            read("onboarding/pp.der")
        );
    }

    #[test]
    fn status_at_each_boundary() {
        let pp = cert("onboarding/pp.pem");
        let cases = [
            ("2024-12-31T23:59:59Z", CertificateStatus::NotYetValid),
            ("2025-01-01T00:00:00Z", CertificateStatus::Active),
            ("2026-06-01T12:00:00Z", CertificateStatus::Active),
            ("2027-02-01T00:00:00Z", CertificateStatus::Active),
            ("2027-02-01T00:00:01Z", CertificateStatus::Expired),
        ];
        for (time, status) in cases {
            assert_eq!(pp.status(at(time)), status, "{time}");
        }
        assert_eq!(CertificateStatus::NotYetValid.as_str(), "not_yet_valid");
    }

    #[test]
    fn merchant_identity_and_other_certificates() {
        let identity = cert("onboarding/identity.pem");
        assert_eq!(identity.kind(), CertificateKind::MerchantIdentity);
        assert_eq!(identity.kind().as_str(), "merchant_identity");
        assert_eq!(identity.merchant_id(), Some(MID));
        assert_eq!(
            identity.merchant_id_hash(),
            Some(MerchantIdHash::of_merchant_id(MID))
        );

        let other = cert("onboarding/other.pem");
        assert_eq!(other.kind(), CertificateKind::Other);
        assert_eq!(other.merchant_id(), None);
        assert_eq!(other.merchant_id_hash(), None);
        assert_eq!(
            other.status(at("2026-01-01T00:00:00Z")),
            CertificateStatus::Expired
        );
        assert_eq!(cert("onboarding/ca.pem").kind(), CertificateKind::Other);
    }

    #[test]
    fn interop_certificates_name_their_merchants() {
        let cases = [
            ("gala-2015", "merchant.com.seatgeek.SeatGeek", "f938f465"),
            (
                "gala-current",
                "merchant.test.spreedly.123merchant",
                "358da589",
            ),
            (
                "synthetic-appdata",
                "merchant.com.example.synthetic",
                "7e15595e",
            ),
        ];
        for (vector, mid, hash_prefix) in cases {
            let c = cert(&alloc::format!("{vector}/merchant_cert.pem"));
            assert_eq!(c.kind(), CertificateKind::PaymentProcessing, "{vector}");
            assert_eq!(c.merchant_id(), Some(mid), "{vector}");
            let hash = c.merchant_id_hash().unwrap();
            assert!(hash.to_string().starts_with(hash_prefix), "{vector}");
            assert_eq!(hash, MerchantIdHash::of_merchant_id(mid), "{vector}");
            let key =
                PrivateKey::from_pem_or_der(&read(&alloc::format!("{vector}/merchant_key.pem")))
                    .unwrap();
            assert!(c.matches_key(&key), "{vector}");
        }
    }

    #[test]
    fn matching_keys_and_csrs() {
        let pp = cert("onboarding/pp.pem");
        let p256 = PrivateKey::from_pem_or_der(&read("onboarding/p256.sec1.pem")).unwrap();
        let rsa = PrivateKey::from_pem_or_der(&read("onboarding/rsa.pkcs1.pem")).unwrap();
        assert!(pp.matches_key(&p256));
        assert!(!pp.matches_key(&rsa));
        assert!(cert("onboarding/identity.pem").matches_key(&rsa));
        let csr = Csr::from_pem_or_der(&read("onboarding/p256.csr.pem")).unwrap();
        assert!(pp.matches_csr(&csr));
        let rsa_csr = Csr::from_pem_or_der(&read("onboarding/rsa.csr.der")).unwrap();
        assert!(!pp.matches_csr(&rsa_csr));
    }

    #[test]
    fn chains_and_garbage() {
        let chain =
            MerchantCertificate::chain_from_pem_or_der(&read("onboarding/pp-chain.pem")).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[0].kind(), CertificateKind::PaymentProcessing);
        let first = MerchantCertificate::from_pem_or_der(&read("onboarding/pp-chain.pem")).unwrap();
        assert_eq!(first.public_key_hash(), chain[0].public_key_hash());
        assert!(matches!(
            MerchantCertificate::chain_from_pem_or_der(
                b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
            ),
            Err(Error::KeyImport(KeyImportError::InvalidCertificate))
        ));
        for garbage in [&b""[..], b"\x30\x80\x00\x00"] {
            for result in [
                MerchantCertificate::chain_from_pem_or_der(garbage).map(|_| ()),
                MerchantCertificate::from_pem_or_der(garbage).map(|_| ()),
            ] {
                assert_eq!(
                    result,
                    Err(Error::KeyImport(KeyImportError::NotACertificate(
                        InputContent::Unrecognized
                    )))
                );
            }
        }
        // A key or a CSR where a certificate was expected, PEM or DER.
        for (path, found) in [
            ("onboarding/p256.pkcs8.pem", InputContent::PrivateKey),
            ("onboarding/rsa.pkcs1.der", InputContent::PrivateKey),
            ("onboarding/p256.csr.pem", InputContent::CertificateRequest),
            ("onboarding/pp.p12", InputContent::Pkcs12),
        ] {
            let input = read(path);
            let want = Err(Error::KeyImport(KeyImportError::NotACertificate(found)));
            assert_eq!(
                MerchantCertificate::from_pem_or_der(&input).map(|_| ()),
                want,
                "{path}"
            );
            assert_eq!(
                MerchantCertificate::chain_from_pem_or_der(&input).map(|_| ()),
                want,
                "{path}"
            );
        }
    }
}
