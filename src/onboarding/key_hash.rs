//! The any-format entry to [`PublicKeyHash`]: whatever onboarding artefact the caller
//! holds — private key, public key, CSR or certificate — hashed the same way, which is
//! how they are matched to one another and to tokens.
//!
//! It lives here, above [`crate::keys`], because it needs every parser: keys, CSRs and
//! certificates.

use super::csr::Csr;
use super::merchant_cert::MerchantCertificate;
use crate::error::{Error, KeyImportError};
use crate::keys::{MAX_KEY_INPUT_LEN, PrivateKey, pem};
use crate::public_key_hash::PublicKeyHash;

const PRIVATE_KEY_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];

impl PublicKeyHash {
    /// The hash of whatever `input` holds, PEM or DER: a private key (any format
    /// [`PrivateKey::from_pem_or_der`] reads), a public key (`PUBLIC KEY` SPKI or PKCS#1
    /// `RSA PUBLIC KEY`), a CSR or a certificate. In PEM, the first block of a known kind
    /// decides.
    ///
    /// Equals `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64`
    /// for keys, and the same over the key in a CSR or certificate. An encrypted private
    /// key is [`KeyImportError::WrongPassword`]: decrypt it with
    /// [`PrivateKey::decrypt_pem_or_der`] and use [`PrivateKey::public_key_hash`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let unrecognized = Error::KeyImport(KeyImportError::UnrecognizedFormat);
        if pem::is_pem(input) {
            let text = core::str::from_utf8(input).map_err(|_| unrecognized.clone())?;
            let block = pem::blocks(text)
                .find(|b| {
                    PRIVATE_KEY_LABELS.contains(&b.label)
                        || matches!(
                            b.label,
                            "PUBLIC KEY"
                                | "RSA PUBLIC KEY"
                                | "CERTIFICATE"
                                | "CERTIFICATE REQUEST"
                                | "NEW CERTIFICATE REQUEST"
                        )
                })
                .ok_or(unrecognized)?;
            return match block.label {
                "CERTIFICATE" => Ok(MerchantCertificate::from_pem_or_der(input)?.public_key_hash()),
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                    Ok(Csr::from_pem_or_der(input)?.public_key_hash())
                }
                "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                    let der = block
                        .decode()
                        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
                    Self::of_public_key_der(&der)
                }
                _ => Ok(PrivateKey::from_pem(text)?.public_key_hash()),
            };
        }
        if let Ok(cert) = MerchantCertificate::from_der(input) {
            return Ok(cert.public_key_hash());
        }
        if let Ok(csr) = Csr::from_der(input) {
            return Ok(csr.public_key_hash());
        }
        match Self::of_public_key_der(input) {
            Ok(hash) => Ok(hash),
            Err(_) => Ok(PrivateKey::from_der(input)?.public_key_hash()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        let h = PublicKeyHash::from_bytes([7u8; 32]);
        let text = alloc::format!("{h}");
        assert_eq!(PublicKeyHash::from_base64(&text).unwrap(), h);
    }

    #[test]
    fn typed_public_key_and_sniffing_agree() {
        let p256_pem = include_bytes!("../../test-vectors/onboarding/p256.pub.pem");
        let p256_der = include_bytes!("../../test-vectors/onboarding/p256.pub.der");
        let rsa_pkcs1 = include_bytes!("../../test-vectors/onboarding/rsa.pkcs1pub.pem");
        for input in [&p256_pem[..], p256_der, rsa_pkcs1] {
            assert_eq!(
                PublicKeyHash::of_public_key_pem_or_der(input).unwrap(),
                PublicKeyHash::from_pem_or_der(input).unwrap()
            );
        }
        let cert = include_bytes!("../../test-vectors/onboarding/pp.pem");
        assert!(PublicKeyHash::of_public_key_pem_or_der(cert).is_err());
        for garbage in [
            &b""[..],
            b"\x30\x00",
            b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(matches!(
                PublicKeyHash::from_pem_or_der(garbage),
                Err(Error::KeyImport(_))
            ));
        }
    }

    #[test]
    fn wrong_length_is_malformed() {
        assert_eq!(
            PublicKeyHash::from_base64("AAAA"),
            Err(Error::Malformed("publicKeyHash"))
        );
        assert_eq!(
            PublicKeyHash::from_base64("not base64!"),
            Err(Error::Malformed("publicKeyHash"))
        );
    }
}
