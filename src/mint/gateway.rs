//! A stand-in for Apple's merchant validation gateway's PKI (features `test-util` and
//! `rustls`): what a test needs to run a TLS server that behaves like
//! `apple-pay-gateway.apple.com` towards a merchant's client, on loopback.
//!
//! Two test CAs, both derived from a seed: a *gateway* CA that issues the server
//! certificate for all of [`APPLE_PAY_GATEWAY_HOSTS`] (trust it in the client instead of
//! the Mozilla roots), and an *identity* CA standing in for Apple's Worldwide Developer
//! Relations CA, which issues the Merchant Identity certificate (marker
//! `1.2.840.113635.100.6.46`, subject `UID`, RSA-2048 key) and which the server requires
//! client certificates to chain to. Sans I/O like the rest of the library: the caller
//! binds the socket (see `applepay_gateway::simulator`, feature `simulator`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use der::asn1::ObjectIdentifier;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::pkcs1::EncodeRsaPrivateKey;
use sha2::Digest;

use crate::error::Error;
use crate::merchant_validation::{APPLE_PAY_GATEWAY_HOSTS, rustls_provider};
use crate::mint::der_writer::{
    ca_constraints, certificate, extension, key_usage, key_usage_ca, oid, seq, tbs, tlv,
};
use crate::mint::keys::{p256_key, rsa_key, sign_p256, spki_p256, spki_rsa};
use crate::onboarding::merchant_cert::{
    OID_MERCHANT_ID_HASH, OID_MERCHANT_IDENTITY_MARKER, OID_USER_ID,
};
use crate::time::UnixTime;

const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_ORG_UNIT: &str = "2.5.4.11";
const OID_ORG: &str = "2.5.4.10";
const OID_COUNTRY: &str = "2.5.4.6";
const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

/// The merchant identifier in the stand-in's Merchant Identity certificates.
pub const GATEWAY_TEST_MERCHANT_ID: &str = "merchant.com.example.gateway";

/// Which Merchant Identity-like certificate [`GatewayPki::identity_cert_pem`] mints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityVariant {
    /// A genuine-looking Merchant Identity certificate, valid 2020 to 2045, issued by the
    /// identity CA the stand-in trusts.
    Valid,
    /// The same, but valid only during 2020: expired.
    Expired,
    /// The same key and subject without the Merchant Identity marker (a plain TLS client
    /// certificate): not an identity certificate.
    NoMarker,
    /// A Merchant Identity certificate for the same key issued by a CA the stand-in does
    /// not trust: the gateway refuses it in the handshake.
    Foreign,
}

/// The stand-in gateway's keys and certificates, derived from a seed.
pub struct GatewayPki {
    gateway_ca_key: p256::ecdsa::SigningKey,
    server_key: p256::ecdsa::SigningKey,
    identity_ca_key: p256::ecdsa::SigningKey,
    foreign_ca_key: p256::ecdsa::SigningKey,
    identity_key: rsa::PrivateKey,
    gateway_ca_der: Vec<u8>,
    identity_ca_der: Vec<u8>,
    merchant_id: String,
}

impl fmt::Debug for GatewayPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayPki").finish_non_exhaustive()
    }
}

impl GatewayPki {
    /// The PKI derived from `seed` (an RSA-2048 key generation: about a second in a debug
    /// build), with Merchant Identity certificates for [`GATEWAY_TEST_MERCHANT_ID`].
    pub fn new(seed: &[u8]) -> Result<Self, Error> {
        Self::for_merchant(seed, GATEWAY_TEST_MERCHANT_ID)
    }

    /// [`GatewayPki::new`] with Merchant Identity certificates for `merchant_id` (subject
    /// `UID`, and the merchant id hash extension), checked as
    /// [`TestPki::for_merchant`](super::TestPki::for_merchant) checks it.
    pub fn for_merchant(seed: &[u8], merchant_id: &str) -> Result<Self, Error> {
        let merchant_id = String::from(super::pki::checked_merchant_id(merchant_id)?);
        let mut pki = Self {
            gateway_ca_key: p256_key(seed, "gateway ca")?,
            server_key: p256_key(seed, "gateway server")?,
            identity_ca_key: p256_key(seed, "identity ca")?,
            foreign_ca_key: p256_key(seed, "foreign ca")?,
            identity_key: rsa_key(seed, "merchant identity")?,
            gateway_ca_der: Vec::new(),
            identity_ca_der: Vec::new(),
            merchant_id,
        };
        pki.gateway_ca_der = ca_certificate(&pki.gateway_ca_key, "Test Gateway Root CA")?;
        pki.identity_ca_der = ca_certificate(&pki.identity_ca_key, IDENTITY_CA_NAME)?;
        Ok(pki)
    }

