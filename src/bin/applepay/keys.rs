//! Loading merchant keys and certificates from files into a keyring, for every command that
//! takes a key.

use std::path::PathBuf;

use applepay_crypto::{Keyring, MerchantCertificate, PrivateKey};

use crate::Failure;
use crate::io::{read_file, read_secret_file};

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
        let key = PrivateKey::from_pem_or_der(&read_secret_file(path)?)?;
        let hash = key.public_key_hash();
        match certs
            .iter_mut()
            .find(|(_, cert, _)| cert.public_key_hash() == hash)
        {
            Some((_, cert, used)) => {
                *used = true;
                keyring.add_with_certificate(key, cert)?;
            }
            None => match merchant_id {
                Some(id) => {
                    keyring.add_with_merchant_id(key, id);
                }
                None => {
                    return Err(Failure::Usage(format!(
                        "key {} has neither a matching --cert nor --merchant-id",
                        path.display()
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
