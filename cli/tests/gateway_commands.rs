//! `applepay merchant-token …` and `applepay platform …` end to end against the stand-in
//! gateway on loopback, which checks method, path, body, headers and the client
//! certificate on its side; and the deadline of every gateway command against servers
//! that drip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/gateway_files.rs"]
mod gateway_files;
#[path = "../../gateway/tests/support/stand_in.rs"]
mod stand_in;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use applepay_crypto::mint::{GATEWAY_TEST_MERCHANT_ID, IdentityVariant};
use gateway_files::{assert_fails, files, path};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use stand_in::{Recorded, Reply, StandIn};

const BASE: &str = "/paymentservices/v1/merchantId/merchant.com.example.gateway/merchantToken/";
const EVENT: &[u8] = br#"{"merchantTokenEventType":"EXPIRED","merchantTokenIdentifier":"DNITHE1"}"#;

/// Answers each endpoint as Apple documents it; anything else is a 404 in the merchant
/// token API's error shape.
fn apple(request: &Recorded) -> Reply {
    let path = request.path.as_str();
    let body = String::from_utf8_lossy(&request.body);
    match (request.method.as_str(), path.strip_prefix(BASE), path) {
        ("GET", Some("event/EV-1"), _) => Reply::json(200, EVENT),
        ("POST", Some("unlink"), _) if body == r#"{"merchantTokenIdentifier":"DNITHE1"}"# => {
            Reply::empty(204)
        }
        ("POST", Some("updateMerchantMetadata"), _)
            if body
                == r#"{"merchantTokenIdentifier":"DNITHE1","merchantMetadata":{"tokenNotificationURL":"https://shop.example/notify"}}"# =>
        {
            Reply::json(200, b"{}")
        }
        ("POST", Some("publicKey"), _) if body.contains("PENDING") => Reply::empty(202),
        ("POST", Some("publicKey"), _) => Reply::json(200, br#"{"publicKey":"BAA="}"#),
        ("POST", None, "/paymentservices/registerMerchant")
            if body
                == r#"{"domainNames":["shop.example.com","www.shop.example.com"],"encryptTo":"merchant.com.platform","partnerInternalMerchantIdentifier":"shop-42","partnerMerchantName":"Example Shop","merchantUrl":"https://shop.example.com/"}"# =>
        {
            Reply::json(200, b"{}")
        }
        ("POST", None, "/paymentservices/unregisterMerchant")
            if body
                == r#"{"domainNames":["www.shop.example.com"],"partnerInternalMerchantIdentifier":"shop-42","reason":"closed"}"# =>
        {
            Reply::empty(200)
        }
        ("GET", None, "/paymentservices/merchant/shop-42") => Reply::json(
            200,
            br#"{"domainNames":["shop.example.com"],"encryptTo":"ab12"}"#,
        ),
        _ => Reply::json(
            404,
            br#"{"errorMessage":"no such resource","statusCode":404,"subStatusCode":"40400"}"#,
        ),
    }
}

fn stand_in() -> StandIn {
    StandIn::start_with(files().pki.server_config().unwrap(), apple)
}

/// Runs `applepay ARGS` with the identity, the test CA and `--connect-to` for `gateway`
/// added unless `args` gives `--identity` itself.
fn applepay(gateway: &StandIn, args: &[&str]) -> Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if !args.contains(&"--identity") {
        all.extend(["--identity".into(), path("identity.pem")]);
        all.extend(["--identity-key".into(), path("identity.key")]);
    }
    all.extend(["--ca".into(), path("ca.pem")]);
    all.extend(["--connect-to".into(), gateway.connect_to()]);
    Command::new(env!("CARGO_BIN_EXE_applepay"))
        .args(&all)
        .env_remove("APPLEPAY_KEY_PASSWORD")
        // Never read: a proxy here would make every call fail.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap()
}

#[track_caller]
fn assert_ok(output: &Output, stdout: &[u8]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(output.stdout, stdout, "{stderr}");
    assert!(output.stderr.is_empty(), "{stderr}");
}

