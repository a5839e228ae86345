//! The token's JSON, read in one pass and borrowed: every string the token needs is a
//! slice of the input (copied only when it holds escapes), and every object, at any depth,
//! is checked for duplicate keys.
//!
//! Why hand-written visitors over `serde_json` rather than `serde_json::Value` or
//! `#[derive(Deserialize)]`:
//! - `Value` builds a tree of owned strings and maps (an allocation per string and per
//!   object) only for six fields to be looked up and copied again, and keeps the last of
//!   duplicate keys without a word: a gateway reading the first and this crate the last
//!   would see different tokens.
//! - A derived `Deserialize` borrows (`#[serde(borrow)] Cow<str>`) and refuses a repeated
//!   *known* field, but skips unknown fields with `IgnoredAny`, which looks at no key
//!   inside them, and its errors are formatted strings where [`Error::Malformed`] wants
//!   the field's path.
//!
//! `serde_json` keeps the last of duplicate keys and will not change that (serde-rs/json
//! #762: "use their own Map type or Value enum with a Deserialize impl"), and
//! `serde_with`'s `maps_duplicate_key_is_error` covers map types, not a struct with
//! unknown nested objects. So the visitors here check: known fields fill a slot that must
//! be empty, other keys are collected per object and checked once the object ends
//! (sorted, so an object with many keys costs `n log n`, not `n²`). `serde_json` still
//! does the lexing, the UTF-8 and escape handling, and bounds nesting depth (128).
//!
//! Which error: a duplicate is `Malformed` naming the repeated field when it is one the
//! token defines (`"version"`, `"header.transactionId"`, `"paymentData"`, …), and the
//! enclosing object otherwise (`"token"` for the top level, `"paymentData"`, `"header"`,
//! or the token field whose value holds the object, such as `"paymentMethod"`). Any other
//! JSON error is `Malformed` naming the document (`"token"`, or `"paymentData"` when that
//! field is a string holding JSON). Fields of the wrong type are left for the caller,
//! which checks them in a fixed order and names them.

use alloc::borrow::{Cow, ToOwned};
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::Error;

/// A field that should hold a string, as read.
#[derive(Debug)]
pub(super) enum Scalar<'a> {
    /// A string, borrowed from the input unless it had escapes.
    Str(Cow<'a, str>),
    /// `null`.
    Null,
    /// A number, boolean, array or object.
    Other,
}

impl Scalar<'_> {
    /// The string, if the field is one.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            Self::Null | Self::Other => None,
        }
    }
}

/// A long base64 field (`data`, `signature`), as read by [`BinarySeed`].
#[derive(Debug)]
pub(super) enum Binary<'a> {
    /// A string, unescaped but not checked for UTF-8 or control characters (the base64
    /// decoder refuses both); borrowed from the input unless it had escapes.
    Str(Cow<'a, [u8]>),
    /// An array (anything else that is not a string is an error while reading).
    Other,
}

impl Binary<'_> {
    /// The string, if the field is one.
    pub(super) fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Str(s) => Some(s),
            Self::Other => None,
        }
    }
}

/// The fields of a `paymentData` object (the top level of a bare token).
#[derive(Debug, Default)]
pub(super) struct PaymentDataJson<'a> {
    pub(super) version: Option<Scalar<'a>>,
    pub(super) data: Option<Binary<'a>>,
    pub(super) signature: Option<Binary<'a>>,
    /// `None` when absent; `Some(None)` when present but not an object.
    pub(super) header: Option<Option<HeaderJson<'a>>>,
}

/// The fields of `paymentData.header`.
#[derive(Debug, Default)]
pub(super) struct HeaderJson<'a> {
    pub(super) public_key_hash: Option<Scalar<'a>>,
    pub(super) transaction_id: Option<Scalar<'a>>,
    pub(super) application_data: Option<Scalar<'a>>,
    pub(super) ephemeral_public_key: Option<Scalar<'a>>,
    pub(super) wrapped_key: Option<Scalar<'a>>,
}

