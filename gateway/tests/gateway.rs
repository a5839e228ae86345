//! `applepay-gateway` against the stand-in gateway on loopback: a real rustls server that
//! requires the test Merchant Identity certificate and checks, on its side, each request's
//! method, path, body, headers and client certificate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "support/stand_in.rs"]
mod stand_in;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use applepay_crypto::mint::{GATEWAY_TEST_MERCHANT_ID, GatewayPki, IdentityVariant};
use applepay_crypto::{
    GatewayHost, IdentityRole, Initiative, MAX_API_ANSWER_LEN, MerchantCertificate,
    MerchantIdentity, MerchantRegistration, MerchantSessionRequest, PrivateKey, UnixTime,
    ValidationUrl,
};
use applepay_gateway::{BlockingGateway, ConnectTo, Gateway, GatewayBuilder, GatewayError};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use stand_in::{Recorded, Reply, StandIn};

const URL: &str = "https://apple-pay-gateway.apple.com/paymentservices/startSession";
const SESSION: &[u8] = br#"{"epochTimestamp":1764600000000,"expiresAt":1764603600000,"merchantSessionIdentifier":"SSH0123456789ABCDEF","nonce":"4d4f","merchantIdentifier":"0F1E","domainName":"shop.example.com","displayName":"Example Shop","signature":"308006092a864886f7"}"#;
const BASE: &str = "/paymentservices/v1/merchantId/merchant.com.example.gateway/merchantToken/";

fn pki() -> &'static GatewayPki {
    static PKI: OnceLock<GatewayPki> = OnceLock::new();
    PKI.get_or_init(|| GatewayPki::new(b"gateway/tests/gateway.rs").unwrap())
}

fn identity_with(variant: IdentityVariant, role: IdentityRole) -> MerchantIdentity {
    let cert = pki().identity_variant_pem(variant).unwrap();
    let chain = MerchantCertificate::chain_from_pem_or_der(cert.as_bytes()).unwrap();
    let key = PrivateKey::from_pem_or_der(pki().identity_key_pem().unwrap().as_bytes()).unwrap();
    MerchantIdentity::with_role(role, chain, Arc::new(key), UnixTime::now()).unwrap()
}

fn identity() -> MerchantIdentity {
    identity_with(IdentityVariant::Valid, IdentityRole::MerchantIdentity)
}

fn roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let ca = pki().gateway_ca_pem().unwrap();
    roots
        .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    roots
}

fn builder_for(identity: MerchantIdentity, gateway: &StandIn) -> GatewayBuilder {
    Gateway::builder(identity)
        .roots(roots())
        .connect_to(ConnectTo::parse(&gateway.connect_to()).unwrap())
        .timeout(Duration::from_secs(5))
}

fn client(gateway: &StandIn) -> BlockingGateway {
    BlockingGateway::new(builder_for(identity(), gateway)).unwrap()
}

fn stand_in(reply: Reply) -> StandIn {
    StandIn::start(pki().server_config().unwrap(), reply)
}

fn session_request() -> MerchantSessionRequest {
    MerchantSessionRequest::new(
        GATEWAY_TEST_MERCHANT_ID,
        "Example Shop",
        Initiative::Web,
        "shop.example.com",
    )
    .unwrap()
}

/// Checks what every request must carry: the identity's certificate, a JSON `Accept`, a
/// fresh UUID v4 `x-request-id`, the gateway's `Host`; returns the request id.
#[track_caller]
fn assert_common(request: &Recorded, host: &str) -> String {
    assert_common_with(request, host, IdentityVariant::Valid)
}

#[track_caller]
fn assert_common_with(request: &Recorded, host: &str, variant: IdentityVariant) -> String {
    let identity = pki().identity_variant_pem(variant).unwrap();
    let der = CertificateDer::from_pem_slice(identity.as_bytes()).unwrap();
    assert_eq!(request.client_cert.as_deref(), Some(der.as_ref()));
    assert_eq!(request.header("host"), Some(host));
    assert_eq!(request.header("accept"), Some("application/json"));
    let id = request
        .header("x-request-id")
        .expect("x-request-id")
        .to_owned();
    let uuid = uuid::Uuid::parse_str(&id).expect("a UUID");
    assert_eq!(uuid.get_version_num(), 4, "{id}");
    if request.method == "POST" {
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
    id
}

#[test]
fn a_session_is_apples_answer_byte_for_byte() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let session = client(&gateway)
        .create_session(&ValidationUrl::parse(URL).unwrap(), &session_request())
        .unwrap();
    assert_eq!(session.as_bytes(), SESSION);
    let request = gateway.request().unwrap();
    assert_common(&request, "apple-pay-gateway.apple.com");
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/paymentservices/startSession")
    );
    assert_eq!(request.body, session_request().to_json().as_bytes());
    // TLS 1.3, so the RSA identity key signed with RSA-PSS.
    assert_eq!(request.version, Some(rustls::ProtocolVersion::TLSv1_3));
}

