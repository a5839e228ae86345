//! `applepay decrypt`: one token, or `--batch`, one token per line in and one line per
//! token out, in order.
//!
//! A batch is read in blocks; `--jobs` scoped threads take a block's lines one at a time
//! and share one keyring and one verifier (whose certificate caches every thread then
//! uses).

use std::io::{BufRead, BufReader, Read};
use std::num::NonZeroUsize;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use applepay_crypto::{
    Error, Keyring, MAX_TOKEN_LEN, PaymentToken, Plaintext, ReplayGuard, VerifiedToken, Verifier,
    dangerous,
};
use clap::Args;
use zeroize::Zeroizing;

use crate::io::{SecretStdout, read_input, write_stdout};
use crate::keys::{LoadedKeyring, PasswordArgs, load_keyring};
use crate::replay::open_replay_store;
use crate::verify::{AT_SIGNING_TIME_WARNING, TimeArgs, load_verifier, verify};
use crate::{Failure, in_file};

#[derive(Args)]
pub(crate) struct DecryptArgs {
    /// The token (JSON or base64, any shape); `-` reads stdin.
    #[arg(long, value_name = "FILE", required_unless_present = "batch")]
    pub(crate) token: Option<PathBuf>,
    /// Decrypt many tokens: one per line of FILE (`-` reads stdin; blank lines are
    /// skipped). Prints one line per token in input order, the plaintext JSON or
    /// `{"error":"<kind>","message":"…","line":N}` (N: the input line number), and exits 1
    /// if any token failed.
    #[arg(long, value_name = "FILE", conflicts_with = "token")]
    pub(crate) batch: Option<PathBuf>,
    /// Threads decrypting a batch, 1 to 256 [default: the number of cores, at most 256].
    #[arg(long, value_name = "N", requires = "batch",
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_JOBS)))]
    pub(crate) jobs: Option<u16>,
    /// A merchant private key (PEM or DER): P-256 (SEC1 or PKCS#8) for EC_v1 tokens, RSA
    /// (PKCS#1 or PKCS#8) for RSA_v1 tokens, also encrypted PKCS#8 or a .p12 (whose
    /// certificate for the key then needs no --cert); or a `pkcs11:` URI (built with
    /// --features pkcs11); repeatable, EC and RSA keys mixed.
    #[arg(long = "key", value_name = "FILE|URI", required = true)]
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
    /// Accept each transactionId once, after verification and before decryption: `memory`
    /// (this process: a batch's jobs share it) or `redis://HOST:PORT[/DB]` (shared by
    /// every process using that server). A copy is `error: replay: …`; a store that
    /// cannot answer refuses the token (`error: replay_store: …`).
    #[arg(long, value_name = "memory|redis://HOST:PORT[/DB]",
          conflicts_with_all = ["skip_verify", "at_signing_time"])]
    pub(crate) replay_store: Option<String>,
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
    let guard = args
        .replay_store
        .as_deref()
        .map(open_replay_store)
        .transpose()?;
    let guard = guard.as_deref();
    let Some(token_path) = &args.token else {
        return decrypt_batch(args, &keyring, verifier.as_ref(), guard, warnings);
    };
    let token = PaymentToken::from_json(&read_input(token_path)?).map_err(in_file(token_path))?;
    let plaintext = match &verifier {
        None => decrypt_one(&token, &keyring.keyring, None, &args.time, guard),
        Some(verifier) => {
            let verified = verify(&token, verifier, &args.time)?;
            // Said only of a token that was verified: as of when is then the point.
            if args.time.at_signing_time {
                warnings.push(AT_SIGNING_TIME_WARNING.into());
            }
            decrypt_verified(&verified, &keyring.keyring, guard)
        }
    }
    .map_err(|e| Failure::Kind(e.kind(), keyring.message(&e, &token)))?;
    write_stdout(plaintext.as_bytes())
}

