//! The outer layers of the token's CMS signature under BER, checked and brought to the
//! form `der`'s reader takes.
//!
//! RFC 5652 lets a `SignedData` be BER, except for the parts it (or X.509) requires in DER:
//! the signed attributes (§5.3: "SignedAttributes MUST be DER encoded, even if the rest of
//! the structure is BER encoded") and the certificates (signed over their DER). BER allows
//! a definite length in more octets than needed (`81 05`, `82 00 05`, up to 126 length
//! octets; X.690 §8.1.3.5). `der` 0.8.3's BER reader takes indefinite lengths but refuses
//! these (`ErrorKind::Overlength`: its length decoder applies the DER minimality rule under
//! both encoding rules), and it does not check the primitive/constructed bit of an
//! `IMPLICIT [0]` (a primitive `[0]` for the certificates or the signed attributes, which
//! BER does not allow for a `SET OF`, was read as if constructed). No crate of the RustCrypto
//! stack reads BER lengths in full, and a general BER-to-DER converter would also rewrite
//! the DER-mandated parts (hiding that they are not DER), so this walker is written by hand
//! and knows the `ContentInfo` / `SignedData` / `SignerInfo` layout:
//!
//! - every length form BER allows is read (short, long with any number of octets, and
//!   indefinite for constructed encodings); the tag forms are checked: the `SEQUENCE`s
//!   and `SET`s of the layout, `[0]` (certificates, signed attributes, the explicit
//!   content), `[1]` (CRLs, unsigned attributes) must be constructed, primitive universal
//!   types (`INTEGER`, `OBJECT IDENTIFIER`, `NULL`, `BOOLEAN`, …) primitive;
//! - the certificates are counted before any is read further than its header
//!   ([`MAX_CERTIFICATES`](super::cms::MAX_CERTIFICATES)), and each, like the signed
//!   attributes, is kept byte for byte: it must have a definite, minimal length, and its
//!   contents are checked as DER where it is parsed (`chain`, `cms`);
//! - when some definite length is not minimal, the outer layers are written again with
//!   minimal definite lengths (the DER-mandated parts copied as they are), which `der`'s
//!   BER reader takes; otherwise the input is used as it is, without a copy (Apple's
//!   indefinite lengths are read by `der` directly).
//!
//! Nesting is bounded ([`MAX_DEPTH`]), and every element is visited at most twice (a check
//! pass, and a rewrite pass only when needed), so the work is linear in the input, which is
//! at most [`MAX_SIGNATURE_LEN`](super::cms::MAX_SIGNATURE_LEN) bytes.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::error::{ChainError, Error};

/// Deepest nesting walked. The layout is eight levels deep down to an algorithm
/// identifier's parameters; `der` allows 64.
const MAX_DEPTH: usize = 32;

const MALFORMED: Error = Error::Malformed("signature");

/// What [`normalise`] found.
#[derive(Debug)]
pub(crate) struct Outer<'a> {
    /// The signature with minimal definite lengths where BER used longer ones (or the
    /// input itself, when it had none).
    pub(crate) bytes: Cow<'a, [u8]>,
    /// The first signer's signed attributes (`[0] IMPLICIT SET OF`), as transmitted.
    pub(crate) signed_attrs: Option<&'a [u8]>,
}

/// Checks the BER structure of a `ContentInfo` holding a `SignedData`, counts its
/// certificates (at most `max_certificates`), and gives bytes `der`'s BER reader takes.
pub(crate) fn normalise(input: &[u8], max_certificates: usize) -> Result<Outer<'_>, Error> {
    let mut walk = Walk {
        input,
        pos: 0,
        out: None,
        non_minimal: false,
        signed_attrs: None,
        max_certificates,
    };
    walk.content_info()?;
    if walk.pos != input.len() {
        return Err(MALFORMED);
    }
    if !walk.non_minimal {
        return Ok(Outer {
            bytes: Cow::Borrowed(input),
            signed_attrs: walk.signed_attrs,
        });
    }
    let signed_attrs = walk.signed_attrs;
    walk.pos = 0;
    walk.out = Some(Vec::with_capacity(input.len()));
    walk.content_info()?;
    Ok(Outer {
        bytes: Cow::Owned(walk.out.unwrap_or_default()),
        signed_attrs,
    })
}

