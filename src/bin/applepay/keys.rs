//! Loading merchant keys and certificates from files into a keyring, for every command that
//! takes a key. A key argument is a file, or a `pkcs11:` URI naming a key in a PKCS#11
//! token (feature `pkcs11`).

use std::path::{Path, PathBuf};

use applepay_crypto::{
    KeyAlgorithm, Keyring, MerchantCertificate, MerchantKey, PrivateKey, PublicKeyHash,
};

use crate::Failure;
use crate::io::{read_file, read_secret_file};

/// A merchant key from a file, or held in a PKCS#11 token.
pub(crate) enum LoadedKey {
    File(PrivateKey),
    #[cfg(feature = "pkcs11")]
    Pkcs11(applepay_crypto::pkcs11::Pkcs11Key),
}

/// The `pkcs11:` URI in a key argument, if it is one.
pub(crate) fn pkcs11_uri(argument: &Path) -> Option<&str> {
    let text = argument.to_str()?;
    let scheme = text.get(..7)?;
    scheme.eq_ignore_ascii_case("pkcs11:").then_some(text)
}

/// A key argument as it may be shown: a `pkcs11:` URI without its query, which may hold
/// the PIN (`pin-value=`).
pub(crate) fn key_name(argument: &Path) -> String {
    match pkcs11_uri(argument) {
        Some(uri) => uri.split('?').next().unwrap_or(uri).to_owned(),
        None => argument.display().to_string(),
    }
}

impl LoadedKey {
    /// Loads the key a `--key` argument names: a file, or a `pkcs11:` URI.
    pub(crate) fn load(argument: &Path) -> Result<Self, Failure> {
        match pkcs11_uri(argument) {
            #[cfg(feature = "pkcs11")]
            Some(uri) => Ok(Self::Pkcs11(crate::pkcs11::open_key(uri)?)),
            #[cfg(not(feature = "pkcs11"))]
            Some(_) => Err(Failure::Usage(
                "pkcs11: keys need applepay built with --features pkcs11".into(),
            )),
            None => Ok(Self::File(PrivateKey::from_pem_or_der(&read_secret_file(
                argument,
            )?)?)),
        }
    }

    pub(crate) fn merchant_key(&self) -> &dyn MerchantKey {
        match self {
            Self::File(key) => key,
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11(key) => key,
        }
    }

    pub(crate) fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::File(key) => key.algorithm(),
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11(key) => key.algorithm(),
        }
    }

    pub(crate) fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(self.merchant_key().public_key_spki())
    }

    fn add_with_certificate(
        self,
        keyring: &mut Keyring,
        cert: &MerchantCertificate,
    ) -> Result<(), Failure> {
        match self {
            Self::File(key) => keyring.add_with_certificate(key, cert)?,
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11(key) => keyring.add_with_certificate(key, cert)?,
        };
        Ok(())
    }

    fn add_with_merchant_id(self, keyring: &mut Keyring, id: &str) {
        match self {
            Self::File(key) => keyring.add_with_merchant_id(key, id),
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11(key) => keyring.add_with_merchant_id(key, id),
        };
    }
}

/// Builds the keyring: each key is paired with the certificate that certifies it, or with
/// `--merchant-id`; every certificate must belong to some key.
pub(crate) fn load_keyring(
    key_paths: &[PathBuf],
    cert_paths: &[PathBuf],
    merchant_id: Option<&str>,
) -> Result<Keyring, Failure> {
    let mut certs = Vec::with_capacity(cert_paths.len());
    for path in cert_paths {
        certs.push((
            path,
            MerchantCertificate::from_pem_or_der(&read_file(path)?)?,
            false,
        ));
    }
    let mut keyring = Keyring::new();
    for path in key_paths {
        let key = LoadedKey::load(path)?;
        let hash = key.public_key_hash();
        match certs
            .iter_mut()
            .find(|(_, cert, _)| cert.public_key_hash() == hash)
        {
            Some((_, cert, used)) => {
                *used = true;
                key.add_with_certificate(&mut keyring, cert)?;
            }
            None => match merchant_id {
                Some(id) => key.add_with_merchant_id(&mut keyring, id),
                None => {
                    return Err(Failure::Usage(format!(
                        "key {} has neither a matching --cert nor --merchant-id",
                        key_name(path)
                    )));
                }
            },
        }
    }
    if let Some((path, _, _)) = certs.iter().find(|(_, _, used)| !used) {
        return Err(Failure::Usage(format!(
            "certificate {} matches no --key",
            path.display()
        )));
    }
    Ok(keyring)
}

/// The environment variable holding the password of an encrypted key or a `.p12`, when no
/// `--password-file` is given.
pub(crate) const PASSWORD_ENV: &str = "APPLEPAY_KEY_PASSWORD";

/// The password for an encrypted key or a `.p12`: the first line of `--password-file`
/// (without its line ending), else `$APPLEPAY_KEY_PASSWORD`, else none. Meant for every
/// command that reads such files.
pub(crate) fn read_password(
    password_file: Option<&std::path::Path>,
) -> Result<Option<zeroize::Zeroizing<String>>, Failure> {
    use zeroize::Zeroizing;
    let Some(path) = password_file else {
        return Ok(std::env::var(PASSWORD_ENV).ok().map(Zeroizing::new));
    };
    let bytes = Zeroizing::new(read_file(path)?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::Usage(format!("{}: password is not UTF-8", path.display())))?;
    let line = text.lines().next().unwrap_or_default();
    Ok(Some(Zeroizing::new(line.to_owned())))
}