/// Verifies (unless `verifier` is `None`, i.e. `--skip-verify`), checks the transaction id
/// against `guard` (`--replay-store`) and decrypts one token to its authenticated
/// plaintext. The CLI never builds the typed view, so no field of the payment data can
/// keep it from printing an authentic plaintext.
pub(crate) fn decrypt_one(
    token: &PaymentToken,
    keyring: &Keyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
    guard: Option<&dyn ReplayGuard>,
) -> Result<Plaintext, Error> {
    match verifier {
        None => dangerous::decrypt_plaintext_unverified(keyring, token),
        Some(verifier) => decrypt_verified(&verify(token, verifier, time)?, keyring, guard),
    }
}

/// Checks the transaction id of a verified token against `guard` (`--replay-store`), if
/// any, and decrypts it.
fn decrypt_verified(
    verified: &VerifiedToken,
    keyring: &Keyring,
    guard: Option<&dyn ReplayGuard>,
) -> Result<Plaintext, Error> {
    match guard {
        None => keyring.decrypt_plaintext(verified),
        Some(guard) => keyring.decrypt_plaintext_once(verified, guard),
    }
}

/// Most threads `--jobs` may ask for. Beyond a few per core threads add only memory and
/// contention; a larger value is a usage error (exit 2), never a panic or a hang.
pub(crate) const MAX_JOBS: u16 = 256;

/// How many lines each thread takes per block of a batch: enough to amortise starting
/// the threads.
pub(crate) const BATCH_LINES_PER_JOB: usize = 512;

/// Most bytes of input lines held in one block, whatever `--jobs`: with the line limit
/// this bounds a batch's memory.
pub(crate) const MAX_BATCH_BLOCK_BYTES: usize = 16 * 1024 * 1024;

/// Longest line read whole: the token limit plus slack for surrounding whitespace. A
/// longer line is that line's error, skipped as it streams by without being held.
pub(crate) const MAX_BATCH_LINE_LEN: usize = MAX_TOKEN_LEN + 1024;

/// The exact input line on which the binary built with `test-util` panics, so that the
/// tests can check that a panic is reported as that line's error.
#[cfg(feature = "test-util")]
const TEST_PANIC_LINE: &[u8] = b"applepay-test-panic";

/// `decrypt --batch`: one output line per non-blank input line, in order.
pub(crate) fn decrypt_batch(
    args: &DecryptArgs,
    keyring: &LoadedKeyring,
    verifier: Option<&Verifier>,
    guard: Option<&dyn ReplayGuard>,
    warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    let Some(path) = &args.batch else {
        return Err(Failure::Usage("--token or --batch is required".into()));
    };
    let jobs = match args.jobs {
        Some(jobs) => usize::from(jobs),
        None => std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(usize::from(MAX_JOBS)),
    };
    let block_lines = jobs.saturating_mul(BATCH_LINES_PER_JOB);
    let mut input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let cannot_read = |e: std::io::Error| Failure::Usage(format!("cannot read batch: {e}"));
    let mut out = SecretStdout::new()?;
    let mut any_failed = false;
    let mut any_decrypted = false;
    let mut number: u64 = 0;
    let mut block: Vec<Line> = Vec::new();
    loop {
        block.clear();
        let mut bytes = 0usize;
        let mut eof = false;
        while block.len() < block_lines && bytes < MAX_BATCH_BLOCK_BYTES {
            let Some(content) = read_line(&mut input).map_err(cannot_read)? else {
                eof = true;
                break;
            };
            number = number.saturating_add(1);
            if let LineContent::Token(token) = &content {
                if token.trim_ascii().is_empty() {
                    continue;
                }
                bytes = bytes.saturating_add(token.len());
            }
            block.push(Line { number, content });
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
                            done.push((
                                i,
                                guarded_line(line, keyring, verifier, &args.time, guard),
                            ));
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
            any_decrypted |= ok;
            out.write(&line)?;
        }
        out.flush()?;
        if eof {
            break;
        }
    }
    // Said only when some token was verified (and decrypted): as of when is then the point.
    if args.time.at_signing_time && any_decrypted {
        warnings.push(AT_SIGNING_TIME_WARNING.into());
    }
    if any_failed {
        Err(Failure::BatchFailed)
    } else {
        Ok(())
    }
}

