//! Onboarding: what a merchant exchanges with Apple before the first token — certificate
//! signing requests, the certificates Apple returns, merchant identifiers and their
//! hashes, `.p12` bundles, and the public key hash of any of them.
//!
//! Uses [`crate::keys`] and below; the payment path ([`crate::token`]) uses it to pair keys
//! with certificates.

pub(crate) mod csr;
mod key_hash;
pub(crate) mod merchant_cert;
pub(crate) mod merchant_id;
#[cfg(feature = "pkcs12")]
pub(crate) mod pkcs12;

pub use csr::{Csr, CsrSubject, MAX_CSR_INPUT_LEN, MAX_NAME_ATTRIBUTE_LEN};
pub use merchant_cert::{
    CertificateKind, CertificateStatus, MAX_CERT_INPUT_LEN, MAX_CHAIN_LEN, MerchantCertificate,
    OID_MERCHANT_ID_HASH, OID_MERCHANT_IDENTITY_MARKER, OID_USER_ID,
};
pub use merchant_id::MerchantIdHash;
#[cfg(feature = "pkcs12")]
pub use pkcs12::{MAX_PKCS12_INPUT_LEN, Pkcs12};
