//! The Merchant Identity for mutual TLS with Apple's gateway (feature `rustls`).
//!
//! A [`MerchantIdentity`] is a Merchant Identity certificate (marker
//! `1.2.840.113635.100.6.46`) checked against its key and a caller-given time. It builds
//! the [`rustls::ClientConfig`] an HTTP client needs to POST a
//! [`MerchantSessionRequest`](crate::MerchantSessionRequest) to a
//! [`ValidationUrl`](crate::ValidationUrl): client authentication with that identity,
//! Apple's server certificate checked against the Mozilla roots (or the caller's), TLS 1.2
//! or later. The library still does no I/O: the caller's HTTP client connects.
//!
//! The key signs the handshake through [`MerchantKey::sign_with_scheme`], so a key held in
//! an HSM works as well as one in memory. In TLS 1.3 an RSA key must sign with RSA-PSS
//! (PKCS#1 v1.5 is allowed in TLS 1.2 only); the adapter offers exactly the schemes the
//! key lists in [`MerchantKey::signing_schemes`].

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use std::sync::{Mutex, PoisonError};

use rand_core::CryptoRng;
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{ClientConfig, RootCertStore, SignatureScheme};

use crate::error::{Error, IdentityError};
use crate::onboarding::{CertificateKind, CertificateStatus, MerchantCertificate};
use crate::provider::{MerchantKey, SigningScheme};
use crate::time::UnixTime;

/// The caller's RNG, shared by every handshake signature of one configuration.
///
/// rustls's [`Signer::sign`] takes no RNG, and the library never draws ambient
/// randomness, so the RNG given to [`MerchantIdentity::client_config`] is kept here. RSA-PSS
/// needs it for the salt (and RSA for blinding); a mutex serialises the rare handshake
/// signatures.
type SharedRng = Arc<Mutex<Box<dyn CryptoRng + Send>>>;

/// A Merchant Identity certificate (chain) and its key, checked to belong together and to
/// be valid at the time given: what authenticates a merchant server to Apple's gateway.
///
/// Build one with [`MerchantIdentity::new`] (any [`MerchantKey`], such as an HSM key),
/// [`MerchantIdentity::from_pem_or_der`] (key and certificate files) or, with feature
/// `pkcs12`, [`MerchantIdentity::from_pkcs12`]; then hand
/// [`MerchantIdentity::client_config`] to your HTTP client.
///
/// ```
/// use applepay_crypto::{MerchantIdentity, UnixTime};
/// # use rand::SeedableRng;
///
/// # fn main() -> Result<(), applepay_crypto::Error> {
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/onboarding");
/// # let read = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
/// let now = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z")?; // UnixTime::now() in production
/// let identity =
///     MerchantIdentity::from_pem_or_der(&read("identity.pem"), &read("rsa.pkcs1.pem"), now)?;
/// assert_eq!(identity.merchant_id(), Some("merchant.com.example.onboard"));
/// # let rng = rand::rngs::StdRng::seed_from_u64(1); // an OS RNG in production
/// let config = identity.client_config(rng)?; // Mozilla roots, TLS 1.2 or later
/// // Hand `std::sync::Arc::new(config)` to your HTTP client (ureq, reqwest, hyper-rustls)
/// // with redirects turned off and the response size capped.
/// assert!(config.client_auth_cert_resolver.has_certs());
/// # Ok(())
/// # }
/// ```
pub struct MerchantIdentity {
    certificate: MerchantCertificate,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn MerchantKey>,
    role: IdentityRole,
}

/// What an identity authenticates as, and so which certificate it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentityRole {
    /// A merchant's **Merchant Identity certificate**, carrying Apple's marker
    /// ([`crate::OID_MERCHANT_IDENTITY_MARKER`]): merchant sessions and the Merchant Token
    /// Management API.
    MerchantIdentity,
    /// A payment platform's **platform integrator identity**, for the Web Merchant
    /// Registration API. Apple does not document a marker extension for it, so none is
    /// required; the key match and the validity are checked as for a merchant.
    PlatformIntegrator,
}

