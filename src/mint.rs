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

use base64ct::{Base64, Encoding as _};
use der::asn1::ObjectIdentifier;
use p256::pkcs8::LineEnding;
use rsa::pkcs1::EncodeRsaPrivateKey;
use sha2::Digest;
use spki::EncodePublicKey;

use crate::chain::{OID_APPLE_PAY_INTERMEDIATE, OID_APPLE_PAY_LEAF, TrustAnchors};
use crate::der_writer::{
    attribute, ca_constraints, certificate, constructed, extension, key_usage, key_usage_ca, name,
    oid, seq, tbs, time, tlv,
};
use crate::error::Error;
use crate::key::PrivateKey;
use crate::merchant_cert::OID_MERCHANT_ID_HASH;
use crate::mint_envelope::{self, Envelope};
use crate::mint_keys::{
    p256_key, p384_key, rsa_key, sign_p256, sign_p384_sha256, sign_p384_sha384, sign_rsa,
    spki_p256, spki_p384, spki_rsa,
};
use crate::time::UnixTime;
use crate::token::Version;
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
    /// One bit of the CMS signature value is flipped (`signature`).
    TamperedSignature,
    /// `RSA_v1`: one bit of `wrappedKey` is flipped after signing (`signature`; without
    /// verification, `decryption_failed`).
    TamperedWrappedKey,
    /// `RSA_v1`: the key is wrapped with a non-empty OAEP label, validly signed
    /// (`decryption_failed`).
    WrongOaepLabel,
    /// `RSA_v1`: the key is wrapped with OAEP over SHA-384 (and MGF1-SHA-384) instead of
    /// SHA-256, validly signed (`decryption_failed`).
    WrongOaepHash,
    /// `RSA_v1`: the wrapped key is 32 bytes and `data` is AES-256-GCM under it, validly
    /// signed (`decryption_failed`: `RSA_v1` keys are 16 bytes).
    WrongWrappedKeyLength,
    /// `RSA_v1`: the key is wrapped for another RSA key than the one `publicKeyHash` names,
    /// validly signed (`decryption_failed`).
    WrappedForOtherKey,
    /// The `SignerInfo` (and its algorithm protection attribute) names the other signature
    /// algorithm than the leaf's key makes: sha256WithRSAEncryption for an ECDSA
    /// signature, ecdsa-with-SHA256 for an RSA one (`signature`).
    MismatchedSignatureAlgorithm,
}

/// Which key signs the token's CMS signature: the leaf certificate's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signer {
    /// A P-256 leaf, ecdsa-with-SHA256 (what Apple uses).
    #[default]
    Ecdsa,
    /// An RSA-2048 leaf, sha256WithRSAEncryption (needs [`TestPki::with_rsa`]).
    Rsa,
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
    /// Seed of the ephemeral key, or of the `RSA_v1` symmetric key and OAEP padding
    /// (distinct seeds give distinct tokens).
    pub ephemeral_seed: Vec<u8>,
    /// `EC_v1` (the merchant's P-256 key) or `RSA_v1` (its RSA key; needs
    /// [`TestPki::with_rsa`]).
    pub version: Version,
    /// The key that signs.
    pub signer: Signer,
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
            version: Version::EcV1,
            signer: Signer::Ecdsa,
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
    rsa: Option<RsaParts>,
}

