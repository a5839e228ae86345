//! Regenerates the `test-vectors/minted-*` folders with the crate's Apple-side simulator.
//!
//! ```text
//! cargo run --example mint_vectors --features test-util
//! ```
//!
//! It also writes `test-vectors/conformance/` (`support/conformance.rs`) and
//! `test-vectors/merchant-token/` (`support/merchant_token.rs`).
//!
//! The output is deterministic (keys from a fixed seed, RFC 6979 signatures), so running
//! it again changes nothing unless the simulator changed.

use std::fs;
use std::path::Path;

#[path = "support/conformance.rs"]
mod conformance;
#[path = "support/merchant_token.rs"]
mod merchant_token;

use applepay_crypto::mint::{Encoding, Fault, SAMPLE_PLAINTEXT, Signer, TestPki, TokenSpec};
use applepay_crypto::{UnixTime, Version};

const SEED: &[u8] = b"applepay-crypto test-vectors v1";
const SIGNED: &str = "2026-03-04T05:06:07Z";

struct Case {
    name: &'static str,
    comment: &'static str,
    encoding: Encoding,
    fault: Option<Fault>,
    /// Seconds from the signing time to the verification time; `None`: at signing time.
    verify_offset: Option<i64>,
    /// Decrypt without verifying (`Verify = skip`).
    skip_verify: bool,
    error: Option<&'static str>,
    version: Version,
    signer: Signer,
    /// Which merchant key (and certificate) the folder holds.
    key: Key,
    /// The payment data the token carries.
    plaintext: &'static str,
    /// The field the typed view (`Plaintext::payment`) must name when it refuses the
    /// plaintext (`PaymentError =`); the plaintext itself still decrypts.
    payment_error: Option<&'static str>,
}

/// The merchant key written to a folder, with its certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    /// The P-256 key, SEC1.
    Ec,
    /// The RSA key, PKCS#1 (`RSA PRIVATE KEY`).
    RsaPkcs1,
    /// The RSA key, PKCS#8 (`PRIVATE KEY`).
    RsaPkcs8,
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
        skip_verify: false,
        error,
        version: Version::EcV1,
        signer: Signer::Ecdsa,
        key: Key::Ec,
        plaintext: SAMPLE_PLAINTEXT,
        payment_error: None,
    }
}

/// A faultless token (BER, verified at signing time) carrying `plaintext`: one shape of the
/// payment data Apple documents, or a variation of it.
const fn payment_case(name: &'static str, comment: &'static str, plaintext: &'static str) -> Case {
    Case {
        plaintext,
        ..case(name, comment, None, None, None)
    }
}

