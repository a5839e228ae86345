//! Full verification with a fixed test PKI, structure-aware: the fuzzer chooses the token
//! contents, the encoding and a fault from the simulator, then edits bytes of the minted
//! signature and content. Every edit must be rejected, except one inside the decoy
//! certificate that no path uses; only untouched, faultless tokens verify and decrypt, to
//! exactly what was minted.
#![no_main]

use std::sync::LazyLock;

use applepay_crypto::mint::{Certificates, Encoding, Fault, TestPki, TokenSpec};
use applepay_crypto::{DEFAULT_MAX_AGE, Keyring, PaymentToken, UnixTime, Verifier};
use arbitrary::Arbitrary;
use base64ct::{Base64, Encoding as _};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    pki: TestPki,
    verifier: Verifier,
    keyring: Keyring,
    /// The decoy certificate of `Certificates::DecoyIntermediateFirst` (DER).
    decoy: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let pki = TestPki::new(b"fuzz").expect("test PKI");
    let mut keyring = Keyring::new();
    keyring.add_with_merchant_id(pki.merchant_key().expect("key"), pki.merchant_id());
    Fixture {
        verifier: pki.verifier(),
        keyring,
        decoy: pki.decoy_intermediate_der().expect("decoy"),
        pki,
    }
});

const FAULTS: [Fault; 11] = [
    Fault::WrongLeafOid,
    Fault::MissingIntermediateOid,
    Fault::ExpiredLeaf,
    Fault::UntrustedRoot,
    Fault::BadMessageDigest,
    Fault::TamperedData,
    Fault::TamperedSignature,
    Fault::PrimitiveCertificatesTag,
    Fault::PrimitiveSignedAttrsTag,
    Fault::UnsortedSignedAttrs,
    Fault::CompressedEphemeralKey,
];

#[derive(Arbitrary, Debug)]
struct Input {
    plaintext: Vec<u8>,
    transaction_id: [u8; 32],
    /// Cut or extend the transaction id to this length (mod 64): not canonical.
    transaction_id_len: Option<u8>,
    application_data: Option<[u8; 32]>,
    encoding: u8,
    certificates: u8,
    fault: Option<u8>,
    /// Seconds after 2025-01-01 (within the test PKI's validity).
    signed_offset: u32,
    /// (field, position, xor mask) edits applied to the minted token.
    edits: Vec<(u8, u16, u8)>,
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    if input.edits.len() > 8 {
        return;
    }
    let signed =
        UnixTime::since_unix_epoch(1_735_689_600 + u64::from(input.signed_offset % 300_000_000));
    let mut spec = TokenSpec::new(input.plaintext.clone(), signed);
    spec.transaction_id = input.transaction_id.to_vec();
    if let Some(len) = input.transaction_id_len {
        spec.transaction_id.resize(usize::from(len % 64), 0x77);
    }
    spec.application_data = input.application_data.map(|a| a.to_vec());
    spec.encoding = [
        Encoding::BerIndefinite,
        Encoding::Der,
        Encoding::BerLongLengths,
    ][usize::from(input.encoding) % 3];
    // Every order of the certificate set, decoy included, verifies.
    spec.certificates = [
        Certificates::LeafFirst,
        Certificates::IntermediateFirst,
        Certificates::DecoyIntermediateFirst,
    ][usize::from(input.certificates) % 3];
    // The canonical envelope: other lengths must not even parse.
    let canonical = spec.transaction_id.len() == 32
        && spec.application_data.as_ref().is_none_or(|a| a.len() == 32);
    spec.fault = input.fault.map(|i| FAULTS[usize::from(i) % FAULTS.len()]);
    let Ok(json) = f.pki.mint(&spec) else { return };
    let mut token: serde_json::Value = serde_json::from_str(&json).expect("minted JSON");
    let original = token.clone();
    for (field, position, mask) in input.edits {
        if mask == 0 {
            continue;
        }
        let key = ["signature", "data", "ephemeralPublicKey"][usize::from(field) % 3];
        let slot = if key == "ephemeralPublicKey" {
            &mut token["header"][key]
        } else {
            &mut token[key]
        };
        let mut bytes = Base64::decode_vec(slot.as_str().expect("string")).expect("base64");
        if bytes.is_empty() {
            continue;
        }
        let i = usize::from(position) % bytes.len();
        bytes[i] ^= mask;
        *slot = Base64::encode_string(&bytes).into();
    }
    // Edits can cancel out (the same bit flipped twice): compare contents, not edit counts.
    let edited = token != original;
    // No path uses the decoy certificate, so a token changed only inside it may verify
    // (or not, if the change breaks the certificate set's encoding).
    let decoy_only = || {
        if spec.certificates != Certificates::DecoyIntermediateFirst
            || token["data"] != original["data"]
            || token["header"] != original["header"]
        {
            return false;
        }
        let bytes = |json: &serde_json::Value| {
            Base64::decode_vec(json["signature"].as_str().expect("string")).expect("base64")
        };
        let (before, after) = (bytes(&original), bytes(&token));
        let Some(start) = before.windows(f.decoy.len()).position(|w| w == f.decoy) else {
            return false;
        };
        let inside = start..start + f.decoy.len();
        (0..before.len()).all(|i| before.get(i) == after.get(i) || inside.contains(&i))
    };
    let Ok(token) = PaymentToken::from_json(token.to_string().as_bytes()) else {
        return;
    };
    assert!(
        canonical,
        "a non-canonical transaction id or application data parsed"
    );
    match token.verify(&f.verifier, signed, DEFAULT_MAX_AGE) {
        Ok(verified) => {
            assert!(
                (!edited || decoy_only()) && spec.fault.is_none(),
                "an edited or faulty token verified"
            );
            if let Ok(payment) = f.keyring.decrypt(&verified) {
                assert_eq!(payment.plaintext(), spec.plaintext.as_slice());
            }
        }
        Err(_) => assert!(
            edited || spec.fault.is_some(),
            "a faultless token failed to verify"
        ),
    }
});