/// The RSA half of a [`TestPki`], made by [`TestPki::with_rsa`].
struct RsaParts {
    merchant_key: rsa::PrivateKey,
    leaf_key: rsa::PrivateKey,
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
const RSA_LEAF_SERIAL: u8 = 5;
const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
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
    /// for [`Signer::Rsa`], generated from `seed`.
    pub fn with_rsa(seed: &[u8]) -> Result<Self, Error> {
        let mut pki = Self::new(seed)?;
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

    fn rsa(&self) -> Result<&RsaParts, Error> {
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
            Version::EcV1 => mint_envelope::ec_v1(&self.merchant_key, &self.merchant_id, spec)?,
            Version::RsaV1 => {
                let rsa = self.rsa()?;
                mint_envelope::rsa_v1(&rsa.merchant_key, &rsa.leaf_key, spec)?
            }
        };
        let Envelope {
            key_field,
            mut key_value,
            merchant_spki,
            mut data,
        } = envelope;

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

    /// The detached CMS `SignedData` over the content whose SHA-256 is `digest`.
    fn signed_data(&self, spec: &TokenSpec, digest: &[u8; 32]) -> Result<Vec<u8>, Error> {
        let ber = spec.encoding == Encoding::BerIndefinite;
        let leaf = self.leaf_certificate(spec)?;
        let intermediate = self.intermediate_certificate(spec.fault)?;

        let sha256_alg = seq(&[&oid("2.16.840.1.101.3.4.2.1"), &[0x05, 0x00]]);
        // The signature algorithm's contents: ECDSA without parameters (RFC 5758),
        // RSA with NULL ones (RFC 4055).
        let (ecdsa_alg, rsa_alg) = (
            oid(OID_ECDSA_SHA256),
            [oid(OID_SHA256_WITH_RSA), vec![0x05, 0x00]].concat(),
        );
        let mismatched = spec.fault == Some(Fault::MismatchedSignatureAlgorithm);
        let signature_alg = match (spec.signer, mismatched) {
            (Signer::Ecdsa, false) | (Signer::Rsa, true) => ecdsa_alg,
            (Signer::Rsa, false) | (Signer::Ecdsa, true) => rsa_alg,
        };
        let serial = match spec.signer {
            Signer::Ecdsa => LEAF_SERIAL,
            Signer::Rsa => RSA_LEAF_SERIAL,
        };
        let mut attrs = [
            attribute("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.7.1")),
            attribute("1.2.840.113549.1.9.5", &time(spec.signing_time)),
            attribute(
                "1.2.840.113549.1.9.52",
                &seq(&[&sha256_alg, &tlv(0xA1, &signature_alg)]),
            ),
            attribute("1.2.840.113549.1.9.4", &tlv(0x04, digest)),
        ];
        // DER orders the elements of a SET OF by their encodings.
        attrs.sort();
        let attrs = attrs.concat();
        let signed = tlv(0x31, &attrs);
        let mut signature = match spec.signer {
            Signer::Ecdsa => sign_p256(&self.leaf_key, &signed),
            Signer::Rsa => sign_rsa(&self.rsa()?.leaf_key, &signed)?,
        };
        if spec.fault == Some(Fault::TamperedSignature)
            && let Some(byte) = signature.last_mut()
        {
            *byte ^= 1;
        }
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &seq(&[&self.intermediate_name, &[0x02, 0x01, serial]]),
            &sha256_alg,
            &tlv(0xA0, &attrs),
            &tlv(0x30, &signature_alg),
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
        let (spki, serial, subject) = match spec.signer {
            Signer::Ecdsa => (
                spki_p256(self.leaf_key.verifying_key())?,
                LEAF_SERIAL,
                "CN=test-smp-broker-sign,OU=applepay-crypto test PKI,O=Nobody,C=US",
            ),
            Signer::Rsa => (
                spki_rsa(&self.rsa()?.leaf_key)?,
                RSA_LEAF_SERIAL,
                "CN=test-rsa-smp-broker-sign,OU=applepay-crypto test PKI,O=Nobody,C=US",
            ),
        };
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
            serial,
            OID_ECDSA_SHA256,
            &self.intermediate_name,
            not_before,
            not_after,
            &name(subject)?,
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

    /// A Payment Processing certificate for the merchant key whose SPKI is `spki`.
    fn merchant_certificate(&self, spki: &[u8], serial: u8) -> Result<Vec<u8>, Error> {
        let id_hash = hex(&sha2::Sha256::digest(self.merchant_id.as_bytes())).to_uppercase();
        let subject = name(&alloc::format!(
            "CN=Apple Pay Payment Processing:{},OU=applepay-crypto test PKI,O=Nobody,C=US",
            self.merchant_id
        ))?;
        let tbs = tbs(
            serial,
            "1.2.840.10045.4.3.2",
            &self.intermediate_name,
            civil(2020, 1, 1)?,
            civil(2040, 1, 1)?,
            &subject,
            spki,
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
