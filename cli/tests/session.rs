//! `applepay session` end to end against the stand-in gateway on loopback: a real rustls
//! server that requires the test Merchant Identity certificate, with its own server
//! certificate for Apple's gateway host names from a test CA.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/gateway_files.rs"]
mod gateway_files;
#[path = "../../gateway/tests/support/stand_in.rs"]
mod stand_in;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use applepay_crypto::mint::GATEWAY_TEST_MERCHANT_ID;
use applepay_crypto::{APPLE_PAY_GATEWAY_HOSTS, MAX_MERCHANT_SESSION_LEN};
use gateway_files::{assert_fails, files, path};
use rustls::pki_types::pem::PemObject;
use stand_in::{Reply, StandIn};

const URL: &str = "https://apple-pay-gateway.apple.com/paymentservices/startSession";
const SESSION: &[u8] = br#"{"epochTimestamp":1764600000000,"expiresAt":1764603600000,"merchantSessionIdentifier":"SSH0123456789ABCDEF","nonce":"4d4f","merchantIdentifier":"0F1E","domainName":"shop.example.com","displayName":"Example Shop","signature":"308006092a864886f7","operationalAnalyticsIdentifier":"Example:0F1E","retries":0,"pspId":"0F1E"}"#;

fn stand_in(reply: Reply) -> StandIn {
    StandIn::start(files().pki.server_config().unwrap(), reply)
}

/// Runs `applepay session` with the usual arguments, then `extra`.
fn session(gateway: &StandIn, url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "session".to_owned(),
        "--validation-url".into(),
        url.into(),
        "--domain".into(),
        "shop.example.com".into(),
        "--display-name".into(),
        "Example Shop".into(),
        "--connect-to".into(),
        gateway.connect_to(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    if !extra.contains(&"--identity") {
        args.extend(["--identity".into(), path("identity.pem")]);
        args.extend(["--identity-key".into(), path("identity.key")]);
    }
    if !extra.contains(&"--no-ca") {
        args.extend(["--ca".into(), path("ca.pem")]);
    }
    args.retain(|a| a != "--no-ca");
    Command::new(env!("CARGO_BIN_EXE_applepay"))
        .args(&args)
        .env_remove("APPLEPAY_KEY_PASSWORD")
        .output()
        .unwrap()
}

#[test]
fn happy_path_returns_the_session_byte_for_byte() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let output = session(&gateway, URL, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, SESSION);
    assert!(output.stderr.is_empty());

    let request = gateway.request().expect("the stand-in saw the request");
    let expected_body = format!(
        r#"{{"merchantIdentifier":"{GATEWAY_TEST_MERCHANT_ID}","displayName":"Example Shop","initiative":"web","initiativeContext":"shop.example.com"}}"#
    );
    assert_eq!(
        String::from_utf8(request.body.clone()).unwrap(),
        expected_body
    );
    assert_eq!(
        request.head.split("\r\n").next(),
        Some("POST /paymentservices/startSession HTTP/1.1")
    );
    let content_length = expected_body.len().to_string();
    for (name, value) in [
        ("host", "apple-pay-gateway.apple.com"),
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("content-length", content_length.as_str()),
    ] {
        assert_eq!(request.header(name), Some(value), "{}", request.head);
    }
    let request_id = request.header("x-request-id").unwrap();
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
    // The client authenticated with the identity certificate, over TLS 1.3 (so its RSA
    // key signed with RSA-PSS: rustls refuses PKCS#1 v1.5 there).
    let identity = files().pki.identity_cert_pem().unwrap();
    let der = rustls::pki_types::CertificateDer::from_pem_slice(identity.as_bytes()).unwrap();
    assert_eq!(request.client_cert.as_deref(), Some(der.as_ref()));
    assert_eq!(request.version, Some(rustls::ProtocolVersion::TLSv1_3));
}

