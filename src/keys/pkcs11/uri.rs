//! RFC 7512 `pkcs11:` URIs: which token and which key, and where the module and PIN are.
//!
//! Parsing only: the URI names a module path and a PIN source, but reading them (loading
//! the module, reading the PIN file) is the caller's I/O, never this crate's.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, KeyImportError, Pkcs11Error};

/// Longest `pkcs11:` URI accepted, in bytes.
pub const MAX_PKCS11_URI_LEN: usize = 4096;

const SCHEME: &str = "pkcs11:";

/// The object class a URI's `type` attribute names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pkcs11ObjectType {
    /// `type=private`: a private key (the only kind a merchant key can be).
    PrivateKey,
    /// `type=public`: a public key.
    PublicKey,
    /// `type=cert`: a certificate.
    Certificate,
    /// `type=secret-key`: a symmetric key.
    SecretKey,
    /// `type=data`: a data object.
    Data,
}

/// A parsed RFC 7512 `pkcs11:` URI naming a key in a PKCS#11 token.
///
/// Path attributes select the token (`token`, `manufacturer`, `serial`, `model`,
/// `slot-id`, …) and the object (`object` = `CKA_LABEL`, `id` = `CKA_ID`, `type`); query
/// attributes say how to reach it (`module-path`, `module-name`, `pin-value`,
/// `pin-source`). Values are percent-decoded. An attribute may appear once; an unknown
/// path attribute is refused (a URI with an attribute this crate cannot check must not
/// match anything), unknown query attributes are ignored as RFC 7512 allows.
///
/// ```
/// use applepay_crypto::pkcs11::Pkcs11Uri;
/// let uri = Pkcs11Uri::parse(
///     "pkcs11:token=merchant;object=payment%20processing;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/pin",
/// )?;
/// assert_eq!(uri.token(), Some("merchant"));
/// assert_eq!(uri.object(), Some("payment processing"));
/// assert_eq!(uri.id(), Some(&[1u8, 2][..]));
/// assert_eq!(uri.pin_source(), Some("file:/etc/pin"));
/// # Ok::<(), applepay_crypto::Error>(())
/// ```
///
/// `Debug` redacts `pin-value`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    token: Option<String>,
    manufacturer: Option<String>,
    serial: Option<String>,
    model: Option<String>,
    library_manufacturer: Option<String>,
    library_description: Option<String>,
    library_version: Option<String>,
    slot_description: Option<String>,
    slot_manufacturer: Option<String>,
    slot_id: Option<u64>,
    object: Option<String>,
    id: Option<Vec<u8>>,
    object_type: Option<Pkcs11ObjectType>,
    module_path: Option<String>,
    module_name: Option<String>,
    pin_value: Option<Zeroizing<String>>,
    pin_source: Option<String>,
}

fn invalid(what: &'static str) -> Error {
    Error::KeyImport(KeyImportError::Pkcs11(Pkcs11Error::InvalidUri(what)))
}

