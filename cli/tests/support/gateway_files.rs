//! The stand-in gateway's test PKI and its files on disk, for the CLI's gateway tests
//! (one RSA key generation per test binary), and the check of a failed command.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use applepay_crypto::mint::{GatewayPki, IdentityVariant};

/// The PKI and the directory holding its files: `ca.pem` (the gateway's CA),
/// `identity.pem` + `identity.key` (the Merchant Identity), `expired.pem`,
/// `no-marker.pem` (the same key without Apple's marker: a platform integrator
/// certificate), `foreign.pem` (from a CA the gateway does not trust) and `other.key`
/// (another RSA key).
pub struct Files {
    pub pki: GatewayPki,
    pub dir: PathBuf,
}

pub fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let pki = GatewayPki::new(b"cli gateway tests").unwrap();
        let dir = std::env::temp_dir().join(format!("applepay-gateway-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
        write("ca.pem", pki.gateway_ca_pem().unwrap());
        write("identity.pem", pki.identity_cert_pem().unwrap());
        write("identity.key", pki.identity_key_pem().unwrap());
        for (name, variant) in [
            ("expired.pem", IdentityVariant::Expired),
            ("no-marker.pem", IdentityVariant::NoMarker),
            ("foreign.pem", IdentityVariant::Foreign),
        ] {
            write(name, pki.identity_variant_pem(variant).unwrap());
        }
        // Another RSA key: the one in the repository's onboarding vectors.
        let other = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../test-vectors/onboarding/rsa.pkcs1.pem"
        );
        std::fs::copy(other, dir.join("other.key")).unwrap();
        Files { pki, dir }
    })
}

/// The path of one of the files.
pub fn path(name: &str) -> String {
    files().dir.join(name).display().to_string()
}

/// Asserts exit 1, nothing on stdout, and `error: <kind>: ` on stderr; returns stderr.
#[track_caller]
pub fn assert_fails(output: &Output, kind: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    assert!(
        stderr.starts_with(&format!("error: {kind}: ")),
        "wanted {kind}, got {stderr}"
    );
    stderr
}
