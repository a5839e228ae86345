//! The Apple side, simulated: a throwaway test PKI and `EC_v1` tokens signed the way Apple
//! signs them, for tests, vectors, benches and fuzz corpora (feature `test-util`).
//!
//! **Never use this in production.** Everything is derived from a seed, so the output is
//! reproducible (ECDSA signatures are deterministic, RFC 6979) and worthless as a secret.
//!
//! The PKI mirrors Apple's: a P-384 root (self-signed, ecdsa-with-SHA384), a P-256
//! intermediate signed by the root with ecdsa-with-SHA256 — Apple's quirk — carrying marker
//! `1.2.840.113635.100.6.2.14`, and a P-256 leaf carrying `1.2.840.113635.100.6.29`. A
//! merchant P-256 key and its Payment Processing certificate (extension
//! `1.2.840.113635.100.6.32`) complete it.
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

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{AeadInOut, KeyInit};
use base64ct::{Base64, Encoding as _};
use der::asn1::ObjectIdentifier;
use p256::pkcs8::LineEnding;
use sha2::Digest;
use signature::Signer;
use signature::hazmat::PrehashSigner;
use spki::EncodePublicKey;

use crate::chain::{OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF, TrustAnchors};
use crate::der_writer::{
    attribute, ca_constraints, certificate, constructed, extension, key_usage, key_usage_ca, name,
    oid, seq, tbs, time, tlv,
};
use crate::error::Error;
use crate::key::PrivateKey;
use crate::merchant_cert::OID_MERCHANT_ID_HASH;
use crate::time::UnixTime;
use crate::verify::Verifier;

/// How the CMS `SignedData` is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// BER with indefinite lengths on the outer layers, as Apple sends it.
    #[default]
    BerIndefinite,
    /// DER throughout.
    Der,
}

/// A deliberate defect in a minted token, and the error verification must report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The leaf carries another OID instead of the Apple Pay leaf marker
    /// (`certificate_chain`).
    WrongLeafOid,
    /// The intermediate lacks its marker extension (`certificate_chain`).
    MissingIntermediateOid,
    /// The leaf expired the day before the signing time (`certificate_chain`).
    ExpiredLeaf,
    /// The intermediate is signed by a root the verifier does not trust, under the same
    /// name (`certificate_chain`).
    UntrustedRoot,
    /// The `messageDigest` attribute is not the digest of the content; the signature over
    /// the attributes is valid (`signature`).
    BadMessageDigest,
    /// One bit of `data` is flipped after signing (`signature`).
    TamperedData,
    /// One bit of the ECDSA signature is flipped (`signature`).
    TamperedSignature,
}

/// A plausible `3DSecure` payment data plaintext (test card 4111 1111 1111 1111, USD
/// 10.00), compact JSON as a device produces it.
pub const SAMPLE_PLAINTEXT: &str = concat!(
    r#"{"applicationPrimaryAccountNumber":"4111111111111111","applicationExpirationDate":"301231","#,
    r#""currencyCode":"840","transactionAmount":1000,"deviceManufacturerIdentifier":"040010030273","#,
    r#""paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"AAAAAAAAAAAAAAAAAAAAAAAAAAA=","eciIndicator":"5"}}"#
);

/// What to put in a minted token.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    /// The payment data JSON the device would encrypt.
    pub plaintext: Vec<u8>,
    /// The `signingTime` attribute.
    pub signing_time: UnixTime,
    /// `header.transactionId` (raw bytes; written as hex).
    pub transaction_id: Vec<u8>,
    /// `header.applicationData` (raw bytes; written as hex), if any.
    pub application_data: Option<Vec<u8>>,
    /// Encoding of the CMS signature.
    pub encoding: Encoding,
    /// A deliberate defect, if any.
    pub fault: Option<Fault>,
    /// Seed of the ephemeral key (distinct seeds give distinct tokens).
    pub ephemeral_seed: Vec<u8>,
}

impl TokenSpec {
    /// A faultless BER token with a fixed transaction id and no application data.
    #[must_use]
    pub fn new(plaintext: Vec<u8>, signing_time: UnixTime) -> Self {
        Self {
            plaintext,
            signing_time,
            transaction_id: vec![0x5a; 32],
            application_data: None,
            encoding: Encoding::BerIndefinite,
            fault: None,
            ephemeral_seed: b"ephemeral".to_vec(),
        }
    }
}

