//! The private-key operations behind every merchant key: the [`MerchantKey`] trait that
//! in-memory keys, HSMs and KMSs implement, and the shared secret it returns.
//!
//! It sits in the back-end layer because back-ends implement it: each [`Provider`]
//! loads in-memory keys as `Box<dyn MerchantKey>`.
//!
//! [`Provider`]: super::Provider

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::Provider;
use crate::error::{Error, KeyImportError};

/// The counter block that starts the one-block single-step KDF (NIST SP 800-56A §5.8.2.1).
pub(crate) const KDF_COUNTER: [u8; 4] = [0, 0, 0, 1];

/// The one-block single-step KDF with SHA-256 over a shared secret held in memory:
/// `SHA-256(00 00 00 01 ‖ Z ‖ other_info)`.
pub(crate) fn concat_kdf_sha256(
    provider: &dyn Provider,
    z: &[u8; 32],
    other_info: &[u8],
) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(provider.sha256(&[&KDF_COUNTER, z, other_info]))
}

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
/// The in-memory [`PrivateKey`](crate::PrivateKey) is the default implementation. An implementation for an
/// external key store forwards the operation and returns its result; it must report
/// failures as errors, never panic. A P-256 key implements [`MerchantKey::ecdh_p256`]
/// (`EC_v1` tokens) — or, if its ECDH secret must stay inside the store (an HSM),
/// [`MerchantKey::ecdh_p256_concat_kdf_sha256`] — and an RSA key
/// [`MerchantKey::rsa_oaep_sha256_decrypt`] (`RSA_v1` tokens; read its side-channel
/// note).
pub trait MerchantKey: Send + Sync {
    /// The DER `SubjectPublicKeyInfo` of the public half. Its SHA-256 is the
    /// [`PublicKeyHash`](crate::PublicKeyHash) tokens are addressed to; certificates are paired with keys by it.
    fn public_key_spki(&self) -> &[u8];

    /// `EC_v1`: P-256 ECDH with the token's ephemeral public key (`ephemeral_spki`, a DER
    /// `SubjectPublicKeyInfo`), returning the 32-byte x-coordinate `Z`.
    ///
    /// An ephemeral key that does not parse or is not on the curve is
    /// [`Error::Malformed`]. Keys that are not P-256 keep the default, which fails with
    /// [`Error::DecryptionFailed`].
    fn ecdh_p256(&self, ephemeral_spki: &[u8]) -> Result<SharedSecret, Error> {
        let _ = ephemeral_spki;
        Err(Error::DecryptionFailed)
    }

    /// `EC_v1`: P-256 ECDH with the token's ephemeral public key, then the one-block
    /// single-step KDF of NIST SP 800-56A with SHA-256 over its secret `Z`:
    /// `SHA-256(00 00 00 01 ‖ Z ‖ other_info)`. Returns that derived key, never `Z`.
    ///
    /// Token decryption calls this method, not [`MerchantKey::ecdh_p256`], so that a key
    /// whose secrets must not leave its store can run both steps inside it: a PKCS#11
    /// token derives `Z` into a non-extractable secret (`CKM_ECDH1_DERIVE`) and hashes it
    /// there (`C_DigestKey`). The default calls [`MerchantKey::ecdh_p256`] and hashes with
    /// `provider`, so a key that implements only that method behaves as before.
    ///
    /// Errors are those of [`MerchantKey::ecdh_p256`].
    fn ecdh_p256_concat_kdf_sha256(
        &self,
        ephemeral_spki: &[u8],
        other_info: &[u8],
        provider: &dyn Provider,
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        let z = self.ecdh_p256(ephemeral_spki)?;
        Ok(concat_kdf_sha256(provider, z.as_bytes(), other_info))
    }

