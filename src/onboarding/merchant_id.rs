//! The merchant identity a key belongs to, as the `EC_v1` key derivation uses it.

use core::fmt;

use crate::error::Error;
use crate::provider::{Provider, default_provider};

/// SHA-256 of the merchant identifier: `PartyV` in the `EC_v1` key derivation.
///
/// Apple puts it, hex-encoded, in extension `1.2.840.113635.100.6.32` of the Payment
/// Processing certificate; it can also be computed from the merchant identifier string
/// (`merchant.com.example`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MerchantIdHash([u8; 32]);

impl MerchantIdHash {
    /// Hashes a merchant identifier such as `merchant.com.example`.
    #[must_use]
    pub fn of_merchant_id(merchant_id: &str) -> Self {
        Self::of_merchant_id_with(default_provider(), merchant_id)
    }

    /// [`MerchantIdHash::of_merchant_id`] with an explicit crypto back-end.
    #[must_use]
    pub fn of_merchant_id_with(provider: &dyn Provider, merchant_id: &str) -> Self {
        Self(provider.sha256(&[merchant_id.as_bytes()]))
    }

    /// Wraps the 32 raw hash bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex characters (either case), as found in the certificate extension.
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let mut out = [0u8; 32];
        match base16ct::mixed::decode(text, &mut out) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self(out)),
            _ => Err(Error::Malformed("merchant id hash")),
        }
    }

    /// The 32 raw hash bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Lower-case hex.
impl fmt::Display for MerchantIdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 64];
        let text = base16ct::lower::encode_str(&self.0, &mut buf).map_err(|_| fmt::Error)?;
        f.write_str(text)
    }
}

impl fmt::Debug for MerchantIdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantIdHash({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn hex_round_trip_and_case() {
        let upper = "358DA5890B9555C0A9EFB84B5CD6FF04BFDCD5AABF5DC14B9872D8DF51EAF439";
        let h = MerchantIdHash::from_hex(upper).unwrap();
        assert_eq!(h.to_string(), upper.to_ascii_lowercase());
        assert!(MerchantIdHash::from_hex(&upper[..62]).is_err());
        assert!(MerchantIdHash::from_hex("zz").is_err());
    }
}
