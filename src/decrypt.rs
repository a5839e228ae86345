//! Token decryption, once a key has been chosen.

use crate::error::Error;
use crate::kdf;
use crate::key::MerchantKey;
use crate::merchant_id::MerchantIdHash;
use crate::payment::Payment;
use crate::provider::{GCM_TAG_LEN, Provider};
use crate::token::{PaymentToken, Version};

/// Decrypts `token` with `key`, whose merchant identity is `merchant`.
pub(crate) fn decrypt(
    provider: &dyn Provider,
    key: &dyn MerchantKey,
    merchant: &MerchantIdHash,
    token: &PaymentToken,
) -> Result<Payment, Error> {
    if token.data().len() < GCM_TAG_LEN {
        return Err(Error::Malformed("data"));
    }
    match token.version() {
        Version::EcV1 => {
            let ephemeral = token
                .ephemeral_public_key()
                .ok_or(Error::Malformed("header.ephemeralPublicKey"))?;
            let z = key.ecdh_p256(ephemeral)?;
            let symmetric_key = kdf::ec_v1_key(provider, &z, merchant);
            let plaintext = provider.aes_gcm_open(&symmetric_key[..], token.data())?;
            Payment::from_plaintext(plaintext)
        }
        Version::RsaV1 => Err(Error::UnsupportedVersion(Version::RsaV1.as_str().into())),
    }
}
