//! Bounded work for PKCS#12: a walk over the PFX that prices every key derivation in it
//! before `p12-keystore` runs one.
//!
//! `p12-keystore` caps each derivation on its own (a million iterations, 1 GiB of scrypt
//! memory, `p` up to 16), but not their number nor scrypt's time: a 214-byte file with
//! one scrypt bag at `N = 2^20, p = 16` costs half a minute and 1 GiB, wrong password or
//! not, and 64 KiB hold hundreds of such bags. So before handing the file over, this
//! walk decodes it with the same ASN.1 types `p12-keystore` uses (RustCrypto's `pkcs12`,
//! `cms` and `pkcs5`, the versions it is built with), finds every derivation it would
//! run — the MAC's, each encrypted `SafeContents`' and each shrouded key bag's — and
//! refuses the file when one is over its own cap or all of them together are over
//! [`MAX_KDF_WORK`](crate::MAX_KDF_WORK), or when it holds more than
//! [`MAX_PKCS12_BAGS`] bags.
//!
//! Bags inside an encrypted `SafeContents` can only be seen by decrypting it, so the walk
//! does that (its derivation is priced first, and counted twice: `p12-keystore` decrypts
//! it again). Decryption mirrors `p12-keystore`: PBES2 through `pkcs5`, and the legacy
//! PKCS#12 schemes (SHA-1 with 3DES or 40-bit RC2, as Keychain Access writes them)
//! through the `pkcs12` key derivation and the `des`/`rc2` block ciphers. The plaintext
//! is held in zeroizing buffers: it may contain an unencrypted key bag.

use alloc::vec::Vec;

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{ContextSpecific, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};
use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pkcs12PbeParams};
use pkcs12::safe_bag::SafeBag;
use pkcs12::{AuthenticatedSafe, MacData};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::kdf_work::{self, KdfHash, WorkBudget};
use crate::error::{Error, KeyImportError};

/// Most bags accepted in one PKCS#12 file, counted over every `SafeContents`, encrypted
/// or not. A merchant's file holds a key and two or three certificates.
pub const MAX_PKCS12_BAGS: usize = 32;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBE_SHA1_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA1_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const SECRET_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.5");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const SHA512_224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.5");
const SHA512_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.6");

/// The value of a secret bag as `p12-keystore` reads it (a Java KeyStore extension
/// holding an `EncryptedPrivateKeyInfo`, which it decrypts).
#[derive(Sequence)]
struct SecretBagValue {
    _object_identifier: ObjectIdentifier,
    #[asn1(context_specific = "0")]
    encrypted_private_key_info: OctetString,
    _bag_attributes: Option<x509_cert::attr::Attributes>,
}

fn unrecognized() -> Error {
    Error::KeyImport(KeyImportError::UnrecognizedFormat)
}

/// Checks that importing the PFX `der` with `password` stays within the work limits,
/// decrypting its encrypted `SafeContents` to see their bags. Returns the work charged.
///
/// A structure `p12-keystore` would refuse is [`KeyImportError::UnrecognizedFormat`]
/// here already; a derivation over its limit or a total over
/// [`MAX_KDF_WORK`](crate::MAX_KDF_WORK) is [`KeyImportError::WorkFactorTooHigh`]; more
/// than [`MAX_PKCS12_BAGS`] bags is [`KeyImportError::TooManyBags`]. All are found before
/// any key derivation runs, except for bags inside an encrypted `SafeContents`.
pub(crate) fn check(der: &[u8], password: &str) -> Result<u64, Error> {
    let pfx = pkcs12::pfx::Pfx::from_der(der).map_err(|_| unrecognized())?;
    let mut budget = WorkBudget::default();
    let mut bags = 0;
    if let Some(mac) = &pfx.mac_data {
        budget.charge(mac_work(mac)?, 1)?;
    }
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(unrecognized());
    }
    let safes = octets(&pfx.auth_safe)?;
    let safes = AuthenticatedSafe::from_der(safes.as_bytes()).map_err(|_| unrecognized())?;
    // Everything priced from what is visible without the password first.
    let mut encrypted = Vec::new();
    for safe in &safes {
        match safe.content_type {
            ID_DATA => {
                let contents = octets(safe)?;
                walk_bags(contents.as_bytes(), &mut budget, &mut bags)?;
            }
            ID_ENCRYPTED_DATA => {
                let data = safe
                    .content
                    .to_der()
                    .ok()
                    .and_then(|d| EncryptedData::from_der(&d).ok())
                    .ok_or_else(unrecognized)?;
                let algorithm = &data.enc_content_info.content_enc_alg;
                // Decrypted here and again by p12-keystore.
                budget.charge(algorithm_work(algorithm)?, 2)?;
                encrypted.push(data);
            }
            _ => return Err(unrecognized()),
        }
    }
    for data in &encrypted {
        let Some(ciphertext) = &data.enc_content_info.encrypted_content else {
            continue;
        };
        let plain = decrypt(
            &data.enc_content_info.content_enc_alg,
            ciphertext.as_bytes(),
            password,
        )?;
        walk_bags(&plain, &mut budget, &mut bags).map_err(|e| {
            if e == unrecognized() {
                wrong_password()
            } else {
                e
            }
        })?;
    }
    Ok(budget.spent())
}

