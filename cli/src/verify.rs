//! `applepay verify`, and the time and trust flags every verifying command shares.

use std::path::PathBuf;
use std::time::Duration;

use applepay_crypto::{Error, PaymentToken, TrustAnchors, UnixTime, VerifiedToken, Verifier};
use clap::Args;

use crate::io::{read_file, read_input, write_stdout};
use crate::{Failure, in_file};

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The token (JSON or base64, any shape); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub(crate) token: PathBuf,
    #[command(flatten)]
    pub(crate) time: TimeArgs,
}

/// When and against what a token is verified.
#[derive(Args)]
pub(crate) struct TimeArgs {
    /// Verify at this time (RFC 3339, e.g. 2021-09-01T19:04:06Z) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub(crate) at: Option<UnixTime>,
    /// Verify as of the token's own signing time. Replays are not detected: for
    /// re-checking stored tokens, never for accepting payments.
    #[arg(long, conflicts_with_all = ["at", "max_age"])]
    pub(crate) at_signing_time: bool,
    /// Maximum age of the token's signing time, in seconds [default: 300].
    #[arg(long, value_name = "SECONDS")]
    pub(crate) max_age: Option<u64>,
    /// A trust anchor certificate (PEM or DER) replacing Apple Root CA - G3; repeatable.
    #[arg(long = "root", value_name = "FILE")]
    pub(crate) roots: Vec<PathBuf>,
}

pub(crate) fn parse_time(text: &str) -> Result<UnixTime, String> {
    UnixTime::parse_rfc3339(text).map_err(|_| format!("not an RFC 3339 time: {text:?}"))
}

pub(crate) fn verify_command(args: &VerifyArgs, warnings: &mut Vec<String>) -> Result<(), Failure> {
    let verifier = load_verifier(&args.time.roots)?;
    let token = PaymentToken::from_json(&read_input(&args.token)?).map_err(in_file(&args.token))?;
    let verified = verify(&token, &verifier, &args.time)?;
    if args.time.at_signing_time {
        warnings.push(AT_SIGNING_TIME_WARNING.into());
    }
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

pub(crate) const AT_SIGNING_TIME_WARNING: &str =
    "verified as of the token's signing time (--at-signing-time): replays are not detected";

/// Verifies as the time flags say: at `--at` or now, or as of the signing time.
pub(crate) fn verify(
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
pub(crate) fn load_verifier(roots: &[PathBuf]) -> Result<Verifier, Failure> {
    if roots.is_empty() {
        return Ok(Verifier::new());
    }
    let mut anchors = TrustAnchors::empty();
    for path in roots {
        anchors
            .add_pem_or_der(&read_file(path)?)
            .map_err(in_file(path))?;
    }
    Ok(Verifier::with_anchors(anchors))
}
