//! Reading the vector folders of `test-vectors/` (format: `test-vectors/README.md`).

#![allow(dead_code)]

pub mod merchant_token;
pub mod payment_view;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// How a vector is to be verified before decryption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyMode {
    /// Decrypt without verification (`dangerous`, `--skip-verify`).
    Skip,
    /// Verify as of the token's own signing time.
    SigningTime,
    /// Verify at this RFC 3339 time.
    At(String),
}

/// What a vector must produce.
#[derive(Clone, Debug)]
pub enum Expected {
    /// This exact plaintext.
    Plaintext(Vec<u8>),
    /// An error of this kind (`Error::kind`).
    Error(String),
}

/// One folder of `test-vectors/`.
#[derive(Clone, Debug)]
pub struct Vector {
    pub name: String,
    pub dir: PathBuf,
    pub token: PathBuf,
    pub key: PathBuf,
    pub cert: Option<PathBuf>,
    pub merchant_id: Option<String>,
    pub root: Option<PathBuf>,
    pub expected: Expected,
    pub verify: VerifyMode,
    pub max_age: u64,
    /// `TransactionId =`: the canonical (lower-case hex) transaction id of the token.
    pub transaction_id: Option<String>,
    /// `Verifies = yes`: the error comes only at decryption, with the key (the signature
    /// and the parse are fine).
    pub verifies: bool,
    /// `PaymentError =`: the field the typed view must name when it refuses the plaintext
    /// (which still decrypts); `None`: the typed view must accept it.
    pub payment_error: Option<String>,
}

/// `test-vectors/` at the repository root, from the core's tests (its manifest is there)
/// and from a member package's (one level down).
pub fn vectors_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let here = manifest.join("test-vectors");
    if here.is_dir() {
        here
    } else {
        manifest.join("../test-vectors")
    }
}

/// Every vector folder (a folder with a `token.json`) of `test-vectors/` and of
/// `test-vectors/conformance/`, sorted by name; a conformance case is named
/// `conformance/<case>`.
pub fn all() -> Vec<Vector> {
    let folders = |dir: &Path| -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.join("token.json").is_file())
            .collect();
        dirs.sort();
        dirs
    };
    let top = folders(&vectors_dir());
    let conformance = folders(&vectors_dir().join("conformance"));
    top.iter()
        .map(|d| load(d, ""))
        .chain(conformance.iter().map(|d| load(d, "conformance/")))
        .collect()
}

fn load(dir: &Path, prefix: &str) -> Vector {
    let name = format!("{prefix}{}", dir.file_name().unwrap().to_string_lossy());
    let existing = |file: &str| Some(dir.join(file)).filter(|p| p.is_file());
    let case = existing("case.txt")
        .map(|p| parse_case(&fs::read_to_string(p).unwrap()))
        .unwrap_or_default();
    let expected = match (case.get("Error"), existing("expected.json")) {
        (Some(kind), None) => Expected::Error(kind.clone()),
        (None, Some(path)) => Expected::Plaintext(fs::read(path).unwrap()),
        _ => panic!("{name}: needs exactly one of expected.json and an `Error =` line"),
    };
    let verify = match case.get("Verify").map(String::as_str) {
        None | Some("signing-time") => VerifyMode::SigningTime,
        Some("skip") => VerifyMode::Skip,
        Some(at) => VerifyMode::At(at.to_owned()),
    };
    Vector {
        token: dir.join("token.json"),
        key: existing("merchant_key.pem")
            .or_else(|| existing("merchant_key.der"))
            .unwrap_or_else(|| panic!("{name}: no merchant_key.pem or merchant_key.der")),
        cert: existing("merchant_cert.pem"),
        merchant_id: existing("merchant_id.txt").map(|p| fs::read_to_string(p).unwrap()),
        root: existing("test_root.pem"),
        expected,
        verify,
        max_age: case.get("MaxAge").map_or(300, |s| s.parse().unwrap()),
        transaction_id: case.get("TransactionId").cloned(),
        verifies: case.get("Verifies").is_some_and(|v| v == "yes"),
        payment_error: case.get("PaymentError").cloned(),
        name,
        dir: dir.to_owned(),
    }
}

/// Ring-style `Key = Value` lines; `#` starts a comment line.
pub(crate) fn parse_case(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("bad case line {l:?}"));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}
