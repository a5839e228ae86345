//! The table verifier against `p256`'s: Wycheproof's vectors and random tampered
//! signatures must get the same answer from both.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::elliptic_curve::ops::Reduce;
use p256::{FieldBytes, ProjectivePoint, Scalar};
use proptest::prelude::*;
use spki::DecodePublicKey;

use super::{CachedP256Key, DIGITS, HALF, KeyTable, POINTS, WINDOW_BITS, recode};
use crate::error::Error;
use crate::provider::VerifyingKey;

/// The group order n, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn scalar(bytes: [u8; 32]) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(bytes))
}

/// Scalars whose digits hit the edges: 0, 1, n-1, n-2, 2^255, 2^256 - 1 mod n, and
/// values made of one repeated nibble (every digit ±8 or carrying).
fn edge_scalars() -> Vec<Scalar> {
    let mut out = vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, -Scalar::from(2u64)];
    let mut top = [0u8; 32];
    top[0] = 0x80;
    out.push(scalar(top));
    for nibble in [0x0f_u8, 0x88, 0x77, 0x99, 0xff, 0x08, 0x80] {
        out.push(scalar([nibble; 32]));
    }
    out
}

/// p256's answer for a DER signature.
fn p256_verify(key: &p256::ecdsa::VerifyingKey, message: &[u8], der: &[u8]) -> bool {
    p256::ecdsa::Signature::from_der(der).is_ok_and(|sig| key.verify(message, &sig).is_ok())
}

/// The table's answer for a DER signature.
fn table_verify(table: &KeyTable, message: &[u8], der: &[u8]) -> bool {
    p256::ecdsa::Signature::from_der(der)
        .map_err(|_| Error::SignatureInvalid)
        .and_then(|sig| table.verify(message, &sig))
        .is_ok()
}

/// The cached key after its first use, so on its table.
fn warm(key: p256::ecdsa::VerifyingKey) -> CachedP256Key {
    let cached = CachedP256Key::new(key);
    let wrong = der_signature(&[1], &[1]);
    // A signature that does not even decode is no use of the key.
    assert_eq!(cached.verify(b"", b""), Err(Error::SignatureInvalid));
    assert_eq!(cached.verify(b"", &wrong), Err(Error::SignatureInvalid));
    assert!(!cached.has_table());
    assert_eq!(cached.verify(b"", &wrong), Err(Error::SignatureInvalid));
    assert!(cached.has_table());
    cached
}

/// `SEQUENCE { INTEGER r, INTEGER s }` for any big-endian r and s, including 0 and
/// values of n or more, which `p256::ecdsa::Signature` cannot hold.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn integer(out: &mut Vec<u8>, value: &[u8]) {
        let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
        let mut content = value[start..].to_vec();
        if content.first().is_none_or(|&b| b & 0x80 != 0) {
            content.insert(0, 0);
        }
        out.push(0x02);
        out.push(u8::try_from(content.len()).unwrap());
        out.extend_from_slice(&content);
    }
    let mut body = Vec::new();
    integer(&mut body, r);
    integer(&mut body, s);
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend_from_slice(&body);
    out
}

/// The memory the module's documentation states: 264 affine points of 72 bytes.
#[test]
fn table_size() {
    assert_eq!(POINTS, 264);
    assert_eq!(POINTS * size_of::<p256::AffinePoint>(), 19_008);
}

#[test]
fn recoding_gives_the_scalar_back() {
    let radix = Scalar::from(1u64 << WINDOW_BITS);
    let half = i8::try_from(HALF).unwrap();
    let check = |k: Scalar| {
        let digits = recode(&k).unwrap();
        assert_eq!(digits.len(), DIGITS);
        let mut sum = Scalar::ZERO;
        for &d in digits.iter().rev() {
            assert!((-half..=half).contains(&d), "digit {d} of {k:?}");
            let magnitude = Scalar::from(u64::from(d.unsigned_abs()));
            sum = sum * radix + if d < 0 { -magnitude } else { magnitude };
        }
        assert_eq!(sum, k);
    };
    edge_scalars().into_iter().for_each(check);
    proptest!(|(bytes in any::<[u8; 32]>())| check(scalar(bytes)));
}

#[test]
fn table_multiples_match_p256() {
    proptest!(ProptestConfig::with_cases(16), |(key in any::<[u8; 32]>(), ks in any::<[[u8; 32]; 4]>())| {
        let secret = p256::NonZeroScalar::reduce(&FieldBytes::from(key));
        let q = (ProjectivePoint::GENERATOR * *secret).to_affine();
        let table = KeyTable::new(&q);
        for k in edge_scalars().into_iter().chain(ks.map(scalar)) {
            prop_assert_eq!(table.mul_vartime(&k).unwrap(), ProjectivePoint::from(q) * k);
        }
    });
}

