//! Reading the token's detached CMS `SignedData` (RFC 5652), BER or DER.
//!
//! Apple encodes the `signature` field in BER with indefinite lengths (`30 80 …`). The
//! outer layers first go through `ber` (every BER length form, the tag forms, the
//! certificate count; it says why it is written by hand). The `cms` crate (with `der`'s
//! BER reader) then parses them in two steps: `ContentInfo::from_ber`, then the inner
//! `SignedData` under BER rules (`decode_as` would use DER rules and fail on the
//! indefinite lengths). Everything else here is checking what the crates parsed against
//! what an Apple Pay signature must look like, and bounding it.
//!
//! What is written by hand, and why:
//! - The `CMSAlgorithmProtection` attribute (RFC 6211) has no type in `cms`; it is a
//!   two-field sequence declared below with `der`'s derive.
//! - `SignedData` is declared again (`RawSignedData`) with the certificates left as raw
//!   elements: parsing two certificates is most of the work of reading the signature, and
//!   a verifier that has already checked these exact certificates does not need them
//!   parsed (see `chain`). They are parsed when the verifier has not seen them.
//! - The signed attributes are re-encoded with `to_der()`: RFC 5652 §5.4 defines the
//!   signed message as the DER encoding of `SignedAttrs` with the `SET OF` tag (`0x31`).
//!   The set is decoded under BER rules, which keep the attributes in the order received
//!   (as OpenSSL does when verifying). RFC 5652 §5.3 requires the transmitted attributes
//!   to be DER, and they must be: the re-encoding must be byte-for-byte the transmitted
//!   value with its tag changed, in DER's `SET OF` order.

use alloc::vec::Vec;

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::revocation::RevocationInfoChoices;
use cms::signed_data::{
    DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignedAttributes, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, DerOrd, Encode, EncodingRules, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use super::ber;
use crate::error::{ChainError, Error};
use crate::provider::SignatureAlgorithm;
use crate::time::UnixTime;

/// Largest CMS signature accepted, in bytes. Apple's are about 2.5 KB (two certificates
/// and one signer).
pub const MAX_SIGNATURE_LEN: usize = 16 * 1024;

/// Most certificates accepted in the signature. Apple sends two (leaf, intermediate).
pub const MAX_CERTIFICATES: usize = 4;

const WHAT: &str = "signature";

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_ALGORITHM_PROTECTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.52");
/// id-sha256.
pub(crate) const OID_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// ecdsa-with-SHA256.
pub(crate) const OID_ECDSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// sha256WithRSAEncryption.
pub(crate) const OID_SHA256_WITH_RSA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// rsaEncryption.
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// ecdsa-with-SHA384.
pub(crate) const OID_ECDSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// `CMSAlgorithmProtection` (RFC 6211 §2); the `cms` crate has no type for it.
/// `macAlgorithm [2]` is not allowed in a `SignerInfo`, so it is not declared: a value
/// holding it fails to decode.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct AlgorithmProtection {
    digest_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    signature_algorithm: Option<AlgorithmIdentifierOwned>,
}

/// `SignedData` (RFC 5652 §5.1) as the `cms` crate declares it, except that each
/// certificate is kept as a raw element, parsed later only if needed.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RawSignedData {
    version: CmsVersion,
    digest_algorithms: DigestAlgorithmIdentifiers,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<SetOfVec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<RevocationInfoChoices>,
    signer_infos: SignerInfos,
}

/// How the signature names its signer certificate.
#[derive(Clone, Debug)]
pub(crate) enum SignerId {
    /// Issuer name and serial number.
    IssuerAndSerial(IssuerAndSerialNumber),
    /// The `subjectKeyIdentifier` extension value.
    SubjectKeyId(Vec<u8>),
}

/// What verification needs from the token's `SignedData`, checked for shape only. The
/// digest is always SHA-256 and the signature ECDSA or RSA PKCS#1 v1.5 (anything else is
/// refused).
#[derive(Clone, Debug)]
pub(crate) struct CmsSignature {
    /// Certificates, in the order sent (Apple: leaf, intermediate), unparsed: each is a
    /// `SEQUENCE` element whose DER `chain` parses when it needs to.
    pub(crate) certificates: Vec<Any>,
    /// Which certificate signed.
    pub(crate) signer: SignerId,
    /// DER of the signed attributes with the `SET OF` tag: the signed message.
    pub(crate) signed_attrs_der: Vec<u8>,
    /// The `messageDigest` attribute.
    pub(crate) message_digest: Vec<u8>,
    /// The `signingTime` attribute.
    pub(crate) signing_time: UnixTime,
    /// The signer's algorithm: ECDSA or RSA PKCS#1 v1.5, with SHA-256.
    pub(crate) signature_algorithm: SignatureAlgorithm,
    /// The signature value.
    pub(crate) signature: Vec<u8>,
}

