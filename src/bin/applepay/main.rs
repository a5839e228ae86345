//! `applepay`: the command-line face of `applepay-crypto`.
//!
//! A thin shell: argument parsing, file reading, and mapping errors to the stable kinds
//! scripts rely on. Exit codes: 0 success, 1 a token/key error (`error: <kind>: <message>`
//! as the first line of stderr), 2 a usage or file error.
//!
//! `decrypt --batch FILE` reads one token per line and writes one line per token, in input
//! order: the plaintext JSON, or `{"error":"<kind>","message":"…"}`. Lines are read in
//! blocks; `--jobs` scoped threads take a block's lines one at a time and share one
//! keyring and one verifier (whose certificate caches every thread then uses); exit 1
//! when any token failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use applepay_crypto::{
    Csr, CsrSubject, Error, KeyAlgorithm, Keyring, MerchantCertificate, Payment, PaymentToken,
    PrivateKey, PublicKeyHash, TrustAnchors, UnixTime, ValidationUrl, VerifiedToken, Verifier,
    dangerous,
};
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

/// Largest file the CLI reads (tokens, keys and certificates are all far smaller).
const MAX_FILE_LEN: u64 = 1024 * 1024;

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
    /// Generate a merchant private key (P-256, or RSA-2048 with --rsa) as PKCS#8 PEM.
    Keygen(KeygenArgs),
    /// Make a certificate signing request (PEM) for a key, to upload to Apple.
    Csr(CsrArgs),
    /// Print the public key hash (base64) of a key, public key, CSR or certificate.
    Hash(HashArgs),
    /// Describe a merchant certificate as one JSON object.
    Cert(CertArgs),
    /// Check a merchant validation URL against Apple's gateway hosts.
    ValidationUrl(ValidationUrlArgs),
}

#[derive(Args)]
struct KeygenArgs {
    /// Generate an RSA-2048 key (Merchant Identity) instead of P-256 (Payment Processing).
    #[arg(long)]
    rsa: bool,
    /// Write the key to this new file (mode 0600; an existing file is never overwritten)
    /// instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct CsrArgs {
    /// The private key (PEM or DER, any supported format).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Subject common name (default: names the certificate the key is for).
    #[arg(long, value_name = "NAME")]
    cn: Option<String>,
    /// Subject organization.
    #[arg(long, value_name = "NAME")]
    org: Option<String>,
    /// Subject country, two letters.
    #[arg(long, value_name = "CC")]
    country: Option<String>,
    /// Subject e-mail address.
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
}

#[derive(Args)]
struct HashArgs {
    /// Private key, public key, CSR or certificate, PEM or DER.
    file: PathBuf,
}

#[derive(Args)]
struct CertArgs {
    /// The certificate (PEM, possibly a chain whose first block is described, or DER).
    file: PathBuf,
    /// Report the status at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// A key (or public key or CSR) to match against the certificate; repeatable.
    #[arg(long = "key", value_name = "FILE")]
    keys: Vec<PathBuf>,
}

#[derive(Args)]
struct ValidationUrlArgs {
    /// The validationURL the browser sent.
    url: String,
}

/// The `cert` command's output, fields in the documented order.
#[derive(serde::Serialize)]
struct CertReport {
    kind: &'static str,
    merchant_id: Option<String>,
    merchant_id_hash: Option<String>,
    subject: String,
    not_before: String,
    not_after: String,
    status: &'static str,
    public_key_hash: String,
    matching_key: Option<String>,
}

#[derive(Args)]
struct VerifyArgs {
    /// The token (JSON or base64, any shape); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    token: PathBuf,
    #[command(flatten)]
    time: TimeArgs,
}

/// When and against what a token is verified.
#[derive(Args)]
struct TimeArgs {
    /// Verify at this time (RFC 3339, e.g. 2021-09-01T19:04:06Z) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    at: Option<UnixTime>,
    /// Verify as of the token's own signing time. Replays are not detected: for
    /// re-checking stored tokens, never for accepting payments.
    #[arg(long, conflicts_with_all = ["at", "max_age"])]
    at_signing_time: bool,
    /// Maximum age of the token's signing time, in seconds [default: 300].
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u64>,
    /// A trust anchor certificate (PEM or DER) replacing Apple Root CA - G3; repeatable.
    #[arg(long = "root", value_name = "FILE")]
    roots: Vec<PathBuf>,
}

fn parse_time(text: &str) -> Result<UnixTime, String> {
    UnixTime::parse_rfc3339(text).map_err(|_| format!("not an RFC 3339 time: {text:?}"))
}

