//! The dynamic value type: what Python's `json.loads` can return.

use std::fmt;
use std::hash::{Hash, Hasher};

use indexmap::{Equivalent, IndexMap};

/// A Python `str`: any sequence of code points, lone surrogates included.
///
/// Python strings may hold unpaired surrogates (`"\ud800"` is valid JSON for Python and
/// Django signs it), which a Rust `String` cannot. A `PyString` is a `String` when it can be
/// one (always, for text that did not come from a `\uD8xx` escape) and WTF-8 bytes
/// otherwise, so every value Django can produce survives a round trip.
///
/// ```
/// use djsign::pyjson::PyString;
/// let s = PyString::from("héllo");
/// assert_eq!(s.as_str(), Some("héllo"));
/// let lone = PyString::from_code_points([0x61, 0xD800]).unwrap();
/// assert_eq!(lone.as_str(), None);
/// assert_eq!(lone.to_string_lossy(), "a\u{FFFD}");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PyString(Repr);

/// Strings up to this many bytes are stored inline, without an allocation.
const INLINE: usize = 23;

/// Canonical: text of at most [`INLINE`] bytes is always `Inline` (zero-padded), longer
/// text always `Heap`, and `Wtf8` only holds strings with a lone surrogate; so derived
/// equality is content equality.
#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Inline(Inline),
    Heap(Box<str>),
    /// Generalised UTF-8 holding at least one surrogate code point.
    Wtf8(Box<[u8]>),
}

/// The text of a short string, zero-padded, with its length in the last byte. Built and
/// copied as three whole words: the JSON reader assembles it from word loads of its
/// input, and a copy that reads a word written by several narrower stores (a text array
/// and a separate length field) stalls the CPU until they complete, on every string.
#[derive(Clone, Eq)]
#[repr(C, align(8))]
struct Inline([u8; INLINE + 1]);

impl PartialEq for Inline {
    /// Word by word, as the text was written (see [`Inline`]).
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        (0..3).all(|k| self.word(k) == other.word(k))
    }
}

impl Inline {
    #[inline(always)]
    fn word(&self, k: usize) -> u64 {
        u64::from_le_bytes(self.0[8 * k..8 * k + 8].try_into().unwrap_or([0; 8]))
    }

    /// The text of `words` (little-endian, zero past `len`), which is at most [`INLINE`]
    /// bytes long.
    #[inline(always)]
    fn from_words(words: [u64; 3], len: usize) -> Inline {
        let mut b = [0u8; INLINE + 1];
        b[..8].copy_from_slice(&words[0].to_le_bytes());
        b[8..16].copy_from_slice(&words[1].to_le_bytes());
        b[16..].copy_from_slice(&(words[2] | (len.min(INLINE) as u64) << 56).to_le_bytes());
        Inline(b)
    }

    /// `text` must be at most [`INLINE`] bytes long.
    fn new(text: &[u8]) -> Inline {
        let mut b = [0u8; INLINE + 1];
        let len = text.len().min(INLINE);
        b[..len].copy_from_slice(&text[..len]);
        b[INLINE] = len as u8;
        Inline(b)
    }

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        &self.0[..(self.0[INLINE] as usize).min(INLINE)]
    }
}

/// Word `k` of `window` (24 bytes), keeping only the bytes below `len`.
#[inline(always)]
fn masked_word(window: &[u8], k: usize, len: usize) -> u64 {
    let w = u64::from_le_bytes(window[8 * k..8 * k + 8].try_into().unwrap_or([0; 8]));
    let keep = len.saturating_sub(8 * k).min(8);
    if keep == 8 {
        w
    } else {
        w & ((1u64 << (8 * keep)) - 1)
    }
}

impl PartialOrd for PyString {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyString {
    /// Code point order (WTF-8 byte order is code point order).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.wtf8_bytes().cmp(other.wtf8_bytes())
    }
}

