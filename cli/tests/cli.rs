//! The `applepay` binary: every vector through `applepay decrypt` (and, where it verifies,
//! `applepay verify`), plus the usage errors scripts rely on.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Expected, Vector, VerifyMode};

fn applepay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_applepay"))
}

fn decrypt_args(vector: &Vector) -> Vec<String> {
    let mut args = vec![
        "decrypt".to_owned(),
        "--token".to_owned(),
        vector.token.display().to_string(),
        "--key".to_owned(),
        vector.key.display().to_string(),
    ];
    if let Some(cert) = &vector.cert {
        args.extend(["--cert".to_owned(), cert.display().to_string()]);
    }
    if let Some(id) = &vector.merchant_id {
        args.extend(["--merchant-id".to_owned(), id.clone()]);
    }
    args.extend(verify_args(vector));
    args
}

/// The verification flags a vector's `case.txt` asks for.
fn verify_args(vector: &Vector) -> Vec<String> {
    let mut args = Vec::new();
    match &vector.verify {
        VerifyMode::Skip => return vec!["--skip-verify".to_owned()],
        VerifyMode::SigningTime => args.push("--at-signing-time".to_owned()),
        VerifyMode::At(at) => args.extend([
            "--at".to_owned(),
            at.clone(),
            "--max-age".to_owned(),
            vector.max_age.to_string(),
        ]),
    }
    if let Some(root) = &vector.root {
        args.extend(["--root".to_owned(), root.display().to_string()]);
    }
    args
}

/// A token error as scripts see it: exit 1, nothing on stdout, and stderr's first line
/// `error: <kind>: …`.
fn assert_token_error(output: &Output, kind: &str, name: &str) {
    assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
    assert!(output.stdout.is_empty(), "{name}");
    let line = first_stderr_line(output);
    assert!(
        line.starts_with(&format!("error: {kind}: ")),
        "{name}: {line}"
    );
}

fn first_stderr_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn every_vector_through_the_cli() {
    for vector in common::all() {
        let output = applepay().args(decrypt_args(&vector)).output().unwrap();
        match &vector.expected {
            Expected::Plaintext(want) => {
                assert_eq!(output.status.code(), Some(0), "{}: {output:?}", vector.name);
                assert_eq!(&output.stdout, want, "{}", vector.name);
            }
            Expected::Error(kind) => {
                assert_token_error(&output, kind, &vector.name);
            }
        }
    }
}

#[test]
fn every_vector_through_verify() {
    for vector in common::all() {
        if vector.verify == VerifyMode::Skip {
            continue;
        }
        let output = applepay()
            .args(["verify", "--token"])
            .arg(&vector.token)
            .args(verify_args(&vector))
            .output()
            .unwrap();
        let kind = match &vector.expected {
            Expected::Error(kind)
                if !vector.verifies
                    && [
                        "signature",
                        "certificate_chain",
                        "signing_time",
                        "malformed",
                    ]
                    .contains(&kind.as_str()) =>
            {
                kind
            }
            // Errors after verification (keys, decryption): the signature holds.
            _ => {
                assert_eq!(output.status.code(), Some(0), "{}: {output:?}", vector.name);
                let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
                for field in ["signing_time", "leaf_subject", "leaf_not_after"] {
                    assert!(json[field].is_string(), "{}: {json}", vector.name);
                }
                continue;
            }
        };
        assert_token_error(&output, kind, &vector.name);
    }
}

#[test]
fn verify_prints_what_was_verified() {
    let v = vector("gala-current");
    let output = applepay()
        .args(["verify", "--at", "2021-09-01T19:04:06Z", "--token"])
        .arg(&v.token)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        concat!(
            r#"{"signing_time":"2021-09-01T19:03:06Z","#,
            r#""leaf_subject":"C=US,O=Apple Inc.,OU=iOS Systems,CN=ecc-smp-broker-sign_UC4-PROD","#,
            r#""leaf_not_after":"2024-05-16T01:32:57Z"}"#,
            "\n"
        )
    );
}

/// The real tokens (Apple's and the interop set's synthetic ones).
const REAL: [&str; 4] = [
    "gala-current",
    "gala-2015",
    "synthetic-appdata",
    "synthetic-leading-zero",
];

fn with_root(args: &mut Vec<String>, vector: &Vector) {
    if let Some(root) = &vector.root {
        args.extend(["--root".to_owned(), root.display().to_string()]);
    }
}

#[test]
fn real_tokens_decrypt_a_minute_after_signing_and_fail_today() {
    for name in REAL {
        let v = vector(name);
        let mut args = vec![
            "verify".to_owned(),
            "--at-signing-time".to_owned(),
            "--token".to_owned(),
        ];
        args.push(v.token.display().to_string());
        with_root(&mut args, &v);
        let output = applepay().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let signed =
            applepay_crypto::UnixTime::parse_rfc3339(json["signing_time"].as_str().unwrap())
                .unwrap();

        let decrypt = |at: &str| {
            let mut args = decrypt_args(&v);
            args.retain(|a| a != "--at-signing-time");
            args.extend(["--at".to_owned(), at.to_owned()]);
            applepay().args(args).output().unwrap()
        };
        let later = decrypt(&signed.saturating_add_secs(60).to_string());
        assert_eq!(later.status.code(), Some(0), "{name}: {later:?}");
        let Expected::Plaintext(want) = &v.expected else {
            panic!("{name}")
        };
        assert_eq!(&later.stdout, want, "{name}");

        let today = decrypt("2026-11-23T12:00:00Z");
        assert_eq!(today.status.code(), Some(1), "{name}: {today:?}");
        let line = first_stderr_line(&today);
        assert!(
            line.starts_with("error: signing_time: ")
                || line.starts_with("error: certificate_chain: "),
            "{name}: {line}"
        );
    }
}

