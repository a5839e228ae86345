//! `RSA_v1` tokens and RSA-signed tokens, minted by the simulator: they verify and
//! decrypt on every back-end, RSA and EC keys share a keyring, and every unwrap failure
//! is the same opaque error.

use std::sync::LazyLock;

use applepay_crypto::mint::{Encoding, Fault, SAMPLE_PLAINTEXT, Signer, TestPki, TokenSpec};
use applepay_crypto::provider::{Provider, RustCrypto};
use applepay_crypto::{
    DEFAULT_MAX_AGE, Error, KeyAlgorithm, Keyring, MerchantCertificate, MerchantKey, PaymentToken,
    PrivateKey, SharedSecret, UnixTime, Version, dangerous,
};
use base64ct::{Base64, Encoding as _};
use zeroize::Zeroizing;

/// RSA key generation takes a moment: one PKI for the whole file.
static PKI: LazyLock<TestPki> = LazyLock::new(|| TestPki::with_rsa(b"rsa tests").unwrap());

fn signed() -> UnixTime {
    UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").unwrap()
}

fn spec(version: Version, signer: Signer) -> TokenSpec {
    let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed());
    spec.version = version;
    spec.signer = signer;
    spec.application_data = Some(vec![0xAB; 32]);
    spec
}

fn mint(spec: &TokenSpec) -> PaymentToken {
    PaymentToken::from_json(PKI.mint(spec).unwrap().as_bytes()).unwrap()
}

fn cert(pem: &str) -> MerchantCertificate {
    MerchantCertificate::from_pem_or_der(pem.as_bytes()).unwrap()
}

/// Both merchant keys, each with its certificate, in one keyring.
fn keyring(provider: &'static dyn Provider) -> Keyring {
    let rsa =
        PrivateKey::from_pem_or_der_with(provider, PKI.rsa_merchant_key_pem().unwrap().as_bytes())
            .unwrap();
    let ec = PrivateKey::from_pem_or_der_with(provider, PKI.merchant_key_pem().unwrap().as_bytes())
        .unwrap();
    assert_eq!(rsa.algorithm(), KeyAlgorithm::Rsa);
    let mut keyring = Keyring::with_provider(provider);
    keyring
        .add_with_certificate(ec, &cert(&PKI.merchant_cert_pem().unwrap()))
        .unwrap()
        .add_with_certificate(rsa, &cert(&PKI.rsa_merchant_cert_pem().unwrap()))
        .unwrap();
    keyring
}

fn providers() -> Vec<&'static dyn Provider> {
    vec![
        &RustCrypto,
        #[cfg(feature = "aws-lc-rs")]
        &applepay_crypto::provider::AwsLc,
    ]
}

#[test]
fn every_version_and_signer_verifies_and_decrypts_with_ec_and_rsa_keys_in_one_keyring() {
    for provider in providers() {
        let keyring = keyring(provider);
        assert_eq!(keyring.len(), 2);
        let verifier = PKI.verifier().with_provider(provider);
        for version in [Version::EcV1, Version::RsaV1] {
            for signer in [Signer::Ecdsa, Signer::Rsa] {
                for encoding in [Encoding::BerIndefinite, Encoding::Der] {
                    let spec = TokenSpec {
                        encoding,
                        ..spec(version, signer)
                    };
                    let token = mint(&spec);
                    assert_eq!(token.version(), version);
                    assert_eq!(token.wrapped_key().is_some(), version == Version::RsaV1);
                    let verified = token
                        .verify(&verifier, signed().saturating_add_secs(30), DEFAULT_MAX_AGE)
                        .unwrap_or_else(|e| panic!("{provider:?} {version:?} {signer:?}: {e}"));
                    let payment = keyring.decrypt(&verified).unwrap();
                    assert_eq!(payment.plaintext(), SAMPLE_PLAINTEXT.as_bytes());
                    assert_eq!(payment.transaction_amount(), 1000);
                }
            }
        }
    }
}

