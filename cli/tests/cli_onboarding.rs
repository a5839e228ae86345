//! The onboarding subcommands of the `applepay` binary: keygen → csr → hash round trips,
//! `hash` of every onboarding vector, `cert` reports, and `validation-url`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_applepay");

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors")
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("applepay-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn keygen_csr_hash_round_trip() {
    let dir = TempDir::new("keygen");
    for (name, rsa) in [("p256.pem", false), ("rsa.pem", true)] {
        let key = dir.path(name);
        let mut args = vec!["keygen", "--out", &key];
        if rsa {
            args.push("--rsa");
        }
        let out = run(&args);
        assert_eq!(stdout(&out), "");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{name}");
        // Never overwrites a key.
        let again = run(&args);
        assert_eq!(again.status.code(), Some(2), "{name}");
        assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);

        let csr = stdout(&run(&[
            "csr",
            "--key",
            &key,
            "--cn",
            "Test",
            "--org",
            "Example",
            "--country",
            "US",
        ]));
        assert!(
            csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"),
            "{csr}"
        );
        let csr_path = dir.path(&format!("{name}.csr"));
        std::fs::write(&csr_path, &csr).unwrap();

        if let Ok(out) = Command::new("openssl")
            .args(["req", "-verify", "-noout", "-in", &csr_path])
            .output()
        {
            let verdict = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && verdict.contains("verify OK"),
                "{name}: {verdict}"
            );
        } else {
            eprintln!("openssl not found: skipping `openssl req -verify` of the CLI's CSR");
        }

        let key_hash = stdout(&run(&["hash", &key]));
        assert_eq!(key_hash.len(), 45, "{key_hash:?}");
        assert!(key_hash.ends_with('\n'));
        assert_eq!(stdout(&run(&["hash", &csr_path])), key_hash, "{name}");
    }
}

#[test]
fn keygen_to_stdout() {
    let pem = stdout(&run(&["keygen"]));
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
}

#[test]
fn hash_of_every_vector_equals_openssl() {
    let expected =
        std::fs::read_to_string(vectors().join("onboarding/expected-hashes.txt")).unwrap();
    for line in expected.lines() {
        let (file, hash) = line.split_once(' ').unwrap();
        if file.contains("encrypted") {
            continue; // needs a password
        }
        let path = vectors().join("onboarding").join(file);
        let out = stdout(&run(&["hash", path.to_str().unwrap()]));
        assert_eq!(out, format!("{hash}\n"), "{file}");
    }
}

#[test]
fn hash_errors() {
    let path = vectors().join("onboarding/p256.encrypted.pem");
    let out = run(&["hash", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: key_import: "));
    let readme = vectors().join("README.md");
    let out = run(&["hash", readme.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["hash", "/nonexistent/file"]);
    assert_eq!(out.status.code(), Some(2));
}

fn cert_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["cert"];
    all.extend_from_slice(args);
    let text = stdout(&run(&all));
    assert_eq!(text.lines().count(), 1, "{text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn cert_reports_each_kind_and_status() {
    let v = |p: &str| vectors().join(p).to_str().unwrap().to_owned();
    let (p256, rsa) = (v("onboarding/p256.sec1.pem"), v("onboarding/rsa.pkcs1.der"));
    let pp = cert_json(&[
        &v("onboarding/pp-chain.pem"),
        "--at",
        "2026-01-01T00:00:00Z",
        "--key",
        &rsa,
        "--key",
        &p256,
    ]);
    assert_eq!(
        pp,
        serde_json::json!({
            "kind": "payment_processing",
            "merchant_id": "merchant.com.example.onboard",
            "merchant_id_hash": std::fs::read_to_string(v("onboarding/merchant_id_hash.txt")).unwrap(),
            "subject": "C=US,O=Example,OU=TESTTEAM01,CN=Apple Pay Payment Processing:merchant.com.example.onboard,UID=merchant.com.example.onboard",
            "not_before": "2025-01-01T00:00:00Z",
            "not_after": "2027-02-01T00:00:00Z",
            "status": "active",
            "public_key_hash": "pgGNY84sdjwZxs4rj6oKs5MuUqprt1TgcP+PJ/QaD0A=",
            "matching_key": p256,
        })
    );
    let early = cert_json(&[&v("onboarding/pp.der"), "--at", "2024-06-01T00:00:00Z"]);
    assert_eq!(early["status"], "not_yet_valid");
    assert_eq!(early["matching_key"], serde_json::Value::Null);

    let identity = cert_json(&[
        &v("onboarding/identity.pem"),
        "--at",
        "2030-01-01T00:00:00Z",
        "--key",
        &rsa,
    ]);
    assert_eq!(identity["kind"], "merchant_identity");
    assert_eq!(identity["status"], "expired");
    assert_eq!(identity["matching_key"], rsa.as_str());

    let other = cert_json(&[&v("onboarding/other.pem"), "--key", &rsa]);
    assert_eq!(other["kind"], "other");
    assert_eq!(other["merchant_id"], serde_json::Value::Null);
    assert_eq!(other["merchant_id_hash"], serde_json::Value::Null);
    assert_eq!(other["status"], "expired");
    assert_eq!(other["matching_key"], serde_json::Value::Null);
}

#[test]
fn cert_reports_the_interop_merchant_id_hashes() {
    for vector in [
        "gala-2015",
        "gala-current",
        "synthetic-appdata",
        "synthetic-leading-zero",
    ] {
        let dir = vectors().join(vector);
        let key = dir.join("merchant_key.pem").to_str().unwrap().to_owned();
        let report = cert_json(&[
            dir.join("merchant_cert.pem").to_str().unwrap(),
            "--key",
            &key,
        ]);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
        let expected = meta["merchant_id_hash"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        assert_eq!(report["merchant_id_hash"], expected.as_str(), "{vector}");
        assert_eq!(report["kind"], "payment_processing", "{vector}");
        assert_eq!(report["matching_key"], key.as_str(), "{vector}");
    }
}

#[test]
fn cert_usage_errors() {
    let pp = vectors().join("onboarding/pp.pem");
    let out = run(&["cert", pp.to_str().unwrap(), "--at", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let key = vectors().join("onboarding/p256.sec1.pem");
    let out = run(&["cert", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: key_import: "));
}

#[test]
fn validation_url() {
    let out = run(&[
        "validation-url",
        "https://apple-pay-gateway.apple.com/paymentservices/startSession",
    ]);
    assert_eq!(stdout(&out), "ok\n");
    for (url, why) in [
        (
            "https://apple-pay-gateway.apple.com.evil.example/",
            "host is not an apple pay gateway",
        ),
        ("http://apple-pay-gateway.apple.com/", "scheme is not https"),
        (
            "https://apple-pay-gateway.apple.com:8443/",
            "port is not 443",
        ),
        ("https://user@apple-pay-gateway.apple.com/", "userinfo"),
        ("https://17.171.78.7/", "ip literal"),
    ] {
        let out = run(&["validation-url", url]);
        assert_eq!(out.status.code(), Some(1), "{url}");
        assert!(out.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: untrusted_validation_url: {why}\n"),
            "{url}"
        );
    }
}
