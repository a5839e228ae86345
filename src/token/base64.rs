//! Decoding the token's base64 fields: standard padded base64, accepting exactly what
//! `base64ct::Base64::decode_vec` accepts (length a multiple of 4, at most two `=` at the
//! end, zero unused bits in the last group), table-driven rather than constant-time.
//!
//! The token's binary fields (ciphertext, public keys, the CMS signature) are public, and
//! decoding them was most of the time spent reading a token: `base64ct`'s constant-time
//! decoder costs about five times as much as this one.

use alloc::vec::Vec;

/// The standard alphabet.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Set in every [`TABLES`] entry of a byte outside the alphabet: above the 24 bits a
/// group of four sextets fills.
const INVALID: u32 = 1 << 31;

/// For each position in a group of four characters, each byte's sextet shifted into
/// place (`<< 18`, `<< 12`, `<< 6`, `<< 0`), or [`INVALID`]: a group decodes with four
/// loads and three ORs.
const TABLES: [[u32; 256]; 4] = {
    let mut tables = [[INVALID; 256]; 4];
    let mut position = 0;
    while position < 4 {
        let mut i = 0;
        while i < ALPHABET.len() {
            #[allow(clippy::indexing_slicing, reason = "compile-time, in range")]
            {
                tables[position][ALPHABET[i] as usize] = (i as u32) << (18 - 6 * position);
            }
            i += 1;
        }
        position += 1;
    }
    tables
};

/// The 24 bits of a group of four characters, [`INVALID`] set if one is not in the
/// alphabet.
#[inline]
fn group(chars: [u8; 4]) -> u32 {
    let [t0, t1, t2, t3] = &TABLES;
    let [a, b, c, d] = chars.map(usize::from);
    #[allow(clippy::indexing_slicing, reason = "a u8 indexes a 256-entry table")]
    {
        t0[a] | t1[b] | t2[c] | t3[d]
    }
}

/// Appends the decoding of `text` to `out`; `None` (with `out` holding junk past its
/// former length) when `text` is not canonical padded base64.
pub(super) fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let (groups, rest) = text.as_chunks::<4>();
    if !rest.is_empty() {
        return None;
    }
    let Some((last, body)) = groups.split_last() else {
        return Some(());
    };
    let start = out.len();
    out.resize(start + body.len() * 3, 0);
    let dst = out.get_mut(start..)?;
    // Sixteen characters to twelve bytes at a time, then the remaining groups. Validity is
    // checked once, after the loops. `=` is outside the alphabet, so padding before the
    // last group is refused.
    let (blocks, groups) = body.as_chunks::<4>();
    let (block_dst, group_dst) = dst.split_at_mut(blocks.len() * 12);
    let mut invalid = 0;
    for (src, dst) in blocks.iter().zip(block_dst.as_chunks_mut::<12>().0) {
        let [g0, g1, g2, g3] = src.map(group);
        invalid |= g0 | g1 | g2 | g3;
        let high = u64::from(g0) << 40 | u64::from(g1) << 16 | u64::from(g2) >> 8;
        let low = g2 << 24 | g3;
        let [a, b, c, d, e, f, g, h] = high.to_be_bytes();
        let [i, j, k, l] = low.to_be_bytes();
        *dst = [a, b, c, d, e, f, g, h, i, j, k, l];
    }
    for (src, dst) in groups.iter().zip(group_dst.as_chunks_mut::<3>().0) {
        let bits = group(*src);
        invalid |= bits;
        let [_, x, y, z] = bits.to_be_bytes();
        *dst = [x, y, z];
    }
    if invalid & INVALID != 0 {
        return None;
    }
    let (bytes, len) = last_group(*last)?;
    out.extend_from_slice(bytes.get(..len)?);
    Some(())
}

