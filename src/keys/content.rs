//! What a key or certificate input holds, told apart without a password: the answer the
//! import errors give when an input is not what was asked for ("a certificate where a
//! key was expected").

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Sequence};

use crate::error::{Error, InputContent, KeyImportError};
use crate::keys::pem;

/// PKCS#7 `data` and `signedData`: the content types of a PFX's `authSafe`.
const OID_PKCS7_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_PKCS7_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// The outline of a PKCS#12 `PFX` (RFC 7292 §4): version 3 and a `ContentInfo`.
#[derive(Sequence)]
struct PfxOutline<'a> {
    version: u8,
    auth_safe: ContentInfoOutline<'a>,
    _mac_data: Option<AnyRef<'a>>,
}

#[derive(Sequence)]
struct ContentInfoOutline<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    _content: AnyRef<'a>,
}

impl InputContent {
    /// What `input` holds: for PEM text, the first block of a kind listed here (so an
    /// `EC PARAMETERS` block before a key is skipped); for DER, the structure that
    /// decodes. Nothing is decrypted, and a damaged structure is
    /// [`InputContent::Unrecognized`].
    #[must_use]
    pub fn of(input: &[u8]) -> Self {
        if pem::is_pem(input) {
            let Ok(text) = core::str::from_utf8(input) else {
                return Self::Unrecognized;
            };
            let mut any_block = false;
            for block in pem::blocks(text) {
                any_block = true;
                if let Some(content) = of_label(block.label) {
                    return content;
                }
            }
            return if any_block {
                Self::OtherPem
            } else {
                Self::Unrecognized
            };
        }
        of_der(input)
    }
}

fn of_label(label: &str) -> Option<InputContent> {
    Some(match label {
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => InputContent::Certificate,
        "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" => InputContent::PrivateKey,
        "ENCRYPTED PRIVATE KEY" => InputContent::EncryptedPrivateKey,
        "PUBLIC KEY" | "RSA PUBLIC KEY" => InputContent::PublicKey,
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => InputContent::CertificateRequest,
        "PKCS12" => InputContent::Pkcs12,
        _ => return None,
    })
}

fn of_der(der: &[u8]) -> InputContent {
    if x509_cert::Certificate::from_der(der).is_ok() {
        InputContent::Certificate
    } else if x509_cert::request::CertReq::from_der(der).is_ok() {
        InputContent::CertificateRequest
    } else if spki::SubjectPublicKeyInfoRef::from_der(der).is_ok()
        || rsa::pkcs1::RsaPublicKeyRef::from_der(der).is_ok()
    {
        InputContent::PublicKey
    } else if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok()
        || sec1::EcPrivateKey::from_der(der).is_ok()
        || rsa::pkcs1::RsaPrivateKeyRef::from_der(der).is_ok()
    {
        InputContent::PrivateKey
    } else if pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).is_ok() {
        InputContent::EncryptedPrivateKey
    } else if PfxOutline::from_der(der).is_ok_and(|pfx| {
        pfx.version == 3
            && matches!(
                pfx.auth_safe.content_type,
                OID_PKCS7_DATA | OID_PKCS7_SIGNED_DATA
            )
    }) {
        InputContent::Pkcs12
    } else {
        InputContent::Unrecognized
    }
}

/// The error for `input`, in which no private key was found: what it holds instead.
pub(crate) fn not_a_key(input: &[u8]) -> Error {
    Error::KeyImport(KeyImportError::NotAKey(InputContent::of(input)))
}

/// The error for `input`, in which no certificate was found: what it holds instead, or
/// [`KeyImportError::InvalidCertificate`] if it is a certificate after all.
pub(crate) fn not_a_certificate(input: &[u8]) -> Error {
    Error::KeyImport(match InputContent::of(input) {
        InputContent::Certificate => KeyImportError::InvalidCertificate,
        found => KeyImportError::NotACertificate(found),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/test-vectors/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn der_of(pem_text: &[u8]) -> Vec<u8> {
        let text = core::str::from_utf8(pem_text).unwrap();
        pem::blocks(text).next().unwrap().decode().unwrap().to_vec()
    }

    #[test]
    fn tells_keys_certificates_csrs_and_bundles_apart_in_pem_and_der() {
        let cases = [
            ("gala-current/merchant_cert.pem", InputContent::Certificate),
            ("gala-current/merchant_key.pem", InputContent::PrivateKey),
            ("onboarding/rsa.pkcs1.pem", InputContent::PrivateKey),
        ];
        for (path, want) in cases {
            let pem_text = vector(path);
            assert_eq!(InputContent::of(&pem_text), want, "{path}");
            assert_eq!(InputContent::of(&der_of(&pem_text)), want, "{path} as DER");
        }
        for (path, want) in [
            ("onboarding/p256.csr.pem", InputContent::CertificateRequest),
            ("onboarding/rsa.csr.der", InputContent::CertificateRequest),
            ("onboarding/p256.pub.pem", InputContent::PublicKey),
            ("onboarding/p256.pub.der", InputContent::PublicKey),
            ("onboarding/rsa.pkcs1pub.pem", InputContent::PublicKey),
            (
                "onboarding/p256.encrypted.pem",
                InputContent::EncryptedPrivateKey,
            ),
            (
                "onboarding/rsa.encrypted.der",
                InputContent::EncryptedPrivateKey,
            ),
            ("onboarding/rsa.pkcs1.der", InputContent::PrivateKey),
            ("onboarding/p256.pkcs8.der", InputContent::PrivateKey),
            ("onboarding/pp.der", InputContent::Certificate),
            ("onboarding/pp.p12", InputContent::Pkcs12),
            ("onboarding/identity-legacy.p12", InputContent::Pkcs12),
        ] {
            assert_eq!(InputContent::of(&vector(path)), want, "{path}");
        }
        for (text, want) in [
            (&b"# README\nnot a key\n"[..], InputContent::Unrecognized),
            (b"", InputContent::Unrecognized),
            (b"\x30\x80\x00\x00", InputContent::Unrecognized),
            (
                b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n",
                InputContent::OtherPem,
            ),
        ] {
            assert_eq!(InputContent::of(text), want, "{text:?}");
        }
    }

    #[test]
    fn the_errors_name_what_was_found() {
        let cert = vector("gala-current/merchant_cert.pem");
        assert_eq!(
            not_a_key(&cert).to_string(),
            "key import failed: a certificate where a key was expected"
        );
        let key = vector("gala-current/merchant_key.pem");
        assert_eq!(
            not_a_certificate(&key).to_string(),
            "key import failed: a private key where a certificate was expected"
        );
        assert_eq!(
            not_a_certificate(&cert),
            Error::KeyImport(KeyImportError::InvalidCertificate)
        );
    }
}
