//! A serde `Deserializer` over JSON bytes: any `Deserialize` type read straight from a
//! payload, with Python's reading rules and without building a [`Value`] first.
//!
//! What it keeps from [`from_slice`](super::from_slice): each byte is one latin-1
//! character; `NaN`, `Infinity` and `-Infinity` are floats; integers beyond 64 bits reach
//! the type as `i128`/`u128` (beyond 128 bits, an error); the same nesting and value
//! limits. What a Rust type cannot hold is an error: a lone surrogate (`"\ud800"`) in a
//! string the type reads. Values the type ignores (unknown struct fields) are checked as
//! Python would read them, but never built. Strings without escapes or non-ASCII text are
//! lent to types that borrow (`&str` fields).
//!
//! Repeated keys follow Python (the last value wins, at the first key's position): the
//! first repeated key met in a dict the type reads sends the whole document down the
//! [`Value`] path ([`from_slice`](super::from_slice), then
//! [`from_value`](super::from_value)), which resolves them; so does any error the type
//! raises, so that the result is always the value path's: the same value, the same
//! invalid-JSON error, or the type's error (`tests/serde_path.rs` checks it on random
//! documents). Only a type that borrows strings cannot take that path.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::de::{DeserializeError, KeyDeser, KeyText, visit_big_int};
use super::read::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, JsonError, JsonErrorKind, Number, decode_string,
    from_slice_with_limits, scan_number, unicode_escape,
};
use super::value::StringBuilder;
use crate::scratch::{Loan, Pool};

/// Why bytes could not be read as a Rust type: not JSON by Python's rules, or JSON that
/// does not fit the type.
///
/// ```
/// use djsign::pyjson::{from_slice_as, DecodeError};
/// assert!(matches!(from_slice_as::<u8>(b"[1,]"), Err(DecodeError::Json(_))));
/// assert!(matches!(from_slice_as::<u8>(b"300"), Err(DecodeError::Type(_))));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON as Python's `json.loads` reads it (or beyond the limits).
    Json(JsonError),
    /// Valid JSON that does not fit the type asked for.
    Type(DeserializeError),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Json(e) => e.fmt(f),
            DecodeError::Type(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Json(e) => Some(e),
            DecodeError::Type(e) => Some(e),
        }
    }
}

/// Reads JSON bytes, as Django does (latin-1, Python's `json.loads`), straight into `T`,
/// without building a [`Value`](super::Value) first; limits as
/// [`from_slice`](super::from_slice).
///
/// Each byte is one latin-1 character; `NaN`, `Infinity` and `-Infinity` are floats;
/// integers beyond 64 bits reach the type as `i128`/`u128` (beyond 128 bits, an error). A
/// lone surrogate (`"\ud800"`) in a string the type reads is an error (no Rust string
/// holds one). Values the type ignores are checked as Python reads them, never built, and
/// plain strings (no escapes, ASCII) are lent to types that borrow. Repeated keys resolve
/// as in Python (the last value, at the first key's place): such a document, like any the
/// type refuses, is read through the value path ([`from_slice`](super::from_slice), then
/// [`from_value`](super::from_value)), so the result is always that path's.
///
/// ```
/// use djsign::pyjson::from_slice_as;
/// #[derive(serde::Deserialize)]
/// struct Login<'a> { _auth_user_id: &'a str, cart: Vec<f64> }
/// let doc = br#"{"_auth_user_id":"42","other":[{"x":NaN}],"cart":[24.9,Infinity]}"#;
/// let login: Login = from_slice_as(doc)?;
/// assert_eq!((login._auth_user_id, login.cart[1]), ("42", f64::INFINITY));
/// // Python keeps the last of repeated keys.
/// assert_eq!(from_slice_as::<serde_json::Value>(br#"{"a":1,"a":2}"#)?["a"], 2);
/// // Bytes are latin-1 characters.
/// assert_eq!(from_slice_as::<String>(b"\"\xe9\"")?, "é");
/// # Ok::<(), djsign::pyjson::DecodeError>(())
/// ```
pub fn from_slice_as<'de, T: de::Deserialize<'de>>(data: &'de [u8]) -> Result<T, DecodeError> {
    from_slice_as_with_limits(data, DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES)
}

