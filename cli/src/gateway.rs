//! What every command that calls Apple's gateway shares: the identity (certificate and
//! key files, a `.p12`, or a key in a PKCS#11 token), the connection settings, and the
//! mapping of the gateway's errors to the CLI's kinds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use applepay_crypto::{
    Error, GatewayHost, IdentityRole, KeyImportError, MerchantCertificate, MerchantIdentity,
    Pkcs12, PrivateKey, UnixTime,
};
use applepay_gateway::{BlockingGateway, ConnectTo, Gateway, GatewayBuilder, GatewayError};
use clap::Args;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Failure;
use crate::io::{read_file, read_secret_file};
use crate::keys::{PasswordArgs, key_name, needs_password_message};

/// A failure with a kind of its own (`identity`, `tls`, `http`, …): exit 1.
pub(crate) fn fail(kind: &'static str, message: impl Into<String>) -> Failure {
    Failure::Kind(kind, message.into())
}

/// The identity that authenticates the client to Apple.
#[derive(Args)]
pub(crate) struct IdentityArgs {
    /// The identity certificate: PEM (may hold the chain and the key), DER, or a .p12 with
    /// its key. A Merchant Identity certificate, or for `platform` the platform integrator
    /// certificate. A file, not a `pkcs11:` URI (a key in a token goes in --identity-key).
    #[arg(long, value_name = "FILE")]
    identity: PathBuf,
    /// The identity's private key, if not in --identity: a file (PEM or DER, may be
    /// encrypted) or, built with --features pkcs11, a pkcs11: URI.
    #[arg(long, value_name = "FILE|URI")]
    identity_key: Option<String>,
    #[command(flatten)]
    passwords: PasswordArgs,
}

/// How to reach the gateway.
#[derive(Args)]
pub(crate) struct ConnectionArgs {
    /// Seconds allowed for the whole exchange, from resolving the name to the last byte
    /// of the answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Trust these CA certificates (PEM) for the gateway instead of the Mozilla roots;
    /// repeatable.
    #[arg(long = "ca", value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Connect to ADDR:PORT instead of HOST:PORT (curl's --connect-to); the URL, SNI and
    /// certificate name check still use HOST, which must be one of Apple's gateway hosts.
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT")]
    connect_to: Option<String>,
    /// Send the request through this HTTP proxy (CONNECT; TLS stays end to end). Without
    /// it no proxy is used: HTTPS_PROXY and the like are never read.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
}

/// Which gateway the API commands call.
#[derive(Args)]
pub(crate) struct HostArgs {
    /// The gateway host: one of Apple's gateway hosts (default
    /// apple-pay-gateway.apple.com).
    #[arg(long, value_name = "HOST", conflicts_with = "sandbox")]
    gateway: Option<String>,
    /// Use Apple's sandbox gateway, apple-pay-gateway-cert.apple.com.
    #[arg(long)]
    sandbox: bool,
}

impl HostArgs {
    fn host(&self) -> Result<GatewayHost, Failure> {
        match (&self.gateway, self.sandbox) {
            (_, true) => Ok(GatewayHost::SANDBOX),
            (None, false) => Ok(GatewayHost::PRODUCTION),
            (Some(host), false) => GatewayHost::parse(host).map_err(|_| {
                fail(
                    "invalid_parameter",
                    format!(
                        "--gateway {:?} is not one of Apple's gateway hosts",
                        applepay_gateway::escape_server_text(host)
                    ),
                )
            }),
        }
    }
}

/// Everything an API command (`merchant-token …`, `platform …`) needs to reach Apple.
#[derive(Args)]
pub(crate) struct ApiArgs {
    #[command(flatten)]
    identity: IdentityArgs,
    #[command(flatten)]
    host: HostArgs,
    #[command(flatten)]
    connection: ConnectionArgs,
}

impl ApiArgs {
    /// The gateway client: the host checked first, then the identity (its `role`, key
    /// and validity), both before any connection.
    pub(crate) fn client(&self, role: IdentityRole) -> Result<BlockingGateway, Failure> {
        let host = self.host.host()?;
        let identity = load_identity(&self.identity, role)?;
        client(Gateway::builder(identity).host(host), &self.connection)
    }
}

/// Applies the connection settings and builds the client.
pub(crate) fn client(
    builder: GatewayBuilder,
    connection: &ConnectionArgs,
) -> Result<BlockingGateway, Failure> {
    let mut builder = builder.timeout(Duration::from_secs(connection.timeout));
    if let Some(spec) = &connection.connect_to {
        // A malformed rule is a usage error, as for any malformed flag.
        let rule = ConnectTo::parse(spec).map_err(|e| Failure::Usage(e.to_string()))?;
        builder = builder.connect_to(rule);
    }
    if !connection.ca.is_empty() {
        builder = builder.roots(load_roots(&connection.ca)?);
    }
    if let Some(proxy) = &connection.proxy {
        builder = builder.proxy(proxy);
    }
    BlockingGateway::new(builder).map_err(|e| gateway_failure(e, "malformed_answer"))
}