/// A throwaway Apple-like PKI with one merchant, all derived from a seed.
pub struct TestPki {
    root_key: p384::ecdsa::SigningKey,
    rogue_root_key: p384::ecdsa::SigningKey,
    intermediate_key: p256::ecdsa::SigningKey,
    leaf_key: p256::ecdsa::SigningKey,
    merchant_key: p256::SecretKey,
    merchant_id: String,
    root_name: Vec<u8>,
    intermediate_name: Vec<u8>,
    root_der: Vec<u8>,
    merchant_cert_der: Vec<u8>,
}

impl fmt::Debug for TestPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestPki")
            .field("merchant_id", &self.merchant_id)
            .finish_non_exhaustive()
    }
}

const LEAF_SERIAL: u8 = 3;
const DAY: u64 = 86_400;

impl TestPki {
    /// The PKI derived from `seed`; the merchant identifier is
    /// `merchant.com.example.applepay-crypto`.
    pub fn new(seed: &[u8]) -> Result<Self, Error> {
        let root_key = p384_key(seed, "root")?;
        let rogue_root_key = p384_key(seed, "rogue root")?;
        let intermediate_key = p256_key(seed, "intermediate")?;
        let leaf_key = p256_key(seed, "leaf")?;
        let merchant_key = p256::SecretKey::from(p256_key(seed, "merchant")?.as_nonzero_scalar());
        let merchant_id = String::from("merchant.com.example.applepay-crypto");
        let root_name = name("CN=Test Root CA - G3,OU=applepay-crypto test PKI,O=Nobody,C=US")?;
        let intermediate_name = name(
            "CN=Test Application Integration CA - G3,OU=applepay-crypto test PKI,O=Nobody,C=US",
        )?;
        let mut pki = Self {
            root_key,
            rogue_root_key,
            intermediate_key,
            leaf_key,
            merchant_key,
            merchant_id,
            root_name,
            intermediate_name,
            root_der: Vec::new(),
            merchant_cert_der: Vec::new(),
        };
        pki.root_der = pki.root_certificate()?;
        pki.merchant_cert_der = pki.merchant_certificate()?;
        Ok(pki)
    }

    /// The root certificate (DER): the trust anchor.
    #[must_use]
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
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
        let ephemeral = p256_key(&spec.ephemeral_seed, "ephemeral")?;
        let ephemeral_spki = spki_p256(ephemeral.verifying_key())?;
        let merchant_public = self.merchant_key.public_key();
        let merchant_spki = merchant_public
            .to_public_key_der()
            .map_err(|_| Error::InvalidParameter("merchant key"))?
            .into_vec();

        // EC_v1 encryption: ECDH, Apple's KDF, AES-256-GCM with a zero 16-byte IV.
        let z =
            p256::ecdh::diffie_hellman(ephemeral.as_nonzero_scalar(), merchant_public.as_affine());
        let party_v = sha2::Sha256::digest(self.merchant_id.as_bytes());
        let mut kdf = sha2::Sha256::new();
        for part in [
            &[0, 0, 0, 1][..],
            z.raw_secret_bytes().as_slice(),
            b"\x0did-aes256-GCM",
            b"Apple",
            party_v.as_slice(),
        ] {
            kdf.update(part);
        }
        let key = kdf.finalize();
        let cipher = aes_gcm::AesGcm::<aes_gcm::aes::Aes256, U16>::new_from_slice(key.as_slice())
            .map_err(|_| Error::InvalidParameter("aes key"))?;
        let mut data = spec.plaintext.clone();
        let tag = cipher
            .encrypt_inout_detached(
                &aes_gcm::Nonce::<U16>::default(),
                &[],
                data.as_mut_slice().into(),
            )
            .map_err(|_| Error::InvalidParameter("plaintext"))?;
        data.extend_from_slice(tag.as_slice());

        let mut content = sha2::Sha256::new();
        content.update(&ephemeral_spki);
        content.update(&data);
        content.update(&spec.transaction_id);
        content.update(spec.application_data.as_deref().unwrap_or_default());
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

