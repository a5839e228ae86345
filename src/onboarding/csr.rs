//! Certificate signing requests (PKCS#10) for Apple's merchant certificates.
//!
//! Apple's developer portal takes a CSR and returns a certificate: a P-256 CSR for the
//! Payment Processing certificate (Apple uses only its public key), an RSA-2048 CSR for
//! the Merchant Identity certificate. The CSR is self-signed through
//! [`MerchantKey::sign`], so a key held in an HSM can make its CSR too.
//!
//! The request is assembled from `x509-cert`'s `CertReq` types rather than its
//! `RequestBuilder`: the builder needs a concrete RustCrypto signer (a `Signer` without
//! access to the caller's RNG), while any [`MerchantKey`] can sign here. The result is the
//! same DER, minus the empty `extensionRequest` attribute the builder always adds.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use der::asn1::Utf8StringRef;
use der::asn1::{Any, BitString, Ia5StringRef, ObjectIdentifier, PrintableStringRef, SetOfVec};
use der::{Decode, Encode};
use rand_core::CryptoRng;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use crate::error::{Error, KeyImportError};
use crate::keys::pem;
use crate::provider::MerchantKey;
use crate::public_key_hash::PublicKeyHash;

/// Largest CSR input accepted, in bytes.
pub const MAX_CSR_INPUT_LEN: usize = 64 * 1024;

/// Longest common name or organization accepted, in characters (RFC 5280's upper bound).
pub const MAX_NAME_ATTRIBUTE_LEN: usize = 64;

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_EMAIL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// The subject of a CSR: the attributes the caller chooses. Apple ignores them (it
/// writes its own subject into the certificate), but they help humans tell CSRs apart.
///
/// ```
/// use applepay_crypto::CsrSubject;
/// let subject = CsrSubject::new()
///     .common_name("Example Payment Processing")
///     .organization("Example Inc.")
///     .country("US")
///     .email("ops@example.com");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrSubject {
    common_name: Option<String>,
    organization: Option<String>,
    country: Option<String>,
    email: Option<String>,
}

impl CsrSubject {
    /// An empty subject; add at least one attribute.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the common name (CN), at most [`MAX_NAME_ATTRIBUTE_LEN`] characters.
    #[must_use]
    pub fn common_name(mut self, value: &str) -> Self {
        self.common_name = Some(value.to_string());
        self
    }

    /// Sets the organization (O), at most [`MAX_NAME_ATTRIBUTE_LEN`] characters.
    #[must_use]
    pub fn organization(mut self, value: &str) -> Self {
        self.organization = Some(value.to_string());
        self
    }

    /// Sets the country (C): two ASCII letters, such as `US` (stored upper-case).
    #[must_use]
    pub fn country(mut self, value: &str) -> Self {
        self.country = Some(value.to_ascii_uppercase());
        self
    }

    /// Sets the e-mail address (PKCS#9 `emailAddress`), ASCII only.
    #[must_use]
    pub fn email(mut self, value: &str) -> Self {
        self.email = Some(value.to_string());
        self
    }

