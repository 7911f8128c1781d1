//! The reader: Python's `json.loads(data.decode("latin-1"))`, byte for byte.

use std::cell::RefCell;
use std::fmt;

use super::value::{BigInt, Dict, StringBuilder, Value};
use crate::scratch::{Loan, Pool, Reusable};

/// Default nesting limit of [`from_slice`]. Python's own limit is its recursion limit, which
/// depends on the interpreter (about 993 levels on 3.6–3.11, 1496 on 3.12, 9997 on 3.13);
/// djsign accepts 1000 levels and rejects deeper input with [`JsonErrorKind::TooDeep`].
///
/// ```
/// let deep = "[".repeat(djsign::pyjson::DEFAULT_MAX_DEPTH + 1);
/// assert!(djsign::pyjson::from_slice(deep.as_bytes()).is_err());
/// ```
pub const DEFAULT_MAX_DEPTH: usize = 1000;

/// Python refuses to convert integers of more than 4300 decimal digits (CPython 3.11+ and
/// the security releases of 3.7–3.10); so does djsign.
///
/// ```
/// let big = "9".repeat(djsign::pyjson::MAX_INT_DIGITS + 1);
/// assert!(djsign::pyjson::from_slice(big.as_bytes()).is_err());
/// ```
pub const MAX_INT_DIGITS: usize = 4300;

/// Default limit on the number of values one document may hold ([`from_slice`]): every
/// list item, dict entry and the top-level value count one. Python has no such limit;
/// djsign has one so that memory is bounded by values as well as by bytes (a document of
/// nested empty lists is one value per 3 bytes of input). At the default one document's
/// values and the reader's buffers take at most about 200 MiB; sessions hold a few dozen
/// values.
///
/// ```
/// let many = format!("[{}0]", "0,".repeat(djsign::pyjson::DEFAULT_MAX_VALUES));
/// assert!(djsign::pyjson::from_slice(many.as_bytes()).is_err());
/// ```
pub const DEFAULT_MAX_VALUES: usize = 1 << 20;

/// Why a payload is not JSON by Python's rules.
///
/// ```
/// let e = djsign::pyjson::from_slice(b"[1,]").unwrap_err();
/// assert_eq!(e.to_string(), "invalid JSON: Expecting value at byte 3");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct JsonError {
    /// The kind in the top byte, the position below it: one word, so that a parse result
    /// (`Result<Value, JsonError>`) is copied as whole words, as its value was written
    /// (see `Parser::value`).
    packed: u64,
}

/// Bits of [`JsonError`]'s position (inputs are far shorter than 2^56 bytes).
const POS_BITS: u32 = 56;

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonError")
            .field("kind", &self.kind())
            .field("pos", &self.position())
            .finish()
    }
}

/// The kinds of [`JsonError`], named after Python's messages.
///
/// ```
/// use djsign::pyjson::{from_slice, JsonErrorKind};
/// assert_eq!(from_slice(b"{1:2}").unwrap_err().kind(), JsonErrorKind::ExpectingPropertyName);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// "Expecting value".
    ExpectingValue,
    /// "Extra data" after the top-level value.
    ExtraData,
    /// A raw control character inside a string.
    InvalidControlCharacter,
    /// A string without its closing quote.
    UnterminatedString,
    /// A backslash followed by an unknown character.
    InvalidEscape,
    /// `\u` not followed by four hex digits.
    InvalidUnicodeEscape,
    /// An object key that is not a string (or a trailing comma in an object).
    ExpectingPropertyName,
    /// A missing `:` after an object key.
    ExpectingColon,
    /// A missing `,` between items.
    ExpectingComma,
    /// Nesting beyond the configured depth (Python: `RecursionError`).
    TooDeep,
    /// An integer of more than 4300 digits (Python: `ValueError`).
    IntTooLarge,
    /// More values than the configured limit (djsign's own limit; Python has none).
    TooManyValues,
}

