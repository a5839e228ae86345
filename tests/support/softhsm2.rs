//! A throwaway SoftHSM2 installation, shared by `tests/pkcs11.rs` and `benches/pkcs11.rs`:
//! a token store and configuration file of their own, the module library, and
//! `softhsm2-util`. `.ci/run` installs SoftHSM2; without it these panic with the command
//! that installs it rather than skip.

#![allow(dead_code, reason = "each includer uses part of it")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Names the module library when it is not in one of the usual places.
pub const MODULE_ENV: &str = "APPLEPAY_SOFTHSM2_MODULE";

const MODULE_CANDIDATES: [&str; 3] = [
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// The SoftHSM2 module library: `$APPLEPAY_SOFTHSM2_MODULE`, or where Debian puts it.
pub fn module_path() -> PathBuf {
    if let Some(path) = std::env::var_os(MODULE_ENV) {
        return PathBuf::from(path);
    }
    MODULE_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "SoftHSM2 is not installed (no libsofthsm2.so in {MODULE_CANDIDATES:?}): \
                 run `apt-get install -y softhsm2` (.ci/run does), or set {MODULE_ENV}"
            )
        })
}

/// A new, empty token store in the temporary directory (`<prefix>-<pid>`, any earlier one
/// removed): the directory and its `softhsm2.conf`, to pass as `SOFTHSM2_CONF`.
pub fn fresh_store(prefix: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    (dir, conf)
}

/// Runs `softhsm2-util` on the store `conf` describes; panics with its error output if it
/// fails.
pub fn softhsm2_util(conf: &Path, args: &[&str]) {
    let output = Command::new("softhsm2-util")
        .args(args)
        .env("SOFTHSM2_CONF", conf)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run softhsm2-util ({e}): run `apt-get install -y softhsm2`")
        });
    assert!(
        output.status.success(),
        "softhsm2-util {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