/// The top level of a token: a `PKPaymentToken` (`paymentData`, `transactionIdentifier`,
/// `paymentMethod`) or a bare `paymentData` (its fields at the top level); which one is
/// decided by the presence of `paymentData`.
#[derive(Debug, Default)]
pub(super) struct TokenJson<'a> {
    pub(super) bare: PaymentDataJson<'a>,
    pub(super) payment_data: Option<PaymentDataValue<'a>>,
    pub(super) transaction_identifier: Option<Scalar<'a>>,
    payment_method: Option<()>,
}

/// The `paymentData` field of a `PKPaymentToken`.
#[derive(Debug)]
pub(super) enum PaymentDataValue<'a> {
    /// The object itself.
    Object(PaymentDataJson<'a>),
    /// A string holding its JSON, or base64 of its JSON.
    Str(Cow<'a, str>),
    /// Anything else.
    Other,
}

/// Reads a token's top level (either shape). `what` names the document in errors.
pub(super) fn read_token<'a>(input: &'a [u8], what: &'static str) -> Result<TokenJson<'a>, Error> {
    read(input, what, TokenJson::default())
}

/// Reads a bare `paymentData` object (from a `paymentData` string).
pub(super) fn read_payment_data<'a>(
    input: &'a [u8],
    what: &'static str,
) -> Result<PaymentDataJson<'a>, Error> {
    read(input, what, Nested::default()).map(|nested| nested.0)
}

/// Whether `input` is one JSON value (surrounding whitespace allowed) in which no object,
/// at any depth, repeats a key: the check the token's own reader makes, for documents
/// read another way (merchant token metadata).
pub(crate) fn is_json_without_duplicate_keys(input: &[u8]) -> bool {
    let blamed = Cell::new(None);
    let check = Check {
        ctx: Ctx { blamed: &blamed },
        path: "document",
    };
    let mut de = serde_json::Deserializer::from_slice(input);
    check.deserialize(&mut de).and_then(|()| de.end()).is_ok()
}

/// Reads `input`, which must be one JSON object of kind `F` (surrounding whitespace
/// allowed).
///
/// From bytes, not a `str`: `serde_json` checks UTF-8 string by string, so the long
/// base64 strings read by [`BinarySeed`] are never checked twice (the base64 decoder
/// accepts ASCII only).
fn read<'a, F: Fields<'a>>(input: &'a [u8], what: &'static str, fields: F) -> Result<F, Error> {
    let blamed = Cell::new(None);
    let seed = ObjectSeed {
        ctx: Ctx { blamed: &blamed },
        fields,
    };
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = seed
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value));
    value.map_err(|_| Error::Malformed(blamed.get().unwrap_or(what)))
}

/// Where the path of the field an error is about is put on its way out (the error
/// `serde_json` carries up is a formatted string; the path is a `&'static str`).
#[derive(Clone, Copy)]
struct Ctx<'x> {
    blamed: &'x Cell<Option<&'static str>>,
}

impl Ctx<'_> {
    /// Names `path` in the error, unless an earlier one was named.
    fn blame(self, path: &'static str) {
        if self.blamed.get().is_none() {
            self.blamed.set(Some(path));
        }
    }

    fn duplicate<E: de::Error>(self, path: &'static str) -> E {
        self.blame(path);
        E::custom("duplicate key")
    }

    /// Fills `slot`, which must be empty.
    fn fill<T, E: de::Error>(
        self,
        slot: &mut Option<T>,
        value: T,
        path: &'static str,
    ) -> Result<(), E> {
        if slot.replace(value).is_some() {
            return Err(self.duplicate(path));
        }
        Ok(())
    }
}

/// The known fields of one kind of object.
trait Fields<'de>: Sized {
    /// The object's path in errors (for duplicate keys that are not fields of it).
    const PATH: &'static str;

    /// Reads the value of `key` if it is one of this object's fields and returns `true`;
    /// returns `false` without reading anything otherwise.
    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: Ctx<'_>,
    ) -> Result<bool, A::Error>;
}

