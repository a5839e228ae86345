//! `applepay decrypt`: one token, or `--batch`, one token per line in and one line per
//! token out, in order.
//!
//! A batch is read in blocks; `--jobs` scoped threads take a block's lines one at a time
//! and share one keyring and one verifier (whose certificate caches every thread then
//! uses).

use std::io::{BufRead, BufReader, Read, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use applepay_crypto::{Error, Keyring, PaymentToken, Plaintext, Verifier, dangerous};
use clap::Args;
use zeroize::Zeroizing;

use crate::Failure;
use crate::io::{read_input, write_stdout};
use crate::keys::{PasswordArgs, load_keyring};
use crate::verify::{AT_SIGNING_TIME_WARNING, TimeArgs, load_verifier, verify};

#[derive(Args)]
pub(crate) struct DecryptArgs {
    /// The token (JSON or base64, any shape); `-` reads stdin.
    #[arg(long, value_name = "FILE", required_unless_present = "batch")]
    pub(crate) token: Option<PathBuf>,
    /// Decrypt many tokens: one per line of FILE (`-` reads stdin; blank lines are
    /// skipped). Prints one line per token in input order, the plaintext JSON or
    /// `{"error":"<kind>","message":"…"}`, and exits 1 if any token failed.
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    pub(crate) batch: Option<PathBuf>,
    /// Threads decrypting a batch [default: the number of cores].
    #[arg(long, value_name = "N", requires = "batch")]
    pub(crate) jobs: Option<NonZeroUsize>,
    /// A merchant private key (PEM or DER): P-256 (SEC1 or PKCS#8) for EC_v1 tokens, RSA
    /// (PKCS#1 or PKCS#8) for RSA_v1 tokens, also encrypted PKCS#8 or a .p12 (whose
    /// certificate for the key then needs no --cert); repeatable, EC and RSA keys mixed.
    #[arg(long = "key", value_name = "FILE", required = true)]
    pub(crate) keys: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) passwords: PasswordArgs,
    /// A Payment Processing certificate, paired with its key by public key; repeatable.
    #[arg(long = "cert", value_name = "FILE")]
    pub(crate) certs: Vec<PathBuf>,
    /// Merchant identifier for keys given without a certificate.
    #[arg(long, value_name = "ID")]
    pub(crate) merchant_id: Option<String>,
    #[command(flatten)]
    pub(crate) time: TimeArgs,
    /// DANGEROUS: decrypt without verifying the token's signature, chain or signing time.
    #[arg(long, conflicts_with_all = ["at", "at_signing_time", "max_age", "roots"])]
    pub(crate) skip_verify: bool,
}

pub(crate) fn decrypt(args: &DecryptArgs, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let keyring = load_keyring(
        &args.keys,
        &args.passwords,
        &args.certs,
        args.merchant_id.as_deref(),
    )?;
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
    let plaintext = decrypt_one(&token, &keyring, verifier.as_ref(), &args.time)?;
    write_stdout(plaintext.as_bytes())
}

/// Verifies (unless `verifier` is `None`, i.e. `--skip-verify`) and decrypts one token to
/// its authenticated plaintext. The CLI never builds the typed view, so no field of the
/// payment data can keep it from printing an authentic plaintext.
pub(crate) fn decrypt_one(
    token: &PaymentToken,
    keyring: &Keyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
) -> Result<Plaintext, Error> {
    match verifier {
        None => dangerous::decrypt_plaintext_unverified(keyring, token),
        Some(verifier) => keyring.decrypt_plaintext(&verify(token, verifier, time)?),
    }
}

/// How many lines each thread takes per block of a batch: enough to amortise starting
/// the threads, small enough to keep memory flat on any input size.
pub(crate) const BATCH_LINES_PER_JOB: usize = 512;

/// Longest line of a batch file read whole; a longer line is reported as too large
/// without being held in memory.
pub(crate) const MAX_BATCH_LINE_LEN: usize = 1024 * 1024;

/// `decrypt --batch`: one output line per non-blank input line, in order.
pub(crate) fn decrypt_batch(
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
pub(crate) enum Line {
    /// The line's bytes, without the line ending.
    Token(Vec<u8>),
    /// A line longer than [`MAX_BATCH_LINE_LEN`], skipped.
    TooLong,
}

/// Reads one line (without `\n` / `\r\n`), or `None` at the end of the input.
pub(crate) fn read_line(input: &mut dyn BufRead) -> std::io::Result<Option<Line>> {
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
pub(crate) type Outcome = (Zeroizing<Vec<u8>>, bool);

/// The [`Outcome`] of one batch line.
pub(crate) fn batch_line(
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
        Ok(plaintext) => {
            // In JSON a raw line break can only be whitespace between tokens: dropping them
            // keeps the JSON and puts it on one line. (Apple sends compact JSON, which has
            // none: the line is the plaintext byte for byte.)
            let bytes = plaintext.as_bytes();
            let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
            out.extend(bytes.iter().filter(|&&b| b != b'\n' && b != b'\r'));
            out.push(b'\n');
            (out, true)
        }
        Err(e) => {
            let json = serde_json::json!({"error": e.kind(), "message": e.to_string()});
            (Zeroizing::new(format!("{json}\n").into_bytes()), false)
        }
    }
}
