//! `applepay decrypt --batch FILE [--jobs N]` through the binary: order, error lines,
//! blank lines, exit codes, and the decrypt flags applying to every line. Tokens come
//! from the simulator (feature `test-util`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use applepay_crypto::UnixTime;
use applepay_crypto::mint::{Fault, SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use base64ct::{Base64, Encoding};

fn applepay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_applepay"))
}

struct Setup {
    dir: PathBuf,
    pki: TestPki,
    signed: UnixTime,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("applepay-batch-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = TestPki::new(b"cli batch").unwrap();
        std::fs::write(dir.join("key.pem"), pki.merchant_key_pem().unwrap()).unwrap();
        std::fs::write(dir.join("cert.pem"), pki.merchant_cert_pem().unwrap()).unwrap();
        std::fs::write(dir.join("root.pem"), pki.root_pem().unwrap()).unwrap();
        let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        Self { dir, pki, signed }
    }

    /// A minted token on one line (the simulator pretty-prints).
    fn token(&self, seed: &str, plaintext: &str, fault: Option<Fault>) -> String {
        let mut spec = TokenSpec::new(plaintext.as_bytes().to_vec(), self.signed);
        spec.ephemeral_seed = seed.as_bytes().to_vec();
        spec.fault = fault;
        let json: serde_json::Value = serde_json::from_str(&self.pki.mint(&spec).unwrap()).unwrap();
        json.to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn run(&self, batch: &str, extra: &[&str]) -> Output {
        let file = self.dir.join("batch.txt");
        std::fs::write(&file, batch).unwrap();
        let mut command = applepay();
        command
            .args(["decrypt", "--batch", &file.display().to_string()])
            .args(["--key", &self.path("key.pem")])
            .args(["--cert", &self.path("cert.pem")])
            .args(["--root", &self.path("root.pem")]);
        if !extra.contains(&"--at") {
            let at = self.signed.saturating_add_secs(10).to_string();
            command.args(["--at", &at]);
        }
        command.args(extra).output().unwrap()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn plaintext(amount: u64) -> String {
    SAMPLE_PLAINTEXT.replace(
        "\"transactionAmount\":1000",
        &format!("\"transactionAmount\":{amount}"),
    )
}

#[test]
fn one_line_per_token_in_order_with_errors_inline() {
    let s = Setup::new("order");
    let good = |i: u64| s.token(&format!("e{i}"), &plaintext(i), None);
    // Every accepted shape, on one line each.
    let payment_data = serde_json::from_str::<serde_json::Value>(&good(3)).unwrap();
    // Apple's wrapper repeats the transaction id in upper case.
    let identifier = payment_data["header"]["transactionId"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let wrapped = serde_json::json!({
        "paymentData": payment_data,
        "transactionIdentifier": identifier,
    })
    .to_string();
    let base64 = Base64::encode_string(good(4).as_bytes());
    let batch = [
        good(1),
        String::new(),
        "not a token".to_owned(),
        good(2),
        "   ".to_owned(),
        wrapped,
        s.token("bad", &plaintext(9), Some(Fault::TamperedData)),
        base64,
    ]
    .join("\n")
        + "\r\n";
    let want = [
        Some(1),
        None, // malformed
        Some(2),
        Some(3),
        None, // signature
        Some(4),
    ];
    let mut outputs = Vec::new();
    for jobs in ["1", "2", "5"] {
        let output = s.run(&batch, &["--jobs", jobs]);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let got = lines(&output);
        assert_eq!(got.len(), want.len(), "{output:?}");
        for (line, want) in got.iter().zip(want) {
            match want {
                Some(amount) => assert_eq!(line["transactionAmount"], amount, "{line}"),
                None => assert!(line["error"].is_string() && line["message"].is_string()),
            }
        }
        assert_eq!(got[1]["error"], "malformed");
        assert_eq!(got[4]["error"], "signature");
        outputs.push(output.stdout);
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "jobs change the output"
    );
}

#[test]
fn all_decrypted_exits_zero_and_flags_apply() {
    let s = Setup::new("flags");
    let batch: String = (0..7)
        .map(|i| s.token(&format!("t{i}"), &plaintext(i), None) + "\n")
        .collect();
    let output = s.run(&batch, &[]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let got = lines(&output);
    assert_eq!(got.len(), 7);
    for (i, line) in got.iter().enumerate() {
        assert_eq!(line["transactionAmount"], i as u64);
    }
    // --max-age applies to every line: an hour later every token is too old.
    let late = s.signed.saturating_add_secs(3600).to_string();
    let output = s.run(&batch, &["--at", &late]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(lines(&output).iter().all(|l| l["error"] == "signing_time"));
    // A tampered token fails verification but decrypts with --skip-verify.
    let bad = s.token("bad", &plaintext(5), Some(Fault::BadMessageDigest));
    let file = Path::new(&s.dir).join("skip.txt");
    std::fs::write(&file, format!("{bad}\n")).unwrap();
    let output = applepay()
        .args([
            "decrypt",
            "--batch",
            &file.display().to_string(),
            "--skip-verify",
        ])
        .args(["--key", &s.path("key.pem"), "--cert", &s.path("cert.pem")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(lines(&output)[0]["transactionAmount"], 5);
}

#[test]
fn empty_batch_and_usage_errors() {
    let s = Setup::new("usage");
    let output = s.run("\n\n", &[]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    assert_eq!(s.run("", &["--jobs", "0"]).status.code(), Some(2));
    let output = s.run("", &["--token", "x.json"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let missing = applepay()
        .args([
            "decrypt",
            "--batch",
            &s.path("missing.txt"),
            "--key",
            &s.path("key.pem"),
        ])
        .args(["--merchant-id", "m"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}