impl<'de> Fields<'de> for TokenJson<'de> {
    const PATH: &'static str = "token";

    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: Ctx<'_>,
    ) -> Result<bool, A::Error> {
        const PAYMENT_DATA: &str = "paymentData";
        const TRANSACTION_IDENTIFIER: &str = "transactionIdentifier";
        const PAYMENT_METHOD: &str = "paymentMethod";
        match key {
            PAYMENT_DATA => {
                let value = map.next_value_seed(PaymentDataSeed { ctx })?;
                ctx.fill(&mut self.payment_data, value, PAYMENT_DATA)?;
            }
            TRANSACTION_IDENTIFIER => {
                let value = map.next_value_seed(ScalarSeed {
                    ctx,
                    path: TRANSACTION_IDENTIFIER,
                })?;
                ctx.fill(
                    &mut self.transaction_identifier,
                    value,
                    TRANSACTION_IDENTIFIER,
                )?;
            }
            PAYMENT_METHOD => {
                map.next_value_seed(Check {
                    ctx,
                    path: PAYMENT_METHOD,
                })?;
                ctx.fill(&mut self.payment_method, (), PAYMENT_METHOD)?;
            }
            _ => return self.bare.field(key, map, ctx),
        }
        Ok(true)
    }
}

impl<'de> PaymentDataJson<'de> {
    /// As [`Fields::field`].
    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: Ctx<'_>,
    ) -> Result<bool, A::Error> {
        let (slot, path) = match key {
            "version" => (&mut self.version, "version"),
            "data" | "signature" => {
                let (slot, path) = if key == "data" {
                    (&mut self.data, "data")
                } else {
                    (&mut self.signature, "signature")
                };
                let value = map.next_value_seed(BinarySeed { ctx, path })?;
                ctx.fill(slot, value, path)?;
                return Ok(true);
            }
            "header" => {
                let value = map.next_value_seed(HeaderSeed { ctx })?;
                ctx.fill(&mut self.header, value, "header")?;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        let value = map.next_value_seed(ScalarSeed { ctx, path })?;
        ctx.fill(slot, value, path)?;
        Ok(true)
    }
}

/// `paymentData` inside a `PKPaymentToken`: the same fields, another path.
#[derive(Default)]
struct Nested<'a>(PaymentDataJson<'a>);

impl<'de> Fields<'de> for Nested<'de> {
    const PATH: &'static str = "paymentData";

    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: Ctx<'_>,
    ) -> Result<bool, A::Error> {
        self.0.field(key, map, ctx)
    }
}

impl<'de> Fields<'de> for HeaderJson<'de> {
    const PATH: &'static str = "header";

    fn field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: Ctx<'_>,
    ) -> Result<bool, A::Error> {
        let (slot, path) = match key {
            "publicKeyHash" => (&mut self.public_key_hash, "header.publicKeyHash"),
            "transactionId" => (&mut self.transaction_id, "header.transactionId"),
            "applicationData" => (&mut self.application_data, "header.applicationData"),
            "ephemeralPublicKey" => (&mut self.ephemeral_public_key, "header.ephemeralPublicKey"),
            "wrappedKey" => (&mut self.wrapped_key, "header.wrappedKey"),
            _ => return Ok(false),
        };
        let value = map.next_value_seed(ScalarSeed { ctx, path })?;
        ctx.fill(slot, value, path)?;
        Ok(true)
    }
}

/// Reads an object of kind `F`: its fields, and every other key checked (value and
/// uniqueness).
fn read_object<'de, A: MapAccess<'de>, F: Fields<'de>>(
    mut map: A,
    fields: &mut F,
    ctx: Ctx<'_>,
) -> Result<(), A::Error> {
    let mut others: Vec<Cow<'de, str>> = Vec::new();
    while let Some(key) = map.next_key_seed(KeySeed)? {
        if !fields.field(&key, &mut map, ctx)? {
            map.next_value_seed(Check { ctx, path: F::PATH })?;
            others.push(key);
        }
    }
    unique(others, ctx, F::PATH)
}

/// `Err` (a duplicate of `path`) when two of `keys` are equal.
fn unique<E: de::Error>(
    mut keys: Vec<Cow<'_, str>>,
    ctx: Ctx<'_>,
    path: &'static str,
) -> Result<(), E> {
    if keys.len() > 1 {
        keys.sort_unstable();
        if keys.windows(2).any(|pair| matches!(pair, [a, b] if a == b)) {
            return Err(ctx.duplicate(path));
        }
    }
    Ok(())
}

