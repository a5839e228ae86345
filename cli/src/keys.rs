//! Keys as users hold them: every command that reads a private key (`decrypt --key`,
//! `csr --key`, `hash`, `cert --key`) loads it here.
//!
//! Accepted: whatever the library imports unencrypted (SEC1, PKCS#8, PKCS#1, PEM or DER,
//! with `EC PARAMETERS` or `Bag Attributes` around it), encrypted PKCS#8 (`ENCRYPTED
//! PRIVATE KEY`, PEM or DER) and `.p12` bundles (OpenSSL 3's AES-256 PBES2, and the
//! legacy 3DES / RC2-40 schemes of Keychain Access exports); a `.p12`'s certificate for
//! the key comes along. The password is the first line of `--password-file FILE`, or the
//! environment variable `APPLEPAY_KEY_PASSWORD` — never a command-line value, which any
//! user could read in `ps`.
//!
//! A key argument may also be an RFC 7512 `pkcs11:` URI naming a key in a PKCS#11 token
//! (feature `pkcs11`; see `pkcs11.rs`).
//!
//! New key sources belong here too: [`load_key`] is the one function that turns a key
//! argument into a key, [`public_key_hash`] the one that hashes one, and [`load_keyring`]
//! pairs keys with their certificates for `decrypt`.

use std::path::{Path, PathBuf};

use applepay_crypto::{
    Error, KeyAlgorithm, KeyImportError, Keyring, MerchantCertificate, MerchantKey, PaymentToken,
    Pkcs12, PrivateKey, PublicKeyHash, Version,
};
use clap::Args;
use zeroize::Zeroizing;

use crate::io::{read_file, read_secret_file};
use crate::{Failure, in_file};

/// The environment variable holding the password of encrypted keys and `.p12` files.
pub(crate) const PASSWORD_ENV: &str = "APPLEPAY_KEY_PASSWORD";

/// Where the password of encrypted key files comes from.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct PasswordArgs {
    /// Read the password of encrypted keys and .p12 files from the first line of FILE
    /// (instead: environment variable APPLEPAY_KEY_PASSWORD).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl PasswordArgs {
    /// The password, if one was given: the first line of `--password-file` without its
    /// line ending, else `APPLEPAY_KEY_PASSWORD`.
    pub(crate) fn password(&self) -> Result<Option<Zeroizing<String>>, Failure> {
        if let Some(path) = &self.password_file {
            let bytes = read_secret_file(path)?;
            let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let text = std::str::from_utf8(line).map_err(|_| {
                Failure::Usage(format!("password file {} is not UTF-8", path.display()))
            })?;
            return Ok(Some(Zeroizing::new(text.to_owned())));
        }
        match std::env::var_os(PASSWORD_ENV) {
            None => Ok(None),
            Some(value) => value
                .into_string()
                .map(|text| Some(Zeroizing::new(text)))
                .map_err(|_| Failure::Usage(format!("{PASSWORD_ENV} is not UTF-8"))),
        }
    }
}

/// A merchant private key: read from a file, or held in a PKCS#11 token.
pub(crate) enum AnyKey {
    File(PrivateKey),
    #[cfg(feature = "pkcs11")]
    Pkcs11(applepay_crypto::pkcs11::Pkcs11Key),
}

