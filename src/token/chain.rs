//! The token's certificate path: anchor → intermediate → leaf, and the cache of work done on it.
//!
//! Apple signs payment tokens with a leaf certificate (marker extension
//! `1.2.840.113635.100.6.29`) issued by the *Apple Application Integration CA - G3*
//! intermediate (marker `1.2.840.113635.100.6.2.14`), itself issued by *Apple Root CA -
//! G3*. Both certificates travel in the token's CMS signature; the root is the trust
//! anchor, embedded in this crate and replaceable by the caller.
//!
//! The path has length two, built over the whole certificate set (in any order, with
//! extra certificates, or several with the same name): a leaf is a certificate the
//! `SignerInfo` names, an intermediate another certificate whose subject is the leaf's
//! issuer, and the anchor one whose subject is the intermediate's issuer and whose key
//! verifies it. Every such pair is tried, in the order sent, until one passes every
//! check; if none does, the first pair's error is reported. The set has at most
//! [`crate::MAX_CERTIFICATES`] elements, so at most twelve pairs.

use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use super::anchors::{OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF, TrustAnchors};
use super::chain_cache::{ChainCache, CheckedPath, Leaf, SignerNames};
use super::cms::{OID_ECDSA_SHA256, OID_ECDSA_SHA384, SignerId};
use crate::error::{ChainCertificate, ChainError, Error};
use crate::onboarding::merchant_cert::find_extension;
use crate::provider::{Provider, SignatureAlgorithm};
use crate::time::UnixTime;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// Smallest RSA leaf key accepted, in bits.
const MIN_RSA_LEAF_BITS: usize = 2048;
/// Largest RSA leaf key accepted, in bits.
const MAX_RSA_LEAF_BITS: usize = 8192;
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");

