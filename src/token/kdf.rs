//! The `EC_v1` key derivation: NIST SP 800-56A single-step KDF with SHA-256, as Apple
//! specifies it.
//!
//! `K = SHA-256(00 00 00 01 ‖ Z ‖ 0D ‖ "id-aes256-GCM" ‖ "Apple" ‖ PartyV)`, where `Z` is
//! the 32-byte ECDH secret (leading zero bytes kept), `0D` is the length of the algorithm
//! id, `"Apple"` is PartyU and PartyV is the SHA-256 of the merchant identifier.

use zeroize::Zeroizing;

use crate::error::Error;
use crate::onboarding::merchant_id::MerchantIdHash;
use crate::provider::{MerchantKey, Provider};

const ALGORITHM_ID: &[u8] = b"\x0did-aes256-GCM";
const PARTY_U: &[u8] = b"Apple";
/// Length of the KDF's OtherInfo: algorithm id, PartyU, PartyV.
const OTHER_INFO_LEN: usize = ALGORITHM_ID.len() + PARTY_U.len() + 32;

/// The KDF's OtherInfo for `EC_v1`: `0D ‖ "id-aes256-GCM" ‖ "Apple" ‖ PartyV`.
pub(crate) fn other_info(party_v: &MerchantIdHash) -> [u8; OTHER_INFO_LEN] {
    let mut info = [0u8; OTHER_INFO_LEN];
    for (byte, value) in info.iter_mut().zip(
        ALGORITHM_ID
            .iter()
            .chain(PARTY_U)
            .chain(party_v.as_bytes().iter()),
    ) {
        *byte = *value;
    }
    info
}

/// Derives the AES-256-GCM key of an `EC_v1` token: ECDH of `key` with the token's
/// ephemeral key, then the KDF, both through the key (so an HSM keeps `Z` inside).
pub(crate) fn ec_v1_key(
    provider: &dyn Provider,
    key: &dyn MerchantKey,
    ephemeral_spki: &[u8],
    party_v: &MerchantIdHash,
) -> Result<Zeroizing<[u8; 32]>, Error> {
    key.ecdh_p256_concat_kdf_sha256(ephemeral_spki, &other_info(party_v), provider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SharedSecret;
    use base64ct::{Base64, Encoding};

    /// A key that knows only `Z`: the trait's default KDF path must give Apple's key.
    struct FixedZ(Zeroizing<[u8; 32]>);

    impl MerchantKey for FixedZ {
        fn public_key_spki(&self) -> &[u8] {
            &[]
        }

        fn ecdh_p256(&self, _: &[u8]) -> Result<SharedSecret, Error> {
            Ok(SharedSecret::new(self.0.clone()))
        }
    }

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
            &FixedZ(z),
            b"ephemeral key (unused)",
            &party_v,
        )
        .unwrap();
        assert_eq!(
            Base64::encode_string(&key[..]),
            "3GTXJ4RuP/IhS23hsdOw2J2ecAZmC0RasbPIFdC3nQM="
        );
    }
}
