//! Differential verification: every mutated token is verified by this crate and by
//! OpenSSL's CMS verification (`CMS_verify` over the same detached content, the same trust
//! anchor, the same time). A disagreement must be one a documented rule of this crate
//! explains, checked here independently of the crate's own code:
//!
//! - the Apple Pay marker extensions (`certificate_chain`: missing markers);
//! - the canonical envelope: `transactionId` of 32 bytes, `applicationData` absent or of 32
//!   bytes, `ephemeralPublicKey` the 91-byte uncompressed P-256 SPKI, an `RSA_v1`
//!   `wrappedKey` not starting like one (`malformed`, naming the field);
//! - DER where RFC 5652 and X.509 demand it: certificates and signed attributes whose
//!   edited bytes no longer form DER (`malformed`);
//! - the Apple Pay CMS profile, narrower than OpenSSL's: exactly one signer, SHA-256,
//!   ECDSA P-256 or RSA, versions 1 or 3, detached `id-data`, the announced digest
//!   algorithm the signer's, the signed attributes each present once, algorithm
//!   protection consistent, the signer identifier naming a certificate byte for byte —
//!   explained only when an edit touched the element the rule is about;
//! - the signing-time window, which OpenSSL does not check.
//!
//! One disagreement goes the other way, by design: with a decoy certificate of the
//! intermediate's name placed first, OpenSSL (which takes the first name match among
//! untrusted certificates without key identifiers) refuses, and this crate, which builds
//! the path over the whole set, verifies.
//!
//! Anything else — this crate accepting what OpenSSL refuses, or refusing a token whose
//! edits touched only the BER framing OpenSSL reads — fails the target.
#![no_main]

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{LazyLock, Mutex};

use applepay_crypto::mint::{
    Certificates, Encoding, Fault, SAMPLE_PLAINTEXT, Signer, TestPki, TokenSpec,
};
use applepay_crypto::{ChainError, DEFAULT_MAX_AGE, Error, PaymentToken, UnixTime, Verifier};
use arbitrary::Arbitrary;
use base64ct::{Base64, Encoding as _};
use der::{Decode, Encode};
use libfuzzer_sys::fuzz_target;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::x509::X509;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;

/// The DER header of an uncompressed P-256 `SubjectPublicKeyInfo` (91 bytes in all).
const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

struct Fixture {
    pki: TestPki,
    verifier: Verifier,
    store: X509Store,
    signed: UnixTime,
    /// Minted tokens by their options (a few hundred): minting signs certificates, so it
    /// is done once per combination.
    minted: Mutex<HashMap<[u8; 7], Option<String>>>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let pki = TestPki::with_rsa(b"differential").expect("test PKI");
    let signed = UnixTime::parse_rfc3339("2026-03-04T05:06:07Z").expect("time");
    let mut builder = X509StoreBuilder::new().expect("store");
    builder
        .add_cert(X509::from_der(pki.root_der()).expect("root"))
        .expect("add root");
    let mut param = X509VerifyParam::new().expect("param");
    param.set_time(i64::try_from(signed.as_secs()).expect("time fits"));
    builder.set_param(&param).expect("param");
    Fixture {
        verifier: pki.verifier(),
        store: builder.build(),
        pki,
        signed,
        minted: Mutex::default(),
    }
});

const FAULTS: [Option<Fault>; 10] = [
    None,
    Some(Fault::WrongLeafOid),
    Some(Fault::MissingIntermediateOid),
    Some(Fault::BadMessageDigest),
    Some(Fault::MismatchedSignatureAlgorithm),
    Some(Fault::PrimitiveCertificatesTag),
    Some(Fault::PrimitiveSignedAttrsTag),
    Some(Fault::UnsortedSignedAttrs),
    Some(Fault::CompressedEphemeralKey),
    Some(Fault::WrappedKeyLongerThanModulus),
];

