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
