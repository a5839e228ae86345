//! The folders of `test-vectors/merchant-token/`: merchant token event metadata (issue
//! 21), minted by the simulator, each with the plaintext it decrypts to or the error kind
//! a conforming implementation reports.

use std::fs;
use std::path::Path;

use applepay_crypto::mint::{Encoding, Fault, SAMPLE_METADATA, TestPki, TokenSpec};
use applepay_crypto::{UnixTime, Version};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Which merchant key and identity a folder holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    /// The P-256 key and its certificate.
    Ec,
    /// The RSA key (PKCS#1) and its certificate.
    Rsa,
    /// The P-256 key with another merchant identifier (`merchant_id.txt`).
    EcOtherMerchantId,
}

struct Case {
    name: &'static str,
    comment: &'static str,
    version: Version,
    encoding: Encoding,
    fault: Option<Fault>,
    /// The whole event response rather than the bare metadata object.
    event: bool,
    /// Seconds from the signing time to the verification time; `None`: at signing time.
    verify_offset: Option<i64>,
    key: Key,
    error: Option<&'static str>,
}

const fn case(
    name: &'static str,
    comment: &'static str,
    fault: Option<Fault>,
    error: Option<&'static str>,
) -> Case {
    Case {
        name,
        comment,
        version: Version::EcV1,
        encoding: Encoding::BerIndefinite,
        fault,
        event: false,
        verify_offset: None,
        key: Key::Ec,
        error,
    }
}

pub fn write(pki: &TestPki, signed: UnixTime, dir: &Path) -> Result<()> {
    const DAY: i64 = 86_400;
    let cases = [
        case(
            "ec-v1",
            "EC_v1 metadata, BER, verified as of its signing time",
            None,
            None,
        ),
        Case {
            event: true,
            encoding: Encoding::Der,
            verify_offset: Some(30 * DAY),
            ..case(
                "ec-v1-event",
                "the whole event response, DER; verified 30 days after signing (no maximum age)",
                None,
                None,
            )
        },
        Case {
            version: Version::RsaV1,
            key: Key::Rsa,
            verify_offset: Some(60),
            ..case(
                "rsa-v1",
                "RSA_v1 metadata (PKCS#1 merchant key); verified a minute after signing",
                None,
                None,
            )
        },
        case(
            "err-tampered-data",
            "one bit of data flipped after signing",
            Some(Fault::TamperedData),
            Some("signature"),
        ),
        case(
            "err-payment-token-rule",
            "signed over key ‖ data ‖ transactionId ‖ applicationData, the payment token's rule",
            Some(Fault::PaymentTokenRule),
            Some("signature"),
        ),
        case(
            "err-untrusted-chain",
            "intermediate signed by another root of the same name",
            Some(Fault::UntrustedRoot),
            Some("certificate_chain"),
        ),
        Case {
            key: Key::Rsa,
            ..case(
                "err-wrong-key",
                "EC_v1 metadata; the folder holds only the merchant's RSA key",
                None,
                Some("no_matching_key"),
            )
        },
        Case {
            key: Key::EcOtherMerchantId,
            ..case(
                "err-wrong-merchant-id",
                "the right key paired with another merchant identifier (PartyV)",
                None,
                Some("decryption_failed"),
            )
        },
        Case {
            verify_offset: Some(-3600),
            ..case(
                "err-signing-time-future",
                "verified one hour before signing (allowed skew 60 s)",
                None,
                Some("signing_time"),
            )
        },
    ];
    for case in cases {
        let folder = dir.join(case.name);
        fs::create_dir_all(&folder)?;
        let mut spec = TokenSpec::new(SAMPLE_METADATA.as_bytes().to_vec(), signed);
        spec.version = case.version;
        spec.encoding = case.encoding;
        spec.fault = case.fault;
        spec.ephemeral_seed = format!("merchant-token/{}", case.name).into_bytes();
        spec.application_data = Some(vec![0xA5; 32]);
        let metadata = if case.event {
            pki.mint_event(&spec)?
        } else {
            pki.mint_metadata(&spec)?
        };
        fs::write(folder.join("metadata.json"), metadata + "\n")?;
        let (key, cert) = match case.key {
            Key::Ec | Key::EcOtherMerchantId => (pki.merchant_key_pem()?, pki.merchant_cert_pem()?),
            Key::Rsa => (pki.rsa_merchant_key_pem()?, pki.rsa_merchant_cert_pem()?),
        };
        fs::write(folder.join("merchant_key.pem"), key)?;
        let (cert_file, id_file) = (
            folder.join("merchant_cert.pem"),
            folder.join("merchant_id.txt"),
        );
        if case.key == Key::EcOtherMerchantId {
            fs::write(&id_file, "merchant.com.example.someone-else")?;
            remove_if_present(&cert_file)?;
        } else {
            fs::write(&cert_file, cert)?;
            remove_if_present(&id_file)?;
        }
        fs::write(folder.join("test_root.pem"), pki.root_pem()?)?;
        let mut lines = format!("# minted by examples/mint_vectors.rs: {}\n", case.comment);
        if let Some(offset) = case.verify_offset {
            let at = if offset >= 0 {
                signed.saturating_add_secs(offset.unsigned_abs())
            } else {
                signed.saturating_sub_secs(offset.unsigned_abs())
            };
            lines += &format!("Verify = {at}\n");
        }
        let expected = folder.join("expected.json");
        match case.error {
            Some(kind) => {
                lines += &format!("Error = {kind}\n");
                remove_if_present(&expected)?;
            }
            None => fs::write(&expected, SAMPLE_METADATA)?,
        }
        fs::write(folder.join("case.txt"), lines)?;
        println!("wrote {}", folder.display());
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    if path.exists() {
        fs::remove_file(path)?;
    }
    Ok(())
}
