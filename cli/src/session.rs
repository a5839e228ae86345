//! `applepay session`: merchant validation over mutual TLS, the CLI's only network I/O.
//!
//! The order is the contract: the validation URL is checked, then the identity (marker,
//! key, validity) is loaded — both before any connection — then one POST is made with the
//! library's [`MerchantIdentity::client_config_with`] (`https.rs`), and Apple's answer is
//! printed byte for byte. Redirects are never followed; the answer is never buffered
//! beyond [`MAX_MERCHANT_SESSION_LEN`]; `--timeout` bounds everything from name
//! resolution to the last byte. Server-sent text is printed with control characters
//! replaced.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use applepay_crypto::{
    Error, GatewayErrorResponse, Initiative, MAX_MERCHANT_SESSION_LEN, MerchantCertificate,
    MerchantIdentity, MerchantSession, MerchantSessionRequest, Pkcs12, PrivateKey, UnixTime,
    ValidationUrl,
};
use clap::{Args, ValueEnum};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Failure;
use crate::https::{self, Body, fail};
use crate::io::{read_file, read_secret_file, write_stdout};
use crate::keys::PasswordArgs;
use crate::onboarding::os_rng;

#[derive(Args)]
pub(crate) struct SessionArgs {
    /// The validationURL the browser sent; anything but Apple's gateways is refused
    /// before any connection.
    #[arg(long, value_name = "URL")]
    validation_url: String,
    /// The Merchant Identity certificate: PEM (may hold the chain and the key), DER, or a
    /// .p12 with its key.
    #[arg(long, value_name = "FILE")]
    identity: PathBuf,
    /// The identity's private key (PEM or DER, may be encrypted), if not in --identity.
    #[arg(long, value_name = "FILE|URI")]
    identity_key: Option<String>,
    #[command(flatten)]
    passwords: PasswordArgs,
    /// The merchant identifier (default: the identity certificate's UID).
    #[arg(long, value_name = "ID")]
    merchant_id: Option<String>,
    /// The site's domain name (initiativeContext).
    #[arg(long, value_name = "NAME")]
    domain: String,
    /// The name shown on the payment sheet (1 to 64 characters).
    #[arg(long, value_name = "NAME")]
    display_name: String,
    /// Where the payment starts.
    #[arg(long, value_enum, default_value = "web")]
    initiative: InitiativeArg,
    /// Seconds allowed for the whole exchange, connecting included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Trust these CA certificates (PEM) for the gateway instead of the Mozilla roots;
    /// repeatable.
    #[arg(long = "ca", value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Connect to ADDR:PORT instead of HOST:PORT (curl's --connect-to); the URL, SNI and
    /// certificate name check still use HOST.
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT")]
    connect_to: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum InitiativeArg {
    #[value(name = "web")]
    Web,
    #[value(name = "messaging")]
    Messaging,
    #[value(name = "in_app")]
    InApp,
}

pub(crate) fn session(args: &SessionArgs) -> Result<(), Failure> {
    let url = ValidationUrl::parse(&args.validation_url).map_err(|e| match e {
        Error::UntrustedValidationUrl(why) => fail("untrusted_validation_url", why),
        other => fail("untrusted_validation_url", other.to_string()),
    })?;
    let identity = load_identity(args)?;
    let merchant_id = match (&args.merchant_id, identity.merchant_id()) {
        (Some(id), _) => id.clone(),
        (None, Some(id)) => id.to_owned(),
        (None, None) => {
            return Err(fail(
                "identity",
                "the certificate has no UID (merchant id): pass --merchant-id",
            ));
        }
    };
    let initiative = match args.initiative {
        InitiativeArg::Web => Initiative::Web,
        InitiativeArg::Messaging => Initiative::Messaging,
        InitiativeArg::InApp => Initiative::InApp,
    };
    let request =
        MerchantSessionRequest::new(&merchant_id, &args.display_name, initiative, &args.domain)?;
    let roots = if args.ca.is_empty() {
        applepay_crypto::mozilla_roots()
    } else {
        load_roots(&args.ca)?
    };
    let config = identity
        .client_config_with(
            applepay_crypto::rustls_provider(),
            Arc::new(roots),
            os_rng(),
        )
        .map_err(|e| fail("tls", e.to_string()))?;

    let answer = https::post_json(
        config,
        &url,
        args.connect_to.as_deref(),
        request.to_json().as_bytes(),
        Duration::from_secs(args.timeout),
    )?;
    if (300..400).contains(&answer.status) {
        let location = answer.location.as_deref().unwrap_or("nowhere");
        return Err(fail(
            "http",
            format!(
                "HTTP {} redirect to {}, not followed",
                answer.status,
                printable(location)
            ),
        ));
    }
    let success = (200..300).contains(&answer.status);
    let body = match answer.body {
        Body::Read(body) => body,
        Body::TooLarge if success => {
            return Err(fail(
                "malformed_session",
                format!("answer larger than {MAX_MERCHANT_SESSION_LEN} bytes"),
            ));
        }
        Body::TooLarge | Body::NotRead => Vec::new(),
    };
    if !success {
        let message = GatewayErrorResponse::from_json(&body)
            .ok()
            .and_then(|answer| answer.status_message().map(str::to_owned));
        return Err(fail(
            "http",
            match message {
                Some(message) => format!("HTTP {}: {}", answer.status, printable(&message)),
                None => format!("HTTP {}", answer.status),
            },
        ));
    }
    let session =
        MerchantSession::from_json(&body).map_err(|e| fail("malformed_session", e.to_string()))?;
    write_stdout(session.as_bytes())
}

/// Loads the certificate and key: a PEM or DER certificate with the key from
/// `--identity-key` or the same PEM file, or a `.p12` holding both.
fn load_identity(args: &SessionArgs) -> Result<MerchantIdentity, Failure> {
    let identity_error = |e: Error| fail("identity", e.to_string());
    let now = UnixTime::now();
    let input = read_secret_file(&args.identity)?;
    let password = args.passwords.password()?;
    let key_path = match args.identity_key.as_deref() {
        Some(uri) if crate::keys::pkcs11_uri(Path::new(uri)).is_some() => {
            return identity_in_token(&input, uri, now);
        }
        other => other.map(Path::new),
    };
    let chain = match MerchantCertificate::chain_from_pem_or_der(&input) {
        Ok(chain) => chain,
        // Neither a PEM certificate nor a DER one: a PKCS#12 bundle, or garbage.
        Err(_) if !looks_like_pem(&input) => {
            if key_path.is_some() {
                return Err(fail(
                    "identity",
                    "--identity-key cannot be used with a .p12",
                ));
            }
            let password = password.as_deref().map_or("", |p| p.as_str());
            let p12 = Pkcs12::from_der(&input, password).map_err(identity_error)?;
            return MerchantIdentity::from_pkcs12(p12, now).map_err(identity_error);
        }
        Err(e) => return Err(identity_error(e)),
    };
    let key_input = match key_path {
        Some(path) => read_secret_file(path)?,
        None => input,
    };
    let key = match password.as_deref() {
        Some(password) => PrivateKey::decrypt_pem_or_der(&key_input, password),
        None => PrivateKey::from_pem_or_der(&key_input),
    }
    .map_err(identity_error)?;
    MerchantIdentity::new(chain, Arc::new(key), now).map_err(identity_error)
}

/// A certificate (chain) file with its key in a PKCS#11 token: the handshake is signed in
/// the token (RSA-PSS for TLS 1.3). A key that cannot be opened is a `key_import` error
/// naming the cause, as for every command that takes a key.
#[cfg(feature = "pkcs11")]
fn identity_in_token(input: &[u8], uri: &str, now: UnixTime) -> Result<MerchantIdentity, Failure> {
    let identity_error = |e: Error| fail("identity", e.to_string());
    let chain = MerchantCertificate::chain_from_pem_or_der(input).map_err(identity_error)?;
    let key = crate::pkcs11::open_key(uri)?;
    MerchantIdentity::new(chain, Arc::new(key), now).map_err(identity_error)
}

#[cfg(not(feature = "pkcs11"))]
fn identity_in_token(_: &[u8], _: &str, _: UnixTime) -> Result<MerchantIdentity, Failure> {
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

/// `text` with control characters replaced, so a server cannot write to the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