    /// The DER `Name`, in the order C, O, CN, emailAddress (each its own RDN).
    fn to_name(&self) -> Result<Name, Error> {
        let mut rdns: Vec<SetOfVec<AttributeTypeAndValue>> = Vec::new();
        let mut push = |oid: ObjectIdentifier, value: Any, what: &'static str| {
            let mut rdn = SetOfVec::new();
            rdn.insert(AttributeTypeAndValue { oid, value })
                .map_err(|_| Error::InvalidParameter(what))?;
            rdns.push(rdn);
            Ok::<(), Error>(())
        };
        if let Some(c) = &self.country {
            const WHAT: &str = "country (two ASCII letters)";
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(Error::InvalidParameter(WHAT));
            }
            let value = PrintableStringRef::new(c).map_err(|_| Error::InvalidParameter(WHAT))?;
            push(
                OID_C,
                Any::encode_from(&value).map_err(|_| Error::InvalidParameter(WHAT))?,
                WHAT,
            )?;
        }
        for (oid, value, what) in [
            (
                OID_O,
                &self.organization,
                "organization (1 to 64 characters)",
            ),
            (
                OID_CN,
                &self.common_name,
                "common name (1 to 64 characters)",
            ),
        ] {
            let Some(value) = value else { continue };
            let len = value.chars().count();
            if len == 0 || len > MAX_NAME_ATTRIBUTE_LEN || value.chars().any(char::is_control) {
                return Err(Error::InvalidParameter(what));
            }
            let value = Utf8StringRef::new(value).map_err(|_| Error::InvalidParameter(what))?;
            push(
                oid,
                Any::encode_from(&value).map_err(|_| Error::InvalidParameter(what))?,
                what,
            )?;
        }
        if let Some(email) = &self.email {
            const WHAT: &str = "email (ASCII, 1 to 128 characters)";
            if email.is_empty() || email.len() > 128 || !email.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(Error::InvalidParameter(WHAT));
            }
            let value = Ia5StringRef::new(email).map_err(|_| Error::InvalidParameter(WHAT))?;
            push(
                OID_EMAIL,
                Any::encode_from(&value).map_err(|_| Error::InvalidParameter(WHAT))?,
                WHAT,
            )?;
        }
        if rdns.is_empty() {
            return Err(Error::InvalidParameter("subject (no attributes)"));
        }
        let der = rdns
            .to_der()
            .map_err(|_| Error::InvalidParameter("subject"))?;
        Name::from_der(&der).map_err(|_| Error::InvalidParameter("subject"))
    }
}

/// A PKCS#10 certificate signing request: made for a key, or parsed.
#[derive(Clone, Debug)]
pub struct Csr {
    request: CertReq,
    der: Vec<u8>,
    spki_der: Vec<u8>,
}

