//! Regenerates the `test-vectors/minted-*` folders with the crate's Apple-side simulator.
//!
//! ```text
//! cargo run --example mint_vectors --features test-util
//! ```
//!
//! The output is deterministic (keys from a fixed seed, RFC 6979 signatures), so running
//! it again changes nothing unless the simulator changed.

use std::fs;
use std::path::Path;

use applepay_crypto::UnixTime;
use applepay_crypto::mint::{Encoding, Fault, SAMPLE_PLAINTEXT, TestPki, TokenSpec};

const SEED: &[u8] = b"applepay-crypto test-vectors v1";
const SIGNED: &str = "2026-03-04T05:06:07Z";

struct Case {
    name: &'static str,
    comment: &'static str,
    encoding: Encoding,
    fault: Option<Fault>,
    /// Seconds from the signing time to the verification time; `None`: at signing time.
    verify_offset: Option<i64>,
    error: Option<&'static str>,
}

const fn case(
    name: &'static str,
    comment: &'static str,
    fault: Option<Fault>,
    verify_offset: Option<i64>,
    error: Option<&'static str>,
) -> Case {
    Case {
        name,
        comment,
        encoding: Encoding::BerIndefinite,
        fault,
        verify_offset,
        error,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    let pki = TestPki::new(SEED)?;
    let signed = UnixTime::parse_rfc3339(SIGNED)?;
    let cases = [
        case(
            "minted-ber",
            "BER indefinite lengths, as Apple sends; verified one minute after signing",
            None,
            Some(60),
            None,
        ),
        Case {
            encoding: Encoding::Der,
            ..case(
                "minted-der",
                "DER; verified at signing time",
                None,
                None,
                None,
            )
        },
        case(
            "minted-err-tampered-data",
            "one bit of data flipped after signing",
            Some(Fault::TamperedData),
            None,
            Some("signature"),
        ),
        case(
            "minted-err-tampered-signature",
            "one bit of the ECDSA signature flipped",
            Some(Fault::TamperedSignature),
            None,
            Some("signature"),
        ),
        case(
            "minted-err-wrong-digest",
            "messageDigest is not the digest of the content; the signature over the attributes is valid",
            Some(Fault::BadMessageDigest),
            None,
            Some("signature"),
        ),
        case(
            "minted-err-missing-leaf-marker",
            "leaf carries 1.2.840.113635.100.6.99 instead of 1.2.840.113635.100.6.29",
            Some(Fault::WrongLeafOid),
            None,
            Some("certificate_chain"),
        ),
        case(
            "minted-err-missing-intermediate-marker",
            "intermediate lacks 1.2.840.113635.100.6.2.14",
            Some(Fault::MissingIntermediateOid),
            None,
            Some("certificate_chain"),
        ),
        case(
            "minted-err-untrusted-root",
            "intermediate signed by another root of the same name",
            Some(Fault::UntrustedRoot),
            None,
            Some("certificate_chain"),
        ),
        case(
            "minted-err-expired-leaf",
            "leaf expired the day before the signing time",
            Some(Fault::ExpiredLeaf),
            None,
            Some("certificate_chain"),
        ),
        case(
            "minted-err-signing-time-too-old",
            "verified one hour after signing, maximum age 300 s",
            None,
            Some(3600),
            Some("signing_time"),
        ),
        case(
            "minted-err-signing-time-future",
            "verified one hour before signing (allowed skew 60 s)",
            None,
            Some(-3600),
            Some("signing_time"),
        ),
        case(
            "minted-err-signature-not-cms",
            "signature cut to its first 64 bytes: not a readable CMS SignedData",
            None,
            None,
            Some("malformed"),
        ),
    ];
    for case in cases {
        let folder = dir.join(case.name);
        fs::create_dir_all(&folder)?;
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed);
        spec.encoding = case.encoding;
        spec.fault = case.fault;
        spec.ephemeral_seed = case.name.as_bytes().to_vec();
        spec.transaction_id = applepay_crypto::provider::default_provider()
            .sha256(&[case.name.as_bytes()])
            .to_vec();
        spec.application_data = Some(vec![0xA5; 32]);
        let mut token = pki.mint(&spec)?;
        if case.name == "minted-err-signature-not-cms" {
            token = truncate_signature(&token, 64)?;
        }
        fs::write(folder.join("token.json"), token + "\n")?;
        fs::write(folder.join("merchant_key.pem"), pki.merchant_key_pem()?)?;
        fs::write(folder.join("merchant_cert.pem"), pki.merchant_cert_pem()?)?;
        fs::write(folder.join("test_root.pem"), pki.root_pem()?)?;

        let mut lines = format!("# minted by examples/mint_vectors.rs: {}\n", case.comment);
        if let Some(offset) = case.verify_offset {
            let at = if offset >= 0 {
                signed.saturating_add_secs(offset.unsigned_abs())
            } else {
                signed.saturating_sub_secs(offset.unsigned_abs())
            };
            lines += &format!("Verify = {at}\nMaxAge = 300\n");
        }
        let expected = folder.join("expected.json");
        match case.error {
            Some(kind) => {
                lines += &format!("Error = {kind}\n");
                if expected.exists() {
                    fs::remove_file(&expected)?;
                }
            }
            None => fs::write(&expected, SAMPLE_PLAINTEXT)?,
        }
        fs::write(folder.join("case.txt"), lines)?;
        println!("wrote {}", folder.display());
    }
    Ok(())
}

/// The token with its CMS signature cut to `len` bytes.
fn truncate_signature(token: &str, len: usize) -> Result<String, Box<dyn std::error::Error>> {
    use base64ct::{Base64, Encoding as _};
    let mut json: serde_json::Value = serde_json::from_str(token)?;
    let signature = Base64::decode_vec(json["signature"].as_str().ok_or("no signature")?)?;
    let cut = signature.get(..len).ok_or("short signature")?;
    json["signature"] = Base64::encode_string(cut).into();
    Ok(serde_json::to_string_pretty(&json)?)
}