/// An element's identifier and length octets.
#[derive(Clone, Copy, Debug)]
struct Header {
    /// The first identifier octet (class, constructed bit, tag number or `0x1F`).
    first: u8,
    /// Where the identifier octets start and end (a high tag number takes several).
    start: usize,
    tag_end: usize,
    /// The contents' length; `None`: indefinite.
    len: Option<usize>,
    /// Where the contents start.
    contents: usize,
}

impl Header {
    fn constructed(&self) -> bool {
        self.first & CONSTRUCTED != 0
    }

    /// The identifier octet of a low tag number, with its constructed bit.
    fn is(&self, tag: u8) -> bool {
        self.first == tag
    }
}

/// How a constructed element's contents end.
#[derive(Clone, Copy)]
enum End {
    At(usize),
    Eoc,
}

/// Identifier octets of the layout (low tag numbers, with the constructed bit).
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OBJECT_IDENTIFIER: u8 = 0x06;
const CONTEXT_0: u8 = 0xA0;
const CONSTRUCTED: u8 = 0x20;
/// `[0]` and `[1]` in the primitive form: never valid where this layout has them (`SET OF`
/// or an explicit tag), except `[0]` as `sid` (`subjectKeyIdentifier`, an `OCTET STRING`).
const PRIMITIVE_0: u8 = 0x80;
const PRIMITIVE_1: u8 = 0x81;

struct Walk<'a> {
    input: &'a [u8],
    pos: usize,
    /// `Some` in the rewrite pass.
    out: Option<Vec<u8>>,
    non_minimal: bool,
    signed_attrs: Option<&'a [u8]>,
    max_certificates: usize,
}

impl<'a> Walk<'a> {
    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self.input.get(self.pos).ok_or(MALFORMED)?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads identifier and length octets (X.690 §8.1.2, §8.1.3).
    fn header(&mut self) -> Result<Header, Error> {
        let start = self.pos;
        let first = self.byte()?;
        if first & 0x1F == 0x1F {
            // A high tag number: base-128 octets, the last without bit 8. Four are plenty
            // (tag numbers below 2^28); the layout's own tags need none.
            let mut octets = 0;
            while self.byte()? & 0x80 != 0 {
                octets += 1;
                if octets >= 4 {
                    return Err(MALFORMED);
                }
            }
        } else if first == 0 {
            // Universal 0 is reserved for end-of-contents, which the caller reads.
            return Err(MALFORMED);
        }
        let tag_end = self.pos;
        let len = match self.byte()? {
            short @ 0..=0x7F => Some(usize::from(short)),
            0x80 => None,
            // Reserved (X.690 §8.1.3.5 c).
            0xFF => return Err(MALFORMED),
            long => {
                let mut value = 0usize;
                for _ in 0..(long & 0x7F) {
                    let octet = self.byte()?;
                    value = value
                        .checked_mul(256)
                        .and_then(|v| v.checked_add(usize::from(octet)))
                        .ok_or(MALFORMED)?;
                }
                Some(value)
            }
        };
        let contents = self.pos;
        let header = Header {
            first,
            start,
            tag_end,
            len,
            contents,
        };
        match len {
            Some(len) => {
                if len > self.input.len() - contents {
                    return Err(MALFORMED);
                }
                if contents - tag_end != length_octets(len) {
                    self.non_minimal = true;
                }
            }
            // Indefinite lengths are for constructed encodings only (X.690 §8.1.3.2).
            None if !header.constructed() => return Err(MALFORMED),
            None => {}
        }
        Ok(header)
    }

