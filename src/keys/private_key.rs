//! Merchant private keys: the operation trait an HSM can implement, and import of the
//! formats users really hold (SEC1, PKCS#8, PEM bundles).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, KeyImportError};
use crate::keys::content;
use crate::keys::encrypted_key;
use crate::keys::pem;
use crate::provider::{
    KeyAlgorithm, MerchantKey, Provider, SharedSecret, SigningScheme, default_provider,
};
use crate::public_key_hash::PublicKeyHash;

/// Largest key file accepted, in bytes (a PEM bundle with a few certificates fits easily).
pub const MAX_KEY_INPUT_LEN: usize = 64 * 1024;

pub(crate) const ID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A merchant private key held in memory (the default [`MerchantKey`]).
///
/// Holds either a P-256 or an RSA key; the private-key operations run in the crypto
/// back-end ([`Provider`]) it was loaded with. Zeroized on drop; `Debug` shows only the
/// algorithm and the public key hash.
pub struct PrivateKey {
    inner: Box<dyn MerchantKey>,
    algorithm: KeyAlgorithm,
    /// The key as unencrypted PKCS#8 DER, for export (see `keygen.rs`).
    pub(crate) pkcs8: Zeroizing<Vec<u8>>,
}

/// Decoded private key material, before it is handed to a provider.
enum Material {
    /// A P-256 private scalar.
    P256(Zeroizing<[u8; 32]>),
    /// A PKCS#1 `RSAPrivateKey` (DER).
    Rsa(Zeroizing<Vec<u8>>),
}

