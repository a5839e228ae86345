//! The CMS `SignedData` and the certificates of the test PKI, written as raw DER (with BER
//! indefinite lengths on request) the way Apple writes them.

use alloc::vec;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use sha2::Digest;

use super::der_writer::{
    attribute, ca_constraints, certificate, constructed, extension, key_usage, key_usage_ca, name,
    oid, seq, tbs, time, tlv,
};

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// The contents octets of an OBJECT IDENTIFIER.
fn oid_contents(dotted: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(dotted).as_bytes().to_vec()
}

/// How the outer layers of the `SignedData` write their lengths.
#[derive(Clone, Copy)]
enum Lengths {
    Der,
    /// Indefinite on the constructed elements down to the certificate set.
    Indefinite,
    /// More length octets than DER uses ([`Encoding::BerLongLengths`]).
    Long,
}

impl Lengths {
    fn constructed(self, tag: u8, content: &[u8]) -> Vec<u8> {
        match self {
            Self::Der => tlv(tag, content),
            Self::Indefinite => constructed(tag, content, true),
            Self::Long => long_form(tag, content, 4),
        }
    }

    fn primitive(self, tag: u8, content: &[u8]) -> Vec<u8> {
        match self {
            Self::Der | Self::Indefinite => tlv(tag, content),
            Self::Long => long_form(tag, content, 1),
        }
    }

    /// The signer infos' `SET`: definite in Apple's layout.
    fn signer_infos(self, signer_info: &[u8]) -> Vec<u8> {
        match self {
            Self::Der | Self::Indefinite => tlv(0x31, signer_info),
            Self::Long => long_form(0x31, signer_info, 2),
        }
    }
}

/// A definite length in `octets` length octets, however short the contents.
fn long_form(tag: u8, content: &[u8], octets: u8) -> Vec<u8> {
    let len = content.len().to_be_bytes();
    let n = usize::from(octets);
    let mut out = vec![tag, 0x80 | octets];
    out.extend(
        core::iter::repeat_n(0u8, n.saturating_sub(len.len()))
            .chain(len.iter().copied().skip(len.len().saturating_sub(n))),
    );
    out.extend_from_slice(content);
    out
}
use super::keys::{
    sign_p256, sign_p384_sha256, sign_p384_sha384, sign_rsa, spki_p256, spki_p384, spki_rsa,
};
use super::pki::{
    DAY, LEAF_SERIAL, OID_ECDSA_SHA256, OID_SHA256_WITH_RSA, RSA_LEAF_SERIAL, TestPki, civil, hex,
};
use super::spec::{Certificates, Encoding, Fault, Signer, TokenSpec};
use crate::error::Error;
use crate::onboarding::merchant_cert::OID_MERCHANT_ID_HASH;
use crate::token::anchors::{OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF};