impl JsonErrorKind {
    /// Every kind, in declaration order (the order of their discriminants).
    const ALL: [JsonErrorKind; 12] = [
        JsonErrorKind::ExpectingValue,
        JsonErrorKind::ExtraData,
        JsonErrorKind::InvalidControlCharacter,
        JsonErrorKind::UnterminatedString,
        JsonErrorKind::InvalidEscape,
        JsonErrorKind::InvalidUnicodeEscape,
        JsonErrorKind::ExpectingPropertyName,
        JsonErrorKind::ExpectingColon,
        JsonErrorKind::ExpectingComma,
        JsonErrorKind::TooDeep,
        JsonErrorKind::IntTooLarge,
        JsonErrorKind::TooManyValues,
    ];
}

impl JsonError {
    /// The kind of error.
    ///
    /// ```
    /// use djsign::pyjson::{from_slice, JsonErrorKind};
    /// assert_eq!(from_slice(b"[1,]").unwrap_err().kind(), JsonErrorKind::ExpectingValue);
    /// ```
    pub fn kind(&self) -> JsonErrorKind {
        JsonErrorKind::ALL[((self.packed >> POS_BITS) as usize).min(JsonErrorKind::ALL.len() - 1)]
    }

    pub(super) fn new(kind: JsonErrorKind, pos: usize) -> JsonError {
        let pos = (pos as u64).min((1 << POS_BITS) - 1);
        JsonError {
            packed: (kind as u64) << POS_BITS | pos,
        }
    }

    /// Byte offset where the error was found.
    ///
    /// ```
    /// use djsign::pyjson::from_slice;
    /// assert_eq!(from_slice(b"1 2").unwrap_err().position(), 2);
    /// ```
    pub fn position(&self) -> usize {
        (self.packed & ((1 << POS_BITS) - 1)) as usize
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind() {
            JsonErrorKind::ExpectingValue => "Expecting value",
            JsonErrorKind::ExtraData => "Extra data",
            JsonErrorKind::InvalidControlCharacter => "Invalid control character",
            JsonErrorKind::UnterminatedString => "Unterminated string starting",
            JsonErrorKind::InvalidEscape => "Invalid \\escape",
            JsonErrorKind::InvalidUnicodeEscape => "Invalid \\uXXXX escape",
            JsonErrorKind::ExpectingPropertyName => {
                "Expecting property name enclosed in double quotes"
            }
            JsonErrorKind::ExpectingColon => "Expecting ':' delimiter",
            JsonErrorKind::ExpectingComma => "Expecting ',' delimiter",
            JsonErrorKind::TooDeep => "JSON nested too deeply",
            JsonErrorKind::IntTooLarge => "integer has more than 4300 digits",
            JsonErrorKind::TooManyValues => "more values than the limit",
        };
        write!(f, "invalid JSON: {what} at byte {}", self.position())
    }
}

impl std::error::Error for JsonError {}

/// Parses JSON bytes as Django does: each byte is one latin-1 character, then Python's
/// `json.loads` rules (see the [module docs](super)). Nesting is limited to
/// [`DEFAULT_MAX_DEPTH`], the number of values to [`DEFAULT_MAX_VALUES`].
///
/// Memory: besides the returned value, which holds at most `max_values` values (a list
/// item takes 32 bytes, a dict entry 64, text up to twice its JSON bytes), the reader's
/// working buffers hold at most `2 * max_values` values and one string, so the peak is
/// bounded by both the input's length and the value limit (`tests/memory_bounds.rs`
/// measures it on the worst shapes).
///
/// ```
/// use djsign::pyjson::{from_slice, Value};
/// assert_eq!(from_slice(b" -0 ").unwrap(), Value::Int(0));
/// assert_eq!(from_slice(b"1e400").unwrap(), Value::Float(f64::INFINITY));
/// assert_eq!(from_slice(b"\"\xc3\xa9\"").unwrap(), Value::from("Ã©")); // latin-1, not UTF-8
/// assert!(from_slice(b"nan").is_err());
/// ```
pub fn from_slice(data: &[u8]) -> Result<Value, JsonError> {
    from_slice_with_depth(data, DEFAULT_MAX_DEPTH)
}

