//! Merchant token event metadata, minted the way Apple makes it: the payment token's
//! envelope (`EC_v1` or `RSA_v1`) with the detached CMS signature over
//! `ephemeralPublicKey ‖ data` or `wrappedKey ‖ data` only.

use alloc::string::String;

use base64ct::{Base64, Encoding as _};
use sha2::Digest;

use super::envelope::{self, Envelope};
use super::pki::TestPki;
use super::spec::{Fault, TokenSpec};
use crate::error::Error;
use crate::token::model::Version;

/// A plausible decrypted metadata plaintext: an MPAN, its expiry and its id, compact JSON.
pub const SAMPLE_METADATA: &str =
    r#"{"mpan":"5204245250001488","expirationDate":"311231","mpanId":"MPAN-0001-EXAMPLE"}"#;

impl TestPki {
    /// Mints merchant token event metadata: the `EncryptedTokenMetadata` JSON object
    /// (`data`, `ephemeralPublicKey` or `wrappedKey`, `publicKeyHash`, `signature`), with
    /// `spec.plaintext` encrypted as a token of `spec.version` would be.
    ///
    /// The signature covers the key field and the data only, unless `spec.fault` is
    /// [`Fault::PaymentTokenRule`], which signs the payment token's content (key, data,
    /// `spec.transaction_id`, `spec.application_data`) instead. `transaction_id` and
    /// `application_data` are otherwise unused. Faults about the envelope, the
    /// certificates and the signature apply as for tokens.
    pub fn mint_metadata(&self, spec: &TokenSpec) -> Result<String, Error> {
        let Envelope {
            key_field,
            key_value,
            merchant_spki,
            mut data,
        } = match spec.version {
            Version::EcV1 => {
                envelope::ec_v1(&self.merchant_key.public_key(), &self.merchant_id, spec)?
            }
            Version::RsaV1 => {
                let rsa = self.rsa()?;
                envelope::rsa_v1(&rsa.merchant_key, &rsa.leaf_key, spec)?
            }
        };
        let mut content = sha2::Sha256::new();
        content.update(&key_value);
        content.update(&data);
        if spec.fault == Some(Fault::PaymentTokenRule) {
            content.update(&spec.transaction_id);
            content.update(spec.application_data.as_deref().unwrap_or_default());
        }
        let mut digest: [u8; 32] = content.finalize().into();
        if spec.fault == Some(Fault::BadMessageDigest) {
            digest[0] ^= 1;
        }
        let signature = self.signed_data(spec, &digest)?;
        if spec.fault == Some(Fault::TamperedData)
            && let Some(byte) = data.first_mut()
        {
            *byte ^= 1;
        }
        let mut metadata = serde_json::Map::new();
        metadata.insert("data".into(), Base64::encode_string(&data).into());
        metadata.insert(key_field.into(), Base64::encode_string(&key_value).into());
        metadata.insert(
            "publicKeyHash".into(),
            Base64::encode_string(&sha2::Sha256::digest(&merchant_spki)).into(),
        );
        metadata.insert("signature".into(), Base64::encode_string(&signature).into());
        serde_json::to_string_pretty(&metadata).map_err(|_| Error::InvalidParameter("json"))
    }

    /// [`TestPki::mint_metadata`] inside a whole `MerchantTokenEventResponse`, at
    /// `merchantTokenMetadata.encryptedTokenMetadata`, with card art beside it.
    pub fn mint_event(&self, spec: &TokenSpec) -> Result<String, Error> {
        let metadata: serde_json::Value = serde_json::from_str(&self.mint_metadata(spec)?)
            .map_err(|_| Error::InvalidParameter("json"))?;
        let event = serde_json::json!({
            "merchantTokenIdentifier": "DNITHE302312345678901234",
            "eventType": "METADATA_UPDATED",
            "merchantTokenMetadata": {
                "cardArt": [{"name": "Example Bank", "type": "CARD_ART_FULL",
                             "url": "https://cardart.example/a.png"}],
                "encryptedTokenMetadata": metadata,
            },
        });
        serde_json::to_string_pretty(&event).map_err(|_| Error::InvalidParameter("json"))
    }
}