#[derive(Args)]
struct DecryptArgs {
    /// The token (JSON or base64, any shape); `-` reads stdin.
    #[arg(long, value_name = "FILE", required_unless_present = "batch")]
    token: Option<PathBuf>,
    /// Decrypt many tokens: one per line of FILE (`-` reads stdin; blank lines are
    /// skipped). Prints one line per token in input order, the plaintext JSON or
    /// `{"error":"<kind>","message":"…"}`, and exits 1 if any token failed.
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    batch: Option<PathBuf>,
    /// Threads decrypting a batch [default: the number of cores].
    #[arg(long, value_name = "N", requires = "batch")]
    jobs: Option<NonZeroUsize>,
    /// A merchant private key (PEM or DER): P-256 (SEC1 or PKCS#8) for EC_v1 tokens, RSA
    /// (PKCS#1 or PKCS#8) for RSA_v1 tokens; repeatable, EC and RSA keys mixed.
    #[arg(long = "key", value_name = "FILE", required = true)]
    keys: Vec<PathBuf>,
    /// A Payment Processing certificate, paired with its key by public key; repeatable.
    #[arg(long = "cert", value_name = "FILE")]
    certs: Vec<PathBuf>,
    /// Merchant identifier for keys given without a certificate.
    #[arg(long, value_name = "ID")]
    merchant_id: Option<String>,
    #[command(flatten)]
    time: TimeArgs,
    /// DANGEROUS: decrypt without verifying the token's signature, chain or signing time.
    #[arg(long, conflicts_with_all = ["at", "at_signing_time", "max_age", "roots"])]
    skip_verify: bool,
}

/// What went wrong, and how the process should exit.
enum Failure {
    /// A token, key or certificate error: exit 1 with its kind.
    Crypto(Error),
    /// A usage or file error: exit 2.
    Usage(String),
    /// A batch in which some token failed (each failure is on stdout): exit 1.
    BatchFailed,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Crypto(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut warnings = Vec::new();
    let result = match cli.command {
        Command::Decrypt(args) => decrypt(&args, &mut warnings),
        Command::Verify(args) => verify_command(&args, &mut warnings),
        Command::Keygen(args) => keygen(&args),
        Command::Csr(args) => csr(&args),
        Command::Hash(args) => hash(&args),
        Command::Cert(args) => cert(&args),
        Command::ValidationUrl(args) => validation_url(&args),
    };
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Crypto(Error::UntrustedValidationUrl(why))) => {
            eprintln!("error: untrusted_validation_url: {why}");
            ExitCode::from(1)
        }
        Err(Failure::Crypto(e)) => {
            eprintln!("error: {}: {e}", e.kind());
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::BatchFailed) => ExitCode::from(1),
    };
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    code
}

fn decrypt(args: &DecryptArgs, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let keyring = load_keyring(&args.keys, &args.certs, args.merchant_id.as_deref())?;
    let verifier = if args.skip_verify {
        warnings.push("the token's signature was not verified (--skip-verify)".into());
        None
    } else {
        Some(load_verifier(&args.time.roots)?)
    };
    if args.time.at_signing_time {
        warnings.push(AT_SIGNING_TIME_WARNING.into());
    }
    let Some(token_path) = &args.token else {
        return decrypt_batch(args, &keyring, verifier.as_ref());
    };
    let token = PaymentToken::from_json(&read_input(token_path)?)?;
    let payment = decrypt_one(&token, &keyring, verifier.as_ref(), &args.time)?;
    write_stdout(payment.plaintext())
}

/// The operating system's RNG, as the library's key generation and CSR signing take it.
fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn keygen(args: &KeygenArgs) -> Result<(), Failure> {
    let mut rng = os_rng();
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

/// Creates `path` (mode 0600 on Unix; never overwriting) and writes `bytes` to it.
fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let cannot =
        |e: std::io::Error| Failure::Usage(format!("cannot write {}: {e}", path.display()));
    let mut file = options.open(path).map_err(cannot)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(cannot)
}

fn csr(args: &CsrArgs) -> Result<(), Failure> {
    let key = PrivateKey::from_pem_or_der(&read_file(&args.key)?)?;
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
    let csr = Csr::create(&key, &subject, &mut os_rng())?;
    write_stdout(csr.to_pem()?.as_bytes())
}

fn hash(args: &HashArgs) -> Result<(), Failure> {
    let hash = PublicKeyHash::from_pem_or_der(&read_file(&args.file)?)?;
    write_stdout(format!("{hash}\n").as_bytes())
}

