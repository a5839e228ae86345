//! A borrowed reader for the BER of the token's CMS envelope: tag, length, contents, as
//! slices of the input, nothing copied or allocated.
//!
//! Why not `der`'s BER mode: it decodes into owned values (an allocation per element and
//! a copy of each certificate) and finds the end of an indefinite-length element by
//! scanning its contents again at every level it is decoded from, which made reading the
//! signature cost more than everything else in a token but the two curve operations. The
//! CMS layers Apple sends are a handful of elements (`cms.rs` walks them); the parts with
//! their own structure (certificates, names, times) are still parsed by `der` and
//! `x509-cert`, in DER.
//!
//! What is accepted: low tag numbers (below 31, which is all CMS uses), definite lengths
//! in any form BER allows (long form for short lengths, leading zeros, up to 126 length
//! octets; the value must fit in `usize`), and indefinite lengths on constructed elements, nested at most
//! [`MAX_DEPTH`] deep, each closed by its end-of-contents octets. [`Tlv::is_der`] says
//! whether an element and everything inside it used DER's minimal definite lengths.

/// How deep indefinite-length elements may nest. Apple's envelope nests four.
pub(super) const MAX_DEPTH: usize = 16;

/// Universal `SEQUENCE`, constructed.
pub(super) const SEQUENCE: u8 = 0x30;
/// Universal `SET`, constructed.
pub(super) const SET: u8 = 0x31;
/// Universal `INTEGER`.
pub(super) const INTEGER: u8 = 0x02;
/// Universal `OCTET STRING`, primitive.
pub(super) const OCTET_STRING: u8 = 0x04;
/// Universal `OBJECT IDENTIFIER`.
pub(super) const OID: u8 = 0x06;
/// `[0]`, constructed.
pub(super) const CONTEXT_0: u8 = 0xA0;
/// `[1]`, constructed.
pub(super) const CONTEXT_1: u8 = 0xA1;
/// `[0]`, primitive.
pub(super) const CONTEXT_0_PRIMITIVE: u8 = 0x80;

const CONSTRUCTED: u8 = 0x20;

/// One element.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tlv<'a> {
    /// The identifier octet.
    pub(super) tag: u8,
    /// The contents (without the end-of-contents octets of an indefinite length).
    pub(super) value: &'a [u8],
    /// The whole element, identifier to end.
    pub(super) encoded: &'a [u8],
    /// Whether the length is definite and minimally encoded.
    definite_minimal: bool,
}

impl<'a> Tlv<'a> {
    /// The elements inside a constructed element.
    pub(super) fn children(&self) -> Elements<'a> {
        Elements { rest: self.value }
    }

    /// `self` if its tag is `tag`.
    pub(super) fn expect(self, tag: u8) -> Option<Self> {
        (self.tag == tag).then_some(self)
    }

    /// Whether this element and every element inside it, to [`MAX_DEPTH`] levels, use
    /// DER's definite, minimal lengths (what RFC 5652 requires of the signed attributes).
    /// The contents of primitive elements are not checked.
    pub(super) fn is_der(&self) -> bool {
        self.is_der_within(MAX_DEPTH)
    }

    fn is_der_within(&self, depth: usize) -> bool {
        if !self.definite_minimal {
            return false;
        }
        if self.tag & CONSTRUCTED == 0 {
            return true;
        }
        let Some(depth) = depth.checked_sub(1) else {
            return false;
        };
        let mut children = self.children();
        loop {
            match children.next() {
                Some(Some(child)) if child.is_der_within(depth) => {}
                Some(None) => return true,
                _ => return false,
            }
        }
    }
}

/// The elements of a constructed element's contents, in order.
#[derive(Clone, Copy, Debug)]
pub(super) struct Elements<'a> {
    rest: &'a [u8],
}

impl<'a> Elements<'a> {
    /// The next element: `Some(None)` at the end, `None` when the next element does not
    /// parse.
    pub(super) fn next(&mut self) -> Option<Option<Tlv<'a>>> {
        if self.rest.is_empty() {
            return Some(None);
        }
        let (tlv, rest) = read(self.rest, 0)?;
        self.rest = rest;
        Some(Some(tlv))
    }

    /// The next element, which must exist and have tag `tag`.
    pub(super) fn expect(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next()??.expect(tag)
    }

    /// The next element if it has tag `tag`; nothing is consumed otherwise.
    pub(super) fn optional(&mut self, tag: u8) -> Option<Option<Tlv<'a>>> {
        if self.rest.first() != Some(&tag) {
            return Some(None);
        }
        self.next()
    }

    /// Whether every element has been read.
    pub(super) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// Reads one element from the front of `input`: the element and what follows it. `depth`
