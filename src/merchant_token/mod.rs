//! Merchant tokens (MPANs): the event metadata Apple signs and encrypts like a payment
//! token but over another signed content ([`EncryptedTokenMetadata`], verified into
//! [`VerifiedTokenMetadata`], decrypted by [`crate::Keyring::decrypt_metadata`] into
//! [`TokenMetadata`]), the usage information a merchant seals with HPKE for a token's
//! P-384 key (`usage`), and the event id of Apple's unauthenticated life-cycle
//! notification (`notification`).
//!
//! Reuses [`crate::token`]'s CMS, chain, key selection and KDF steps (the signed content
//! and the envelope are parameters there) rather than copying them; uses
//! [`crate::keys`] for the merchant's P-384 usage key. Nothing below uses it.

pub(crate) mod decrypt;
pub(crate) mod metadata;
pub(crate) mod model;
pub(crate) mod notification;
pub(crate) mod usage;
pub(crate) mod verify;

pub use metadata::{Mpan, TokenMetadata, TokenMetadataFields};
pub use model::{EncryptedTokenMetadata, MAX_METADATA_LEN};
pub use notification::MerchantTokenEventId;
pub use usage::{
    MAX_AUTHENTICATION_TOKEN_LEN, MAX_USAGE_PACKAGE_LEN, MAX_WEB_SERVICE_URL_LEN, TokenPublicKey,
    USAGE_CIPHERSUITE, USAGE_INFO_LABEL, seal_usage_metadata, seal_usage_package, usage_info,
};
pub use verify::VerifiedTokenMetadata;
