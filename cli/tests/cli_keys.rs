//! Keys as users hold them, through the CLI: `.p12` bundles (OpenSSL 3's default AES-256
//! PBES2, and `-legacy` 3DES/RC2-40 as older Keychain exports write them) and encrypted
//! PKCS#8, with the password from `--password-file` or `APPLEPAY_KEY_PASSWORD`, for every
//! command that reads a key. The files are made here, by the `openssl` command-line tool,
//! from the simulator's merchant key and certificate in `test-vectors/minted-ber/`.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The password of every file made here (a space inside, nothing trimmed but the newline).
const PASSWORD: &str = "correct horse";

fn applepay() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_applepay"));
    command.env_remove("APPLEPAY_KEY_PASSWORD");
    command
}

/// A fresh directory with the files every test uses.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("applepay-cli-keys-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let vector = common::vectors_dir().join("minted-ber");
        for file in [
            "merchant_key.pem",
            "merchant_cert.pem",
            "test_root.pem",
            "token.json",
            "expected.json",
        ] {
            fs::copy(vector.join(file), dir.join(file)).unwrap();
        }
        // First line is the password; the rest is ignored.
        fs::write(
            dir.join("pw.txt"),
            format!("{PASSWORD}\nnot the password\n"),
        )
        .unwrap();
        fs::write(dir.join("pw-crlf.txt"), format!("{PASSWORD}\r\n")).unwrap();
        fs::write(dir.join("wrong.txt"), "wrong horse\n").unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Runs `openssl` in the directory; the test fails (never skips) without it.
    fn openssl(&self, args: &[&str]) {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("the openssl command-line tool is installed (.ci/run installs it)");
        assert!(output.status.success(), "openssl {args:?}: {output:?}");
    }

    /// `modern.p12` (key and certificate), OpenSSL 3's default: PBES2, PBKDF2, AES-256-CBC.
    fn p12_modern(&self) -> String {
        self.openssl(&[
            "pkcs12",
            "-export",
            "-inkey",
            "merchant_key.pem",
            "-in",
            "merchant_cert.pem",
            "-passout",
            "file:pw.txt",
            "-out",
            "modern.p12",
        ]);
        let info = self.p12_info("modern.p12", &[]);
        assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
        self.arg("modern.p12")
    }

    /// What `openssl pkcs12 -info` says about a file's encryption.
    fn p12_info(&self, file: &str, extra: &[&str]) -> String {
        let dump = Command::new("openssl")
            .args([
                "pkcs12",
                "-info",
                "-noout",
                "-passin",
                "file:pw.txt",
                "-in",
                file,
            ])
            .args(extra)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&dump.stderr).into_owned()
    }

    /// `legacy.p12`: 3DES for the key, RC2-40 for the certificate, SHA-1 MAC, as Keychain
    /// Access and OpenSSL 1.x write them.
    fn p12_legacy(&self) -> String {
        self.openssl(&[
            "pkcs12",
            "-export",
            "-legacy",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-macalg",
            "sha1",
            "-inkey",
            "merchant_key.pem",
            "-in",
            "merchant_cert.pem",
            "-passout",
            "file:pw.txt",
            "-out",
            "legacy.p12",
        ]);
        let info = self.p12_info("legacy.p12", &["-legacy"]);
        assert!(info.contains("pbeWithSHA1And40BitRC2-CBC"), "{info}");
        assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
        self.arg("legacy.p12")
    }

    /// The key as encrypted PKCS#8 (PBES2, AES-256-CBC), PEM or DER.
    fn encrypted_pkcs8(&self, der: bool) -> String {
        let out = if der { "key.enc.der" } else { "key.enc.pem" };
        self.openssl(&[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            "merchant_key.pem",
            "-passout",
            "file:pw.txt",
            "-outform",
            if der { "DER" } else { "PEM" },
            "-out",
            out,
        ]);
        self.arg(out)
    }

    /// `decrypt` of the minted token with `key`, as of its signing time and its test root.
    fn decrypt(&self, key: &str, extra: &[&str]) -> Command {
        let mut command = applepay();
        command.args([
            "decrypt",
            "--token",
            &self.arg("token.json"),
            "--key",
            key,
            "--at-signing-time",
            "--root",
            &self.arg("test_root.pem"),
        ]);
        command.args(extra);
        command
    }

    fn expected(&self) -> Vec<u8> {
        fs::read(self.path("expected.json")).unwrap()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn assert_plaintext(output: &Output, want: &[u8]) {
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(output.stdout, want);
}

fn first_stderr_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// exit 1, nothing on stdout, `error: key_import: …` first.
fn assert_key_import(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty());
    let line = first_stderr_line(output);
    assert!(line.starts_with("error: key_import: "), "{line}");
    line
}

