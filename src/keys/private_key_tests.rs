//! Unit tests of `private_key`.

use super::*;
use alloc::format;

const SEC1: &str = include_str!("../../test-vectors/gala-current/merchant_key.pem");

#[test]
fn sec1_with_ec_parameters_block() {
    let plain = PrivateKey::from_pem(SEC1).unwrap();
    let with_params = format!(
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{SEC1}"
    );
    let key = PrivateKey::from_pem(&with_params).unwrap();
    assert_eq!(key.public_key_hash(), plain.public_key_hash());
}

#[test]
fn debug_does_not_reveal_the_scalar() {
    let key = PrivateKey::from_pem(SEC1).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("public_key_hash"));
    assert!(!debug.contains("29af07b6"), "{debug}");
}

#[test]
fn garbage_is_a_key_import_error() {
    for input in [&b""[..], b"hello", b"\x30\x03\x02\x01\x01", &[0xff; 100]] {
        assert!(matches!(
            PrivateKey::from_pem_or_der(input),
            Err(Error::KeyImport(_))
        ));
    }
    let too_big = alloc::vec![b'A'; MAX_KEY_INPUT_LEN + 1];
    assert_eq!(
        PrivateKey::from_pem_or_der(&too_big).unwrap_err(),
        Error::InputTooLarge {
            limit: MAX_KEY_INPUT_LEN
        }
    );
}

const ONBOARDING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/onboarding");
const P256_HASH: &str = "pgGNY84sdjwZxs4rj6oKs5MuUqprt1TgcP+PJ/QaD0A=";
const RSA_HASH: &str = "AGb1GLrG54FBooP9835wH04styIDLaHzRHFVzWjwtSk=";

#[cfg(feature = "std")]
fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{ONBOARDING}/{name}")).unwrap()
}

#[cfg(feature = "std")]
#[test]
fn every_unencrypted_format_imports() {
    for (file, algorithm, hash) in [
        ("p256.sec1.pem", KeyAlgorithm::P256, P256_HASH),
        ("p256.pkcs8.pem", KeyAlgorithm::P256, P256_HASH),
        ("p256.pkcs8.der", KeyAlgorithm::P256, P256_HASH),
        ("rsa.pkcs1.pem", KeyAlgorithm::Rsa, RSA_HASH),
        ("rsa.pkcs1.der", KeyAlgorithm::Rsa, RSA_HASH),
        ("rsa.pkcs8.pem", KeyAlgorithm::Rsa, RSA_HASH),
    ] {
        let key = PrivateKey::from_pem_or_der(&read(file)).unwrap();
        assert_eq!(key.algorithm(), algorithm, "{file}");
        assert_eq!(key.public_key_hash().to_string(), hash, "{file}");
        let again = PrivateKey::from_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(again.public_key_hash(), key.public_key_hash(), "{file}");
    }
}

#[cfg(feature = "std")]
#[test]
fn encrypted_pkcs8() {
    for (file, hash) in [
        ("p256.encrypted.pem", P256_HASH),
        ("rsa.encrypted.der", RSA_HASH),
    ] {
        let key = PrivateKey::decrypt_pem_or_der(&read(file), "test").unwrap();
        assert_eq!(key.public_key_hash().to_string(), hash, "{file}");
        for wrong in ["", "Test", "test "] {
            assert_eq!(
                PrivateKey::decrypt_pem_or_der(&read(file), wrong).unwrap_err(),
                Error::KeyImport(KeyImportError::WrongPassword),
                "{file} {wrong:?}"
            );
        }
        assert_eq!(
            PrivateKey::from_pem_or_der(&read(file)).unwrap_err(),
            Error::KeyImport(KeyImportError::WrongPassword),
        );
    }
    // The password is unused for an unencrypted key.
    assert!(PrivateKey::decrypt_pem_or_der(&read("p256.pkcs8.pem"), "x").is_ok());
    // PBES1 (PBE-SHA1-3DES) is refused as unsupported, not as a wrong password.
    assert_eq!(
        PrivateKey::decrypt_pem_or_der(&read("p256.pbes1.pem"), "test").unwrap_err(),
        Error::KeyImport(KeyImportError::UnsupportedEncryption)
    );
    let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        PrivateKey::decrypt_pem_or_der(legacy.as_bytes(), "test").unwrap_err(),
        Error::KeyImport(KeyImportError::UnsupportedEncryption)
    );
}

#[test]
fn unsupported_algorithms_are_named() {
    // PKCS#8 Ed25519 key (RFC 8410 example).
    let ed25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        PrivateKey::from_pem(ed25519).unwrap_err(),
        Error::KeyImport(KeyImportError::UnsupportedAlgorithm)
    );
    // A P-384 SEC1 key.
    let p384 = "-----BEGIN EC PRIVATE KEY-----\nMIGkAgEBBDCkdRYTjFMwlRuzp8kS1Jzh6VbqqUtChMnd1JbzHdPy0XtQI43rfhJT\nGzhxhgq8VJ6gBwYFK4EEACKhZANiAARiIY0N9ZGxRD0SROFE4WOgWtvmh5C+DfP+\nNY4u8Rm/OwxPGeXw8mZsc4ZnqZf9IG9wYS7VzXg0vBsE/C8vSGwbmPi1x9Lt3JLn\nl9TImrE6hUHTFX6sX1CpcKtC2kj0Vzg=\n-----END EC PRIVATE KEY-----\n";
    assert!(matches!(
        PrivateKey::from_pem(p384),
        Err(Error::KeyImport(_))
    ));
}