#[test]
fn every_merchant_token_call_reaches_its_endpoint() {
    let gateway = StandIn::start_with(pki().server_config().unwrap(), |request| {
        let path = request.path.as_str();
        match (request.method.as_str(), path.strip_prefix(BASE)) {
            ("GET", Some("event/EV%2F1%20x")) => Reply::json(200, br#"{"event":1}"#),
            ("POST", Some("unlink")) => Reply::empty(204),
            ("POST", Some("updateMerchantMetadata")) => Reply::json(200, b"{}"),
            ("POST", Some("publicKey")) if request.body.windows(5).any(|w| w == b"LATER") => {
                Reply::empty(202)
            }
            ("POST", Some("publicKey")) => Reply::json(200, br#"{"publicKey":"BAA="}"#),
            _ => Reply::json(404, br#"{"errorMessage":"no route","statusCode":404}"#),
        }
    });
    let client = client(&gateway);
    let id = GATEWAY_TEST_MERCHANT_ID;

    // An identifier with a space is percent-encoded; one with `/` is refused, unsent.
    assert!(matches!(
        client.merchant_token_event(id, "EV/1 x"),
        Err(GatewayError::InvalidParameter(_))
    ));
    let event = client.merchant_token_event(id, "EV%1 x");
    assert!(
        event.is_err(),
        "% is encoded, so the stand-in sees another path"
    );
    let request = gateway.request().unwrap();
    assert_eq!(request.path, format!("{BASE}event/EV%251%20x"));
    assert_eq!(request.method, "GET");
    assert!(request.body.is_empty());

    let unlink = client.unlink_merchant_token(id, "DNITHE1").unwrap();
    assert_eq!((unlink.status(), unlink.body()), (204, &b""[..]));
    let request = gateway.request().unwrap();
    assert_common(&request, "apple-pay-gateway.apple.com");
    assert_eq!(request.body, br#"{"merchantTokenIdentifier":"DNITHE1"}"#);

    let update = client
        .update_merchant_token_metadata(id, "DNITHE1", "https://shop.example/notify")
        .unwrap();
    assert_eq!(update.body(), b"{}");
    let request = gateway.request().unwrap();
    assert_eq!(request.path, format!("{BASE}updateMerchantMetadata"));
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"merchantTokenIdentifier":"DNITHE1","merchantMetadata":{"tokenNotificationURL":"https://shop.example/notify"}}"#
    );

    let key = client.merchant_token_public_key(id, "DNITHE1").unwrap();
    assert_eq!(key.body(), br#"{"publicKey":"BAA="}"#);
    assert!(!key.is_pending());
    let pending = client.merchant_token_public_key(id, "LATER").unwrap();
    assert!(pending.is_pending());
    assert!(pending.body().is_empty());
}

#[test]
fn platform_calls_take_a_platform_identity_merchant_token_calls_do_not() {
    let gateway = StandIn::start_with(pki().server_config().unwrap(), |request| {
        match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/paymentservices/registerMerchant") => Reply::json(200, b"{}"),
            ("POST", "/paymentservices/unregisterMerchant") => Reply::json(200, b"{}"),
            ("GET", "/paymentservices/merchant/shop%2042") => {
                Reply::json(200, br#"{"domainNames":["shop.example.com"]}"#)
            }
            _ => Reply::json(404, br#"{"statusMessage":"no route","statusCode":"404"}"#),
        }
    });
    // The test PKI's certificate without the Merchant Identity marker stands for a
    // platform integrator certificate (Apple documents no marker for it).
    let platform = identity_with(IdentityVariant::NoMarker, IdentityRole::PlatformIntegrator);
    let client = BlockingGateway::new(builder_for(platform, &gateway)).unwrap();

    let merchant = MerchantRegistration::new(
        "shop 42",
        "Example Shop",
        "merchant.com.platform",
        &["shop.example.com", "www.shop.example.com"],
    )
    .unwrap()
    .with_merchant_url("https://shop.example.com/")
    .unwrap();
    assert_eq!(client.register_merchant(&merchant).unwrap().status(), 200);
    let request = gateway.request().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"domainNames":["shop.example.com","www.shop.example.com"],"encryptTo":"merchant.com.platform","partnerInternalMerchantIdentifier":"shop 42","partnerMerchantName":"Example Shop","merchantUrl":"https://shop.example.com/"}"#
    );

    let unregistered = client
        .unregister_merchant("shop 42", &["www.shop.example.com"], "site closed")
        .unwrap();
    assert_eq!(unregistered.body(), b"{}");
    let request = gateway.request().unwrap();
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"domainNames":["www.shop.example.com"],"partnerInternalMerchantIdentifier":"shop 42","reason":"site closed"}"#
    );

    let details = client.merchant_details("shop 42").unwrap();
    assert_eq!(details.body(), br#"{"domainNames":["shop.example.com"]}"#);
    assert_common_with(
        &gateway.request().unwrap(),
        "apple-pay-gateway.apple.com",
        IdentityVariant::NoMarker,
    );

    let refused = client.unlink_merchant_token(GATEWAY_TEST_MERCHANT_ID, "T1");
    assert_eq!(refused.unwrap_err().kind(), "identity");
    let refused = client.create_session(&ValidationUrl::parse(URL).unwrap(), &session_request());
    assert_eq!(refused.unwrap_err().kind(), "identity");
    assert!(
        gateway.request().is_none(),
        "nothing sent for a refused call"
    );
}

#[test]
fn the_sandbox_host_is_used_when_chosen() {
    let gateway = stand_in(Reply::json(200, b"{}"));
    let client =
        BlockingGateway::new(builder_for(identity(), &gateway).host(GatewayHost::SANDBOX)).unwrap();
    assert_eq!(client.merchant_details("p1").unwrap().body(), b"{}");
    let request = gateway.request().unwrap();
    assert_eq!(
        request.header("host"),
        Some("apple-pay-gateway-cert.apple.com")
    );
}

#[test]
fn a_warm_client_reuses_its_connection() {
    let gateway = stand_in(Reply::json(200, SESSION));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = builder_for(identity(), &gateway).build().await.unwrap();
        let url = ValidationUrl::parse(URL).unwrap();
        for _ in 0..3 {
            let session = client
                .create_session(&url, &session_request())
                .await
                .unwrap();
            assert_eq!(session.as_bytes(), SESSION);
            // hyper hands the connection back to the pool from its connection task once
            // the answer's end is read, concurrently with this caller; on a loaded machine
            // an immediate next call can come first and dial anew. A payment server's calls
            // are not microseconds apart.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let request = gateway.request().unwrap();
            assert_eq!(request.connection, 1);
            request.header("x-request-id").unwrap().to_owned()
        })
        .collect();
    assert_eq!(gateway.accepted(), 1, "one TCP connection for three calls");
    assert_eq!(gateway.handshakes(), 1, "one TLS handshake for three calls");
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "a fresh x-request-id each"
    );
}

