//! Key files crafted to make import expensive are refused, with a precise error, before
//! the expensive key derivation runs (issue #12, weakness 5).
//!
//! Each file is built here byte for byte and committed under
//! `test-vectors/onboarding/bounds/`; the first test checks the two agree
//! (`REGENERATE=1 cargo test --features pkcs12 --test key_import_bounds` rewrites them).
//! Without the limits these imports take from seconds to hours and up to 1 GiB: run in a
//! debug build, any one of them reaching its derivation would stall the suite for minutes.

use applepay_crypto::{Error, KeyImportError, MAX_PKCS12_BAGS, Pkcs12, PrivateKey};
use der::Encode;
use der::asn1::ObjectIdentifier;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/test-vectors/onboarding/bounds"
);

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap());
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    ObjectIdentifier::new(dotted).unwrap().to_der().unwrap()
}

fn int(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

fn explicit0(content: &[u8]) -> Vec<u8> {
    tlv(0xa0, content)
}

const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const SECRET_BAG: &str = "1.2.840.113549.1.12.10.1.5";
const SHA1: &str = "1.3.14.3.2.26";

/// PBES2 with scrypt and AES-256-CBC.
fn pbes2_scrypt(n: u64, r: u64, p: u64) -> Vec<u8> {
    let kdf = seq(&[
        &oid("1.3.6.1.4.1.11591.4.11"),
        &seq(&[&octets(&[7; 8]), &int(n), &int(r), &int(p)]),
    ]);
    let cipher = seq(&[&oid("2.16.840.1.101.3.4.1.42"), &octets(&[9; 16])]);
    seq(&[&oid("1.2.840.113549.1.5.13"), &seq(&[&kdf, &cipher])])
}

/// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
fn pbes2_pbkdf2(iterations: u64) -> Vec<u8> {
    let prf = seq(&[&oid("1.2.840.113549.2.9"), &[5, 0]]);
    let kdf = seq(&[
        &oid("1.2.840.113549.1.5.12"),
        &seq(&[&octets(&[7; 8]), &int(iterations), &prf]),
    ]);
    let cipher = seq(&[&oid("2.16.840.1.101.3.4.1.42"), &octets(&[9; 16])]);
    seq(&[&oid("1.2.840.113549.1.5.13"), &seq(&[&kdf, &cipher])])
}

/// The legacy PKCS#12 scheme pbeWithSHAAnd3-KeyTripleDES-CBC.
fn pbe_sha1_3des(iterations: u64) -> Vec<u8> {
    seq(&[
        &oid("1.2.840.113549.1.12.1.3"),
        &seq(&[&octets(&[7; 8]), &int(iterations)]),
    ])
}

/// A shrouded key bag whose (meaningless) ciphertext is `ciphertext_len` bytes.
fn shrouded_bag(algorithm: &[u8], ciphertext_len: usize) -> Vec<u8> {
    let info = seq(&[algorithm, &octets(&vec![0x5a; ciphertext_len])]);
    seq(&[&oid(SHROUDED_KEY_BAG), &explicit0(&info)])
}

/// A secret bag as `p12-keystore` reads (and decrypts) it: a Java KeyStore secret key
/// entry holding an `EncryptedPrivateKeyInfo`.
fn secret_bag(algorithm: &[u8]) -> Vec<u8> {
    let info = seq(&[algorithm, &octets(&[0x5a; 32])]);
    let value = seq(&[&oid("2.16.840.1.101.3.4.1"), &explicit0(&octets(&info))]);
    seq(&[&oid(SECRET_BAG), &explicit0(&value)])
}

fn safe_contents(bags: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &bags.concat())
}

fn data_info(content: &[u8]) -> Vec<u8> {
    seq(&[&oid(DATA), &explicit0(&octets(content))])
}

