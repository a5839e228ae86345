//! A minimal DER writer for the Apple-side simulator ([`crate::mint`]).
//!
//! Certificates and CMS are written as raw DER rather than with `x509-cert`'s builder:
//! the builder cannot sign with a P-384 key over SHA-256 (as Apple's root signs its
//! intermediate), and the simulator's faults need fields a well-behaved builder refuses to
//! produce. Each function returns one complete TLV.

use alloc::vec;
use alloc::vec::Vec;
use core::str::FromStr;

use der::Encode;
use der::asn1::ObjectIdentifier;
use x509_cert::name::Name;

use crate::error::Error;
use crate::time::UnixTime;

/// One TLV with a definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let significant: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(&significant);
    }
    out.extend_from_slice(content);
    out
}

/// A constructed value, with an indefinite length (BER) or a definite one.
pub(crate) fn constructed(tag: u8, content: &[u8], indefinite: bool) -> Vec<u8> {
    if indefinite {
        [&[tag, 0x80][..], content, &[0, 0]].concat()
    } else {
        tlv(tag, content)
    }
}

pub(crate) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, ObjectIdentifier::new_unwrap(dotted).as_bytes())
}

pub(crate) fn name(text: &str) -> Result<Vec<u8>, Error> {
    Name::from_str(text)
        .and_then(|n| n.to_der())
        .map_err(|_| Error::InvalidParameter("name"))
}

/// UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub(crate) fn time(t: UnixTime) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = t.to_civil();
    if y < 2050 {
        let text = alloc::format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(0x17, text.as_bytes())
    } else {
        let text = alloc::format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(0x18, text.as_bytes())
    }
}

pub(crate) fn attribute(oid_text: &str, value: &[u8]) -> Vec<u8> {
    seq(&[&oid(oid_text), &tlv(0x31, value)])
}

pub(crate) fn extension(id: ObjectIdentifier, critical: bool, value: &[u8]) -> Vec<u8> {
    let id = tlv(0x06, id.as_bytes());
    let value = tlv(0x04, value);
    if critical {
        seq(&[&id, &[0x01, 0x01, 0xFF], &value])
    } else {
        seq(&[&id, &value])
    }
}

pub(crate) fn ca_constraints(path_len: Option<u8>) -> Vec<u8> {
    let mut value = vec![0x01, 0x01, 0xFF];
    if let Some(len) = path_len {
        value.extend_from_slice(&[0x02, 0x01, len]);
    }
    extension(
        ObjectIdentifier::new_unwrap("2.5.29.19"),
        true,
        &tlv(0x30, &value),
    )
}

/// keyUsage as a BIT STRING with `unused` trailing bits.
pub(crate) fn key_usage(unused: u8, bits: u8) -> Vec<u8> {
    extension(
        ObjectIdentifier::new_unwrap("2.5.29.15"),
        true,
        &[0x03, 0x02, unused, bits],
    )
}

/// keyCertSign and cRLSign.
pub(crate) fn key_usage_ca() -> Vec<u8> {
    key_usage(0x01, 0x06)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn tbs(
    serial: u8,
    signature_oid: &str,
    issuer: &[u8],
    not_before: UnixTime,
    not_after: UnixTime,
    subject: &[u8],
    spki: &[u8],
    extensions: &[Vec<u8>],
) -> Vec<u8> {
    seq(&[
        &[0xA0, 0x03, 0x02, 0x01, 0x02],
        &[0x02, 0x01, serial],
        &seq(&[&oid(signature_oid)]),
        issuer,
        &seq(&[&time(not_before), &time(not_after)]),
        subject,
        spki,
        &tlv(0xA3, &tlv(0x30, &extensions.concat())),
    ])
}

pub(crate) fn certificate(tbs: &[u8], signature_oid: &str, signature: &[u8]) -> Vec<u8> {
    let bits = [&[0u8][..], signature].concat();
    seq(&[tbs, &seq(&[&oid(signature_oid)]), &tlv(0x03, &bits)])
}