    /// The gateway CA (PEM): pass it as the client's roots (`applepay session --ca`).
    pub fn gateway_ca_pem(&self) -> Result<String, Error> {
        pem("CERTIFICATE", &self.gateway_ca_der)
    }

    /// The Merchant Identity private key as PKCS#1 PEM (`RSA PRIVATE KEY`).
    pub fn identity_key_pem(&self) -> Result<String, Error> {
        self.identity_key
            .to_pkcs1_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|_| Error::InvalidParameter("identity key"))
    }

    /// A valid Merchant Identity certificate (PEM) for [`GatewayPki::identity_key_pem`].
    pub fn identity_cert_pem(&self) -> Result<String, Error> {
        self.identity_variant_pem(IdentityVariant::Valid)
    }

    /// A Merchant Identity-like certificate (PEM) for the identity key, as `variant` says.
    pub fn identity_variant_pem(&self, variant: IdentityVariant) -> Result<String, Error> {
        let spki = spki_rsa(&self.identity_key)?;
        let (issuer_key, issuer, serial) = match variant {
            IdentityVariant::Foreign => (&self.foreign_ca_key, "Foreign Test CA", 11),
            _ => (&self.identity_ca_key, IDENTITY_CA_NAME, 10),
        };
        let (not_before, not_after) = match variant {
            IdentityVariant::Expired => (civil(2020, 1, 1)?, civil(2021, 1, 1)?),
            _ => (civil(2020, 1, 1)?, civil(2045, 1, 1)?),
        };
        let mut extensions = vec![
            key_usage(0x07, 0x80),
            extension(
                ObjectIdentifier::new_unwrap("2.5.29.37"),
                false,
                &seq(&[&oid(OID_CLIENT_AUTH)]),
            ),
        ];
        if variant != IdentityVariant::NoMarker {
            // As Apple's: the merchant id's SHA-256 as upper-case hex in a UTF8String,
            // and the Merchant Identity marker (a NULL).
            let id_hash =
                base16ct::upper::encode_string(&sha2::Sha256::digest(self.merchant_id.as_bytes()));
            extensions.push(extension(
                OID_MERCHANT_ID_HASH,
                false,
                &tlv(0x0C, id_hash.as_bytes()),
            ));
            extensions.push(extension(
                OID_MERCHANT_IDENTITY_MARKER,
                false,
                &[0x05, 0x00],
            ));
        }
        let common_name = format!("Merchant ID: {}", self.merchant_id);
        let subject = name(&[
            (OID_USER_ID.to_string().as_str(), self.merchant_id.as_str()),
            (OID_COMMON_NAME, common_name.as_str()),
            (OID_ORG_UNIT, "applepay-crypto test PKI"),
            (OID_ORG, "Nobody"),
            (OID_COUNTRY, "US"),
        ]);
        let tbs = tbs(
            serial,
            OID_ECDSA_SHA256,
            &name(&[(OID_COMMON_NAME, issuer)]),
            not_before,
            not_after,
            &subject,
            &spki,
            &extensions,
        );
        let der = certificate(&tbs, OID_ECDSA_SHA256, &sign_p256(issuer_key, &tbs));
        pem("CERTIFICATE", &der)
    }

    /// A TLS server configuration that acts as Apple's gateway: the server certificate
    /// for every host in [`APPLE_PAY_GATEWAY_HOSTS`], issued by the gateway CA, and client
    /// certificates required, chaining to the identity CA. TLS 1.2 and 1.3.
    pub fn server_config(&self) -> Result<rustls::ServerConfig, Error> {
        self.server_config_for(
            &APPLE_PAY_GATEWAY_HOSTS,
            &[&rustls::version::TLS13, &rustls::version::TLS12],
        )
    }

    /// [`GatewayPki::server_config`] with a server certificate for `hosts` only (to test
    /// a client's host name check) and only the given TLS versions (a TLS 1.2-only
    /// gateway, to test that an RSA identity signs there too).
    pub fn server_config_for(
        &self,
        hosts: &[&str],
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Result<rustls::ServerConfig, Error> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = rustls_provider();
        let mut client_roots = rustls::RootCertStore::empty();
        client_roots
            .add(CertificateDer::from(self.identity_ca_der.clone()))
            .map_err(|_| Error::InvalidParameter("identity ca"))?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(client_roots),
            Arc::clone(&provider),
        )
        .build()
        .map_err(|_| Error::InvalidParameter("identity ca"))?;
        let key = self
            .server_key
            .to_pkcs8_der()
            .map_err(|_| Error::InvalidParameter("server key"))?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.as_bytes().to_vec()));
        rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|_| Error::InvalidParameter("rustls provider"))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![
                    CertificateDer::from(self.server_certificate(hosts)?),
                    CertificateDer::from(self.gateway_ca_der.clone()),
                ],
                key,
            )
            .map_err(|_| Error::InvalidParameter("server key"))
    }

    fn server_certificate(&self, hosts: &[&str]) -> Result<Vec<u8>, Error> {
        // subjectAltName: one dNSName ([2] IA5String) per host.
        let names: Vec<u8> = hosts
            .iter()
            .flat_map(|host| tlv(0x82, host.as_bytes()))
            .collect();
        let extensions = [
            key_usage(0x07, 0x80),
            extension(
                ObjectIdentifier::new_unwrap("2.5.29.37"),
                false,
                &seq(&[&oid(OID_SERVER_AUTH)]),
            ),
            extension(
                ObjectIdentifier::new_unwrap("2.5.29.17"),
                false,
                &tlv(0x30, &names),
            ),
        ];
        let tbs = tbs(
            2,
            OID_ECDSA_SHA256,
            &name(&[(OID_COMMON_NAME, "Test Gateway Root CA")]),
            civil(2020, 1, 1)?,
            civil(2045, 1, 1)?,
            &name(&[(OID_COMMON_NAME, "apple-pay-gateway.apple.com")]),
            &spki_p256(self.server_key.verifying_key())?,
            &extensions,
        );
        Ok(certificate(
            &tbs,
            OID_ECDSA_SHA256,
            &sign_p256(&self.gateway_ca_key, &tbs),
        ))
    }
}

