//! The Apple that `applepay simulate` plays for a merchant's own tests: one random seed
//! and one merchant id, from which the payment PKI ([`TestPki`]) and, with feature
//! `rustls`, the merchant validation gateway's PKI ([`GatewayPki`]) are derived; the text
//! that keeps them in a directory between commands; the files to write there; and tokens
//! minted with them. What the simulated gateway answers is in `gateway_answer.rs`.
//!
//! **Nothing made here is trusted by Apple or by the default verifier**: the root is a
//! test root, passed explicitly (`--root`, [`TestPki::verifier`]).

use alloc::string::String;
#[cfg(feature = "rustls")]
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::pki::{TestPki, checked_merchant_id};
use super::spec::TokenSpec;
use crate::error::Error;
use crate::time::UnixTime;
use crate::token::model::Version;

/// The merchant id of a simulation made without one.
pub const DEFAULT_SIMULATED_MERCHANT_ID: &str = "merchant.com.example.simulated";

/// The first line of a simulation's state ([`Simulation::state`]).
const STATE_HEADER: &str = "applepay simulation v1";

/// Largest state [`Simulation::from_state`] reads, in bytes.
const MAX_STATE_LEN: usize = 1024;

/// A simulated Apple for one merchant: a 32-byte seed (every key derives from it) and the
/// merchant id.
pub struct Simulation {
    seed: Zeroizing<[u8; 32]>,
    merchant_id: String,
}

impl fmt::Debug for Simulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

/// One file of a simulation's directory ([`Simulation::files`]).
pub struct SimulationFile {
    /// The file name (no directory).
    pub name: &'static str,
    /// What it holds (PEM, or the state text).
    pub contents: Zeroizing<String>,
    /// `true` for private keys and the state: write it readable by its owner only.
    pub secret: bool,
}