/// [`from_slice`] with a custom nesting limit.
///
/// ```
/// use djsign::pyjson::{from_slice_with_depth, JsonErrorKind};
/// assert!(from_slice_with_depth(b"[[1]]", 2).is_ok());
/// assert_eq!(from_slice_with_depth(b"[[[1]]]", 2).unwrap_err().kind(), JsonErrorKind::TooDeep);
/// ```
pub fn from_slice_with_depth(data: &[u8], max_depth: usize) -> Result<Value, JsonError> {
    from_slice_with_limits(data, max_depth, DEFAULT_MAX_VALUES)
}

/// [`from_slice`] with custom limits on nesting and on the number of values (every list
/// item, dict entry and the top-level value count one); beyond the latter the error is
/// [`JsonErrorKind::TooManyValues`].
///
/// ```
/// use djsign::pyjson::{from_slice_with_limits, JsonErrorKind, DEFAULT_MAX_DEPTH};
/// assert!(from_slice_with_limits(b"[1,[2]]", DEFAULT_MAX_DEPTH, 4).is_ok());
/// let e = from_slice_with_limits(b"[1,[2,3]]", DEFAULT_MAX_DEPTH, 4).unwrap_err();
/// assert_eq!(e.kind(), JsonErrorKind::TooManyValues);
/// ```
pub fn from_slice_with_limits(
    data: &[u8],
    max_depth: usize,
    max_values: usize,
) -> Result<Value, JsonError> {
    parse(data, max_depth, max_values, false)
}

/// Parses JSON *text*, as Python's `json.loads(text)` with `text` a `str`: what a person
/// types or a deployment sets (a command-line argument, an environment variable, a
/// settings file) is UTF-8, so `"é"` is one character. Only signed payload bytes follow
/// Django's latin-1 decoding ([`from_slice`]). Limits as [`from_slice`]; error positions
/// are byte offsets.
///
/// ```
/// use djsign::pyjson::{from_str, from_slice, Value};
/// assert_eq!(from_str(r#"{"n":"é"}"#)?.get("n"), Some(&Value::from("é")));
/// // The same bytes as a signed payload are two latin-1 characters, as in Django.
/// assert_eq!(from_slice(r#"{"n":"é"}"#.as_bytes())?.get("n"), Some(&Value::from("Ã©")));
/// # Ok::<(), djsign::pyjson::JsonError>(())
/// ```
pub fn from_str(text: &str) -> Result<Value, JsonError> {
    parse(text.as_bytes(), DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, true)
}

/// The reader; `utf8`: `data` is valid UTF-8 text whose non-ASCII characters are read as
/// such, instead of one latin-1 character per byte.
fn parse(data: &[u8], max_depth: usize, max_values: usize, utf8: bool) -> Result<Value, JsonError> {
    let mut p = Parser {
        b: data,
        utf8,
        pos: 0,
        depth: 0,
        max_depth,
        // The top-level value is the first.
        values_left: max_values,
        bufs: Loan::take(&BUFFERS),
        stashed: None,
        slow_string: super::PyString::default(),
    };
    p.skip_ws();
    p.charge(1)?;
    let v = p.value()?;
    p.skip_ws();
    if p.pos != data.len() {
        return Err(p.err(JsonErrorKind::ExtraData));
    }
    Ok(v)
}

/// The parser's working memory, kept per thread between calls (see [`crate::scratch`]).
#[derive(Default)]
struct Buffers {
    /// Items of the lists being parsed, innermost last (one buffer for all levels, so
    /// each finished list is allocated once, at its exact size).
    items: Vec<Value>,
    /// Entries of the dicts being parsed, likewise.
    entries: Vec<(super::PyString, Value)>,
    /// Where strings with escapes or non-ASCII text are decoded.
    escapes: Vec<u8>,
}

impl Reusable for Buffers {
    fn reset(&mut self) {
        self.items.clear();
        self.entries.clear();
        self.escapes.clear();
    }
    fn retained_bytes(&self) -> usize {
        self.items.retained_bytes() + self.entries.retained_bytes() + self.escapes.retained_bytes()
    }
}

thread_local! {
    static BUFFERS: Pool<Buffers> = const { RefCell::new(Vec::new()) };
}