const IDENTITY_CA_NAME: &str = "Test Apple Worldwide Developer Relations CA";

/// A self-signed P-256 CA certificate named `common_name`.
fn ca_certificate(key: &p256::ecdsa::SigningKey, common_name: &str) -> Result<Vec<u8>, Error> {
    let subject = name(&[(OID_COMMON_NAME, common_name)]);
    let tbs = tbs(
        1,
        OID_ECDSA_SHA256,
        &subject,
        civil(2020, 1, 1)?,
        civil(2045, 1, 1)?,
        &subject,
        &spki_p256(key.verifying_key())?,
        &[ca_constraints(None), key_usage_ca()],
    );
    Ok(certificate(&tbs, OID_ECDSA_SHA256, &sign_p256(key, &tbs)))
}

/// A distinguished name of UTF8String attributes (PrintableString for the country), one
/// per RDN, in the order given.
fn name(attributes: &[(&str, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(id, value)| {
            let tag = if *id == OID_COUNTRY { 0x13 } else { 0x0C };
            tlv(0x31, &seq(&[&oid(id), &tlv(tag, value.as_bytes())]))
        })
        .collect();
    tlv(0x30, &rdns.concat())
}

fn civil(year: u64, month: u64, day: u64) -> Result<UnixTime, Error> {
    UnixTime::from_civil(year, month, day, 0, 0, 0).ok_or(Error::InvalidParameter("date"))
}

fn pem(label: &str, der: &[u8]) -> Result<String, Error> {
    pem_rfc7468::encode_string(label, LineEnding::LF, der)
        .map_err(|_| Error::InvalidParameter("pem"))
}