impl MerchantIdentity {
    /// Pairs a certificate chain (the Merchant Identity certificate first, then any
    /// intermediates) with its key, checking that:
    ///
    /// - the first certificate carries the Merchant Identity marker
    ///   ([`crate::OID_MERCHANT_IDENTITY_MARKER`]), else
    ///   [`IdentityError::NotMerchantIdentity`];
    /// - its public key is the key's, else [`IdentityError::KeyMismatch`];
    /// - it is valid at `now`, else [`IdentityError::Expired`] or
    ///   [`IdentityError::NotYetValid`];
    /// - the key can sign a TLS handshake (it lists at least one
    ///   [`SigningScheme`]), else [`IdentityError::KeyCannotSign`].
    ///
    /// An empty chain is [`IdentityError::NotMerchantIdentity`].
    pub fn new(
        chain: Vec<MerchantCertificate>,
        key: Arc<dyn MerchantKey>,
        now: UnixTime,
    ) -> Result<Self, Error> {
        Self::with_role(IdentityRole::MerchantIdentity, chain, key, now)
    }

    /// [`MerchantIdentity::new`] for either [`IdentityRole`]: a
    /// [`IdentityRole::PlatformIntegrator`] certificate is not required to carry the
    /// Merchant Identity marker; every other check is the same.
    pub fn with_role(
        role: IdentityRole,
        chain: Vec<MerchantCertificate>,
        key: Arc<dyn MerchantKey>,
        now: UnixTime,
    ) -> Result<Self, Error> {
        let certificate = chain
            .first()
            .cloned()
            .ok_or(Error::MerchantIdentity(IdentityError::NotMerchantIdentity))?;
        if role == IdentityRole::MerchantIdentity
            && certificate.kind() != CertificateKind::MerchantIdentity
        {
            return Err(Error::MerchantIdentity(IdentityError::NotMerchantIdentity));
        }
        if !certificate.matches_key(key.as_ref()) {
            return Err(Error::MerchantIdentity(IdentityError::KeyMismatch));
        }
        let (not_before, not_after) = (certificate.not_before(), certificate.not_after());
        match certificate.status(now) {
            CertificateStatus::Active => {}
            CertificateStatus::NotYetValid => {
                return Err(Error::MerchantIdentity(IdentityError::NotYetValid {
                    not_before,
                    not_after,
                    time: now,
                }));
            }
            _ => {
                return Err(Error::MerchantIdentity(IdentityError::Expired {
                    not_before,
                    not_after,
                    time: now,
                }));
            }
        }
        if key.signing_schemes().is_empty() {
            return Err(Error::MerchantIdentity(IdentityError::KeyCannotSign));
        }
        let chain = chain
            .iter()
            .map(|c| c.to_der().map(CertificateDer::from))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            certificate,
            chain,
            key,
            role,
        })
    }

    /// [`MerchantIdentity::new`] from files as users hold them: `certificates` is the
    /// certificate (PEM, possibly a chain, leaf first; or DER) and `key` the private key in
    /// any form [`crate::PrivateKey::from_pem_or_der`] reads. A PEM file holding both
    /// (`openssl pkcs12 -nodes` output) may be passed as both arguments.
    pub fn from_pem_or_der(certificates: &[u8], key: &[u8], now: UnixTime) -> Result<Self, Error> {
        let chain = MerchantCertificate::chain_from_pem_or_der(certificates)?;
        let key = crate::keys::PrivateKey::from_pem_or_der(key)?;
        Self::new(chain, Arc::new(key), now)
    }

    /// [`MerchantIdentity::new`] from a decrypted `.p12` (as Keychain Access exports the
    /// Merchant Identity certificate with its key): the certificate whose key is in the
    /// file comes first, the other certificates follow as intermediates.
    #[cfg(feature = "pkcs12")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
    pub fn from_pkcs12(p12: crate::onboarding::Pkcs12, now: UnixTime) -> Result<Self, Error> {
        Self::from_pkcs12_with_role(IdentityRole::MerchantIdentity, p12, now)
    }

    /// [`MerchantIdentity::from_pkcs12`] for either [`IdentityRole`] (see
    /// [`MerchantIdentity::with_role`]).
    #[cfg(feature = "pkcs12")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pkcs12")))]
    pub fn from_pkcs12_with_role(
        role: IdentityRole,
        p12: crate::onboarding::Pkcs12,
        now: UnixTime,
    ) -> Result<Self, Error> {
        let (key, certificates) = p12.into_parts();
        let (mut chain, others): (Vec<_>, Vec<_>) =
            certificates.into_iter().partition(|c| c.matches_key(&key));
        chain.truncate(1);
        if chain.is_empty() {
            return Err(Error::MerchantIdentity(IdentityError::KeyMismatch));
        }
        chain.extend(others);
        Self::with_role(role, chain, Arc::new(key), now)
    }

    /// What this identity authenticates as.
    #[must_use]
    pub fn role(&self) -> IdentityRole {
        self.role
    }

    /// The merchant identifier: the certificate subject's `UID`, if it has one.
    #[must_use]
    pub fn merchant_id(&self) -> Option<&str> {
        self.certificate.merchant_id()
    }

    /// The Merchant Identity certificate.
    #[must_use]
    pub fn certificate(&self) -> &MerchantCertificate {
        &self.certificate
    }

    /// A client configuration for Apple's gateway: client authentication with this
    /// identity, server certificates checked against the Mozilla roots
    /// ([`mozilla_roots`]), TLS 1.2 and 1.3, with the crypto back-end [`rustls_provider`]
    /// names.
    ///
    /// `rng` salts the RSA-PSS handshake signatures (and blinds RSA); pass the OS RNG.
    /// rustls itself checks the server certificate against the system clock.
    pub fn client_config(
        &self,
        rng: impl CryptoRng + Send + 'static,
    ) -> Result<ClientConfig, Error> {
        self.client_config_with(rustls_provider(), Arc::new(mozilla_roots()), rng)
    }

    /// [`MerchantIdentity::client_config`] with the caller's rustls crypto back-end and
    /// server trust anchors (a test CA, or a TLS-inspecting proxy's root).
    ///
    /// A `provider` without TLS 1.2 and 1.3 cipher suites is
    /// [`Error::InvalidParameter`].
    pub fn client_config_with(
        &self,
        provider: Arc<CryptoProvider>,
        roots: Arc<RootCertStore>,
        rng: impl CryptoRng + Send + 'static,
    ) -> Result<ClientConfig, Error> {
        let rng: SharedRng = Arc::new(Mutex::new(Box::new(rng)));
        let signing_key = Arc::new(KeySigner {
            key: Arc::clone(&self.key),
            rng,
        });
        let certified = Arc::new(CertifiedKey::new(self.chain.clone(), signing_key));
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|_| Error::InvalidParameter("rustls crypto provider"))?
            .with_root_certificates(roots)
            .with_client_cert_resolver(Arc::new(AlwaysIdentity(certified)));
        // Apple's gateway speaks HTTP/1.1; no ALPN keeps any client on the same protocol.
        config.alpn_protocols.clear();
        Ok(config)
    }
}

