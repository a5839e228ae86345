//! `applepay simulate`, end to end as a merchant uses it: a PKI directory, tokens whose
//! plaintext `decrypt` gives back byte for byte, and a simulated gateway in a child
//! process that `session`, `merchant-token` and `platform` reach with the directory's
//! identity — and that refuses another directory's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

const MERCHANT: &str = "merchant.com.example.simulate-test";

/// Bytes no JSON encoder would produce, to show the plaintext is kept byte for byte.
const PAYMENT: &[u8] =
    b"{ \"applicationPrimaryAccountNumber\" : \"4111111111111111\",\t\"note\":\"caf\xc3\xa9\" }\r\n\n";

fn applepay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_applepay"))
        .args(args)
        .env_remove("APPLEPAY_KEY_PASSWORD")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_ok(output: &Output) {
    assert!(output.status.success(), "{}", stderr(output));
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "applepay-cli-simulate-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `simulate pki --out DIR --merchant-id MERCHANT`.
fn make_pki(dir: &Path) {
    assert_ok(&applepay(&[
        "simulate",
        "pki",
        "--out",
        text(dir),
        "--merchant-id",
        MERCHANT,
    ]));
}

/// `simulate token` for `payment`, with extra flags.
fn mint(pki: &Path, payment: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "simulate",
        "token",
        "--pki",
        text(pki),
        "--payment",
        text(payment),
    ];
    args.extend_from_slice(extra);
    let output = applepay(&args);
    assert_ok(&output);
    output.stdout
}

#[test]
fn pki_tokens_decrypt_byte_for_byte_and_keep_their_signing_time() {
    let dir = scratch("tokens");
    let pki = dir.join("pki");
    make_pki(&pki);

    let mut names: Vec<String> = fs::read_dir(&pki)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "gateway_ca.pem",
            "identity.pem",
            "identity_key.pem",
            "merchant_cert.pem",
            "merchant_key.pem",
            "merchant_rsa_cert.pem",
            "merchant_rsa_key.pem",
            "simulation_state.txt",
            "test_root.pem",
        ]
    );
    #[cfg(unix)]
    for secret in [
        "identity_key.pem",
        "merchant_key.pem",
        "merchant_rsa_key.pem",
        "simulation_state.txt",
    ] {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(pki.join(secret)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{secret}");
    }

    // The identity is Apple-shaped: `cert` reads the merchant id from it.
    let cert = applepay(&["cert", text(&pki.join("identity.pem"))]);
    assert_ok(&cert);
    let cert: serde_json::Value = serde_json::from_slice(&cert.stdout).unwrap();
    assert_eq!(cert["kind"], "merchant_identity", "{cert}");
    assert_eq!(cert["merchant_id"], MERCHANT, "{cert}");

    let payment = dir.join("payment.json");
    fs::write(&payment, PAYMENT).unwrap();
    for (extra, key, cert) in [
        (&[][..], "merchant_key.pem", "merchant_cert.pem"),
        (
            &["--rsa"][..],
            "merchant_rsa_key.pem",
            "merchant_rsa_cert.pem",
        ),
    ] {
        let token = dir.join("token.json");
        fs::write(&token, mint(&pki, &payment, extra)).unwrap();
        let decrypted = applepay(&[
            "decrypt",
            "--token",
            text(&token),
            "--root",
            text(&pki.join("test_root.pem")),
            "--key",
            text(&pki.join(key)),
            "--cert",
            text(&pki.join(cert)),
        ]);
        assert_ok(&decrypted);
        assert_eq!(decrypted.stdout, PAYMENT, "{extra:?}");
        // The default verifier trusts Apple's root only.
        let untrusted = applepay(&[
            "decrypt",
            "--token",
            text(&token),
            "--key",
            text(&pki.join(key)),
            "--cert",
            text(&pki.join(cert)),
        ]);
        assert_eq!(untrusted.status.code(), Some(1));
        assert!(stderr(&untrusted).starts_with("error: certificate_chain:"));
    }

    // Two tokens of the same payment differ (transaction id, ephemeral key).
    assert_ne!(mint(&pki, &payment, &[]), mint(&pki, &payment, &[]));

    // --signing-time is the token's signingTime.
    let token = dir.join("old.json");
    fs::write(
        &token,
        mint(&pki, &payment, &["--signing-time", "2026-01-02T03:04:05Z"]),
    )
    .unwrap();
    let root = pki.join("test_root.pem");
    let verified = applepay(&[
        "verify",
        "--token",
        text(&token),
        "--root",
        text(&root),
        "--at-signing-time",
    ]);
    assert_ok(&verified);
    let verified: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(verified["signing_time"], "2026-01-02T03:04:05Z");
    let now = applepay(&["verify", "--token", text(&token), "--root", text(&root)]);
    assert!(
        stderr(&now).starts_with("error: signing_time:"),
        "{}",
        stderr(&now)
    );
}