/// One non-blank line of a batch file.
pub(crate) struct Line {
    /// Its line number in the input, from 1, blank lines counted.
    number: u64,
    content: LineContent,
}

/// What a batch line holds.
pub(crate) enum LineContent {
    /// The line's bytes, without the line ending.
    Token(Vec<u8>),
    /// A line longer than [`MAX_BATCH_LINE_LEN`], skipped.
    TooLong,
}

/// Reads one line (without `\n` / `\r\n`), or `None` at the end of the input. A line
/// longer than [`MAX_BATCH_LINE_LEN`] is read no further than that: the rest is skipped
/// straight out of the reader's buffer.
pub(crate) fn read_line(input: &mut dyn BufRead) -> std::io::Result<Option<LineContent>> {
    let mut buf = Vec::new();
    let limit = u64::try_from(MAX_BATCH_LINE_LEN).unwrap_or(u64::MAX);
    let n = input
        .take(limit.saturating_add(1))
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > MAX_BATCH_LINE_LEN {
        drop(buf);
        loop {
            let available = input.fill_buf()?;
            if available.is_empty() {
                break;
            }
            if let Some(end) = available.iter().position(|&b| b == b'\n') {
                input.consume(end + 1);
                break;
            }
            let all = available.len();
            input.consume(all);
        }
        return Ok(Some(LineContent::TooLong));
    }
    Ok(Some(LineContent::Token(buf)))
}

/// The output line for one batch line (newline included), and whether it decrypted.
pub(crate) type Outcome = (Zeroizing<Vec<u8>>, bool);

/// An error object, fields in the documented order: `{"error","message","line"}`.
#[derive(serde::Serialize)]
struct LineError<'a> {
    error: &'a str,
    message: &'a str,
    line: u64,
}

fn error_outcome(kind: &str, message: &str, line: u64) -> Outcome {
    let object = LineError {
        error: kind,
        message,
        line,
    };
    let mut json = serde_json::to_vec(&object).unwrap_or_default();
    json.push(b'\n');
    (Zeroizing::new(json), false)
}

/// [`batch_line`], with a panic on the line reported as its error (`internal`) instead of
/// taking the batch down.
fn guarded_line(
    line: &Line,
    keyring: &LoadedKeyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
    guard: Option<&dyn ReplayGuard>,
) -> Outcome {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        batch_line(line, keyring, verifier, time, guard)
    }))
    .unwrap_or_else(|_| error_outcome("internal", "panic while decrypting this line", line.number))
}

/// The [`Outcome`] of one batch line.
pub(crate) fn batch_line(
    line: &Line,
    keyring: &LoadedKeyring,
    verifier: Option<&Verifier>,
    time: &TimeArgs,
    guard: Option<&dyn ReplayGuard>,
) -> Outcome {
    let result = match &line.content {
        LineContent::Token(bytes) => {
            #[cfg(feature = "test-util")]
            #[allow(clippy::panic, reason = "the test hook described at TEST_PANIC_LINE")]
            if bytes.as_slice() == TEST_PANIC_LINE {
                panic!("test hook: a panic on line {}", line.number);
            }
            match PaymentToken::from_json(bytes) {
                Ok(token) => decrypt_one(&token, &keyring.keyring, verifier, time, guard)
                    .map_err(|e| (e.kind(), keyring.message(&e, &token))),
                Err(e) => Err((e.kind(), e.to_string())),
            }
        }
        LineContent::TooLong => {
            let e = Error::InputTooLarge {
                limit: MAX_TOKEN_LEN,
            };
            Err((e.kind(), e.to_string()))
        }
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
        Err((kind, message)) => error_outcome(kind, &message, line.number),
    }
}
