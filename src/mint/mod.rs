//! The Apple side, simulated: a throwaway test PKI and `EC_v1` / `RSA_v1` tokens signed the
//! way Apple signs them, for tests, vectors, benches and fuzz corpora (feature `test-util`).
//!
//! **Never use this in production.** Everything is derived from a seed, so the output is
//! reproducible (ECDSA signatures are deterministic, RFC 6979) and worthless as a secret.
//!
//! The PKI mirrors Apple's: a P-384 root (self-signed, ecdsa-with-SHA384), a P-256
//! intermediate signed by the root with ecdsa-with-SHA256 — Apple's quirk — carrying marker
//! `1.2.840.113635.100.6.2.14`, and a P-256 leaf carrying `1.2.840.113635.100.6.29`. A
//! merchant P-256 key and its Payment Processing certificate (extension
//! `1.2.840.113635.100.6.32`) complete it. [`TestPki::with_rsa`] adds an RSA-2048 merchant
//! key with its certificate, for `RSA_v1` tokens, and an RSA-2048 leaf ([`Signer::Rsa`]),
//! both generated from the seed (RSA key generation takes a moment, so only on request).
//!
//! [`Simulation`] is what `applepay simulate` runs on: a random seed and a merchant id kept
//! in a directory, the files written there, tokens minted for them, and
//! [`SimulatedGateway`], the answers of a simulated merchant validation gateway (its
//! server is `applepay-gateway`'s feature `simulator`).
//!
//! Certificates and CMS are written as raw DER by a small private writer (`der_writer`;
//! it says why not `x509-cert`'s builder).
//!
//! ```
//! use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
//! use applepay_crypto::{Keyring, PaymentToken, UnixTime, DEFAULT_MAX_AGE};
//!
//! # fn main() -> Result<(), applepay_crypto::Error> {
//! let pki = TestPki::new(b"doc example")?;
//! let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z")?;
//! let json = pki.mint(&TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed))?;
//!
//! let token = PaymentToken::from_json(json.as_bytes())?;
//! let verified = token.verify(&pki.verifier(), signed.saturating_add_secs(10), DEFAULT_MAX_AGE)?;
//! let mut keyring = Keyring::new();
//! keyring.add_with_merchant_id(pki.merchant_key()?, pki.merchant_id());
//! let payment = keyring.decrypt(&verified)?;
//! assert_eq!(payment.transaction_amount(), 1000);
//! # Ok(())
//! # }
//! ```

mod der_writer;
mod envelope;
#[cfg(feature = "rustls")]
mod gateway;
mod gateway_answer;
mod keys;
mod metadata;
mod pki;
mod signed_data;
mod simulation;
mod spec;

#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub use gateway::{GATEWAY_TEST_MERCHANT_ID, GatewayPki, IdentityVariant};
pub use gateway_answer::{
    MAX_SIMULATED_REGISTRATIONS, MAX_SIMULATED_REQUEST_LEN, SimulatedAnswer, SimulatedGateway,
};
pub use metadata::SAMPLE_METADATA;
pub use pki::{MAX_SIMULATED_MERCHANT_ID_LEN, TestPki};
pub use simulation::{DEFAULT_SIMULATED_MERCHANT_ID, Simulation, SimulationFile};
pub use spec::{Certificates, Encoding, Fault, SAMPLE_PLAINTEXT, Signer, TokenSpec};