impl fmt::Debug for SimulationFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulationFile")
            .field("name", &self.name)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// The name of the state file in a simulation's directory.
    pub const STATE_FILE: &'static str = "simulation_state.txt";

    /// A new simulation with a seed from `rng`, for `merchant_id` (checked as
    /// [`TestPki::for_merchant`] checks it).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, merchant_id: &str) -> Result<Self, Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut_slice());
        Self::from_seed(*seed, merchant_id)
    }

    /// The simulation of this seed and merchant id.
    pub fn from_seed(seed: [u8; 32], merchant_id: &str) -> Result<Self, Error> {
        let seed = Zeroizing::new(seed);
        Ok(Self {
            seed,
            merchant_id: String::from(checked_merchant_id(merchant_id)?),
        })
    }

    /// The state to keep (secret: it holds the seed), as [`Simulation::from_state`]
    /// reads it back: a header line, `seed=` 64 hex digits, `merchant_id=`.
    #[must_use]
    pub fn state(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(base16ct::lower::encode_string(self.seed.as_slice()));
        let mut text = Zeroizing::new(String::new());
        for part in [
            STATE_HEADER,
            " (test keys: not trusted by Apple)\nseed=",
            seed.as_str(),
            "\nmerchant_id=",
            self.merchant_id.as_str(),
            "\n",
        ] {
            text.push_str(part);
        }
        text
    }

    /// Reads what [`Simulation::state`] wrote: [`Error::Malformed`] (`"simulation
    /// state"`) for anything else, or more than 1 KiB.
    pub fn from_state(text: &[u8]) -> Result<Self, Error> {
        let malformed = Error::Malformed("simulation state");
        if text.len() > MAX_STATE_LEN {
            return Err(malformed);
        }
        let text = core::str::from_utf8(text).map_err(|_| malformed.clone())?;
        let mut lines = text.lines();
        if !lines
            .next()
            .is_some_and(|header| header.starts_with(STATE_HEADER))
        {
            return Err(malformed);
        }
        let (mut seed, mut merchant_id) = (None, None);
        for line in lines.filter(|line| !line.trim().is_empty()) {
            match line.split_once('=') {
                Some(("seed", hex)) if seed.is_none() => {
                    let mut bytes = Zeroizing::new([0u8; 32]);
                    let decoded = base16ct::mixed::decode(hex.trim(), bytes.as_mut_slice())
                        .map_err(|_| malformed.clone())?;
                    if decoded.len() != 32 {
                        return Err(malformed);
                    }
                    seed = Some(bytes);
                }
                Some(("merchant_id", id)) if merchant_id.is_none() => merchant_id = Some(id.trim()),
                _ => return Err(malformed),
            }
        }
        match (seed, merchant_id) {
            (Some(seed), Some(merchant_id)) => Self::from_seed(*seed, merchant_id),
            _ => Err(malformed),
        }
    }

    /// The merchant id.
    #[must_use]
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The payment PKI: root, intermediate, leaf, the merchant's P-256 key and its
    /// Payment Processing certificate.
    pub fn payment_pki(&self) -> Result<TestPki, Error> {
        TestPki::for_merchant(self.seed.as_slice(), &self.merchant_id)
    }

    /// [`Simulation::payment_pki`] with the RSA merchant key and leaf (two RSA-2048 key
    /// generations).
    pub fn payment_pki_with_rsa(&self) -> Result<TestPki, Error> {
        TestPki::with_rsa_for_merchant(self.seed.as_slice(), &self.merchant_id)
    }

    /// Mints a token whose plaintext is `plaintext` byte for byte, encrypted for the
    /// merchant's P-256 key (`EC_v1`) or RSA key (`RSA_v1`), signed by the P-256 leaf at
    /// `signing_time`. `unique` (random bytes, one draw per token) is the transaction id
    /// and seeds the ephemeral key, so no two tokens share either.
    pub fn mint(
        &self,
        plaintext: &[u8],
        version: Version,
        signing_time: UnixTime,
        unique: &[u8; 32],
    ) -> Result<String, Error> {
        let pki = match version {
            Version::EcV1 => self.payment_pki()?,
            Version::RsaV1 => self.payment_pki_with_rsa()?,
        };
        let mut spec = TokenSpec::new(plaintext.to_vec(), signing_time);
        spec.version = version;
        spec.transaction_id = unique.to_vec();
        spec.ephemeral_seed = unique.to_vec();
        pki.mint(&spec)
    }

    /// The merchant validation gateway's PKI, with this merchant's Merchant Identity.
    #[cfg(feature = "rustls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
    pub fn gateway_pki(&self) -> Result<super::GatewayPki, Error> {
        super::GatewayPki::for_merchant(self.seed.as_slice(), &self.merchant_id)
    }

    /// Every file of the simulation's directory: `test_root.pem`, `merchant_key.pem` and
    /// `merchant_cert.pem` (P-256), `merchant_rsa_key.pem` and `merchant_rsa_cert.pem`,
    /// `identity.pem` and `identity_key.pem` (the Merchant Identity), `gateway_ca.pem`,
    /// and [`Simulation::STATE_FILE`]. Three RSA-2048 key generations.
    #[cfg(feature = "rustls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
    pub fn files(&self) -> Result<Vec<SimulationFile>, Error> {
        let pki = self.payment_pki_with_rsa()?;
        let gateway = self.gateway_pki()?;
        let file = |name, contents: String, secret| SimulationFile {
            name,
            contents: Zeroizing::new(contents),
            secret,
        };
        Ok(alloc::vec![
            file("test_root.pem", pki.root_pem()?, false),
            file("merchant_key.pem", pki.merchant_key_pem()?, true),
            file("merchant_cert.pem", pki.merchant_cert_pem()?, false),
            file("merchant_rsa_key.pem", pki.rsa_merchant_key_pem()?, true),
            file("merchant_rsa_cert.pem", pki.rsa_merchant_cert_pem()?, false),
            file("identity.pem", gateway.identity_cert_pem()?, false),
            file("identity_key.pem", gateway.identity_key_pem()?, true),
            file("gateway_ca.pem", gateway.gateway_ca_pem()?, false),
            SimulationFile {
                name: Self::STATE_FILE,
                contents: self.state(),
                secret: true,
            },
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_rejects_the_rest() {
        let simulation = Simulation::from_seed([7; 32], "merchant.com.example.shop").unwrap();
        let state = simulation.state();
        let back = Simulation::from_state(state.as_bytes()).unwrap();
        assert_eq!(*back.seed, [7; 32]);
        assert_eq!(back.merchant_id(), "merchant.com.example.shop");
        assert!(!format!("{simulation:?}").contains("0707"));

        let short = state.replace(&"07".repeat(32), &"07".repeat(31));
        for bad in [
            "",
            "seed=00\nmerchant_id=m\n",
            short.as_str(),
            &state.replace("merchant_id=", "merchant_id=a/b"),
            &state.replace("merchant_id=merchant.com.example.shop\n", ""),
            &[state.as_str(), "seed=00\n"].concat(),
            &[state.as_str(), "other=1\n"].concat(),
            &"x".repeat(2000),
        ] {
            assert!(
                Simulation::from_state(bad.as_bytes()).is_err(),
                "accepted {bad:?}"
            );
        }
    }

    #[test]
    fn merchant_ids_are_what_apple_uses() {
        use super::super::pki::MAX_SIMULATED_MERCHANT_ID_LEN;
        for good in ["merchant.com.example", "a", "merchant.com.x-y_z"] {
            assert!(checked_merchant_id(good).is_ok(), "{good}");
        }
        let long = "m".repeat(MAX_SIMULATED_MERCHANT_ID_LEN + 1);
        for bad in ["", "a,b", "a b", "a/b", "CN=x", "é", long.as_str()] {
            assert!(checked_merchant_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn minted_tokens_decrypt_to_the_plaintext_and_differ() {
        use crate::{DEFAULT_MAX_AGE, Keyring, PaymentToken};
        let simulation = Simulation::from_seed([1; 32], "merchant.com.example.shop").unwrap();
        let pki = simulation.payment_pki().unwrap();
        let at = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        let plaintext = b"{\"any\": \"bytes\"}\n";
        let first = simulation
            .mint(plaintext, Version::EcV1, at, &[1; 32])
            .unwrap();
        let second = simulation
            .mint(plaintext, Version::EcV1, at, &[2; 32])
            .unwrap();
        assert_ne!(first, second);
        let token = PaymentToken::from_json(first.as_bytes()).unwrap();
        let verified = token.verify(&pki.verifier(), at, DEFAULT_MAX_AGE).unwrap();
        assert_eq!(verified.signing_time(), at);
        let mut keyring = Keyring::new();
        keyring.add_with_merchant_id(pki.merchant_key().unwrap(), "merchant.com.example.shop");
        assert_eq!(
            keyring.decrypt_plaintext(&verified).unwrap().as_bytes(),
            plaintext
        );
    }
}
