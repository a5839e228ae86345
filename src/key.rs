//! Merchant private keys: the operation trait an HSM can implement, and import of the
//! formats users really hold (SEC1, PKCS#8, PEM bundles).

use alloc::boxed::Box;
use core::fmt;

use der::Decode;
use der::asn1::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::error::{Error, KeyImportError};
use crate::key_hash::PublicKeyHash;
use crate::pem;
use crate::provider::{Provider, default_provider};

/// Largest key file accepted, in bytes (a PEM bundle with a few certificates fits easily).
pub const MAX_KEY_INPUT_LEN: usize = 64 * 1024;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A 32-byte ECDH shared secret `Z`, zeroized on drop, never printed.
///
/// Always exactly 32 bytes: about one token in 256 has a secret that starts with a zero
/// byte, and dropping it (as some libraries do when they convert through a big integer)
/// breaks decryption of exactly those tokens.
pub struct SharedSecret(Zeroizing<[u8; 32]>);

impl SharedSecret {
    /// Wraps the 32 bytes of `Z` (big-endian x-coordinate, leading zeros kept).
    #[must_use]
    pub fn new(z: Zeroizing<[u8; 32]>) -> Self {
        Self(z)
    }

    /// The secret bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// The private-key operations token decryption needs, so a key held in an HSM or a KMS
/// can be used without this crate ever seeing it.
///
/// The in-memory [`PrivateKey`] is the default implementation. An implementation for an
/// external key store forwards the operation and returns its result; it must report
/// failures as errors, never panic.
pub trait MerchantKey: Send + Sync {
    /// The DER `SubjectPublicKeyInfo` of the public half. Its SHA-256 is the
    /// [`PublicKeyHash`] tokens are addressed to; certificates are paired with keys by it.
    fn public_key_spki(&self) -> &[u8];

    /// P-256 ECDH with the token's ephemeral public key (`ephemeral_spki`, a DER
    /// `SubjectPublicKeyInfo`), returning the 32-byte x-coordinate `Z`.
    ///
    /// An ephemeral key that does not parse or is not on the curve is
    /// [`Error::Malformed`]. Keys that are not P-256 keep the default, which fails with
    /// [`Error::DecryptionFailed`].
    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        let _ = ephemeral_spki;
        Err(Error::DecryptionFailed)
    }
}

/// A merchant private key held in memory (the default [`MerchantKey`]).
///
/// Zeroized on drop; `Debug` shows only the public key hash.
pub struct PrivateKey {
    inner: Box<dyn MerchantKey>,
}

impl PrivateKey {
    /// Imports a key from PEM or DER, whichever `input` is.
    ///
    /// Accepted: SEC1 `EC PRIVATE KEY` (also after an `EC PARAMETERS` block, as
    /// `openssl ecparam -genkey` writes it) and PKCS#8 `PRIVATE KEY` (also among the
    /// `Bag Attributes` text and certificates `openssl pkcs12 -nodes` prints), or the DER
    /// of either. The curve must be P-256.
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        Self::from_pem_or_der_with(default_provider(), input)
    }

    /// [`PrivateKey::from_pem_or_der`] with an explicit crypto back-end.
    pub fn from_pem_or_der_with(provider: &dyn Provider, input: &[u8]) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        match core::str::from_utf8(input) {
            Ok(text) if pem::is_pem(input) => Self::from_pem_with(provider, text),
            _ => Self::from_der_with(provider, input),
        }
    }

    /// Imports a key from PEM text (see [`PrivateKey::from_pem_or_der`] for the forms).
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_pem_with(default_provider(), text)
    }

    /// [`PrivateKey::from_pem`] with an explicit crypto back-end.
    pub fn from_pem_with(provider: &dyn Provider, text: &str) -> Result<Self, Error> {
        if text.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let block = pem::blocks(text)
            .find(|b| {
                matches!(
                    b.label,
                    "EC PRIVATE KEY" | "PRIVATE KEY" | "RSA PRIVATE KEY"
                )
            })
            .ok_or(Error::KeyImport(KeyImportError::UnrecognizedFormat))?;
        let der = block
            .decode()
            .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
        let scalar = match block.label {
            "EC PRIVATE KEY" => sec1_scalar(&der, None)?,
            "PRIVATE KEY" => pkcs8_scalar(&der)?,
            _ => return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm)),
        };
        Self::from_scalar_with(provider, &scalar)
    }

    /// Imports a key from DER: PKCS#8 `PrivateKeyInfo` or SEC1 `ECPrivateKey`.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_der_with(default_provider(), der)
    }

    /// [`PrivateKey::from_der`] with an explicit crypto back-end.
    pub fn from_der_with(provider: &dyn Provider, der: &[u8]) -> Result<Self, Error> {
        if der.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let scalar = match pkcs8_scalar(der) {
            Err(Error::KeyImport(KeyImportError::UnrecognizedFormat)) => sec1_scalar(der, None)
                .map_err(|e| match e {
                    Error::KeyImport(KeyImportError::InvalidKey) => {
                        Error::KeyImport(KeyImportError::UnrecognizedFormat)
                    }
                    other => other,
                })?,
            other => other?,
        };
        Self::from_scalar_with(provider, &scalar)
    }

    /// Wraps a raw P-256 private scalar (32 bytes, big-endian).
    pub fn from_p256_scalar(scalar: &[u8; 32]) -> Result<Self, Error> {
        Self::from_scalar_with(default_provider(), scalar)
    }

    fn from_scalar_with(provider: &dyn Provider, scalar: &[u8; 32]) -> Result<Self, Error> {
        Ok(Self {
            inner: provider.p256_private_key(scalar)?,
        })
    }

    /// The hash of this key's public half, as tokens carry it in `header.publicKeyHash`.
    #[must_use]
    pub fn public_key_hash(&self) -> PublicKeyHash {
        PublicKeyHash::of_spki_der(self.inner.public_key_spki())
    }
}

