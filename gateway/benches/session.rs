//! A merchant session call against the stand-in gateway on loopback: on a warm client
//! (its pooled connection reused: no TCP or TLS handshake) and on a cold one (a new
//! client per call: TCP connect, TLS 1.3 handshake with the RSA-2048 identity signing,
//! then the exchange).
//!
//! `cargo bench -p applepay-gateway --bench session`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/stand_in.rs"]
mod stand_in;

use std::sync::Arc;
use std::time::Duration;

use applepay_crypto::mint::{GATEWAY_TEST_MERCHANT_ID, GatewayPki};
use applepay_crypto::{
    Initiative, MerchantIdentity, MerchantSessionRequest, UnixTime, ValidationUrl,
};
use applepay_gateway::{ConnectTo, Gateway, GatewayBuilder};
use criterion::{Criterion, criterion_group, criterion_main};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use stand_in::{Reply, StandIn};

const SESSION: &[u8] = br#"{"epochTimestamp":1764600000000,"expiresAt":1764603600000,"merchantSessionIdentifier":"SSH0123456789ABCDEF","nonce":"4d4f","merchantIdentifier":"0F1E","domainName":"shop.example.com","displayName":"Example Shop","signature":"308006092a864886f7"}"#;

fn session(c: &mut Criterion) {
    let pki = GatewayPki::new(b"gateway/benches/session.rs").unwrap();
    let gateway = StandIn::start(pki.server_config().unwrap(), Reply::json(200, SESSION));
    // The stand-in records every request; drain the records so they do not pile up.
    let identity = Arc::new(
        MerchantIdentity::from_pem_or_der(
            pki.identity_cert_pem().unwrap().as_bytes(),
            pki.identity_key_pem().unwrap().as_bytes(),
            UnixTime::now(),
        )
        .unwrap(),
    );
    let mut roots = RootCertStore::empty();
    let ca = pki.gateway_ca_pem().unwrap();
    roots
        .add(CertificateDer::from_pem_slice(ca.as_bytes()).unwrap())
        .unwrap();
    let builder = || -> GatewayBuilder {
        Gateway::builder(Arc::clone(&identity))
            .roots(roots.clone())
            .connect_to(ConnectTo::parse(&gateway.connect_to()).unwrap())
            .timeout(Duration::from_secs(10))
    };
    let url =
        ValidationUrl::parse("https://apple-pay-gateway.apple.com/paymentservices/startSession")
            .unwrap();
    let request = MerchantSessionRequest::new(
        GATEWAY_TEST_MERCHANT_ID,
        "Example Shop",
        Initiative::Web,
        "shop.example.com",
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("gateway/session");
    let warm = runtime.block_on(builder().build()).unwrap();
    group.bench_function("warm", |b| {
        b.iter(|| {
            let session = runtime
                .block_on(warm.create_session(&url, &request))
                .unwrap();
            while gateway.try_request().is_some() {}
            session
        });
    });
    group.bench_function("cold", |b| {
        b.iter(|| {
            let client = runtime.block_on(builder().build()).unwrap();
            let session = runtime
                .block_on(client.create_session(&url, &request))
                .unwrap();
            while gateway.try_request().is_some() {}
            session
        });
    });
    group.finish();
}

criterion_group!(benches, session);
criterion_main!(benches);