/// Faults whose refusal a documented rule explains: BER tag forms, DER signed attributes.
const ENCODING_FAULTS: [Fault; 3] = [
    Fault::PrimitiveCertificatesTag,
    Fault::PrimitiveSignedAttrsTag,
    Fault::UnsortedSignedAttrs,
];

#[derive(Arbitrary, Debug)]
enum Edit {
    /// XOR a byte of the CMS signature.
    Flip { at: u16, mask: u8 },
    /// Overwrite a byte of the CMS signature.
    Set { at: u16, value: u8 },
    /// Move bytes from the end of `transactionId` to the start of `applicationData`
    /// (negative: back).
    ShiftTransactionId(i8),
    /// Move bytes from the end of the key field to the start of `data` (negative: back).
    ShiftKey(i8),
    /// Write the transaction id in upper case.
    Uppercase,
    /// Relabel an `EC_v1` token `RSA_v1`, the ephemeral key becoming the `wrappedKey`.
    Relabel,
}

#[derive(Arbitrary, Debug)]
struct Input {
    encoding: u8,
    certificates: u8,
    rsa_signer: bool,
    rsa_v1: bool,
    fault: u8,
    application_data: bool,
    edits: Vec<Edit>,
}

/// The token's fields as this target writes them; `content` is what the signature covers.
struct Fields {
    version: &'static str,
    key: Vec<u8>,
    data: Vec<u8>,
    transaction_id: Vec<u8>,
    transaction_id_text: String,
    application_data: Option<Vec<u8>>,
    signature: Vec<u8>,
    public_key_hash: String,
}

impl Fields {
    fn content(&self) -> Vec<u8> {
        [
            &self.key[..],
            &self.data,
            &self.transaction_id,
            self.application_data.as_deref().unwrap_or_default(),
        ]
        .concat()
    }

    fn json(&self) -> String {
        let key_field = match self.version {
            "EC_v1" => "ephemeralPublicKey",
            _ => "wrappedKey",
        };
        let mut header = serde_json::json!({
            key_field: Base64::encode_string(&self.key),
            "publicKeyHash": self.public_key_hash,
            "transactionId": self.transaction_id_text,
        });
        if let Some(app) = &self.application_data {
            header["applicationData"] = hex(app).into();
        }
        serde_json::json!({
            "version": self.version,
            "data": Base64::encode_string(&self.data),
            "signature": Base64::encode_string(&self.signature),
            "header": header,
        })
        .to_string()
    }

