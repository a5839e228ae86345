//! The `EC_v1` key derivation: NIST SP 800-56A single-step KDF with SHA-256, as Apple
//! specifies it.
//!
//! `K = SHA-256(00 00 00 01 ‖ Z ‖ 0D ‖ "id-aes256-GCM" ‖ "Apple" ‖ PartyV)`, where `Z` is
//! the 32-byte ECDH secret (leading zero bytes kept), `0D` is the length of the algorithm
//! id, `"Apple"` is PartyU and PartyV is the SHA-256 of the merchant identifier.

use zeroize::Zeroizing;

use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::Provider;
use crate::provider::SharedSecret;

const COUNTER: [u8; 4] = [0, 0, 0, 1];
const ALGORITHM_ID: &[u8] = b"\x0did-aes256-GCM";
const PARTY_U: &[u8] = b"Apple";

/// Derives the AES-256-GCM key of an `EC_v1` token.
pub(crate) fn ec_v1_key(
    provider: &dyn Provider,
    z: &SharedSecret,
    party_v: &MerchantIdHash,
) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(provider.sha256(&[
        &COUNTER,
        z.as_bytes(),
        ALGORITHM_ID,
        PARTY_U,
        party_v.as_bytes(),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64, Encoding};

    /// Intermediate values of the `gala-current` interop vector (`meta.json`).
    #[test]
    fn matches_apple_production_vector() {
        let mut z = Zeroizing::new([0u8; 32]);
        Base64::decode("yCUzDuNYTnUnANZEdxC7+DvPmqNslB2YWYn68SBsJHU=", &mut z[..]).unwrap();
        let party_v = MerchantIdHash::from_hex(
            "358DA5890B9555C0A9EFB84B5CD6FF04BFDCD5AABF5DC14B9872D8DF51EAF439",
        )
        .unwrap();
        let key = ec_v1_key(
            crate::provider::default_provider(),
            &SharedSecret::new(z),
            &party_v,
        );
        assert_eq!(
            Base64::encode_string(&key[..]),
            "3GTXJ4RuP/IhS23hsdOw2J2ecAZmC0RasbPIFdC3nQM="
        );
    }
}
