//! Onboarding against OpenSSL: public key hashes of every key, CSR and certificate in
//! `test-vectors/` equal OpenSSL's (precomputed in `test-vectors/onboarding/expected-hashes.txt`),
//! and — when `openssl` is installed — keys and CSRs made by this crate are accepted by
//! OpenSSL and hash the same as OpenSSL says, and CSRs made by `openssl req -new` hash the
//! same here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use applepay_crypto::{Csr, CsrSubject, KeyAlgorithm, PrivateKey, PublicKeyHash};
use rand::SeedableRng;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/onboarding")
}

#[test]
fn hashes_equal_openssl_for_every_vector() {
    let expected = std::fs::read_to_string(vectors().join("expected-hashes.txt")).unwrap();
    let mut checked = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        let (file, hash) = line.split_once(' ').unwrap();
        let input = std::fs::read(vectors().join(file)).unwrap();
        let ours = if file.contains("encrypted") {
            PrivateKey::decrypt_pem_or_der(&input, "test")
                .unwrap()
                .public_key_hash()
        } else {
            PublicKeyHash::from_pem_or_der(&input).unwrap_or_else(|e| panic!("{file}: {e}"))
        };
        assert_eq!(ours.to_string(), hash, "{file}");
        checked += 1;
    }
    // 18 onboarding files and the 8 keys and certificates of the interop vectors.
    assert_eq!(checked, 26);
}

fn openssl_available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!(
            "openssl not found: skipping the live OpenSSL comparison (precomputed hashes still checked)"
        );
    }
    found
}

fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64`
fn openssl_hash(pem_key: &[u8], public: bool) -> String {
    let mut args = vec!["pkey", "-pubout", "-outform", "der"];
    if public {
        args.push("-pubin");
    }
    let der = openssl(&args, Some(pem_key));
    let digest = openssl(&["dgst", "-sha256", "-binary"], Some(&der));
    String::from_utf8(openssl(&["base64", "-A"], Some(&digest))).unwrap()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("applepay-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn our_keys_and_csrs_satisfy_openssl() {
    if !openssl_available() {
        return;
    }
    let dir = TempDir::new("csr");
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let subject = CsrSubject::new()
        .common_name("Example Payment Processing")
        .organization("Example, Inc.")
        .country("US")
        .email("ops@example.com");
    for key in [
        PrivateKey::generate_p256(&mut rng).unwrap(),
        PrivateKey::generate_rsa2048(&mut rng).unwrap(),
    ] {
        let csr = Csr::create(&key, &subject, &mut rng).unwrap();
        let path = dir.0.join("req.pem");
        std::fs::write(&path, csr.to_pem().unwrap()).unwrap();
        let out = Command::new("openssl")
            .args([
                "req",
                "-verify",
                "-noout",
                "-text",
                "-in",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let verdict = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{verdict}");
        assert!(verdict.contains("verify OK"), "{verdict}");
        let algorithm = match key.algorithm() {
            KeyAlgorithm::P256 => "ecdsa-with-SHA256",
            _ => "sha256WithRSAEncryption",
        };
        assert!(text.contains(algorithm), "{text}");
        assert!(
            text.contains("C = US, O = \"Example, Inc.\", CN = Example Payment Processing, emailAddress = ops@example.com"),
            "{text}"
        );
        let pem = key.to_pkcs8_pem().unwrap();
        let expected = openssl_hash(pem.as_bytes(), false);
        assert_eq!(key.public_key_hash().to_string(), expected);
        assert_eq!(csr.public_key_hash().to_string(), expected);
        // OpenSSL reads our SEC1 export too.
        if let Ok(sec1) = key.to_sec1_pem() {
            assert_eq!(openssl_hash(sec1.as_bytes(), false), expected);
        }
    }
}

#[test]
fn openssl_csrs_hash_the_same_here() {
    if !openssl_available() {
        return;
    }
    let dir = TempDir::new("req-new");
    for (name, genpkey) in [
        (
            "p256",
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ][..],
        ),
        (
            "rsa",
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ][..],
        ),
    ] {
        let key_pem = openssl(genpkey, None);
        let key_path = dir.0.join(format!("{name}.key"));
        std::fs::write(&key_path, &key_pem).unwrap();
        let csr = openssl(
            &[
                "req",
                "-new",
                "-key",
                key_path.to_str().unwrap(),
                "-subj",
                "/CN=openssl/O=Example/C=US",
            ],
            None,
        );
        let expected = openssl_hash(&key_pem, false);
        assert_eq!(
            PublicKeyHash::from_pem_or_der(&csr).unwrap().to_string(),
            expected,
            "{name}"
        );
        assert_eq!(
            PublicKeyHash::from_pem_or_der(&key_pem)
                .unwrap()
                .to_string(),
            expected,
            "{name}"
        );
        let public = openssl(&["pkey", "-pubout"], Some(&key_pem));
        assert_eq!(openssl_hash(&public, true), expected);
        assert_eq!(
            PublicKeyHash::from_pem_or_der(&public).unwrap().to_string(),
            expected
        );
    }
}
