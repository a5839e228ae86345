//! Reading the token's detached CMS `SignedData` (RFC 5652), BER or DER, borrowed.
//!
//! Apple encodes the `signature` field in BER with indefinite lengths (`30 80 …`) on the
//! outer layers (`ContentInfo`, `SignedData`, the encapsulated content info, the
//! certificate set) and DER inside. The envelope is walked with the borrowed BER reader of
//! `ber.rs`: every field here is a slice of the signature, nothing is copied but the
//! signed attributes (which are signed with another tag). The small structures inside
//! are decoded by `der` in DER: algorithm identifiers, the signing time, the
//! `CMSAlgorithmProtection` attribute (RFC 6211; `cms` has no type for it). Certificates
//! are left as raw DER, parsed by `chain` only when its cache has not seen them.
//!
//! The signed message is the DER encoding of `SignedAttrs` with the `SET OF` tag (`0x31`,
//! RFC 5652 §5.4): the transmitted `[0]` with its tag changed, attributes in the order
//! received (as OpenSSL verifies). Signed attributes that are not DER — indefinite or
//! non-minimal lengths — are refused, as RFC 5652 requires DER there.

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Sequence};
use spki::AlgorithmIdentifierRef;
use x509_cert::time::Time;

use super::ber::{self, Tlv};
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
struct AlgorithmProtection<'a> {
    digest_algorithm: AlgorithmIdentifierRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    signature_algorithm: Option<AlgorithmIdentifierRef<'a>>,
}

/// How the signature names its signer certificate, as transmitted.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SignerId<'a> {
    /// The issuer's `Name` (DER, tag included) and the serial number (the `INTEGER`'s
    /// contents).
    IssuerAndSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// The `subjectKeyIdentifier` extension value.
    SubjectKeyId(&'a [u8]),
}

/// What verification needs from the token's `SignedData`, checked for shape only, borrowed
/// from the signature. The digest is always SHA-256 and the signature ECDSA or RSA
/// PKCS#1 v1.5 (anything else is refused).
#[derive(Clone, Debug)]
pub(crate) struct CmsSignature<'a> {
    /// Certificates, in the order sent (Apple: leaf, intermediate): each a whole DER
    /// element, unparsed.
    certificates: [&'a [u8]; MAX_CERTIFICATES],
    certificate_count: usize,
    /// Which certificate signed.
    pub(crate) signer: SignerId<'a>,
    /// DER of the signed attributes with the `SET OF` tag: the signed message.
    pub(crate) signed_attrs_der: Vec<u8>,
    /// The `messageDigest` attribute.
    pub(crate) message_digest: &'a [u8],
    /// The `signingTime` attribute.
    pub(crate) signing_time: UnixTime,
    /// The signer's algorithm: ECDSA or RSA PKCS#1 v1.5, with SHA-256.
    pub(crate) signature_algorithm: SignatureAlgorithm,
    /// The signature value.
    pub(crate) signature: &'a [u8],
}

/// The parts of a `SignerInfo`, found but not yet checked.
struct RawSignerInfo<'a> {
    version: Tlv<'a>,
    sid: Tlv<'a>,
    digest_algorithm: Tlv<'a>,
    signed_attrs: Option<Tlv<'a>>,
    signature_algorithm: Tlv<'a>,
    signature: Tlv<'a>,
}