/// Where [`Parser::container_into`] puts the container it parsed.
enum Dest {
    /// On the list items being parsed.
    Items,
    /// On the dict entries being parsed, under this key (not already among them).
    Entry(super::PyString),
}

struct Parser<'a> {
    b: &'a [u8],
    /// `b` is UTF-8 text (see [`from_str`]), not latin-1 bytes.
    utf8: bool,
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// Values that may still be added: each finished container is charged its items
    /// (or entries); those still on the working buffers are checked against it as they
    /// are pushed, so the buffers never outgrow the limit either.
    values_left: usize,
    bufs: Loan<Buffers>,
    /// The error of a failed [`Parser::string_or_stash`].
    stashed: Option<JsonError>,
    /// The last string built by [`Parser::other_string`].
    slow_string: super::PyString,
}

impl Parser<'_> {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError::new(kind, self.pos)
    }

    /// Takes `n` values from the budget.
    #[inline]
    fn charge(&mut self, n: usize) -> Result<(), JsonError> {
        match self.values_left.checked_sub(n) {
            Some(left) => {
                self.values_left = left;
                Ok(())
            }
            None => Err(self.too_many()),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_many(&self) -> JsonError {
        self.err(JsonErrorKind::TooManyValues)
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

    fn literal(&mut self, word: &[u8], v: Value) -> Result<Value, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err(JsonErrorKind::ExpectingValue))
        }
    }

    /// One value. Strings and short integers, most of a session's scalars, are parsed
    /// here, inlined into the loops of [`Self::array_items`] and [`Self::object_entries`]: a
    /// value returned through memory by an out-of-line call is read back piecewise before
    /// its stores have left the store buffer, which stalls the CPU on every value.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                Ok(Value::Str(self.string()?))
            }
            Some(b'0'..=b'9') => match self.short_int() {
                Some(v) => Ok(Value::Int(v)),
                None => self.number(),
            },
            _ => self.other_value(),
        }
    }

    /// A non-negative integer of at most 18 digits (so no overflow) that is not the
    /// integer part of a float, or `None` (nothing consumed) for any other number.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn short_int(&mut self) -> Option<i64> {
        let b = self.b;
        let mut i = self.pos;
        let mut v: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            v = v.wrapping_mul(10).wrapping_add((d - b'0') as i64);
            i += 1;
        }
        let digits = i - self.pos;
        let plain = digits <= 18 && (digits == 1 || b[self.pos] != b'0');
        if plain && !matches!(b.get(i), Some(b'.' | b'e' | b'E')) {
            self.pos = i;
            Some(v)
        } else {
            None
        }
    }

    /// Every value but a string or a short integer: containers, literals, other numbers.
    #[inline(never)]
    fn other_value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{' | b'[') => {
                self.container_into(Dest::Items)?;
                Ok(self.bufs.items.pop().unwrap_or(Value::Null))
            }
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'N') => self.literal(b"NaN", Value::Float(f64::NAN)),
            Some(b'I') => self.literal(b"Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if self.b[self.pos..].starts_with(b"-Infinity") => {
                self.pos += 9;
                Ok(Value::Float(f64::NEG_INFINITY))
            }
            _ => self.number(),
        }
    }

    /// Parses the list or dict at `self.pos` and pushes it onto `dest`, from here: a
    /// container returned to the caller would be copied out of this call's memory right
    /// after it was written, which stalls the CPU once per container.
    ///
    /// Each nesting level takes one frame of this function, the list and dict loops and
    /// the scalar parsers inlined (under 512 bytes in a release build: 1000 levels fit a
    /// 512 KiB stack). They are inlined only with optimizations on: unoptimized, one frame
    /// holding them all would take several kilobytes per level.
    #[inline(never)]
    fn container_into(&mut self, dest: Dest) -> Result<(), JsonError> {
        if self.depth >= self.max_depth {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        self.depth += 1;
        let open = self.peek();
        self.pos += 1;
        let (items, entries) = (self.bufs.items.len(), self.bufs.entries.len());
        let r = if open == Some(b'[') {
            self.array_items(items).map(Value::List)
        } else {
            self.object_entries(entries)
        };
        self.depth -= 1;
        let Ok(v) = r else {
            // What the failed container had parsed.
            self.bufs.items.truncate(items);
            self.bufs.entries.truncate(entries);
            return r.map(drop);
        };
        self.charge(match &v {
            Value::List(l) => l.len(),
            Value::Dict(d) => d.len(),
            _ => 0,
        })?;
        match dest {
            Dest::Items => self.bufs.items.push(v),
            Dest::Entry(key) => self.bufs.entries.push((key, v)),
        }
        Ok(())
    }

    #[inline(never)]
    fn number(&mut self) -> Result<Value, JsonError> {
        let n = scan_number(self.b, self.pos)?;
        self.pos = n.end;
        Ok(match n.value(self.b) {
            Number::Int(v) => Value::Int(v),
            Number::Big(text) => Value::BigInt(BigInt(text.into())),
            Number::Float(f) => Value::Float(f),
        })
    }

    /// Parses a string body; `self.pos` is just past the opening quote.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn string(&mut self) -> Result<super::PyString, JsonError> {
        match self.string_or_stash() {
            Some(s) => Ok(s),
            None => Err(self.stashed_error()),
        }
    }

    /// [`Self::string`], inlined into the loops that parse a session's strings: a short
    /// plain string is built in registers, from whole words of the input; every other
    /// string is left by [`Self::other_string`] in `self.slow_string` (its error in
    /// `self.stashed`). Returning either through one `Result` would merge them in
    /// memory, which the CPU reads back before the short string's stores complete.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn string_or_stash(&mut self) -> Option<super::PyString> {
        let b = self.b;
        // Fast path: printable ASCII up to the closing quote, eight bytes at a time.
        let i = super::scan::plain_run_end(b, self.pos, false);
        if b.get(i) == Some(&b'"') {
            if let Some(s) = super::PyString::inline_ascii_at(b, self.pos, i) {
                self.pos = i + 1;
                return Some(s);
            }
        }
        if self.other_string(i) {
            Some(std::mem::take(&mut self.slow_string))
        } else {
            None
        }
    }

    fn stashed_error(&mut self) -> JsonError {
        self.stashed
            .take()
            .unwrap_or(self.err(JsonErrorKind::ExpectingValue))
    }

    /// The strings [`Self::string_or_stash`] does not build: long, near the end of the
    /// input, with escapes or non-ASCII text (decoded into the parser's reusable
    /// buffer). `i` is the first byte after the plain run.
    #[inline(never)]
    fn other_string(&mut self, i: usize) -> bool {
        let b = self.b;
        let r = if b.get(i) == Some(&b'"') {
            // Plain ASCII (see `scan`).
            let s = std::str::from_utf8(&b[self.pos..i]).unwrap_or_default();
            self.pos = i + 1;
            Ok(super::PyString::from(s))
        } else {
            let mut out = StringBuilder::with_buffer(std::mem::take(&mut self.bufs.escapes));
            let r = decode_string(self.b, self.pos, i, self.utf8, &mut out);
            if let Ok(end) = r {
                self.pos = end;
            }
            let r = r.map(|_| out.to_py_string());
            self.bufs.escapes = out.into_buffer();
            r
        };
        match r {
            Ok(s) => {
                self.slow_string = s;
                true
            }
            Err(e) => {
                self.stashed = Some(e);
                false
            }
        }
    }

    /// Parses the items of a list onto `self.bufs.items` (above `base`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn array_items(&mut self, base: usize) -> Result<Vec<Value>, JsonError> {
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Vec::new());
        }
        loop {
            if let Some(b'[' | b'{') = self.peek() {
                self.container_into(Dest::Items)?;
            } else {
                let v = self.value()?;
                self.bufs.items.push(v);
            }
            if self.bufs.items.len() > self.values_left {
                return Err(self.too_many());
            }
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.bufs.items.split_off(base));
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(self.err(JsonErrorKind::ExpectingComma)),
            }
        }
    }

    /// The value of an entry [`Self::object_entries`] does not push: its key is already in
    /// the dict (the last value wins, at the first position, as in Python), or the dict
    /// has grown past 16 entries and moves to (or already is) the hash-indexed `large`.
    #[inline(never)]
    fn repeated_or_many(
        &mut self,
        base: usize,
        key: super::PyString,
        large: &mut Option<Dict>,
    ) -> Result<(), JsonError> {
        let value = self.value()?;
        if let Some(d) = large {
            d.insert(key, value);
            if d.len() > self.values_left {
                return Err(self.too_many());
            }
            return Ok(());
        }
        let frame = &mut self.bufs.entries[base..];
        if let Some(slot) = frame.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            let mut d: Dict = self.bufs.entries.drain(base..).collect();
            d.insert(key, value);
            *large = Some(d);
        }
        Ok(())
    }

    /// Parses the entries of an object onto `self.bufs.entries` (above `base`), switching to a
    /// hash-indexed [`Dict`] once it grows large, so duplicate detection stays linear.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn object_entries(&mut self, base: usize) -> Result<Value, JsonError> {
        let mut large: Option<Dict> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Dict(Dict::new()));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err(JsonErrorKind::ExpectingPropertyName));
            }
            self.pos += 1;
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err(JsonErrorKind::ExpectingColon));
            }
            self.pos += 1;
            self.skip_ws();
            let frame = &self.bufs.entries[base..];
            let fresh =
                large.is_none() && frame.len() < 16 && !frame.iter().any(|(k, _)| *k == key);
            if fresh {
                if let Some(b'[' | b'{') = self.peek() {
                    self.container_into(Dest::Entry(key))?;
                } else {
                    let value = self.value()?;
                    self.bufs.entries.push((key, value));
                }
            } else {
                self.repeated_or_many(base, key, &mut large)?;
            }
            if self.bufs.entries.len() > self.values_left {
                return Err(self.too_many());
            }
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Dict(match large {
                        Some(d) => d,
                        None => Dict::from_distinct(self.bufs.entries.split_off(base)),
                    }));
                }
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                _ => return Err(self.err(JsonErrorKind::ExpectingComma)),
            }
        }
    }
}

