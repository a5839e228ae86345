//! The README's quick start is `examples/quick_start.rs`, word for word, and it runs: on a
//! real Apple token (`test-vectors/gala-current`, from 2021) it prints the payment when
//! asked to check the token as of its signing time, and refuses it otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example's binary: `cargo test` builds every example (to check that it compiles)
/// into `examples/` beside the test binaries' `deps/`, unless tests are picked with
/// `--test`, which builds none.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let example = profile.join("examples").join("quick_start");
    assert!(
        example.exists(),
        "{} is missing: run `cargo test` without `--test`, which builds the examples",
        example.display()
    );
    example
}

#[test]
fn readme_shows_the_example_verbatim() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let example =
        std::fs::read_to_string(root().join("examples/quick_start.rs")).expect("the example");
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(
        readme.contains(&format!("```rust,no_run\n{code}```")),
        "the README's quick start differs from examples/quick_start.rs:\n{code}"
    );
}

#[test]
fn the_example_decrypts_a_real_token_and_refuses_it_as_of_now() {
    let dir = root().join("test-vectors/gala-current");
    let stored = Command::new(example())
        .arg("--stored")
        .current_dir(&dir)
        .output()
        .expect("examples/quick_start is built by cargo test");
    assert!(
        stored.status.success(),
        "{}",
        String::from_utf8_lossy(&stored.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&stored.stdout),
        "100 minor units of currency 840, card ending 1169\n"
    );
    let live = Command::new(example()).current_dir(&dir).output().unwrap();
    assert!(!live.status.success());
    // Its leaf certificate expired in 2024: checked as of now, the chain fails first,
    // naming the leaf.
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert!(
        stderr.contains("CertificateChain(Expired {") && stderr.contains("certificate: Leaf"),
        "{stderr}"
    );
}
