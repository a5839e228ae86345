//! The test PKI: root, intermediate, leaf and merchant keys and certificates derived from a
//! seed, and minting of the token JSON.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding as _};
use p256::pkcs8::LineEnding;
use rsa::pkcs1::EncodeRsaPrivateKey;
use sha2::Digest;
use spki::EncodePublicKey;

use super::der_writer::name;
use super::envelope::{self, Envelope};
use super::keys::{p256_key, p384_key, rsa_key, spki_rsa};
use super::spec::{Fault, TokenSpec};
use crate::error::Error;
use crate::keys::private_key::PrivateKey;
use crate::time::UnixTime;
use crate::token::anchors::TrustAnchors;
use crate::token::model::Version;

use crate::token::verify::Verifier;

/// Longest merchant id a simulation accepts, in characters.
pub const MAX_SIMULATED_MERCHANT_ID_LEN: usize = 128;

/// `merchant_id` if it is 1 to [`MAX_SIMULATED_MERCHANT_ID_LEN`] ASCII letters, digits,
/// `.`, `-` or `_`: what Apple's merchant ids are made of, and nothing a distinguished
/// name or a URL path would have to escape.
pub(crate) fn checked_merchant_id(merchant_id: &str) -> Result<&str, Error> {
    let fits = !merchant_id.is_empty()
        && merchant_id.len() <= MAX_SIMULATED_MERCHANT_ID_LEN
        && merchant_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if fits {
        Ok(merchant_id)
    } else {
        Err(Error::InvalidParameter("merchant id"))
    }
}

/// A throwaway Apple-like PKI with one merchant, all derived from a seed.
pub struct TestPki {
    pub(super) root_key: p384::ecdsa::SigningKey,
    pub(super) rogue_root_key: p384::ecdsa::SigningKey,
    /// The key of [`Certificates::DecoyIntermediateFirst`](super::Certificates)'s decoy.
    pub(super) decoy_key: p256::ecdsa::SigningKey,
    pub(super) intermediate_key: p256::ecdsa::SigningKey,
    pub(super) leaf_key: p256::ecdsa::SigningKey,
    pub(super) merchant_key: p256::SecretKey,
    pub(super) merchant_id: String,
    pub(super) root_name: Vec<u8>,
    pub(super) intermediate_name: Vec<u8>,
    pub(super) root_der: Vec<u8>,
    pub(super) merchant_cert_der: Vec<u8>,
    pub(super) rsa: Option<RsaParts>,
}

/// The RSA half of a [`TestPki`], made by [`TestPki::with_rsa`].
pub(super) struct RsaParts {
    pub(super) merchant_key: rsa::PrivateKey,
    pub(super) leaf_key: rsa::PrivateKey,
    pub(super) merchant_cert_der: Vec<u8>,
}

impl fmt::Debug for TestPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestPki")
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

pub(super) const LEAF_SERIAL: u8 = 3;
pub(super) const RSA_LEAF_SERIAL: u8 = 5;
pub(super) const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
pub(super) const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub(super) const DAY: u64 = 86_400;

impl TestPki {
    /// The PKI derived from `seed`; the merchant identifier is
    /// `merchant.com.example.applepay-crypto`.
    pub fn new(seed: &[u8]) -> Result<Self, Error> {
        Self::for_merchant(seed, "merchant.com.example.applepay-crypto")
    }

    /// The PKI derived from `seed`, for the merchant identifier `merchant_id`: 1 to
    /// [`MAX_SIMULATED_MERCHANT_ID_LEN`] ASCII
    /// letters, digits, `.`, `-` or `_` (as Apple's `merchant.com.example` ids), else
    /// [`Error::InvalidParameter`]. The same seed gives the same keys for every merchant
    /// id; the merchant certificates differ.
    pub fn for_merchant(seed: &[u8], merchant_id: &str) -> Result<Self, Error> {
        let merchant_id = checked_merchant_id(merchant_id)?;
        let root_key = p384_key(seed, "root")?;
        let rogue_root_key = p384_key(seed, "rogue root")?;
        let decoy_key = p256_key(seed, "decoy intermediate")?;
        let intermediate_key = p256_key(seed, "intermediate")?;
        let leaf_key = p256_key(seed, "leaf")?;
        let merchant_key = p256::SecretKey::from(p256_key(seed, "merchant")?.as_nonzero_scalar());
        let merchant_id = String::from(merchant_id);
        let root_name = name("CN=Test Root CA - G3,OU=applepay-crypto test PKI,O=Nobody,C=US")?;
        let intermediate_name = name(
            "CN=Test Application Integration CA - G3,OU=applepay-crypto test PKI,O=Nobody,C=US",
        )?;
        let mut pki = Self {
            root_key,
            rogue_root_key,
            decoy_key,
            intermediate_key,
            leaf_key,
            merchant_key,
            merchant_id,
            root_name,
            intermediate_name,
            root_der: Vec::new(),
            merchant_cert_der: Vec::new(),
            rsa: None,
        };
        pki.root_der = pki.root_certificate()?;
        let spki = pki
            .merchant_key
            .public_key()
            .to_public_key_der()
            .map_err(|_| Error::InvalidParameter("merchant key"))?
            .into_vec();
        pki.merchant_cert_der = pki.merchant_certificate(&spki, 4)?;
        Ok(pki)
    }