/// Every Wycheproof ECDSA P-256/SHA-256 (DER) vector, through p256's verifier, the
/// table verifier and the cached key (its first use on p256's path, then the table).
#[test]
fn wycheproof_vectors_agree_with_p256() {
    let json: serde_json::Value = serde_json::from_str(include_str!(
        "../../test-vectors/wycheproof/ecdsa_secp256r1_sha256_test.json"
    ))
    .unwrap();
    let hex = |v: &serde_json::Value| base16ct::mixed::decode_vec(v.as_str().unwrap()).unwrap();
    let (mut run, mut valid, mut invalid) = (0, 0, 0);
    for group in json["testGroups"].as_array().unwrap() {
        assert_eq!(group["sha"], "SHA-256");
        let spki = hex(&group["publicKeyDer"]);
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
        let table = KeyTable::new(key.as_affine());
        let cached = CachedP256Key::new(key);
        let mut decoded = 0;
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let message = hex(&test["msg"]);
            let der = hex(&test["sig"]);
            let by_p256 = p256_verify(&key, &message, &der);
            let by_table = table_verify(&table, &message, &der);
            let by_cached = cached.verify(&message, &der).is_ok();
            decoded += usize::from(p256::ecdsa::Signature::from_der(&der).is_ok());
            assert_eq!(by_table, by_p256, "tcId {id}: table and p256 disagree");
            assert_eq!(
                by_cached, by_p256,
                "tcId {id}: cached key and p256 disagree"
            );
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert!(by_p256, "tcId {id}: valid vector rejected");
                    valid += 1;
                }
                "invalid" => {
                    assert!(!by_p256, "tcId {id}: invalid vector accepted");
                    invalid += 1;
                }
                other => assert_eq!(other, "acceptable", "tcId {id}: unknown result"),
            }
            run += 1;
        }
        // From the second decodable signature on, the cached key ran on its table.
        assert_eq!(cached.has_table(), decoded >= 2);
    }
    assert_eq!(json["numberOfTests"], run);
    assert_eq!((run, valid, invalid), (484, 174, 310));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A valid signature and tampered variants of it: p256 and the table agree on each.
    #[test]
    fn tampered_signatures_agree_with_p256(
        key in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..80),
        bit in 0usize..256,
        other in any::<[u8; 32]>(),
    ) {
        let secret = p256::NonZeroScalar::reduce(&FieldBytes::from(key));
        let signing = p256::ecdsa::SigningKey::from(secret);
        let verifying = *signing.verifying_key();
        let cached = warm(verifying);
        let table = KeyTable::new(verifying.as_affine());
        let signature: p256::ecdsa::Signature = signing.sign(&message);
        let (r, s) = signature.split_bytes();
        let (r, s): ([u8; 32], [u8; 32]) = (r.into(), s.into());
        let flip = |mut v: [u8; 32]| { v[bit / 8] ^= 1 << (bit % 8); v };
        let n_minus_1: [u8; 32] = (-Scalar::ONE).to_bytes().into();
        let one: [u8; 32] = Scalar::ONE.to_bytes().into();
        let high_s: [u8; 32] = (-*signature.s()).to_bytes().into();
        let mut flipped_message = message.clone();
        match flipped_message.get_mut(bit % message.len().max(1)) {
            Some(byte) => *byte ^= 1 << (bit % 8),
            None => flipped_message.push(0),
        }
        let zero = [0u8; 32];
        let cases: Vec<(&[u8], [u8; 32], [u8; 32])> = vec![
            (&message, r, s),
            (&message, r, high_s),
            (&flipped_message, r, s),
            (&flipped_message, r, high_s),
            (&message, flip(r), s),
            (&message, r, flip(s)),
            (&message, zero, s),
            (&message, r, zero),
            (&message, ORDER, s),
            (&message, r, ORDER),
            (&message, n_minus_1, s),
            (&message, r, n_minus_1),
            (&message, one, s),
            (&message, r, one),
            (&message, [0xff; 32], s),
            (&message, s, r),
            (&message, other, s),
            (&message, r, other),
        ];
        for (i, (m, r, s)) in cases.into_iter().enumerate() {
            let der = der_signature(&r, &s);
            let expected = p256_verify(&verifying, m, &der);
            prop_assert_eq!(table_verify(&table, m, &der), expected, "case {}", i);
            prop_assert_eq!(cached.verify(m, &der).is_ok(), expected, "case {}", i);
            if i < 2 {
                prop_assert!(expected, "case {}: p256 rejects a valid (or high-S) signature", i);
            }
        }
    }
}
