//! The folders of `test-vectors/conformance/`: one per mutation class of the envelope,
//! JSON and BER rules (issue #12), each with the answer a conforming verifier gives.
//!
//! Faults of the CMS signature and of signed fields come from the simulator
//! ([`Fault`], [`Encoding`], [`Certificates`]); edits made after signing (moving bytes
//! between fields, relabelling, re-casing, wrapping, duplicating keys) are made here, on
//! the minted JSON, so every folder regenerates byte for byte.

use std::fs;
use std::path::Path;

use applepay_crypto::mint::{Certificates, Encoding, Fault, SAMPLE_PLAINTEXT, TestPki, TokenSpec};
use applepay_crypto::{UnixTime, Version};
use base64ct::{Base64, Encoding as _};
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// An edit of the minted token, after signing.
#[derive(Clone, Copy)]
enum Edit {
    None,
    /// The last byte of `transactionId` moved to the front of `applicationData`.
    TransactionIdByteToApplicationData,
    /// `transactionId` emptied into `applicationData` (which then holds both).
    TransactionIdIntoApplicationData,
    /// `applicationData` appended to `transactionId`, and removed.
    ApplicationDataIntoTransactionId,
    /// `transactionId` in upper case.
    UppercaseTransactionId,
    /// The `PKPaymentToken` wrapper, with `transactionIdentifier` the header's id in upper
    /// case (`true`) or another id (`false`).
    Wrapper(bool),
    /// The first byte of `data` moved to the end of `ephemeralPublicKey`.
    DataByteToEphemeralKey,
    /// `EC_v1` relabelled `RSA_v1`: `wrappedKey` the ephemeral key and the first 165 bytes
    /// of `data` (256 bytes, the RSA modulus length), `publicKeyHash` the RSA key's.
    RelabelledRsaV1,
    /// A key written twice, the first time with another value (serde_json keeps the last).
    Duplicate(Duplicate),
}

#[derive(Clone, Copy)]
enum Duplicate {
    HeaderTransactionId,
    Version,
    WrapperTransactionIdentifier,
}

struct Case {
    name: &'static str,
    comment: &'static str,
    fault: Option<Fault>,
    encoding: Encoding,
    certificates: Certificates,
    version: Version,
    edit: Edit,
    /// The folder holds the RSA merchant key (else the P-256 one).
    rsa_key: bool,
    error: Option<&'static str>,
}

const fn case(
    name: &'static str,
    comment: &'static str,
    edit: Edit,
    error: Option<&'static str>,
) -> Case {
    Case {
        name,
        comment,
        fault: None,
        encoding: Encoding::BerIndefinite,
        certificates: Certificates::LeafFirst,
        version: Version::EcV1,
        edit,
        rsa_key: false,
        error,
    }
}

const fn fault(name: &'static str, comment: &'static str, fault: Fault) -> Case {
    Case {
        fault: Some(fault),
        ..case(name, comment, Edit::None, Some("malformed"))
    }
}