impl fmt::Debug for MerchantIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantIdentity")
            .field("merchant_id", &self.merchant_id())
            .field("public_key_hash", &self.certificate.public_key_hash())
            .field("not_after", &self.certificate.not_after())
            .finish_non_exhaustive()
    }
}

/// The Mozilla root store (`webpki-roots`), which Apple's gateway certificates chain to.
#[must_use]
pub fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The rustls crypto back-end [`MerchantIdentity::client_config`] uses: aws-lc-rs with
/// feature `aws-lc-rs`, *ring* otherwise (rustls has no stable RustCrypto back-end).
#[must_use]
pub fn rustls_provider() -> Arc<CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        Arc::new(rustls::crypto::ring::default_provider())
    }
}

/// Presents the identity whenever the server asks for a client certificate (Apple's
/// gateway always does; the certificate authorities it hints are not filtered on, as
/// there is only one identity).
#[derive(Debug)]
struct AlwaysIdentity(Arc<CertifiedKey>);

impl ResolvesClientCert for AlwaysIdentity {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The rustls signing adapter over a [`MerchantKey`].
struct KeySigner {
    key: Arc<dyn MerchantKey>,
    rng: SharedRng,
}

impl fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySigner")
            .field("schemes", &self.key.signing_schemes())
            .finish_non_exhaustive()
    }
}