#[test]
fn tls12_gateway_works_too() {
    let config = files()
        .pki
        .server_config_for(&APPLE_PAY_GATEWAY_HOSTS, &[&rustls::version::TLS12])
        .unwrap();
    let gateway = StandIn::start(config, Reply::json(200, SESSION));
    let output = session(&gateway, URL, &[]);
    assert_eq!(
        output.stdout,
        SESSION,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let request = gateway.request().unwrap();
    assert_eq!(request.version, Some(rustls::ProtocolVersion::TLSv1_2));
}

#[test]
fn chunked_answer_is_reassembled() {
    let gateway = stand_in(Reply::Chunked {
        body: SESSION.to_vec(),
        chunk: 7,
    });
    let output = session(&gateway, URL, &[]);
    assert_eq!(
        output.stdout,
        SESSION,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn pkcs12_identity_with_password_file_and_environment() {
    let p12 = files().dir.join("identity.p12");
    if !p12.exists() {
        let status = Command::new("openssl")
            .args(["pkcs12", "-export", "-passout", "pass:s3cret", "-in"])
            .arg(path("identity.pem"))
            .arg("-inkey")
            .arg(path("identity.key"))
            .arg("-out")
            .arg(&p12)
            .status()
            .expect("openssl is installed (.ci/run installs it)");
        assert!(status.success());
    }
    let password = files().dir.join("password.txt");
    std::fs::write(&password, "s3cret\n").unwrap();
    let gateway = stand_in(Reply::json(200, SESSION));
    let p12 = p12.display().to_string();
    let password = password.display().to_string();
    let output = session(
        &gateway,
        URL,
        &["--identity", &p12, "--password-file", &password],
    );
    assert_eq!(
        output.stdout,
        SESSION,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The password from the environment, and a wrong one.
    let base = [
        "session",
        "--validation-url",
        URL,
        "--domain",
        "shop.example.com",
        "--display-name",
        "X",
        "--identity",
        &p12,
        "--ca",
    ];
    let run = |password: &str| {
        Command::new(env!("CARGO_BIN_EXE_applepay"))
            .args(base)
            .arg(path("ca.pem"))
            .args(["--connect-to", &gateway.connect_to()])
            .env("APPLEPAY_KEY_PASSWORD", password)
            .output()
            .unwrap()
    };
    assert_eq!(run("s3cret").stdout, SESSION);
    let stderr = assert_fails(&run("wrong"), "identity");
    assert!(stderr.contains("password"), "{stderr}");

    // No password at all: the message every command gives, naming the file.
    let stderr = assert_fails(&session(&gateway, URL, &["--identity", &p12]), "identity");
    assert!(
        stderr.starts_with(&format!(
            "error: identity: {p12} is encrypted and needs a password: give \
             --password-file FILE or set APPLEPAY_KEY_PASSWORD"
        )),
        "{stderr}"
    );
}

#[test]
fn an_encrypted_identity_key_without_a_password_says_it_needs_one() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let key = files().dir.join("identity.encrypted.key");
    if !key.exists() {
        let status = Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-passout",
                "pass:s3cret",
            ])
            .arg("-in")
            .arg(path("identity.key"))
            .arg("-out")
            .arg(&key)
            .status()
            .expect("openssl is installed (.ci/run installs it)");
        assert!(status.success());
    }
    let key = key.display().to_string();
    let identity = path("identity.pem");
    let output = session(
        &gateway,
        URL,
        &["--identity", &identity, "--identity-key", &key],
    );
    let stderr = assert_fails(&output, "identity");
    assert!(
        stderr.starts_with(&format!(
            "error: identity: {key} is encrypted and needs a password: give \
             --password-file FILE or set APPLEPAY_KEY_PASSWORD"
        )),
        "{stderr}"
    );
    assert_eq!(gateway.accepted(), 0, "no connection without the key");
}

#[test]
fn identity_file_errors_name_the_file_and_what_it_holds() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let (cert, key) = (path("identity.pem"), path("identity.key"));
    // The key where the certificate goes, and the certificate where the key goes.
    let output = session(&gateway, URL, &["--identity", &key, "--identity-key", &key]);
    let stderr = assert_fails(&output, "identity");
    assert!(
        stderr.starts_with(&format!(
            "error: identity: {key}: key import failed: a private key where a certificate \
             was expected"
        )),
        "{stderr}"
    );
    let output = session(
        &gateway,
        URL,
        &["--identity", &cert, "--identity-key", &cert],
    );
    let stderr = assert_fails(&output, "identity");
    assert!(
        stderr.starts_with(&format!(
            "error: identity: {cert}: key import failed: a certificate where a key was \
             expected"
        )),
        "{stderr}"
    );
    // An expired certificate: its validity period and the time it was checked at.
    let expired = path("expired.pem");
    let output = session(
        &gateway,
        URL,
        &["--identity", &expired, "--identity-key", &key],
    );
    let stderr = assert_fails(&output, "identity");
    let line = stderr.lines().next().unwrap();
    assert!(
        line.starts_with(&format!(
            "error: identity: {expired}: unusable merchant identity: the identity \
             certificate has expired at "
        )) && line.ends_with(" (valid from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z)"),
        "{line}"
    );
    assert_eq!(gateway.accepted(), 0, "no connection for a bad identity");
}