    /// [`TestPki::new`] plus an RSA-2048 merchant key (with its Payment Processing
    /// certificate, same merchant identifier) for `RSA_v1` tokens, and an RSA-2048 leaf
    /// for [`Signer::Rsa`](super::Signer::Rsa), generated from `seed`.
    pub fn with_rsa(seed: &[u8]) -> Result<Self, Error> {
        Self::new(seed)?.add_rsa(seed)
    }

    /// [`TestPki::for_merchant`] with the RSA half of [`TestPki::with_rsa`].
    pub fn with_rsa_for_merchant(seed: &[u8], merchant_id: &str) -> Result<Self, Error> {
        Self::for_merchant(seed, merchant_id)?.add_rsa(seed)
    }

    fn add_rsa(self, seed: &[u8]) -> Result<Self, Error> {
        let mut pki = self;
        let merchant_key = rsa_key(seed, "rsa merchant")?;
        let leaf_key = rsa_key(seed, "rsa leaf")?;
        let merchant_cert_der = pki.merchant_certificate(&spki_rsa(&merchant_key)?, 6)?;
        pki.rsa = Some(RsaParts {
            merchant_key,
            leaf_key,
            merchant_cert_der,
        });
        Ok(pki)
    }

    pub(super) fn rsa(&self) -> Result<&RsaParts, Error> {
        self.rsa
            .as_ref()
            .ok_or(Error::InvalidParameter("RSA needs TestPki::with_rsa"))
    }