/// The CLI's kind for a gateway error; `malformed` names the kind of a malformed answer
/// (`session` keeps its `malformed_session`).
pub(crate) fn gateway_failure(error: GatewayError, malformed: &'static str) -> Failure {
    let kind = match error.kind() {
        "malformed_answer" => malformed,
        other => other,
    };
    fail(kind, error.to_string())
}

/// Loads the certificate and key: a PEM or DER certificate with the key from
/// `--identity-key` or the same PEM file, or a `.p12` holding both. Errors name the file
/// at fault; an encrypted key or `.p12` without a password says so, as every command does.
pub(crate) fn load_identity(
    args: &IdentityArgs,
    role: IdentityRole,
) -> Result<MerchantIdentity, Failure> {
    let cert_path = args.identity.as_path();
    let identity_error = |e: Error| in_file_failure(cert_path, &e);
    let now = UnixTime::now();
    let input = read_secret_file(cert_path)?;
    let password = args.passwords.password()?;
    let key_path = match args.identity_key.as_deref() {
        Some(uri) if crate::keys::pkcs11_uri(Path::new(uri)).is_some() => {
            return identity_in_token(cert_path, &input, uri, role, now);
        }
        other => other.map(Path::new),
    };
    let chain = match MerchantCertificate::chain_from_pem_or_der(&input) {
        Ok(chain) => chain,
        // Neither a PEM certificate nor a DER one: a PKCS#12 bundle, or something else.
        Err(not_a_certificate) if !looks_like_pem(&input) => {
            if key_path.is_some() {
                return Err(fail(
                    "identity",
                    "--identity-key cannot be used with a .p12",
                ));
            }
            let p12 = match Pkcs12::from_der(&input, password.as_deref().map_or("", |p| p.as_str()))
            {
                Ok(p12) => p12,
                Err(Error::KeyImport(KeyImportError::WrongPassword)) if password.is_none() => {
                    return Err(fail("identity", needs_password_message(cert_path)));
                }
                // Not a `.p12` either: the certificate error says what the file holds.
                Err(Error::KeyImport(KeyImportError::UnrecognizedFormat)) => {
                    return Err(identity_error(not_a_certificate));
                }
                Err(e) => return Err(identity_error(e)),
            };
            return MerchantIdentity::from_pkcs12_with_role(role, p12, now).map_err(identity_error);
        }
        Err(e) => return Err(identity_error(e)),
    };
    let (key_input, key_file) = match key_path {
        Some(path) => (read_secret_file(path)?, path),
        None => (input, cert_path),
    };
    let key = match password.as_deref() {
        Some(password) => PrivateKey::decrypt_pem_or_der(&key_input, password),
        None => PrivateKey::from_pem_or_der(&key_input),
    };
    let key = match key {
        Ok(key) => key,
        Err(Error::KeyImport(KeyImportError::WrongPassword)) if password.is_none() => {
            return Err(fail("identity", needs_password_message(key_file)));
        }
        Err(e) => return Err(in_file_failure(key_file, &e)),
    };
    MerchantIdentity::with_role(role, chain, Arc::new(key), now).map_err(identity_error)
}

/// An `identity` failure naming the file it is about.
fn in_file_failure(path: &Path, error: &Error) -> Failure {
    fail("identity", format!("{}: {error}", key_name(path)))
}

/// A certificate (chain) file with its key in a PKCS#11 token: the handshake is signed in
/// the token (RSA-PSS for TLS 1.3). A key that cannot be opened is a `key_import` error
/// naming the cause, as for every command that takes a key.
#[cfg(feature = "pkcs11")]
fn identity_in_token(
    cert_path: &Path,
    input: &[u8],
    uri: &str,
    role: IdentityRole,
    now: UnixTime,
) -> Result<MerchantIdentity, Failure> {
    let identity_error = |e: Error| in_file_failure(cert_path, &e);
    let chain = MerchantCertificate::chain_from_pem_or_der(input).map_err(identity_error)?;
    let key = crate::pkcs11::open_key(uri)?;
    MerchantIdentity::with_role(role, chain, Arc::new(key), now).map_err(identity_error)
}

#[cfg(not(feature = "pkcs11"))]
fn identity_in_token(
    _: &Path,
    _: &[u8],
    _: &str,
    _: IdentityRole,
    _: UnixTime,
) -> Result<MerchantIdentity, Failure> {
    Err(fail(
        "identity",
        "pkcs11: key URIs need applepay built with --features pkcs11",
    ))
}

fn looks_like_pem(input: &[u8]) -> bool {
    input.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The `--ca` files' certificates as a root store.
fn load_roots(files: &[PathBuf]) -> Result<RootCertStore, Failure> {
    let mut roots = RootCertStore::empty();
    for path in files {
        let bytes = read_file(path)?;
        let before = roots.len();
        for cert in CertificateDer::pem_slice_iter(&bytes) {
            let cert = cert.map_err(|_| {
                Failure::Usage(format!("{}: not a PEM certificate file", path.display()))
            })?;
            roots.add(cert).map_err(|e| {
                Failure::Usage(format!("{}: unusable CA certificate: {e}", path.display()))
            })?;
        }
        if roots.len() == before {
            return Err(Failure::Usage(format!(
                "{}: no CERTIFICATE block",
                path.display()
            )));
        }
    }
    Ok(roots)
}
