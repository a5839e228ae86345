//! What a verifier remembers of certificate work that is the same for every token: the
//! intermediates an anchor issued, and the (intermediate, leaf) paths that passed every
//! check, with what verification learned about the leaf.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use x509_cert::Certificate;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};

use super::cms::SignerId;
use crate::error::{ChainError, Error};
use crate::onboarding::merchant_cert::find_extension;
use crate::provider::{Provider, SignatureAlgorithm, VerifyingKey};
use crate::time::UnixTime;

/// How many intermediates a [`ChainCache`] remembers as issued by an anchor. Apple has
/// one at a time (two around a rotation).
#[cfg(feature = "std")]
const INTERMEDIATE_CAPACITY: usize = 8;

/// How many checked paths (intermediate + leaf) a [`ChainCache`] remembers. Apple signs
/// with a few leaves at a time (production, sandbox, around rotations); only paths that
/// passed every check are remembered, so a sender cannot fill the cache with junk.
#[cfg(feature = "std")]
const PATH_CAPACITY: usize = 32;

/// Work already done on certificates, keyed by their bytes, so what is the same for every
/// token is done once per verifier:
///
/// - intermediates whose signature by an anchor verified, by SHA-256 of the
///   intermediate's whole DER (signature included);
/// - whole paths (intermediate → leaf) that passed every check — signatures, markers,
///   constraints, key usage, curve — by both certificates' bytes (compared as they are:
///   cheaper than hashing them for every token), with both certificates parsed and what
///   verification reports about the leaf. A token carrying exactly these
///   two certificates is then neither parsed nor re-verified: only which certificate the
///   signer names and both validity periods (at this token's verification time) are
///   checked again.
///
/// Bounded (oldest entry out first) and shared between threads behind a lock. Without
/// `std` there is no lock, and nothing is cached.
#[derive(Debug, Default)]
pub(crate) struct ChainCache {
    intermediates: Bounded<[u8; 32], ()>,
    paths: Bounded<(Vec<u8>, Vec<u8>), Arc<CheckedPath>>,
}

/// A path that passed every check except validity at a given time.
#[derive(Debug)]
pub(crate) struct CheckedPath {
    pub(super) leaf: Certificate,
    pub(super) intermediate: Certificate,
    /// How a `SignerInfo` would name the leaf, to check a token's signer
    /// without encoding anything.
    pub(super) leaf_names: SignerNames,
    pub(super) leaf_info: Arc<Leaf>,
}

impl ChainCache {
    pub(super) fn intermediate_known(&self, fingerprint: &[u8; 32]) -> bool {
        self.intermediates.get(fingerprint).is_some()
    }

    pub(super) fn remember_intermediate(&self, fingerprint: [u8; 32]) {
        #[cfg(feature = "std")]
        self.intermediates
            .insert(fingerprint, (), INTERMEDIATE_CAPACITY);
        #[cfg(not(feature = "std"))]
        let _ = fingerprint;
    }

    pub(super) fn path(&self, intermediate: &[u8], leaf: &[u8]) -> Option<Arc<CheckedPath>> {
        self.paths.find(|(i, l)| i == intermediate && l == leaf)
    }

    pub(super) fn remember_path(&self, intermediate: Vec<u8>, leaf: Vec<u8>, path: CheckedPath) {
        #[cfg(feature = "std")]
        self.paths
            .insert((intermediate, leaf), Arc::new(path), PATH_CAPACITY);
        #[cfg(not(feature = "std"))]
        let _ = (intermediate, leaf, path);
    }
}

/// A bounded map, first in first out, for a handful of entries (a linear scan).
#[derive(Debug)]
struct Bounded<K, V> {
    #[cfg(feature = "std")]
    entries: std::sync::RwLock<Vec<(K, V)>>,
    #[cfg(not(feature = "std"))]
    entries: core::marker::PhantomData<(K, V)>,
}

impl<K, V> Default for Bounded<K, V> {
    fn default() -> Self {
        Self {
            entries: Default::default(),
        }
    }
}

#[cfg(feature = "std")]
impl<K: PartialEq, V: Clone> Bounded<K, V> {
    fn get(&self, key: &K) -> Option<V> {
        self.find(|k| k == key)
    }

