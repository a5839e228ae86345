//! `publicKeyHash`: the SHA-256 of a DER `SubjectPublicKeyInfo`, the name every token
//! gives the merchant key it was encrypted to.
//!
//! A leaf type of the shared vocabulary: it depends on nothing in the crate. It is
//! computed from a key in [`crate::keys`] ([`PublicKeyHash::of_spki_der`] and the
//! public-key readers) and from any onboarding artefact in [`crate::onboarding`]
//! ([`PublicKeyHash::from_pem_or_der`]).

use core::fmt;

use base64ct::{Base64, Encoding};

/// The SHA-256 hash of a public key's DER `SubjectPublicKeyInfo`, as found base64-encoded
/// in every token's `header.publicKeyHash`.
///
/// Compares in constant time; `Display` gives the base64 form.
#[derive(Clone, Copy)]
pub struct PublicKeyHash([u8; 32]);

impl PublicKeyHash {
    /// Wraps the 32 raw hash bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 raw hash bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for PublicKeyHash {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for PublicKeyHash {}

impl fmt::Display for PublicKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 44];
        let text = Base64::encode(&self.0, &mut buf).map_err(|_| fmt::Error)?;
        f.write_str(text)
    }
}

impl fmt::Debug for PublicKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKeyHash({self})")
    }
}