    /// The next element of contents ending at `end`, or `None` after the last one (the
    /// end-of-contents octets read).
    fn next(&mut self, end: End) -> Result<Option<Header>, Error> {
        match end {
            End::At(at) if self.pos == at => return Ok(None),
            End::At(at) if self.pos > at => return Err(MALFORMED),
            End::At(_) => {}
            End::Eoc => {
                if self.input.get(self.pos) == Some(&0) {
                    self.pos += 1;
                    return match self.byte()? {
                        0 => Ok(None),
                        _ => Err(MALFORMED),
                    };
                }
            }
        }
        self.header().map(Some)
    }

    /// Walks a constructed element's contents, calling `each` with every child header,
    /// its index and the child depth; rewrites it with a minimal definite length.
    fn children(
        &mut self,
        header: Header,
        depth: usize,
        mut each: impl FnMut(&mut Self, Header, usize, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !header.constructed() || depth >= MAX_DEPTH {
            return Err(MALFORMED);
        }
        let mark = self.open(header);
        let end = match header.len {
            Some(len) => End::At(header.contents + len),
            None => End::Eoc,
        };
        let mut index = 0;
        while let Some(child) = self.next(end)? {
            each(self, child, index, depth + 1)?;
            index += 1;
        }
        self.close(mark);
        Ok(())
    }

    /// Any element, BER throughout.
    fn any(&mut self, header: Header, depth: usize) -> Result<(), Error> {
        check_form(header)?;
        if header.constructed() {
            return self.children(header, depth, |walk, child, _, depth| {
                walk.any(child, depth)
            });
        }
        // Primitive: definite (checked in `header`).
        let len = header.len.ok_or(MALFORMED)?;
        let end = header.contents + len;
        let contents = self.input.get(header.contents..end).ok_or(MALFORMED)?;
        self.pos = end;
        let mark = self.open(header);
        if let Some(out) = &mut self.out {
            out.extend_from_slice(contents);
        }
        self.close(mark);
        Ok(())
    }

    /// An element DER requires (a certificate, the signed attributes): kept as it is,
    /// which needs a definite length in the fewest octets. Its contents are checked as
    /// DER where they are parsed.
    fn der(&mut self, header: Header) -> Result<&'a [u8], Error> {
        let len = header.len.ok_or(MALFORMED)?;
        if header.contents - header.tag_end != length_octets(len) {
            return Err(MALFORMED);
        }
        let end = header.contents + len;
        let raw = self.input.get(header.start..end).ok_or(MALFORMED)?;
        self.pos = end;
        if let Some(out) = &mut self.out {
            out.extend_from_slice(raw);
        }
        Ok(raw)
    }

    /// Writes the identifier octets; the length goes in at the returned mark when the
    /// contents are written (`close`).
    fn open(&mut self, header: Header) -> usize {
        match &mut self.out {
            Some(out) => {
                out.extend_from_slice(
                    self.input
                        .get(header.start..header.tag_end)
                        .unwrap_or_default(),
                );
                out.len()
            }
            None => 0,
        }
    }

    fn close(&mut self, mark: usize) {
        if let Some(out) = &mut self.out {
            let len = out.len().saturating_sub(mark);
            out.splice(mark..mark, encode_length(len));
        }
    }

    /// `ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT
    /// ANY }`, the content being a `SignedData`.
    fn content_info(&mut self) -> Result<(), Error> {
        let top = self.header()?;
        expect(top, SEQUENCE)?;
        self.children(top, 0, |walk, child, index, depth| match index {
            0 => {
                expect(child, OBJECT_IDENTIFIER)?;
                walk.any(child, depth)
            }
            1 => {
                expect(child, CONTEXT_0)?;
                walk.children(child, depth, |walk, inner, index, depth| {
                    if index != 0 {
                        return Err(MALFORMED);
                    }
                    expect(inner, SEQUENCE)?;
                    walk.signed_data(inner, depth)
                })
            }
            _ => Err(MALFORMED),
        })
    }

