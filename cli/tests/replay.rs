//! `applepay decrypt --replay-store memory|redis://…` through the binary: each
//! transactionId accepted once — within one batch (memory), and across several processes
//! at once against a real `redis-server` (started here on a free port, as in
//! `replay-redis/tests/`) — a different token accepted, the key's TTL set by `--at`, a
//! dead store refusing, and the usage errors. Tokens come from the simulator.

#[path = "../../replay-redis/tests/support/mod.rs"]
mod redis_server;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use applepay_crypto::UnixTime;
use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use redis_server::RedisServer;

struct Setup {
    dir: PathBuf,
    pki: TestPki,
    signed: UnixTime,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("applepay-replay-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = TestPki::new(b"cli replay").unwrap();
        std::fs::write(dir.join("key.pem"), pki.merchant_key_pem().unwrap()).unwrap();
        std::fs::write(dir.join("cert.pem"), pki.merchant_cert_pem().unwrap()).unwrap();
        std::fs::write(dir.join("root.pem"), pki.root_pem().unwrap()).unwrap();
        let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
        Self { dir, pki, signed }
    }

    /// A token for transaction `id` (32 bytes of `id`), on one line.
    fn token(&self, id: u8) -> String {
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), self.signed);
        spec.transaction_id = vec![id; 32];
        spec.ephemeral_seed = vec![id];
        let json: serde_json::Value = serde_json::from_str(&self.pki.mint(&spec).unwrap()).unwrap();
        json.to_string()
    }

    fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }

    /// `applepay decrypt` with the key, certificate, root and `--at` (10 s after signing).
    fn decrypt(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_applepay"));
        let path = |name: &str| self.dir.join(name).display().to_string();
        command
            .arg("decrypt")
            .args(["--key", &path("key.pem"), "--cert", &path("cert.pem")])
            .args(["--root", &path("root.pem")])
            .args(["--at", &self.signed.saturating_add_secs(10).to_string()]);
        command
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn memory_accepts_a_single_token_and_changes_nothing_else() {
    let s = Setup::new("memory-one");
    let token = s.write("token.json", &s.token(1));
    let output = s
        .decrypt()
        .args(["--token", &token, "--replay-store", "memory"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(output.stdout, SAMPLE_PLAINTEXT.as_bytes());
    // Without the flag the same token decrypts as often as it is sent.
    for _ in 0..2 {
        let output = s.decrypt().args(["--token", &token]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
}

#[test]
fn memory_accepts_each_transaction_once_within_a_batch() {
    let s = Setup::new("memory-batch");
    let (a, b) = (s.token(1), s.token(2));
    let batch = s.write("batch.txt", &[&a, &b, &a, "", &b, &a].join("\n"));
    let output = s
        .decrypt()
        .args(["--batch", &batch, "--jobs", "1", "--replay-store", "memory"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let got = lines(&output);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0]["transactionAmount"], 1000);
    assert_eq!(got[1]["transactionAmount"], 1000);
    for (line, number) in [(&got[2], 3), (&got[3], 5), (&got[4], 6)] {
        assert_eq!(line["error"], "replay", "{line}");
        assert_eq!(line["line"], number);
        assert_eq!(
            line["message"],
            "transaction id already accepted: the token is a replay"
        );
    }
    // Many copies over many jobs: exactly one is accepted.
    let copies = s.write("copies.txt", &vec![a.as_str(); 64].join("\n"));
    let output = s
        .decrypt()
        .args([
            "--batch",
            &copies,
            "--jobs",
            "8",
            "--replay-store",
            "memory",
        ])
        .output()
        .unwrap();
    let got = lines(&output);
    assert_eq!(got.len(), 64);
    assert_eq!(got.iter().filter(|l| l.get("error").is_none()).count(), 1);
    assert_eq!(got.iter().filter(|l| l["error"] == "replay").count(), 63);
    // Without the flag every copy decrypts.
    let output = s.decrypt().args(["--batch", &copies]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn replay_store_with_skip_verify_or_at_signing_time_or_a_bad_store_is_a_usage_error() {
    let s = Setup::new("usage");
    let token = s.write("token.json", &s.token(1));
    let key = s.dir.join("key.pem").display().to_string();
    for extra in [
        &["--replay-store", "memory", "--skip-verify"][..],
        &["--replay-store", "memory", "--at-signing-time"][..],
        &["--replay-store", "memcached://127.0.0.1:11211"][..],
        &["--replay-store", "redis://"][..],
    ] {
        // Without --at, which conflicts with the flags under test.
        let output = Command::new(env!("CARGO_BIN_EXE_applepay"))
            .args(["decrypt", "--token", &token, "--key", &key])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn redis_accepts_a_token_sent_to_several_processes_at_once_exactly_once() {
    const PROCESSES: usize = 8;
    let server = RedisServer::start();
    let s = Setup::new("redis-race");
    let token = s.write("token.json", &s.token(7));
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            s.decrypt()
                .args(["--token", &token, "--replay-store", &server.url()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let accepted: Vec<_> = outputs
        .iter()
        .filter(|o| o.status.code() == Some(0))
        .collect();
    assert_eq!(
        accepted.len(),
        1,
        "{:?}",
        outputs.iter().map(stderr).collect::<Vec<_>>()
    );
    assert_eq!(accepted[0].stdout, SAMPLE_PLAINTEXT.as_bytes());
    for output in outputs.iter().filter(|o| o.status.code() != Some(0)) {
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
        assert_eq!(
            stderr(output).lines().next(),
            Some("error: replay: transaction id already accepted: the token is a replay")
        );
    }
    // A different token is accepted; the first one's key lives for its window: signing
    // time + 300 s + 60 s, less the verification time (--at, 10 s after signing).
    let other = s.write("other.json", &s.token(8));
    let output = s
        .decrypt()
        .args(["--token", &other, "--replay-store", &server.url()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("applepay:replay:{}", "07".repeat(32)))
        .query(&mut connection)
        .unwrap();
    assert!((349_000..=350_000).contains(&pttl), "{pttl}");
    // And in a batch, the replay is that line's error.
    let batch = s.write("batch.txt", &[s.token(7), s.token(9)].join("\n"));
    let output = s
        .decrypt()
        .args(["--batch", &batch, "--replay-store", &server.url()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let got = lines(&output);
    assert_eq!(got[0]["error"], "replay");
    assert_eq!(got[0]["line"], 1);
    assert_eq!(got[1]["transactionAmount"], 1000);
}

#[test]
fn a_dead_redis_store_refuses_rather_than_accepts() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.stop();
    let s = Setup::new("redis-dead");
    let token = s.write("token.json", &s.token(3));
    let output = s
        .decrypt()
        .args(["--token", &token, "--replay-store", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output).lines().next(),
        Some(
            "error: replay_store: replay store unavailable: the redis server refused the connection"
        )
    );
    let batch = s.write("batch.txt", &[s.token(3), s.token(4)].join("\n"));
    let output = s
        .decrypt()
        .args(["--batch", &batch, "--replay-store", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let got = lines(&output);
    assert_eq!(got.len(), 2);
    for (line, number) in got.iter().zip(1..) {
        assert_eq!(line["error"], "replay_store", "{line}");
        assert_eq!(line["line"], number);
    }
}
