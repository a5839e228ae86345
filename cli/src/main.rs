//! `applepay`: the command-line face of `applepay-crypto` and `applepay-gateway`.
//!
//! A thin shell: argument parsing, file reading, and mapping errors to the stable kinds
//! scripts rely on. Exit codes: 0 success, 1 a token, key or gateway error (`error:
//! <kind>: <message>` as the first line of stderr), 2 a usage or file error, 75 an answer
//! Apple does not have yet (`merchant-token public-key` answered 202).
//!
//! `decrypt --batch FILE` reads one token per line and writes one line per token, in input
//! order: the plaintext JSON, or `{"error":"<kind>","message":"…"}`. Lines are read in
//! blocks; `--jobs` scoped threads take a block's lines one at a time and share one
//! keyring and one verifier (whose certificate caches every thread then uses); exit 1
//! when any token failed.

mod decrypt;
mod gateway;
mod import;
mod io;
mod keys;
mod merchant_token;
mod merchant_token_crypto;
mod onboarding;
#[cfg(feature = "pkcs11")]
mod pkcs11;
mod platform;
mod replay;
mod session;
mod simulate;
mod terminal;
mod validation;
mod verify;

use std::process::ExitCode;

use applepay_crypto::Error;
use clap::{Parser, Subcommand};

use crate::decrypt::{DecryptArgs, decrypt};
use crate::import::{ImportArgs, import};
use crate::merchant_token::{MerchantTokenApi, merchant_token_api};
use crate::merchant_token_crypto::{MerchantTokenCryptoCommand, merchant_token_crypto};
use crate::onboarding::{CertArgs, CsrArgs, HashArgs, KeygenArgs, cert, csr, hash, keygen};
use crate::platform::{PlatformCommand, platform};
use crate::session::{SessionArgs, session};
use crate::simulate::{SimulateCommand, simulate};
use crate::validation::{ValidationUrlArgs, validation_url};
use crate::verify::{VerifyArgs, verify_command};

#[derive(Parser)]
#[command(
    name = "applepay",
    version,
    about = "Apple Pay merchant-side cryptography"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a payment token, decrypt it and print its plaintext JSON.
    Decrypt(DecryptArgs),
    /// Verify a payment token's signature, certificate chain and signing time, and print
    /// what was verified as JSON.
    Verify(VerifyArgs),
    /// Generate a merchant private key (P-256, RSA-2048 with --rsa, or P-384 with --p384)
    /// as PKCS#8 PEM.
    Keygen(KeygenArgs),
    /// Put an existing private key into a PKCS#11 token (an HSM) as a sensitive,
    /// non-extractable key with its public key object, and print its public key hash.
    Import(ImportArgs),
    /// Make a certificate signing request (PEM) for a key, to upload to Apple.
    Csr(CsrArgs),
    /// Print the public key hash (base64) of a key, public key, CSR or certificate.
    Hash(HashArgs),
    /// Describe a merchant certificate as one JSON object.
    Cert(CertArgs),
    /// Check a merchant validation URL against Apple's gateway hosts.
    ValidationUrl(ValidationUrlArgs),
    /// Create an Apple Pay merchant session: POST the session request to the validation
    /// URL over TLS authenticated with the Merchant Identity certificate, and print
    /// Apple's answer byte for byte.
    Session(SessionArgs),
    /// Merchant tokens: fetch an event, unlink a token, update its notification URL, read
    /// its public key (the Merchant Token Management API, with the Merchant Identity);
    /// decrypt event metadata and seal usage information (the core's cryptography).
    #[command(subcommand)]
    MerchantToken(MerchantTokenCommand),
    /// Register and unregister merchants' web domains with Apple, as a payment platform
    /// (the Web Merchant Registration API, with the platform integrator identity).
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// The Apple side, simulated, for your own tests: a test PKI, payment tokens, a
    /// merchant validation gateway. Nothing it makes is trusted by Apple or by the
    /// default verifier.
    #[command(subcommand)]
    Simulate(SimulateCommand),
}