impl Pkcs11Uri {
    /// Parses `text`, which must start with `pkcs11:` (case-insensitive).
    ///
    /// Errors are [`Pkcs11Error::InvalidUri`] naming the problem: a bad percent escape, a
    /// repeated or unknown path attribute, a value that is not UTF-8 where text is
    /// expected, a non-numeric `slot-id`, an unknown `type`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_PKCS11_URI_LEN {
            return Err(Error::InputTooLarge {
                limit: MAX_PKCS11_URI_LEN,
            });
        }
        let rest = text
            .get(..SCHEME.len())
            .filter(|s| s.eq_ignore_ascii_case(SCHEME))
            .and_then(|_| text.get(SCHEME.len()..))
            .ok_or_else(|| invalid("not a pkcs11: uri"))?;
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut uri = Self::default();
        for attribute in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = attribute
                .split_once('=')
                .ok_or_else(|| invalid("path attribute without '='"))?;
            uri.set_path_attribute(name, value)?;
        }
        for attribute in query.into_iter().flat_map(|q| q.split('&')) {
            if attribute.is_empty() {
                continue;
            }
            let (name, value) = attribute
                .split_once('=')
                .ok_or_else(|| invalid("query attribute without '='"))?;
            uri.set_query_attribute(name, value)?;
        }
        Ok(uri)
    }

    fn set_path_attribute(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let text = |slot: &mut Option<String>| set_once(slot, decode_text(value)?);
        match name {
            "token" => text(&mut self.token),
            "manufacturer" => text(&mut self.manufacturer),
            "serial" => text(&mut self.serial),
            "model" => text(&mut self.model),
            "library-manufacturer" => text(&mut self.library_manufacturer),
            "library-description" => text(&mut self.library_description),
            "library-version" => text(&mut self.library_version),
            "slot-description" => text(&mut self.slot_description),
            "slot-manufacturer" => text(&mut self.slot_manufacturer),
            "object" => text(&mut self.object),
            "slot-id" => {
                let digits = decode_text(value)?;
                let id = digits
                    .parse::<u64>()
                    .map_err(|_| invalid("slot-id is not a decimal number"))?;
                set_once(&mut self.slot_id, id)
            }
            "id" => set_once(&mut self.id, decode(value)?),
            "type" => {
                let kind = match decode_text(value)?.as_str() {
                    "private" => Pkcs11ObjectType::PrivateKey,
                    "public" => Pkcs11ObjectType::PublicKey,
                    "cert" => Pkcs11ObjectType::Certificate,
                    "secret-key" => Pkcs11ObjectType::SecretKey,
                    "data" => Pkcs11ObjectType::Data,
                    _ => return Err(invalid("unknown object type")),
                };
                set_once(&mut self.object_type, kind)
            }
            _ => Err(invalid("unknown path attribute")),
        }
    }

    fn set_query_attribute(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match name {
            "module-path" => set_once(&mut self.module_path, decode_text(value)?),
            "module-name" => set_once(&mut self.module_name, decode_text(value)?),
            "pin-source" => set_once(&mut self.pin_source, decode_text(value)?),
            "pin-value" => {
                let pin = Zeroizing::new(decode_text(value)?);
                set_once(&mut self.pin_value, pin)
            }
            // RFC 7512 §2.4: unknown query attributes may be ignored.
            _ => Ok(()),
        }
    }

    /// `token`: the token label (`CK_TOKEN_INFO.label`).
    #[must_use]
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `manufacturer`: the token's `manufacturerID`.
    #[must_use]
    pub fn manufacturer(&self) -> Option<&str> {
        self.manufacturer.as_deref()
    }

    /// `serial`: the token's `serialNumber`.
    #[must_use]
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// `model`: the token's `model`.
    #[must_use]
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// `slot-id`: the slot number.
    #[must_use]
    pub fn slot_id(&self) -> Option<u64> {
        self.slot_id
    }

    /// `slot-description`: the slot's `slotDescription`.
    #[must_use]
    pub fn slot_description(&self) -> Option<&str> {
        self.slot_description.as_deref()
    }

    /// `slot-manufacturer`: the slot's `manufacturerID`.
    #[must_use]
    pub fn slot_manufacturer(&self) -> Option<&str> {
        self.slot_manufacturer.as_deref()
    }

    /// `library-manufacturer`: the module's `manufacturerID`.
    #[must_use]
    pub fn library_manufacturer(&self) -> Option<&str> {
        self.library_manufacturer.as_deref()
    }

    /// `library-description`: the module's `libraryDescription`.
    #[must_use]
    pub fn library_description(&self) -> Option<&str> {
        self.library_description.as_deref()
    }

    /// `library-version`: the module's version, `major[.minor]`.
    #[must_use]
    pub fn library_version(&self) -> Option<&str> {
        self.library_version.as_deref()
    }

    /// `object`: the key's label (`CKA_LABEL`).
    #[must_use]
    pub fn object(&self) -> Option<&str> {
        self.object.as_deref()
    }

    /// `id`: the key's `CKA_ID` bytes.
    #[must_use]
    pub fn id(&self) -> Option<&[u8]> {
        self.id.as_deref()
    }

    /// `type`: the object class.
    #[must_use]
    pub fn object_type(&self) -> Option<Pkcs11ObjectType> {
        self.object_type
    }

    /// `module-path`: the PKCS#11 module (shared library) to load. Loading it is the
    /// caller's job.
    #[must_use]
    pub fn module_path(&self) -> Option<&str> {
        self.module_path.as_deref()
    }

    /// `module-name`: the module's name without path or suffix (e.g. `softhsm2`).
    #[must_use]
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// `pin-value`: the user PIN, given inline.
    #[must_use]
    pub fn pin_value(&self) -> Option<&str> {
        self.pin_value.as_ref().map(|p| p.as_str())
    }

    /// `pin-source`: where the PIN is to be read from, as given (e.g. `file:/etc/pin`).
    /// Reading it is the caller's job.
    #[must_use]
    pub fn pin_source(&self) -> Option<&str> {
        self.pin_source.as_deref()
    }
}

impl fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Uri")
            .field("token", &self.token)
            .field("serial", &self.serial)
            .field("slot_id", &self.slot_id)
            .field("object", &self.object)
            .field("id", &self.id)
            .field("object_type", &self.object_type)
            .field("module_path", &self.module_path)
            .field("pin_value", &self.pin_value.as_ref().map(|_| "(redacted)"))
            .field("pin_source", &self.pin_source)
            .finish_non_exhaustive()
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(invalid("attribute given twice"));
    }
    *slot = Some(value);
    Ok(())
}

