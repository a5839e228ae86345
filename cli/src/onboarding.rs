//! Onboarding commands: `keygen`, `csr`, `hash` and `cert`.

use std::path::PathBuf;

use applepay_crypto::{Csr, CsrSubject, KeyAlgorithm, MerchantCertificate, PrivateKey, UnixTime};
use clap::Args;

use crate::io::{read_file, write_secret_file, write_stdout};
use crate::keys::{self, PasswordArgs};
use crate::verify::parse_time;
use crate::{Failure, in_file};

#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// Generate an RSA-2048 key (Merchant Identity) instead of P-256 (Payment Processing).
    #[arg(long)]
    pub(crate) rsa: bool,
    /// Generate a P-384 key (merchant token usage information) instead of P-256.
    #[arg(long, conflicts_with_all = ["rsa", "pkcs11"])]
    pub(crate) p384: bool,
    /// Write the key to this new file (mode 0600; an existing file is never overwritten)
    /// instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with = "pkcs11")]
    pub(crate) out: Option<PathBuf>,
    /// Generate the key pair inside the PKCS#11 token this `pkcs11:` URI names (with
    /// `object=` or `id=` for the new key), not extractable, and print its public key
    /// hash.
    #[arg(long, value_name = "URI")]
    pub(crate) pkcs11: Option<String>,
}

#[derive(Args)]
pub(crate) struct CsrArgs {
    /// The private key: PEM or DER (SEC1, PKCS#8, PKCS#1), encrypted PKCS#8, or .p12; or
    /// a `pkcs11:` URI.
    #[arg(long, value_name = "FILE|URI")]
    pub(crate) key: PathBuf,
    #[command(flatten)]
    pub(crate) passwords: PasswordArgs,
    /// Subject common name (default: names the certificate the key is for).
    #[arg(long, value_name = "NAME")]
    pub(crate) cn: Option<String>,
    /// Subject organization.
    #[arg(long, value_name = "NAME")]
    pub(crate) org: Option<String>,
    /// Subject country, two letters.
    #[arg(long, value_name = "CC")]
    pub(crate) country: Option<String>,
    /// Subject e-mail address.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) email: Option<String>,
}

#[derive(Args)]
pub(crate) struct HashArgs {
    /// Private key (also encrypted PKCS#8 or .p12), public key, CSR or certificate, PEM
    /// or DER; or a `pkcs11:` URI.
    #[arg(value_name = "FILE|URI")]
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) passwords: PasswordArgs,
}

#[derive(Args)]
pub(crate) struct CertArgs {
    /// The certificate (PEM, possibly a chain whose first block is described, or DER).
    pub(crate) file: PathBuf,
    /// Report the status at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub(crate) at: Option<UnixTime>,
    /// A key (also encrypted PKCS#8 or .p12, or a `pkcs11:` URI), public key or CSR to
    /// match against the certificate; repeatable.
    #[arg(long = "key", value_name = "FILE|URI")]
    pub(crate) keys: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) passwords: PasswordArgs,
}

/// The `cert` command's output, fields in the documented order.
#[derive(serde::Serialize)]
pub(crate) struct CertReport {
    pub(crate) kind: &'static str,
    pub(crate) merchant_id: Option<String>,
    pub(crate) merchant_id_hash: Option<String>,
    pub(crate) subject: String,
    pub(crate) not_before: String,
    pub(crate) not_after: String,
    pub(crate) status: &'static str,
    pub(crate) public_key_hash: String,
    pub(crate) matching_key: Option<String>,
}

/// The operating system's RNG, as the library's key generation and CSR signing take it.
pub(crate) fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

pub(crate) fn keygen(args: &KeygenArgs) -> Result<(), Failure> {
    if let Some(uri) = &args.pkcs11 {
        return keygen_in_token(uri, args.rsa);
    }
    let mut rng = os_rng();
    if args.p384 {
        let pem = applepay_crypto::UsageKey::generate(&mut rng)?.to_pkcs8_pem()?;
        return match &args.out {
            None => write_stdout(pem.as_bytes()),
            Some(path) => write_secret_file(path, pem.as_bytes()),
        };
    }
    let key = if args.rsa {
        PrivateKey::generate_rsa2048(&mut rng)?
    } else {
        PrivateKey::generate_p256(&mut rng)?
    };
    let pem = key.to_pkcs8_pem()?;
    match &args.out {
        None => write_stdout(pem.as_bytes()),
        Some(path) => write_secret_file(path, pem.as_bytes()),
    }
}

#[cfg(feature = "pkcs11")]
fn keygen_in_token(uri: &str, rsa: bool) -> Result<(), Failure> {
    let algorithm = if rsa {
        KeyAlgorithm::Rsa
    } else {
        KeyAlgorithm::P256
    };
    let key = crate::pkcs11::generate_key(uri, algorithm)?;
    write_stdout(format!("{}\n", key.public_key_hash()).as_bytes())
}

#[cfg(not(feature = "pkcs11"))]
fn keygen_in_token(_: &str, _: bool) -> Result<(), Failure> {
    Err(Failure::Usage(
        "--pkcs11 needs applepay built with --features pkcs11".into(),
    ))
}

pub(crate) fn csr(args: &CsrArgs) -> Result<(), Failure> {
    let key = keys::load_key(&args.key, &args.passwords)?.key;
    let mut subject = CsrSubject::new();
    let default_cn = match key.algorithm() {
        KeyAlgorithm::P256 => "Apple Pay Payment Processing",
        _ => "Apple Pay Merchant Identity",
    };
    subject = subject.common_name(args.cn.as_deref().unwrap_or(default_cn));
    if let Some(org) = &args.org {
        subject = subject.organization(org);
    }
    if let Some(country) = &args.country {
        subject = subject.country(country);
    }
    if let Some(email) = &args.email {
        subject = subject.email(email);
    }
    let csr = Csr::create(key.merchant_key(), &subject, &mut os_rng())?;
    write_stdout(csr.to_pem()?.as_bytes())
}

pub(crate) fn hash(args: &HashArgs) -> Result<(), Failure> {
    let hash = keys::public_key_hash(&args.file, &args.passwords)?;
    write_stdout(format!("{hash}\n").as_bytes())
}

pub(crate) fn cert(args: &CertArgs) -> Result<(), Failure> {
    let at = args.at.unwrap_or_else(UnixTime::now);
    let cert = MerchantCertificate::from_pem_or_der(&read_file(&args.file)?)
        .map_err(in_file(&args.file))?;
    let mut matching_key = None;
    for path in &args.keys {
        let hash = keys::public_key_hash(path, &args.passwords)?;
        if matching_key.is_none() && hash == cert.public_key_hash() {
            matching_key = Some(keys::key_name(path));
        }
    }
    let report = CertReport {
        kind: cert.kind().as_str(),
        merchant_id: cert.merchant_id().map(str::to_owned),
        merchant_id_hash: cert.merchant_id_hash().map(|h| h.to_string()),
        subject: cert.subject(),
        not_before: cert.not_before().to_string(),
        not_after: cert.not_after().to_string(),
        status: cert.status(at).as_str(),
        public_key_hash: cert.public_key_hash().to_string(),
        matching_key,
    };
    let json = serde_json::to_string(&report)
        .map_err(|e| Failure::Usage(format!("cannot encode JSON: {e}")))?;
    write_stdout(format!("{json}\n").as_bytes())
}