impl PyString {
    /// Builds a string from code points (`None` if one exceeds U+10FFFF).
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from_code_points([0x1F600]).unwrap().as_str(), Some("😀"));
    /// assert!(PyString::from_code_points([0x110000]).is_none());
    /// ```
    pub fn from_code_points<I: IntoIterator<Item = u32>>(cps: I) -> Option<PyString> {
        let mut b = StringBuilder::default();
        for cp in cps {
            b.push_code_point(cp)?;
        }
        Some(b.finish())
    }

    /// The text, if it holds no lone surrogate.
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("x").as_str(), Some("x"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            // Inline bytes are always valid UTF-8 (see `Repr`).
            Repr::Inline(inline) => std::str::from_utf8(inline.bytes()).ok(),
            Repr::Heap(s) => Some(s),
            Repr::Wtf8(_) => None,
        }
    }

    /// The text with every lone surrogate replaced by U+FFFD.
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("x").to_string_lossy(), "x");
    /// ```
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        if let Some(s) = self.as_str() {
            return std::borrow::Cow::Borrowed(s);
        }
        match &self.0 {
            Repr::Inline(_) | Repr::Heap(_) => std::borrow::Cow::Borrowed(""),
            Repr::Wtf8(_) => std::borrow::Cow::Owned(
                self.code_points()
                    .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                    .collect(),
            ),
        }
    }

    /// The code points, as Python iterates a `str`.
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("é😀").code_points().collect::<Vec<_>>(), [0xE9, 0x1F600]);
    /// ```
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        WtfChars {
            bytes: self.wtf8_bytes(),
            pos: 0,
        }
    }

    /// Number of code points (Python's `len(s)`).
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("é😀").len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self.as_str() {
            Some(s) => s.chars().count(),
            None => self.code_points().count(),
        }
    }

    /// Whether the string is empty.
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert!(PyString::from("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.wtf8_bytes().is_empty()
    }

    /// The generalised UTF-8 bytes (plain UTF-8 when [`as_str`](Self::as_str) is `Some`).
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("é").wtf8_bytes(), "é".as_bytes());
    /// ```
    pub fn wtf8_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(inline) => inline.bytes(),
            Repr::Heap(s) => s.as_bytes(),
            Repr::Wtf8(b) => b,
        }
    }

    /// Converts into a `String`, if it holds no lone surrogate.
    ///
    /// ```
    /// # use djsign::pyjson::PyString;
    /// assert_eq!(PyString::from("x").into_string().unwrap(), "x");
    /// ```
    pub fn into_string(self) -> Result<String, PyString> {
        match self.0 {
            Repr::Heap(s) => Ok(s.into_string()),
            Repr::Inline(_) => Ok(self.as_str().unwrap_or_default().to_owned()),
            other => Err(PyString(other)),
        }
    }

    /// The text `b[start..end]`, which the caller has checked is ASCII, if it is at most
    /// 23 bytes long and `b` has 24 bytes from `start`: assembled from three word loads
    /// of `b`, masked to its length (copying a variable length into the inline buffer
    /// writes it byte by byte, and reading it back as words right after stalls the CPU
    /// until those stores complete, on every string of a session).
    #[inline(always)]
    pub(crate) fn inline_ascii_at(b: &[u8], start: usize, end: usize) -> Option<PyString> {
        let len = end - start;
        let window = b.get(start..start + 24).filter(|_| len <= INLINE)?;
        let word = |k: usize| masked_word(window, k, len);
        Some(PyString(Repr::Inline(Inline::from_words(
            [word(0), word(1), word(2)],
            len,
        ))))
    }

    /// A string from text (no allocation up to 23 bytes).
    pub(crate) fn from_text(s: &str) -> PyString {
        if s.len() <= INLINE {
            PyString(Repr::Inline(Inline::new(s.as_bytes())))
        } else {
            PyString(Repr::Heap(s.into()))
        }
    }
}

/// The empty string.
///
/// ```
/// assert_eq!(djsign::pyjson::PyString::default().as_str(), Some(""));
/// ```
impl Default for PyString {
    fn default() -> Self {
        PyString(Repr::Inline(Inline::new(b"")))
    }
}

impl Hash for PyString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.wtf8_bytes().hash(state)
    }
}

/// Lets a `Dict` be indexed by `&str` (hashes the same bytes as [`PyString`]).
#[derive(Hash)]
struct StrKey<'a>(&'a [u8]);