/// is the number of indefinite-length elements this one is inside.
fn read(input: &[u8], depth: usize) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    // High tag numbers (0x1F) and end-of-contents (00) are not elements of CMS.
    if tag & 0x1F == 0x1F || tag == 0 {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let (len, definite_minimal) = match first {
        0x00..=0x7F => (usize::from(first), true),
        0x80 => {
            // Indefinite: constructed only, contents up to the matching end-of-contents.
            if tag & CONSTRUCTED == 0 || depth >= MAX_DEPTH {
                return None;
            }
            let header_len = input.len() - rest.len();
            let mut contents = rest;
            loop {
                if let Some(after) = contents.strip_prefix(&[0, 0]) {
                    let value_len = rest.len() - contents.len();
                    let value = rest.get(..value_len)?;
                    let encoded = input.get(..header_len + value_len + 2)?;
                    let tlv = Tlv {
                        tag,
                        value,
                        encoded,
                        definite_minimal: false,
                    };
                    return Some((tlv, after));
                }
                contents = read(contents, depth + 1)?.1;
            }
        }
        // X.690 §8.1.3.5: up to 126 length octets; BER allows leading zeros.
        0x81..=0xFE => {
            let count = usize::from(first & 0x7F);
            let bytes = rest.get(..count)?;
            rest = rest.get(count..)?;
            let len = bytes.iter().try_fold(0usize, |len, &b| {
                len.checked_mul(256)?.checked_add(usize::from(b))
            })?;
            // DER: the shortest form, so no leading zero and no long form below 128.
            let minimal = bytes.first() != Some(&0) && len >= 0x80;
            (len, minimal)
        }
        // The reserved 0xFF.
        _ => return None,
    };
    let value = rest.get(..len)?;
    let header_len = input.len() - rest.len();
    let encoded = input.get(..header_len + len)?;
    let after = rest.get(len..)?;
    let tlv = Tlv {
        tag,
        value,
        encoded,
        definite_minimal,
    };
    Some((tlv, after))
}

/// Reads `input`, which must be exactly one element.
pub(super) fn read_one(input: &[u8]) -> Option<Tlv<'_>> {
    match read(input, 0)? {
        (tlv, []) => Some(tlv),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_lengths_in_every_form() {
        for (input, value) in [
            (&[0x04, 0x01, 0xAA][..], &[0xAA][..]),
            (&[0x04, 0x81, 0x01, 0xAA], &[0xAA]),
            (&[0x04, 0x82, 0x00, 0x01, 0xAA], &[0xAA]),
            (&[0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0xAA], &[0xAA]),
            (&[0x04, 0x88, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xAA], &[0xAA]),
            (&[0x04, 0x00], &[]),
        ] {
            let tlv = read_one(input).unwrap();
            assert_eq!(tlv.value, value);
            assert_eq!(tlv.encoded, input);
            assert_eq!(tlv.is_der(), input[1] < 0x80, "{input:02x?}");
        }
        let long = [&[0x04, 0x81, 0x80][..], &[0x55; 0x80]].concat();
        assert!(read_one(&long).unwrap().is_der());
    }

    #[test]
    fn indefinite_lengths_nest_and_end() {
        // SEQUENCE (indefinite) { [0] (indefinite) { INTEGER 1 }, NULL }
        let input = [
            0x30, 0x80, 0xA0, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
        ];
        let outer = read_one(&input).unwrap();
        assert!(!outer.is_der());
        assert_eq!(outer.value, &input[2..11]);
        let mut children = outer.children();
        let inner = children.expect(CONTEXT_0).unwrap();
        assert_eq!(inner.encoded, &input[2..9]);
        assert_eq!(inner.children().expect(INTEGER).unwrap().value, [1]);
        assert!(children.expect(0x05).unwrap().value.is_empty());
        assert!(children.is_empty());
    }

    #[test]
    fn refuses_what_is_not_ber() {
        for bad in [
            &[][..],
            &[0x04],
            &[0x04, 0x02, 0x00],                      // short
            &[0x04, 0x80, 0x00, 0x00],                // indefinite primitive
            &[0x30, 0x80, 0x05, 0x00],                // no end-of-contents
            &[0x1F, 0x01, 0x00],                      // high tag number
            &[0x00, 0x00],                            // end-of-contents alone
            &[0x04, 0xFF, 0, 0, 0, 0, 1, 0],          // reserved length octet
            &[0x04, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 1], // a length over usize::MAX
            &[0x04, 0xFF],
            &[0x04, 0x01, 0x00, 0x00], // trailing data
        ] {
            assert!(read_one(bad).is_none(), "{bad:02x?}");
        }
        // Indefinite lengths nested deeper than the limit.
        let mut deep = [0x30, 0x80].repeat(MAX_DEPTH + 1);
        deep.extend([0; 2].repeat(MAX_DEPTH + 1));
        assert!(read_one(&deep).is_none());
        let mut ok = [0x30, 0x80].repeat(MAX_DEPTH);
        ok.extend([0; 2].repeat(MAX_DEPTH));
        assert!(read_one(&ok).is_some());
    }
}