    /// `SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo
    /// SEQUENCE, certificates [0] IMPLICIT SET OF OPTIONAL, crls [1] IMPLICIT SET OF
    /// OPTIONAL, signerInfos SET OF SignerInfo }`.
    fn signed_data(&mut self, header: Header, depth: usize) -> Result<(), Error> {
        self.children(header, depth, |walk, child, index, depth| {
            if index < 3 {
                return walk.any(child, depth);
            }
            match child.first {
                PRIMITIVE_0 | PRIMITIVE_1 => Err(MALFORMED),
                CONTEXT_0 => walk.certificates(child, depth),
                SET => walk.children(child, depth, |walk, signer, index, depth| {
                    expect(signer, SEQUENCE)?;
                    walk.signer_info(signer, index, depth)
                }),
                // crls [1] and anything else: BER, refused later if present.
                _ => walk.any(child, depth),
            }
        })
    }

    /// The certificate set: counted before each is read past its header, each kept as
    /// it is (DER).
    fn certificates(&mut self, header: Header, depth: usize) -> Result<(), Error> {
        let max = self.max_certificates;
        self.children(header, depth, |walk, child, index, _| {
            if index >= max {
                return Err(Error::CertificateChain(ChainError::BadCertificates));
            }
            walk.der(child).map(|_| ())
        })
    }

    /// `SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT
    /// SET OF OPTIONAL, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1]
    /// IMPLICIT SET OF OPTIONAL }`.
    fn signer_info(&mut self, header: Header, signer: usize, depth: usize) -> Result<(), Error> {
        self.children(header, depth, |walk, child, index, depth| {
            match (index, child.first) {
                (3, CONTEXT_0) => {
                    let raw = walk.der(child)?;
                    if signer == 0 {
                        walk.signed_attrs = Some(raw);
                    }
                    Ok(())
                }
                (3, PRIMITIVE_0) => Err(MALFORMED),
                (4.., PRIMITIVE_1) => Err(MALFORMED),
                _ => walk.any(child, depth),
            }
        })
    }
}

/// The tag forms BER allows: the primitive universal types primitive, `SEQUENCE` and
/// `SET` constructed (X.690 §8.2–8.11). Context-specific tags are checked where the
/// layout gives them a meaning (`signed_data`, `signer_info`).
fn check_form(header: Header) -> Result<(), Error> {
    let constructed = header.constructed();
    let universal = header.first & 0xC0 == 0;
    if !universal {
        return Ok(());
    }
    let ok = match header.first & 0x1F {
        // BOOLEAN, INTEGER, NULL, OBJECT IDENTIFIER, REAL, ENUMERATED, RELATIVE-OID.
        1 | 2 | 5 | 6 | 9 | 10 | 13 => !constructed,
        // SEQUENCE, SET, EXTERNAL, EMBEDDED PDV.
        16 | 17 | 8 | 11 => constructed,
        _ => true,
    };
    if ok { Ok(()) } else { Err(MALFORMED) }
}

/// `header` is exactly this low-tag identifier octet; the same tag in the other form is
/// invalid BER, anything else another element.
fn expect(header: Header, tag: u8) -> Result<(), Error> {
    if header.is(tag) {
        Ok(())
    } else {
        Err(MALFORMED)
    }
}