impl Equivalent<PyString> for StrKey<'_> {
    fn equivalent(&self, key: &PyString) -> bool {
        self.0 == key.wtf8_bytes()
    }
}

impl From<&str> for PyString {
    fn from(s: &str) -> Self {
        PyString::from_text(s)
    }
}

impl From<String> for PyString {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            PyString::from_text(&s)
        } else {
            PyString(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl fmt::Debug for PyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => {
                f.write_str("\"")?;
                for cp in self.code_points() {
                    match char::from_u32(cp) {
                        Some(c) => write!(f, "{}", c.escape_debug())?,
                        None => write!(f, "\\u{{{cp:x}}}")?,
                    }
                }
                f.write_str("\"")
            }
        }
    }
}

impl fmt::Display for PyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl PartialEq<str> for PyString {
    fn eq(&self, other: &str) -> bool {
        self.wtf8_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for PyString {
    fn eq(&self, other: &&str) -> bool {
        self.wtf8_bytes() == other.as_bytes()
    }
}

struct WtfChars<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for WtfChars<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let b = self.bytes;
        let i = self.pos;
        let b0 = *b.get(i)? as u32;
        let cont = |k: usize| (b.get(i + k).copied().unwrap_or(0x80) & 0x3f) as u32;
        let (cp, n) = if b0 < 0x80 {
            (b0, 1)
        } else if b0 < 0xe0 {
            (((b0 & 0x1f) << 6) | cont(1), 2)
        } else if b0 < 0xf0 {
            (((b0 & 0x0f) << 12) | (cont(1) << 6) | cont(2), 3)
        } else {
            (
                ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
                4,
            )
        };
        self.pos = i + n;
        Some(cp)
    }
}

/// Builds a [`PyString`] piece by piece, as generalised UTF-8 (WTF-8) bytes: UTF-8 until
/// the first lone surrogate. The bytes are checked once, when the string is taken out,
/// not per piece.
#[derive(Default)]
pub(crate) struct StringBuilder {
    bytes: Vec<u8>,
    /// Whether `bytes` holds a surrogate code point (and so is not UTF-8).
    surrogate: bool,
}

impl StringBuilder {
    /// Appends bytes the caller has checked are ASCII.
    pub(crate) fn push_ascii(&mut self, ascii: &[u8]) {
        debug_assert!(ascii.is_ascii());
        self.bytes.extend_from_slice(ascii);
    }

    pub(crate) fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    pub(crate) fn push_code_point(&mut self, cp: u32) -> Option<()> {
        if let Some(c) = char::from_u32(cp) {
            self.push_char(c);
            return Some(());
        }
        if !(0xD800..=0xDFFF).contains(&cp) {
            return None;
        }
        self.surrogate = true;
        self.bytes.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
        Some(())
    }

    /// An empty builder writing into `buffer`'s memory.
    pub(crate) fn with_buffer(mut buffer: Vec<u8>) -> StringBuilder {
        buffer.clear();
        StringBuilder {
            bytes: buffer,
            surrogate: false,
        }
    }

    /// The text built so far, if it holds no lone surrogate.
    pub(crate) fn as_str(&self) -> Option<&str> {
        if self.surrogate {
            return None;
        }
        std::str::from_utf8(&self.bytes).ok()
    }

    /// Empties the builder, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.surrogate = false;
    }

    /// The builder's memory, for reuse.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.bytes
    }

    /// The string built so far (copied out, so the builder can be reused).
    pub(crate) fn to_py_string(&self) -> PyString {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) if !self.surrogate => PyString::from_text(text),
            _ => PyString(Repr::Wtf8(self.bytes.as_slice().into())),
        }
    }

    pub(crate) fn finish(self) -> PyString {
        if self.surrogate {
            return PyString(Repr::Wtf8(self.bytes.into_boxed_slice()));
        }
        match String::from_utf8(self.bytes) {
            Ok(text) => PyString::from(text),
            Err(e) => PyString(Repr::Wtf8(e.into_bytes().into_boxed_slice())),
        }
    }
}

