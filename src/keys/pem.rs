//! Finding PEM blocks in the text users really have.
//!
//! `pem-rfc7468` decodes exactly one block with nothing after it. Real files hold more:
//! `openssl ecparam -genkey` writes an `EC PARAMETERS` block before the key,
//! `openssl pkcs12 -nodes` writes `Bag Attributes` lines and certificates around it, and
//! a certificate chain is several blocks in a row. This module splits such text into
//! blocks and hands each one, alone, to `pem-rfc7468`.

use alloc::string::String;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::error::Error;

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// One PEM block: its label and the exact text from `-----BEGIN` to the end of its
/// `-----END …-----` line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block<'a> {
    pub(crate) label: &'a str,
    text: &'a str,
}

impl Block<'_> {
    /// The decoded DER bytes, zeroized on drop (the block may hold a private key).
    pub(crate) fn decode(&self) -> Option<Zeroizing<Vec<u8>>> {
        pem_rfc7468::decode_vec(self.text.as_bytes())
            .ok()
            .map(|(_, der)| Zeroizing::new(der))
    }
}

/// Whether `input` looks like PEM text rather than DER.
pub(crate) fn is_pem(input: &[u8]) -> bool {
    core::str::from_utf8(input).is_ok_and(|text| text.contains(BEGIN))
}

/// Every well-delimited PEM block in `text`, in order. Text between blocks is skipped.
pub(crate) fn blocks(text: &str) -> impl Iterator<Item = Block<'_>> {
    let mut rest = text;
    core::iter::from_fn(move || {
        loop {
            let start = rest.find(BEGIN)?;
            let from_begin = &rest[start..];
            let label_end = from_begin[BEGIN.len()..].find(DASHES)? + BEGIN.len();
            let label = &from_begin[BEGIN.len()..label_end];
            let Some(end_at) = from_begin.find(END) else {
                rest = "";
                return None;
            };
            let after_end = &from_begin[end_at + END.len()..];
            let Some(close) = after_end.find(DASHES) else {
                rest = "";
                return None;
            };
            let block_len = end_at + END.len() + close + DASHES.len();
            let text = &from_begin[..block_len];
            rest = &from_begin[block_len..];
            if !label.contains('\n') && after_end[..close] == *label {
                return Some(Block { label, text });
            }
            // Mismatched BEGIN/END labels: skip this block and keep looking.
        }
    })
}

/// PEM-encodes `der` under `label`, LF line endings, into zeroizing memory.
pub(crate) fn to_pem(label: &'static str, der: &[u8]) -> Result<Zeroizing<String>, Error> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map(Zeroizing::new)
        .map_err(|_| Error::InvalidParameter("PEM encoding"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_bundles_and_skips_text() {
        let text = "Bag Attributes\n    localKeyID: 01\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\njunk\n-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
        let labels: Vec<&str> = blocks(text).map(|b| b.label).collect();
        assert_eq!(labels, ["EC PARAMETERS", "EC PRIVATE KEY"]);
        let params = blocks(text).next().unwrap().decode().unwrap();
        assert_eq!(
            &params[..],
            &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        );
    }

    #[test]
    fn truncated_and_mismatched_blocks_yield_nothing() {
        assert_eq!(blocks("-----BEGIN X-----\nAAAA\n").count(), 0);
        assert_eq!(
            blocks("-----BEGIN X-----\nAAAA\n-----END Y-----\n").count(),
            0
        );
        assert_eq!(blocks("-----BEGIN ").count(), 0);
        assert_eq!(blocks("").count(), 0);
    }
}