/// How many length octets DER uses for `len` (X.690 §10.1).
fn length_octets(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

/// The DER length octets of `len`.
fn encode_length(len: usize) -> impl Iterator<Item = u8> {
    let bytes = len.to_be_bytes();
    let significant = length_octets(len) - 1;
    let first = match significant {
        0 => len as u8,
        n => 0x80 | n as u8,
    };
    core::iter::once(first).chain(bytes.into_iter().skip(bytes.len() - significant))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// How a test element writes its length.
    #[derive(Clone, Copy)]
    enum Form {
        Minimal,
        /// `0x80 | n` followed by `n` octets (non-minimal when more than needed).
        Long(u8),
        Indefinite,
    }

    fn tlv(tag: u8, form: Form, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match form {
            Form::Minimal => out.extend(encode_length(contents.len())),
            Form::Long(n) => {
                out.push(0x80 | n);
                let bytes = contents.len().to_be_bytes();
                for i in 0..usize::from(n) {
                    let from_end = usize::from(n) - 1 - i;
                    out.push(if from_end < bytes.len() {
                        bytes[bytes.len() - 1 - from_end]
                    } else {
                        0
                    });
                }
            }
            Form::Indefinite => out.push(0x80),
        }
        out.extend_from_slice(contents);
        if matches!(form, Form::Indefinite) {
            out.extend([0, 0]);
        }
        out
    }

    const OID_SIGNED_DATA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];

    /// A `ContentInfo` with the shape of a detached `SignedData`: outer layers written in
    /// `outer`, with a certificate set tagged `cert_tag` holding `certs`, and a signer
    /// whose signed attributes are tagged `attrs_tag`.
    fn signed_data(outer: Form, cert_tag: u8, certs: &[Vec<u8>], attrs_tag: u8) -> Vec<u8> {
        // Primitive encodings have definite lengths.
        let primitive = match outer {
            Form::Indefinite => Form::Minimal,
            form => form,
        };
        let alg = tlv(0x30, outer, &[0x06, 0x01, 0x2a, 0x05, 0x00]);
        let attrs = tlv(
            attrs_tag,
            Form::Minimal,
            &tlv(0x30, Form::Minimal, &[0x06, 0x01, 0x2a]),
        );
        let signer = tlv(
            0x30,
            outer,
            &[
                &[0x02, 0x01, 0x01][..],
                &tlv(0x30, outer, &[0x02, 0x01, 0x03]),
                &alg,
                &attrs,
                &alg,
                &tlv(0x04, primitive, &[1, 2, 3]),
            ]
            .concat(),
        );
        let body = [
            &tlv(0x02, primitive, &[1])[..],
            &tlv(0x31, outer, &alg),
            &tlv(0x30, outer, &[0x06, 0x01, 0x2a]),
            &tlv(cert_tag, outer, &certs.concat()),
            &tlv(0x31, outer, &signer),
        ]
        .concat();
        tlv(
            0x30,
            outer,
            &[
                &OID_SIGNED_DATA[..],
                &tlv(0xA0, outer, &tlv(0x30, outer, &body)),
            ]
            .concat(),
        )
    }

    fn cert() -> Vec<u8> {
        tlv(0x30, Form::Minimal, &[0x02, 0x01, 0x07])
    }

    #[test]
    fn every_length_form_reads_as_the_minimal_one() {
        let der = signed_data(Form::Minimal, 0xA0, &[cert(), cert()], 0xA0);
        let outer = normalise(&der, 4).unwrap();
        assert!(matches!(outer.bytes, Cow::Borrowed(_)));
        assert_eq!(outer.signed_attrs.unwrap()[0], 0xA0);
        for form in [
            Form::Long(1),
            Form::Long(2),
            Form::Long(3),
            Form::Long(4),
            Form::Long(9),
        ] {
            let ber = signed_data(form, 0xA0, &[cert(), cert()], 0xA0);
            let outer = normalise(&ber, 4).unwrap();
            assert_eq!(&outer.bytes[..], &der[..]);
        }
        // Indefinite lengths are read by `der` itself: no copy.
        let indefinite = signed_data(Form::Indefinite, 0xA0, &[cert(), cert()], 0xA0);
        let outer = normalise(&indefinite, 4).unwrap();
        assert!(matches!(outer.bytes, Cow::Borrowed(_)));
    }

    #[test]
    fn apple_tokens_are_read_in_place() {
        for name in [
            "gala-current",
            "gala-2015",
            "synthetic-appdata",
            "minted-ber",
        ] {
            let path = format!(
                "{}/test-vectors/{name}/token.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let token = crate::PaymentToken::from_json(&std::fs::read(path).unwrap()).unwrap();
            let outer = normalise(token.signature(), 4).unwrap();
            assert!(matches!(outer.bytes, Cow::Borrowed(_)), "{name}");
            assert!(outer.signed_attrs.is_some(), "{name}");
        }
    }

    #[test]
    fn invalid_tag_forms_are_refused() {
        // Primitive [0] for the certificates or the signed attributes.
        for bad in [
            signed_data(Form::Minimal, 0x80, &[cert()], 0xA0),
            signed_data(Form::Minimal, 0xA0, &[cert()], 0x80),
            signed_data(Form::Minimal, 0x81, &[cert()], 0xA0),
        ] {
            assert_eq!(normalise(&bad, 4).unwrap_err(), MALFORMED);
        }
        // Primitive SEQUENCE, constructed INTEGER, indefinite primitive, reserved length
        // octet, end-of-contents where none is open, truncation, trailing bytes.
        let good = signed_data(Form::Minimal, 0xA0, &[cert()], 0xA0);
        let mut trailing = good.clone();
        trailing.push(0);
        for bad in [
            &[0x10, 0x00][..],
            &[0x30, 0x03, 0x22, 0x01, 0x00],
            &[0x30, 0x80, 0x04, 0x80, 0x00, 0x00, 0x00, 0x00],
            &[0x30, 0xFF],
            &[0x30, 0x02, 0x00, 0x00],
            &good[..good.len() - 1],
            &trailing,
            &[0x30, 0x85, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[
                0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
        ] {
            assert_eq!(normalise(bad, 4).unwrap_err(), MALFORMED, "{bad:02x?}");
        }
    }

    #[test]
    fn der_mandated_parts_keep_their_encoding() {
        // A certificate with a non-minimal or indefinite length is not DER.
        let long_cert = tlv(0x30, Form::Long(1), &[0x02, 0x01, 0x07]);
        let indefinite_cert = tlv(0x30, Form::Indefinite, &[0x02, 0x01, 0x07]);
        for cert in [long_cert, indefinite_cert] {
            let bad = signed_data(Form::Minimal, 0xA0, &[cert], 0xA0);
            assert_eq!(normalise(&bad, 4).unwrap_err(), MALFORMED);
        }
    }

    #[test]
    fn certificates_are_counted_before_they_are_read() {
        let ok = signed_data(Form::Minimal, 0xA0, &vec![cert(); 4], 0xA0);
        assert!(normalise(&ok, 4).is_ok());
        // The fifth is not even DER: the count is what refuses it.
        let mut certs = vec![cert(); 4];
        certs.push(tlv(0x30, Form::Long(2), &[]));
        let bad = signed_data(Form::Minimal, 0xA0, &certs, 0xA0);
        assert_eq!(
            normalise(&bad, 4).unwrap_err(),
            Error::CertificateChain(ChainError::BadCertificates)
        );
    }

    #[test]
    fn nesting_is_bounded() {
        // Inside an algorithm identifier's parameters, where any BER is walked.
        let mut params = vec![0x05, 0x00];
        for _ in 0..40 {
            params = tlv(0x30, Form::Indefinite, &params);
        }
        let mut input = signed_data(Form::Minimal, 0xA0, &[cert()], 0xA0);
        // Replace the first algorithm identifier's NULL by the nested sequences.
        let at = input.windows(2).position(|w| w == [0x05, 0x00]).unwrap();
        input.splice(at..at + 2, params);
        assert_eq!(normalise(&input, 4).unwrap_err(), MALFORMED);
    }
}