#[cfg(feature = "std")]
#[test]
fn rsa_debug_is_redacted() {
    let key = PrivateKey::from_pem_or_der(&read("rsa.pkcs1.pem")).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains(RSA_HASH), "{debug}");
    let pem = String::from_utf8(read("rsa.pkcs1.pem")).unwrap();
    let body_line = pem.lines().nth(3).unwrap();
    assert!(!debug.contains(body_line), "{debug}");
    assert!(debug.len() < 200, "{debug}");
}

#[test]
fn rsa_keys_outside_2048_to_4096_bits_are_refused() {
    use rand::SeedableRng;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let small = rsa::PrivateKey::new(&mut rng, 1024).unwrap();
    let der = small.to_pkcs1_der().unwrap();
    assert_eq!(
        PrivateKey::from_der(der.as_bytes()).unwrap_err(),
        Error::KeyImport(KeyImportError::UnsupportedAlgorithm)
    );
}

/// Every scheme a key lists signs verifiably, on every back-end; others are refused.
#[cfg(feature = "std")]
#[test]
fn signing_schemes_sign_verifiably() {
    use rand::SeedableRng;
    use rsa::signature::Verifier;
    use sha2::Digest;
    use spki::DecodePublicKey;
    let providers: &[&dyn Provider] = &[
        &crate::provider::RustCrypto,
        #[cfg(feature = "aws-lc-rs")]
        &crate::provider::AwsLc,
    ];
    let message = b"TLS 1.3, client CertificateVerify";
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for &provider in providers {
        let rsa_key = PrivateKey::from_pem_or_der_with(provider, &read("rsa.pkcs1.pem")).unwrap();
        assert_eq!(
            rsa_key.signing_schemes(),
            [SigningScheme::RsaPssSha256, SigningScheme::RsaPkcs1Sha256]
        );
        let public = rsa::PublicKey::from_public_key_der(rsa_key.public_key_spki()).unwrap();
        let pss = rsa_key
            .sign_with_scheme(SigningScheme::RsaPssSha256, &mut rng, message)
            .unwrap();
        let again = rsa_key
            .sign_with_scheme(SigningScheme::RsaPssSha256, &mut rng, message)
            .unwrap();
        assert_ne!(pss, again, "the salt is random");
        for signature in [&pss, &again] {
            public
                .verify(
                    rsa::pss::Pss::<sha2::Sha256>::new(),
                    &sha2::Sha256::digest(message),
                    signature,
                )
                .unwrap();
        }
        let pkcs1 = rsa_key
            .sign_with_scheme(SigningScheme::RsaPkcs1Sha256, &mut rng, message)
            .unwrap();
        assert_eq!(pkcs1, rsa_key.sign(&mut rng, message).unwrap());
        assert_eq!(
            rsa_key
                .sign_with_scheme(SigningScheme::EcdsaP256Sha256, &mut rng, message)
                .unwrap_err(),
            Error::KeyImport(KeyImportError::UnsupportedAlgorithm)
        );

        let ec_key = PrivateKey::from_pem_or_der_with(provider, &read("p256.sec1.pem")).unwrap();
        assert_eq!(ec_key.signing_schemes(), [SigningScheme::EcdsaP256Sha256]);
        let der = ec_key
            .sign_with_scheme(SigningScheme::EcdsaP256Sha256, &mut rng, message)
            .unwrap();
        let verifying =
            p256::ecdsa::VerifyingKey::from_public_key_der(ec_key.public_key_spki()).unwrap();
        verifying
            .verify(message, &p256::ecdsa::Signature::from_der(&der).unwrap())
            .unwrap();
        for scheme in [SigningScheme::RsaPssSha256, SigningScheme::RsaPkcs1Sha256] {
            assert!(ec_key.sign_with_scheme(scheme, &mut rng, message).is_err());
        }
    }
}

/// A key that implements only the required method keeps compiling and lists no scheme.
#[test]
fn default_signing_schemes_are_empty() {
    struct Minimal;
    impl MerchantKey for Minimal {
        fn public_key_spki(&self) -> &[u8] {
            &[]
        }
    }
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    assert!(Minimal.signing_schemes().is_empty());
    assert_eq!(
        Minimal
            .sign_with_scheme(SigningScheme::RsaPssSha256, &mut rng, b"m")
            .unwrap_err(),
        Error::KeyImport(KeyImportError::UnsupportedAlgorithm)
    );
}