impl SigningKey for KeySigner {
    /// The first of the key's schemes (its order of preference) that the server offers.
    /// rustls offers only TLS 1.3 schemes in TLS 1.3, so an RSA key signs with PSS there.
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        self.key
            .signing_schemes()
            .iter()
            .map(|&ours| (ours, tls_scheme(ours)))
            .find(|(_, tls)| offered.contains(tls))
            .map(|(scheme, tls)| {
                Box::new(SchemeSigner {
                    key: Arc::clone(&self.key),
                    rng: Arc::clone(&self.rng),
                    scheme,
                    tls,
                }) as Box<dyn Signer>
            })
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.key.public_key_spki()))
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        match self.key.signing_schemes().first() {
            Some(SigningScheme::EcdsaP256Sha256) => rustls::SignatureAlgorithm::ECDSA,
            Some(SigningScheme::RsaPkcs1Sha256 | SigningScheme::RsaPssSha256) => {
                rustls::SignatureAlgorithm::RSA
            }
            None => rustls::SignatureAlgorithm::Unknown(0),
        }
    }
}

/// One handshake signature with the scheme [`KeySigner::choose_scheme`] picked.
struct SchemeSigner {
    key: Arc<dyn MerchantKey>,
    rng: SharedRng,
    scheme: SigningScheme,
    tls: SignatureScheme,
}

impl fmt::Debug for SchemeSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemeSigner")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl Signer for SchemeSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        // A panic while another handshake held the lock leaves the RNG usable.
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        self.key
            .sign_with_scheme(self.scheme, &mut **rng, message)
            .map_err(|e| rustls::Error::General(e.to_string()))
    }

    fn scheme(&self) -> SignatureScheme {
        self.tls
    }
}

/// The TLS code point of a signing scheme (RFC 8446 §4.2.3).
fn tls_scheme(scheme: SigningScheme) -> SignatureScheme {
    match scheme {
        SigningScheme::EcdsaP256Sha256 => SignatureScheme::ECDSA_NISTP256_SHA256,
        SigningScheme::RsaPkcs1Sha256 => SignatureScheme::RSA_PKCS1_SHA256,
        SigningScheme::RsaPssSha256 => SignatureScheme::RSA_PSS_SHA256,
    }
}