fn wrong_password() -> Error {
    Error::KeyImport(KeyImportError::WrongPassword)
}

/// The `OCTET STRING` a `data` content info carries.
fn octets(info: &ContentInfo) -> Result<OctetString, Error> {
    info.content
        .to_der()
        .ok()
        .and_then(|d| OctetString::from_der(&d).ok())
        .ok_or_else(unrecognized)
}

/// Counts and prices the bags of a DER `SafeContents`.
fn walk_bags(der: &[u8], budget: &mut WorkBudget, bags: &mut usize) -> Result<(), Error> {
    let contents = Vec::<SafeBag>::from_der(der).map_err(|_| unrecognized())?;
    *bags = bags.saturating_add(contents.len());
    if *bags > MAX_PKCS12_BAGS {
        return Err(Error::KeyImport(KeyImportError::TooManyBags));
    }
    for bag in &contents {
        let algorithm = match bag.bag_id {
            SHROUDED_KEY_BAG => {
                ContextSpecific::<EncryptedPrivateKeyInfo>::from_der(&bag.bag_value)
                    .ok()
                    .map(|info| info.value.encryption_algorithm)
            }
            SECRET_BAG => der::Any::from_der(&bag.bag_value)
                .ok()
                .and_then(|envelope| SecretBagValue::from_der(envelope.value()).ok())
                .and_then(|secret| {
                    EncryptedPrivateKeyInfo::from_der(secret.encrypted_private_key_info.as_bytes())
                        .ok()
                })
                .map(|info| info.encryption_algorithm),
            // Certificate, CRL, plain key and nested bags derive no key.
            _ => None,
        };
        if let Some(algorithm) = algorithm {
            budget.charge(algorithm_work(&algorithm)?, 1)?;
        }
    }
    Ok(())
}

/// The work of verifying the MAC: the PKCS#12 key derivation over the MAC's hash, for a
/// key as long as its output. An unknown hash is refused by `p12-keystore` before any
/// derivation, so costs nothing.
fn mac_work(mac: &MacData) -> Result<u64, Error> {
    let hash = match mac.mac.algorithm.oid {
        SHA1 => KdfHash::Small(20),
        SHA224 => KdfHash::Small(28),
        SHA256 => KdfHash::Small(32),
        SHA384 => KdfHash::Large(48),
        SHA512 => KdfHash::Large(64),
        SHA512_224 => KdfHash::Large(28),
        SHA512_256 => KdfHash::Large(32),
        _ => return Ok(0),
    };
    kdf_work::pkcs12_kdf(hash, mac.iterations, 1)
}

/// The parameters of an algorithm identifier, re-encoded as DER.
fn parameters(algorithm: &AlgorithmIdentifierOwned) -> Option<Vec<u8>> {
    algorithm.parameters.as_ref().and_then(|p| p.to_der().ok())
}

/// The legacy PKCS#12 scheme's key length, if `oid` is one `p12-keystore` decrypts.
fn legacy_key_len(oid: ObjectIdentifier) -> Option<usize> {
    match oid {
        PBE_SHA1_3DES => Some(24),
        PBE_SHA1_RC2_40 => Some(5),
        _ => None,
    }
}