#[test]
fn pkcs1_and_pkcs8_rsa_keys_decrypt_alike() {
    let pkcs1 = PKI.rsa_merchant_key().unwrap();
    let pkcs8 = PrivateKey::from_pem_or_der(pkcs1.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let verified = mint(&spec(Version::RsaV1, Signer::Ecdsa))
        .verify_at_signing_time(&PKI.verifier())
        .unwrap();
    for key in [pkcs1, pkcs8] {
        let mut keyring = Keyring::new();
        keyring.add_with_merchant_id(key, PKI.merchant_id());
        assert_eq!(
            keyring.decrypt(&verified).unwrap().plaintext(),
            SAMPLE_PLAINTEXT.as_bytes()
        );
    }
}

#[test]
fn validly_signed_bad_wraps_are_one_opaque_error() {
    for provider in providers() {
        let keyring = keyring(provider);
        let verifier = PKI.verifier().with_provider(provider);
        for fault in [
            Fault::WrongOaepLabel,
            Fault::WrongOaepHash,
            Fault::WrongWrappedKeyLength,
            Fault::WrappedForOtherKey,
        ] {
            for signer in [Signer::Ecdsa, Signer::Rsa] {
                let spec = TokenSpec {
                    fault: Some(fault),
                    ..spec(Version::RsaV1, signer)
                };
                let verified = mint(&spec).verify_at_signing_time(&verifier).unwrap();
                assert_eq!(
                    keyring.decrypt(&verified).unwrap_err(),
                    Error::DecryptionFailed,
                    "{provider:?} {fault:?} {signer:?}"
                );
            }
        }
    }
}

#[test]
fn tampered_wrapped_key_fails_verification_and_unverified_unwrap() {
    let keyring = keyring(&RustCrypto);
    for signer in [Signer::Ecdsa, Signer::Rsa] {
        let spec = TokenSpec {
            fault: Some(Fault::TamperedWrappedKey),
            ..spec(Version::RsaV1, signer)
        };
        let token = mint(&spec);
        assert_eq!(
            token.verify_at_signing_time(&PKI.verifier()).unwrap_err(),
            Error::SignatureInvalid
        );
        assert_eq!(
            dangerous::decrypt_unverified(&keyring, &token).unwrap_err(),
            Error::DecryptionFailed
        );
    }
}

#[test]
fn rsa_signed_faults_give_their_errors() {
    let verifier = PKI.verifier();
    for fault in [
        Fault::TamperedSignature,
        Fault::TamperedData,
        Fault::BadMessageDigest,
        Fault::MismatchedSignatureAlgorithm,
    ] {
        for version in [Version::EcV1, Version::RsaV1] {
            let spec = TokenSpec {
                fault: Some(fault),
                ..spec(version, Signer::Rsa)
            };
            assert_eq!(
                mint(&spec).verify_at_signing_time(&verifier).unwrap_err(),
                Error::SignatureInvalid,
                "{fault:?} {version:?}"
            );
        }
    }
    // An ECDSA signature labelled as RSA is refused the same way.
    let spec = TokenSpec {
        fault: Some(Fault::MismatchedSignatureAlgorithm),
        ..spec(Version::EcV1, Signer::Ecdsa)
    };
    assert_eq!(
        mint(&spec).verify_at_signing_time(&verifier).unwrap_err(),
        Error::SignatureInvalid
    );
}

#[test]
fn ec_key_alone_does_not_match_an_rsa_v1_token() {
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(PKI.merchant_key().unwrap(), PKI.merchant_id());
    let verified = mint(&spec(Version::RsaV1, Signer::Ecdsa))
        .verify_at_signing_time(&PKI.verifier())
        .unwrap();
    assert!(matches!(
        keyring.decrypt(&verified).unwrap_err(),
        Error::NoMatchingKey { .. }
    ));
}

/// Law: any changed byte of `wrappedKey` is rejected by verification, and, unverified,
/// by the unwrap or the GCM tag — always with the one opaque error.
#[test]
fn any_flipped_wrapped_key_byte_is_rejected() {
    use serde_json::Value;
    let keyring = keyring(&RustCrypto);
    let verifier = PKI.verifier();
    let original: Value =
        serde_json::from_str(&PKI.mint(&spec(Version::RsaV1, Signer::Ecdsa)).unwrap()).unwrap();
    let wrapped = Base64::decode_vec(original["header"]["wrappedKey"].as_str().unwrap()).unwrap();
    assert_eq!(wrapped.len(), 256);
    for i in (0..wrapped.len()).step_by(5) {
        let mut changed = wrapped.clone();
        changed[i] ^= 0x80;
        let mut json = original.clone();
        json["header"]["wrappedKey"] = Base64::encode_string(&changed).into();
        let token = PaymentToken::from_json(json.to_string().as_bytes()).unwrap();
        assert_eq!(
            token.verify_at_signing_time(&verifier).unwrap_err(),
            Error::SignatureInvalid,
            "byte {i}"
        );
        assert_eq!(
            dangerous::decrypt_unverified(&keyring, &token).unwrap_err(),
            Error::DecryptionFailed,
            "byte {i}"
        );
    }
}

/// An HSM-style key whose unwrap misbehaves: whatever it reports, the caller sees
/// `DecryptionFailed`.
struct OddKey {
    spki: Vec<u8>,
    result: Unwrap,
}

type Unwrap = fn() -> Result<Zeroizing<Vec<u8>>, Error>;

impl MerchantKey for OddKey {
    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn ecdh_p256(&self, _: &[u8]) -> Result<SharedSecret, Error> {
        Err(Error::Malformed("never called"))
    }

    fn rsa_oaep_sha256_decrypt(&self, _: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        (self.result)()
    }
}

#[test]
fn key_implementations_cannot_leak_why_an_unwrap_failed() {
    let spki = PKI.rsa_merchant_key().unwrap().public_key_spki().to_vec();
    let verified = mint(&spec(Version::RsaV1, Signer::Ecdsa))
        .verify_at_signing_time(&PKI.verifier())
        .unwrap();
    let results: [Unwrap; 4] = [
        || Err(Error::Malformed("padding byte 17")),
        || Err(Error::InvalidParameter("hsm")),
        || Ok(Zeroizing::new(vec![0; 15])),
        || Ok(Zeroizing::new(vec![0; 32])),
    ];
    for result in results {
        let mut keyring = Keyring::new();
        keyring.add_with_merchant_id(
            OddKey {
                spki: spki.clone(),
                result,
            },
            PKI.merchant_id(),
        );
        assert_eq!(
            keyring.decrypt(&verified).unwrap_err(),
            Error::DecryptionFailed
        );
    }
    // The trait's default: a key without RSA cannot unwrap.
    struct NoRsa(Vec<u8>);
    impl MerchantKey for NoRsa {
        fn public_key_spki(&self) -> &[u8] {
            &self.0
        }
    }
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(NoRsa(spki), PKI.merchant_id());
    assert_eq!(
        keyring.decrypt(&verified).unwrap_err(),
        Error::DecryptionFailed
    );
}

#[test]
fn rsa_minting_is_deterministic_and_needs_with_rsa() {
    let spec = spec(Version::RsaV1, Signer::Rsa);
    assert_eq!(PKI.mint(&spec).unwrap(), PKI.mint(&spec).unwrap());
    let ec_only = TestPki::new(b"rsa tests").unwrap();
    assert!(matches!(
        ec_only.mint(&spec),
        Err(Error::InvalidParameter(_))
    ));
    // The EC half is the same PKI with or without RSA.
    assert_eq!(ec_only.root_pem().unwrap(), PKI.root_pem().unwrap());
}

/// The RSA merchant key as Keychain exports it: a `.p12` made by `openssl pkcs12 -export`
/// (when OpenSSL is installed) decrypts an `RSA_v1` token with the certificate inside.
#[cfg(feature = "pkcs12")]
#[test]
fn rsa_key_from_pkcs12_decrypts() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("applepay-rsa-p12-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (key, cert, p12) = (dir.join("key.pem"), dir.join("cert.pem"), dir.join("m.p12"));
    std::fs::write(&key, PKI.rsa_merchant_key_pem().unwrap()).unwrap();
    std::fs::write(&cert, PKI.rsa_merchant_cert_pem().unwrap()).unwrap();
    let made = Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:test", "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-out")
        .arg(&p12)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("openssl not usable: skipping the PKCS#12 round trip");
        return;
    }
    let bundle = applepay_crypto::Pkcs12::from_der(&std::fs::read(&p12).unwrap(), "test").unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let cert = bundle.certificate_for_key().unwrap().clone();
    let (key, _) = bundle.into_parts();
    assert_eq!(key.algorithm(), KeyAlgorithm::Rsa);
    let mut keyring = Keyring::new();
    keyring.add_with_certificate(key, &cert).unwrap();
    let verified = mint(&spec(Version::RsaV1, Signer::Rsa))
        .verify_at_signing_time(&PKI.verifier())
        .unwrap();
    assert_eq!(
        keyring.decrypt(&verified).unwrap().plaintext(),
        SAMPLE_PLAINTEXT.as_bytes()
    );
}