/// [`from_slice_as`] with the limits of
/// [`from_slice_with_limits`](super::from_slice_with_limits).
///
/// ```
/// use djsign::pyjson::{from_slice_as_with_limits, DecodeError, JsonErrorKind};
/// let e = from_slice_as_with_limits::<Vec<u8>>(b"[1,2,3]", 10, 3).unwrap_err();
/// assert!(matches!(e, DecodeError::Json(j) if j.kind() == JsonErrorKind::TooManyValues));
/// ```
pub fn from_slice_as_with_limits<'de, T: de::Deserialize<'de>>(
    data: &'de [u8],
    max_depth: usize,
    max_values: usize,
) -> Result<T, DecodeError> {
    let mut text_buffer = Loan::take(&TEXT);
    let mut r = Reader {
        b: data,
        last: KeySpan {
            body: 0,
            end: 0,
            plain: true,
        },
        pos: 0,
        depth: 0,
        max_depth,
        values_left: max_values,
        text: StringBuilder::with_buffer(std::mem::take(&mut *text_buffer)),
        keys: Loan::take(&KEYS),
    };
    r.skip_ws();
    let result = r
        .charge()
        .and_then(|()| T::deserialize(&mut r))
        .and_then(|v| {
            r.skip_ws();
            if r.pos == data.len() {
                Ok(v)
            } else {
                Err(ReadError::Json(r.err(JsonErrorKind::ExtraData)))
            }
        });
    *text_buffer = r.text.into_buffer();
    match result {
        Ok(v) => Ok(v),
        Err(ReadError::Json(e)) => Err(DecodeError::Json(e)),
        // The JSON may still be invalid further on (Python reads it whole before anything
        // looks at it), or repeat a key whose first value the type refused (Python keeps
        // the last): the value path decides.
        Err(ReadError::Type(_)) => {
            let value =
                from_slice_with_limits(data, max_depth, max_values).map_err(DecodeError::Json)?;
            T::deserialize(value).map_err(DecodeError::Type)
        }
    }
}

/// The reader's own error: invalid JSON, or anything else (the type's complaint, or a
/// repeated key), which [`from_slice_as_with_limits`] hands to the value path.
#[derive(Debug)]
enum ReadError {
    Json(JsonError),
    Type(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Json(e) => e.fmt(f),
            ReadError::Type(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ReadError::Type(msg.to_string())
    }
}

impl From<JsonError> for ReadError {
    fn from(e: JsonError) -> Self {
        ReadError::Json(e)
    }
}

/// Where a key of a dict being read lies in the input, to find repeats.
#[derive(Clone, Copy)]
struct KeySpan {
    /// The first byte after the opening quote.
    body: usize,
    /// The closing quote.
    end: usize,
    /// Plain ASCII: the bytes are the text.
    plain: bool,
}

thread_local! {
    /// The reader's key lists, lent per call (see [`crate::scratch`]).
    static KEYS: Pool<Vec<KeySpan>> = const { RefCell::new(Vec::new()) };
    /// The reader's buffers for decoded strings, likewise (a pool of their own, so that
    /// the payload buffers lent around a read keep their sizes).
    static TEXT: Pool<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Dicts with more keys than this look repeats up in a hash set.
const LINEAR_KEYS: usize = 16;

struct Reader<'de> {
    b: &'de [u8],
    /// Where the last string read by [`Self::string`] lies.
    last: KeySpan,
    pos: usize,
    depth: usize,
    max_depth: usize,
    values_left: usize,
    /// Where strings with escapes or non-ASCII text are decoded.
    text: StringBuilder,
    /// The keys of the dicts being read, innermost last.
    keys: Loan<Vec<KeySpan>>,
}

/// A string as read: lent by the input, or decoded into the reader's buffer.
enum Text<'de> {
    Borrowed(&'de str),
    Decoded,
}

impl<'de> Reader<'de> {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError::new(kind, self.pos)
    }