/// The work of one decryption with `algorithm`. Parameters that do not decode, and
/// schemes `p12-keystore` does not implement, fail there before any derivation: no work.
fn algorithm_work(algorithm: &AlgorithmIdentifierOwned) -> Result<u64, Error> {
    if algorithm.oid == PBES2 {
        return match parameters(algorithm)
            .and_then(|p| pkcs8::pkcs5::pbes2::Parameters::from_der(&p).ok())
        {
            Some(params) => kdf_work::pbes2(&params),
            None => Ok(0),
        };
    }
    let Some(key_len) = legacy_key_len(algorithm.oid) else {
        return Ok(0);
    };
    let Some(params) = parameters(algorithm).and_then(|p| Pkcs12PbeParams::from_der(&p).ok())
    else {
        return Ok(0);
    };
    // A key and an IV, each derived with SHA-1.
    let key = kdf_work::pkcs12_kdf(KdfHash::Small(20), params.iterations, key_len)?;
    let iv = kdf_work::pkcs12_kdf(KdfHash::Small(20), params.iterations, 8)?;
    Ok(key.saturating_add(iv))
}

/// Decrypts an encrypted `SafeContents` as `p12-keystore` does (its work already charged).
fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let unsupported = || Error::KeyImport(KeyImportError::UnsupportedEncryption);
    if algorithm.oid == PBES2 {
        let params = parameters(algorithm)
            .and_then(|p| pkcs8::pkcs5::pbes2::Parameters::from_der(&p).ok())
            .ok_or_else(unsupported)?;
        return params
            .decrypt(password.as_bytes(), ciphertext)
            .map(Zeroizing::new)
            .map_err(|e| match e {
                pkcs8::pkcs5::Error::UnsupportedAlgorithm { .. }
                | pkcs8::pkcs5::Error::AlgorithmParametersInvalid { .. } => unsupported(),
                _ => wrong_password(),
            });
    }
    let key_len = legacy_key_len(algorithm.oid).ok_or_else(unsupported)?;
    let params = parameters(algorithm)
        .and_then(|p| Pkcs12PbeParams::from_der(&p).ok())
        .ok_or_else(unsupported)?;
    legacy_decrypt(algorithm.oid, &params, key_len, ciphertext, password)
}

/// The legacy PKCS#12 PBE schemes (RFC 7292 appendix C): SHA-1 key derivation, then
/// 3DES-CBC or RC2-CBC with a 40-bit key.
fn legacy_decrypt(
    oid: ObjectIdentifier,
    params: &Pkcs12PbeParams,
    key_len: usize,
    ciphertext: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
    let salt = params.salt.as_bytes();
    // A password that is not valid as a BMPString cannot have made the file.
    let derive = |kind, len| {
        derive_key_utf8::<sha1::Sha1>(password, salt, kind, params.iterations, len)
            .map(Zeroizing::new)
            .map_err(|_| wrong_password())
    };
    let key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    let plain = if oid == PBE_SHA1_3DES {
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| wrong_password())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
    } else {
        cbc::Decryptor::<rc2::Rc2>::new_from_slices(&key, &iv)
            .map_err(|_| wrong_password())?
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
    };
    plain.map(Zeroizing::new).map_err(|_| wrong_password())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PP: &[u8] = include_bytes!("../../test-vectors/onboarding/pp.p12");
    const LEGACY: &[u8] = include_bytes!("../../test-vectors/onboarding/identity-legacy.p12");

    #[test]
    fn real_files_cost_what_the_model_says() {
        // SHA-256 MAC (2048) + PBES2 certificate safe, counted twice (2 × 4096) + PBES2
        // key bag (4096), all at 2048 iterations.
        assert_eq!(check(PP, "test"), Ok(14_336));
        // SHA-1 MAC (2048) + RC2 certificate safe, key and IV, twice (2 × 4096) + 3DES
        // key bag: a 24-byte key is two SHA-1 blocks, plus the IV (6144).
        assert_eq!(check(LEGACY, "test"), Ok(16_384));
        // The wrong password fails on the encrypted certificate safe.
        assert_eq!(check(PP, "nope"), Err(wrong_password()));
        assert_eq!(check(b"\x30\x00", "test"), Err(unrecognized()));
    }
}