impl CmsSignature {
    /// Parses the detached `SignedData`. Structure errors are `Malformed("signature")`;
    /// too many or unreadable certificates are `CertificateChain(BadCertificates)`;
    /// algorithms other than SHA-256 with ECDSA or RSA are `SignatureInvalid`.
    pub(crate) fn parse(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_SIGNATURE_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_SIGNATURE_LEN,
            });
        }
        // Every BER length form, the tag forms, the certificate count (`ber` says why this
        // is walked by hand). `from_ber` also accepts DER; `der` bounds nesting depth (64).
        let outer = ber::normalise(input, MAX_CERTIFICATES)?;
        let content_info =
            ContentInfo::from_ber(&outer.bytes).map_err(|_| Error::Malformed(WHAT))?;
        if content_info.content_type != OID_SIGNED_DATA {
            return Err(Error::Malformed(WHAT));
        }
        let mut signed_data: RawSignedData = content_info
            .content
            .decode_as_encoding(EncodingRules::Ber)
            .map_err(|_| Error::Malformed(WHAT))?;

        // RFC 5652 §5.1: version 1 for plain data, certificates and no attribute
        // certificates or other revocation formats (3 when a signer uses a key id).
        if !matches!(signed_data.version, CmsVersion::V1 | CmsVersion::V3)
            || signed_data.crls.is_some()
        {
            return Err(Error::Malformed(WHAT));
        }

        // Detached signature over plain data.
        let encap = &signed_data.encap_content_info;
        if encap.econtent_type != OID_DATA || encap.econtent.is_some() {
            return Err(Error::Malformed(WHAT));
        }

        let certificates = certificates(&mut signed_data)?;

        // Moved out, not cloned, like the certificates.
        let mut signers = core::mem::take(&mut signed_data.signer_infos.0)
            .into_vec()
            .into_iter();
        let (Some(signer_info), None) = (signers.next(), signers.next()) else {
            return Err(Error::Malformed(WHAT));
        };
        // The one signer's digest algorithm must be the one the SignedData announces, and
        // nothing else may be announced.
        let mut announced = signed_data.digest_algorithms.iter();
        match (announced.next(), announced.next()) {
            (Some(alg), None) if alg.oid == signer_info.digest_alg.oid => {
                check_digest_algorithm(alg)?;
            }
            _ => return Err(Error::Malformed(WHAT)),
        }
        Self::from_signer_info(signer_info, certificates, outer.signed_attrs)
    }

    /// `signed_attrs_raw`: the signer's `signedAttrs` as transmitted (`[0]` tag).
    fn from_signer_info(
        info: SignerInfo,
        certificates: Vec<Any>,
        signed_attrs_raw: Option<&[u8]>,
    ) -> Result<Self, Error> {
        check_digest_algorithm(&info.digest_alg)?;
        let signature_algorithm = check_signature_algorithm(&info.signature_algorithm)?;
        // RFC 5652 §5.3: version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
        let signer = match (info.sid, info.version) {
            (SignerIdentifier::IssuerAndSerialNumber(ias), CmsVersion::V1) => {
                SignerId::IssuerAndSerial(ias)
            }
            (SignerIdentifier::SubjectKeyIdentifier(ski), CmsVersion::V3) => {
                SignerId::SubjectKeyId(ski.0.as_bytes().to_vec())
            }
            _ => return Err(Error::Malformed(WHAT)),
        };

        let attrs = info.signed_attrs.as_ref().ok_or(Error::Malformed(WHAT))?;
        let (mut content_type, mut digest, mut time, mut protection) = (None, None, None, None);
        for attr in attrs.iter() {
            let mut values = attr.values.iter();
            let (Some(value), None) = (values.next(), values.next()) else {
                return Err(Error::Malformed(WHAT));
            };
            let slot = match attr.oid {
                OID_CONTENT_TYPE => &mut content_type,
                OID_MESSAGE_DIGEST => &mut digest,
                OID_SIGNING_TIME => &mut time,
                OID_ALGORITHM_PROTECTION => &mut protection,
                // Other attributes are covered by the signature and otherwise ignored.
                _ => continue,
            };
            // Each of these attributes may appear once (RFC 5652 §11, RFC 6211 §2).
            if slot.replace(value).is_some() {
                return Err(Error::Malformed(WHAT));
            }
        }
        let (Some(content_type), Some(digest), Some(time)) = (content_type, digest, time) else {
            return Err(Error::Malformed(WHAT));
        };
        if content_type.decode_as::<ObjectIdentifier>() != Ok(OID_DATA) {
            return Err(Error::Malformed(WHAT));
        }
        let message_digest = digest
            .decode_as::<OctetString>()
            .map_err(|_| Error::Malformed(WHAT))?
            .into_bytes()
            .into_vec();
        let time_der = time.to_der().map_err(|_| Error::Malformed(WHAT))?;
        let signing_time = Time::from_der(&time_der).map_err(|_| Error::Malformed(WHAT))?;
        let signing_time = UnixTime::since_unix_epoch(signing_time.to_unix_duration().as_secs());

        // RFC 6211: when present, the protected algorithms must be the ones used.
        if let Some(protection) = protection {
            let protection_der = protection.to_der().map_err(|_| Error::Malformed(WHAT))?;
            let protection = AlgorithmProtection::from_der(&protection_der)
                .map_err(|_| Error::Malformed(WHAT))?;
            let same_signature = protection
                .signature_algorithm
                .is_some_and(|alg| alg.oid == info.signature_algorithm.oid);
            if protection.digest_algorithm.oid != info.digest_alg.oid || !same_signature {
                return Err(Error::SignatureInvalid);
            }
        }

        let signed_attrs_der = attrs.to_der().map_err(|_| Error::Malformed(WHAT))?;
        check_der_signed_attrs(attrs, &signed_attrs_der, signed_attrs_raw)?;
        Ok(Self {
            certificates,
            signer,
            signed_attrs_der,
            message_digest,
            signing_time,
            signature_algorithm,
            signature: info.signature.into_bytes().into_vec(),
        })
    }
}