impl AnyKey {
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

/// The key a `pkcs11:` URI names.
#[cfg(feature = "pkcs11")]
fn load_pkcs11_key(uri: &str) -> Result<AnyKey, Failure> {
    Ok(AnyKey::Pkcs11(crate::pkcs11::open_key(uri)?))
}

#[cfg(not(feature = "pkcs11"))]
fn load_pkcs11_key(_: &str) -> Result<AnyKey, Failure> {
    Err(Failure::Usage(
        "pkcs11: keys need applepay built with --features pkcs11".into(),
    ))
}

/// A private key read from a file, with the certificate stored beside it in a `.p12`, or
/// a key in a PKCS#11 token.
pub(crate) struct LoadedKey {
    pub(crate) key: AnyKey,
    /// The certificate of the key, when the file is a `.p12` that holds one.
    pub(crate) certificate: Option<MerchantCertificate>,
}

/// The error for an encrypted file given without a password.
fn needs_password(path: &Path) -> Failure {
    Failure::Kind("key_import", needs_password_message(path))
}

/// What every command says of an encrypted file given without a password (`session`
/// and the other gateway commands with their own kind, `identity`).
pub(crate) fn needs_password_message(path: &Path) -> String {
    format!(
        "{} is encrypted and needs a password: give --password-file FILE or set {PASSWORD_ENV}",
        key_name(path)
    )
}

/// Loads the private key in `path`, in any form users hold it.
pub(crate) fn load_key(path: &Path, passwords: &PasswordArgs) -> Result<LoadedKey, Failure> {
    if let Some(uri) = pkcs11_uri(path) {
        return Ok(LoadedKey {
            key: load_pkcs11_key(uri)?,
            certificate: None,
        });
    }
    let bytes = read_secret_file(path)?;
    load_key_from(path, &bytes, passwords)
}

fn load_key_from(
    path: &Path,
    bytes: &[u8],
    passwords: &PasswordArgs,
) -> Result<LoadedKey, Failure> {
    let unencrypted = match PrivateKey::from_pem_or_der(bytes) {
        Ok(key) => {
            return Ok(LoadedKey {
                key: AnyKey::File(key),
                certificate: None,
            });
        }
        Err(e) => e,
    };
    let password = passwords.password()?;
    if unencrypted == Error::KeyImport(KeyImportError::WrongPassword) {
        // Encrypted PKCS#8.
        let password = password.ok_or_else(|| needs_password(path))?;
        let key = PrivateKey::decrypt_pem_or_der(bytes, &password).map_err(in_file(path))?;
        return Ok(LoadedKey {
            key: AnyKey::File(key),
            certificate: None,
        });
    }
    // A `.p12`, perhaps protected by the empty password.
    let p12 = match Pkcs12::from_der(bytes, password.as_deref().map_or("", String::as_str)) {
        Ok(p12) => p12,
        Err(Error::KeyImport(KeyImportError::WrongPassword)) if password.is_none() => {
            return Err(needs_password(path));
        }
        // Not a `.p12`: the key import's error says what the file holds.
        Err(Error::KeyImport(KeyImportError::UnrecognizedFormat) | Error::InputTooLarge { .. }) => {
            return Err(in_file(path)(unencrypted));
        }
        Err(e) => return Err(in_file(path)(e)),
    };
    let (key, certificates) = p12.into_parts();
    let certificate = certificates.into_iter().find(|c| c.matches_key(&key));
    Ok(LoadedKey {
        key: AnyKey::File(key),
        certificate,
    })
}

/// The public key hash of `path`: a certificate, CSR or public key, or a private key in
/// any form [`load_key`] reads.
pub(crate) fn public_key_hash(
    path: &Path,
    passwords: &PasswordArgs,
) -> Result<PublicKeyHash, Failure> {
    if pkcs11_uri(path).is_some() {
        return Ok(load_key(path, passwords)?.key.public_key_hash());
    }
    let bytes = read_secret_file(path)?;
    match PublicKeyHash::from_pem_or_der(&bytes) {
        Ok(hash) => Ok(hash),
        // Not a public form: a private key, perhaps encrypted, or a `.p12`. If it is no
        // key either, the first error says more — unless it only says that nothing was
        // found, which the key import says with what the file holds.
        Err(first) => match load_key_from(path, &bytes, passwords) {
            Ok(loaded) => Ok(loaded.key.public_key_hash()),
            Err(not_a_key @ Failure::InFile(_, Error::KeyImport(KeyImportError::NotAKey(_)))) => {
                match first {
                    Error::KeyImport(
                        KeyImportError::UnrecognizedFormat | KeyImportError::NotAKey(_),
                    ) => Err(not_a_key),
                    first => Err(in_file(path)(first)),
                }
            }
            Err(other) => Err(other),
        },
    }
}

/// The keyring `decrypt` uses, and which of its keys `--merchant-id` paired.
pub(crate) struct LoadedKeyring {
    pub(crate) keyring: Keyring,
    /// The `--merchant-id` value, and the public key hashes of the keys it paired (those
    /// with neither a `--cert` nor a certificate in their `.p12`).
    merchant_id: Option<(String, Vec<PublicKeyHash>)>,
}

impl LoadedKeyring {
    /// The message for `error`, met decrypting `token`. `decryption_failed` for an
    /// `EC_v1` token whose key `--merchant-id` paired hints at the merchant id: it enters
    /// the key derivation, so a wrong one fails exactly so (`RSA_v1` does not use it).
    pub(crate) fn message(&self, error: &Error, token: &PaymentToken) -> String {
        match &self.merchant_id {
            Some((id, hashes))
                if *error == Error::DecryptionFailed
                    && token.version() == Version::EcV1
                    && hashes.contains(token.public_key_hash()) =>
            {
                format!(
                    "{error} with the key paired with --merchant-id {id:?}: the merchant id may \
                     be wrong (it must be the one in the key's Payment Processing \
                     certificate; or give that certificate with --cert)"
                )
            }
            _ => error.to_string(),
        }
    }
}

/// Builds the keyring: each key is paired with the `--cert` that certifies it, else with
/// the certificate stored with it in its `.p12`, else with `--merchant-id`; every `--cert`
/// must belong to some key.
pub(crate) fn load_keyring(
    key_paths: &[PathBuf],
    passwords: &PasswordArgs,
    cert_paths: &[PathBuf],
    merchant_id: Option<&str>,
) -> Result<LoadedKeyring, Failure> {
    let mut certs = Vec::with_capacity(cert_paths.len());
    for path in cert_paths {
        certs.push((
            path,
            MerchantCertificate::from_pem_or_der(&read_file(path)?).map_err(in_file(path))?,
            false,
        ));
    }
    let mut keyring = Keyring::new();
    let mut by_merchant_id = Vec::new();
    for path in key_paths {
        let LoadedKey { key, certificate } = load_key(path, passwords)?;
        let hash = key.public_key_hash();
        // Only a certificate carrying the merchant id hash gives the key its identity.
        let bundled = certificate.filter(|c| c.merchant_id_hash().is_some());
        match certs
            .iter_mut()
            .find(|(_, cert, _)| cert.public_key_hash() == hash)
        {
            Some((_, cert, used)) => {
                *used = true;
                key.add_with_certificate(&mut keyring, cert)?;
            }
            None => match (bundled, merchant_id) {
                (Some(cert), _) => {
                    key.add_with_certificate(&mut keyring, &cert)?;
                }
                (None, Some(id)) => {
                    by_merchant_id.push(hash);
                    key.add_with_merchant_id(&mut keyring, id);
                }
                (None, None) => {
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
    Ok(LoadedKeyring {
        keyring,
        merchant_id: merchant_id.map(|id| (id.to_owned(), by_merchant_id)),
    })
}