#[test]
fn apple_errors_are_http_errors_with_apples_message_escaped() {
    let gateway = stand_in(Reply::json(
        404,
        br#"{"errorMessage":"token \u202eunknown\u001b[2J","statusCode":404,"subStatusCode":"40401"}"#,
    ));
    let error = client(&gateway)
        .unlink_merchant_token(GATEWAY_TEST_MERCHANT_ID, "T1")
        .unwrap_err();
    assert_eq!(error.kind(), "http");
    let text = error.to_string();
    assert!(
        text.starts_with("HTTP 404: token \\u{202e}unknown\\u{1b}[2J"),
        "{text}"
    );
    assert!(!text.contains('\u{202e}') && !text.contains('\u{1b}'));
    let id = assert_common(&gateway.request().unwrap(), "apple-pay-gateway.apple.com");
    assert!(text.contains(&id), "the request id is reported: {text}");
    assert_eq!(error.request_id().unwrap().to_string(), id);

    let gateway = stand_in(Reply::json(
        400,
        br#"{"statusMessage":"Payment Services Exception merchantId=0F1E unregistered","statusCode":"400"}"#,
    ));
    let error = client(&gateway).merchant_details("p").unwrap_err();
    assert!(error.to_string().contains("unregistered"), "{error}");
}

#[test]
fn answers_that_are_not_json_objects_or_too_large_are_malformed() {
    let mut big = b"{\"a\":\"".to_vec();
    big.resize(MAX_API_ANSWER_LEN + 10, b'x');
    big.extend_from_slice(b"\"}");
    for reply in [
        Reply::json(200, b"[1,2]"),
        Reply::json(200, b"not json"),
        Reply::json(200, &big),
        Reply::Chunked {
            body: big.clone(),
            chunk: 4096,
        },
    ] {
        let gateway = stand_in(reply);
        let error = client(&gateway)
            .merchant_token_event(GATEWAY_TEST_MERCHANT_ID, "E1")
            .unwrap_err();
        assert_eq!(error.kind(), "malformed_answer", "{error}");
    }
    let gateway = stand_in(Reply::json(200, b"[]"));
    let error = client(&gateway)
        .create_session(&ValidationUrl::parse(URL).unwrap(), &session_request())
        .unwrap_err();
    assert_eq!(error.kind(), "malformed_answer");
}