impl MerchantKey for PrivateKey {
    fn public_key_spki(&self) -> &[u8] {
        self.inner.public_key_spki()
    }

    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        self.inner.ecdh_p256(ephemeral_spki)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public_key_hash", &self.public_key_hash())
            .finish_non_exhaustive()
    }
}

/// The P-256 scalar inside a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_scalar(der: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|_| Error::KeyImport(KeyImportError::UnrecognizedFormat))?;
    if info.algorithm.oid == RSA_ENCRYPTION {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    let curve = info
        .algorithm
        .parameters
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if curve != Some(SECP256R1) {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    sec1_scalar(info.private_key.as_bytes(), Some(SECP256R1))
}

/// The P-256 scalar inside a SEC1 `ECPrivateKey`; `outer_curve` is the curve named by an
/// enclosing PKCS#8 structure, if any. A public key, when present, must match.
fn sec1_scalar(
    der: &[u8],
    outer_curve: Option<ObjectIdentifier>,
) -> Result<Zeroizing<[u8; 32]>, Error> {
    let key = sec1::EcPrivateKey::from_der(der)
        .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
    let curve = key.parameters.and_then(|p| p.named_curve());
    match (curve, outer_curve) {
        (Some(c), _) | (None, Some(c)) if c != SECP256R1 => {
            return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
        }
        _ => {}
    }
    // SEC1 fixes the length at 32 bytes for P-256, but some encoders strip leading zeros.
    let bytes = key.private_key;
    let mut scalar = Zeroizing::new([0u8; 32]);
    let offset = 32usize
        .checked_sub(bytes.len())
        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
    scalar
        .get_mut(offset..)
        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?
        .copy_from_slice(bytes);
    if let Some(public) = key.public_key {
        check_public_key(&scalar, public)?;
    }
    Ok(scalar)
}

/// Refuses a SEC1 key whose embedded public key is not the one its scalar gives: such a
/// file is corrupt or spliced, and would decrypt nothing.
fn check_public_key(scalar: &[u8; 32], encoded_point: &[u8]) -> Result<(), Error> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let secret = p256::SecretKey::from_slice(scalar)
        .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
    let public = secret.public_key();
    let ok = [false, true]
        .iter()
        .any(|&compress| public.to_sec1_point(compress).as_bytes() == encoded_point);
    if ok {
        Ok(())
    } else {
        Err(Error::KeyImport(KeyImportError::InvalidKey))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const SEC1: &str = include_str!("../test-vectors/gala-current/merchant_key.pem");

    #[test]
    fn sec1_with_ec_parameters_block() {
        let plain = PrivateKey::from_pem(SEC1).unwrap();
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{SEC1}"
        );
        let key = PrivateKey::from_pem(&with_params).unwrap();
        assert_eq!(key.public_key_hash(), plain.public_key_hash());
    }

    #[test]
    fn debug_does_not_reveal_the_scalar() {
        let key = PrivateKey::from_pem(SEC1).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("public_key_hash"));
        assert!(!debug.contains("29af07b6"), "{debug}");
    }

    #[test]
    fn garbage_is_a_key_import_error() {
        for input in [&b""[..], b"hello", b"\x30\x03\x02\x01\x01", &[0xff; 100]] {
            assert!(matches!(
                PrivateKey::from_pem_or_der(input),
                Err(Error::KeyImport(_))
            ));
        }
        let too_big = alloc::vec![b'A'; MAX_KEY_INPUT_LEN + 1];
        assert_eq!(
            PrivateKey::from_pem_or_der(&too_big).unwrap_err(),
            Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN
            }
        );
    }
}