impl PrivateKey {
    /// Imports a key from PEM or DER, whichever `input` is.
    ///
    /// Accepted: SEC1 `EC PRIVATE KEY` (also after an `EC PARAMETERS` block, as
    /// `openssl ecparam -genkey` writes it), PKCS#8 `PRIVATE KEY` (also among the
    /// `Bag Attributes` text and certificates `openssl pkcs12 -nodes` prints) and PKCS#1
    /// `RSA PRIVATE KEY`, or the DER of any of them. EC keys must be P-256; RSA keys 2048
    /// to 4096 bits. An encrypted key is [`KeyImportError::WrongPassword`]: use
    /// [`PrivateKey::decrypt_pem_or_der`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, Error> {
        Self::from_pem_or_der_with(default_provider(), input)
    }

    /// [`PrivateKey::from_pem_or_der`] with an explicit crypto back-end.
    pub fn from_pem_or_der_with(provider: &dyn Provider, input: &[u8]) -> Result<Self, Error> {
        Self::import(provider, input, None)
    }

    /// Imports a key that may be encrypted: an `ENCRYPTED PRIVATE KEY` (PKCS#8
    /// `EncryptedPrivateKeyInfo`, PBES2 as `openssl pkcs8 -topk8` writes it) in PEM or DER,
    /// or any unencrypted form [`PrivateKey::from_pem_or_der`] accepts (the password is then
    /// unused).
    ///
    /// A wrong password is [`KeyImportError::WrongPassword`]; a scheme other than PBES2
    /// with PBKDF2 or scrypt and AES-CBC is [`KeyImportError::UnsupportedEncryption`].
    pub fn decrypt_pem_or_der(input: &[u8], password: &str) -> Result<Self, Error> {
        Self::decrypt_pem_or_der_with(default_provider(), input, password)
    }

    /// [`PrivateKey::decrypt_pem_or_der`] with an explicit crypto back-end.
    pub fn decrypt_pem_or_der_with(
        provider: &dyn Provider,
        input: &[u8],
        password: &str,
    ) -> Result<Self, Error> {
        Self::import(provider, input, Some(password))
    }

    /// Imports a key from PEM text (see [`PrivateKey::from_pem_or_der`] for the forms).
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        Self::from_pem_with(default_provider(), text)
    }

    /// [`PrivateKey::from_pem`] with an explicit crypto back-end.
    pub fn from_pem_with(provider: &dyn Provider, text: &str) -> Result<Self, Error> {
        Self::import(provider, text.as_bytes(), None)
    }

    /// Imports a key from DER: PKCS#8 `PrivateKeyInfo`, SEC1 `ECPrivateKey` or PKCS#1
    /// `RSAPrivateKey`.
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
        Self::from_material(provider, material_from_der(der, None)?)
    }

    /// Wraps a raw P-256 private scalar (32 bytes, big-endian).
    pub fn from_p256_scalar(scalar: &[u8; 32]) -> Result<Self, Error> {
        Self::from_p256_scalar_with(default_provider(), scalar)
    }

    /// [`PrivateKey::from_p256_scalar`] with an explicit crypto back-end.
    pub fn from_p256_scalar_with(
        provider: &dyn Provider,
        scalar: &[u8; 32],
    ) -> Result<Self, Error> {
        Self::from_material(provider, Material::P256(Zeroizing::new(*scalar)))
    }

    /// Imports a PKCS#8 `PrivateKeyInfo` (DER) with the given back-end.
    #[cfg(feature = "pkcs12")]
    pub(crate) fn from_pkcs8_der_with(provider: &dyn Provider, der: &[u8]) -> Result<Self, Error> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
        Self::from_material(provider, pkcs8_material(&info)?)
    }

    fn import(
        provider: &dyn Provider,
        input: &[u8],
        password: Option<&str>,
    ) -> Result<Self, Error> {
        if input.len() > MAX_KEY_INPUT_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_KEY_INPUT_LEN,
            });
        }
        let material = match core::str::from_utf8(input) {
            Ok(text) if pem::is_pem(input) => material_from_pem(text, password)?,
            _ => material_from_der(input, password)?,
        };
        Self::from_material(provider, material)
    }

    fn from_material(provider: &dyn Provider, material: Material) -> Result<Self, Error> {
        let invalid = || Error::KeyImport(KeyImportError::InvalidKey);
        match material {
            Material::P256(scalar) => {
                let inner = provider.p256_private_key(&scalar)?;
                let pkcs8 = p256_pkcs8(&scalar, inner.public_key_spki()).ok_or_else(invalid)?;
                Ok(Self {
                    inner,
                    algorithm: KeyAlgorithm::P256,
                    pkcs8,
                })
            }
            Material::Rsa(pkcs1) => {
                let inner = provider.rsa_private_key(&pkcs1)?;
                let info = pkcs8::PrivateKeyInfoRef::new(
                    spki::AlgorithmIdentifierRef {
                        oid: RSA_ENCRYPTION,
                        parameters: Some(der::asn1::AnyRef::NULL),
                    },
                    der::asn1::OctetStringRef::new(&pkcs1).map_err(|_| invalid())?,
                );
                let pkcs8 = Zeroizing::new(info.to_der().map_err(|_| invalid())?);
                Ok(Self {
                    inner,
                    algorithm: KeyAlgorithm::Rsa,
                    pkcs8,
                })
            }
        }
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
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

    fn ecdh_p256_concat_kdf_sha256(
        &self,
        ephemeral_spki: &[u8],
        other_info: &[u8],
        provider: &dyn Provider,
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        self.inner
            .ecdh_p256_concat_kdf_sha256(ephemeral_spki, other_info, provider)
    }

    fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.inner.rsa_oaep_sha256_decrypt(wrapped_key)
    }

    fn sign(&self, rng: &mut dyn CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.sign(rng, message)
    }

    fn signing_schemes(&self) -> &[SigningScheme] {
        self.inner.signing_schemes()
    }

    fn sign_with_scheme(
        &self,
        scheme: SigningScheme,
        rng: &mut dyn CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.inner.sign_with_scheme(scheme, rng, message)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .field("public_key_hash", &self.public_key_hash())
            .finish_non_exhaustive()
    }
}

/// Key material from PEM text: the first private key block found.
fn material_from_pem(text: &str, password: Option<&str>) -> Result<Material, Error> {
    let block = pem::blocks(text)
        .find(|b| {
            matches!(
                b.label,
                "EC PRIVATE KEY" | "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY"
            )
        })
        .ok_or_else(|| content::not_a_key(text.as_bytes()))?;
    let Some(der) = block.decode() else {
        // OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED` headers) is not PEM
        // as RFC 7468 defines it.
        return Err(Error::KeyImport(
            if text.contains("Proc-Type: 4,ENCRYPTED") {
                KeyImportError::UnsupportedEncryption
            } else {
                KeyImportError::InvalidKey
            },
        ));
    };
    match block.label {
        "EC PRIVATE KEY" => Ok(Material::P256(sec1_scalar(&der, None)?)),
        "PRIVATE KEY" => {
            let info = pkcs8::PrivateKeyInfoRef::from_der(&der)
                .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
            pkcs8_material(&info)
        }
        "RSA PRIVATE KEY" => pkcs1_material(&der),
        _ => {
            let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der)
                .map_err(|_| Error::KeyImport(KeyImportError::UnsupportedEncryption))?;
            decrypt_pkcs8(&info, password)
        }
    }
}