fn cert(args: &CertArgs) -> Result<(), Failure> {
    let at = args.at.unwrap_or_else(UnixTime::now);
    let cert = MerchantCertificate::from_pem_or_der(&read_file(&args.file)?)?;
    let mut matching_key = None;
    for path in &args.keys {
        let hash = PublicKeyHash::from_pem_or_der(&read_file(path)?)?;
        if matching_key.is_none() && hash == cert.public_key_hash() {
            matching_key = Some(path.display().to_string());
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

fn validation_url(args: &ValidationUrlArgs) -> Result<(), Failure> {
    ValidationUrl::parse(&args.url)?;
    write_stdout(b"ok\n")
}

/// Verifies (unless `verifier` is `None`, i.e. `--skip-verify`) and decrypts one token.
fn decrypt_one(
    token: &PaymentToken,
    keyring: &Keyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
) -> Result<Payment, Error> {
    match verifier {
        None => dangerous::decrypt_unverified(keyring, token),
        Some(verifier) => keyring.decrypt(&verify(token, verifier, time)?),
    }
}

/// How many lines each thread takes per block of a batch: enough to amortise starting
/// the threads, small enough to keep memory flat on any input size.
const BATCH_LINES_PER_JOB: usize = 512;

/// Longest line of a batch file read whole; a longer line is reported as too large
/// without being held in memory.
const MAX_BATCH_LINE_LEN: usize = 1024 * 1024;

/// `decrypt --batch`: one output line per non-blank input line, in order.
fn decrypt_batch(
    args: &DecryptArgs,
    keyring: &Keyring,
    verifier: Option<&Verifier>,
) -> Result<(), Failure> {
    let Some(path) = &args.batch else {
        return Err(Failure::Usage("--token or --batch is required".into()));
    };
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);
    let mut input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let cannot_read = |e: std::io::Error| Failure::Usage(format!("cannot read batch: {e}"));
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut any_failed = false;
    let mut block: Vec<Line> = Vec::with_capacity(jobs * BATCH_LINES_PER_JOB);
    loop {
        block.clear();
        let mut eof = false;
        while block.len() < jobs * BATCH_LINES_PER_JOB {
            match read_line(&mut input).map_err(cannot_read)? {
                None => {
                    eof = true;
                    break;
                }
                Some(Line::Token(bytes)) if bytes.trim_ascii().is_empty() => {}
                Some(line) => block.push(line),
            }
        }
        // Workers take lines one at a time from a shared counter, so a thread the OS
        // schedules less does not hold up the block; results are put back in order.
        let next = AtomicUsize::new(0);
        let lines = &block;
        let parts: Vec<Vec<(usize, Outcome)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..jobs.min(block.len()))
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(line) = lines.get(i) else { break };
                            done.push((i, batch_line(line, keyring, verifier, &args.time)));
                        }
                        done
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut ordered: Vec<Option<Outcome>> = block.iter().map(|_| None).collect();
        for (i, outcome) in parts.into_iter().flatten() {
            if let Some(slot) = ordered.get_mut(i) {
                *slot = Some(outcome);
            }
        }
        for slot in ordered {
            let Some((line, ok)) = slot else {
                return Err(Failure::Usage("a batch worker thread panicked".into()));
            };
            any_failed |= !ok;
            out.write_all(&line)
                .map_err(|e| Failure::Usage(format!("cannot write stdout: {e}")))?;
        }
        if eof {
            break;
        }
    }
    out.flush()
        .map_err(|e| Failure::Usage(format!("cannot write stdout: {e}")))?;
    if any_failed {
        Err(Failure::BatchFailed)
    } else {
        Ok(())
    }
}

/// One line of a batch file.
enum Line {
    /// The line's bytes, without the line ending.
    Token(Vec<u8>),
    /// A line longer than [`MAX_BATCH_LINE_LEN`], skipped.
    TooLong,
}

/// Reads one line (without `\n` / `\r\n`), or `None` at the end of the input.
fn read_line(input: &mut dyn BufRead) -> std::io::Result<Option<Line>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(MAX_BATCH_LINE_LEN).unwrap_or(u64::MAX);
    let n = input.take(limit + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > MAX_BATCH_LINE_LEN {
        // Skip the rest of the line without keeping it.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let n = input.take(limit).read_until(b'\n', &mut rest)?;
            if n == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(Line::TooLong));
    }
    Ok(Some(Line::Token(buf)))
}

/// The output line for one batch line (newline included), and whether it decrypted.
type Outcome = (Zeroizing<Vec<u8>>, bool);

/// The [`Outcome`] of one batch line.
fn batch_line(
    line: &Line,
    keyring: &Keyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
) -> Outcome {
    let result = match line {
        Line::Token(bytes) => PaymentToken::from_json(bytes)
            .and_then(|token| decrypt_one(&token, keyring, verifier, time)),
        Line::TooLong => Err(Error::InputTooLarge {
            limit: applepay_crypto::MAX_TOKEN_LEN,
        }),
    };
    match result {
        Ok(payment) => {
            // The plaintext is valid JSON, where a raw line break can only be whitespace
            // between tokens: dropping them keeps the JSON and puts it on one line.
            let mut out = Zeroizing::new(Vec::with_capacity(payment.plaintext().len() + 1));
            out.extend(
                payment
                    .plaintext()
                    .iter()
                    .filter(|&&b| b != b'\n' && b != b'\r'),
            );
            out.push(b'\n');
            (out, true)
        }
        Err(e) => {
            let json = serde_json::json!({"error": e.kind(), "message": e.to_string()});
            (Zeroizing::new(format!("{json}\n").into_bytes()), false)
        }
    }
}