#[test]
fn mistakes_are_refused() {
    let dir = scratch("mistakes");
    let pki = dir.join("pki");
    make_pki(&pki);
    let payment = dir.join("payment.json");
    fs::write(&payment, PAYMENT).unwrap();

    // A directory that exists with files in it is never written into.
    let again = applepay(&["simulate", "pki", "--out", text(&pki)]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("not empty"));

    let bad_id = applepay(&[
        "simulate",
        "pki",
        "--out",
        text(&dir.join("other")),
        "--merchant-id",
        "merchant,com",
    ]);
    assert_eq!(bad_id.status.code(), Some(1));
    assert!(stderr(&bad_id).starts_with("error: invalid_parameter:"));
    assert!(!dir.join("other").exists());

    // No PKI directory, a broken state, a bad time.
    let missing = applepay(&[
        "simulate",
        "token",
        "--pki",
        text(&dir.join("nowhere")),
        "--payment",
        text(&payment),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let broken = dir.join("broken");
    fs::create_dir_all(&broken).unwrap();
    fs::write(broken.join("simulation_state.txt"), "seed=00\n").unwrap();
    let malformed = applepay(&[
        "simulate",
        "token",
        "--pki",
        text(&broken),
        "--payment",
        text(&payment),
    ]);
    assert_eq!(malformed.status.code(), Some(1));
    assert!(stderr(&malformed).starts_with("error: malformed:"));
    let time = applepay(&[
        "simulate",
        "token",
        "--pki",
        text(&pki),
        "--payment",
        text(&payment),
        "--signing-time",
        "yesterday",
    ]);
    assert_eq!(time.status.code(), Some(2));

    // Every help says what it is not.
    for command in [
        &["simulate"][..],
        &["simulate", "pki"],
        &["simulate", "token"],
        &["simulate", "gateway"],
    ] {
        let help = applepay(&[command, &["--help"]].concat());
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        assert!(
            help.contains("trusted by Apple or by the default verifier"),
            "{command:?}: {help}"
        );
    }
}

/// The gateway child, killed when dropped.
struct Gateway {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    connect_to: String,
}

impl Gateway {
    fn start(pki: &Path) -> Gateway {
        let mut child = Command::new(env!("CARGO_BIN_EXE_applepay"))
            .args(["simulate", "gateway", "--pki", text(pki)])
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let addr = first.strip_prefix("listening 127.0.0.1:").expect(&first);
        let port: u16 = addr.parse().unwrap();
        assert_ne!(port, 0);
        Gateway {
            child,
            lines,
            connect_to: format!("::127.0.0.1:{port}"),
        }
    }

    fn next_line(&mut self) -> String {
        self.lines.next().unwrap().unwrap()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_gateway_serves_the_directorys_identity_only() {
    let dir = scratch("gateway");
    let pki = dir.join("pki");
    let stranger = dir.join("stranger");
    make_pki(&pki);
    make_pki(&stranger);
    let mut gateway = Gateway::start(&pki);

    let identity = |pki: &Path| {
        vec![
            "--identity".to_owned(),
            text(&pki.join("identity.pem")).to_owned(),
            "--identity-key".to_owned(),
            text(&pki.join("identity_key.pem")).to_owned(),
        ]
    };
    let connection = [
        "--ca".to_owned(),
        text(&pki.join("gateway_ca.pem")).to_owned(),
        "--connect-to".to_owned(),
        gateway.connect_to.clone(),
        "--timeout".to_owned(),
        "20".to_owned(),
    ];
    let run = |command: &[&str], identity: &[String]| {
        let mut args: Vec<&str> = command.to_vec();
        args.extend(identity.iter().map(String::as_str));
        args.extend(connection.iter().map(String::as_str));
        applepay(&args)
    };
    let session = [
        "session",
        "--validation-url",
        "https://apple-pay-gateway.apple.com/paymentservices/startSession",
        "--domain",
        "shop.example.com",
        "--display-name",
        "Example Shop",
    ];

    // No --merchant-id: the identity's UID is the simulation's merchant id.
    let output = run(&session, &identity(&pki));
    assert_ok(&output);
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        answer["merchantSessionIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("SSH"),
        "{answer}"
    );
    assert_eq!(answer["domainName"], "shop.example.com");
    let line = gateway.next_line();
    assert!(
        line.ends_with(" POST /paymentservices/startSession 200"),
        "{line}"
    );

    // Another directory's identity fails the handshake.
    let refused = run(&session, &identity(&stranger));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("error: tls:"),
        "{}",
        stderr(&refused)
    );

    // The other endpoints answer too.
    let event = run(
        &[
            "merchant-token",
            "event",
            "--merchant-id",
            MERCHANT,
            "--event-id",
            "EV-1",
        ],
        &identity(&pki),
    );
    assert_ok(&event);
    let event: serde_json::Value = serde_json::from_slice(&event.stdout).unwrap();
    assert_eq!(event["merchantTokenEventType"], "EXPIRED");
    assert!(
        gateway
            .next_line()
            .contains("/merchantToken/event/EV-1 200")
    );

    let register = run(
        &[
            "platform",
            "register",
            "--partner-merchant-id",
            "shop-42",
            "--partner-merchant-name",
            "Example Shop",
            "--encrypt-to",
            "merchant.com.platform",
            "--domain",
            "shop.example.com",
        ],
        &identity(&pki),
    );
    assert_ok(&register);
    let details = run(
        &["platform", "details", "--partner-merchant-id", "shop-42"],
        &identity(&pki),
    );
    assert_ok(&details);
    let details: serde_json::Value = serde_json::from_slice(&details.stdout).unwrap();
    assert_eq!(details["domainNames"][0], "shop.example.com");
    assert!(
        gateway
            .next_line()
            .ends_with("POST /paymentservices/registerMerchant 200")
    );
    assert!(
        gateway
            .next_line()
            .ends_with("GET /paymentservices/merchant/shop-42 200")
    );
}