    /// RSA-OAEP decryption of an `RSA_v1` token's `header.wrappedKey`: SHA-256, MGF1 with
    /// SHA-256, empty label (RFC 8017 §7.1.2). Returns the unwrapped AES key, which for a
    /// genuine token is 16 bytes (AES-128-GCM).
    ///
    /// Every failure that depends on the ciphertext — a ciphertext of the wrong length,
    /// bad OAEP padding, a key that is not the one the token was made for — must be
    /// [`Error::DecryptionFailed`], and must take the same time: callers map any error
    /// to that variant anyway. The one exception is a key that cannot unwrap at all,
    /// whatever the ciphertext (an HSM that lacks the mechanism, a key not allowed to
    /// decrypt): it may say so with an [`Error::KeyImport`], which callers pass on.
    ///
    /// # Side channels: only unwrap verified tokens
    ///
    /// RSA decryption of *attacker-chosen* ciphertexts is a known timing oracle: the
    /// Bleichenbacher / "Marvin" family of attacks recovers the plaintext of a target
    /// ciphertext (here: a customer's payment key), or forges a signature, from many
    /// timed decryptions of crafted variants. This crate calls this method only from
    /// [`crate::Keyring::decrypt`], which takes a [`crate::VerifiedToken`]: the
    /// `wrappedKey` it unwraps was signed by Apple, so an attacker cannot submit values of
    /// their choosing. Since `version` is not signed, "signed by Apple" needs the
    /// canonical envelope too: a `wrappedKey` starting like a P-256 key (a relabelled
    /// `EC_v1` token) is refused when parsing, and one of another length than the key's
    /// modulus before this method is called (see
    /// [what the signature covers](crate::PaymentToken#what-the-signature-covers)).
    /// [`crate::dangerous::decrypt_unverified`] gives up the signature guarantee.
    /// An implementation for an HSM or KMS should still use a constant-time OAEP decoder
    /// and blinding.
    ///
    /// Keys that are not RSA keep the default, which fails with
    /// [`Error::DecryptionFailed`].
    fn rsa_oaep_sha256_decrypt(&self, wrapped_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let _ = wrapped_key;
        Err(Error::DecryptionFailed)
    }

    /// Signs `message` with the key's own algorithm: ECDSA with SHA-256 (a DER
    /// `ECDSA-Sig-Value`) for a P-256 key, RSASSA-PKCS1-v1_5 with SHA-256 for an RSA key.
    /// Used to self-sign certificate signing requests ([`crate::Csr`]), so a key held in an
    /// HSM can get its certificate too.
    ///
    /// `rng` may be used for blinding (RSA). Keys that cannot sign keep the default, which
    /// fails with [`KeyImportError::UnsupportedAlgorithm`].
    fn sign(&self, rng: &mut dyn CryptoRng, message: &[u8]) -> Result<Vec<u8>, Error> {
        let _ = (rng, message);
        Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm))
    }

    /// The schemes [`MerchantKey::sign_with_scheme`] accepts, most preferred first. A TLS
    /// client (the Merchant Identity, feature `rustls`) signs its handshake with the first
    /// one the server offers.
    ///
    /// An RSA key should list [`SigningScheme::RsaPssSha256`]: TLS 1.3 accepts nothing
    /// else from RSA keys. The default, no scheme, keeps keys that implement only
    /// [`MerchantKey::sign`] working for CSRs; such a key cannot authenticate TLS.
    fn signing_schemes(&self) -> &[SigningScheme] {
        &[]
    }

    /// Signs `message` with `scheme`, one of [`MerchantKey::signing_schemes`]. `message`
    /// is the whole message, not a digest: the key hashes it with the scheme's hash.
    ///
    /// `rng` draws the RSA-PSS salt and may blind RSA. A scheme the key does not list
    /// fails with [`KeyImportError::UnsupportedAlgorithm`], as does the default.
    fn sign_with_scheme(
        &self,
        scheme: SigningScheme,
        rng: &mut dyn CryptoRng,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let _ = (scheme, rng, message);
        Err(Error::KeyImport(KeyImportError::UnsupportedAlgorithm))
    }
}

/// A signature scheme a [`MerchantKey`] signs with: algorithm, padding and hash, as TLS
/// names them (RFC 8446 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningScheme {
    /// ECDSA over P-256 with SHA-256; the signature is a DER `ECDSA-Sig-Value` (TLS
    /// `ecdsa_secp256r1_sha256`).
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (TLS `rsa_pkcs1_sha256`): certificates, CSRs and
    /// TLS 1.2 handshakes; TLS 1.3 forbids it in handshakes.
    RsaPkcs1Sha256,
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (TLS
    /// `rsa_pss_rsae_sha256`): what TLS 1.3 requires of an RSA key.
    RsaPssSha256,
}

/// The algorithm of a merchant key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA/ECDH over P-256: the Payment Processing key (`EC_v1` tokens).
    P256,
    /// RSA (2048 to 4096 bits): the Merchant Identity key, and the Payment Processing key
    /// for `RSA_v1` tokens.
    Rsa,
}