impl TestPki {
    /// The detached CMS `SignedData` over the content whose SHA-256 is `digest`.
    pub(super) fn signed_data(
        &self,
        spec: &TokenSpec,
        digest: &[u8; 32],
    ) -> Result<Vec<u8>, Error> {
        let leaf = self.leaf_certificate(spec)?;
        let intermediate = self.intermediate_certificate(spec.fault)?;
        let certificates = match spec.certificates {
            Certificates::LeafFirst => [leaf, intermediate].concat(),
            Certificates::IntermediateFirst => [intermediate, leaf].concat(),
            Certificates::DecoyIntermediateFirst => {
                [self.decoy_intermediate_certificate()?, leaf, intermediate].concat()
            }
        };

        let sha256_alg = seq(&[&oid("2.16.840.1.101.3.4.2.1"), &[0x05, 0x00]]);
        // The signature algorithm's contents: ECDSA without parameters (RFC 5758),
        // RSA with NULL ones (RFC 4055).
        let (ecdsa_alg, rsa_alg) = (
            oid(OID_ECDSA_SHA256),
            [oid(OID_SHA256_WITH_RSA), vec![0x05, 0x00]].concat(),
        );
        let mismatched = spec.fault == Some(Fault::MismatchedSignatureAlgorithm);
        let signature_alg = match (spec.signer, mismatched) {
            (Signer::Ecdsa, false) | (Signer::Rsa, true) => ecdsa_alg,
            (Signer::Rsa, false) | (Signer::Ecdsa, true) => rsa_alg,
        };
        let serial = match spec.signer {
            Signer::Ecdsa => LEAF_SERIAL,
            Signer::Rsa => RSA_LEAF_SERIAL,
        };
        let mut attrs = [
            attribute("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.7.1")),
            attribute("1.2.840.113549.1.9.5", &time(spec.signing_time)),
            attribute(
                "1.2.840.113549.1.9.52",
                &seq(&[&sha256_alg, &tlv(0xA1, &signature_alg)]),
            ),
            attribute("1.2.840.113549.1.9.4", &tlv(0x04, digest)),
        ];
        // DER orders the elements of a SET OF by their encodings.
        attrs.sort();
        if spec.fault == Some(Fault::UnsortedSignedAttrs) {
            attrs.reverse();
        }
        let attrs = attrs.concat();
        let signed = tlv(0x31, &attrs);
        let mut signature = match spec.signer {
            Signer::Ecdsa => sign_p256(&self.leaf_key, &signed),
            Signer::Rsa => sign_rsa(&self.rsa()?.leaf_key, &signed)?,
        };
        if spec.fault == Some(Fault::TamperedSignature)
            && let Some(byte) = signature.last_mut()
        {
            *byte ^= 1;
        }
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &seq(&[&self.intermediate_name, &[0x02, 0x01, serial]]),
            &sha256_alg,
            &tlv(
                if spec.fault == Some(Fault::PrimitiveSignedAttrsTag) {
                    0x80
                } else {
                    0xA0
                },
                &attrs,
            ),
            &tlv(0x30, &signature_alg),
            &tlv(0x04, &signature),
        ]);
        // Apple's layout: indefinite lengths down to the certificate set; the signer infos
        // are definite.
        let outer = match spec.encoding {
            Encoding::BerIndefinite => Lengths::Indefinite,
            Encoding::Der => Lengths::Der,
            Encoding::BerLongLengths => Lengths::Long,
        };
        let certificates_tag = if spec.fault == Some(Fault::PrimitiveCertificatesTag) {
            0x80
        } else {
            0xA0
        };
        let signed_data = outer.constructed(
            0x30,
            &[
                &outer.primitive(0x02, &[0x01])[..],
                &tlv(0x31, &sha256_alg),
                &outer.constructed(0x30, &outer.primitive(0x06, &oid_contents(OID_DATA))),
                &outer.constructed(certificates_tag, &certificates),
                &outer.signer_infos(&signer_info),
            ]
            .concat(),
        );
        Ok(outer.constructed(
            0x30,
            &[
                &outer.primitive(0x06, &oid_contents(OID_SIGNED_DATA))[..],
                &outer.constructed(0xA0, &signed_data),
            ]
            .concat(),
        ))
    }

    /// The to-be-signed part of an intermediate certificate: issued by the root, with the
    /// intermediate's name and validity, signed with ecdsa-with-SHA256 (Apple's quirk).
    fn intermediate_tbs(
        &self,
        serial: u8,
        spki: &[u8],
        extensions: &[Vec<u8>],
    ) -> Result<Vec<u8>, Error> {
        Ok(tbs(
            serial,
            "1.2.840.10045.4.3.2",
            &self.root_name,
            civil(2020, 1, 1)?,
            civil(2040, 1, 1)?,
            &self.intermediate_name,
            spki,
            extensions,
        ))
    }

    /// A certificate with the intermediate's name, extensions and issuer, signed by the
    /// root, for another key ([`Certificates::DecoyIntermediateFirst`]).
    pub(super) fn decoy_intermediate_certificate(&self) -> Result<Vec<u8>, Error> {
        let spki = spki_p256(self.decoy_key.verifying_key())?;
        let extensions = [
            ca_constraints(Some(0)),
            key_usage_ca(),
            extension(OID_APPLE_PAY_INTERMEDIATE, false, &[0x05, 0x00]),
        ];
        let tbs = self.intermediate_tbs(7, &spki, &extensions)?;
        let signature = sign_p384_sha256(&self.root_key, &tbs)?;
        Ok(certificate(&tbs, "1.2.840.10045.4.3.2", &signature))
    }

    pub(super) fn root_certificate(&self) -> Result<Vec<u8>, Error> {
        let spki = spki_p384(self.root_key.verifying_key())?;
        let tbs = tbs(
            1,
            "1.2.840.10045.4.3.3",
            &self.root_name,
            civil(2020, 1, 1)?,
            civil(2045, 1, 1)?,
            &self.root_name,
            &spki,
            &[ca_constraints(None), key_usage_ca()],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.3",
            &sign_p384_sha384(&self.root_key, &tbs),
        ))
    }

    fn intermediate_certificate(&self, fault: Option<Fault>) -> Result<Vec<u8>, Error> {
        let spki = spki_p256(self.intermediate_key.verifying_key())?;
        let mut extensions = vec![ca_constraints(Some(0)), key_usage_ca()];
        if fault != Some(Fault::MissingIntermediateOid) {
            extensions.push(extension(OID_APPLE_PAY_INTERMEDIATE, false, &[0x05, 0x00]));
        }
        let tbs = self.intermediate_tbs(2, &spki, &extensions)?;
        let signer = if fault == Some(Fault::UntrustedRoot) {
            &self.rogue_root_key
        } else {
            &self.root_key
        };
        let signature = sign_p384_sha256(signer, &tbs)?;
        Ok(certificate(&tbs, "1.2.840.10045.4.3.2", &signature))
    }

    fn leaf_certificate(&self, spec: &TokenSpec) -> Result<Vec<u8>, Error> {
        let (spki, serial, subject) = match spec.signer {
            Signer::Ecdsa => (
                spki_p256(self.leaf_key.verifying_key())?,
                LEAF_SERIAL,
                "CN=test-smp-broker-sign,OU=applepay-crypto test PKI,O=Nobody,C=US",
            ),
            Signer::Rsa => (
                spki_rsa(&self.rsa()?.leaf_key)?,
                RSA_LEAF_SERIAL,
                "CN=test-rsa-smp-broker-sign,OU=applepay-crypto test PKI,O=Nobody,C=US",
            ),
        };
        let marker = if spec.fault == Some(Fault::WrongLeafOid) {
            ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.99")
        } else {
            OID_APPLE_PAY_LEAF
        };
        let (not_before, not_after) = if spec.fault == Some(Fault::ExpiredLeaf) {
            (
                spec.signing_time.saturating_sub_secs(400 * DAY),
                spec.signing_time.saturating_sub_secs(DAY),
            )
        } else {
            (
                spec.signing_time.saturating_sub_secs(365 * DAY),
                spec.signing_time.saturating_add_secs(730 * DAY),
            )
        };
        let tbs = tbs(
            serial,
            OID_ECDSA_SHA256,
            &self.intermediate_name,
            not_before,
            not_after,
            &name(subject)?,
            &spki,
            &[
                extension(
                    ObjectIdentifier::new_unwrap("2.5.29.19"),
                    true,
                    &[0x30, 0x00],
                ),
                key_usage(0x07, 0x80),
                extension(marker, false, &[0x05, 0x00]),
            ],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.2",
            &sign_p256(&self.intermediate_key, &tbs),
        ))
    }

    /// A Payment Processing certificate for the merchant key whose SPKI is `spki`.
    pub(super) fn merchant_certificate(&self, spki: &[u8], serial: u8) -> Result<Vec<u8>, Error> {
        let id_hash = hex(&sha2::Sha256::digest(self.merchant_id.as_bytes())).to_uppercase();
        let subject = name(&alloc::format!(
            "CN=Apple Pay Payment Processing:{},OU=applepay-crypto test PKI,O=Nobody,C=US",
            self.merchant_id
        ))?;
        let tbs = tbs(
            serial,
            "1.2.840.10045.4.3.2",
            &self.intermediate_name,
            civil(2020, 1, 1)?,
            civil(2040, 1, 1)?,
            &subject,
            spki,
            &[
                extension(
                    ObjectIdentifier::new_unwrap("2.5.29.19"),
                    true,
                    &[0x30, 0x00],
                ),
                extension(OID_MERCHANT_ID_HASH, false, &tlv(0x0C, id_hash.as_bytes())),
            ],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.2",
            &sign_p256(&self.intermediate_key, &tbs),
        ))
    }
}