/// RFC 5652 §5.3: "SignedAttributes MUST be DER encoded, even if the rest of the structure
/// is BER encoded". The transmitted `[0]` must be, but for its tag, the DER re-encoding of
/// what was read (`reencoded`: definite, minimal lengths, as `ber` also checked for the
/// outer header), with the attributes in DER's `SET OF` order (X.690 §11.6) — which the
/// re-encoding keeps as received, as OpenSSL does when verifying.
fn check_der_signed_attrs(
    attrs: &SignedAttributes,
    reencoded: &[u8],
    raw: Option<&[u8]>,
) -> Result<(), Error> {
    let same = raw.is_some_and(|raw| raw.get(1..) == reencoded.get(1..));
    let sorted = attrs.as_slice().windows(2).all(|pair| match pair {
        [a, b] => a
            .der_cmp(b)
            .is_ok_and(|order| order != core::cmp::Ordering::Greater),
        _ => true,
    });
    if same && sorted {
        Ok(())
    } else {
        Err(Error::Malformed(WHAT))
    }
}

/// Takes the certificates out of `signed_data` (moved, not copied). Only certificates
/// proper (a `SEQUENCE`) are allowed; the other `CertificateChoices` are refused.
fn certificates(signed_data: &mut RawSignedData) -> Result<Vec<Any>, Error> {
    let set = signed_data
        .certificates
        .take()
        .ok_or(Error::CertificateChain(ChainError::BadCertificates))?;
    if set.len() > MAX_CERTIFICATES {
        return Err(Error::CertificateChain(ChainError::BadCertificates));
    }
    let certificates = set.into_vec();
    if certificates.iter().any(|c| c.tag() != Tag::Sequence) {
        return Err(Error::CertificateChain(ChainError::BadCertificates));
    }
    Ok(certificates)
}

/// Parameters of an algorithm identifier: absent or NULL.
fn params_absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.as_ref().is_none_or(Any::is_null)
}

fn check_digest_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<(), Error> {
    if alg.oid == OID_SHA256 && params_absent_or_null(alg) {
        Ok(())
    } else {
        Err(Error::SignatureInvalid)
    }
}