    fn find(&self, mut matches: impl FnMut(&K) -> bool) -> Option<V> {
        // A poisoned lock is a cache miss, never a panic.
        let entries = self.entries.read().ok()?;
        entries
            .iter()
            .find(|(k, _)| matches(k))
            .map(|(_, v)| v.clone())
    }

    fn insert(&self, key: K, value: V, capacity: usize) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.iter().any(|(k, _)| *k == key) {
                return;
            }
            if entries.len() >= capacity {
                entries.remove(0);
            }
            entries.push((key, value));
        }
    }
}

#[cfg(not(feature = "std"))]
impl<K, V> Bounded<K, V> {
    fn get(&self, _key: &K) -> Option<V> {
        None
    }

    fn find(&self, _matches: impl FnMut(&K) -> bool) -> Option<V> {
        None
    }
}

/// What the chain check learned about the leaf, shared by every token the cached path
/// verifies.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub(crate) spki_der: Vec<u8>,
    /// How the leaf's key signs: ECDSA P-256/SHA-256 or RSA PKCS#1 v1.5/SHA-256.
    pub(crate) signature_algorithm: SignatureAlgorithm,
    pub(crate) subject: String,
    pub(crate) not_after: UnixTime,
    /// The leaf's key as the back-end parsed it, when it can (see
    /// [`Provider::verifying_key`]).
    pub(super) verifying_key: Option<Box<dyn VerifyingKey>>,
}

impl Leaf {
    /// Verifies a signature by the leaf's key: with the key the back-end parsed when the
    /// path was checked, or else from the key's DER.
    pub(crate) fn verify(
        &self,
        provider: &dyn Provider,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match &self.verifying_key {
            Some(key) => key.verify(message, signature),
            None => provider.verify_signature(
                self.signature_algorithm,
                &self.spki_der,
                message,
                signature,
            ),
        }
    }
}

const OID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// How a `SignerInfo` names a certificate, as bytes: the issuer's DER `Name`, the serial
/// number (the `INTEGER`'s contents) and the subject key identifier, if any. A signer
/// identifier names the certificate when its bytes are these (DER has one encoding).
#[derive(Debug)]
pub(crate) struct SignerNames {
    issuer: Vec<u8>,
    serial: Vec<u8>,
    key_id: Option<Vec<u8>>,
}

impl SignerNames {
    pub(crate) fn of(cert: &Certificate) -> Result<Self, Error> {
        let tbs = cert.tbs_certificate();
        let issuer = tbs
            .issuer()
            .to_der()
            .map_err(|_| Error::CertificateChain(ChainError::BadCertificates))?;
        // extnValue of subjectKeyIdentifier is a DER OCTET STRING.
        let key_id = find_extension(cert, OID_SUBJECT_KEY_ID)
            .and_then(|value| der::asn1::OctetString::from_der(value).ok())
            .map(der::asn1::OctetString::into_bytes);
        Ok(Self {
            issuer,
            serial: tbs.serial_number().as_bytes().to_vec(),
            key_id: key_id.map(Into::into),
        })
    }

    pub(crate) fn name(&self, signer: &SignerId<'_>) -> bool {
        match *signer {
            SignerId::IssuerAndSerial { issuer, serial } => {
                self.issuer == issuer && self.serial == serial
            }
            SignerId::SubjectKeyId(id) => self.key_id.as_deref() == Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "std")]
    #[test]
    fn cache_is_bounded_and_exact() {
        let cache = ChainCache::default();
        for i in 0..=INTERMEDIATE_CAPACITY {
            cache.remember_intermediate([u8::try_from(i).unwrap(); 32]);
        }
        // A repeated insert does not push anything out.
        cache.remember_intermediate([2; 32]);
        assert!(!cache.intermediate_known(&[0; 32]));
        assert!(cache.intermediate_known(&[1; 32]));
        assert!(cache.intermediate_known(&[u8::try_from(INTERMEDIATE_CAPACITY).unwrap(); 32]));
        assert!(!cache.intermediate_known(&[0xFF; 32]));
    }
}