impl<'a> CmsSignature<'a> {
    /// Parses the detached `SignedData`. Structure errors are `Malformed("signature")`;
    /// too many or unreadable certificates are `CertificateChain(BadCertificates)`;
    /// algorithms other than SHA-256 with ECDSA or RSA are `SignatureInvalid`.
    pub(crate) fn parse(input: &'a [u8]) -> Result<Self, Error> {
        if input.len() > MAX_SIGNATURE_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_SIGNATURE_LEN,
            });
        }
        let malformed = || Error::Malformed(WHAT);

        // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
        let content_info = ber::read_one(input)
            .and_then(|tlv| tlv.expect(ber::SEQUENCE))
            .ok_or_else(malformed)?;
        let mut fields = content_info.children();
        let content_type = fields.expect(ber::OID).ok_or_else(malformed)?;
        let content = fields.expect(ber::CONTEXT_0).ok_or_else(malformed)?;
        if !fields.is_empty() || content_type.value != OID_SIGNED_DATA.as_bytes() {
            return Err(malformed());
        }
        let mut content = content.children();
        let signed_data = content.expect(ber::SEQUENCE).ok_or_else(malformed)?;
        if !content.is_empty() {
            return Err(malformed());
        }

        // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
        //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
        let mut fields = signed_data.children();
        let version = fields.expect(ber::INTEGER).ok_or_else(malformed)?;
        let digest_algorithms = fields.expect(ber::SET).ok_or_else(malformed)?;
        let encap = fields.expect(ber::SEQUENCE).ok_or_else(malformed)?;
        let certificates = fields.optional(ber::CONTEXT_0).ok_or_else(malformed)?;
        let crls = fields.optional(ber::CONTEXT_1).ok_or_else(malformed)?;
        let signer_infos = fields.expect(ber::SET).ok_or_else(malformed)?;
        if !fields.is_empty() {
            return Err(malformed());
        }
        let mut signers = signer_infos.children();
        let signer = signers.expect(ber::SEQUENCE).ok_or_else(malformed)?;
        let signer = RawSignerInfo::read(signer).ok_or_else(malformed)?;
        // Exactly one signer.
        if !signers.is_empty() {
            return Err(malformed());
        }

        // RFC 5652 §5.1: version 1 for plain data, certificates and no attribute
        // certificates or other revocation formats (3 when a signer uses a key id).
        if !matches!(version.value, [1] | [3]) || crls.is_some() {
            return Err(malformed());
        }

        // Detached signature over plain data: EncapsulatedContentInfo ::= SEQUENCE {
        // eContentType, eContent [0] EXPLICIT OPTIONAL }, without eContent.
        let mut encap = encap.children();
        let econtent_type = encap.expect(ber::OID).ok_or_else(malformed)?;
        if econtent_type.value != OID_DATA.as_bytes() || !encap.is_empty() {
            return Err(malformed());
        }

        let certificates = Certificates::read(certificates)?;

        // The one signer's digest algorithm must be the one the SignedData announces, and
        // nothing else may be announced.
        let mut announced = digest_algorithms.children();
        let alg = announced.expect(ber::SEQUENCE).ok_or_else(malformed)?;
        if !announced.is_empty() {
            return Err(malformed());
        }
        let alg = algorithm_identifier(alg)?;
        if alg.oid != algorithm_identifier(signer.digest_algorithm)?.oid {
            return Err(malformed());
        }
        check_digest_algorithm(&alg)?;
        signer.check(certificates)
    }

    /// The certificates, in the order sent, each a whole DER element.
    pub(crate) fn certificates(&self) -> &[&'a [u8]] {
        self.certificates
            .get(..self.certificate_count)
            .unwrap_or_default()
    }
}

/// The certificate set, at most [`MAX_CERTIFICATES`].
struct Certificates<'a> {
    all: [&'a [u8]; MAX_CERTIFICATES],
    count: usize,
}

impl<'a> Certificates<'a> {
    /// Only certificates proper (a `SEQUENCE`) are allowed; the other
    /// `CertificateChoices` are refused, and so is a set of more than
    /// [`MAX_CERTIFICATES`], before the rest is read.
    fn read(set: Option<Tlv<'a>>) -> Result<Self, Error> {
        let bad = || Error::CertificateChain(ChainError::BadCertificates);
        let set = set.ok_or_else(bad)?;
        let mut certificates = Self {
            all: [&[]; MAX_CERTIFICATES],
            count: 0,
        };
        let mut elements = set.children();
        while let Some(element) = elements.next().ok_or_else(bad)? {
            let slot = certificates
                .all
                .get_mut(certificates.count)
                .ok_or_else(bad)?;
            *slot = element.expect(ber::SEQUENCE).ok_or_else(bad)?.encoded;
            certificates.count += 1;
        }
        Ok(certificates)
    }
}

impl<'a> RawSignerInfo<'a> {
    /// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT
    ///   OPTIONAL, signatureAlgorithm, signature, unsignedAttrs [1] IMPLICIT OPTIONAL }
    fn read(signer: Tlv<'a>) -> Option<Self> {
        let mut fields = signer.children();
        let version = fields.expect(ber::INTEGER)?;
        let sid = fields.next()??;
        let digest_algorithm = fields.expect(ber::SEQUENCE)?;
        let signed_attrs = fields.optional(ber::CONTEXT_0)?;
        let signature_algorithm = fields.expect(ber::SEQUENCE)?;
        let signature = fields.expect(ber::OCTET_STRING)?;
        // Unsigned attributes are not covered by the signature, and ignored.
        fields.optional(ber::CONTEXT_1)?;
        if !fields.is_empty() {
            return None;
        }
        Some(Self {
            version,
            sid,
            digest_algorithm,
            signed_attrs,
            signature_algorithm,
            signature,
        })
    }