#[track_caller]
fn assert_identity(request: &Recorded, variant: IdentityVariant) {
    let pem = files().pki.identity_variant_pem(variant).unwrap();
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    assert_eq!(request.client_cert.as_deref(), Some(der.as_ref()));
    assert_eq!(request.header("host"), Some("apple-pay-gateway.apple.com"));
    let id = request.header("x-request-id").unwrap();
    assert_eq!(uuid_version(id), Some('4'), "{id}");
}

fn uuid_version(id: &str) -> Option<char> {
    (id.len() == 36).then(|| id.chars().nth(14))?
}

const MID: &str = GATEWAY_TEST_MERCHANT_ID;

#[test]
fn merchant_token_commands_print_apples_answer() {
    let gateway = stand_in();
    let event = applepay(
        &gateway,
        &[
            "merchant-token",
            "event",
            "--merchant-id",
            MID,
            "--event-id",
            "EV-1",
        ],
    );
    assert_ok(&event, EVENT);
    let request = gateway.request().unwrap();
    assert_eq!(request.method, "GET");
    assert_identity(&request, IdentityVariant::Valid);

    let unlink = applepay(
        &gateway,
        &[
            "merchant-token",
            "unlink",
            "--merchant-id",
            MID,
            "--token-id",
            "DNITHE1",
        ],
    );
    assert_ok(&unlink, b"");
    let update = applepay(
        &gateway,
        &[
            "merchant-token",
            "update-metadata",
            "--merchant-id",
            MID,
            "--token-id",
            "DNITHE1",
            "--notification-url",
            "https://shop.example/notify",
        ],
    );
    assert_ok(&update, b"{}");
    let key = applepay(
        &gateway,
        &[
            "merchant-token",
            "public-key",
            "--merchant-id",
            MID,
            "--token-id",
            "DNITHE1",
        ],
    );
    assert_ok(&key, br#"{"publicKey":"BAA="}"#);
    let pending = applepay(
        &gateway,
        &[
            "merchant-token",
            "public-key",
            "--merchant-id",
            MID,
            "--token-id",
            "PENDING",
        ],
    );
    assert_eq!(pending.status.code(), Some(75), "{:?}", pending);
    assert!(pending.stdout.is_empty() && pending.stderr.is_empty());
}

#[test]
fn platform_commands_use_the_platform_identity() {
    let gateway = stand_in();
    let platform = path("no-marker.pem");
    let key = path("identity.key");
    let with_identity = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--identity", &platform, "--identity-key", &key]);
        applepay(&gateway, &all)
    };
    let register = with_identity(&[
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
        "--domain",
        "www.shop.example.com",
        "--merchant-url",
        "https://shop.example.com/",
    ]);
    assert_ok(&register, b"{}");
    assert_identity(&gateway.request().unwrap(), IdentityVariant::NoMarker);
    let unregister = with_identity(&[
        "platform",
        "unregister",
        "--partner-merchant-id",
        "shop-42",
        "--domain",
        "www.shop.example.com",
        "--reason",
        "closed",
    ]);
    assert_ok(&unregister, b"");
    let details = with_identity(&["platform", "details", "--partner-merchant-id", "shop-42"]);
    assert_ok(
        &details,
        br#"{"domainNames":["shop.example.com"],"encryptTo":"ab12"}"#,
    );

    // The merchant-token API needs a Merchant Identity certificate: refused unsent.
    let refused = with_identity(&[
        "merchant-token",
        "unlink",
        "--merchant-id",
        MID,
        "--token-id",
        "DNITHE1",
    ]);
    let stderr = assert_fails(&refused, "identity");
    assert!(stderr.contains("merchant identity"), "{stderr}");
}