/// The bytes of the last group, which may be padded, and how many of them there are.
fn last_group(chars: [u8; 4]) -> Option<([u8; 3], usize)> {
    let (bits, len) = match chars {
        // 12 bits: one byte, and four unused bits that must be zero.
        [a, b, b'=', b'='] => (group([a, b, b'A', b'A']), 1),
        // 18 bits: two bytes, and two unused bits that must be zero.
        [a, b, c, b'='] => (group([a, b, c, b'A']), 2),
        chars => (group(chars), 3),
    };
    if bits & INVALID != 0 {
        return None;
    }
    match (len, bits.to_be_bytes()) {
        (1, [_, x, 0, 0]) | (2, [_, x, _, 0]) | (3, [_, x, _, _]) => {
            let [_, _, y, z] = bits.to_be_bytes();
            Some(([x, y, z], len))
        }
        _ => None,
    }
}

/// Whether `c` is in the alphabet, without branches or tables (so that a loop of it
/// becomes vector code).
#[cfg_attr(
    not(feature = "std"),
    allow(dead_code, reason = "the signature is decoded at once")
)]
#[inline]
fn in_alphabet(c: u8) -> bool {
    let upper = c.wrapping_sub(b'A') < 26;
    let lower = c.wrapping_sub(b'a') < 26;
    let digit = c.wrapping_sub(b'0') < 10;
    upper | lower | digit | (c == b'+') | (c == b'/')
}

/// Whether [`decode_into`] accepts `text`, found without decoding it: a fifth of the
/// cost (the alphabet check runs 16 or 32 characters at a time).
#[cfg_attr(
    not(feature = "std"),
    allow(dead_code, reason = "the signature is decoded at once")
)]
pub(super) fn is_canonical(text: &[u8]) -> bool {
    let (groups, rest) = text.as_chunks::<4>();
    if !rest.is_empty() {
        return false;
    }
    let Some((last, body)) = groups.split_last() else {
        return true;
    };
    let (chunks, tail) = body.as_flattened().as_chunks::<64>();
    let all_in_alphabet = |chars: &[u8]| chars.iter().fold(true, |ok, &c| ok & in_alphabet(c));
    chunks.iter().all(|chunk| all_in_alphabet(chunk))
        && all_in_alphabet(tail)
        && last_group(*last).is_some()
}

/// The decoding of `text` (see [`decode_into`]).
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    decode_into(text, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use base64ct::{Base64, Encoding};

    #[test]
    fn agrees_with_base64ct() {
        let agree = |text: &str| {
            let decoded = decode(text.as_bytes());
            assert_eq!(decoded, Base64::decode_vec(text).ok(), "{text:?}");
            assert_eq!(is_canonical(text.as_bytes()), decoded.is_some(), "{text:?}");
        };
        // Every 4-character string over symbols that exercise each rule.
        let symbols = ['A', 'B', 'P', 'Q', 'g', 'w', '/', '+', '9', '=', '-', ' '];
        for a in symbols {
            for b in symbols {
                for c in symbols {
                    for d in symbols {
                        agree(&[a, b, c, d].iter().collect::<String>());
                    }
                }
            }
        }
        // Random strings of every length up to 13 over the same symbols and the rest.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let all: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ "
            .chars()
            .collect();
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 14) as usize;
            let text: String = (0..len)
                .map(|i| all[((state >> (i * 4)) as usize + i) % all.len()])
                .collect();
            agree(&text);
        }
        for text in [
            "", "AA==", "AAA=", "AAAA", "AB==", "AAB=", "=AAA", "A===", "====", "AA==AAAA",
            "AAA=AAAA",
        ] {
            agree(text);
        }
        let data: Vec<u8> = (0..=255).collect();
        for len in 0..data.len() {
            agree(&Base64::encode_string(&data[..len]));
        }
        // Every byte value in every position of a text long enough for both loops.
        for position in 0..128 {
            for byte in 0..=255u8 {
                let mut text = Base64::encode_string(&[0x5A; 96]).into_bytes();
                text[position] = byte;
                if let Ok(text) = String::from_utf8(text) {
                    agree(&text);
                }
            }
        }
    }

    #[test]
    fn appends() {
        let mut out = alloc::vec![1, 2];
        decode_into(b"AwQF", &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 4, 5]);
    }
}