/// Key material from DER of any supported structure, told apart by decoding.
fn material_from_der(der: &[u8], password: Option<&str>) -> Result<Material, Error> {
    if let Ok(info) = pkcs8::PrivateKeyInfoRef::from_der(der) {
        return pkcs8_material(&info);
    }
    if sec1::EcPrivateKey::from_der(der).is_ok() {
        return Ok(Material::P256(sec1_scalar(der, None)?));
    }
    if rsa::pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
        return pkcs1_material(der);
    }
    if let Ok(info) = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der) {
        return decrypt_pkcs8(&info, password);
    }
    Err(content::not_a_key(der))
}

/// Decrypts an `EncryptedPrivateKeyInfo` and reads the key inside.
fn decrypt_pkcs8(
    info: &pkcs8::EncryptedPrivateKeyInfoRef<'_>,
    password: Option<&str>,
) -> Result<Material, Error> {
    let password = password.ok_or(Error::KeyImport(KeyImportError::WrongPassword))?;
    let plain = encrypted_key::decrypt(info, password)?;
    let inner = pkcs8::PrivateKeyInfoRef::from_der(plain.as_bytes())
        .map_err(|_| Error::KeyImport(KeyImportError::WrongPassword))?;
    pkcs8_material(&inner)
}

/// The key inside a PKCS#8 `PrivateKeyInfo`: a P-256 scalar or a PKCS#1 RSA key.
fn pkcs8_material(info: &pkcs8::PrivateKeyInfoRef<'_>) -> Result<Material, Error> {
    if info.algorithm.oid == RSA_ENCRYPTION {
        return pkcs1_material(info.private_key.as_bytes());
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
    Ok(Material::P256(sec1_scalar(
        info.private_key.as_bytes(),
        Some(SECP256R1),
    )?))
}

/// A PKCS#1 `RSAPrivateKey`, checked to decode (the provider checks the numbers).
///
/// The modulus size is checked here, before any arithmetic: 2048 to 4096 bits.
fn pkcs1_material(der: &[u8]) -> Result<Material, Error> {
    let key = rsa::pkcs1::RsaPrivateKeyRef::from_der(der)
        .map_err(|_| Error::KeyImport(KeyImportError::InvalidKey))?;
    let modulus = key.modulus.as_bytes();
    let significant = modulus
        .iter()
        .position(|&b| b != 0)
        .map_or(0, |i| modulus.len() - i);
    if !(256..=512).contains(&significant) {
        return Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm));
    }
    Ok(Material::Rsa(Zeroizing::new(der.to_vec())))
}

/// A SEC1 `privateKey` octet string as an `N`-byte scalar. SEC1 fixes its length at the
/// curve's field size, but some encoders strip leading zeros, so a shorter one is
/// left-padded; a longer one is [`KeyImportError::InvalidKey`].
pub(crate) fn padded_scalar<const N: usize>(bytes: &[u8]) -> Result<Zeroizing<[u8; N]>, Error> {
    let mut scalar = Zeroizing::new([0u8; N]);
    let offset = N
        .checked_sub(bytes.len())
        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?;
    scalar
        .get_mut(offset..)
        .ok_or(Error::KeyImport(KeyImportError::InvalidKey))?
        .copy_from_slice(bytes);
    Ok(scalar)
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
    let scalar = padded_scalar::<32>(key.private_key)?;
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

/// PKCS#8 DER of a P-256 key: the SEC1 `ECPrivateKey` (with its public key, as OpenSSL
/// writes it) inside a `PrivateKeyInfo` naming the curve.
pub(crate) fn p256_pkcs8(scalar: &[u8; 32], spki_der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    let ec = sec1::EcPrivateKey {
        private_key: scalar,
        parameters: None,
        public_key: spki.subject_public_key.as_bytes(),
    };
    let ec_der = Zeroizing::new(ec.to_der().ok()?);
    let curve = der::asn1::AnyRef::from(&SECP256R1);
    let info = pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(curve),
        },
        der::asn1::OctetStringRef::new(&ec_der).ok()?,
    );
    Some(Zeroizing::new(info.to_der().ok()?))
}

#[cfg(test)]
#[path = "private_key_tests.rs"]
mod tests;