// The tests mint their identities with the simulator.
#[cfg(feature = "test-util")]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::mint::{GatewayPki, IdentityVariant};
    use alloc::format;
    use alloc::string::String;
    use rand::SeedableRng;
    use std::sync::OnceLock;

    fn pki() -> &'static GatewayPki {
        static PKI: OnceLock<GatewayPki> = OnceLock::new();
        PKI.get_or_init(|| GatewayPki::new(b"identity.rs").unwrap())
    }

    fn now() -> UnixTime {
        UnixTime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap()
    }

    fn key_pem() -> String {
        pki().identity_key_pem().unwrap()
    }

    fn identity(variant: IdentityVariant) -> Result<MerchantIdentity, Error> {
        let cert = pki().identity_variant_pem(variant).unwrap();
        MerchantIdentity::from_pem_or_der(cert.as_bytes(), key_pem().as_bytes(), now())
    }

    #[test]
    fn a_platform_integrator_needs_no_marker_but_the_same_other_checks() {
        let platform = |variant| {
            let cert = pki().identity_variant_pem(variant).unwrap();
            let chain = MerchantCertificate::chain_from_pem_or_der(cert.as_bytes()).unwrap();
            let key = crate::keys::PrivateKey::from_pem_or_der(key_pem().as_bytes()).unwrap();
            MerchantIdentity::with_role(
                IdentityRole::PlatformIntegrator,
                chain,
                Arc::new(key),
                now(),
            )
        };
        let identity = platform(IdentityVariant::NoMarker).unwrap();
        assert_eq!(identity.role(), IdentityRole::PlatformIntegrator);
        assert_eq!(platform(IdentityVariant::Expired).unwrap_err(), expired());
        assert_eq!(
            self::identity(IdentityVariant::Valid).unwrap().role(),
            IdentityRole::MerchantIdentity
        );
    }

    #[test]
    fn checks_marker_key_and_validity() {
        let identity = identity(IdentityVariant::Valid).unwrap();
        assert_eq!(
            identity.merchant_id(),
            Some(crate::mint::GATEWAY_TEST_MERCHANT_ID)
        );
        assert_eq!(
            self::identity(IdentityVariant::NoMarker).unwrap_err(),
            Error::MerchantIdentity(IdentityError::NotMerchantIdentity)
        );
        let err = self::identity(IdentityVariant::Expired).unwrap_err();
        assert_eq!(err, expired());
        assert_eq!(
            err.to_string(),
            "unusable merchant identity: the identity certificate has expired at \
             2026-12-01T00:00:00Z (valid from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z)"
        );
        let cert = pki().identity_cert_pem().unwrap();
        let early = UnixTime::parse_rfc3339("2019-12-31T23:59:59Z").unwrap();
        let err = MerchantIdentity::from_pem_or_der(cert.as_bytes(), key_pem().as_bytes(), early)
            .unwrap_err();
        assert_eq!(
            err,
            Error::MerchantIdentity(IdentityError::NotYetValid {
                not_before: UnixTime::parse_rfc3339("2020-01-01T00:00:00Z").unwrap(),
                not_after: UnixTime::parse_rfc3339("2045-01-01T00:00:00Z").unwrap(),
                time: early,
            })
        );
        assert_eq!(
            err.to_string(),
            "unusable merchant identity: the identity certificate is not valid yet at \
             2019-12-31T23:59:59Z (valid from 2020-01-01T00:00:00Z to 2045-01-01T00:00:00Z)"
        );
        let other = include_bytes!("../../test-vectors/onboarding/rsa.pkcs1.pem");
        assert_eq!(
            MerchantIdentity::from_pem_or_der(cert.as_bytes(), other, now()).unwrap_err(),
            Error::MerchantIdentity(IdentityError::KeyMismatch)
        );
        assert_eq!(
            MerchantIdentity::new(Vec::new(), Arc::new(key()), now()).unwrap_err(),
            Error::MerchantIdentity(IdentityError::NotMerchantIdentity)
        );
        assert_eq!(expired().kind(), "identity");
    }

    /// The error of [`IdentityVariant::Expired`] checked at [`now`].
    fn expired() -> Error {
        Error::MerchantIdentity(IdentityError::Expired {
            not_before: UnixTime::parse_rfc3339("2020-01-01T00:00:00Z").unwrap(),
            not_after: UnixTime::parse_rfc3339("2021-01-01T00:00:00Z").unwrap(),
            time: now(),
        })
    }

    fn key() -> crate::keys::PrivateKey {
        crate::keys::PrivateKey::from_pem_or_der(key_pem().as_bytes()).unwrap()
    }

    /// A key in an HSM: forwards the public key and the schemes, or lists none.
    struct External {
        inner: crate::keys::PrivateKey,
        can_sign: bool,
    }

    impl MerchantKey for External {
        fn public_key_spki(&self) -> &[u8] {
            self.inner.public_key_spki()
        }
        fn signing_schemes(&self) -> &[SigningScheme] {
            if self.can_sign {
                self.inner.signing_schemes()
            } else {
                &[]
            }
        }
        fn sign_with_scheme(
            &self,
            scheme: SigningScheme,
            rng: &mut dyn CryptoRng,
            message: &[u8],
        ) -> Result<Vec<u8>, Error> {
            self.inner.sign_with_scheme(scheme, rng, message)
        }
    }

    #[test]
    fn any_merchant_key_that_can_sign() {
        let chain = MerchantCertificate::chain_from_pem_or_der(
            pki().identity_cert_pem().unwrap().as_bytes(),
        )
        .unwrap();
        let external: Arc<dyn MerchantKey> = Arc::new(External {
            inner: key(),
            can_sign: true,
        });
        assert!(MerchantIdentity::new(chain.clone(), external, now()).is_ok());
        let mute: Arc<dyn MerchantKey> = Arc::new(External {
            inner: key(),
            can_sign: false,
        });
        assert_eq!(
            MerchantIdentity::new(chain, mute, now()).unwrap_err(),
            Error::MerchantIdentity(IdentityError::KeyCannotSign)
        );
    }

    #[test]
    fn signing_adapter_prefers_pss_and_follows_the_offer() {
        let identity = identity(IdentityVariant::Valid).unwrap();
        let signer = KeySigner {
            key: Arc::clone(&identity.key),
            rng: Arc::new(Mutex::new(Box::new(rand::rngs::StdRng::seed_from_u64(9)))),
        };
        assert_eq!(signer.algorithm(), rustls::SignatureAlgorithm::RSA);
        let tls13_offer = [
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::RSA_PSS_SHA256,
        ];
        let chosen = signer.choose_scheme(&tls13_offer).unwrap();
        assert_eq!(chosen.scheme(), SignatureScheme::RSA_PSS_SHA256);
        let signature = chosen.sign(b"handshake transcript").unwrap();
        assert_eq!(signature.len(), 256);
        let pkcs1_only = [SignatureScheme::RSA_PKCS1_SHA256];
        assert_eq!(
            signer.choose_scheme(&pkcs1_only).unwrap().scheme(),
            SignatureScheme::RSA_PKCS1_SHA256
        );
        assert!(
            signer
                .choose_scheme(&[SignatureScheme::ED25519, SignatureScheme::RSA_PSS_SHA512])
                .is_none()
        );
        assert_eq!(
            signer.public_key().unwrap().as_ref(),
            identity.key.public_key_spki()
        );
    }

    #[test]
    fn client_config_presents_the_identity() {
        let identity = identity(IdentityVariant::Valid).unwrap();
        let config = identity
            .client_config(rand::rngs::StdRng::seed_from_u64(1))
            .unwrap();
        assert!(config.client_auth_cert_resolver.has_certs());
        let certified = config
            .client_auth_cert_resolver
            .resolve(&[], &[SignatureScheme::RSA_PSS_SHA256])
            .unwrap();
        assert_eq!(
            certified.cert.first().map(|c| c.as_ref().to_vec()),
            Some(identity.certificate().to_der().unwrap())
        );
        assert!(mozilla_roots().len() > 100);
        // A provider without cipher suites cannot make a TLS 1.2/1.3 client.
        let empty = Arc::new(CryptoProvider {
            cipher_suites: Vec::new(),
            ..(*rustls_provider()).clone()
        });
        assert_eq!(
            identity
                .client_config_with(
                    empty,
                    Arc::new(mozilla_roots()),
                    rand::rngs::StdRng::seed_from_u64(1)
                )
                .unwrap_err(),
            Error::InvalidParameter("rustls crypto provider")
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let identity = identity(IdentityVariant::Valid).unwrap();
        let debug = format!("{identity:?}");
        assert!(debug.contains("merchant.com.example.gateway"), "{debug}");
        let pem = key_pem();
        let body_line = pem.lines().nth(2).unwrap();
        assert!(!debug.contains(body_line), "{debug}");
    }

    #[cfg(feature = "pkcs12")]
    #[test]
    fn pkcs12_bundle_needs_its_identity_certificate() {
        // The onboarding vectors' identity bundle: an identity certificate and its CA.
        let p12 = include_bytes!("../../test-vectors/onboarding/identity-legacy.p12");
        let bundle = crate::onboarding::Pkcs12::from_der(p12, "test").unwrap();
        let leaf = bundle.certificate_for_key().unwrap().clone();
        let at = leaf.not_before().saturating_add_secs(1);
        let identity = MerchantIdentity::from_pkcs12(bundle, at).unwrap();
        assert_eq!(identity.certificate().to_der(), leaf.to_der());
        assert_eq!(identity.chain.len(), 2);
    }
}
