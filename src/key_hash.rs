//! `publicKeyHash`: base64 of SHA-256 of a DER `SubjectPublicKeyInfo`.

use core::fmt;

use base64ct::{Base64, Encoding};

use crate::error::Error;
use crate::provider::Provider;

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

    /// Parses the base64 form used in `header.publicKeyHash`.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let mut out = [0u8; 32];
        match Base64::decode(text.trim(), &mut out) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self(out)),
            _ => Err(Error::Malformed("publicKeyHash")),
        }
    }

    /// Hashes a DER `SubjectPublicKeyInfo`.
    #[must_use]
    pub fn of_spki_der(spki_der: &[u8]) -> Self {
        Self::of_spki_der_with(crate::provider::default_provider(), spki_der)
    }

    /// Hashes a DER `SubjectPublicKeyInfo` with the given provider's SHA-256.
    #[must_use]
    pub fn of_spki_der_with(provider: &dyn Provider, spki_der: &[u8]) -> Self {
        Self(provider.sha256(&[spki_der]))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        let h = PublicKeyHash::from_bytes([7u8; 32]);
        let text = alloc::format!("{h}");
        assert_eq!(PublicKeyHash::from_base64(&text).unwrap(), h);
    }

    #[test]
    fn wrong_length_is_malformed() {
        assert_eq!(
            PublicKeyHash::from_base64("AAAA"),
            Err(Error::Malformed("publicKeyHash"))
        );
        assert_eq!(
            PublicKeyHash::from_base64("not base64!"),
            Err(Error::Malformed("publicKeyHash"))
        );
    }
}
