//! Writes a batch file for `applepay decrypt --batch` and the files to decrypt it with:
//! `cargo run --release --example mint_batch --features test-util -- DIR [COUNT]`.
//!
//! DIR gets `tokens.txt` (COUNT minted tokens, one JSON per line, default 20,000, all
//! signed at 2026-01-02T03:04:05Z with distinct ephemeral keys), `key.pem`, `cert.pem`
//! and `root.pem`. Decrypt with
//! `applepay decrypt --batch DIR/tokens.txt --key DIR/key.pem --cert DIR/cert.pem
//! --root DIR/root.pem --at 2026-01-02T03:04:15Z`.

use std::io::Write;
use std::path::PathBuf;

use applepay_crypto::UnixTime;
use applepay_crypto::mint::{SAMPLE_PLAINTEXT, TestPki, TokenSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: mint_batch DIR [COUNT]")?);
    let count: usize = args.next().map_or(Ok(20_000), |n| n.parse())?;
    std::fs::create_dir_all(&dir)?;
    let pki = TestPki::new(b"applepay-crypto batch")?;
    std::fs::write(dir.join("key.pem"), pki.merchant_key_pem()?)?;
    std::fs::write(dir.join("cert.pem"), pki.merchant_cert_pem()?)?;
    std::fs::write(dir.join("root.pem"), pki.root_pem()?)?;
    let signed = UnixTime::parse_rfc3339("2026-01-02T03:04:05Z")?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("tokens.txt"))?);
    for i in 0..count {
        let mut spec = TokenSpec::new(SAMPLE_PLAINTEXT.as_bytes().to_vec(), signed);
        spec.ephemeral_seed = format!("batch {i}").into_bytes();
        let json: serde_json::Value = serde_json::from_str(&pki.mint(&spec)?)?;
        writeln!(out, "{json}")?;
    }
    out.flush()?;
    Ok(())
}