/// A Python integer too large for `i64`, kept exactly as its canonical decimal digits.
///
/// ```
/// use djsign::pyjson::{from_slice, Value};
/// let v = from_slice(b"12345678901234567890123456789").unwrap();
/// match v {
///     Value::BigInt(n) => assert_eq!(n.as_str(), "12345678901234567890123456789"),
///     _ => unreachable!(),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BigInt(pub(crate) Box<str>);

impl BigInt {
    /// The decimal digits, with a leading `-` for negative numbers.
    ///
    /// ```
    /// # use djsign::pyjson::BigInt;
    /// assert_eq!(BigInt::parse("-99999999999999999999").unwrap().as_str(), "-99999999999999999999");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a decimal integer (optional `-`, digits); `None` if it is not one.
    /// Leading zeros are dropped and `-0` becomes `0`, as Python's `int`.
    ///
    /// ```
    /// # use djsign::pyjson::BigInt;
    /// assert_eq!(BigInt::parse("-000").unwrap().as_str(), "0");
    /// assert!(BigInt::parse("1.5").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<BigInt> {
        let (neg, digits) = match s.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, s),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        Some(BigInt(match (trimmed.is_empty(), neg) {
            (true, _) => "0".into(),
            (false, true) => format!("-{trimmed}").into(),
            (false, false) => trimmed.into(),
        }))
    }

    /// The value as an `i128`, if it fits.
    ///
    /// ```
    /// # use djsign::pyjson::BigInt;
    /// assert_eq!(BigInt::parse("18446744073709551616").unwrap().to_i128(), Some(1 << 64));
    /// ```
    pub fn to_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }

    /// The value as the nearest float (Python's `float(n)`), infinite when out of range.
    ///
    /// ```
    /// # use djsign::pyjson::BigInt;
    /// assert_eq!(BigInt::parse("100000000000000000000").unwrap().to_f64(), 1e20);
    /// ```
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

/// Dicts up to this many entries are kept as a plain vector (linear lookups beat hashing
/// at this size); larger ones get a hash index, so no input makes insertion quadratic.
const SMALL_DICT: usize = 16;

/// A Python `dict` with string keys, in insertion order.
///
/// Inserting an existing key replaces its value and keeps its position; removing a key
/// keeps the order of the others, as Python does. Equality ignores order, as Python's.
///
/// ```
/// use djsign::pyjson::{Dict, Value};
/// let mut d = Dict::new();
/// d.insert("b", Value::Int(1));
/// d.insert("a", Value::Int(2));
/// d.insert("b", Value::Int(3));
/// assert_eq!(d.keys().map(|k| k.to_string()).collect::<Vec<_>>(), ["b", "a"]);
/// assert_eq!(d.get("b"), Some(&Value::Int(3)));
/// ```
#[derive(Clone, Default)]
pub struct Dict(DictRepr);

#[derive(Clone)]
enum DictRepr {
    Small(Vec<(PyString, Value)>),
    Large(Box<IndexMap<PyString, Value>>),
}

impl Default for DictRepr {
    fn default() -> Self {
        DictRepr::Small(Vec::new())
    }
}

impl PartialEq for Dict {
    fn eq(&self, other: &Dict) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get_bytes(k.wtf8_bytes()) == Some(v))
    }
}

impl fmt::Debug for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Dict {
    /// A dict from entries whose keys are known to be distinct.
    pub(crate) fn from_distinct(entries: Vec<(PyString, Value)>) -> Dict {
        if entries.len() <= SMALL_DICT {
            Dict(DictRepr::Small(entries))
        } else {
            Dict(DictRepr::Large(Box::new(entries.into_iter().collect())))
        }
    }

    /// An empty dict.
    ///
    /// ```
    /// assert!(djsign::pyjson::Dict::new().is_empty());
    /// ```
    pub fn new() -> Dict {
        Dict::default()
    }

    /// An empty dict with room for `n` entries.
    ///
    /// ```
    /// assert!(djsign::pyjson::Dict::with_capacity(4).is_empty());
    /// ```
    pub fn with_capacity(n: usize) -> Dict {
        if n <= SMALL_DICT {
            Dict(DictRepr::Small(Vec::with_capacity(n)))
        } else {
            Dict(DictRepr::Large(Box::new(IndexMap::with_capacity(n))))
        }
    }

