//! The simulated gateway (feature `simulator`) against this package's own client: every
//! call answers as Apple's would for the simulation's Merchant Identity, and another
//! simulation's identity fails the handshake.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use applepay_crypto::mint::Simulation;
use applepay_crypto::{
    IdentityRole, Initiative, MerchantCertificate, MerchantIdentity, MerchantRegistration,
    MerchantSessionRequest, PrivateKey, UnixTime, ValidationUrl,
};
use applepay_gateway::simulator::{SimulatorEvent, SimulatorServer};
use applepay_gateway::{BlockingGateway, ConnectTo, Gateway};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

const MERCHANT: &str = "merchant.com.example.simulated-shop";

fn simulation(seed: u8) -> Simulation {
    Simulation::from_seed([seed; 32], MERCHANT).unwrap()
}

/// The simulation's gateway, started once for the whole file, and its log.
fn server() -> &'static (SocketAddr, std::sync::Mutex<Receiver<SimulatorEvent>>) {
    static SERVER: OnceLock<(SocketAddr, std::sync::Mutex<Receiver<SimulatorEvent>>)> =
        OnceLock::new();
    SERVER.get_or_init(|| {
        let server = SimulatorServer::bind("127.0.0.1:0", simulation(1)).unwrap();
        let addr = server.local_addr().unwrap();
        let (send, receive) = channel();
        let send = std::sync::Mutex::new(send);
        std::thread::spawn(move || {
            server.serve(move |event| {
                send.lock().unwrap().send(event.clone()).ok();
            })
        });
        (addr, std::sync::Mutex::new(receive))
    })
}

fn next_event() -> SimulatorEvent {
    server()
        .1
        .lock()
        .unwrap()
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
}

/// A client with `seed`'s identity, trusting simulation 1's gateway CA.
fn client(seed: u8, role: IdentityRole) -> BlockingGateway {
    let identity_pki = simulation(seed).gateway_pki().unwrap();
    let chain = MerchantCertificate::chain_from_pem_or_der(
        identity_pki.identity_cert_pem().unwrap().as_bytes(),
    )
    .unwrap();
    let key =
        PrivateKey::from_pem_or_der(identity_pki.identity_key_pem().unwrap().as_bytes()).unwrap();
    let identity =
        MerchantIdentity::with_role(role, chain, Arc::new(key), UnixTime::now()).unwrap();
    let mut roots = RootCertStore::empty();
    let ca = simulation(1)
        .gateway_pki()
        .unwrap()
        .gateway_ca_pem()
        .unwrap();
    roots
        .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    let addr = server().0;
    let rule = ConnectTo::parse(&format!("::{}:{}", addr.ip(), addr.port())).unwrap();
    BlockingGateway::new(
        Gateway::builder(identity)
            .roots(roots)
            .connect_to(rule)
            .timeout(Duration::from_secs(20)),
    )
    .unwrap()
}

/// One test, so the log's events come in the order of the calls.
#[test]
fn every_call_answers_for_the_simulations_identity_only() {
    let merchant = client(1, IdentityRole::MerchantIdentity);
    let url =
        ValidationUrl::parse("https://apple-pay-gateway.apple.com/paymentservices/startSession")
            .unwrap();
    let request =
        MerchantSessionRequest::new(MERCHANT, "Shop", Initiative::Web, "shop.example.com").unwrap();
    let session = merchant.create_session(&url, &request).unwrap();
    let json: serde_json::Value = serde_json::from_slice(session.as_bytes()).unwrap();
    assert!(
        json["merchantSessionIdentifier"]
            .as_str()
            .unwrap()
            .starts_with("SSH")
    );
    assert_eq!(json["domainName"], "shop.example.com");
    let SimulatorEvent::Request {
        method,
        target,
        status,
        ..
    } = next_event()
    else {
        panic!("not a request")
    };
    assert_eq!(
        (method.as_str(), target.as_str(), status),
        ("POST", "/paymentservices/startSession", 200)
    );

    // Another merchant id in the request: Apple's 400, an `http` error.
    let other = MerchantSessionRequest::new(
        "merchant.com.other",
        "Shop",
        Initiative::Web,
        "shop.example.com",
    )
    .unwrap();
    let e = merchant.create_session(&url, &other).unwrap_err();
    assert_eq!(e.kind(), "http", "{e}");
    assert!(
        e.to_string().contains("not this simulation's merchant"),
        "{e}"
    );
    assert!(matches!(
        next_event(),
        SimulatorEvent::Request { status: 400, .. }
    ));

    // The Merchant Token Management API.
    let event = merchant.merchant_token_event(MERCHANT, "EV-1").unwrap();
    assert!(event.answer().is_some());
    assert_eq!(
        merchant
            .unlink_merchant_token(MERCHANT, "DNITHE1")
            .unwrap()
            .status(),
        204
    );
    let update = merchant
        .update_merchant_token_metadata(MERCHANT, "DNITHE1", "https://shop.example/notify")
        .unwrap();
    assert_eq!(update.body(), b"{}");
    let key = merchant
        .merchant_token_public_key(MERCHANT, "DNITHE1")
        .unwrap();
    assert!(!key.is_pending());
    for _ in 0..4 {
        assert!(matches!(
            next_event(),
            SimulatorEvent::Request {
                status: 200 | 204,
                ..
            }
        ));
    }

    // The Web Merchant Registration API, with the identity as a platform's.
    let platform = client(1, IdentityRole::PlatformIntegrator);
    let registration = MerchantRegistration::new(
        "shop 42",
        "Shop",
        "merchant.com.platform",
        &["shop.example.com"],
    )
    .unwrap();
    assert_eq!(
        platform.register_merchant(&registration).unwrap().status(),
        200
    );
    let details = platform.merchant_details("shop 42").unwrap();
    let details: serde_json::Value = serde_json::from_slice(details.body()).unwrap();
    assert_eq!(details["domainNames"][0], "shop.example.com");
    let unregistered = platform
        .unregister_merchant("shop 42", &["shop.example.com"], "closed")
        .unwrap();
    assert_eq!(unregistered.status(), 200);
    let e = platform.merchant_details("shop 42").unwrap_err();
    assert_eq!(e.kind(), "http", "{e}");
    for status in [200, 200, 200, 404] {
        let SimulatorEvent::Request { status: got, .. } = next_event() else {
            panic!("not a request")
        };
        assert_eq!(got, status);
    }

    // Another simulation's identity: the handshake fails, `tls` at the client, and the
    // server logs the refusal.
    let stranger = client(2, IdentityRole::MerchantIdentity);
    let e = stranger.create_session(&url, &request).unwrap_err();
    assert_eq!(e.kind(), "tls", "{e}");
    assert!(matches!(next_event(), SimulatorEvent::Refused { .. }));
}
