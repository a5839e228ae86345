//! Entry points for the crate's own benchmarks and fuzz targets (feature `test-util`,
//! hidden from docs).
//!
//! The CMS reader and certificate parsing are internal steps with no public API; the
//! benches in `benches/` time them, and the targets in `fuzz/` feed them, through these
//! functions, which call exactly the code [`crate::PaymentToken::verify`] runs. Not part
//! of the stable API.

use alloc::vec::Vec;

use der::{Decode, Encode};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::error::{ChainError, Error};
use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::Provider;
use crate::provider::merchant_key::concat_kdf_sha256;
use crate::token::cms::CmsSignature;

/// Parses a token's detached CMS `SignedData` as verification does (the certificates are
/// left unparsed, as verification leaves them until its cache misses).
pub fn parse_cms(signature: &[u8]) -> Result<(), Error> {
    CmsSignature::parse(signature).map(drop)
}

/// Parses one DER certificate as the chain check does.
pub fn parse_certificate(der: &[u8]) -> Result<(), Error> {
    Certificate::from_der(der)
        .map(drop)
        .map_err(|_| Error::CertificateChain(ChainError::BadCertificates))
}

/// What the floor benchmark needs from a token's signature: the leaf certificate's public
/// key (DER `SubjectPublicKeyInfo`), the signed message (DER signed attributes) and the
/// DER ECDSA signature, plus every certificate's DER.
#[derive(Clone, Debug)]
pub struct SignerParts {
    /// The signing certificate's `SubjectPublicKeyInfo` (DER).
    pub leaf_spki: Vec<u8>,
    /// The DER signed attributes: the message the signature covers.
    pub signed_attrs: Vec<u8>,
    /// The DER ECDSA signature.
    pub signature: Vec<u8>,
    /// Each certificate of the signature, DER, in the order sent (leaf first for Apple).
    pub certificates: Vec<Vec<u8>>,
}

/// Splits a token's CMS signature into [`SignerParts`].
pub fn signer_parts(signature: &[u8]) -> Result<SignerParts, Error> {
    let bad = || Error::CertificateChain(ChainError::BadCertificates);
    let cms = CmsSignature::parse(signature)?;
    let certificates: Vec<Vec<u8>> = cms.certificates().iter().map(|c| c.to_vec()).collect();
    let leaf = Certificate::from_der(certificates.first().ok_or_else(bad)?).map_err(|_| bad())?;
    let leaf_spki = leaf
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| bad())?;
    Ok(SignerParts {
        leaf_spki,
        signed_attrs: cms.signed_attrs_der.clone(),
        signature: cms.signature.to_vec(),
        certificates,
    })
}

/// Apple's `EC_v1` KDF from a known shared secret `z`, as decryption runs it for an
/// in-memory key (the `parts` benches time it with AES-GCM).
#[must_use]
pub fn ec_v1_kdf(
    provider: &dyn Provider,
    z: &[u8; 32],
    party_v: &MerchantIdHash,
) -> Zeroizing<[u8; 32]> {
    concat_kdf_sha256(provider, z, &crate::token::kdf::other_info(party_v))
}

/// Checks again that a PKCS#11 key's public key belongs to it: the in-token operation and
/// the comparison [`crate::pkcs11::Pkcs11Module::open_key`] runs on every P-256 key, plus
/// reading the key's attributes.
#[cfg(feature = "pkcs11")]
pub fn pkcs11_check_public_key(key: &crate::pkcs11::Pkcs11Key) -> Result<(), Error> {
    key.check_public_key()
}