    /// The canonical-envelope rules this crate documents, checked independently.
    fn canonical(&self) -> bool {
        let app_ok = self.application_data.as_ref().is_none_or(|a| a.len() == 32);
        let key_ok = match self.version {
            "EC_v1" => self.key.len() == 91 && self.key.starts_with(&P256_SPKI_PREFIX),
            _ => {
                let n = self.key.len().min(P256_SPKI_PREFIX.len());
                self.key.get(..n) != P256_SPKI_PREFIX.get(..n)
            }
        };
        self.transaction_id.len() == 32 && app_ok && key_ok && !self.data.is_empty()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the parts of the minted signature lie, found by searching for their DER (which
/// every encoding of the simulator keeps as it is).
#[derive(Default)]
struct Regions {
    certificates: Vec<Range<usize>>,
    signed_attrs: Option<Range<usize>>,
    /// Elements a profile rule is about: versions, algorithm identifiers, the
    /// encapsulated content info, the signer identifier.
    profile: Vec<Range<usize>>,
}

/// The first occurrence of `needle` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|start| from + start..from + start + needle.len())
}

/// The regions of `signature`, found with the parts of `der_twin`, the same token minted
/// in DER (which `cms` reads, unlike definite lengths in more octets than needed; the
/// parts searched for are the same bytes in every encoding).
fn regions(signature: &[u8], der_twin: &[u8]) -> Regions {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    let mut regions = Regions::default();
    let Ok(info) = ContentInfo::from_der(der_twin) else {
        return regions;
    };
    let Ok(sd) = info
        .content
        .decode_as_encoding::<SignedData>(der::EncodingRules::Ber)
    else {
        return regions;
    };
    // Before the certificates: the SignedData version (followed by the digest algorithm
    // set), the digest algorithm set, the encapsulated content type (the first `id-data`;
    // under BER the encapsulated content info has an indefinite length).
    let mut before = Vec::new();
    if let Ok(set) = sd.digest_algorithms.to_der() {
        before.push([&[0x02, 0x01, 0x01][..], &set].concat());
        before.push(set);
    }
    before.extend(sd.encap_content_info.to_der().ok());
    before.extend(sd.encap_content_info.econtent_type.to_der().ok());
    // The same with the long-form lengths of `Encoding::BerLongLengths`: the version
    // (`02 81 01 01`), and the content type's contents alone.
    if let Ok(set) = sd.digest_algorithms.to_der() {
        before.push([&[0x02, 0x81, 0x01, 0x01][..], &set].concat());
    }
    before.push(sd.encap_content_info.econtent_type.as_bytes().to_vec());
    regions.profile = before
        .iter()
        .filter_map(|p| find(signature, p, 0))
        .collect();
    for cert in sd.certificates.iter().flat_map(|c| c.0.iter()) {
        if let Some(r) = cert.to_der().ok().and_then(|d| find(signature, &d, 0)) {
            regions.certificates.push(r);
        }
    }
    // The signer's fields come after the certificates (whose own algorithm identifiers
    // have the same bytes), its signature algorithm after the signed attributes.
    let after_certificates = regions
        .certificates
        .iter()
        .map(|r| r.end)
        .max()
        .unwrap_or(0);
    for si in sd.signer_infos.0.iter() {
        let mut after_attrs = after_certificates;
        if let Some(attrs) = &si.signed_attrs
            && let Ok(mut der) = attrs.to_der()
        {
            der[0] = 0xA0;
            regions.signed_attrs = find(signature, &der, after_certificates);
            after_attrs = regions.signed_attrs.as_ref().map_or(after_attrs, |r| r.end);
        }
        let mut signer = Vec::new();
        signer.extend(si.digest_alg.to_der().ok());
        signer.extend(si.sid.to_der().ok());
        // The SignerInfo version, recognised by what follows it.
        if let Ok(sid) = si.sid.to_der() {
            signer.push([&[0x02, 0x01, 0x01][..], &sid].concat());
        }
        regions.profile.extend(
            signer
                .iter()
                .filter_map(|p| find(signature, p, after_certificates)),
        );
        regions.profile.extend(
            si.signature_algorithm
                .to_der()
                .ok()
                .and_then(|alg| find(signature, &alg, after_attrs)),
        );
    }
    regions
}

/// A region whose bytes were edited and no longer form DER.
fn certificate_not_der(signature: &[u8], region: &Range<usize>) -> bool {
    let Some(bytes) = signature.get(region.clone()) else {
        return true;
    };
    match x509_cert::Certificate::from_der(bytes) {
        Ok(cert) => cert.to_der().ok().as_deref() != Some(bytes),
        Err(_) => true,
    }
}

fn openssl_verifies(store: &X509Store, fields: &Fields) -> bool {
    let Ok(mut cms) = CmsContentInfo::from_der(&fields.signature) else {
        return false;
    };
    cms.verify(
        None,
        Some(store),
        Some(&fields.content()),
        None,
        CMSOptions::BINARY,
    )
    .is_ok()
}

/// LeakSanitizer suppressions: OpenSSL 3.0's `CMS_verify` leaks a few small allocations
/// on some failure paths (found by this target; libcrypto's allocations, not this
/// crate's). Leaks with libcrypto on their stack are not reported; all others are.
#[unsafe(no_mangle)]
pub extern "C" fn __lsan_default_suppressions() -> *const std::ffi::c_char {
    c"leak:libcrypto.so\n".as_ptr()
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    if input.edits.len() > 6 {
        return;
    }
    let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), f.signed);
    spec.transaction_id = vec![0x5a; 32];
    spec.application_data = input.application_data.then(|| vec![0xa5; 32]);
    spec.encoding = [
        Encoding::BerIndefinite,
        Encoding::Der,
        Encoding::BerLongLengths,
    ][usize::from(input.encoding) % 3];
    spec.certificates = [
        Certificates::LeafFirst,
        Certificates::IntermediateFirst,
        Certificates::DecoyIntermediateFirst,
    ][usize::from(input.certificates) % 3];
    spec.fault = FAULTS[usize::from(input.fault % 10)];
    spec.signer = if input.rsa_signer {
        Signer::Rsa
    } else {
        Signer::Ecdsa
    };
    if input.rsa_v1 {
        spec.version = applepay_crypto::Version::RsaV1;
    }
    let options = [
        input.encoding % 3,
        input.certificates % 3,
        input.fault % 10,
        u8::from(input.rsa_signer),
        u8::from(input.rsa_v1),
        u8::from(input.application_data),
        0,
    ];
    let mint = |spec: &TokenSpec, options: [u8; 7]| {
        f.minted
            .lock()
            .expect("lock")
            .entry(options)
            .or_insert_with(|| f.pki.mint(spec).ok())
            .clone()
    };
    let Some(json) = mint(&spec, options) else {
        return;
    };
    let mut der_spec = spec.clone();
    der_spec.encoding = Encoding::Der;
    let Some(der_twin) = mint(
        &der_spec,
        [
            1, options[1], options[2], options[3], options[4], options[5], 0,
        ],
    ) else {
        return;
    };
    let der_twin: serde_json::Value = serde_json::from_str(&der_twin).expect("minted JSON");
    let minted: serde_json::Value = serde_json::from_str(&json).expect("minted JSON");
    let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
    let b64 = |v: &serde_json::Value| Base64::decode_vec(v.as_str().expect("string")).expect("b64");
    let header = &minted["header"];
    let (version, key) = match header.get("wrappedKey") {
        Some(w) => ("RSA_v1", b64(w)),
        None => ("EC_v1", b64(&header["ephemeralPublicKey"])),
    };
    let mut fields = Fields {
        version,
        key,
        data: b64(&minted["data"]),
        transaction_id: spec.transaction_id.clone(),
        transaction_id_text: text(&header["transactionId"]),
        application_data: spec.application_data.clone(),
        signature: b64(&minted["signature"]),
        public_key_hash: text(&header["publicKeyHash"]),
    };
    let regions = regions(&fields.signature, &b64(&der_twin["signature"]));
    let mut touched: Vec<usize> = Vec::new();
    for edit in &input.edits {
        match *edit {
            Edit::Flip { at, mask } => {
                let len = fields.signature.len();
                let i = usize::from(at) % len;
                fields.signature[i] ^= mask;
                touched.push(i);
            }
            Edit::Set { at, value } => {
                let len = fields.signature.len();
                let i = usize::from(at) % len;
                fields.signature[i] = value;
                touched.push(i);
            }
            Edit::ShiftTransactionId(n) => {
                let app = fields.application_data.get_or_insert_with(Vec::new);
                if n >= 0 {
                    let n = usize::from(n.unsigned_abs()).min(fields.transaction_id.len());
                    let moved = fields
                        .transaction_id
                        .split_off(fields.transaction_id.len() - n);
                    app.splice(0..0, moved);
                } else {
                    let n = usize::from(n.unsigned_abs()).min(app.len());
                    let rest = app.split_off(n);
                    fields.transaction_id.extend_from_slice(app);
                    *app = rest;
                }
                if app.is_empty() {
                    fields.application_data = None;
                }
                fields.transaction_id_text = hex(&fields.transaction_id);
            }
            Edit::ShiftKey(n) => {
                if n >= 0 {
                    let n = usize::from(n.unsigned_abs()).min(fields.key.len());
                    let moved = fields.key.split_off(fields.key.len() - n);
                    fields.data.splice(0..0, moved);
                } else {
                    let n = usize::from(n.unsigned_abs()).min(fields.data.len());
                    let rest = fields.data.split_off(n);
                    fields.key.extend_from_slice(&fields.data);
                    fields.data = rest;
                }
            }
            Edit::Uppercase => {
                fields.transaction_id_text = fields.transaction_id_text.to_uppercase()
            }
            Edit::Relabel => fields.version = "RSA_v1",
        }
    }
    if fields.key.is_empty() || fields.data.is_empty() {
        return;
    }