#[test]
fn not_an_identity_certificate_expired_and_key_mismatch_fail_before_connecting() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let cases = [
        ("no-marker.pem", "identity.key", "not a merchant identity"),
        ("expired.pem", "identity.key", "has expired"),
        ("identity.pem", "other.key", "does not match"),
    ];
    for (cert, key, message) in cases {
        let output = session(
            &gateway,
            URL,
            &["--identity", &path(cert), "--identity-key", &path(key)],
        );
        let stderr = assert_fails(&output, "identity");
        assert!(stderr.contains(message), "{cert}: {stderr}");
    }
    assert_eq!(gateway.accepted(), 0, "no connection for a bad identity");
}

#[test]
fn foreign_identity_is_refused_by_the_gateway() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let output = session(
        &gateway,
        URL,
        &[
            "--identity",
            &path("foreign.pem"),
            "--identity-key",
            &path("identity.key"),
        ],
    );
    let stderr = assert_fails(&output, "tls");
    assert!(stderr.contains("client certificate"), "{stderr}");
    assert!(gateway.request().is_none());
}

#[test]
fn gateway_not_trusted_without_ca() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let output = session(&gateway, URL, &["--no-ca"]);
    let stderr = assert_fails(&output, "tls");
    assert!(stderr.contains("not trusted"), "{stderr}");
}

#[test]
fn wrong_host_name_is_a_tls_error() {
    // A gateway whose certificate names another of Apple's hosts than the URL's.
    let config = files()
        .pki
        .server_config_for(
            &["apple-pay-gateway-cert.apple.com"],
            &[&rustls::version::TLS13],
        )
        .unwrap();
    let gateway = StandIn::start(config, Reply::json(200, SESSION));
    let output = session(&gateway, URL, &[]);
    let stderr = assert_fails(&output, "tls");
    assert!(
        stderr.contains("not valid for name") && stderr.contains("apple-pay-gateway.apple.com"),
        "{stderr}"
    );
    assert!(gateway.request().is_none());
}

#[test]
fn apple_error_answer_is_an_http_error_with_its_message() {
    let body = br#"{"statusMessage":"Payment Services Exception merchantId=0F1E unregistered","statusCode":"400"}"#;
    let gateway = stand_in(Reply::json(400, body));
    let stderr = assert_fails(&session(&gateway, URL, &[]), "http");
    assert!(stderr.contains("400"), "{stderr}");
    assert!(
        stderr.contains("Payment Services Exception merchantId=0F1E unregistered"),
        "{stderr}"
    );
}

#[test]
fn redirect_is_never_followed() {
    let target = stand_in(Reply::json(200, SESSION));
    let gateway = stand_in(Reply::Respond {
        status: 302,
        headers: vec![("Location".into(), format!("https://{}/steal", target.addr))],
        body: Vec::new(),
    });
    let stderr = assert_fails(&session(&gateway, URL, &[]), "http");
    assert!(
        stderr.contains("302") && stderr.contains("not followed"),
        "{stderr}"
    );
    assert_eq!(target.accepted(), 0);
}

#[test]
fn slow_gateway_times_out() {
    let gateway = stand_in(Reply::Stall(Duration::from_secs(10)));
    let start = Instant::now();
    let output = session(&gateway, URL, &["--timeout", "1"]);
    assert_fails(&output, "timeout");
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn oversized_answers_are_malformed_sessions() {
    let mut big = b"{\"a\":\"".to_vec();
    big.resize(MAX_MERCHANT_SESSION_LEN + 10, b'x');
    big.extend_from_slice(b"\"}");
    for reply in [
        Reply::json(200, &big),
        Reply::Chunked {
            body: big.clone(),
            chunk: 4096,
        },
    ] {
        let gateway = stand_in(reply);
        let stderr = assert_fails(&session(&gateway, URL, &[]), "malformed_session");
        assert!(stderr.contains("larger"), "{stderr}");
    }
    // Not a JSON object.
    let gateway = stand_in(Reply::json(200, b"[1,2]"));
    assert_fails(&session(&gateway, URL, &[]), "malformed_session");
}

#[test]
fn non_apple_url_makes_no_connection() {
    let gateway = stand_in(Reply::json(200, SESSION));
    for url in [
        "https://evil.example/paymentservices/startSession",
        "https://apple-pay-gateway.apple.com.evil.example/",
        "http://apple-pay-gateway.apple.com/",
        &format!("https://{}/", gateway.addr),
    ] {
        let output = session(&gateway, url, &[]);
        assert_fails(&output, "untrusted_validation_url");
    }
    // Give a stray connection time to show up.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(gateway.accepted(), 0);
}
