//! Password-encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`), with bounded work.
//!
//! The key derivation parameters come from the file: an iteration count or scrypt cost
//! picked by whoever wrote it. Unchecked, a crafted file makes import take hours or
//! allocate gigabytes (scrypt's memory is `128 · r · N` bytes), so both are capped before
//! any work is done.

use pkcs8::pkcs5;

use crate::error::{Error, KeyImportError};

/// Largest PBKDF2 iteration count accepted. OpenSSL writes 2048 by default; OWASP's 2023
/// advice for PBKDF2-HMAC-SHA256 is 600 000.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;

/// Largest scrypt memory (`128 · r · N` bytes) accepted: 256 MiB.
pub const MAX_SCRYPT_MEMORY: u64 = 256 * 1024 * 1024;

/// Largest scrypt parallelization `p` accepted.
pub const MAX_SCRYPT_PARALLELIZATION: u16 = 16;

/// Decrypts an `EncryptedPrivateKeyInfo`, returning the DER `PrivateKeyInfo` (zeroized on
/// drop).
///
/// Work factors over the limits above, PBES1 and unknown schemes are
/// [`KeyImportError::UnsupportedEncryption`]; a failed decryption is
/// [`KeyImportError::WrongPassword`].
pub(crate) fn decrypt(
    info: &pkcs8::EncryptedPrivateKeyInfoRef<'_>,
    password: &str,
) -> Result<pkcs8::SecretDocument, Error> {
    let unsupported = Error::KeyImport(KeyImportError::UnsupportedEncryption);
    let params = info
        .encryption_algorithm
        .pbes2()
        .ok_or(unsupported.clone())?;
    if let Some(pbkdf2) = params.kdf.pbkdf2()
        && pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS
    {
        return Err(unsupported);
    }
    if let Some(scrypt) = params.kdf.scrypt() {
        let memory = 128u64
            .saturating_mul(u64::from(scrypt.block_size))
            .saturating_mul(scrypt.cost_parameter);
        if memory > MAX_SCRYPT_MEMORY || scrypt.parallelization > MAX_SCRYPT_PARALLELIZATION {
            return Err(unsupported);
        }
    }
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
            Error::KeyImport(KeyImportError::UnsupportedEncryption)
        );
        let der = with_iterations(RSA_ENCRYPTED, 2048);
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
        assert!(decrypt(&info, "test").is_ok());
    }
}