    /// Counts one more value against the limit (every value, list item and dict entry).
    #[inline]
    fn charge(&mut self) -> Result<(), ReadError> {
        match self.values_left.checked_sub(1) {
            Some(left) => {
                self.values_left = left;
                Ok(())
            }
            None => Err(self.err(JsonErrorKind::TooManyValues).into()),
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ReadError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.err(JsonErrorKind::ExpectingValue).into())
        }
    }

    /// Reads a string whose opening quote is at `self.pos`.
    #[inline]
    fn string(&mut self) -> Result<Text<'de>, ReadError> {
        let body = self.pos + 1;
        let b = self.b;
        let i = super::scan::plain_run_end(b, body, false);
        if b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            self.last = KeySpan {
                body,
                end: i,
                plain: true,
            };
            // A plain run is printable ASCII (see `scan`).
            let s = std::str::from_utf8(&b[body..i]).unwrap_or_default();
            return Ok(Text::Borrowed(s));
        }
        self.text.clear();
        self.pos = decode_string(b, body, i, false, &mut self.text)?;
        self.last = KeySpan {
            body,
            end: self.pos - 1,
            plain: false,
        };
        Ok(Text::Decoded)
    }

    /// The text of the string just read by [`Self::string`] as `Text::Decoded`.
    fn decoded(&self) -> Result<&str, ReadError> {
        self.text.as_str().ok_or_else(|| {
            ReadError::Type(
                "string holds a lone surrogate; read it as djsign::pyjson::Value".into(),
            )
        })
    }

    /// Enters a list or dict whose bracket is at `self.pos`.
    fn enter(&mut self) -> Result<(), ReadError> {
        if self.depth >= self.max_depth {
            return Err(self.err(JsonErrorKind::TooDeep).into());
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Leaves a list or dict once its type has read what it wanted: the closing bracket
    /// must follow (a type that stops early leaves items unread, which Python would not).
    fn leave(&mut self, close: u8) -> Result<(), ReadError> {
        self.skip_ws();
        if self.peek() != Some(close) {
            return Err(ReadError::Type(format!(
                "the type read fewer items than the {} holds",
                if close == b']' { "list" } else { "dict" }
            )));
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    /// Moves to the next item of a list or dict (after its separator), or returns `false`
    /// at its end.
    #[inline]
    fn next_item(&mut self, first: bool, close: u8) -> Result<bool, ReadError> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == close => Ok(false),
            _ if first => Ok(true),
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                Ok(true)
            }
            _ => Err(self.err(JsonErrorKind::ExpectingComma).into()),
        }
    }

    /// Reads a dict key and its colon; the key's text is in the returned value or the
    /// reader's buffer.
    fn key(&mut self) -> Result<Text<'de>, ReadError> {
        if self.peek() != Some(b'"') {
            return Err(self.err(JsonErrorKind::ExpectingPropertyName).into());
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.err(JsonErrorKind::ExpectingColon).into());
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    /// Checks a value the type ignores, as Python would read it, without building it.
    fn skip_value(&mut self) -> Result<(), ReadError> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'[' | b'{') => {
                let close = if self.peek() == Some(b'[') {
                    b']'
                } else {
                    b'}'
                };
                self.enter()?;
                let mut first = true;
                while self.next_item(first, close)? {
                    first = false;
                    self.charge()?;
                    if close == b'}' {
                        if self.peek() != Some(b'"') {
                            return Err(self.err(JsonErrorKind::ExpectingPropertyName).into());
                        }
                        self.skip_string()?;
                        self.skip_ws();
                        if self.peek() != Some(b':') {
                            return Err(self.err(JsonErrorKind::ExpectingColon).into());
                        }
                        self.pos += 1;
                        self.skip_ws();
                    }
                    self.skip_value()?;
                }
                self.leave(close)
            }
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'N') => self.literal(b"NaN"),
            Some(b'I') => self.literal(b"Infinity"),
            Some(b'-') if self.b[self.pos..].starts_with(b"-Infinity") => {
                self.literal(b"-Infinity")
            }
            _ => {
                self.pos = scan_number(self.b, self.pos)?.end;
                Ok(())
            }
        }
    }

    /// Checks a string without decoding it.
    fn skip_string(&mut self) -> Result<(), ReadError> {
        let b = self.b;
        let start = self.pos;
        let mut i = self.pos + 1;
        loop {
            i = super::scan::plain_run_end(b, i, false);
            match b.get(i) {
                None => return Err(JsonError::new(JsonErrorKind::UnterminatedString, start).into()),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(0x80..) => i += 1,
                Some(b'\\') => match b.get(i + 1) {
                    None => {
                        return Err(JsonError::new(JsonErrorKind::UnterminatedString, start).into());
                    }
                    Some(b'u') => i = unicode_escape(b, i + 2)?.1,
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(_) => return Err(JsonError::new(JsonErrorKind::InvalidEscape, i).into()),
                },
                Some(_) => {
                    return Err(JsonError::new(JsonErrorKind::InvalidControlCharacter, i).into());
                }
            }
        }
    }

    /// Records the key just read (by [`Self::key`]) in the dict whose keys start at
    /// `base`; a repeat is an error that sends the document down the [`super::Value`] path.
    fn note_key(
        &mut self,
        base: usize,
        key: &Text<'de>,
        index: &mut Option<HashSet<String>>,
    ) -> Result<(), ReadError> {
        let span = self.last;
        let text = match key {
            Text::Borrowed(s) => s,
            Text::Decoded => self.decoded()?,
        };
        let repeated = match index {
            Some(set) => !set.insert(text.to_owned()),
            None => self.keys[base..].iter().any(|&k| self.key_is(k, text)),
        };
        if repeated {
            return Err(ReadError::Type("repeated key".into()));
        }
        if index.is_none() {
            if self.keys.len() - base < LINEAR_KEYS {
                self.keys.push(span);
            } else {
                let mut set = HashSet::with_capacity(2 * LINEAR_KEYS);
                set.insert(text.to_owned());
                for k in self.keys.drain(base..) {
                    set.insert(key_text(self.b, k));
                }
                *index = Some(set);
            }
        }
        Ok(())
    }

    /// Whether the key at `span` reads as `text`.
    fn key_is(&self, span: KeySpan, text: &str) -> bool {
        if span.plain {
            &self.b[span.body..span.end] == text.as_bytes()
        } else {
            key_text(self.b, span) == text
        }
    }
}