#[test]
fn p12_with_its_certificate_needs_no_cert_flag() {
    let files = Files::new("p12");
    for p12 in [files.p12_modern(), files.p12_legacy()] {
        for pw in ["pw.txt", "pw-crlf.txt"] {
            let output = files
                .decrypt(&p12, &["--password-file", &files.arg(pw)])
                .output()
                .unwrap();
            assert_plaintext(&output, &files.expected());
        }
        let output = files
            .decrypt(&p12, &[])
            .env("APPLEPAY_KEY_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert_plaintext(&output, &files.expected());
    }
}

#[test]
fn p12_in_batch_mode() {
    let files = Files::new("batch");
    let p12 = files.p12_legacy();
    let mut line = fs::read(files.path("token.json")).unwrap();
    line.retain(|&b| b != b'\n');
    line.push(b'\n');
    fs::write(files.path("batch.txt"), [line.clone(), line].concat()).unwrap();
    let mut command = applepay();
    command.args([
        "decrypt",
        "--batch",
        &files.arg("batch.txt"),
        "--key",
        &p12,
        "--at-signing-time",
        "--root",
        &files.arg("test_root.pem"),
        "--password-file",
        &files.arg("pw.txt"),
    ]);
    let output = command.output().unwrap();
    let mut want = files.expected();
    want.push(b'\n');
    assert_plaintext(&output, &[want.clone(), want].concat());
}

#[test]
fn encrypted_pkcs8_pem_and_der() {
    let files = Files::new("pkcs8");
    for key in [files.encrypted_pkcs8(false), files.encrypted_pkcs8(true)] {
        let cert = files.arg("merchant_cert.pem");
        let output = files
            .decrypt(
                &key,
                &["--cert", &cert, "--password-file", &files.arg("pw.txt")],
            )
            .output()
            .unwrap();
        assert_plaintext(&output, &files.expected());
        let output = files
            .decrypt(&key, &["--cert", &cert])
            .env("APPLEPAY_KEY_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert_plaintext(&output, &files.expected());
    }
}

#[test]
fn missing_password_says_the_file_needs_one() {
    let files = Files::new("missing");
    let cert = files.arg("merchant_cert.pem");
    for key in [
        files.p12_modern(),
        files.p12_legacy(),
        files.encrypted_pkcs8(false),
        files.encrypted_pkcs8(true),
    ] {
        let output = files.decrypt(&key, &["--cert", &cert]).output().unwrap();
        let line = assert_key_import(&output);
        assert!(line.contains("needs a password"), "{line}");
        assert!(line.contains("--password-file"), "{line}");
        assert!(line.contains("APPLEPAY_KEY_PASSWORD"), "{line}");
    }
}

#[test]
fn wrong_password_is_key_import() {
    let files = Files::new("wrong");
    let cert = files.arg("merchant_cert.pem");
    for key in [
        files.p12_modern(),
        files.p12_legacy(),
        files.encrypted_pkcs8(false),
        files.encrypted_pkcs8(true),
    ] {
        let output = files
            .decrypt(
                &key,
                &["--cert", &cert, "--password-file", &files.arg("wrong.txt")],
            )
            .output()
            .unwrap();
        let line = assert_key_import(&output);
        assert!(line.contains("wrong password"), "{line}");
        let output = files
            .decrypt(&key, &["--cert", &cert])
            .env("APPLEPAY_KEY_PASSWORD", "wrong horse")
            .output()
            .unwrap();
        assert_key_import(&output);
    }
}

#[test]
fn a_password_is_never_a_command_line_value() {
    let files = Files::new("flag");
    let p12 = files.p12_modern();
    let output = files
        .decrypt(&p12, &["--password", PASSWORD])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let output = files
        .decrypt(&p12, &["--password-file", &files.arg("no-such-file")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

/// Runs a command with the password file and returns its stdout as text.
fn run_ok(mut command: Command, files: &Files) -> String {
    let output = command
        .args(["--password-file", &files.arg("pw.txt")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn hash_csr_and_cert_read_protected_keys() {
    let files = Files::new("onboarding");
    let mut command = applepay();
    command.args(["hash", &files.arg("merchant_key.pem")]);
    let want = run_ok(command, &files);
    let keys = [
        files.p12_modern(),
        files.p12_legacy(),
        files.encrypted_pkcs8(false),
        files.encrypted_pkcs8(true),
    ];
    for key in &keys {
        let mut command = applepay();
        command.args(["hash", key]);
        assert_eq!(run_ok(command, &files), want, "{key}");

        let mut command = applepay();
        command.args(["csr", "--key", key]);
        let csr = run_ok(command, &files);
        assert!(
            csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
            "{csr}"
        );
        let csr_path = files.path("request.csr");
        fs::write(&csr_path, &csr).unwrap();
        let mut command = applepay();
        command.args(["hash", &csr_path.display().to_string()]);
        assert_eq!(run_ok(command, &files), want, "{key}");

        let mut command = applepay();
        command.args(["cert", &files.arg("merchant_cert.pem"), "--key", key]);
        let report: serde_json::Value = serde_json::from_str(&run_ok(command, &files)).unwrap();
        assert_eq!(
            report["matching_key"],
            serde_json::Value::from(key.as_str()),
            "{report}"
        );
    }
    // Unprotected files still need no password.
    let mut command = applepay();
    command.args(["hash", &files.arg("merchant_key.pem")]);
    assert_eq!(command.output().unwrap().status.code(), Some(0));
}

#[test]
fn oversized_key_and_password_files_are_usage_errors() {
    let files = Files::new("oversized");
    let big = files.path("big");
    fs::write(&big, vec![b'A'; 1024 * 1024 + 1]).unwrap();
    let big = big.display().to_string();
    let cert = files.arg("merchant_cert.pem");
    for args in [
        vec!["hash", big.as_str()],
        vec!["csr", "--key", big.as_str()],
    ] {
        let output = applepay().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(first_stderr_line(&output).contains("larger than 1 MiB"));
    }
    let key = files.encrypted_pkcs8(false);
    let output = files
        .decrypt(&key, &["--cert", &cert, "--password-file", &big])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(first_stderr_line(&output).contains("larger than 1 MiB"));
}
