//! `applepay decrypt --batch` under hostile input and flags (issue #12, weakness 6): no
//! `--jobs` value panics, hangs or aborts; long lines are reported in place without being
//! buffered; memory stays bounded; a panic on one line is that line's error; every error
//! object carries its input line number.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{MAX_TOKEN_LEN, UnixTime};

/// The documented `--jobs` limit.
const MAX_JOBS: u64 = 256;

struct Setup {
    dir: std::path::PathBuf,
    pki: TestPki,
    signed: UnixTime,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "applepay-batch-limits-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = TestPki::new(b"cli batch limits").unwrap();
        std::fs::write(dir.join("key.pem"), pki.merchant_key_pem().unwrap()).unwrap();
        std::fs::write(dir.join("cert.pem"), pki.merchant_cert_pem().unwrap()).unwrap();
        std::fs::write(dir.join("root.pem"), pki.root_pem().unwrap()).unwrap();
        let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        Self { dir, pki, signed }
    }

    fn token(&self, amount: u64) -> String {
        let plaintext = SAMPLE_PLAINTEXT.replace(
            "\"transactionAmount\":1000",
            &format!("\"transactionAmount\":{amount}"),
        );
        let mut spec = TokenSpec::new(plaintext.into_bytes(), self.signed);
        spec.ephemeral_seed = format!("limits {amount}").into_bytes();
        let json: serde_json::Value = serde_json::from_str(&self.pki.mint(&spec).unwrap()).unwrap();
        json.to_string()
    }

    /// `applepay decrypt --batch -` with these extra arguments, stdin from `feed`, under
    /// `ulimit -d KiB` when given; killed (and the test failed) after a minute.
    fn run(
        &self,
        extra: &[&str],
        data_limit_kib: Option<u64>,
        feed: impl FnOnce(&mut dyn Write) + Send,
    ) -> Output {
        let bin = env!("CARGO_BIN_EXE_applepay");
        let mut command = match data_limit_kib {
            Some(kib) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("ulimit -d {kib} && exec \"$0\" \"$@\""), bin]);
                sh
            }
            None => Command::new(bin),
        };
        let path = |name: &str| self.dir.join(name).display().to_string();
        let at = self.signed.saturating_add_secs(10).to_string();
        command
            .args(["decrypt", "--batch", "-"])
            .args(["--key", &path("key.pem"), "--cert", &path("cert.pem")])
            .args(["--root", &path("root.pem"), "--at", &at])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::scope(|scope| {
            // A child that exits early closes the pipe: the feeder then just stops.
            scope.spawn(move || feed(&mut stdin));
            let deadline = Instant::now() + Duration::from_secs(60);
            let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
            let out = scope.spawn(move || std::io::read_to_string(stdout).unwrap());
            let err = scope.spawn(move || std::io::read_to_string(stderr).unwrap());
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    return Output {
                        status,
                        stdout: out.join().unwrap().into_bytes(),
                        stderr: err.join().unwrap().into_bytes(),
                    };
                }
                if Instant::now() > deadline {
                    child.kill().unwrap();
                    panic!("applepay {extra:?} did not finish within a minute");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
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

#[test]
fn jobs_beyond_the_limit_are_usage_errors() {
    let s = Setup::new("jobs");
    let token = s.token(1);
    for jobs in [
        "18446744073709551615",
        "36028797018963968", // 2^55
        "4000000000",
        "257",
        "0",
        "-1",
        "",
        "340282366920938463463374607431768211456", // 2^128
    ] {
        let output = s.run(&[&format!("--jobs={jobs}")], None, |w| {
            let _ = writeln!(w, "{token}");
        });
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--jobs {jobs}: {stderr}");
        assert!(stderr.contains("--jobs"), "--jobs {jobs}: {stderr}");
        assert!(output.stdout.is_empty(), "--jobs {jobs}");
    }
    let output = s.run(&["--jobs", &MAX_JOBS.to_string()], None, |w| {
        let _ = writeln!(w, "{token}");
    });
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(lines(&output)[0]["transactionAmount"], 1);
}

#[test]
fn long_lines_are_errors_in_place_and_the_batch_continues() {
    let s = Setup::new("long");
    let (one, two, three) = (s.token(1), s.token(2), s.token(3));
    let output = s.run(&["--jobs", "2"], None, |w| {
        let _ = writeln!(w, "{one}");
        let _ = writeln!(w, "{}", "x".repeat(1024 * 1024));
        let _ = writeln!(w);
        let _ = writeln!(w, "{two}");
        let _ = writeln!(w, "{}", "y".repeat(MAX_TOKEN_LEN + 1));
        let _ = write!(w, "{three}");
    });
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let got = lines(&output);
    assert_eq!(got.len(), 5, "{output:?}");
    assert_eq!(got[0]["transactionAmount"], 1);
    assert_eq!(got[1]["error"], "malformed");
    assert_eq!(got[1]["line"], 2);
    assert_eq!(got[2]["transactionAmount"], 2);
    assert_eq!(got[3]["error"], "malformed");
    assert_eq!(got[3]["line"], 5);
    assert_eq!(got[4]["transactionAmount"], 3);
    for i in [1, 3] {
        let message = got[i]["message"].as_str().unwrap();
        assert!(message.contains("larger than"), "{message}");
    }
}

#[test]
fn error_objects_carry_their_input_line_number_last() {
    let s = Setup::new("lineno");
    let good = s.token(7);
    let output = s.run(&[], None, |w| {
        let _ = write!(w, "\n{good}\nnot a token\n\n  \n{good}\r\n{{}}\n");
    });
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let raw: Vec<&str> = text.lines().collect();
    assert_eq!(raw.len(), 4, "{text}");
    // Fields in order: error, message, line (existing fields kept, `line` added).
    assert!(
        raw[1].starts_with(r#"{"error":"malformed","message":""#)
            && raw[1].ends_with(r#","line":3}"#),
        "{}",
        raw[1]
    );
    assert!(raw[3].ends_with(r#","line":7}"#), "{}", raw[3]);
    let got = lines(&output);
    assert_eq!(got[0]["transactionAmount"], 7);
    assert_eq!(got[2]["transactionAmount"], 7);
}

#[test]
fn memory_stays_bounded_whatever_the_lines() {
    // Before: each job buffered 512 lines of up to 1 MiB, so these 300 lines of just
    // under 1 MiB, or 3 500 lines of 60 000 bytes with 8 jobs, were all held at once
    // (300 MiB, 210 MiB). Now a line over the token limit is skipped as it streams by
    // and a block holds a bounded number of bytes: 192 MiB of data segment is plenty.
    let s = Setup::new("memory");
    let good = s.token(9);
    let output = s.run(&["--jobs", "8"], Some(192 * 1024), |w| {
        let long = "x".repeat(1024 * 1024 - 1);
        for _ in 0..300 {
            if writeln!(w, "{long}").is_err() {
                return;
            }
        }
        // Refused at the first bytes (not JSON), so the run is quick.
        let near = format!("{{{}", "x".repeat(59_999));
        for _ in 0..3500 {
            if writeln!(w, "{near}").is_err() {
                return;
            }
        }
        let _ = writeln!(w, "{good}");
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let got = lines(&output);
    assert_eq!(got.len(), 3801);
    assert!(got[..3800].iter().all(|l| l["error"] == "malformed"));
    assert_eq!(got[299]["line"], 300);
    assert_eq!(got[3800]["transactionAmount"], 9);
}

#[test]
fn a_panic_on_one_line_is_that_lines_error() {
    // The binary built with `test-util` panics on this exact line (a test hook).
    let s = Setup::new("panic");
    let (one, two) = (s.token(1), s.token(2));
    for jobs in ["1", "3"] {
        let output = s.run(&[&format!("--jobs={jobs}")], None, |w| {
            let _ = write!(w, "{one}\napplepay-test-panic\n{two}\n");
        });
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let got = lines(&output);
        assert_eq!(got.len(), 3, "{output:?}");
        assert_eq!(got[0]["transactionAmount"], 1);
        assert_eq!(got[1]["error"], "internal");
        assert_eq!(got[1]["line"], 2);
        assert_eq!(got[2]["transactionAmount"], 2);
    }
}