/// The text of a key already read without error (lone surrogates never get this far).
fn key_text(b: &[u8], span: KeySpan) -> String {
    let mut text = StringBuilder::default();
    match decode_string(b, span.body, span.body, false, &mut text) {
        Ok(_) => text.as_str().unwrap_or_default().to_owned(),
        Err(_) => String::new(),
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
        match self.peek() {
            Some(b'"') => match self.string()? {
                Text::Borrowed(s) => v.visit_borrowed_str(s),
                Text::Decoded => v.visit_str(self.decoded()?),
            },
            Some(b'[') => {
                self.enter()?;
                let out = v.visit_seq(Seq {
                    r: &mut *self,
                    first: true,
                })?;
                self.leave(b']')?;
                Ok(out)
            }
            Some(b'{') => {
                self.enter()?;
                let base = self.keys.len();
                let out = v.visit_map(Map {
                    r: &mut *self,
                    first: true,
                    base,
                    index: None,
                });
                self.keys.truncate(base);
                let out = out?;
                self.leave(b'}')?;
                Ok(out)
            }
            Some(b'n') => {
                self.literal(b"null")?;
                v.visit_unit()
            }
            Some(b't') => {
                self.literal(b"true")?;
                v.visit_bool(true)
            }
            Some(b'f') => {
                self.literal(b"false")?;
                v.visit_bool(false)
            }
            Some(b'N') => {
                self.literal(b"NaN")?;
                v.visit_f64(f64::NAN)
            }
            Some(b'I') => {
                self.literal(b"Infinity")?;
                v.visit_f64(f64::INFINITY)
            }
            Some(b'-') if self.b[self.pos..].starts_with(b"-Infinity") => {
                self.literal(b"-Infinity")?;
                v.visit_f64(f64::NEG_INFINITY)
            }
            _ => {
                let n = scan_number(self.b, self.pos)?;
                self.pos = n.end;
                match n.value(self.b) {
                    Number::Int(i) => v.visit_i64(i),
                    Number::Big(digits) => visit_big_int(digits, v),
                    Number::Float(f) => v.visit_f64(f),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ReadError> {
        self.skip_value()?;
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, ReadError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ReadError> {
        match self.peek() {
            Some(b'"') => match self.string()? {
                Text::Borrowed(s) => v.visit_enum(de::value::BorrowedStrDeserializer::new(s)),
                Text::Decoded => {
                    let s = self.decoded()?.to_owned();
                    v.visit_enum(de::IntoDeserializer::<ReadError>::into_deserializer(s))
                }
            },
            Some(b'{') => {
                self.enter()?;
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(ReadError::Type(
                        "expected an enum: a dict of one key".into(),
                    ));
                }
                self.charge()?;
                let out = v.visit_enum(Variant { r: &mut *self })?;
                self.leave(b'}')?;
                Ok(out)
            }
            _ => Err(ReadError::Type(
                "expected an enum: a string or a dict of one key".into(),
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct Seq<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Seq<'_, 'de> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ReadError> {
        if !self.r.next_item(self.first, b']')? {
            return Ok(None);
        }
        self.first = false;
        self.r.charge()?;
        seed.deserialize(&mut *self.r).map(Some)
    }
}

struct Map<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
    /// Where this dict's keys start in the reader's key list.
    base: usize,
    /// This dict's keys, once there are too many for a linear search.
    index: Option<HashSet<String>>,
}

impl<'de> MapAccess<'de> for Map<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReadError> {
        if !self.r.next_item(self.first, b'}')? {
            return Ok(None);
        }
        self.first = false;
        let key = self.r.key()?;
        self.r.note_key(self.base, &key, &mut self.index)?;
        self.r.charge()?;
        let text = match key {
            Text::Borrowed(s) => KeyText::Borrowed(s),
            Text::Decoded => KeyText::Transient(self.r.decoded()?),
        };
        seed.deserialize(KeyDeser::<ReadError>::new(text)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ReadError> {
        seed.deserialize(&mut *self.r)
    }
}

/// An enum written as a dict of one key: the variant name, then its content.
struct Variant<'a, 'de> {
    r: &'a mut Reader<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = ReadError;
    type Variant = &'a mut Reader<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), ReadError> {
        let key = self.r.key()?;
        let text = match key {
            Text::Borrowed(s) => KeyText::Borrowed(s),
            Text::Decoded => KeyText::Transient(self.r.decoded()?),
        };
        let variant = seed.deserialize(KeyDeser::<ReadError>::new(text))?;
        Ok((variant, self.r))
    }
}

impl<'de> de::VariantAccess<'de> for &mut Reader<'de> {
    type Error = ReadError;

    fn unit_variant(self) -> Result<(), ReadError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, ReadError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, ReadError> {
        self.deserialize_any(v)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_any(v)
    }
}