/// Reads an object of kind `F` (and nothing else).
struct ObjectSeed<'x, F> {
    ctx: Ctx<'x>,
    fields: F,
}

impl<'de, F: Fields<'de>> DeserializeSeed<'de> for ObjectSeed<'_, F> {
    type Value = F;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<F, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: Fields<'de>> Visitor<'de> for ObjectSeed<'_, F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> Result<F, A::Error> {
        read_object(map, &mut self.fields, self.ctx)?;
        Ok(self.fields)
    }
}

/// An object key, unescaped (borrowed unless it had escapes).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// Implements the number and boolean cases of a [`Visitor`] by returning `$value` (a
/// visitor that accepts any JSON value but has no use for those).
macro_rules! any_scalar_is {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}
pub(super) use any_scalar_is;

/// A value that is not one of the token's fields: read only to check that no object in it
/// repeats a key. `path` names it in that error.
#[derive(Clone, Copy)]
struct Check<'x> {
    ctx: Ctx<'x>,
    path: &'static str,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    any_scalar_is!(());

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys: Vec<Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            map.next_value_seed(self)?;
            keys.push(key);
        }
        unique(keys, self.ctx, self.path)
    }
}

/// A field that should hold a string.
struct ScalarSeed<'x> {
    ctx: Ctx<'x>,
    path: &'static str,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    any_scalar_is!(Scalar::Other);

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Check {
            ctx: self.ctx,
            path: self.path,
        }
        .visit_seq(seq)?;
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Check {
            ctx: self.ctx,
            path: self.path,
        }
        .visit_map(map)?;
        Ok(Scalar::Other)
    }
}

/// A field that should hold a long base64 string (`data`, `signature`: most of a token),
/// read with `deserialize_bytes`: `serde_json` then finds the closing quote with `memchr`
/// and leaves UTF-8 and control characters to the base64 decoder, which refuses both;
/// `deserialize_any` would check every byte for them first. A value that is not a string
/// is an error at once, naming the field (`deserialize_bytes` reads nothing else but an
/// array, checked like any value): a token whose `data` is a number is `Malformed("data")`
/// even if a field checked before it is wrong too.
struct BinarySeed<'x> {
    ctx: Ctx<'x>,
    path: &'static str,
}

impl<'de> DeserializeSeed<'de> for BinarySeed<'_> {
    type Value = Binary<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let (ctx, path) = (self.ctx, self.path);
        deserializer
            .deserialize_bytes(self)
            .inspect_err(|_| ctx.blame(path))
    }
}

impl<'de> Visitor<'de> for BinarySeed<'_> {
    type Value = Binary<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        Ok(Binary::Str(Cow::Borrowed(v)))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Binary::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Check {
            ctx: self.ctx,
            path: self.path,
        }
        .visit_seq(seq)?;
        Ok(Binary::Other)
    }
}

/// `header`: an object with the header's fields, or anything else (`None`).
struct HeaderSeed<'x> {
    ctx: Ctx<'x>,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = Option<HeaderJson<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_> {
    type Value = Option<HeaderJson<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    any_scalar_is!(None);

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Check {
            ctx: self.ctx,
            path: "header",
        }
        .visit_seq(seq)?;
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut header = HeaderJson::default();
        read_object(map, &mut header, self.ctx)?;
        Ok(Some(header))
    }
}

/// `paymentData` of a `PKPaymentToken`: an object, a string, or anything else.
struct PaymentDataSeed<'x> {
    ctx: Ctx<'x>,
}

impl<'de> DeserializeSeed<'de> for PaymentDataSeed<'_> {
    type Value = PaymentDataValue<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PaymentDataSeed<'_> {
    type Value = PaymentDataValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    any_scalar_is!(PaymentDataValue::Other);

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(PaymentDataValue::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PaymentDataValue::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(PaymentDataValue::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Check {
            ctx: self.ctx,
            path: "paymentData",
        }
        .visit_seq(seq)?;
        Ok(PaymentDataValue::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Nested::default();
        read_object(map, &mut fields, self.ctx)?;
        Ok(PaymentDataValue::Object(fields.0))
    }
}