#[test]
fn errors_have_their_kinds() {
    let gateway = stand_in();
    // Apple's typed error, with its message.
    let missing = applepay(
        &gateway,
        &[
            "merchant-token",
            "event",
            "--merchant-id",
            MID,
            "--event-id",
            "NOPE",
        ],
    );
    let stderr = assert_fails(&missing, "http");
    assert!(
        stderr.contains("404") && stderr.contains("no such resource"),
        "{stderr}"
    );
    assert!(stderr.contains("x-request-id"), "{stderr}");

    // A 2xx body that is not a JSON object.
    let odd = StandIn::start(
        files().pki.server_config().unwrap(),
        Reply::json(200, b"[]"),
    );
    let malformed = applepay(&odd, &["platform", "details", "--partner-merchant-id", "p"]);
    assert_fails(&malformed, "malformed_answer");

    // Refused before any connection.
    let quiet = stand_in();
    let long = "e".repeat(65);
    for args in [
        &[
            "merchant-token",
            "event",
            "--merchant-id",
            MID,
            "--event-id",
            "../x",
        ][..],
        &[
            "merchant-token",
            "event",
            "--merchant-id",
            MID,
            "--event-id",
            &long,
        ],
        &[
            "merchant-token",
            "unlink",
            "--merchant-id",
            "a/b",
            "--token-id",
            "T",
        ],
        &[
            "merchant-token",
            "update-metadata",
            "--merchant-id",
            MID,
            "--token-id",
            "T",
            "--notification-url",
            "http://insecure.example/",
        ],
        &["platform", "details", "--partner-merchant-id", "a\\b"],
        &[
            "platform",
            "unregister",
            "--partner-merchant-id",
            "p",
            "--domain",
            "not a domain",
            "--reason",
            "r",
        ],
        &[
            "platform",
            "details",
            "--partner-merchant-id",
            "p",
            "--gateway",
            "evil.example",
        ],
    ] {
        assert_fails(&applepay(&quiet, args), "invalid_parameter");
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(quiet.accepted(), 0);

    // The sandbox: another host, which the stand-in's certificate also names.
    let sandbox = applepay(
        &gateway,
        &[
            "platform",
            "details",
            "--partner-merchant-id",
            "shop-42",
            "--sandbox",
        ],
    );
    assert_ok(
        &sandbox,
        br#"{"domainNames":["shop.example.com"],"encryptTo":"ab12"}"#,
    );
    let request = (0..3).filter_map(|_| gateway.request()).last().unwrap();
    assert_eq!(
        request.header("host"),
        Some("apple-pay-gateway-cert.apple.com")
    );
}

#[test]
fn tls_refusals_are_tls() {
    let gateway = stand_in();
    let foreign = path("foreign.pem");
    let refused = applepay(
        &gateway,
        &[
            "merchant-token",
            "public-key",
            "--merchant-id",
            MID,
            "--token-id",
            "T",
            "--identity",
            &foreign,
            "--identity-key",
            &path("identity.key"),
        ],
    );
    let stderr = assert_fails(&refused, "tls");
    assert!(stderr.contains("client certificate"), "{stderr}");
}

/// `--timeout 2` against a server that drips a handshake record and one that drips a
/// valid answer: both end as `timeout` within the limit plus one second.
#[test]
fn nothing_drips_past_the_timeout() {
    let interval = Duration::from_millis(500);
    let handshake = StandIn::handshake_dripper(interval);
    let answer = StandIn::start(
        files().pki.server_config().unwrap(),
        Reply::Drip {
            body: EVENT.to_vec(),
            interval,
        },
    );
    for gateway in [&handshake, &answer] {
        for args in [
            &[
                "merchant-token",
                "event",
                "--merchant-id",
                MID,
                "--event-id",
                "EV-1",
                "--timeout",
                "2",
            ][..],
            &[
                "session",
                "--validation-url",
                "https://apple-pay-gateway.apple.com/paymentservices/startSession",
                "--domain",
                "shop.example.com",
                "--display-name",
                "Shop",
                "--timeout",
                "2",
            ],
        ] {
            let start = Instant::now();
            let output = applepay(gateway, args);
            let took = start.elapsed();
            assert_fails(&output, "timeout");
            assert!(took < Duration::from_secs(3), "{args:?} took {took:?}");
        }
    }
}

#[test]
fn an_explicit_proxy_is_the_only_proxy() {
    // --proxy at a port where nothing listens: the call fails at the proxy, so it was
    // used; the environment's proxies (set for every run here) never were.
    let gateway = stand_in();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let output = applepay(
        &gateway,
        &[
            "platform",
            "details",
            "--partner-merchant-id",
            "shop-42",
            "--proxy",
            &format!("http://{dead_addr}"),
        ],
    );
    assert_fails(&output, "http");
    assert_eq!(gateway.accepted(), 0);
}