    fn check(self, certificates: Certificates<'a>) -> Result<CmsSignature<'a>, Error> {
        let malformed = || Error::Malformed(WHAT);
        check_digest_algorithm(&algorithm_identifier(self.digest_algorithm)?)?;
        let signature_algorithm =
            check_signature_algorithm(&algorithm_identifier(self.signature_algorithm)?)?;
        // RFC 5652 §5.3: version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
        let signer = match (self.sid.tag, self.version.value) {
            (ber::SEQUENCE, [1]) => {
                let mut fields = self.sid.children();
                let issuer = fields.expect(ber::SEQUENCE).ok_or_else(malformed)?;
                let serial = fields.expect(ber::INTEGER).ok_or_else(malformed)?;
                if !fields.is_empty() {
                    return Err(malformed());
                }
                SignerId::IssuerAndSerial {
                    issuer: issuer.encoded,
                    serial: serial.value,
                }
            }
            (ber::CONTEXT_0_PRIMITIVE, [3]) => SignerId::SubjectKeyId(self.sid.value),
            _ => return Err(malformed()),
        };

        let attrs = self.signed_attrs.ok_or_else(malformed)?;
        if !attrs.is_der() {
            return Err(malformed());
        }
        let (mut content_type, mut digest, mut time, mut protection) = (None, None, None, None);
        let mut elements = attrs.children();
        let mut previous: &[u8] = &[];
        while let Some(attr) = elements.next().ok_or_else(malformed)? {
            // DER's `SET OF` order (X.690 §11.6: ascending encodings; these all start with
            // a SEQUENCE header, so none is a zero-padded prefix of another).
            if attr.encoded < previous {
                return Err(malformed());
            }
            previous = attr.encoded;
            // Attribute ::= SEQUENCE { attrType, attrValues SET OF }, one value each.
            let mut fields = attr.expect(ber::SEQUENCE).ok_or_else(malformed)?.children();
            let oid = fields.expect(ber::OID).ok_or_else(malformed)?;
            let mut values = fields.expect(ber::SET).ok_or_else(malformed)?.children();
            let value = values.next().flatten().ok_or_else(malformed)?;
            if !fields.is_empty() || !values.is_empty() {
                return Err(malformed());
            }
            let slot = match oid.value {
                v if v == OID_CONTENT_TYPE.as_bytes() => &mut content_type,
                v if v == OID_MESSAGE_DIGEST.as_bytes() => &mut digest,
                v if v == OID_SIGNING_TIME.as_bytes() => &mut time,
                v if v == OID_ALGORITHM_PROTECTION.as_bytes() => &mut protection,
                // Other attributes are covered by the signature and otherwise ignored.
                _ => continue,
            };
            // Each of these attributes may appear once (RFC 5652 §11, RFC 6211 §2).
            if slot.replace(value).is_some() {
                return Err(malformed());
            }
        }
        let (Some(content_type), Some(digest), Some(time)) = (content_type, digest, time) else {
            return Err(malformed());
        };
        if content_type.expect(ber::OID).map(|oid| oid.value) != Some(OID_DATA.as_bytes()) {
            return Err(malformed());
        }
        let message_digest = digest
            .expect(ber::OCTET_STRING)
            .ok_or_else(malformed)?
            .value;
        let signing_time = Time::from_der(time.encoded).map_err(|_| malformed())?;
        let signing_time = UnixTime::since_unix_epoch(signing_time.to_unix_duration().as_secs());

        // RFC 6211: when present, the protected algorithms must be the ones used.
        if let Some(protection) = protection {
            let protection =
                AlgorithmProtection::from_der(protection.encoded).map_err(|_| malformed())?;
            let signer_signature = algorithm_identifier(self.signature_algorithm)?;
            let signer_digest = algorithm_identifier(self.digest_algorithm)?;
            let same_signature = protection
                .signature_algorithm
                .is_some_and(|alg| alg.oid == signer_signature.oid);
            if protection.digest_algorithm.oid != signer_digest.oid || !same_signature {
                return Err(Error::SignatureInvalid);
            }
        }

        // The DER `SET OF` is the `[0]` re-tagged: `is_der` checked its lengths.
        let mut signed_attrs_der = attrs.encoded.to_vec();
        if let Some(tag) = signed_attrs_der.first_mut() {
            *tag = ber::SET;
        }
        Ok(CmsSignature {
            certificates: certificates.all,
            certificate_count: certificates.count,
            signer,
            signed_attrs_der,
            message_digest,
            signing_time,
            signature_algorithm,
            signature: self.signature.value,
        })
    }
}

/// An `AlgorithmIdentifier` (DER).
fn algorithm_identifier(tlv: Tlv<'_>) -> Result<AlgorithmIdentifierRef<'_>, Error> {
    AlgorithmIdentifierRef::from_der(tlv.encoded).map_err(|_| Error::Malformed(WHAT))
}

/// Parameters of an algorithm identifier: absent or NULL.
fn params_absent_or_null(alg: &AlgorithmIdentifierRef<'_>) -> bool {
    alg.parameters.as_ref().is_none_or(|p| p.is_null())
}

fn check_digest_algorithm(alg: &AlgorithmIdentifierRef<'_>) -> Result<(), Error> {
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
fn check_signature_algorithm(
    alg: &AlgorithmIdentifierRef<'_>,
) -> Result<SignatureAlgorithm, Error> {
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
            assert_eq!(cms.certificates().len(), 2, "{name}");
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
        use der::Tag;
        use der::asn1::AnyRef;
        let alg = |oid: &str, parameters: Option<AnyRef<'static>>| AlgorithmIdentifierRef {
            oid: ObjectIdentifier::new_unwrap(oid),
            parameters,
        };
        let null = || Some(AnyRef::NULL);
        let ecdsa = SignatureAlgorithm::EcdsaP256Sha256;
        let rsa = SignatureAlgorithm::RsaPkcs1Sha256;
        for (oid, expected) in [
            ("1.2.840.10045.4.3.2", ecdsa),
            ("1.2.840.113549.1.1.11", rsa),
            ("1.2.840.113549.1.1.1", rsa),
        ] {
            assert_eq!(check_signature_algorithm(&alg(oid, None)), Ok(expected));
            assert_eq!(check_signature_algorithm(&alg(oid, null())), Ok(expected));
            let odd = Some(AnyRef::new(Tag::Integer, &[1u8]).unwrap());
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

    /// `gala-current`'s signature with `edit` applied at `offset` (replacing `old`), the
    /// definite lengths of the `SignerInfos` set (1809) and the `SignerInfo` (1813)
    /// grown by `grow`. Offsets are from `openssl asn1parse`.
    fn edited_gala(offset: usize, old: &[u8], new: &[u8], grow: u16) -> Vec<u8> {
        let mut sig = token("gala-current").signature().to_vec();
        assert_eq!(&sig[offset..offset + old.len()], old);
        sig.splice(offset..offset + old.len(), new.iter().copied());
        for (at, len) in [(1809, 397u16), (1813, 393)] {
            assert_eq!(
                sig[at..at + 4],
                [sig[at], 0x82, (len >> 8) as u8, len as u8]
            );
            sig[at + 2..at + 4].copy_from_slice(&(len + grow).to_be_bytes());
        }
        sig
    }

    #[test]
    fn ber_length_forms_are_accepted_outside_the_signed_attributes() {
        let original = token("gala-current");
        let parsed = CmsSignature::parse(original.signature()).unwrap();
        // The signature value (`04 48`, at 2136) with a long-form length: valid BER.
        let long_form = edited_gala(2136, &[0x04, 0x48], &[0x04, 0x81, 0x48], 1);
        let reparsed = CmsSignature::parse(&long_form).unwrap();
        assert_eq!(reparsed.signature, parsed.signature);
        assert_eq!(reparsed.signed_attrs_der, parsed.signed_attrs_der);
        assert_eq!(reparsed.certificates(), parsed.certificates());
        // A definite length for the indefinite outer SEQUENCE, with leading zeros.
        let mut definite = original.signature().to_vec();
        let inner = definite[2..definite.len() - 2].to_vec();
        definite = [
            &[0x30, 0x84][..],
            &(inner.len() as u32).to_be_bytes(),
            &inner,
        ]
        .concat();
        assert_eq!(
            CmsSignature::parse(&definite).unwrap().signed_attrs_der,
            parsed.signed_attrs_der
        );
    }

    #[test]
    fn signed_attributes_must_be_der() {
        // The `[0]` signed attributes (`a0 81 95`, at 1972) with a two-byte length.
        let sig = edited_gala(1972, &[0xA0, 0x81, 0x95], &[0xA0, 0x82, 0x00, 0x95], 1);
        assert_eq!(
            CmsSignature::parse(&sig).unwrap_err(),
            Error::Malformed("signature")
        );
        // A primitive `[0]` is not the signed attributes at all.
        let sig = edited_gala(1972, &[0xA0], &[0x80], 0);
        assert_eq!(
            CmsSignature::parse(&sig).unwrap_err(),
            Error::Malformed("signature")
        );
    }
}