#[test]
fn redirects_are_never_followed() {
    let target = stand_in(Reply::json(200, SESSION));
    let gateway = stand_in(Reply::Respond {
        status: 307,
        headers: vec![(
            "Location".into(),
            format!(
                "https://apple-pay-gateway-cert.apple.com:{}/x",
                target.addr.port()
            ),
        )],
        body: Vec::new(),
    });
    let error = client(&gateway)
        .create_session(&ValidationUrl::parse(URL).unwrap(), &session_request())
        .unwrap_err();
    assert_eq!(error.kind(), "http");
    assert!(error.to_string().contains("307 redirect"), "{error}");
    assert!(error.to_string().contains("not followed"), "{error}");
    assert_eq!(target.accepted(), 0);
}

#[test]
fn tls_failures_are_tls_errors() {
    // The gateway's certificate from a CA the client does not trust.
    let gateway = stand_in(Reply::json(200, SESSION));
    let untrusting = BlockingGateway::new(
        Gateway::builder(identity())
            .roots(RootCertStore::empty())
            .connect_to(ConnectTo::parse(&gateway.connect_to()).unwrap()),
    );
    // An empty root store is refused when the client is built, or the handshake fails.
    match untrusting {
        Err(e) => assert_eq!(e.kind(), "identity"),
        Ok(client) => {
            let e = client.merchant_details("p").unwrap_err();
            assert_eq!(e.kind(), "tls", "{e}");
        }
    }
    let mozilla_only = BlockingGateway::new(
        Gateway::builder(identity()).connect_to(ConnectTo::parse(&gateway.connect_to()).unwrap()),
    )
    .unwrap();
    let e = mozilla_only.merchant_details("p").unwrap_err();
    assert_eq!(e.kind(), "tls", "{e}");
    assert!(e.to_string().contains("not trusted"), "{e}");

    // A certificate for another of Apple's hosts.
    let config = pki()
        .server_config_for(
            &["apple-pay-gateway-cert.apple.com"],
            &[&rustls::version::TLS13],
        )
        .unwrap();
    let wrong_name = StandIn::start(config, Reply::json(200, SESSION));
    let e = client(&wrong_name).merchant_details("p").unwrap_err();
    assert_eq!(e.kind(), "tls", "{e}");
    assert!(e.to_string().contains("not valid for name"), "{e}");

    // An identity the gateway does not trust: in TLS 1.3 the refusal arrives as an alert
    // while the answer is read, and is still `tls`.
    let foreign = identity_with(IdentityVariant::Foreign, IdentityRole::MerchantIdentity);
    let refused = BlockingGateway::new(builder_for(foreign, &gateway)).unwrap();
    let e = refused.merchant_details("p").unwrap_err();
    assert_eq!(e.kind(), "tls", "{e}");
    assert!(e.to_string().contains("client certificate"), "{e}");
    assert!(gateway.request().is_none());
}

