//! Errors that say what and where: the first stderr line names the times of a signing-time
//! failure, the certificate and validity period of a chain failure, the file and what it
//! holds when a key or certificate cannot be read.

use std::path::PathBuf;
use std::process::{Command, Output};

fn applepay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_applepay"))
}

fn vector_file(vector: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors")
        .join(vector)
        .join(file)
}

fn first_stderr_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `verify` Apple's 2021 token at `at`: exit 1 and the first stderr line.
fn verify_gala_at(at: &str) -> String {
    let output = applepay()
        .args(["verify", "--at", at, "--token"])
        .arg(vector_file("gala-current", "token.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty());
    first_stderr_line(&output)
}

#[test]
fn a_stale_token_gives_both_times_and_the_window() {
    assert_eq!(
        verify_gala_at("2021-09-01T19:10:00Z"),
        "error: signing_time: token signing time 2021-09-01T19:03:06Z is too old: verified at \
         2021-09-01T19:10:00Z, the window accepts signing times from 2021-09-01T19:05:00Z to \
         2021-09-01T19:11:00Z (max age 300s, clock skew 60s)"
    );
}

#[test]
fn a_future_dated_token_says_so() {
    assert_eq!(
        verify_gala_at("2021-09-01T19:00:00Z"),
        "error: signing_time: token signing time 2021-09-01T19:03:06Z is in the future: \
         verified at 2021-09-01T19:00:00Z, the window accepts signing times from \
         2021-09-01T18:55:00Z to 2021-09-01T19:01:00Z (max age 300s, clock skew 60s)"
    );
}

#[test]
fn an_expired_leaf_is_named_with_its_validity_period() {
    assert_eq!(
        verify_gala_at("2026-11-23T12:00:00Z"),
        "error: certificate_chain: certificate chain rejected: leaf certificate has expired \
         at the verification time 2026-11-23T12:00:00Z (valid from 2019-05-18T01:32:57Z to \
         2024-05-16T01:32:57Z)"
    );
}

fn arg(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Runs `applepay` with `args`: exit 1, nothing on stdout, and the first stderr line.
fn fails(args: &[&str]) -> String {
    let output = applepay()
        .args(args)
        .env_remove("APPLEPAY_KEY_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
    assert!(output.stdout.is_empty(), "{args:?}");
    first_stderr_line(&output)
}

#[test]
fn a_file_that_is_not_what_was_asked_for_is_named_with_what_it_holds() {
    let cert = arg(&vector_file("gala-current", "merchant_cert.pem"));
    let key = arg(&vector_file("gala-current", "merchant_key.pem"));
    let token = arg(&vector_file("gala-current", "token.json"));
    let csr = arg(&vector_file("onboarding", "p256.csr.pem"));
    let p12 = arg(&vector_file("onboarding", "pp.p12"));
    let readme = arg(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md"));
    let cases: [(&[&str], String); 7] = [
        (
            &["hash", &readme],
            format!("{readme}: key import failed: nothing recognisable where a key was expected"),
        ),
        (
            &["cert", &key],
            format!("{key}: key import failed: a private key where a certificate was expected"),
        ),
        (
            &["cert", &p12],
            format!(
                "{p12}: key import failed: a .p12 (pkcs#12) bundle where a certificate was \
                 expected"
            ),
        ),
        (
            &["csr", "--key", &csr],
            format!(
                "{csr}: key import failed: a certificate signing request (csr) where a key \
                 was expected"
            ),
        ),
        (
            &[
                "decrypt",
                "--token",
                &token,
                "--key",
                &cert,
                "--merchant-id",
                "m",
            ],
            format!("{cert}: key import failed: a certificate where a key was expected"),
        ),
        (
            &["decrypt", "--token", &token, "--key", &key, "--cert", &key],
            format!("{key}: key import failed: a private key where a certificate was expected"),
        ),
        (
            &[
                "verify",
                "--at-signing-time",
                "--token",
                &token,
                "--root",
                &key,
            ],
            format!("{key}: key import failed: a private key where a certificate was expected"),
        ),
    ];
    for (args, message) in cases {
        assert_eq!(
            fails(args),
            format!("error: key_import: {message}"),
            "{args:?}"
        );
    }
    // A token or event file that is no token: named too.
    let line = fails(&["verify", "--at-signing-time", "--token", &cert]);
    assert!(
        line.starts_with(&format!("error: malformed: {cert}: ")),
        "{line}"
    );
    let line = fails(&[
        "merchant-token",
        "decrypt-metadata",
        "--event",
        &cert,
        "--key",
        &key,
        "--merchant-id",
        "m",
    ]);
    assert!(
        line.starts_with(&format!("error: malformed: {cert}: ")),
        "{line}"
    );
}

#[test]
fn decryption_failed_after_merchant_id_hints_at_the_merchant_id() {
    let token = arg(&vector_file("gala-current", "token.json"));
    let key = arg(&vector_file("gala-current", "merchant_key.pem"));
    let decrypt = |merchant_id: &str| {
        applepay()
            .args([
                "decrypt",
                "--at-signing-time",
                "--token",
                &token,
                "--key",
                &key,
            ])
            .args(["--merchant-id", merchant_id])
            .output()
            .unwrap()
    };
    let right = decrypt("merchant.test.spreedly.123merchant");
    assert_eq!(right.status.code(), Some(0), "{right:?}");
    let wrong = decrypt("merchant.com.example.wrong");
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert_eq!(
        first_stderr_line(&wrong),
        "error: decryption_failed: decryption failed with the key paired with --merchant-id \
         \"merchant.com.example.wrong\": the merchant id may be wrong (it must be the one in \
         the key's Payment Processing certificate; or give that certificate with --cert)"
    );
    // With a certificate there is no merchant id to doubt: a tampered token says no more.
    let output = applepay()
        .args(["decrypt", "--skip-verify", "--token"])
        .arg(vector_file("err-tampered-data", "token.json"))
        .arg("--key")
        .arg(vector_file("err-tampered-data", "merchant_key.pem"))
        .arg("--cert")
        .arg(vector_file("err-tampered-data", "merchant_cert.pem"))
        .output()
        .unwrap();
    assert_eq!(
        first_stderr_line(&output),
        "error: decryption_failed: decryption failed"
    );
}

#[test]
fn the_at_signing_time_warning_follows_only_a_successful_verification() {
    let token = vector_file("gala-current", "token.json");
    let warning = "warning: verified as of the token's signing time (--at-signing-time): \
                   replays are not detected";
    let verify = |extra: &[&str], token: &std::path::Path| {
        applepay()
            .args(["verify", "--at-signing-time", "--token"])
            .arg(token)
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = verify(&[], &token);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stderr).contains(warning));
    // Another root: the chain fails, nothing was verified.
    let test_root = arg(&vector_file("synthetic-appdata", "test_root.pem"));
    let untrusted = verify(&["--root", &test_root], &token);
    assert_eq!(untrusted.status.code(), Some(1), "{untrusted:?}");
    assert!(!String::from_utf8_lossy(&untrusted.stderr).contains("warning"));
    // No token file at all.
    let missing = verify(&[], std::path::Path::new("/nonexistent/token.json"));
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    assert!(!String::from_utf8_lossy(&missing.stderr).contains("warning"));
    // decrypt: the same.
    let key = arg(&vector_file("gala-current", "merchant_key.pem"));
    let decrypt = |extra: &[&str]| {
        applepay()
            .args(["decrypt", "--at-signing-time", "--token"])
            .arg(&token)
            .args([
                "--key",
                &key,
                "--merchant-id",
                "merchant.test.spreedly.123merchant",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(String::from_utf8_lossy(&decrypt(&[]).stderr).contains(warning));
    let untrusted = decrypt(&["--root", &test_root]);
    assert_eq!(untrusted.status.code(), Some(1), "{untrusted:?}");
    assert!(!String::from_utf8_lossy(&untrusted.stderr).contains("warning"));
}