        let mut header = serde_json::Map::new();
        header.insert(
            "ephemeralPublicKey".into(),
            Base64::encode_string(&ephemeral_spki).into(),
        );
        header.insert(
            "publicKeyHash".into(),
            Base64::encode_string(&sha2::Sha256::digest(&merchant_spki)).into(),
        );
        header.insert("transactionId".into(), hex(&spec.transaction_id).into());
        if let Some(app) = &spec.application_data {
            header.insert("applicationData".into(), hex(app).into());
        }
        let mut token = serde_json::Map::new();
        token.insert("version".into(), "EC_v1".into());
        token.insert("data".into(), Base64::encode_string(&data).into());
        token.insert("signature".into(), Base64::encode_string(&signature).into());
        token.insert("header".into(), header.into());
        serde_json::to_string_pretty(&token).map_err(|_| Error::InvalidParameter("json"))
    }

    /// The detached CMS `SignedData` over the content whose SHA-256 is `digest`.
    fn signed_data(&self, spec: &TokenSpec, digest: &[u8; 32]) -> Result<Vec<u8>, Error> {
        let ber = spec.encoding == Encoding::BerIndefinite;
        let leaf = self.leaf_certificate(spec)?;
        let intermediate = self.intermediate_certificate(spec.fault)?;

        let sha256_alg = seq(&[&oid("2.16.840.1.101.3.4.2.1"), &[0x05, 0x00]]);
        let ecdsa_alg = seq(&[&oid("1.2.840.10045.4.3.2")]);
        let mut attrs = [
            attribute("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.7.1")),
            attribute("1.2.840.113549.1.9.5", &time(spec.signing_time)),
            attribute(
                "1.2.840.113549.1.9.52",
                &seq(&[&sha256_alg, &tlv(0xA1, &oid("1.2.840.10045.4.3.2"))]),
            ),
            attribute("1.2.840.113549.1.9.4", &tlv(0x04, digest)),
        ];
        // DER orders the elements of a SET OF by their encodings.
        attrs.sort();
        let attrs = attrs.concat();
        let mut signature = sign_p256(&self.leaf_key, &tlv(0x31, &attrs));
        if spec.fault == Some(Fault::TamperedSignature)
            && let Some(byte) = signature.last_mut()
        {
            *byte ^= 1;
        }
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &seq(&[&self.intermediate_name, &[0x02, 0x01, LEAF_SERIAL]]),
            &sha256_alg,
            &tlv(0xA0, &attrs),
            &ecdsa_alg,
            &tlv(0x04, &signature),
        ]);
        // Apple's layout: indefinite lengths down to the certificate set; the signer infos
        // are definite.
        let signed_data = constructed(
            0x30,
            &[
                &[0x02, 0x01, 0x01][..],
                &tlv(0x31, &sha256_alg),
                &constructed(0x30, &oid("1.2.840.113549.1.7.1"), ber),
                &constructed(0xA0, &[leaf, intermediate].concat(), ber),
                &tlv(0x31, &signer_info),
            ]
            .concat(),
            ber,
        );
        Ok(constructed(
            0x30,
            &[
                &oid("1.2.840.113549.1.7.2")[..],
                &constructed(0xA0, &signed_data, ber),
            ]
            .concat(),
            ber,
        ))
    }

    fn root_certificate(&self) -> Result<Vec<u8>, Error> {
        let spki = spki_p384(self.root_key.verifying_key())?;
        let tbs = tbs(
            1,
            "1.2.840.10045.4.3.3",
            &self.root_name,
            civil(2020, 1, 1)?,
            civil(2045, 1, 1)?,
            &self.root_name,
            &spki,
            &[ca_constraints(None), key_usage_ca()],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.3",
            &sign_p384_sha384(&self.root_key, &tbs),
        ))
    }

    fn intermediate_certificate(&self, fault: Option<Fault>) -> Result<Vec<u8>, Error> {
        let spki = spki_p256(self.intermediate_key.verifying_key())?;
        let mut extensions = vec![ca_constraints(Some(0)), key_usage_ca()];
        if fault != Some(Fault::MissingIntermediateOid) {
            extensions.push(extension(OID_APPLE_PAY_INTERMEDIATE, false, &[0x05, 0x00]));
        }
        let tbs = tbs(
            2,
            "1.2.840.10045.4.3.2",
            &self.root_name,
            civil(2020, 1, 1)?,
            civil(2040, 1, 1)?,
            &self.intermediate_name,
            &spki,
            &extensions,
        );
        let signer = if fault == Some(Fault::UntrustedRoot) {
            &self.rogue_root_key
        } else {
            &self.root_key
        };
        let signature = sign_p384_sha256(signer, &tbs)?;
        Ok(certificate(&tbs, "1.2.840.10045.4.3.2", &signature))
    }

    fn leaf_certificate(&self, spec: &TokenSpec) -> Result<Vec<u8>, Error> {
        let spki = spki_p256(self.leaf_key.verifying_key())?;
        let marker = if spec.fault == Some(Fault::WrongLeafOid) {
            ObjectIdentifier::new_unwrap("1.2.840.113635.100.6.99")
        } else {
            OID_APPLE_PAY_LEAF
        };
        let (not_before, not_after) = if spec.fault == Some(Fault::ExpiredLeaf) {
            (
                spec.signing_time.saturating_sub_secs(400 * DAY),
                spec.signing_time.saturating_sub_secs(DAY),
            )
        } else {
            (
                spec.signing_time.saturating_sub_secs(365 * DAY),
                spec.signing_time.saturating_add_secs(730 * DAY),
            )
        };
        let tbs = tbs(
            LEAF_SERIAL,
            "1.2.840.10045.4.3.2",
            &self.intermediate_name,
            not_before,
            not_after,
            &name("CN=test-smp-broker-sign,OU=applepay-crypto test PKI,O=Nobody,C=US")?,
            &spki,
            &[
                extension(
                    ObjectIdentifier::new_unwrap("2.5.29.19"),
                    true,
                    &[0x30, 0x00],
                ),
                key_usage(0x07, 0x80),
                extension(marker, false, &[0x05, 0x00]),
            ],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.2",
            &sign_p256(&self.intermediate_key, &tbs),
        ))
    }

    fn merchant_certificate(&self) -> Result<Vec<u8>, Error> {
        let spki = self
            .merchant_key
            .public_key()
            .to_public_key_der()
            .map_err(|_| Error::InvalidParameter("merchant key"))?
            .into_vec();
        let id_hash = hex(&sha2::Sha256::digest(self.merchant_id.as_bytes())).to_uppercase();
        let subject = name(&alloc::format!(
            "CN=Apple Pay Payment Processing:{},OU=applepay-crypto test PKI,O=Nobody,C=US",
            self.merchant_id
        ))?;
        let tbs = tbs(
            4,
            "1.2.840.10045.4.3.2",
            &self.intermediate_name,
            civil(2020, 1, 1)?,
            civil(2040, 1, 1)?,
            &subject,
            &spki,
            &[
                extension(
                    ObjectIdentifier::new_unwrap("2.5.29.19"),
                    true,
                    &[0x30, 0x00],
                ),
                extension(OID_MERCHANT_ID_HASH, false, &tlv(0x0C, id_hash.as_bytes())),
            ],
        );
        Ok(certificate(
            &tbs,
            "1.2.840.10045.4.3.2",
            &sign_p256(&self.intermediate_key, &tbs),
        ))
    }
}

