//! The RustCrypto back-end's cached P-256 key against `p256`'s standard verification: for
//! any key, message and signature, a cached key whose table is built (it has verified
//! twice) must answer exactly as `Provider::verify_signature` does.
//!
//! Signatures are derived from a genuine one (unchanged, a flipped bit, another message's,
//! or arbitrary bytes), so the fuzzer explores both sides of the accept/refuse line.
#![no_main]

use applepay_crypto::provider::{Provider, RustCrypto, SignatureAlgorithm};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;

#[derive(Arbitrary, Debug)]
struct Input {
    scalar: [u8; 32],
    message: Vec<u8>,
    edit: Edit,
}

/// How the signature checked is made from the genuine one over `message`.
#[derive(Arbitrary, Debug)]
enum Edit {
    Genuine,
    Flip { at: u16, bit: u8 },
    Truncate(u16),
    OtherMessage(Vec<u8>),
    Bytes(Vec<u8>),
}

const ALG: SignatureAlgorithm = SignatureAlgorithm::EcdsaP256Sha256;

fuzz_target!(|input: Input| {
    let Ok(key) = RustCrypto.p256_private_key(&input.scalar) else {
        return;
    };
    let spki = key.public_key_spki().to_vec();
    // RFC 6979 signing: the RNG is not used.
    let sign = |message: &[u8]| key.sign(&mut rand::rngs::StdRng::seed_from_u64(0), message);
    let genuine = sign(&input.message).expect("a P-256 key signs");
    let signature = match &input.edit {
        Edit::Genuine => genuine.clone(),
        &Edit::Flip { at, bit } => {
            let mut s = genuine.clone();
            if let Some(byte) = s.get_mut(usize::from(at) % genuine.len()) {
                *byte ^= 1 << (bit % 8);
            }
            s
        }
        &Edit::Truncate(len) => genuine[..usize::from(len) % genuine.len()].to_vec(),
        Edit::OtherMessage(other) => sign(other).expect("a P-256 key signs"),
        Edit::Bytes(bytes) => bytes.clone(),
    };

    let cached = RustCrypto
        .verifying_key(ALG, &spki)
        .expect("a P-256 key parses");
    // The first use verifies with p256, the second builds the table.
    for _ in 0..2 {
        assert_eq!(cached.verify(&input.message, &genuine), Ok(()));
    }
    assert_eq!(
        cached.verify(&input.message, &signature),
        RustCrypto.verify_signature(ALG, &spki, &input.message, &signature),
        "{input:?}"
    );
});