/// An `RSA_v1` case: the RSA merchant key (PKCS#1), signed by the EC leaf.
const fn rsa_case(
    name: &'static str,
    comment: &'static str,
    fault: Option<Fault>,
    error: Option<&'static str>,
) -> Case {
    Case {
        version: Version::RsaV1,
        key: Key::RsaPkcs1,
        ..case(name, comment, fault, None, error)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors");
    // The EC half is what `TestPki::new(SEED)` makes; the RSA keys are generated too.
    let pki = TestPki::with_rsa(SEED)?;
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
        Case {
            verify_offset: Some(60),
            ..rsa_case(
                "minted-rsa-v1-ber",
                "RSA_v1 (PKCS#1 merchant key), EC leaf, BER; verified one minute after signing",
                None,
                None,
            )
        },
        Case {
            encoding: Encoding::Der,
            signer: Signer::Rsa,
            key: Key::RsaPkcs8,
            ..rsa_case(
                "minted-rsa-v1-rsa-signed",
                "RSA_v1 (PKCS#8 merchant key), RSA-2048 leaf (sha256WithRSAEncryption), DER",
                None,
                None,
            )
        },
        Case {
            signer: Signer::Rsa,
            ..case(
                "minted-ec-v1-rsa-signed",
                "EC_v1 signed by an RSA-2048 leaf (sha256WithRSAEncryption)",
                None,
                None,
                None,
            )
        },
        Case {
            key: Key::Ec,
            ..rsa_case(
                "minted-rsa-err-no-matching-key",
                "RSA_v1 token; the folder holds only the merchant's EC key",
                None,
                Some("no_matching_key"),
            )
        },
        rsa_case(
            "minted-rsa-err-wrapped-for-other-key",
            "validly signed; the AES key is wrapped for another RSA key than publicKeyHash names",
            Some(Fault::WrappedForOtherKey),
            Some("decryption_failed"),
        ),
        rsa_case(
            "minted-rsa-err-wrong-oaep-label",
            "validly signed; wrappedKey uses the OAEP label \"Apple\" instead of an empty one",
            Some(Fault::WrongOaepLabel),
            Some("decryption_failed"),
        ),
        rsa_case(
            "minted-rsa-err-wrong-oaep-hash",
            "validly signed; wrappedKey uses OAEP with SHA-384 and MGF1-SHA-384",
            Some(Fault::WrongOaepHash),
            Some("decryption_failed"),
        ),
        rsa_case(
            "minted-rsa-err-wrapped-key-length",
            "validly signed; the wrapped key is 32 bytes (data is AES-256-GCM under it)",
            Some(Fault::WrongWrappedKeyLength),
            Some("decryption_failed"),
        ),
        rsa_case(
            "minted-rsa-err-tampered-wrapped-key",
            "one bit of wrappedKey flipped after signing",
            Some(Fault::TamperedWrappedKey),
            Some("signature"),
        ),
        Case {
            skip_verify: true,
            ..rsa_case(
                "minted-rsa-err-tampered-wrapped-key-unverified",
                "one bit of wrappedKey flipped after signing; decrypted without verification",
                Some(Fault::TamperedWrappedKey),
                Some("decryption_failed"),
            )
        },
        Case {
            signer: Signer::Rsa,
            ..rsa_case(
                "minted-rsa-err-tampered-rsa-signature",
                "RSA-2048 leaf; one bit of the PKCS#1 v1.5 signature flipped",
                Some(Fault::TamperedSignature),
                Some("signature"),
            )
        },
    ];
    let cases = cases.into_iter().chain(payment_cases());
    for case in cases {
        let folder = dir.join(case.name);
        fs::create_dir_all(&folder)?;
        let mut spec = TokenSpec::new(case.plaintext.as_bytes().to_vec(), signed);
        spec.encoding = case.encoding;
        spec.fault = case.fault;
        spec.version = case.version;
        spec.signer = case.signer;
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
        let (key, cert) = match case.key {
            Key::Ec => (pki.merchant_key_pem()?, pki.merchant_cert_pem()?),
            Key::RsaPkcs1 => (pki.rsa_merchant_key_pem()?, pki.rsa_merchant_cert_pem()?),
            Key::RsaPkcs8 => (
                pki.rsa_merchant_key()?.to_pkcs8_pem()?.as_str().to_owned(),
                pki.rsa_merchant_cert_pem()?,
            ),
        };
        fs::write(folder.join("merchant_key.pem"), key)?;
        fs::write(folder.join("merchant_cert.pem"), cert)?;
        fs::write(folder.join("test_root.pem"), pki.root_pem()?)?;

        let mut lines = format!("# minted by examples/mint_vectors.rs: {}\n", case.comment);
        if case.skip_verify {
            lines += "Verify = skip\n";
        } else if let Some(offset) = case.verify_offset {
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
            None => fs::write(&expected, case.plaintext)?,
        }
        if let Some(field) = case.payment_error {
            lines += &format!("PaymentError = {field}\n");
        }
        fs::write(folder.join("case.txt"), lines)?;
        println!("wrote {}", folder.display());
    }
    conformance::write(&pki, signed, &dir.join("conformance"))?;
    merchant_token::write(&pki, signed, &dir.join("merchant-token"))?;
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

/// The fields every payment-shape plaintext below starts with (a `3DSecure` payment).
macro_rules! head {
    ($amount:literal) => {
        concat!(
            r#"{"applicationPrimaryAccountNumber":"5204240250197840","applicationExpirationDate":"311231","#,
            r#""currencyCode":"978","transactionAmount":"#,
            $amount,
            r#","deviceManufacturerIdentifier":"040010030273","paymentDataType":"3DSecure","#
        )
    };
}

/// `3DSecure` payment data with a cryptogram and an ECI indicator.
macro_rules! payment_data {
    () => {
        r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","eciIndicator":"7"}"#
    };
}

/// A merchant token (MPAN): identifier and metadata with card art and card metadata.
const MERCHANT_TOKEN: &str = concat!(
    head!("1999"),
    r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","eciIndicator":"7"},"#,
    r#""merchantTokenIdentifier":"DNITHE302312345678901234","#,
    r#""merchantTokenMetadata":{"cardArt":[{"name":"Example Bank Rewards","type":"CARD_ART_FULL","#,
    r#""url":"https://cardart.example/rewards.png"}],"cardMetadata":{"expirationDate":"122031"}}}"#
);

/// A multi-merchant payment, the sub-merchant amounts as JSON numbers.
const MULTI_MERCHANT_NUMBERS: &str = concat!(
    head!("4000"),
    r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","eciIndicator":"7"},"#,
    r#""authenticationResponses":[{"merchantIdentifier":"merchant.com.example.flights","#,
    r#""authenticationData":"AQIDBAUGBwgJCgsMDQ4PEBESExQ=","transactionAmount":1500},"#,
    r#"{"merchantIdentifier":"merchant.com.example.hotels","#,
    r#""authenticationData":"FBMSERAPDg0MCwoJCAcGBQQDAgE=","transactionAmount":2500}]}"#
);

/// A multi-merchant payment, the sub-merchant amounts as strings (as Apple documents them).
const MULTI_MERCHANT_STRINGS: &str = concat!(
    head!("4000"),
    r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","eciIndicator":"7"},"#,
    r#""authenticationResponses":[{"merchantIdentifier":"merchant.com.example.flights","#,
    r#""authenticationData":"AQIDBAUGBwgJCgsMDQ4PEBESExQ=","transactionAmount":"1500"},"#,
    r#"{"merchantIdentifier":"merchant.com.example.hotels","#,
    r#""authenticationData":"FBMSERAPDg0MCwoJCAcGBQQDAgE=","transactionAmount":"2500"}]}"#
);

/// The top-level amount as a decimal-digit string.
const STRING_AMOUNT: &str = concat!(head!(r#""1000""#), payment_data!(), "}");

/// Fields no version of Apple's documentation names, at every level.
const UNKNOWN_FIELDS: &str = concat!(
    r#"{"futureTopLevel":{"nested":[1,{"deep":null}],"flag":true},"#,
    r#""applicationPrimaryAccountNumber":"5204240250197840","applicationExpirationDate":"311231","#,
    r#""currencyCode":"978","transactionAmount":4000,"deviceManufacturerIdentifier":"040010030273","#,
    r#""paymentDataType":"3DSecure","paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","#,
    r#""eciIndicator":"7","futureCryptogramVersion":2},"#,
    r#""authenticationResponses":[{"merchantIdentifier":"merchant.com.example.flights","#,
    r#""authenticationData":"AQIDBAUGBwgJCgsMDQ4PEBESExQ=","transactionAmount":"4000","risk":{"score":"low"}}],"#,
    r#""merchantTokenIdentifier":"DNITHE302312345678901234","#,
    r#""merchantTokenMetadata":{"futureMetadata":[true],"cardArt":[{"name":"Example Bank","type":"CARD_ART_FULL","#,
    r#""url":"https://cardart.example/a.png","width":480}],"#,
    r#""cardMetadata":{"expirationDate":"122031","futureKey":"x"}},"futureTrailer":-1.5e3}"#
);

/// Every optional field present as `null`.
const NULLS: &str = concat!(
    head!("1000"),
    r#""cardholderName":null,"paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","#,
    r#""eciIndicator":null},"merchantTokenIdentifier":null,"merchantTokenMetadata":null,"#,
    r#""authenticationResponses":null}"#
);

/// No `eciIndicator` (not every network adds one).
const NO_ECI: &str = concat!(
    head!("1000"),
    r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA=="}}"#
);

/// `EMV` payment data with encrypted PIN data (an `RSA_v1` token, as Apple documents).
const EMV: &str = concat!(
    r#"{"applicationPrimaryAccountNumber":"6212345678901232","applicationExpirationDate":"300930","#,
    r#""currencyCode":"156","transactionAmount":88800,"deviceManufacturerIdentifier":"040010030273","#,
    r#""paymentDataType":"EMV","paymentData":{"emvData":"nyYIEjRWeJCrze+fJwGAnxAHBgEKA6SgAJ83BBI0Vng=","#,
    r#""encryptedPINData":"8A3D9B1C0E2F4A5B"}}"#
);

/// Amounts at and next to `u64::MAX`, as numbers and as strings.
const LARGE_AMOUNTS: &str = concat!(
    head!("18446744073709551615"),
    r#""paymentData":{"onlinePaymentCryptogram":"AM3vG2DTzv7uAAKHqXJhgAADFA==","eciIndicator":"7"},"#,
    r#""authenticationResponses":[{"merchantIdentifier":"merchant.com.example.a","#,
    r#""authenticationData":"AQIDBAUGBwgJCgsMDQ4PEBESExQ=","transactionAmount":"18446744073709551615"},"#,
    r#"{"merchantIdentifier":"merchant.com.example.b","#,
    r#""authenticationData":"FBMSERAPDg0MCwoJCAcGBQQDAgE=","transactionAmount":18446744073709551614}]}"#
);

/// A cardholder name outside ASCII, literal and escaped (a surrogate pair included).
const NON_ASCII_NAME: &str = concat!(
    head!("1000"),
    r#""cardholderName":"Zoë Ølsen-Łukasz 山田 \u00c9mile \ud83d\udcb3","#,
    payment_data!(),
    "}"
);

/// Secrets written with JSON escapes (`\/` and `\u`), which the crate must unescape into
/// zeroizing storage itself.
const ESCAPED_SECRETS: &str = concat!(
    r#"{"applicationPrimaryAccountNumber":"\u0035\u00320424025019784\u0030","#,
    r#""applicationExpirationDate":"311231","currencyCode":"978","transactionAmount":1000,"#,
    r#""deviceManufacturerIdentifier":"040010030273","paymentDataType":"3DSecure","#,
    r#""paymentData":{"onlinePaymentCryptogram":"AM3v\/2DTzv7uAAKHq\/JhgAADFA==","eciIndicator":"\u0037"},"#,
    r#""authenticationResponses":[{"merchantIdentifier":"merchant.com.example.flights","#,
    r#""authenticationData":"AQID\/AUGBwgJCgsMDQ4PEBESExQ\u003d","transactionAmount":"1000"}]}"#
);

/// A `paymentDataType` this crate does not know: surfaced, not refused.
const UNKNOWN_TYPE: &str = concat!(
    r#"{"applicationPrimaryAccountNumber":"5204240250197840","applicationExpirationDate":"311231","#,
    r#""currencyCode":"978","transactionAmount":1000,"deviceManufacturerIdentifier":"040010030273","#,
    r#""paymentDataType":"FutureCredential","paymentData":{"futureBlob":"AAEC"}}"#
);

/// A top-level amount one over `u64::MAX`: the typed view refuses it.
const AMOUNT_OVERFLOW: &str = concat!(head!("18446744073709551616"), payment_data!(), "}");

/// A sub-merchant amount with a decimal point: the typed view refuses it.
const DECIMAL_SUB_AMOUNT: &str = concat!(
    head!("1250"),
    payment_data!(),
    r#","authenticationResponses":[{"merchantIdentifier":"merchant.com.example.flights","#,
    r#""authenticationData":"AQIDBAUGBwgJCgsMDQ4PEBESExQ=","transactionAmount":"12.50"}]}"#
);

/// `3DSecure` without its cryptogram: the typed view refuses it.
const NO_CRYPTOGRAM: &str = concat!(head!("1000"), r#""paymentData":{"eciIndicator":"7"}}"#);

/// Tokens carrying each documented shape of the payment data and each variation of it;
/// all decrypt, and the last three are refused by the typed view only.
fn payment_cases() -> Vec<Case> {
    vec![
        payment_case(
            "minted-payment-merchant-token",
            "a merchant token: merchantTokenIdentifier and merchantTokenMetadata",
            MERCHANT_TOKEN,
        ),
        payment_case(
            "minted-payment-multi-merchant-numbers",
            "multi-merchant authenticationResponses with amounts as JSON numbers",
            MULTI_MERCHANT_NUMBERS,
        ),
        payment_case(
            "minted-payment-multi-merchant-strings",
            "multi-merchant authenticationResponses with amounts as strings",
            MULTI_MERCHANT_STRINGS,
        ),
        payment_case(
            "minted-payment-string-amount",
            "transactionAmount as a decimal-digit string",
            STRING_AMOUNT,
        ),
        payment_case(
            "minted-payment-unknown-fields",
            "unknown fields at every level of the payment data",
            UNKNOWN_FIELDS,
        ),
        payment_case("minted-payment-nulls", "every optional field null", NULLS),
        payment_case("minted-payment-no-eci", "no eciIndicator", NO_ECI),
        Case {
            plaintext: EMV,
            ..rsa_case(
                "minted-payment-emv",
                "RSA_v1 token with EMV payment data and encryptedPINData",
                None,
                None,
            )
        },
        payment_case(
            "minted-payment-large-amounts",
            "amounts at and next to u64::MAX, as numbers and strings",
            LARGE_AMOUNTS,
        ),
        payment_case(
            "minted-payment-non-ascii-name",
            "a cardholder name outside ASCII, literal and escaped",
            NON_ASCII_NAME,
        ),
        payment_case(
            "minted-payment-escaped-secrets",
            "PAN, cryptogram and authentication data with \\/ and \\u escapes",
            ESCAPED_SECRETS,
        ),
        payment_case(
            "minted-payment-unknown-type",
            "a paymentDataType the crate does not know, surfaced as unknown",
            UNKNOWN_TYPE,
        ),
        Case {
            payment_error: Some("transactionAmount"),
            ..payment_case(
                "minted-payment-view-err-amount-overflow",
                "transactionAmount one over u64::MAX: decrypts, the typed view refuses it",
                AMOUNT_OVERFLOW,
            )
        },
        Case {
            payment_error: Some("authenticationResponses.transactionAmount"),
            ..payment_case(
                "minted-payment-view-err-decimal-sub-amount",
                "a sub-merchant amount \"12.50\": decrypts, the typed view refuses it",
                DECIMAL_SUB_AMOUNT,
            )
        },
        Case {
            payment_error: Some("paymentData.onlinePaymentCryptogram"),
            ..payment_case(
                "minted-payment-view-err-no-cryptogram",
                "3DSecure without onlinePaymentCryptogram: decrypts, the typed view refuses it",
                NO_CRYPTOGRAM,
            )
        },
    ]
}