/// Decodes a string body whose first byte that is not plain ASCII is at `i`, into `out`
/// (empty); `body` is the first byte after the opening quote. Returns the position after
/// the closing quote. `utf8`: non-ASCII bytes are UTF-8 text (see [`from_str`]), not one
/// latin-1 character each.
#[inline]
pub(super) fn decode_string(
    b: &[u8],
    body: usize,
    mut i: usize,
    utf8: bool,
    out: &mut StringBuilder,
) -> Result<usize, JsonError> {
    let start = body - 1;
    let unterminated = || JsonError::new(JsonErrorKind::UnterminatedString, start);
    // Plain runs are ASCII (see `scan`).
    out.push_ascii(&b[body..i]);
    loop {
        let run_start = i;
        i = super::scan::plain_run_end(b, i, false);
        out.push_ascii(&b[run_start..i]);
        match b.get(i) {
            None => return Err(unterminated()),
            Some(b'"') => return Ok(i + 1),
            Some(&c) if c >= 0x80 && utf8 => {
                // `b` came from a `str`: a lead byte gives the character's length.
                let len = match c {
                    0xf0.. => 4,
                    0xe0.. => 3,
                    _ => 2,
                };
                let text = b.get(i..i + len).and_then(|t| std::str::from_utf8(t).ok());
                for ch in text.unwrap_or("\u{fffd}").chars() {
                    out.push_char(ch);
                }
                i += len;
            }
            Some(&c) if c >= 0x80 => {
                out.push_char(char::from(c));
                i += 1;
            }
            Some(b'\\') => {
                i += 1;
                let Some(&esc) = b.get(i) else {
                    return Err(unterminated());
                };
                let simple = match esc {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let (cp, end) = unicode_escape(b, i + 1)?;
                        i = end;
                        // Every value below 0x110000 is a char or a surrogate.
                        let _ = out.push_code_point(cp);
                        continue;
                    }
                    _ => return Err(JsonError::new(JsonErrorKind::InvalidEscape, i - 1)),
                };
                out.push_char(simple);
                i += 1;
            }
            Some(_) => return Err(JsonError::new(JsonErrorKind::InvalidControlCharacter, i)),
        }
    }
}