fn cases() -> Vec<Case> {
    vec![
        // 1. The canonical envelope.
        case(
            "txid-byte-moved-to-appdata",
            "the last byte of transactionId moved to the front of applicationData: same signed content",
            Edit::TransactionIdByteToApplicationData,
            Some("malformed"),
        ),
        case(
            "txid-emptied-into-appdata",
            "transactionId empty, applicationData holding both: same signed content",
            Edit::TransactionIdIntoApplicationData,
            Some("malformed"),
        ),
        case(
            "appdata-absorbed-by-txid",
            "applicationData appended to transactionId and removed: same signed content",
            Edit::ApplicationDataIntoTransactionId,
            Some("malformed"),
        ),
        case(
            "txid-uppercase",
            "transactionId in upper-case hex: the same bytes; the canonical id is lower case",
            Edit::UppercaseTransactionId,
            None,
        ),
        case(
            "wrapper-txid-agrees",
            "PKPaymentToken whose transactionIdentifier is header.transactionId in upper case",
            Edit::Wrapper(true),
            None,
        ),
        case(
            "wrapper-txid-disagrees",
            "PKPaymentToken whose (unsigned) transactionIdentifier names another transaction",
            Edit::Wrapper(false),
            Some("malformed"),
        ),
        case(
            "ephemeral-key-absorbs-data-byte",
            "the first byte of data moved to the end of ephemeralPublicKey: same signed content",
            Edit::DataByteToEphemeralKey,
            Some("malformed"),
        ),
        fault(
            "ephemeral-key-compressed",
            "the ephemeral key sent and signed as a compressed point",
            Fault::CompressedEphemeralKey,
        ),
        // 2. The unsigned version.
        Case {
            rsa_key: true,
            ..case(
                "relabelled-rsa-v1",
                "EC_v1 relabelled RSA_v1, wrappedKey = ephemeral key + data[..165], publicKeyHash the RSA key's: same signed content",
                Edit::RelabelledRsaV1,
                Some("malformed"),
            )
        },
        Case {
            version: Version::RsaV1,
            rsa_key: true,
            ..fault(
                "rsa-wrapped-key-longer-than-modulus",
                "RSA_v1 wrappedKey sent and signed with a leading zero byte (257 bytes)",
                Fault::WrappedKeyLongerThanModulus,
            )
        },
        // 4. BER.
        Case {
            encoding: Encoding::BerLongLengths,
            ..case(
                "ber-long-lengths",
                "outer CMS layers with definite lengths in more octets than needed (84 00 00 xx xx, 82 xx xx, 81 xx)",
                Edit::None,
                None,
            )
        },
        fault(
            "ber-primitive-certificates-tag",
            "certificate set tagged primitive [0] (80): invalid BER for a SET OF",
            Fault::PrimitiveCertificatesTag,
        ),
        fault(
            "ber-primitive-signed-attrs-tag",
            "signed attributes tagged primitive [0] (80): invalid BER for a SET OF",
            Fault::PrimitiveSignedAttrsTag,
        ),
        fault(
            "der-unsorted-signed-attrs",
            "signed attributes sent and signed in reverse order: not DER (RFC 5652 5.3)",
            Fault::UnsortedSignedAttrs,
        ),
        Case {
            certificates: Certificates::IntermediateFirst,
            ..case(
                "certificates-intermediate-first",
                "certificate set: intermediate, then leaf",
                Edit::None,
                None,
            )
        },
        Case {
            certificates: Certificates::DecoyIntermediateFirst,
            ..case(
                "certificates-decoy-intermediate-first",
                "a certificate with the intermediate's name and another key, signed by the root, first",
                Edit::None,
                None,
            )
        },
    ]
}

/// 3. Duplicate JSON keys.
fn duplicate_key_cases() -> Vec<Case> {
    vec![
        case(
            "duplicate-key-transaction-id",
            "header.transactionId written twice, another id first",
            Edit::Duplicate(Duplicate::HeaderTransactionId),
            Some("malformed"),
        ),
        case(
            "duplicate-key-version",
            "version written twice, RSA_v1 first",
            Edit::Duplicate(Duplicate::Version),
            Some("malformed"),
        ),
        case(
            "duplicate-key-wrapper-transaction-identifier",
            "PKPaymentToken with transactionIdentifier written twice, another id first",
            Edit::Duplicate(Duplicate::WrapperTransactionIdentifier),
            Some("malformed"),
        ),
    ]
}

/// Writes every conformance folder under `dir`.
pub fn write(pki: &TestPki, signed: UnixTime, dir: &Path) -> Result<()> {
    for case in cases().into_iter().chain(duplicate_key_cases()) {
        let folder = dir.join(case.name);
        fs::create_dir_all(&folder)?;
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed);
        spec.encoding = case.encoding;
        spec.fault = case.fault;
        spec.version = case.version;
        spec.certificates = case.certificates;
        spec.ephemeral_seed = case.name.as_bytes().to_vec();
        spec.transaction_id = applepay_crypto::provider::default_provider()
            .sha256(&[case.name.as_bytes()])
            .to_vec();
        spec.application_data = Some(vec![0xA5; 32]);
        let token = edit(pki, &pki.mint(&spec)?, case.edit)?;
        fs::write(folder.join("token.json"), token + "\n")?;
        let (key, cert) = if case.rsa_key {
            (pki.rsa_merchant_key_pem()?, pki.rsa_merchant_cert_pem()?)
        } else {
            (pki.merchant_key_pem()?, pki.merchant_cert_pem()?)
        };
        fs::write(folder.join("merchant_key.pem"), key)?;
        fs::write(folder.join("merchant_cert.pem"), cert)?;
        fs::write(folder.join("test_root.pem"), pki.root_pem()?)?;

        let mut lines = format!("# minted by examples/mint_vectors.rs: {}\n", case.comment);
        let expected = folder.join("expected.json");
        match case.error {
            Some(kind) => {
                lines += &format!("Error = {kind}\n");
                if case.fault == Some(Fault::WrappedKeyLongerThanModulus) {
                    lines += "Verifies = yes\n";
                }
                if expected.exists() {
                    fs::remove_file(&expected)?;
                }
            }
            None => {
                let id = base16ct::lower::encode_string(&spec.transaction_id);
                lines += &format!("TransactionId = {id}\n");
                fs::write(&expected, SAMPLE_PLAINTEXT)?;
            }
        }
        fs::write(folder.join("case.txt"), lines)?;
        println!("wrote {}", folder.display());
    }
    Ok(())
}