/// Checks the path anchor → intermediate → leaf at `time`, the leaf being the certificate
/// `signer` names. `certificates` are the signature's certificates, unparsed.
pub(crate) fn verify_chain(
    provider: &dyn Provider,
    anchors: &TrustAnchors,
    cache: &ChainCache,
    certificates: &[&[u8]],
    signer: &SignerId<'_>,
    time: UnixTime,
) -> Result<Arc<Leaf>, Error> {
    // Apple's case: two certificates this verifier has checked before.
    if let [first, second] = certificates {
        for (intermediate, leaf) in [(second, first), (first, second)] {
            let Some(path) = cache.path(intermediate, leaf) else {
                continue;
            };
            // A path that passed every check is one the full check would accept, as long
            // as its leaf is the certificate the signer names.
            if path.leaf_names.name(signer) {
                check_validity(&path.intermediate, ChainCertificate::Intermediate, time)?;
                check_validity(&path.leaf, ChainCertificate::Leaf, time)?;
                return Ok(Arc::clone(&path.leaf_info));
            }
        }
    }

    let parsed = certificates
        .iter()
        .map(|raw| parse_certificate(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let (leaf, intermediate, leaf_info) =
        verify_parsed(provider, anchors, cache, &parsed, signer, time)?;
    let leaf_info = Arc::new(leaf_info);
    let raw = |cert: &Certificate| {
        parsed
            .iter()
            .position(|c| core::ptr::eq(c, cert))
            .and_then(|i| certificates.get(i))
            .map(|raw| raw.to_vec())
            .ok_or(Error::CertificateChain(ChainError::BadCertificates))
    };
    cache.remember_path(
        raw(intermediate)?,
        raw(leaf)?,
        CheckedPath {
            leaf: leaf.clone(),
            intermediate: intermediate.clone(),
            leaf_names: SignerNames::of(leaf)?,
            leaf_info: Arc::clone(&leaf_info),
        },
    );
    Ok(leaf_info)
}

/// A certificate of the signature. One that does not parse makes the signature
/// unreadable, as it would if the whole `SignedData` had been parsed at once.
fn parse_certificate(raw: &[u8]) -> Result<Certificate, Error> {
    Certificate::from_der(raw).map_err(|_| Error::Malformed("signature"))
}

/// The full check of [`verify_chain`] on parsed certificates; returns the leaf, the
/// intermediate and what verification reports about the leaf.
fn verify_parsed<'c>(
    provider: &dyn Provider,
    anchors: &TrustAnchors,
    cache: &ChainCache,
    certificates: &'c [Certificate],
    signer: &SignerId<'_>,
    time: UnixTime,
) -> Result<(&'c Certificate, &'c Certificate, Leaf), Error> {
    let chain_err = Error::CertificateChain;
    let mut first_error = None;
    for leaf in certificates
        .iter()
        .filter(|cert| names_signer(cert, signer))
    {
        let issuer = leaf.tbs_certificate().issuer();
        let intermediates = certificates.iter().filter(|cert| {
            !core::ptr::eq(*cert, leaf) && cert.tbs_certificate().subject() == issuer
        });
        let mut found = false;
        for intermediate in intermediates {
            found = true;
            match check_path(provider, anchors, cache, leaf, intermediate, time) {
                Ok(info) => return Ok((leaf, intermediate, info)),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if !found {
            // The leaf is checked for its marker even without an intermediate.
            let e = if find_extension(leaf, OID_APPLE_PAY_LEAF).is_none() {
                chain_err(ChainError::MissingLeafMarker)
            } else {
                chain_err(ChainError::MissingIntermediate)
            };
            first_error.get_or_insert(e);
        }
    }
    Err(first_error.unwrap_or(chain_err(ChainError::SignerNotFound)))
}

/// Every check of the path anchor → `intermediate` → `leaf`; what verification reports
/// about the leaf.
fn check_path(
    provider: &dyn Provider,
    anchors: &TrustAnchors,
    cache: &ChainCache,
    leaf: &Certificate,
    intermediate: &Certificate,
    time: UnixTime,
) -> Result<Leaf, Error> {
    let chain_err = Error::CertificateChain;
    if find_extension(leaf, OID_APPLE_PAY_LEAF).is_none() {
        return Err(chain_err(ChainError::MissingLeafMarker));
    }
    if find_extension(intermediate, OID_APPLE_PAY_INTERMEDIATE).is_none() {
        return Err(chain_err(ChainError::MissingIntermediateMarker));
    }

    // Signatures first, top down: the fields checked afterwards (validity, constraints)
    // mean something only once their certificate is authenticated.
    let intermediate_fp = fingerprint(intermediate)?;
    if !cache.intermediate_known(&intermediate_fp) {
        let issuer = intermediate.tbs_certificate().issuer();
        let trusted = anchors
            .anchors
            .iter()
            .filter(|anchor| anchor.subject == *issuer)
            .any(|anchor| check_signed_by(provider, intermediate, &anchor.spki_der).is_ok());
        if !trusted {
            return Err(chain_err(ChainError::UntrustedRoot));
        }
        cache.remember_intermediate(intermediate_fp);
    }
    check_signed_by(provider, leaf, &spki_der(intermediate)?)
        .map_err(|_| chain_err(ChainError::BadLeafSignature))?;

    check_validity(intermediate, ChainCertificate::Intermediate, time)?;
    check_validity(leaf, ChainCertificate::Leaf, time)?;
    check_usage(intermediate, true)?;
    check_usage(leaf, false)?;

    let leaf_spki = spki_der(leaf)?;
    let signature_algorithm = leaf_signature_algorithm(&leaf_spki)?;
    Ok(Leaf {
        verifying_key: provider.verifying_key(signature_algorithm, &leaf_spki),
        spki_der: leaf_spki,
        signature_algorithm,
        subject: leaf.tbs_certificate().subject().to_string(),
        not_after: validity(leaf).1,
    })
}

/// [`ChainError::Expired`] naming `which` certificate unless `time` lies in its validity
/// period.
fn check_validity(
    cert: &Certificate,
    which: ChainCertificate,
    time: UnixTime,
) -> Result<(), Error> {
    let (not_before, not_after) = validity(cert);
    if time < not_before || time > not_after {
        return Err(Error::CertificateChain(ChainError::Expired {
            certificate: which,
            not_before,
            not_after,
            time,
        }));
    }
    Ok(())
}

/// Whether `cert` is the certificate the `SignerInfo` identifies.
fn names_signer(cert: &Certificate, signer: &SignerId<'_>) -> bool {
    SignerNames::of(cert).is_ok_and(|names| names.name(signer))
}

/// SHA-256 of a certificate's DER, as the cache key. The DER is streamed into the hash
/// rather than written to a buffer. It uses `sha2` whatever the back-end: the key only
/// names the bytes within this process, nothing is verified with it.
fn fingerprint(cert: &impl Encode) -> Result<[u8; 32], Error> {
    use sha2::Digest;
    struct HashWriter(sha2::Sha256);
    impl der::Writer for HashWriter {
        fn write(&mut self, slice: &[u8]) -> der::Result<()> {
            self.0.update(slice);
            Ok(())
        }
    }
    let mut writer = HashWriter(sha2::Sha256::new());
    cert.encode(&mut writer)
        .map_err(|_| Error::CertificateChain(ChainError::BadCertificates))?;
    Ok(writer.0.finalize().into())
}

fn spki_der(cert: &Certificate) -> Result<Vec<u8>, Error> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| Error::CertificateChain(ChainError::BadCertificates))
}

fn validity(cert: &Certificate) -> (UnixTime, UnixTime) {
    let v = cert.tbs_certificate().validity();
    (
        UnixTime::since_unix_epoch(v.not_before.to_unix_duration().as_secs()),
        UnixTime::since_unix_epoch(v.not_after.to_unix_duration().as_secs()),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

/// The named curve of an EC `SubjectPublicKeyInfo`.
fn curve(spki_der: &[u8]) -> Result<Curve, Error> {
    let unsupported = Error::CertificateChain(ChainError::UnsupportedAlgorithm);
    let spki =
        spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| unsupported.clone())?;
    if spki.algorithm.oid != OID_EC_PUBLIC_KEY {
        return Err(unsupported);
    }
    match spki.algorithm.parameters_oid() {
        Ok(OID_P256) => Ok(Curve::P256),
        Ok(OID_P384) => Ok(Curve::P384),
        _ => Err(unsupported),
    }
}

/// The CMS signature algorithm a leaf key makes: ECDSA with SHA-256 for a P-256 key
/// (`EC_v1` tokens, and Apple's usual signer), RSA PKCS#1 v1.5 with SHA-256 for an RSA key
/// of 2048 to 8192 bits (the range aws-lc-rs verifies). Anything else is
/// [`ChainError::UnsupportedAlgorithm`].
fn leaf_signature_algorithm(spki_der: &[u8]) -> Result<SignatureAlgorithm, Error> {
    let unsupported = Error::CertificateChain(ChainError::UnsupportedAlgorithm);
    let spki =
        spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| unsupported.clone())?;
    if spki.algorithm.oid == OID_RSA_ENCRYPTION {
        // RFC 3279 §2.3.1: the parameters are NULL.
        if !spki.algorithm.parameters.is_some_and(|p| p.is_null()) {
            return Err(unsupported);
        }
        let key = spki
            .subject_public_key
            .as_bytes()
            .and_then(|bits| rsa::pkcs1::RsaPublicKeyRef::from_der(bits).ok())
            .ok_or(unsupported.clone())?;
        let modulus = key.modulus.as_bytes();
        let leading_zeros = modulus.first().map_or(8, |b| b.leading_zeros() as usize);
        let bits = modulus
            .len()
            .saturating_mul(8)
            .saturating_sub(leading_zeros);
        return if (MIN_RSA_LEAF_BITS..=MAX_RSA_LEAF_BITS).contains(&bits) {
            Ok(SignatureAlgorithm::RsaPkcs1Sha256)
        } else {
            Err(unsupported)
        };
    }
    match curve(spki_der)? {
        Curve::P256 => Ok(SignatureAlgorithm::EcdsaP256Sha256),
        Curve::P384 => Err(unsupported),
    }
}

/// Verifies `cert`'s signature with the issuer key `issuer_spki`, dispatching on the
/// certificate's `signatureAlgorithm` and the issuer's curve (Apple's root signs its
/// intermediate with ecdsa-with-SHA256 under a P-384 key).
fn check_signed_by(
    provider: &dyn Provider,
    cert: &Certificate,
    issuer_spki: &[u8],
) -> Result<(), Error> {
    let unsupported = Error::CertificateChain(ChainError::UnsupportedAlgorithm);
    let alg = cert.signature_algorithm();
    // RFC 5280 §4.1.1.2: the outer and signed algorithm identifiers must be equal;
    // RFC 5758 §3.2: ECDSA identifiers have absent parameters.
    if alg != cert.tbs_certificate().signature() || alg.parameters.is_some() {
        return Err(unsupported);
    }
    let algorithm = match (alg.oid, curve(issuer_spki)?) {
        (OID_ECDSA_SHA256, Curve::P256) => SignatureAlgorithm::EcdsaP256Sha256,
        (OID_ECDSA_SHA256, Curve::P384) => SignatureAlgorithm::EcdsaP384Sha256,
        (OID_ECDSA_SHA384, Curve::P384) => SignatureAlgorithm::EcdsaP384Sha384,
        _ => return Err(unsupported),
    };
    let signature = cert.signature().as_bytes().ok_or(Error::SignatureInvalid)?;
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|_| Error::CertificateChain(ChainError::BadCertificates))?;
    provider.verify_signature(algorithm, issuer_spki, &tbs, signature)
}