/// An encrypted `SafeContents` (PBES2, PBKDF2-HMAC-SHA256 at 2048 iterations,
/// AES-256-CBC, fixed salt and IV) that opens with `password`.
fn encrypted_info(contents: &[u8], password: &str) -> Vec<u8> {
    use pkcs8::pkcs5::pbes2::Parameters;
    let params = Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &[7; 8], [9; 16]).unwrap();
    let ciphertext = params.encrypt(password, contents).unwrap();
    let algorithm = seq(&[&oid("1.2.840.113549.1.5.13"), &params.to_der().unwrap()]);
    let content_info = seq(&[&oid(DATA), &algorithm, &tlv(0x80, &ciphertext)]);
    seq(&[
        &oid(ENCRYPTED_DATA),
        &explicit0(&seq(&[&int(0), &content_info])),
    ])
}

/// A PFX (version 3) of these content infos, with a MAC (`hash`, `iterations`) if given.
fn pfx(infos: &[Vec<u8>], mac: Option<(&str, u64)>) -> Vec<u8> {
    let mut parts = vec![int(3), data_info(&tlv(0x30, &infos.concat()))];
    if let Some((hash, iterations)) = mac {
        let digest = seq(&[&seq(&[&oid(hash), &[5, 0]]), &octets(&[0; 20])]);
        parts.push(seq(&[&digest, &octets(&[3; 8]), &int(iterations)]));
    }
    tlv(0x30, &parts.concat())
}

/// A refused file: its name, bytes, and the answer for each password.
struct Refused {
    name: &'static str,
    der: Vec<u8>,
    /// The error with password "test" (the one that opens the encrypted parts).
    right: KeyImportError,
    /// The error with password "wrong".
    wrong: KeyImportError,
}

fn refused() -> Vec<Refused> {
    use KeyImportError::{TooManyBags, WorkFactorTooHigh, WrongPassword};
    let scrypt_bag = shrouded_bag(&pbes2_scrypt(1 << 20, 8, 16), 56);
    vec![
        // One bag, scrypt N = 2^20, r = 8, p = 16: half a minute and 1 GiB per attempt.
        Refused {
            name: "scrypt-n20-p16.p12",
            der: pfx(
                &[data_info(&safe_contents(std::slice::from_ref(&scrypt_bag)))],
                None,
            ),
            right: WorkFactorTooHigh,
            wrong: WorkFactorTooHigh,
        },
        // 233 such bags in 64 KiB: hours.
        Refused {
            name: "many-bags.p12",
            der: pfx(
                &[data_info(&safe_contents(&vec![
                    shrouded_bag(
                        &pbes2_scrypt(1 << 20, 8, 16),
                        146
                    );
                    233
                ]))],
                None,
            ),
            right: TooManyBags,
            wrong: TooManyBags,
        },
        // Five bags, each within the per-derivation cap, over the total together.
        Refused {
            name: "work-sum.p12",
            der: pfx(
                &[data_info(&safe_contents(&vec![
                    shrouded_bag(
                        &pbes2_pbkdf2(1_000_000),
                        32
                    );
                    5
                ]))],
                None,
            ),
            right: WorkFactorTooHigh,
            wrong: WorkFactorTooHigh,
        },
        // The MAC's PKCS#12 key derivation at 2^31 - 1 iterations.
        Refused {
            name: "mac-iterations.p12",
            der: pfx(
                &[data_info(&safe_contents(&[]))],
                Some((SHA1, u64::from(i32::MAX.unsigned_abs()))),
            ),
            right: WorkFactorTooHigh,
            wrong: WorkFactorTooHigh,
        },
        // A legacy 3DES key bag at 2^31 - 1 iterations.
        Refused {
            name: "legacy-iterations.p12",
            der: pfx(
                &[data_info(&safe_contents(&[shrouded_bag(
                    &pbe_sha1_3des(u64::from(i32::MAX.unsigned_abs())),
                    32,
                )]))],
                None,
            ),
            right: WorkFactorTooHigh,
            wrong: WorkFactorTooHigh,
        },
        // scrypt in a secret bag, which p12-keystore decrypts too.
        Refused {
            name: "secret-bag-scrypt.p12",
            der: pfx(
                &[data_info(&safe_contents(&[secret_bag(&pbes2_scrypt(
                    1 << 20,
                    8,
                    16,
                ))]))],
                None,
            ),
            right: WorkFactorTooHigh,
            wrong: WorkFactorTooHigh,
        },
        // The scrypt bag hidden in an encrypted SafeContents: seen once decrypted. With
        // the wrong password nothing inside can be reached.
        Refused {
            name: "hidden-scrypt.p12",
            der: pfx(
                &[encrypted_info(&safe_contents(&[scrypt_bag]), "test")],
                None,
            ),
            right: WorkFactorTooHigh,
            wrong: WrongPassword,
        },
    ]
}