#[test]
fn nothing_drips_past_the_deadline() {
    let limit = Duration::from_secs(2);
    let interval = Duration::from_millis(500);
    // A server that drips a handshake record, and one that drips a valid answer.
    let handshake = StandIn::handshake_dripper(interval);
    let answer = stand_in(Reply::Drip {
        body: SESSION.to_vec(),
        interval,
    });
    for gateway in [&handshake, &answer] {
        let client = BlockingGateway::new(builder_for(identity(), gateway).timeout(limit)).unwrap();
        let start = Instant::now();
        let error = client
            .create_session(&ValidationUrl::parse(URL).unwrap(), &session_request())
            .unwrap_err();
        let took = start.elapsed();
        assert_eq!(error.kind(), "timeout", "{error}");
        assert!(took < limit + Duration::from_secs(1), "took {took:?}");
        assert!(took >= limit, "took {took:?}");
    }
    assert_eq!(handshake.accepted(), 1);
    assert!(
        answer.request().is_some(),
        "the dripped answer was to a real request"
    );
}

#[test]
fn a_stalled_gateway_times_out() {
    let gateway = stand_in(Reply::Stall(Duration::from_secs(10)));
    let client =
        BlockingGateway::new(builder_for(identity(), &gateway).timeout(Duration::from_secs(1)))
            .unwrap();
    let start = Instant::now();
    let error = client.merchant_details("p").unwrap_err();
    assert_eq!(error.kind(), "timeout");
    assert!(error.request_id().is_some());
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn bad_parameters_are_refused_before_any_connection() {
    let gateway = stand_in(Reply::json(200, b"{}"));
    let client = client(&gateway);
    let id = GATEWAY_TEST_MERCHANT_ID;
    let long = "x".repeat(65);
    let cases: Vec<Result<_, GatewayError>> = vec![
        client.merchant_token_event(id, ""),
        client.merchant_token_event(id, &long),
        client.merchant_token_event("../x", "E1"),
        client.unlink_merchant_token(id, "a\\b"),
        client.unlink_merchant_token(id, "a\u{0}"),
        client.update_merchant_token_metadata(id, "T1", "ftp://x"),
        client.merchant_details("a/b"),
        client.unregister_merchant("p", &[], "r"),
        client.unregister_merchant("p", &["not a domain"], "r"),
    ];
    for case in cases {
        assert_eq!(case.unwrap_err().kind(), "invalid_parameter");
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(gateway.accepted(), 0);
    assert_eq!(
        ConnectTo::parse("evil.example:443:127.0.0.1:1")
            .unwrap_err()
            .kind(),
        "invalid_parameter"
    );
    assert_eq!(
        BlockingGateway::new(Gateway::builder(identity()).proxy("not a url"))
            .unwrap_err()
            .kind(),
        "invalid_parameter"
    );
}

#[test]
fn an_explicit_proxy_is_used() {
    // A CONNECT proxy on loopback that tunnels to the stand-in.
    let gateway = stand_in(Reply::json(200, b"{}"));
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let upstream = gateway.addr;
    let (seen_send, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader, Write};
        let (client, _) = proxy.accept().unwrap();
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        seen_send.send(line.clone()).unwrap();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
        }
        let server = std::net::TcpStream::connect(upstream).unwrap();
        (&client)
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        std::thread::spawn(move || std::io::copy(&mut s2, &mut c2));
        let mut client = client;
        let mut server = server;
        let _ = std::io::copy(&mut client, &mut server);
    });
    let client = BlockingGateway::new(
        Gateway::builder(identity())
            .roots(roots())
            .proxy(&format!("http://{proxy_addr}")),
    )
    .unwrap();
    assert_eq!(client.merchant_details("p").unwrap().body(), b"{}");
    let connect = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        connect,
        "CONNECT apple-pay-gateway.apple.com:443 HTTP/1.1\r\n"
    );
    assert_common(&gateway.request().unwrap(), "apple-pay-gateway.apple.com");
}

#[test]
fn a_connect_to_host_name_is_resolved_first() {
    // reqwest pins addresses, not names: `localhost` is resolved when the client is built.
    let gateway = stand_in(Reply::json(200, b"{}"));
    let rule = ConnectTo::parse(&format!(
        "apple-pay-gateway.apple.com:443:localhost:{}",
        gateway.addr.port()
    ))
    .unwrap();
    let client =
        BlockingGateway::new(Gateway::builder(identity()).roots(roots()).connect_to(rule)).unwrap();
    assert_eq!(client.merchant_details("p").unwrap().body(), b"{}");
    assert_common(&gateway.request().unwrap(), "apple-pay-gateway.apple.com");
}