    /// The RSA merchant private key as PKCS#1 PEM (`RSA PRIVATE KEY`).
    pub fn rsa_merchant_key_pem(&self) -> Result<String, Error> {
        self.rsa()?
            .merchant_key
            .to_pkcs1_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| Error::InvalidParameter("merchant key"))
    }

    /// The RSA merchant private key, ready for a [`crate::Keyring`].
    pub fn rsa_merchant_key(&self) -> Result<PrivateKey, Error> {
        PrivateKey::from_pem_or_der(self.rsa_merchant_key_pem()?.as_bytes())
    }

    /// The RSA merchant key's Payment Processing certificate (PEM).
    pub fn rsa_merchant_cert_pem(&self) -> Result<String, Error> {
        pem_cert(&self.rsa()?.merchant_cert_der)
    }

    /// The root certificate (DER): the trust anchor.
    #[must_use]
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The decoy of [`Certificates::DecoyIntermediateFirst`](super::Certificates) (DER),
    /// exactly as it stands in the CMS certificate set. No path uses it, so a token
    /// whose only change is inside these bytes still verifies; tests that edit tokens
    /// need to know where it is.
    pub fn decoy_intermediate_der(&self) -> Result<Vec<u8>, Error> {
        self.decoy_intermediate_certificate()
    }

    /// The root certificate as PEM.
    pub fn root_pem(&self) -> Result<String, Error> {
        pem_cert(&self.root_der)
    }

    /// Trust anchors holding this PKI's root only.
    pub fn trust_anchors(&self) -> Result<TrustAnchors, Error> {
        TrustAnchors::from_pem_or_der(&self.root_der)
    }

    /// A verifier trusting this PKI's root only.
    ///
    /// # Panics
    ///
    /// Never: the root was parsed when the PKI was made.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn verifier(&self) -> Verifier {
        Verifier::with_anchors(self.trust_anchors().expect("test root parses"))
    }

    /// The merchant identifier.
    #[must_use]
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The merchant's private key as SEC1 PEM (`EC PRIVATE KEY`).
    pub fn merchant_key_pem(&self) -> Result<String, Error> {
        self.merchant_key
            .to_sec1_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| Error::InvalidParameter("merchant key"))
    }

    /// The merchant's private key, ready for a [`crate::Keyring`].
    pub fn merchant_key(&self) -> Result<PrivateKey, Error> {
        PrivateKey::from_pem_or_der(self.merchant_key_pem()?.as_bytes())
    }

    /// The merchant's Payment Processing certificate (PEM).
    pub fn merchant_cert_pem(&self) -> Result<String, Error> {
        pem_cert(&self.merchant_cert_der)
    }

    /// Mints a token: the `paymentData` JSON object, as Apple sends it.
    pub fn mint(&self, spec: &TokenSpec) -> Result<String, Error> {
        let envelope = match spec.version {
            Version::EcV1 => {
                envelope::ec_v1(&self.merchant_key.public_key(), &self.merchant_id, spec)?
            }
            Version::RsaV1 => {
                let rsa = self.rsa()?;
                envelope::rsa_v1(&rsa.merchant_key, &rsa.leaf_key, spec)?
            }
        };
        self.sign_envelope(spec, envelope)
    }

    /// Mints an `EC_v1` token like [`TestPki::mint`], but encrypted for another P-256
    /// public key (`merchant_spki`, a DER `SubjectPublicKeyInfo`) whose private half the
    /// simulator need not hold: a key generated inside an HSM, say. The merchant
    /// identity is still this PKI's merchant id. `spec.version` must be `EC_v1`.
    pub fn mint_for(&self, spec: &TokenSpec, merchant_spki: &[u8]) -> Result<String, Error> {
        use spki::DecodePublicKey;
        if spec.version != Version::EcV1 {
            return Err(Error::InvalidParameter("version"));
        }
        let public = p256::PublicKey::from_public_key_der(merchant_spki)
            .map_err(|_| Error::InvalidParameter("merchant key"))?;
        let envelope = envelope::ec_v1(&public, &self.merchant_id, spec)?;
        self.sign_envelope(spec, envelope)
    }

    /// Signs an envelope and writes the token's JSON.
    fn sign_envelope(&self, spec: &TokenSpec, envelope: Envelope) -> Result<String, Error> {
        let Envelope {
            key_field,
            mut key_value,
            merchant_spki,
            mut data,
        } = envelope;

        if spec.fault == Some(Fault::WrappedKeyLongerThanModulus) && spec.version == Version::RsaV1
        {
            key_value.insert(0, 0);
        }
        let mut content = sha2::Sha256::new();
        content.update(&key_value);
        content.update(&data);
        content.update(&spec.transaction_id);
        content.update(spec.application_data.as_deref().unwrap_or_default());
        let mut digest: [u8; 32] = content.finalize().into();
        if spec.fault == Some(Fault::BadMessageDigest) {
            digest[0] ^= 1;
        }
        let signature = self.signed_data(spec, &digest)?;
        let tampered = match spec.fault {
            Some(Fault::TamperedData) => data.first_mut(),
            Some(Fault::TamperedWrappedKey) if spec.version == Version::RsaV1 => {
                key_value.last_mut()
            }
            _ => None,
        };
        if let Some(byte) = tampered {
            *byte ^= 1;
        }

        let mut header = serde_json::Map::new();
        header.insert(key_field.into(), Base64::encode_string(&key_value).into());
        header.insert(
            "publicKeyHash".into(),
            Base64::encode_string(&sha2::Sha256::digest(&merchant_spki)).into(),
        );
        header.insert("transactionId".into(), hex(&spec.transaction_id).into());
        if let Some(app) = &spec.application_data {
            header.insert("applicationData".into(), hex(app).into());
        }
        let mut token = serde_json::Map::new();
        token.insert("version".into(), spec.version.as_str().into());
        token.insert("data".into(), Base64::encode_string(&data).into());
        token.insert("signature".into(), Base64::encode_string(&signature).into());
        token.insert("header".into(), header.into());
        serde_json::to_string_pretty(&token).map_err(|_| Error::InvalidParameter("json"))
    }
}

pub(super) fn civil(year: u64, month: u64, day: u64) -> Result<UnixTime, Error> {
    UnixTime::from_civil(year, month, day, 0, 0, 0).ok_or(Error::InvalidParameter("date"))
}

pub(super) fn pem_cert(der: &[u8]) -> Result<String, Error> {
    pem_rfc7468::encode_string("CERTIFICATE", LineEnding::LF, der)
        .map_err(|_| Error::InvalidParameter("certificate"))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}
