//! A stand-in for Apple's merchant validation gateway on 127.0.0.1, to try `applepay
//! session` (or your own HTTP client with `MerchantIdentity::client_config_with`) without
//! Apple: it writes the test PKI's files to a directory, prints the command to run, and
//! answers every request with a made-up merchant session.
//!
//! ```sh
//! cargo run -p applepay-gateway --example stand_in_gateway -- /tmp/gateway
//! ```
//!
//! The server certificate names Apple's gateway hosts and comes from a test CA
//! (`ca.pem`); the server requires a client certificate from the test identity CA, which
//! issued `identity.pem` (key `identity.key`). `--connect-to` points the real host name at
//! the loopback port, so the validation URL guard stays as strict as in production.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/stand_in.rs"]
mod stand_in;

use std::path::PathBuf;

use applepay_crypto::mint::GatewayPki;
use stand_in::{Reply, StandIn};

const SESSION: &[u8] = br#"{"epochTimestamp":1764600000000,"expiresAt":1764603600000,"merchantSessionIdentifier":"SSH-STAND-IN","nonce":"00","merchantIdentifier":"00","domainName":"shop.example.com","displayName":"Example Shop","signature":"00"}"#;

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "stand-in-gateway".into()),
    );
    std::fs::create_dir_all(&dir).expect("create the output directory");
    let pki = GatewayPki::new(b"stand-in gateway").expect("mint the test PKI");
    for (name, text) in [
        ("ca.pem", pki.gateway_ca_pem()),
        ("identity.pem", pki.identity_cert_pem()),
        ("identity.key", pki.identity_key_pem()),
    ] {
        std::fs::write(dir.join(name), text.expect("encode")).expect("write a PKI file");
    }
    let gateway = StandIn::start(
        pki.server_config().expect("server config"),
        Reply::json(200, SESSION),
    );
    let dir = dir.display();
    println!(
        "stand-in gateway on {addr}; try:\n\n  applepay session \\\n    --validation-url https://apple-pay-gateway.apple.com/paymentservices/startSession \\\n    --identity {dir}/identity.pem --identity-key {dir}/identity.key \\\n    --domain shop.example.com --display-name 'Example Shop' \\\n    --ca {dir}/ca.pem --connect-to {connect}\n",
        addr = gateway.addr,
        connect = gateway.connect_to(),
    );
    while let Some(request) = gateway.request_blocking() {
        println!("{}{}", request.head, String::from_utf8_lossy(&request.body));
    }
}