fn edit(pki: &TestPki, minted: &str, edit: Edit) -> Result<String> {
    let mut json: Value = serde_json::from_str(minted)?;
    let b64 = |v: &Value| -> Result<Vec<u8>> { Ok(Base64::decode_vec(v.as_str().ok_or("str")?)?) };
    let unhex = |v: &Value| -> Result<Vec<u8>> {
        Ok(base16ct::mixed::decode_vec(v.as_str().ok_or("str")?)?)
    };
    let hex = |b: &[u8]| Value::from(base16ct::lower::encode_string(b));
    let header = json["header"].clone();
    let txid = unhex(&header["transactionId"])?;
    let app = unhex(&header["applicationData"])?;
    match edit {
        Edit::None => {}
        Edit::TransactionIdByteToApplicationData => {
            let (head, last) = txid.split_at(txid.len() - 1);
            json["header"]["transactionId"] = hex(head);
            json["header"]["applicationData"] = hex(&[last, &app].concat());
        }
        Edit::TransactionIdIntoApplicationData => {
            json["header"]["transactionId"] = hex(&[]);
            json["header"]["applicationData"] = hex(&[&txid[..], &app].concat());
        }
        Edit::ApplicationDataIntoTransactionId => {
            json["header"]["transactionId"] = hex(&[&txid[..], &app].concat());
            json["header"]
                .as_object_mut()
                .ok_or("header")?
                .remove("applicationData");
        }
        Edit::UppercaseTransactionId => {
            json["header"]["transactionId"] = base16ct::upper::encode_string(&txid).into();
        }
        Edit::Wrapper(agree) => {
            let mut id = txid.clone();
            if !agree {
                id[0] ^= 1;
            }
            json = serde_json::json!({
                "paymentData": json,
                "paymentMethod": {"displayName": "Visa 1111", "network": "Visa", "type": "debit"},
                "transactionIdentifier": base16ct::upper::encode_string(&id),
            });
        }
        Edit::DataByteToEphemeralKey => {
            let key = b64(&header["ephemeralPublicKey"])?;
            let data = b64(&json["data"])?;
            json["header"]["ephemeralPublicKey"] =
                Base64::encode_string(&[&key[..], &data[..1]].concat()).into();
            json["data"] = Base64::encode_string(&data[1..]).into();
        }
        Edit::RelabelledRsaV1 => {
            let key = b64(&header["ephemeralPublicKey"])?;
            let data = b64(&json["data"])?;
            let split = 256 - key.len();
            let header = json["header"].as_object_mut().ok_or("header")?;
            header.remove("ephemeralPublicKey");
            header.insert(
                "wrappedKey".into(),
                Base64::encode_string(&[&key[..], &data[..split]].concat()).into(),
            );
            header.insert(
                "publicKeyHash".into(),
                pki.rsa_merchant_key()?.public_key_hash().to_string().into(),
            );
            json["version"] = "RSA_v1".into();
            json["data"] = Base64::encode_string(&data[split..]).into();
        }
        Edit::Duplicate(which) => {
            let pretty = serde_json::to_string_pretty(&json)?;
            let (key, first) = match which {
                Duplicate::HeaderTransactionId => {
                    let mut other = txid.clone();
                    other[0] ^= 1;
                    (
                        "transactionId",
                        Value::from(base16ct::lower::encode_string(&other)),
                    )
                }
                Duplicate::Version => ("version", Value::from("RSA_v1")),
                Duplicate::WrapperTransactionIdentifier => {
                    let wrapped = serde_json::to_string_pretty(&serde_json::json!({
                        "paymentData": json,
                        "transactionIdentifier": base16ct::upper::encode_string(&txid),
                    }))?;
                    let mut other = txid.clone();
                    other[0] ^= 1;
                    let first = Value::from(base16ct::upper::encode_string(&other));
                    return duplicate(&wrapped, "transactionIdentifier", &first);
                }
            };
            return duplicate(&pretty, key, &first);
        }
    }
    Ok(serde_json::to_string_pretty(&json)?)
}

/// `pretty` with `"key": first,` inserted on the line before the (only) `"key":` line.
fn duplicate(pretty: &str, key: &str, first: &Value) -> Result<String> {
    let needle = format!("\"{key}\":");
    let mut out = Vec::new();
    let mut done = false;
    for line in pretty.lines() {
        if !done && line.trim_start().starts_with(&needle) {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push(format!("{indent}\"{key}\": {first},"));
            done = true;
        }
        out.push(line.to_owned());
    }
    if !done {
        return Err(format!("no {key} in the token").into());
    }
    Ok(out.join("\n"))
}