impl Csr {
    /// Makes a CSR for `key` with `subject`, self-signed with the key: ECDSA with SHA-256
    /// for a P-256 key, sha256WithRSAEncryption for an RSA key.
    ///
    /// `rng` blinds the RSA signature; ECDSA uses deterministic (RFC 6979) nonces.
    pub fn create<R: CryptoRng>(
        key: &dyn MerchantKey,
        subject: &CsrSubject,
        rng: &mut R,
    ) -> Result<Self, Error> {
        let invalid_key = || Error::KeyImport(KeyImportError::InvalidKey);
        let public_key = SubjectPublicKeyInfoOwned::from_der(key.public_key_spki())
            .map_err(|_| invalid_key())?;
        let algorithm = match public_key.algorithm.oid {
            ID_EC_PUBLIC_KEY => AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
            RSA_ENCRYPTION => AlgorithmIdentifierOwned {
                oid: SHA256_WITH_RSA,
                parameters: Some(Any::null()),
            },
            _ => return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm)),
        };
        let info = CertReqInfo {
            version: Version::V1,
            subject: subject.to_name()?,
            public_key,
            attributes: SetOfVec::new(),
        };
        let tbs = info
            .to_der()
            .map_err(|_| Error::InvalidParameter("subject"))?;
        let signature = key.sign(rng, &tbs)?;
        let request = CertReq {
            info,
            algorithm,
            signature: BitString::from_bytes(&signature).map_err(|_| invalid_key())?,
        };
        let der = request.to_der().map_err(|_| invalid_key())?;
        Self::from_der(&der)
    }

    /// Parses a CSR from PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER.
    ///
    /// The self-signature is not checked here (`openssl req -verify` does); Apple checks
    /// it on upload.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_CSR_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_CSR_INPUT_LEN,
            });
        }
        if !pem::is_pem(input) {
            return Self::from_der(input);
        }
        let text = core::str::from_utf8(input).map_err(|_| Error::Malformed("CSR"))?;
        let block = pem::blocks(text)
            .find(|b| matches!(b.label, "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST"))
            .ok_or(Error::Malformed("CSR"))?;
        let der = block.decode().ok_or(Error::Malformed("CSR"))?;
        Self::from_der(&der)
    }

    /// Parses a DER CSR.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let request = CertReq::from_der(der).map_err(|_| Error::Malformed("CSR"))?;
        let spki_der = request
            .info
            .public_key
            .to_der()
            .map_err(|_| Error::Malformed("CSR"))?;
        Ok(Self {
            request,
            der: der.to_vec(),
            spki_der,
        })
    }

    /// The DER encoding.
    #[must_use]
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (`-----BEGIN CERTIFICATE REQUEST-----`), LF line endings.
    pub fn to_pem(&self) -> Result<String, Error> {
        let pem = pem::to_pem("CERTIFICATE REQUEST", &self.der)?;
        Ok(String::from(pem.as_str()))
    }

    /// The DER `SubjectPublicKeyInfo` of the requested key.
    #[must_use]
    pub fn public_key_spki(&self) -> &[u8] {
        &self.spki_der
    }

    /// The hash of the requested key: what tokens for the resulting certificate carry.
    #[must_use]
    pub fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(&self.spki_der)
    }

    /// The subject in RFC 4514 form (`CN=…,O=…,C=…`).
    #[must_use]
    pub fn subject(&self) -> String {
        self.request.info.subject.to_string()
    }

    /// The parsed request.
    #[must_use]
    pub fn request(&self) -> &CertReq {
        &self.request
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::private_key::PrivateKey;
    use rand::SeedableRng;

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(10)
    }

    fn subject() -> CsrSubject {
        CsrSubject::new()
            .common_name("Example, Inc. + \"Payments\"")
            .organization("Exämple")
            .country("us")
            .email("ops@example.com")
    }

    #[test]
    fn p256_csr_round_trips_and_self_verifies() {
        let key = PrivateKey::generate_p256(&mut rng()).unwrap();
        let csr = Csr::create(&key, &subject(), &mut rng()).unwrap();
        assert_eq!(csr.public_key_hash(), key.public_key_hash());
        assert_eq!(csr.request().algorithm.oid, ECDSA_WITH_SHA256);
        let pem = csr.to_pem().unwrap();
        let parsed = Csr::from_pem_or_der(pem.as_bytes()).unwrap();
        assert_eq!(parsed.to_der(), csr.to_der());
        assert_eq!(
            parsed.subject(),
            // RFC 4514 order: last RDN first.
            "EMAIL=ops@example.com,CN=Example\\, Inc. \\+ \\\"Payments\\\",O=Exämple,C=US"
        );
        let tbs = csr.request().info.to_der().unwrap();
        crate::provider::default_provider()
            .verify_signature(
                crate::provider::SignatureAlgorithm::EcdsaP256Sha256,
                csr.public_key_spki(),
                &tbs,
                csr.request().signature.raw_bytes(),
            )
            .unwrap();
    }

    #[test]
    fn bad_subjects_are_invalid_parameters() {
        let key = PrivateKey::generate_p256(&mut rng()).unwrap();
        for bad in [
            CsrSubject::new(),
            CsrSubject::new().country("USA"),
            CsrSubject::new().country("1A"),
            CsrSubject::new().common_name(""),
            CsrSubject::new().common_name(&"x".repeat(65)),
            CsrSubject::new().organization("a\nb"),
            CsrSubject::new().email("ops@exämple.com"),
        ] {
            assert!(
                matches!(
                    Csr::create(&key, &bad, &mut rng()),
                    Err(Error::InvalidParameter(_))
                ),
                "{bad:?}"
            );
        }
        let ok = CsrSubject::new().common_name(&"é".repeat(64));
        assert!(Csr::create(&key, &ok, &mut rng()).is_ok());
    }

    #[test]
    fn garbage_is_malformed() {
        for input in [
            &b""[..],
            b"\x30\x00",
            b"-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----\n",
        ] {
            assert_eq!(
                Csr::from_pem_or_der(input).unwrap_err(),
                Error::Malformed("CSR")
            );
        }
    }
}