    fn get_bytes(&self, key: &[u8]) -> Option<&Value> {
        match &self.0 {
            DictRepr::Small(v) => v
                .iter()
                .find(|(k, _)| k.wtf8_bytes() == key)
                .map(|(_, v)| v),
            DictRepr::Large(m) => m.get(&StrKey(key)),
        }
    }

    /// The value under `key`.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Null);
    /// assert_eq!(d.get("k"), Some(&Value::Null));
    /// assert_eq!(d.get("x"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_bytes(key.as_bytes())
    }

    /// The value under `key`, mutably.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("n", Value::Int(1));
    /// *d.get_mut("n").unwrap() = Value::Int(2);
    /// assert_eq!(d.get("n"), Some(&Value::Int(2)));
    /// ```
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match &mut self.0 {
            DictRepr::Small(v) => v
                .iter_mut()
                .find(|(k, _)| k.wtf8_bytes() == key.as_bytes())
                .map(|(_, v)| v),
            DictRepr::Large(m) => m.get_mut(&StrKey(key.as_bytes())),
        }
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Null);
    /// assert!(d.contains_key("k"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, returning the previous value. An existing key keeps its
    /// position.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// assert_eq!(d.insert("k", Value::Int(1)), None);
    /// assert_eq!(d.insert("k", Value::Int(2)), Some(Value::Int(1)));
    /// ```
    pub fn insert(&mut self, key: impl Into<PyString>, value: Value) -> Option<Value> {
        let key = key.into();
        match &mut self.0 {
            DictRepr::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| *k == key) {
                    return Some(std::mem::replace(&mut slot.1, value));
                }
                if v.len() < SMALL_DICT {
                    v.push((key, value));
                    return None;
                }
                let mut m: IndexMap<PyString, Value> = std::mem::take(v).into_iter().collect();
                m.insert(key, value);
                self.0 = DictRepr::Large(Box::new(m));
                None
            }
            DictRepr::Large(m) => m.insert(key, value),
        }
    }

    /// Removes `key`, keeping the order of the remaining entries.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("a", Value::Int(1));
    /// d.insert("b", Value::Int(2));
    /// d.insert("c", Value::Int(3));
    /// assert_eq!(d.remove("a"), Some(Value::Int(1)));
    /// assert_eq!(d.keys().map(|k| k.to_string()).collect::<String>(), "bc");
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        match &mut self.0 {
            DictRepr::Small(v) => {
                let at = v
                    .iter()
                    .position(|(k, _)| k.wtf8_bytes() == key.as_bytes())?;
                Some(v.remove(at).1)
            }
            DictRepr::Large(m) => m.shift_remove(&StrKey(key.as_bytes())),
        }
    }

    /// Number of entries.
    ///
    /// ```
    /// assert_eq!(djsign::pyjson::Dict::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        match &self.0 {
            DictRepr::Small(v) => v.len(),
            DictRepr::Large(m) => m.len(),
        }
    }

    /// Whether there are no entries.
    ///
    /// ```
    /// assert!(djsign::pyjson::Dict::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Null);
    /// d.clear();
    /// assert!(d.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.0 = DictRepr::Small(Vec::new());
    }

    /// The entries in insertion order.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Bool(true));
    /// assert_eq!(d.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> DictIter<'_> {
        match &self.0 {
            DictRepr::Small(v) => DictIter(IterRepr::Small(v.iter())),
            DictRepr::Large(m) => DictIter(IterRepr::Large(m.iter())),
        }
    }

    /// The keys in insertion order.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Null);
    /// assert_eq!(d.keys().next().unwrap(), "k");
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &PyString> {
        self.iter().map(|(k, _)| k)
    }

    /// The values in insertion order.
    ///
    /// ```
    /// # use djsign::pyjson::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert("k", Value::Null);
    /// assert_eq!(d.values().next(), Some(&Value::Null));
    /// ```
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> {
        self.iter().map(|(_, v)| v)
    }
}