// --- keys and signatures -------------------------------------------------------------

fn p256_key(seed: &[u8], label: &str) -> Result<p256::ecdsa::SigningKey, Error> {
    (0u8..=255)
        .find_map(|counter| {
            let bytes = sha2::Sha256::new()
                .chain_update(seed)
                .chain_update([0])
                .chain_update(label)
                .chain_update([counter])
                .finalize();
            p256::ecdsa::SigningKey::from_slice(&bytes).ok()
        })
        .ok_or(Error::InvalidParameter("seed"))
}

fn p384_key(seed: &[u8], label: &str) -> Result<p384::ecdsa::SigningKey, Error> {
    (0u8..=255)
        .find_map(|counter| {
            let bytes = sha2::Sha384::new()
                .chain_update(seed)
                .chain_update([0])
                .chain_update(label)
                .chain_update([counter])
                .finalize();
            p384::ecdsa::SigningKey::from_slice(&bytes).ok()
        })
        .ok_or(Error::InvalidParameter("seed"))
}

fn spki_p256(key: &p256::ecdsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    key.to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|_| Error::InvalidParameter("key"))
}

fn spki_p384(key: &p384::ecdsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    key.to_public_key_der()
        .map(|doc| doc.into_vec())
        .map_err(|_| Error::InvalidParameter("key"))
}

fn sign_p256(key: &p256::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: p256::ecdsa::Signature = key.sign(message);
    signature.to_der().as_bytes().to_vec()
}

fn sign_p384_sha384(key: &p384::ecdsa::SigningKey, message: &[u8]) -> Vec<u8> {
    let signature: p384::ecdsa::Signature = key.sign(message);
    signature.to_der().as_bytes().to_vec()
}

/// ecdsa-with-SHA256 under a P-384 key, as Apple's root signs its intermediate.
fn sign_p384_sha256(key: &p384::ecdsa::SigningKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    let signature: p384::ecdsa::Signature = key
        .sign_prehash(&sha2::Sha256::digest(message))
        .map_err(|_| Error::InvalidParameter("prehash"))?;
    Ok(signature.to_der().as_bytes().to_vec())
}

fn civil(year: u64, month: u64, day: u64) -> Result<UnixTime, Error> {
    UnixTime::from_civil(year, month, day, 0, 0, 0).ok_or(Error::InvalidParameter("date"))
}

fn pem_cert(der: &[u8]) -> Result<String, Error> {
    pem_rfc7468::encode_string("CERTIFICATE", LineEnding::LF, der)
        .map_err(|_| Error::InvalidParameter("certificate"))
}

fn hex(bytes: &[u8]) -> String {
    base16ct::lower::encode_string(bytes)
}