#[test]
fn decrypt_verifies_by_default_against_the_current_time() {
    // Apple's 2021 token is far too old today (and its leaf has expired).
    let v = vector("gala-current");
    let mut args = decrypt_args(&v);
    args.retain(|a| a != "--at-signing-time");
    let output = applepay().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = first_stderr_line(&output);
    assert!(
        line.starts_with("error: signing_time: ") || line.starts_with("error: certificate_chain: "),
        "{line}"
    );
}

#[test]
fn verification_flags_are_checked() {
    let v = vector("gala-current");
    for extra in [
        &["--skip-verify", "--at-signing-time"][..],
        &["--skip-verify", "--at", "2021-09-01T19:04:06Z"],
        &["--at", "yesterday"],
        &["--at-signing-time", "--at", "2021-09-01T19:04:06Z"],
        &["--max-age", "-5"],
    ] {
        let output = applepay()
            .args(["decrypt", "--token"])
            .arg(&v.token)
            .arg("--key")
            .arg(&v.key)
            .arg("--cert")
            .arg(v.cert.as_ref().unwrap())
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {output:?}");
    }
}

#[test]
fn root_replaces_the_apple_root() {
    let v = vector("gala-current");
    let test_root = vector("synthetic-appdata").root.unwrap();
    let output = applepay()
        .args(["verify", "--at-signing-time", "--token"])
        .arg(&v.token)
        .arg("--root")
        .arg(&test_root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(first_stderr_line(&output).starts_with("error: certificate_chain: "));
}

fn vector(name: &str) -> Vector {
    common::all().into_iter().find(|v| v.name == name).unwrap()
}

#[test]
fn token_from_stdin() {
    let v = vector("gala-current");
    let mut args = decrypt_args(&v);
    args[2] = "-".to_owned();
    let mut child = applepay()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&v.token).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let Expected::Plaintext(want) = v.expected else {
        panic!()
    };
    assert_eq!(output.stdout, want);
}

#[test]
fn key_without_certificate_or_merchant_id_is_a_usage_error() {
    let v = vector("gala-current");
    let output = applepay()
        .args(["decrypt", "--token"])
        .arg(&v.token)
        .arg("--key")
        .arg(&v.key)
        .arg("--skip-verify")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn certificate_matching_no_key_is_a_usage_error() {
    let v = vector("gala-current");
    let other = vector("gala-2015");
    let output = applepay()
        .args(["decrypt", "--token"])
        .arg(&v.token)
        .arg("--key")
        .arg(&v.key)
        .arg("--cert")
        .arg(v.cert.as_ref().unwrap())
        .arg("--cert")
        .arg(other.cert.as_ref().unwrap())
        .arg("--skip-verify")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn several_keys_pick_the_right_one() {
    let v = vector("gala-current");
    let other = vector("gala-2015");
    let output = applepay()
        .args(["decrypt", "--token"])
        .arg(&v.token)
        .args([
            "--key".as_ref(),
            other.key.as_os_str(),
            "--key".as_ref(),
            v.key.as_os_str(),
        ])
        .args(["--cert".as_ref(), other.cert.as_ref().unwrap().as_os_str()])
        .args(["--cert".as_ref(), v.cert.as_ref().unwrap().as_os_str()])
        .arg("--skip-verify")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn unreadable_files_are_usage_errors_and_bad_keys_are_key_import() {
    let v = vector("gala-current");
    let missing = applepay()
        .args(["decrypt", "--token", "/nonexistent/token.json", "--key"])
        .arg(&v.key)
        .args(["--merchant-id", "m", "--skip-verify"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
    let bad_key = applepay()
        .args(["decrypt", "--token"])
        .arg(&v.token)
        .arg("--key")
        .arg(&v.token)
        .args(["--merchant-id", "m", "--skip-verify"])
        .output()
        .unwrap();
    assert_eq!(bad_key.status.code(), Some(1), "{bad_key:?}");
    assert!(first_stderr_line(&bad_key).starts_with("error: key_import: "));
}

/// EC and RSA keys in one invocation: each token finds its key by public key hash.
#[test]
fn ec_and_rsa_keys_together_decrypt_both_versions() {
    let dir = common::vectors_dir();
    let ec = dir.join("minted-der");
    let rsa = dir.join("minted-rsa-v1-ber");
    for token in [&ec, &rsa] {
        let output = applepay()
            .arg("decrypt")
            .arg("--token")
            .arg(token.join("token.json"))
            .args(["--key".as_ref(), ec.join("merchant_key.pem").as_os_str()])
            .args(["--cert".as_ref(), ec.join("merchant_cert.pem").as_os_str()])
            .args(["--key".as_ref(), rsa.join("merchant_key.pem").as_os_str()])
            .args(["--cert".as_ref(), rsa.join("merchant_cert.pem").as_os_str()])
            .args(["--root".as_ref(), ec.join("test_root.pem").as_os_str()])
            .arg("--at-signing-time")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert_eq!(
            output.stdout,
            std::fs::read(token.join("expected.json")).unwrap()
        );
    }
}