/// `applepay merchant-token <command>`: Apple's API calls and the cryptography around
/// them, one group.
#[derive(Subcommand)]
enum MerchantTokenCommand {
    #[command(flatten)]
    Api(MerchantTokenApi),
    #[command(flatten)]
    Crypto(MerchantTokenCryptoCommand),
}

/// What went wrong, and how the process should exit.
enum Failure {
    /// A token, key or certificate error: exit 1 with its kind.
    Crypto(Error),
    /// A token, key or certificate error about a file: exit 1 with its kind, the file
    /// named before the message (`error: <kind>: <file>: <message>`).
    InFile(String, Error),
    /// A usage or file error: exit 2.
    Usage(String),
    /// A batch in which some token failed (each failure is on stdout): exit 1.
    BatchFailed,
    /// A failure with a kind of its own (the gateway commands' `tls`, `http`, …):
    /// exit 1.
    Kind(&'static str, String),
    /// Apple accepted the request but has no result yet (`merchant-token public-key`
    /// answered 202): nothing printed, exit 75 (`EX_TEMPFAIL`: try again later).
    TryLater,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Crypto(e)
    }
}

/// Writes one line to stderr as [`terminal::for_stderr`] makes it safe.
fn report(args: &[std::ffi::OsString], line: &str) {
    eprintln!("{}", terminal::for_stderr(line, args, false));
}

/// Names `path` in an error about its content: `in_file(path)(error)`. A `pkcs11:` URI
/// is shown without its query, standard input (`-`) as `stdin`.
pub(crate) fn in_file(path: &std::path::Path) -> impl FnOnce(Error) -> Failure + '_ {
    move |e| {
        let name = if path == std::path::Path::new("-") {
            "stdin".to_owned()
        } else {
            keys::key_name(path)
        };
        Failure::InFile(name, e)
    }
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let text = e.render().to_string();
            eprint!("{}", terminal::for_stderr(&text, &args, true));
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
        // --help and --version, on stdout.
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let mut warnings = Vec::new();
    let result = match cli.command {
        Command::Decrypt(args) => decrypt(&args, &mut warnings),
        Command::Verify(args) => verify_command(&args, &mut warnings),
        Command::Keygen(args) => keygen(&args),
        Command::Import(args) => import(&args),
        Command::Csr(args) => csr(&args),
        Command::Hash(args) => hash(&args),
        Command::Cert(args) => cert(&args),
        Command::ValidationUrl(args) => validation_url(&args),
        Command::Session(args) => session(&args),
        Command::MerchantToken(MerchantTokenCommand::Api(command)) => merchant_token_api(&command),
        Command::MerchantToken(MerchantTokenCommand::Crypto(command)) => {
            merchant_token_crypto(&command, &mut warnings)
        }
        Command::Platform(command) => platform(&command),
        Command::Simulate(command) => simulate(&command),
    };
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Crypto(Error::UntrustedValidationUrl(why))) => {
            report(&args, &format!("error: untrusted_validation_url: {why}"));
            ExitCode::from(1)
        }
        Err(Failure::Crypto(e)) => {
            report(&args, &format!("error: {}: {e}", e.kind()));
            ExitCode::from(1)
        }
        Err(Failure::InFile(file, e)) => {
            report(&args, &format!("error: {}: {file}: {e}", e.kind()));
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            report(&args, &format!("error: {message}"));
            ExitCode::from(2)
        }
        Err(Failure::BatchFailed) => ExitCode::from(1),
        Err(Failure::Kind(kind, message)) => {
            report(&args, &format!("error: {kind}: {message}"));
            ExitCode::from(1)
        }
        Err(Failure::TryLater) => ExitCode::from(75),
    };
    for warning in warnings {
        report(&args, &format!("warning: {warning}"));
    }
    code
}