/// The code point of the `\uXXXX` escape whose hex digits start at `at`, joined with a
/// following low-surrogate escape as Python joins them; and the position after it.
pub(super) fn unicode_escape(b: &[u8], at: usize) -> Result<(u32, usize), JsonError> {
    let mut cp = hex4(b, at)?;
    let mut end = at + 4;
    if (0xD800..=0xDBFF).contains(&cp)
        && b.get(end) == Some(&b'\\')
        && b.get(end + 1) == Some(&b'u')
        && end + 6 < b.len()
    {
        let lo = hex4(b, end + 2)?;
        if (0xDC00..=0xDFFF).contains(&lo) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            end += 6;
        }
    }
    Ok((cp, end))
}

fn hex4(b: &[u8], at: usize) -> Result<u32, JsonError> {
    let mut v = 0u32;
    for k in 0..4 {
        let d = match b.get(at + k) {
            Some(&c @ b'0'..=b'9') => c - b'0',
            Some(&c @ b'a'..=b'f') => c - b'a' + 10,
            Some(&c @ b'A'..=b'F') => c - b'A' + 10,
            _ => return Err(JsonError::new(JsonErrorKind::InvalidUnicodeEscape, at - 1)),
        };
        v = (v << 4) | d as u32;
    }
    Ok(v)
}