/// Basic constraints, key usage, and no critical extension this verifier does not know.
fn check_usage(cert: &Certificate, is_ca: bool) -> Result<(), Error> {
    let usage = Error::CertificateChain(ChainError::Usage);
    let tbs = cert.tbs_certificate();
    let constraints = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|_| usage.clone())?;
    match constraints {
        // A CA certificate must say so (RFC 5280 §4.2.1.9); its path length constraint,
        // if any, allows the one leaf below it whatever its value.
        Some((_, bc)) if bc.ca == is_ca => {}
        None if !is_ca => {}
        _ => return Err(usage),
    }
    if let Some((_, key_usage)) = tbs.get_extension::<KeyUsage>().map_err(|_| usage.clone())? {
        let allowed = if is_ca {
            key_usage.key_cert_sign()
        } else {
            key_usage.digital_signature()
        };
        if !allowed {
            return Err(usage);
        }
    }
    let understood = [
        OID_BASIC_CONSTRAINTS,
        OID_KEY_USAGE,
        OID_APPLE_PAY_LEAF,
        OID_APPLE_PAY_INTERMEDIATE,
    ];
    let unknown_critical = tbs
        .extensions()
        .into_iter()
        .flatten()
        .any(|ext| ext.critical && !understood.contains(&ext.extn_id));
    if unknown_critical {
        return Err(usage);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::default_provider;
    use crate::token::anchors::APPLE_ROOT_CA_G3_DER;

    #[test]
    fn embedded_root_is_apple_root_ca_g3() {
        let fingerprint = default_provider().sha256(&[APPLE_ROOT_CA_G3_DER]);
        let hex: String = fingerprint
            .iter()
            .map(|b| alloc::format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179"
        );
        let anchors = TrustAnchors::apple();
        assert_eq!(anchors.len(), 1);
        assert_eq!(
            anchors.anchors[0].subject.to_string(),
            "C=US,O=Apple Inc.,OU=Apple Certification Authority,CN=Apple Root CA - G3"
        );
        // The root is self-signed with ecdsa-with-SHA384 under its P-384 key.
        let root = Certificate::from_der(APPLE_ROOT_CA_G3_DER).unwrap();
        check_signed_by(default_provider(), &root, &anchors.anchors[0].spki_der).unwrap();
        assert_eq!(curve(&anchors.anchors[0].spki_der).unwrap(), Curve::P384);
    }

    #[test]
    fn leaf_keys_are_p256_or_rsa_of_2048_bits_and_more() {
        use rand::SeedableRng;
        use spki::EncodePublicKey;
        let rsa_2048 = crate::PrivateKey::from_pem_or_der(include_bytes!(
            "../../test-vectors/onboarding/rsa.pkcs1.pem"
        ))
        .unwrap();
        assert_eq!(
            leaf_signature_algorithm(crate::MerchantKey::public_key_spki(&rsa_2048)),
            Ok(SignatureAlgorithm::RsaPkcs1Sha256)
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let p256 = crate::PrivateKey::generate_p256(&mut rng).unwrap();
        assert_eq!(
            leaf_signature_algorithm(crate::MerchantKey::public_key_spki(&p256)),
            Ok(SignatureAlgorithm::EcdsaP256Sha256)
        );
        let rsa_1024 = rsa::PrivateKey::new(&mut rng, 1024)
            .unwrap()
            .to_public_key()
            .to_public_key_der()
            .unwrap();
        let anchors = TrustAnchors::apple();
        for refused in [
            rsa_1024.as_bytes(),
            &anchors.anchors[0].spki_der,
            b"\x30\x00",
        ] {
            assert_eq!(
                leaf_signature_algorithm(refused),
                Err(Error::CertificateChain(ChainError::UnsupportedAlgorithm))
            );
        }
    }

    #[test]
    fn anchors_from_pem_and_der() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/test-vectors/synthetic-appdata/test_root.pem"
        ))
        .unwrap();
        assert_eq!(TrustAnchors::from_pem_or_der(&pem).unwrap().len(), 1);
        assert_eq!(
            TrustAnchors::from_pem_or_der(APPLE_ROOT_CA_G3_DER)
                .unwrap()
                .len(),
            1
        );
        for bad in [
            &b""[..],
            b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            b"\x30\x00",
        ] {
            assert!(TrustAnchors::from_pem_or_der(bad).is_err());
        }
    }
}