/// The signer's algorithm, the digest being SHA-256 (checked before).
///
/// RFC 5758 says ecdsa-with-SHA256 has absent parameters; RFC 4055 that
/// sha256WithRSAEncryption has NULL ones. Either form is tolerated for both, as encoders
/// differ. RFC 5652 §10.1.2 (via RFC 3370 §3.2) lets an RSA signer name plain
/// `rsaEncryption`, the hash coming from the digest algorithm, as OpenSSL writes it.
fn check_signature_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<SignatureAlgorithm, Error> {
    if !params_absent_or_null(alg) {
        return Err(Error::SignatureInvalid);
    }
    match alg.oid {
        OID_ECDSA_SHA256 => Ok(SignatureAlgorithm::EcdsaP256Sha256),
        OID_SHA256_WITH_RSA | OID_RSA_ENCRYPTION => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
        _ => Err(Error::SignatureInvalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::model::PaymentToken;

    fn token(name: &str) -> PaymentToken {
        let path = format!(
            "{}/test-vectors/{name}/token.json",
            env!("CARGO_MANIFEST_DIR")
        );
        PaymentToken::from_json(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn reads_apple_ber_and_synthetic_der() {
        for (name, time) in [
            ("gala-current", "2021-09-01T19:03:06Z"),
            ("gala-2015", "2014-10-27T19:51:43Z"),
            ("synthetic-appdata", "2025-03-02T11:30:00Z"),
            ("synthetic-leading-zero", "2025-03-01T10:00:00Z"),
        ] {
            let token = token(name);
            let cms = CmsSignature::parse(token.signature()).unwrap();
            assert_eq!(cms.signing_time.to_string(), time, "{name}");
            assert_eq!(cms.certificates.len(), 2, "{name}");
            assert_eq!(cms.message_digest.len(), 32, "{name}");
            assert_eq!(cms.signed_attrs_der.first(), Some(&0x31), "{name}");
            // The re-encoding, re-tagged `[0]`, is the transmitted attributes.
            let mut tagged = cms.signed_attrs_der.clone();
            tagged[0] = 0xA0;
            assert!(
                token
                    .signature()
                    .windows(tagged.len())
                    .any(|w| w == tagged.as_slice()),
                "{name}"
            );
        }
    }

    #[test]
    fn rejects_garbage_and_truncation_without_panicking() {
        let sig = token("gala-current").signature().to_vec();
        for len in 0..sig.len() {
            assert!(CmsSignature::parse(&sig[..len]).is_err(), "{len}");
        }
        assert_eq!(
            CmsSignature::parse(&[0u8; MAX_SIGNATURE_LEN + 1]).unwrap_err(),
            Error::InputTooLarge {
                limit: MAX_SIGNATURE_LEN
            }
        );
        assert_eq!(
            CmsSignature::parse(b"\x30\x03\x02\x01\x01").unwrap_err(),
            Error::Malformed("signature")
        );
    }

    #[test]
    fn signer_algorithms_are_ecdsa_or_rsa_with_sha256() {
        let alg = |oid: &str, parameters: Option<Any>| AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(oid),
            parameters,
        };
        let null = || Some(Any::null());
        let ecdsa = SignatureAlgorithm::EcdsaP256Sha256;
        let rsa = SignatureAlgorithm::RsaPkcs1Sha256;
        for (oid, expected) in [
            ("1.2.840.10045.4.3.2", ecdsa),
            ("1.2.840.113549.1.1.11", rsa),
            ("1.2.840.113549.1.1.1", rsa),
        ] {
            assert_eq!(check_signature_algorithm(&alg(oid, None)), Ok(expected));
            assert_eq!(check_signature_algorithm(&alg(oid, null())), Ok(expected));
            let odd = Some(Any::new(Tag::Integer, [1u8]).unwrap());
            assert!(check_signature_algorithm(&alg(oid, odd)).is_err(), "{oid}");
        }
        // sha1WithRSAEncryption, sha384WithRSAEncryption, RSASSA-PSS, ecdsa-with-SHA384.
        for oid in [
            "1.2.840.113549.1.1.5",
            "1.2.840.113549.1.1.12",
            "1.2.840.113549.1.1.10",
            "1.2.840.10045.4.3.3",
        ] {
            assert_eq!(
                check_signature_algorithm(&alg(oid, null())),
                Err(Error::SignatureInvalid),
                "{oid}"
            );
        }
    }

    #[test]
    fn deep_indefinite_nesting_is_an_error() {
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(CmsSignature::parse(&deep).is_err());
    }
}
