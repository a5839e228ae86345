//! `applepay merchant-token decrypt-metadata | usage-metadata | usage-package`: the
//! merchant-token cryptography of the core, with files in and JSON or plaintext out.

use std::path::PathBuf;

use applepay_crypto::{
    EncryptedTokenMetadata, Error, KeyImportError, TokenPublicKey, UnixTime, UsageKey,
    seal_usage_metadata, seal_usage_package,
};
use clap::{Args, Subcommand};

use crate::io::{read_input, read_secret_file, write_stdout};
use crate::keys::{PasswordArgs, load_keyring};
use crate::onboarding::os_rng;
use crate::verify::{load_verifier, parse_time};
use crate::{Failure, in_file};

/// The merchant-token cryptography commands.
#[derive(Subcommand)]
pub(crate) enum MerchantTokenCryptoCommand {
    /// Verify merchant token event metadata (the event response, or its
    /// encryptedTokenMetadata object), decrypt it and print the plaintext byte for byte.
    DecryptMetadata(DecryptMetadataArgs),
    /// Seal MerchantTokenUsageMetadata for Apple (HPKE auth mode to the token's P-384
    /// key) and print it as one JSON object.
    UsageMetadata(UsageMetadataArgs),
    /// Seal a usage-information package for the user's device and print the response
    /// JSON object.
    UsagePackage(UsagePackageArgs),
}

#[derive(Args)]
pub(crate) struct DecryptMetadataArgs {
    /// The event response JSON, or its encryptedTokenMetadata object; `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    event: PathBuf,
    /// A Payment Processing private key (PEM or DER, P-256 or RSA, also encrypted PKCS#8
    /// or .p12), or a `pkcs11:` URI; repeatable.
    #[arg(long = "key", value_name = "FILE|URI", required = true)]
    keys: Vec<PathBuf>,
    #[command(flatten)]
    passwords: PasswordArgs,
    /// The Payment Processing certificate of a key; repeatable.
    #[arg(long = "cert", value_name = "FILE", conflicts_with = "merchant_id")]
    certs: Vec<PathBuf>,
    /// Merchant identifier for keys given without a certificate.
    #[arg(long, value_name = "ID")]
    merchant_id: Option<String>,
    /// A trust anchor certificate (PEM or DER) replacing Apple Root CA - G3; repeatable.
    #[arg(long = "root", value_name = "FILE")]
    roots: Vec<PathBuf>,
    /// Check the certificate chain at this time (RFC 3339) instead of now. The signing
    /// time has no maximum age; one in the future beyond 60 s is refused.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Check the certificate chain as of the metadata's own signing time.
    #[arg(long, conflicts_with = "at")]
    at_signing_time: bool,
}

/// The merchant's P-384 key and the token's public key, shared by both usage commands.
#[derive(Args)]
pub(crate) struct UsageKeys {
    /// The merchantTokenIdentifier the usage information is for.
    #[arg(long, value_name = "ID")]
    token_id: String,
    /// The merchant's P-384 private key (SEC1 or PKCS#8, PEM or DER; see `keygen --p384`):
    /// a file, not a `pkcs11:` URI.
    #[arg(long, value_name = "FILE")]
    merchant_key: PathBuf,
    /// The merchant token's P-384 public key (from Apple's publicKey call): base64 of the
    /// uncompressed point (97 bytes) or of its SubjectPublicKeyInfo.
    #[arg(long, value_name = "BASE64")]
    token_public_key: String,
}

#[derive(Args)]
pub(crate) struct UsageMetadataArgs {
    #[command(flatten)]
    keys: UsageKeys,
    /// The https:// URL of the merchant server that serves the usage information.
    #[arg(long, value_name = "URL")]
    web_service_url: String,
    /// A file holding the opaque authenticationToken devices present (one trailing
    /// newline is dropped).
    #[arg(long, value_name = "FILE")]
    authentication_token_file: PathBuf,
}

#[derive(Args)]
pub(crate) struct UsagePackageArgs {
    #[command(flatten)]
    keys: UsageKeys,
    /// The usage-information package to seal, byte for byte; `-` reads stdin.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
}

pub(crate) fn merchant_token_crypto(
    command: &MerchantTokenCryptoCommand,
    warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    match command {
        MerchantTokenCryptoCommand::DecryptMetadata(args) => decrypt_metadata(args, warnings),
        MerchantTokenCryptoCommand::UsageMetadata(args) => usage_metadata(args),
        MerchantTokenCryptoCommand::UsagePackage(args) => usage_package(args),
    }
}

fn decrypt_metadata(args: &DecryptMetadataArgs, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let keyring = load_keyring(
        &args.keys,
        &args.passwords,
        &args.certs,
        args.merchant_id.as_deref(),
    )?;
    let verifier = load_verifier(&args.roots)?;
    let metadata = EncryptedTokenMetadata::from_json(&read_input(&args.event)?)
        .map_err(in_file(&args.event))?;
    let verified = if args.at_signing_time {
        let verified = metadata.verify_at_signing_time(&verifier)?;
        // Said only of metadata that was verified: as of when is then the point.
        warnings.push("the certificate chain was checked as of the metadata's signing time (--at-signing-time)".into());
        verified
    } else {
        metadata.verify(&verifier, args.at.unwrap_or_else(UnixTime::now))?
    };
    let plaintext = keyring.keyring.decrypt_metadata(&verified)?;
    write_stdout(plaintext.as_bytes())
}

impl UsageKeys {
    /// The merchant key (a key that is not P-384 is `invalid_parameter`) and the token's
    /// public key.
    fn load(&self) -> Result<(UsageKey, TokenPublicKey), Failure> {
        let bytes = read_secret_file(&self.merchant_key)?;
        let merchant = UsageKey::from_pem_or_der(&bytes)
            .map_err(|e| match e {
                Error::KeyImport(KeyImportError::UnsupportedAlgorithm) => {
                    Error::InvalidParameter("merchant key (not a P-384 key)")
                }
                other => other,
            })
            .map_err(in_file(&self.merchant_key))?;
        let token = TokenPublicKey::from_base64(&self.token_public_key)?;
        Ok((merchant, token))
    }
}

fn usage_metadata(args: &UsageMetadataArgs) -> Result<(), Failure> {
    let (merchant, token) = args.keys.load()?;
    let file = read_secret_file(&args.authentication_token_file)?;
    let text =
        std::str::from_utf8(&file).map_err(|_| Error::InvalidParameter("authenticationToken"))?;
    let authentication_token = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    let json = seal_usage_metadata(
        &merchant,
        &token,
        &args.keys.token_id,
        &args.web_service_url,
        authentication_token,
        &mut os_rng(),
    )?;
    write_stdout(format!("{json}\n").as_bytes())
}

fn usage_package(args: &UsagePackageArgs) -> Result<(), Failure> {
    let (merchant, token) = args.keys.load()?;
    let package = read_input(&args.input)?;
    let json = seal_usage_package(
        &merchant,
        &token,
        &args.keys.token_id,
        &package,
        &mut os_rng(),
    )?;
    write_stdout(format!("{json}\n").as_bytes())
}