/// Percent-decodes `value` into bytes (RFC 3986 §2.1).
fn decode(value: &str) -> Result<Vec<u8>, Error> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .ok_or_else(|| invalid("truncated percent escape"))?;
            let mut byte = 0u8;
            for &h in hex {
                let nibble = match h {
                    b'0'..=b'9' => h - b'0',
                    b'a'..=b'f' => h - b'a' + 10,
                    b'A'..=b'F' => h - b'A' + 10,
                    _ => return Err(invalid("bad percent escape")),
                };
                byte = (byte << 4) | nibble;
            }
            out.push(byte);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Ok(out)
}

/// Percent-decodes `value` into UTF-8 text.
fn decode_text(value: &str) -> Result<String, Error> {
    String::from_utf8(decode(value)?).map_err(|_| invalid("attribute value is not utf-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn error(text: &str) -> Option<Pkcs11Error> {
        match Pkcs11Uri::parse(text) {
            Err(Error::KeyImport(KeyImportError::Pkcs11(e))) => Some(e),
            _ => None,
        }
    }

    #[test]
    fn rfc7512_examples_parse() {
        // RFC 7512 §3 examples.
        let uri = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
        )
        .unwrap();
        assert_eq!(uri.token(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(uri.manufacturer(), Some("Snake Oil, Inc."));
        assert_eq!(uri.model(), Some("1.0"));
        assert_eq!(uri.object(), Some("my-certificate"));
        assert_eq!(uri.object_type(), Some(Pkcs11ObjectType::Certificate));
        assert_eq!(
            uri.id(),
            Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
        );
        assert_eq!(uri.serial(), Some(""));

        let uri = Pkcs11Uri::parse(
            "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11&pin-source=file:/etc/token_pin",
        )
        .unwrap();
        assert_eq!(uri.object_type(), Some(Pkcs11ObjectType::PrivateKey));
        assert_eq!(uri.module_name(), Some("mypkcs11"));
        assert_eq!(uri.pin_source(), Some("file:/etc/token_pin"));

        let uri = Pkcs11Uri::parse(
            "pkcs11:slot-description=Sun%20Metaslot;slot-id=1?pin-value=01%3A02&module-path=/usr/lib/libpkcs11.so",
        )
        .unwrap();
        assert_eq!(uri.slot_description(), Some("Sun Metaslot"));
        assert_eq!(uri.slot_id(), Some(1));
        assert_eq!(uri.pin_value(), Some("01:02"));
        assert_eq!(uri.module_path(), Some("/usr/lib/libpkcs11.so"));

        // An empty path, upper-case scheme, and unknown query attributes (ignored).
        assert_eq!(Pkcs11Uri::parse("pkcs11:").unwrap(), Pkcs11Uri::default());
        assert!(Pkcs11Uri::parse("PKCS11:token=a?x-vendor=1&&").is_ok());
        let uri = Pkcs11Uri::parse("pkcs11:library-manufacturer=Snake%20Oil;library-version=1.2;slot-manufacturer=x;library-description=y").unwrap();
        assert_eq!(uri.library_manufacturer(), Some("Snake Oil"));
        assert_eq!(uri.library_version(), Some("1.2"));
        assert_eq!(uri.library_description(), Some("y"));
        assert_eq!(uri.slot_manufacturer(), Some("x"));
    }

    #[test]
    fn bad_uris_say_why() {
        for (text, why) in [
            ("pkcs12:token=a", "not a pkcs11: uri"),
            ("pkcs", "not a pkcs11: uri"),
            ("pkcs11:token", "path attribute without '='"),
            ("pkcs11:?pin-value", "query attribute without '='"),
            ("pkcs11:token=a;token=b", "attribute given twice"),
            (
                "pkcs11:token=a?pin-value=1&pin-value=2",
                "attribute given twice",
            ),
            ("pkcs11:bogus=1", "unknown path attribute"),
            ("pkcs11:x-vendor=1", "unknown path attribute"),
            ("pkcs11:id=%0", "truncated percent escape"),
            ("pkcs11:id=%", "truncated percent escape"),
            ("pkcs11:id=%zz", "bad percent escape"),
            ("pkcs11:token=%ff", "attribute value is not utf-8"),
            ("pkcs11:slot-id=one", "slot-id is not a decimal number"),
            ("pkcs11:type=secret", "unknown object type"),
        ] {
            assert_eq!(error(text), Some(Pkcs11Error::InvalidUri(why)), "{text}");
        }
        let long = format!("pkcs11:object={}", "a".repeat(MAX_PKCS11_URI_LEN));
        assert_eq!(
            Pkcs11Uri::parse(&long).unwrap_err(),
            Error::InputTooLarge {
                limit: MAX_PKCS11_URI_LEN
            }
        );
        // Multi-byte text cannot split the scheme.
        assert!(error("pkcs1\u{e9}:").is_some());
    }

    #[test]
    fn debug_redacts_the_pin() {
        let uri = Pkcs11Uri::parse("pkcs11:token=a?pin-value=s3cr3t").unwrap();
        let debug = format!("{uri:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
}
