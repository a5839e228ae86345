//! Reading the folders of `test-vectors/merchant-token/` (format: `test-vectors/README.md`).

use std::fs;
use std::path::{Path, PathBuf};

use super::{Expected, vectors_dir};

/// One folder of `test-vectors/merchant-token/`.
#[derive(Clone, Debug)]
pub struct MetadataVector {
    pub name: String,
    pub metadata: PathBuf,
    pub key: PathBuf,
    pub cert: Option<PathBuf>,
    pub merchant_id: Option<String>,
    pub root: PathBuf,
    pub expected: Expected,
    /// `Verify = <RFC 3339>`: verify at that time; `None`: as of the signing time.
    pub verify_at: Option<String>,
}

/// Every folder, sorted by name.
pub fn all() -> Vec<MetadataVector> {
    let dir = vectors_dir().join("merchant-token");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join("metadata.json").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no vectors in {}", dir.display());
    dirs.iter().map(|d| load(d)).collect()
}

fn load(dir: &Path) -> MetadataVector {
    let name = format!(
        "merchant-token/{}",
        dir.file_name().unwrap().to_string_lossy()
    );
    let existing = |file: &str| Some(dir.join(file)).filter(|p| p.is_file());
    let case = super::parse_case(&fs::read_to_string(dir.join("case.txt")).unwrap());
    let expected = match (case.get("Error"), existing("expected.json")) {
        (Some(kind), None) => Expected::Error(kind.clone()),
        (None, Some(path)) => Expected::Plaintext(fs::read(path).unwrap()),
        _ => panic!("{name}: needs exactly one of expected.json and an `Error =` line"),
    };
    MetadataVector {
        metadata: dir.join("metadata.json"),
        key: dir.join("merchant_key.pem"),
        cert: existing("merchant_cert.pem"),
        merchant_id: existing("merchant_id.txt").map(|p| fs::read_to_string(p).unwrap()),
        root: dir.join("test_root.pem"),
        expected,
        verify_at: case.get("Verify").cloned(),
        name,
    }
}
