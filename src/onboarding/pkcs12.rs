//! PKCS#12 (`.p12`) import: a private key and its certificates, as Keychain Access and
//! `openssl pkcs12 -export` write them. Feature `pkcs12` (needs `std`).
//!
//! Parsing and decryption are done by `p12-keystore` (PBES2/AES and the legacy
//! 3DES/RC2 schemes, SHA-1 and SHA-256 MACs), after a walk over the file
//! (`keys::pkcs12_bounds`) has priced every key derivation in it: a file over the work
//! limits ([`crate::MAX_KDF_WORK`] and the per-derivation caps) or with more than
//! [`crate::MAX_PKCS12_BAGS`] bags is refused before any derivation runs, so any file up
//! to [`MAX_PKCS12_INPUT_LEN`], right password or wrong, is answered within about a
//! second. Its key buffer is an ordinary `Vec` that is
//! not zeroized; it lives only for the duration of [`Pkcs12::from_der`], and the key
//! itself is then held by a zeroizing [`PrivateKey`]. BER-encoded files with indefinite
//! lengths are not supported by that crate.

use alloc::vec::Vec;
use core::fmt;

use crate::error::{Error, KeyImportError};
use crate::keys::private_key::PrivateKey;
use crate::onboarding::merchant_cert::{MAX_CHAIN_LEN, MerchantCertificate};
use crate::provider::{Provider, default_provider};

/// Largest `.p12` file accepted, in bytes.
pub const MAX_PKCS12_INPUT_LEN: usize = 64 * 1024;

/// The contents of a PKCS#12 file: one private key and the certificates stored with it.
pub struct Pkcs12 {
    key: PrivateKey,
    certificates: Vec<MerchantCertificate>,
}

impl Pkcs12 {
    /// Decrypts and parses a DER PKCS#12 file.
    ///
    /// The first private key is returned, with the certificates of its chain (the leaf
    /// first) followed by any other certificates in the file. A wrong password is
    /// [`KeyImportError::WrongPassword`], an unknown encryption or MAC scheme
    /// [`KeyImportError::UnsupportedEncryption`], a key that is neither P-256 nor RSA
    /// [`KeyImportError::UnsupportedAlgorithm`], a file without a key
    /// [`KeyImportError::NoPrivateKey`]. A file whose key derivations cost more than the
    /// limits allow is [`KeyImportError::WorkFactorTooHigh`], one with more than
    /// [`crate::MAX_PKCS12_BAGS`] bags [`KeyImportError::TooManyBags`].
    pub fn from_der(der: &[u8], password: &str) -> Result<Self, Error> {
        Self::from_der_with(default_provider(), der, password)
    }

    /// [`Pkcs12::from_der`] with an explicit crypto back-end for the key.
    pub fn from_der_with(
        provider: &dyn Provider,
        der: &[u8],
        password: &str,
    ) -> Result<Self, Error> {
        use p12_keystore::error::Error as P12Error;
        use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
        if der.len() > MAX_PKCS12_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_PKCS12_INPUT_LEN,
            });
        }
        crate::keys::pkcs12_bounds::check(der, password)?;
        let store =
            KeyStore::from_pkcs12(der, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
                Error::KeyImport(match e {
                    P12Error::MacError(_) | P12Error::UnpadError | P12Error::Pkcs5Error(_) => {
                        KeyImportError::WrongPassword
                    }
                    P12Error::UnsupportedEncryptionScheme | P12Error::UnsupportedMacAlgorithm => {
                        KeyImportError::UnsupportedEncryption
                    }
                    P12Error::InvalidPrivateKey => KeyImportError::InvalidKey,
                    P12Error::X509Error(_) | P12Error::UnsupportedCertificateType => {
                        KeyImportError::InvalidCertificate
                    }
                    _ => KeyImportError::UnrecognizedFormat,
                })
            })?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or(Error::KeyImport(KeyImportError::NoPrivateKey))?;
        let key = PrivateKey::from_pkcs8_der_with(provider, chain.key().as_der())?;
        let others = store.entries().filter_map(|(_, entry)| match entry {
            KeyStoreEntry::Certificate(cert) => Some(cert),
            _ => None,
        });
        let certificates = chain
            .certs()
            .iter()
            .chain(others)
            .take(MAX_CHAIN_LEN)
            .map(|cert| MerchantCertificate::from_der(cert.as_der()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { key, certificates })
    }

    /// The private key.
    #[must_use]
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificates, the key's own first when the file links them.
    #[must_use]
    pub fn certificates(&self) -> &[MerchantCertificate] {
        &self.certificates
    }

    /// The certificate whose public key is the private key's, if the file has one.
    #[must_use]
    pub fn certificate_for_key(&self) -> Option<&MerchantCertificate> {
        self.certificates.iter().find(|c| c.matches_key(&self.key))
    }

    /// Splits into the key and the certificates.
    #[must_use]
    pub fn into_parts(self) -> (PrivateKey, Vec<MerchantCertificate>) {
        (self.key, self.certificates)
    }
}

impl fmt::Debug for Pkcs12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs12")
            .field("key", &self.key)
            .field("certificates", &self.certificates.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onboarding::merchant_cert::CertificateKind;
    use crate::provider::KeyAlgorithm;

    const PP: &[u8] = include_bytes!("../../test-vectors/onboarding/pp.p12");
    const IDENTITY_LEGACY: &[u8] =
        include_bytes!("../../test-vectors/onboarding/identity-legacy.p12");

    #[test]
    fn modern_p256_bundle() {
        let p12 = Pkcs12::from_der(PP, "test").unwrap();
        assert_eq!(p12.key().algorithm(), KeyAlgorithm::P256);
        assert_eq!(p12.certificates().len(), 1);
        let cert = p12.certificate_for_key().unwrap();
        assert_eq!(cert.kind(), CertificateKind::PaymentProcessing);
        assert_eq!(
            p12.key().public_key_hash().to_string(),
            "pgGNY84sdjwZxs4rj6oKs5MuUqprt1TgcP+PJ/QaD0A="
        );
        let debug = alloc::format!("{p12:?}");
        assert!(debug.contains("public_key_hash"), "{debug}");
    }

    #[test]
    fn legacy_rsa_bundle_with_ca() {
        let p12 = Pkcs12::from_der(IDENTITY_LEGACY, "test").unwrap();
        assert_eq!(p12.key().algorithm(), KeyAlgorithm::Rsa);
        assert_eq!(p12.certificates().len(), 2);
        assert_eq!(
            p12.certificate_for_key().unwrap().kind(),
            CertificateKind::MerchantIdentity
        );
    }

    #[test]
    fn wrong_password_and_garbage() {
        for (input, password) in [(PP, "nope"), (IDENTITY_LEGACY, ""), (PP, "Test")] {
            assert_eq!(
                Pkcs12::from_der(input, password).unwrap_err(),
                Error::KeyImport(KeyImportError::WrongPassword)
            );
        }
        for garbage in [&b""[..], b"\x30\x03\x02\x01\x03", &PP[..PP.len() / 2]] {
            assert!(matches!(
                Pkcs12::from_der(garbage, "test"),
                Err(Error::KeyImport(_))
            ));
        }
    }
}