    let ours = PaymentToken::from_json(fields.json().as_bytes()).and_then(|token| {
        token
            .verify(&f.verifier, f.signed, DEFAULT_MAX_AGE)
            .map(|_| ())
    });
    let theirs = openssl_verifies(&f.store, &fields);
    match (&ours, theirs) {
        (Ok(()), true) | (Err(_), false) => {}
        // OpenSSL takes the first untrusted certificate whose name matches the issuer
        // (these certificates carry no key identifiers) and does not try the others; this
        // crate builds the path over the whole set, as issue #12 asks.
        (Ok(()), false) if spec.certificates == Certificates::DecoyIntermediateFirst => {}
        (Ok(()), false) => panic!("this crate verified a token OpenSSL refuses: {input:?}"),
        (Err(e), true) => {
            let in_region = |r: &Range<usize>| touched.iter().any(|i| r.contains(i));
            let explained = match e {
                // Invalid BER tag forms and unsorted signed attributes, which OpenSSL
                // reads (it takes a primitive `[0]` for the signed attributes).
                Error::Malformed("signature")
                    if spec.fault.is_some_and(|f| ENCODING_FAULTS.contains(&f)) =>
                {
                    true
                }
                Error::SigningTimeOutOfWindow { .. } => true,
                // A marker is missing: with several candidate paths (a decoy), the error
                // reported is the first candidate's, not necessarily the marker's.
                Error::CertificateChain(_)
                    if matches!(
                        spec.fault,
                        Some(Fault::WrongLeafOid | Fault::MissingIntermediateOid)
                    ) =>
                {
                    true
                }
                Error::CertificateChain(
                    ChainError::MissingLeafMarker | ChainError::MissingIntermediateMarker,
                ) => spec.fault.is_some() || regions.certificates.iter().any(in_region),
                Error::Malformed(field) if field.starts_with("header.") => !fields.canonical(),
                Error::CertificateChain(ChainError::Usage | ChainError::UnsupportedAlgorithm) => {
                    regions.certificates.iter().any(in_region)
                }
                Error::Malformed("signature") => {
                    regions
                        .certificates
                        .iter()
                        .any(|r| in_region(r) && certificate_not_der(&fields.signature, r))
                        // DER, and each required attribute once with one value: any
                        // edit there that OpenSSL still verifies breaks one of the two.
                        || regions.signed_attrs.as_ref().is_some_and(in_region)
                        || regions.profile.iter().any(in_region)
                }
                // The signer identifier must name a certificate byte for byte (OpenSSL
                // compares names after canonicalising them).
                Error::CertificateChain(ChainError::SignerNotFound) => {
                    regions.profile.iter().any(in_region)
                }
                Error::SignatureInvalid => {
                    spec.fault == Some(Fault::MismatchedSignatureAlgorithm)
                        || regions.profile.iter().any(in_region)
                        || regions.signed_attrs.as_ref().is_some_and(in_region)
                }
                _ => false,
            };
            assert!(
                explained,
                "OpenSSL verified a token this crate refuses with {e:?}, no rule explains it: \
                 {input:?}; edited offsets {touched:?} of the signature {}",
                hex(&fields.signature)
            );
        }
    }
});
