//! `applepay merchant-token …` and `applepay keygen --p384`: every vector of
//! `test-vectors/merchant-token/` through `decrypt-metadata`, and what the usage commands
//! seal opened by pyhpke, an HPKE implementation this crate does not use.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64ct::{Base64, Encoding};
use common::Expected;
use common::merchant_token::MetadataVector;

fn applepay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_applepay"))
}

fn run(args: &[&str]) -> Output {
    applepay().args(args).output().expect("applepay runs")
}

/// A token error as scripts see it: exit 1, nothing on stdout, stderr `error: <kind>: …`.
fn assert_error(output: &Output, kind: &str, name: &str) {
    assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
    assert!(output.stdout.is_empty(), "{name}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: {kind}: ")),
        "{name}: {stderr}"
    );
}

fn decrypt_metadata_args(vector: &MetadataVector) -> Vec<String> {
    let mut args: Vec<String> = ["merchant-token", "decrypt-metadata", "--event"]
        .map(String::from)
        .into();
    args.push(vector.metadata.display().to_string());
    args.extend(["--key".into(), vector.key.display().to_string()]);
    match (&vector.cert, &vector.merchant_id) {
        (Some(cert), _) => args.extend(["--cert".into(), cert.display().to_string()]),
        (None, Some(id)) => args.extend(["--merchant-id".into(), id.clone()]),
        (None, None) => panic!("{}: no identity", vector.name),
    }
    args.extend(["--root".into(), vector.root.display().to_string()]);
    match &vector.verify_at {
        Some(at) => args.extend(["--at".into(), at.clone()]),
        None => args.push("--at-signing-time".into()),
    }
    args
}

#[test]
fn every_metadata_vector_through_decrypt_metadata() {
    for vector in common::merchant_token::all() {
        let output = applepay()
            .args(decrypt_metadata_args(&vector))
            .output()
            .unwrap();
        match &vector.expected {
            Expected::Plaintext(want) => {
                assert_eq!(output.status.code(), Some(0), "{}: {output:?}", vector.name);
                assert_eq!(&output.stdout, want, "{}", vector.name);
            }
            Expected::Error(kind) => assert_error(&output, kind, &vector.name),
        }
    }
}