/// Iterator over a [`Dict`]'s entries, in insertion order.
///
/// ```
/// let d: djsign::pyjson::Dict = [("a", 1.into())].into_iter().collect();
/// assert_eq!(d.iter().len(), 1);
/// ```
pub struct DictIter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Small(std::slice::Iter<'a, (PyString, Value)>),
    Large(indexmap::map::Iter<'a, PyString, Value>),
}

impl<'a> Iterator for DictIter<'a> {
    type Item = (&'a PyString, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(it) => it.next().map(|(k, v)| (k, v)),
            IterRepr::Large(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Small(it) => it.size_hint(),
            IterRepr::Large(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for DictIter<'_> {}

/// Owning iterator over a [`Dict`]'s entries, in insertion order.
///
/// ```
/// let d: djsign::pyjson::Dict = [("a", 1.into())].into_iter().collect();
/// let (k, v) = d.into_iter().next().unwrap();
/// assert_eq!((k.to_string(), v), ("a".to_string(), 1.into()));
/// ```
pub struct DictIntoIter(IntoIterRepr);

enum IntoIterRepr {
    Small(std::vec::IntoIter<(PyString, Value)>),
    Large(indexmap::map::IntoIter<PyString, Value>),
}

impl Iterator for DictIntoIter {
    type Item = (PyString, Value);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Small(it) => it.next(),
            IntoIterRepr::Large(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IntoIterRepr::Small(it) => it.size_hint(),
            IntoIterRepr::Large(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for DictIntoIter {}

impl IntoIterator for Dict {
    type Item = (PyString, Value);
    type IntoIter = DictIntoIter;

    fn into_iter(self) -> DictIntoIter {
        match self.0 {
            DictRepr::Small(v) => DictIntoIter(IntoIterRepr::Small(v.into_iter())),
            DictRepr::Large(m) => DictIntoIter(IntoIterRepr::Large((*m).into_iter())),
        }
    }
}

impl<'a> IntoIterator for &'a Dict {
    type Item = (&'a PyString, &'a Value);
    type IntoIter = DictIter<'a>;

    fn into_iter(self) -> DictIter<'a> {
        self.iter()
    }
}

impl<K: Into<PyString>> FromIterator<(K, Value)> for Dict {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut d = Dict::new();
        for (k, v) in iter {
            d.insert(k, v);
        }
        d
    }
}

/// Any value Python's `json.loads` returns.
///
/// ```
/// use djsign::pyjson::{from_slice, to_vec, Value};
/// let v = from_slice(br#"{"b":[1,2.5,null,true],"a":NaN}"#).unwrap();
/// assert!(matches!(v.get("b"), Some(Value::List(l)) if l.len() == 4));
/// assert_eq!(to_vec(&v), br#"{"b":[1,2.5,null,true],"a":NaN}"#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None` / `null`.
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// An `int` that does not.
    BigInt(BigInt),
    /// A `float`, including NaN and the infinities.
    Float(f64),
    /// A `str`.
    Str(PyString),
    /// A `list` (JSON array).
    List(Vec<Value>),
    /// A `dict` (JSON object).
    Dict(Dict),
}

impl Value {
    /// The entry `key` of a dict value.
    ///
    /// ```
    /// # use djsign::pyjson::from_slice;
    /// let v = from_slice(br#"{"a":1}"#).unwrap();
    /// assert_eq!(v.get("a").and_then(|a| a.as_i64()), Some(1));
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(d) => d.get(key),
            _ => None,
        }
    }

    /// The text of a string value without lone surrogates.
    ///
    /// ```
    /// # use djsign::pyjson::Value;
    /// assert_eq!(Value::from("x").as_str(), Some("x"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => s.as_str(),
            _ => None,
        }
    }

    /// An integer value that fits in `i64`.
    ///
    /// ```
    /// # use djsign::pyjson::Value;
    /// assert_eq!(Value::Int(3).as_i64(), Some(3));
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The Python type name of the value (`"dict"`, `"str"`, …).
    ///
    /// ```
    /// # use djsign::pyjson::Value;
    /// assert_eq!(Value::Null.type_name(), "NoneType");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s.into())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Dict> for Value {
    fn from(d: Dict) -> Self {
        Value::Dict(d)
    }
}

impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l)
    }
}