/// Where a number's parts lie in the input, as [`scan_number`] found them.
pub(super) struct NumberText {
    start: usize,
    int_start: usize,
    int_end: usize,
    /// The position after the number.
    pub(super) end: usize,
    is_float: bool,
}

/// A number's value, as Python's `json` reads it.
pub(super) enum Number<'a> {
    Int(i64),
    /// An integer beyond `i64`, as its digits (and sign).
    Big(&'a str),
    Float(f64),
}

/// Finds the extent of the number at `start` (Python's `NUMBER_RE`); integers of more
/// than [`MAX_INT_DIGITS`] digits are refused as Python refuses them.
#[inline]
pub(super) fn scan_number(b: &[u8], start: usize) -> Result<NumberText, JsonError> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
        }
        _ => return Err(JsonError::new(JsonErrorKind::ExpectingValue, start)),
    }
    let int_end = i;
    let mut is_float = false;
    if b.get(i) == Some(&b'.') && matches!(b.get(i + 1), Some(b'0'..=b'9')) {
        i += 2;
        while let Some(b'0'..=b'9') = b.get(i) {
            i += 1;
        }
        is_float = true;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        let mut j = i + 1;
        if let Some(b'+' | b'-') = b.get(j) {
            j += 1;
        }
        if let Some(b'0'..=b'9') = b.get(j) {
            while let Some(b'0'..=b'9') = b.get(j) {
                j += 1;
            }
            i = j;
            is_float = true;
        }
    }
    if !is_float && int_end - int_start > MAX_INT_DIGITS {
        return Err(JsonError::new(JsonErrorKind::IntTooLarge, start));
    }
    Ok(NumberText {
        start,
        int_start,
        int_end,
        end: i,
        is_float,
    })
}