fn verify_command(args: &VerifyArgs, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let verifier = load_verifier(&args.time.roots)?;
    let token = PaymentToken::from_json(&read_input(&args.token)?)?;
    if args.time.at_signing_time {
        warnings.push(AT_SIGNING_TIME_WARNING.into());
    }
    let verified = verify(&token, &verifier, &args.time)?;
    /// Fields in the order the interface documents them.
    #[derive(serde::Serialize)]
    struct Report<'a> {
        signing_time: String,
        leaf_subject: &'a str,
        leaf_not_after: String,
    }
    let report = Report {
        signing_time: verified.signing_time().to_string(),
        leaf_subject: verified.leaf_subject(),
        leaf_not_after: verified.leaf_not_after().to_string(),
    };
    let json = serde_json::to_string(&report)
        .map_err(|e| Failure::Usage(format!("cannot serialise the report: {e}")))?;
    write_stdout(format!("{json}\n").as_bytes())
}

const AT_SIGNING_TIME_WARNING: &str =
    "verified as of the token's signing time (--at-signing-time): replays are not detected";

/// Verifies as the time flags say: at `--at` or now, or as of the signing time.
fn verify(
    token: &PaymentToken,
    verifier: &Verifier,
    time: &TimeArgs,
) -> Result<VerifiedToken, Error> {
    if time.at_signing_time {
        return token.verify_at_signing_time(verifier);
    }
    let now = time.at.unwrap_or_else(UnixTime::now);
    let max_age = time
        .max_age
        .map_or(applepay_crypto::DEFAULT_MAX_AGE, Duration::from_secs);
    token.verify(verifier, now, max_age)
}

/// Apple Root CA - G3, or the `--root` certificates instead.
fn load_verifier(roots: &[PathBuf]) -> Result<Verifier, Failure> {
    if roots.is_empty() {
        return Ok(Verifier::new());
    }
    let mut anchors = TrustAnchors::empty();
    for path in roots {
        anchors.add_pem_or_der(&read_file(path)?)?;
    }
    Ok(Verifier::with_anchors(anchors))
}

/// Builds the keyring: each key is paired with the certificate that certifies it, or with
/// `--merchant-id`; every certificate must belong to some key.
fn load_keyring(
    key_paths: &[PathBuf],
    cert_paths: &[PathBuf],
    merchant_id: Option<&str>,
) -> Result<Keyring, Failure> {
    let mut certs = Vec::with_capacity(cert_paths.len());
    for path in cert_paths {
        certs.push((
            path,
            MerchantCertificate::from_pem_or_der(&read_file(path)?)?,
            false,
        ));
    }
    let mut keyring = Keyring::new();
    for path in key_paths {
        let key = PrivateKey::from_pem_or_der(&read_file(path)?)?;
        let hash = key.public_key_hash();
        match certs
            .iter_mut()
            .find(|(_, cert, _)| cert.public_key_hash() == hash)
        {
            Some((_, cert, used)) => {
                *used = true;
                keyring.add_with_certificate(key, cert)?;
            }
            None => match merchant_id {
                Some(id) => {
                    keyring.add_with_merchant_id(key, id);
                }
                None => {
                    return Err(Failure::Usage(format!(
                        "key {} has neither a matching --cert nor --merchant-id",
                        path.display()
                    )));
                }
            },
        }
    }
    if let Some((path, _, _)) = certs.iter().find(|(_, _, used)| !used) {
        return Err(Failure::Usage(format!(
            "certificate {} matches no --key",
            path.display()
        )));
    }
    Ok(keyring)
}

/// Reads a file, or stdin for `-`, refusing anything over [`MAX_FILE_LEN`].
fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_LEN + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Usage(format!("cannot read stdin: {e}")))?;
        if buf.len() as u64 > MAX_FILE_LEN {
            return Err(Failure::Usage("stdin is larger than 1 MiB".into()));
        }
        return Ok(buf);
    }
    read_file(path)
}

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut buf = Vec::new();
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    if buf.len() as u64 > MAX_FILE_LEN {
        return Err(Failure::Usage(format!(
            "{} is larger than 1 MiB",
            path.display()
        )));
    }
    Ok(buf)
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Usage(format!("cannot write stdout: {e}")))
}