/// An encrypted PKCS#8 key within the old caps (256 MiB, p <= 16) that cost 7 s:
/// scrypt N = 2^18, r = 8, p = 16.
fn encrypted_pkcs8_p16() -> Vec<u8> {
    seq(&[&pbes2_scrypt(1 << 18, 8, 16), &octets(&[0x5a; 144])])
}

fn committed(name: &str, built: &[u8]) -> Vec<u8> {
    let path = format!("{DIR}/{name}");
    if std::env::var_os("REGENERATE").is_some() {
        std::fs::write(&path, built).unwrap();
    }
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (REGENERATE=1 writes it)"))
}

#[test]
fn committed_files_are_the_built_ones() {
    for file in refused() {
        assert!(
            committed(file.name, &file.der) == file.der,
            "{} differs from what this test builds (REGENERATE=1 rewrites it)",
            file.name
        );
    }
    let pkcs8 = encrypted_pkcs8_p16();
    assert!(committed("encrypted-scrypt-p16.der", &pkcs8) == pkcs8);
    // The sizes the issue reports.
    assert_eq!(refused()[0].der.len(), 214);
    assert!(refused()[1].der.len() <= applepay_crypto::MAX_PKCS12_INPUT_LEN);
}

#[test]
fn pkcs12_files_are_refused_before_the_derivation() {
    for file in refused() {
        let der = std::fs::read(format!("{DIR}/{}", file.name)).unwrap();
        for (password, expected) in [("test", file.right), ("wrong", file.wrong)] {
            assert_eq!(
                Pkcs12::from_der(&der, password).unwrap_err(),
                Error::KeyImport(expected),
                "{} with {password:?}",
                file.name
            );
        }
    }
}

#[test]
fn bag_limit_is_exact() {
    // MAX_PKCS12_BAGS cheap bags pass the count (and fail later: they hold no key);
    // one more is refused.
    let cheap = shrouded_bag(&pbes2_pbkdf2(1), 16);
    let at_limit = pfx(
        &[data_info(&safe_contents(&vec![
            cheap.clone();
            MAX_PKCS12_BAGS
        ]))],
        None,
    );
    assert_ne!(
        Pkcs12::from_der(&at_limit, "test").unwrap_err(),
        Error::KeyImport(KeyImportError::TooManyBags)
    );
    let over = pfx(
        &[data_info(&safe_contents(&vec![cheap; MAX_PKCS12_BAGS + 1]))],
        None,
    );
    assert_eq!(
        Pkcs12::from_der(&over, "test").unwrap_err(),
        Error::KeyImport(KeyImportError::TooManyBags)
    );
}

#[test]
fn encrypted_pkcs8_scrypt_is_capped_by_work_not_memory() {
    let der = std::fs::read(format!("{DIR}/encrypted-scrypt-p16.der")).unwrap();
    for password in ["test", "wrong"] {
        assert_eq!(
            PrivateKey::decrypt_pem_or_der(&der, password).unwrap_err(),
            Error::KeyImport(KeyImportError::WorkFactorTooHigh)
        );
    }
    // 16 MiB of memory, far under MAX_SCRYPT_MEMORY, but p = 16: N·r·p = 2^21.
    let small_memory = seq(&[&pbes2_scrypt(1 << 14, 8, 16), &octets(&[0x5a; 144])]);
    assert_eq!(
        PrivateKey::decrypt_pem_or_der(&small_memory, "test").unwrap_err(),
        Error::KeyImport(KeyImportError::WorkFactorTooHigh)
    );
}