impl NumberText {
    /// The number's value; `b` is the input [`scan_number`] read.
    #[inline]
    pub(super) fn value<'a>(&self, b: &'a [u8]) -> Number<'a> {
        let digits = &b[self.int_start..self.int_end];
        let neg = self.int_start > self.start;
        if !self.is_float && digits.len() <= 18 {
            let v = digits
                .iter()
                .fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
            return Number::Int(if neg { -v } else { v });
        }
        let raw = &b[self.start..self.end];
        if self.is_float {
            if let Some(f) = exact_float(raw) {
                return Number::Float(f);
            }
        }
        // The slice is ASCII digits, signs, '.' and 'e' only.
        let text = std::str::from_utf8(raw).unwrap_or("0");
        if self.is_float {
            return Number::Float(text.parse().unwrap_or(f64::NAN));
        }
        match text.parse::<i64>() {
            Ok(v) => Number::Int(v),
            Err(_) => Number::Big(text),
        }
    }
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The common short decimals (prices, coordinates) without the general parser: when the
/// digits form an integer `m` ≤ 2^53 and the decimal exponent `e` is within ±22, both `m`
/// and `10^|e|` are exact in an `f64`, so one multiplication or division, which IEEE 754
/// rounds correctly, gives the correctly rounded value, as Python's `float()` does
/// (Clinger's fast path). `None` for everything else. `text` is a JSON number with a
/// fraction or an exponent, already checked.
fn exact_float(text: &[u8]) -> Option<f64> {
    let (neg, mut i) = match text.first() {
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let (mut m, mut scale, mut in_fraction) = (0u64, 0i32, false);
    while let Some(&c) = text.get(i) {
        match c {
            b'0'..=b'9' => {
                m = m.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                scale -= i32::from(in_fraction);
            }
            b'.' => in_fraction = true,
            _ => break,
        }
        i += 1;
    }
    if m > 1 << 53 {
        return None;
    }
    if let Some(b'e' | b'E') = text.get(i) {
        i += 1;
        let negative_exponent = text.get(i) == Some(&b'-');
        if matches!(text.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = text.get(i..)?;
        if digits.is_empty() || digits.len() > 3 {
            return None;
        }
        let e = digits
            .iter()
            .fold(0i32, |e, &d| e * 10 + i32::from(d - b'0'));
        scale += if negative_exponent { -e } else { e };
    } else if i != text.len() {
        return None;
    }
    let m = m as f64;
    let v = if scale >= 0 {
        m * EXACT_POW10.get(scale as usize)?
    } else {
        m / EXACT_POW10.get(scale.unsigned_abs() as usize)?
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::{JsonError, JsonErrorKind, exact_float};

    /// The packed error gives back every kind and position it was made with.
    #[test]
    fn errors_keep_their_kind_and_position() {
        for (i, &kind) in JsonErrorKind::ALL.iter().enumerate() {
            assert_eq!(kind as usize, i, "ALL is in discriminant order");
            for pos in [0, 1, 4300, usize::MAX >> 8] {
                let e = JsonError::new(kind, pos);
                assert_eq!((e.kind(), e.position()), (kind, pos));
            }
        }
        assert_eq!(
            format!("{:?}", JsonError::new(JsonErrorKind::ExpectingColon, 7)),
            "JsonError { kind: ExpectingColon, pos: 7 }"
        );
    }

    /// The fast path agrees bit for bit with the general parser wherever it answers, and
    /// answers for the short decimals it is for.
    #[test]
    fn exact_float_matches_the_general_parser() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut answered = 0;
        for k in 0..200_000u64 {
            let r = next();
            let int = r % [10, 1000, 100_000, 10_000_000_000, u64::MAX][(k % 5) as usize];
            let frac_digits = (r >> 40) % 20;
            let frac = next() % 10u64.pow((frac_digits % 19) as u32).max(1);
            let mut text = format!("{}{int}", if r & 1 == 1 { "-" } else { "" });
            if frac_digits > 0 || k % 7 != 0 {
                text += &format!(".{frac:0width$}", width = frac_digits.max(1) as usize);
            }
            if k % 3 == 0 {
                let e = (next() % 60) as i64 - 30;
                text += &format!("{}{e}", ["e", "E"][(k % 2) as usize]);
            }
            let want: f64 = text.parse().expect("valid");
            if let Some(got) = exact_float(text.as_bytes()) {
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
                answered += 1;
            }
        }
        assert!(answered > 50_000, "{answered}");
        for (text, want) in [
            ("24.9", Some(24.9)),
            ("-0.0", Some(-0.0)),
            ("0.1e1", Some(1.0)),
            ("1e22", Some(1e22)),
            ("1e23", None),
            ("9007199254740993.0", None),
            ("1.5E-3", Some(0.0015)),
            ("2e0001", None),
        ] {
            let got = exact_float(text.as_bytes());
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{text}");
        }
    }
}
