//! Password-encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`), with bounded work.
//!
//! The key derivation parameters come from the file: an iteration count or scrypt cost
//! picked by whoever wrote it. Unchecked, a crafted file makes import take hours or
//! allocate gigabytes, so the derivation is priced and capped (see `kdf_work`) before any
//! work is done.

use pkcs8::pkcs5;

use super::kdf_work::{self, WorkBudget};
use crate::error::{Error, KeyImportError};

/// Decrypts an `EncryptedPrivateKeyInfo`, returning the DER `PrivateKeyInfo` (zeroized on
/// drop).
///
/// A derivation over the limits of `kdf_work` is [`KeyImportError::WorkFactorTooHigh`];
/// PBES1 and unknown schemes are [`KeyImportError::UnsupportedEncryption`]; a failed
/// decryption is
/// [`KeyImportError::WrongPassword`].
pub(crate) fn decrypt(
    info: &pkcs8::EncryptedPrivateKeyInfoRef<'_>,
    password: &str,
) -> Result<pkcs8::SecretDocument, Error> {
    let params = info
        .encryption_algorithm
        .pbes2()
        .ok_or(Error::KeyImport(KeyImportError::UnsupportedEncryption))?;
    WorkBudget::default().charge(kdf_work::pbes2(params)?, 1)?;
    info.decrypt(password).map_err(|e| {
        Error::KeyImport(match e {
            pkcs8::Error::EncryptedPrivateKey(
                pkcs5::Error::UnsupportedAlgorithm { .. }
                | pkcs5::Error::NoPbes1CryptSupport
                | pkcs5::Error::AlgorithmParametersInvalid { .. },
            ) => KeyImportError::UnsupportedEncryption,
            // A bad padding, or plaintext that is not DER: the password is wrong.
            _ => KeyImportError::WrongPassword,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use der::{Decode, Encode};

    /// Re-encodes `der` with a different PBKDF2 iteration count.
    fn with_iterations(der: &[u8], iterations: u32) -> Vec<u8> {
        let mut info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).unwrap();
        if let pkcs5::EncryptionScheme::Pbes2(params) = &mut info.encryption_algorithm
            && let pkcs5::pbes2::Kdf::Pbkdf2(kdf) = &mut params.kdf
        {
            kdf.iteration_count = iterations;
        }
        info.to_der().unwrap()
    }

    const RSA_ENCRYPTED: &[u8] = include_bytes!("../../test-vectors/onboarding/rsa.encrypted.der");

    #[test]
    fn work_factor_is_capped_before_any_work() {
        let der = with_iterations(RSA_ENCRYPTED, u32::MAX);
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
        // Would take hours if attempted; refused at once.
        assert_eq!(
            decrypt(&info, "test").unwrap_err(),
            Error::KeyImport(KeyImportError::WorkFactorTooHigh)
        );
        let der = with_iterations(RSA_ENCRYPTED, 2048);
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
        assert!(decrypt(&info, "test").is_ok());
    }
}