#[test]
fn metadata_on_stdin_and_apple_root_by_default() {
    let vector = common::merchant_token::all()
        .into_iter()
        .find(|v| v.name.ends_with("/ec-v1"))
        .unwrap();
    let mut child = applepay()
        .args([
            "merchant-token",
            "decrypt-metadata",
            "--event",
            "-",
            "--key",
            &vector.key.display().to_string(),
            "--cert",
            &vector.cert.as_ref().unwrap().display().to_string(),
            "--at-signing-time",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&vector.metadata).unwrap())
        .unwrap();
    // Without --root the test PKI is not trusted.
    assert_error(
        &child.wait_with_output().unwrap(),
        "certificate_chain",
        "apple root",
    );
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "applepay-merchant-token-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `keygen --p384 --out FILE`, and the key as the library reads it.
fn keygen_p384(path: &Path) -> applepay_crypto::UsageKey {
    let output = run(&["keygen", "--p384", "--out", &path.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let pem = std::fs::read(path).unwrap();
    assert!(pem.starts_with(b"-----BEGIN PRIVATE KEY-----"));
    applepay_crypto::UsageKey::from_pem_or_der(&pem).unwrap()
}

/// The python of the virtual environment `.ci/run` makes with pyhpke in it (or
/// `PYHPKE_PYTHON`). Missing is a failure that says how to make it, never a skip.
fn pyhpke_python() -> PathBuf {
    let python = std::env::var_os("PYHPKE_PYTHON").map_or_else(
        || common::vectors_dir().join("../.venv-pyhpke/bin/python3"),
        PathBuf::from,
    );
    let works = Command::new(&python)
        .args(["-c", "import pyhpke, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        works,
        "no python with pyhpke at {}: run `python3 -m venv .venv-pyhpke && \
         .venv-pyhpke/bin/pip install pyhpke` at the repository root (as .ci/run does), \
         or set PYHPKE_PYTHON to a python that has it",
        python.display()
    );
    python
}

/// Opens `document` with pyhpke (`tests/support/pyhpke_open.py`), which also checks the
/// document's hash and key fields; returns the plaintext.
fn pyhpke_open(document: &[u8], token_id: &str, recipient: &Path, merchant: &Path) -> Vec<u8> {
    let request = serde_json::json!({
        "document": serde_json::from_slice::<serde_json::Value>(document).unwrap(),
        "token_id": token_id,
        "recipient_key_pem": std::fs::read_to_string(recipient).unwrap(),
        "merchant_key_pem": std::fs::read_to_string(merchant).unwrap(),
    });
    let script = common::vectors_dir().join("../tests/support/pyhpke_open.py");
    let mut child = Command::new(pyhpke_python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "pyhpke: {output:?}");
    output.stdout
}

#[test]
fn what_the_usage_commands_seal_opens_with_pyhpke() {
    let scratch = Scratch::new("usage");
    let (merchant_path, token_path) = (scratch.path("merchant.pem"), scratch.path("token.pem"));
    keygen_p384(&merchant_path);
    let token = keygen_p384(&token_path);
    let token_public = Base64::encode_string(token.public_key_x963());
    let token_id = "DNITHE302312345678901234";
    let merchant = merchant_path.display().to_string();

    let auth = scratch.path("auth.txt");
    std::fs::write(&auth, "opaque-token/\u{e9}\"\n").unwrap();
    let output = run(&[
        "merchant-token",
        "usage-metadata",
        "--token-id",
        token_id,
        "--merchant-key",
        &merchant,
        "--token-public-key",
        &token_public,
        "--web-service-url",
        "https://merchant.example/applepay/usage",
        "--authentication-token-file",
        &auth.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let plaintext = pyhpke_open(&output.stdout, token_id, &token_path, &merchant_path);
    let json: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "webServiceURL": "https://merchant.example/applepay/usage",
            "authenticationToken": "opaque-token/\u{e9}\"",
        })
    );

    let package = scratch.path("package.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    std::fs::write(&package, &bytes).unwrap();
    let output = run(&[
        "merchant-token",
        "usage-package",
        "--token-id",
        token_id,
        "--merchant-key",
        &merchant,
        "--token-public-key",
        &token_public,
        "--in",
        &package.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        pyhpke_open(&output.stdout, token_id, &token_path, &merchant_path),
        bytes
    );
}

#[test]
fn usage_commands_refuse_keys_of_the_wrong_kind() {
    let scratch = Scratch::new("refuse");
    let merchant_path = scratch.path("merchant.pem");
    let merchant = keygen_p384(&merchant_path);
    let good_token = Base64::encode_string(merchant.public_key_x963());
    let p256_key = common::vectors_dir().join("gala-current/merchant_key.pem");
    let p256_public = Base64::encode_string(
        applepay_crypto::PrivateKey::from_pem_or_der(&std::fs::read(&p256_key).unwrap())
            .unwrap()
            .public_key_spki_der(),
    );
    let junk = scratch.path("junk.pem");
    std::fs::write(&junk, "not a key").unwrap();
    let package = scratch.path("package.bin");
    std::fs::write(&package, b"usage").unwrap();
    let usage_package = |key: &Path, token: &str| {
        run(&[
            "merchant-token",
            "usage-package",
            "--token-id",
            "id",
            "--merchant-key",
            &key.display().to_string(),
            "--token-public-key",
            token,
            "--in",
            &package.display().to_string(),
        ])
    };
    assert_error(
        &usage_package(&merchant_path, &p256_public),
        "invalid_parameter",
        "P-256 token key",
    );
    assert_error(
        &usage_package(&merchant_path, "AAAA"),
        "invalid_parameter",
        "junk token key",
    );
    assert_error(
        &usage_package(&p256_key, &good_token),
        "invalid_parameter",
        "P-256 merchant key",
    );
    assert_error(&usage_package(&junk, &good_token), "key_import", "junk key");
    assert_eq!(
        usage_package(&merchant_path, &good_token).status.code(),
        Some(0)
    );
}
