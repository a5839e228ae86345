//! One `EC_v1` token decrypted with a key held in SoftHSM2 beside the same key in memory
//! (criterion): `cargo bench --features pkcs11,test-util --bench pkcs11`.
//!
//! Ids: `pkcs11/decrypt_ec_v1/in_memory` and `pkcs11/decrypt_ec_v1/softhsm2` (ECDH and the
//! KDF in the token, `CKM_ECDH1_DERIVE` + `C_DigestKey`, then AES-GCM in the crate), both
//! on a verified token through a `Keyring`, so the difference is the token's share.
//!
//! `pkcs11/open_key/p256` opens a P-256 key (slot, login, find, attributes, and the check
//! that its public key object belongs to it); `pkcs11/public_key_check/ecdsa` and
//! `pkcs11/public_key_check/ecdh_generator` time that check alone, with its attribute
//! reads: a signature in the token verified in the crate (keys allowed to sign), or ECDH
//! with the generator hashed in the token (keys allowed only to derive).
//!
//! Like `tests/pkcs11.rs`, `main` first makes a throwaway SoftHSM2 token directory,
//! imports the key with `softhsm2-util`, and runs itself again with `SOFTHSM2_CONF`
//! pointing there. SoftHSM2 missing is an error saying how to install it.

use std::hint::black_box;
use std::process::Command;

use applepay_crypto::bench_hooks::pkcs11_check_public_key;
use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::pkcs11::cryptoki::context::Pkcs11;
use applepay_crypto::pkcs11::cryptoki::error::{Error as CkError, RvError};
use applepay_crypto::pkcs11::cryptoki::object::{Attribute, ObjectClass};
use applepay_crypto::pkcs11::cryptoki::session::UserType;
use applepay_crypto::pkcs11::cryptoki::types::AuthPin;
use applepay_crypto::pkcs11::{Pkcs11Module, Pkcs11Uri};
use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, PaymentToken, UnixTime};
use criterion::Criterion;

#[path = "../tests/support/softhsm2.rs"]
mod softhsm2;
use softhsm2::{fresh_store, module_path, softhsm2_util};

const CHILD: &str = "APPLEPAY_PKCS11_BENCH_DIR";
const TOKEN: &str = "bench";
const PIN: &str = "1234";
const LABEL: &str = "merchant";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let mut criterion = Criterion::default().configure_from_args();
        benches(&mut criterion);
        criterion.final_summary();
        return;
    }
    let (dir, conf) = fresh_store("applepay-pkcs11-bench");
    let key = dir.join("key.pem");
    std::fs::write(
        &key,
        pki()
            .merchant_key()
            .unwrap()
            .to_pkcs8_pem()
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let key = key.display().to_string();
    for args in [
        &[
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            "5678",
        ][..],
        &[
            "--import", &key, "--token", TOKEN, "--label", LABEL, "--id", "01", "--pin", PIN,
        ],
    ] {
        softhsm2_util(&conf, args);
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(std::env::args_os().skip(1))
        .env(CHILD, &dir)
        .env("SOFTHSM2_CONF", &conf)
        .status()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(status.code().unwrap_or(1));
}

fn pki() -> TestPki {
    TestPki::new(b"pkcs11 bench").unwrap()
}

fn benches(c: &mut Criterion) {
    let pki = pki();
    let loaded = Pkcs11::new(module_path()).unwrap();
    let module = Pkcs11Module::new(loaded.clone()).unwrap();
    // softhsm2-util imports EC keys without CKA_DERIVE.
    let slot = loaded.get_slots_with_token().unwrap()[0];
    let session = loaded.open_rw_session(slot).unwrap();
    match session.login(UserType::User, Some(&AuthPin::new(PIN.into()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => panic!("login: {e}"),
    }
    let handle = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(LABEL.as_bytes().to_vec()),
        ])
        .unwrap()[0];
    session
        .update_attributes(handle, &[Attribute::Derive(true)])
        .unwrap();

    let uri = Pkcs11Uri::parse(&format!("pkcs11:token={TOKEN};object={LABEL}")).unwrap();
    let mut in_token = Keyring::new();
    in_token.add_with_merchant_id(module.open_key(&uri, Some(PIN)).unwrap(), pki.merchant_id());
    let mut in_memory = Keyring::new();
    in_memory.add_with_merchant_id(pki.merchant_key().unwrap(), pki.merchant_id());

    let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap();
    let json = pki
        .mint(&TokenSpec::new(
            SAMPLE_PLAINTEXT.as_bytes().to_vec(),
            signed,
        ))
        .unwrap();
    let verified = PaymentToken::from_json(json.as_bytes())
        .unwrap()
        .verify(
            &pki.verifier(),
            signed.saturating_add_secs(10),
            DEFAULT_MAX_AGE,
        )
        .unwrap();
    assert_eq!(
        in_token.decrypt(&verified).unwrap().plaintext(),
        in_memory.decrypt(&verified).unwrap().plaintext()
    );

    // Keys imported by the crate, with their public key objects: one allowed to sign
    // (ECDSA check), one only to derive (ECDH check).
    let key = |seed: u64| {
        use rand::SeedableRng;
        applepay_crypto::PrivateKey::generate_p256(&mut rand::rngs::StdRng::seed_from_u64(seed))
            .unwrap()
    };
    let signing = Pkcs11Uri::parse(&format!("pkcs11:token={TOKEN};object=check-sign")).unwrap();
    let deriving = Pkcs11Uri::parse(&format!("pkcs11:token={TOKEN};object=check-derive")).unwrap();
    module.import_key(&signing, Some(PIN), &key(1)).unwrap();
    module.import_key(&deriving, Some(PIN), &key(2)).unwrap();
    let handle = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(b"check-derive".to_vec()),
        ])
        .unwrap()[0];
    session
        .update_attributes(handle, &[Attribute::Sign(false)])
        .unwrap();
    let signing_key = module.open_key(&signing, Some(PIN)).unwrap();
    let deriving_key = module.open_key(&deriving, Some(PIN)).unwrap();

    let mut group = c.benchmark_group("pkcs11");
    group.bench_function("open_key/p256", |b| {
        b.iter(|| module.open_key(black_box(&signing), Some(PIN)).unwrap());
    });
    group.bench_function("public_key_check/ecdsa", |b| {
        b.iter(|| pkcs11_check_public_key(black_box(&signing_key)).unwrap());
    });
    group.bench_function("public_key_check/ecdh_generator", |b| {
        b.iter(|| pkcs11_check_public_key(black_box(&deriving_key)).unwrap());
    });
    group.bench_function("decrypt_ec_v1/in_memory", |b| {
        b.iter(|| in_memory.decrypt(black_box(&verified)).unwrap());
    });
    group.bench_function("decrypt_ec_v1/softhsm2", |b| {
        b.iter(|| in_token.decrypt(black_box(&verified)).unwrap());
    });
    group.finish();
}
