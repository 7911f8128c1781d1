//! Python pickles of session data, as Django's cache backends store them.
//!
//! Django's `cache` and `cached_db` session engines put the session *dict itself* in the
//! cache, and the cache backends pickle it (`pickle.HIGHEST_PROTOCOL`: 5 on Python 3.8+).
//! This module reads pickles of protocols 0–5 that hold what a JSON-serialized session can
//! hold (`dict` with `str` keys, `list`, `tuple` (read as a list), `str`, `int` of any size,
//! `float`, `bool`, `None`) into [`Value`], and writes protocol-5 pickles of a [`Value`]
//! byte for byte as CPython's pickler writes a value built of distinct objects (one frame,
//! `MEMOIZE` after every container and string, batches of 1000, memo references for the
//! strings CPython shares: empty and one Latin-1 character). `tests/pickle.rs` checks both
//! against pickles Python wrote (`django/generate/generate_pickles.py`).
//!
//! Why by hand: a generic pickle value type keys dicts by a sorted map, losing the entry
//! order that Django's JSON (and so the `cached_db` row) depends on, and does not produce
//! CPython's exact bytes. This reader never imports or calls anything — any
//! `GLOBAL`/`REDUCE`/object opcode is a [`PickleError::Unsupported`] naming the class —
//! and bounds its work and memory by the input size: shared references are copied within
//! a budget of bytes ([`value_budget`]), so a small pickle cannot expand into a huge
//! value. `tests/hostile.rs` measures the peak allocation of the worst shapes.
//!
//! ```
//! use djsign::pickle;
//! use djsign::pyjson::{Dict, Value};
//! let d: Dict = [("_auth_user_id", Value::from("1"))].into_iter().collect();
//! let bytes = pickle::to_vec(&Value::Dict(d.clone()));
//! // What Python 3.12's `pickle.dumps({"_auth_user_id": "1"}, 5)` gives:
//! assert_eq!(bytes, b"\x80\x05\x95\x18\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x0d_auth_user_id\x94\x8c\x011\x94s.");
//! assert_eq!(pickle::from_slice(&bytes)?, Value::Dict(d));
//! # Ok::<(), djsign::pickle::PickleError>(())
//! ```

use std::fmt;

mod numbers;

use crate::pyjson::{BigInt, Dict, PyString, Value};
use numbers::decode_long;

/// Why a pickle could not be read.
///
/// ```
/// use djsign::pickle::{from_slice, PickleError};
/// // pickle.dumps(datetime.date(2026, 1, 2), 2)
/// let e = from_slice(b"\x80\x02cdatetime\ndate\nq\x00c_codecs\nencode\n").unwrap_err();
/// assert_eq!(e, PickleError::Unsupported("datetime.date".into()));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum PickleError {
    /// The bytes are not a well-formed pickle (truncated, unknown opcode, bad stack).
    Malformed(&'static str),
    /// The pickle holds a Python type a session value cannot be (a class instance such as
    /// `datetime.datetime`, `bytes`, a `set`, a dict with non-`str` keys).
    Unsupported(String),
    /// The pickle would expand past the size limit (shared references, deep nesting).
    TooLarge,
}

impl fmt::Display for PickleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PickleError::Malformed(why) => write!(f, "malformed pickle: {why}"),
            PickleError::Unsupported(what) => write!(f, "unsupported pickled type: {what}"),
            PickleError::TooLarge => f.write_str("pickle expands beyond the size limit"),
        }
    }
}

impl std::error::Error for PickleError {}

/// Largest pickled integer accepted, in bytes (4300 decimal digits).
const MAX_LONG_BYTES: usize = 1786;

/// Total bytes of large integers one pickle may hold: each costs quadratic time to turn
/// into decimal, so a budget keeps a 1 MiB pickle of them linear.
const LONG_BUDGET: usize = 64 * 1024;

/// Deepest nesting accepted (as the JSON reader's).
const MAX_DEPTH: usize = 512;

/// A node of the object graph while reading: containers refer to other nodes, so that
/// memoised containers filled after `MEMOIZE` are seen filled, as in Python.
enum Node {
    Scalar(Value),
    List(Vec<usize>),
    /// A tuple: read as a list, but immutable while reading, as in Python.
    Tuple(Vec<usize>),
    Dict(Vec<(usize, usize)>),
}

/// A stack entry: a node, or a `MARK`.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Mark,
    Node(usize),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end = end.ok_or(PickleError::Malformed("truncated"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn byte(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }
    fn uint(&mut self, n: usize) -> Result<u64, PickleError> {
        let b = self.take(n)?;
        Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
    }
    fn len(&mut self, n: usize) -> Result<usize, PickleError> {
        let l = self.uint(n)?;
        usize::try_from(l)
            .ok()
            .filter(|&l| l <= self.data.len() - self.pos)
            .ok_or(PickleError::Malformed("length past the end"))
    }
    /// A memo index: one byte (`BINPUT`/`BINGET`), four (`LONG_BINPUT`/`LONG_BINGET`),
    /// or a decimal line (`PUT`/`GET`).
    fn memo_index(&mut self, one_byte: bool, four_bytes: bool) -> Result<u64, PickleError> {
        match (one_byte, four_bytes) {
            (true, _) => self.uint(1),
            (_, true) => self.uint(4),
            _ => std::str::from_utf8(self.line()?)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(PickleError::Malformed("memo index")),
        }
    }

    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleError::Malformed("unterminated line"))?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }
}

/// Code points of UTF-8 with lone surrogates allowed (Python's `surrogatepass`).
fn decode_str(bytes: &[u8]) -> Result<Value, PickleError> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Value::Str(PyString::from(s)));
    }
    let bad = PickleError::Malformed("invalid UTF-8 in a string");
    let mut cps = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (len, init) = match b {
            0x00..=0x7f => (1, b as u32),
            0xc2..=0xdf => (2, (b & 0x1f) as u32),
            0xe0..=0xef => (3, (b & 0x0f) as u32),
            0xf0..=0xf4 => (4, (b & 0x07) as u32),
            _ => return Err(bad),
        };
        let tail = bytes.get(i + 1..i + len).ok_or(bad.clone())?;
        let mut cp = init;
        for &t in tail {
            if t & 0xc0 != 0x80 {
                return Err(bad);
            }
            cp = (cp << 6) | (t & 0x3f) as u32;
        }
        let min = [0, 0, 0x80, 0x800, 0x10000][len];
        if cp < min || cp > 0x10ffff {
            return Err(bad);
        }
        cps.push(cp);
        i += len;
    }
    PyString::from_code_points(cps)
        .map(Value::Str)
        .ok_or(PickleError::Malformed("invalid code point"))
}

/// A protocol-0 `UNICODE` argument: Latin-1 bytes with `\uXXXX` and `\UXXXXXXXX` escapes,
/// as CPython's `raw_unicode_escape` reads them: a run of backslashes is literal, and only
/// when the run is odd does its last one start an escape.
fn raw_unicode_escape(line: &[u8]) -> Result<Value, PickleError> {
    let mut cps = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] != b'\\' {
            cps.push(u32::from(line[i]));
            i += 1;
            continue;
        }
        let run = line[i..].iter().take_while(|&&b| b == b'\\').count();
        let width = match line.get(i + run) {
            Some(b'u') if run % 2 == 1 => 4,
            Some(b'U') if run % 2 == 1 => 8,
            _ => 0,
        };
        // The run's backslashes, but for the one that starts an escape.
        let literal = if width == 0 { run } else { run - 1 };
        cps.extend(std::iter::repeat_n(u32::from(b'\\'), literal));
        i += run;
        if width == 0 {
            continue;
        }
        let hex = line
            .get(i + 1..i + 1 + width)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or(PickleError::Malformed("bad \\u escape"))?;
        cps.push(hex);
        i += 1 + width;
    }
    PyString::from_code_points(cps)
        .map(Value::Str)
        .ok_or(PickleError::Malformed("invalid code point"))
}

/// Reads a pickle (protocols 0–5) of session-shaped data; never imports or calls anything.
///
/// ```
/// // pickle.dumps({"a": [1, 2.5, None, True]}, 2)
/// let v = djsign::pickle::from_slice(b"\x80\x02}q\x00X\x01\x00\x00\x00aq\x01]q\x02(K\x01G@\x04\x00\x00\x00\x00\x00\x00N\x88es.")?;
/// assert_eq!(djsign::pyjson::to_vec(&v), br#"{"a":[1,2.5,null,true]}"#);
/// # Ok::<(), djsign::pickle::PickleError>(())
/// ```
pub fn from_slice(data: &[u8]) -> Result<Value, PickleError> {
    let mut r = Reader { data, pos: 0 };
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<Slot> = Vec::new();
    let mut memo: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut long_budget = LONG_BUDGET;
    let malformed = PickleError::Malformed;
    let push = |nodes: &mut Vec<Node>, stack: &mut Vec<Slot>, n: Node| {
        nodes.push(n);
        stack.push(Slot::Node(nodes.len() - 1));
    };
    let pop = |stack: &mut Vec<Slot>| match stack.pop() {
        Some(Slot::Node(n)) => Ok(n),
        _ => Err(PickleError::Malformed("stack underflow")),
    };
    // Everything above the topmost MARK, which is removed.
    let pop_mark = |stack: &mut Vec<Slot>| -> Result<Vec<usize>, PickleError> {
        let m = stack
            .iter()
            .rposition(|s| *s == Slot::Mark)
            .ok_or(PickleError::Malformed("no mark"))?;
        let items = stack[m + 1..]
            .iter()
            .map(|s| match s {
                Slot::Node(n) => *n,
                Slot::Mark => 0,
            })
            .collect();
        stack.truncate(m);
        Ok(items)
    };
    loop {
        let op = r.byte()?;
        match op {
            b'.' => break,
            0x80 => {
                if r.byte()? > 5 {
                    return Err(malformed("unsupported protocol"));
                }
            }
            0x95 => {
                // FRAME: as CPython's `pickle.loads`, a frame may not claim more bytes than
                // are left (CPython ignores the frame's end otherwise).
                let len = r.uint(8)?;
                if len > (data.len() - r.pos) as u64 {
                    return Err(malformed("frame past the end"));
                }
            }
            b'(' => stack.push(Slot::Mark),
            b'0' => {
                stack.pop().ok_or(malformed("stack underflow"))?;
            }
            b'1' => {
                pop_mark(&mut stack)?;
            }
            b'2' => {
                // DUP of a MARK is CPython's "unexpected MARK found".
                let Some(Slot::Node(top)) = stack.last().copied() else {
                    return Err(malformed("stack underflow"));
                };
                stack.push(Slot::Node(top));
            }
            b'N' => push(&mut nodes, &mut stack, Node::Scalar(Value::Null)),
            0x88 => push(&mut nodes, &mut stack, Node::Scalar(Value::Bool(true))),
            0x89 => push(&mut nodes, &mut stack, Node::Scalar(Value::Bool(false))),
            b'K' => {
                let v = r.uint(1)? as i64;
                push(&mut nodes, &mut stack, Node::Scalar(Value::Int(v)));
            }
            b'M' => {
                let v = r.uint(2)? as i64;
                push(&mut nodes, &mut stack, Node::Scalar(Value::Int(v)));
            }
            b'J' => {
                let v = r.uint(4)? as u32 as i32 as i64;
                push(&mut nodes, &mut stack, Node::Scalar(Value::Int(v)));
            }
            0x8a | 0x8b => {
                let n = if op == 0x8a { r.len(1)? } else { r.len(4)? };
                if n > 16 {
                    long_budget = long_budget.checked_sub(n).ok_or(PickleError::TooLarge)?;
                }
                let v = decode_long(r.take(n)?)?;
                push(&mut nodes, &mut stack, Node::Scalar(v));
            }
            b'I' | b'L' => {
                let line = r.line()?;
                let v = if op == b'I' {
                    numbers::int_opcode(line)?
                } else {
                    numbers::long_opcode(line)?
                };
                push(&mut nodes, &mut stack, Node::Scalar(v));
            }
            b'G' => {
                let b: [u8; 8] = r.take(8)?.try_into().map_err(|_| malformed("float"))?;
                push(
                    &mut nodes,
                    &mut stack,
                    Node::Scalar(Value::Float(f64::from_be_bytes(b))),
                );
            }
            b'F' => {
                let f = numbers::float_opcode(r.line()?)?;
                push(&mut nodes, &mut stack, Node::Scalar(Value::Float(f)));
            }
            0x8c | b'X' | 0x8d => {
                let n = match op {
                    0x8c => r.len(1)?,
                    b'X' => r.len(4)?,
                    _ => r.len(8)?,
                };
                let v = decode_str(r.take(n)?)?;
                push(&mut nodes, &mut stack, Node::Scalar(v));
            }
            b'V' => {
                let v = raw_unicode_escape(r.line()?)?;
                push(&mut nodes, &mut stack, Node::Scalar(v));
            }
            b'S' | b'T' | b'U' => return Err(PickleError::Unsupported("Python 2 str".into())),
            b'B' | b'C' | 0x8e | 0x96 | 0x97 | 0x98 => {
                return Err(PickleError::Unsupported("bytes".into()));
            }
            0x8f..=0x91 => return Err(PickleError::Unsupported("set".into())),
            b'c' => {
                let module = String::from_utf8_lossy(r.line()?).into_owned();
                let name = String::from_utf8_lossy(r.line()?).into_owned();
                return Err(PickleError::Unsupported(format!("{module}.{name}")));
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                let text = |n: usize| match &nodes[n] {
                    Node::Scalar(Value::Str(s)) => s.to_string_lossy().into_owned(),
                    _ => "?".into(),
                };
                return Err(PickleError::Unsupported(format!(
                    "{}.{}",
                    text(module),
                    text(name)
                )));
            }
            b'R' | b'b' | b'i' | b'o' | 0x81 | 0x92 | b'P' | b'Q' | 0x82 | 0x83 | 0x84 => {
                return Err(PickleError::Unsupported("Python object".into()));
            }
            b']' => push(&mut nodes, &mut stack, Node::List(Vec::new())),
            b')' => push(&mut nodes, &mut stack, Node::Tuple(Vec::new())),
            b'}' => push(&mut nodes, &mut stack, Node::Dict(Vec::new())),
            b'l' | b't' => {
                let items = pop_mark(&mut stack)?;
                let node = if op == b'l' {
                    Node::List(items)
                } else {
                    Node::Tuple(items)
                };
                push(&mut nodes, &mut stack, node);
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if stack.len() < n {
                    return Err(malformed("stack underflow"));
                }
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(pop(&mut stack)?);
                }
                items.reverse();
                push(&mut nodes, &mut stack, Node::Tuple(items));
            }
            b'd' => {
                let items = pop_mark(&mut stack)?;
                if items.len() % 2 != 0 {
                    return Err(malformed("odd dict items"));
                }
                let pairs = items.chunks(2).map(|p| (p[0], p[1])).collect();
                push(&mut nodes, &mut stack, Node::Dict(pairs));
            }
            b'a' => {
                let v = pop(&mut stack)?;
                let l = *stack.last().ok_or(malformed("stack underflow"))?;
                match l {
                    Slot::Node(l) => match &mut nodes[l] {
                        Node::List(items) => items.push(v),
                        _ => return Err(malformed("append to a non-list")),
                    },
                    Slot::Mark => return Err(malformed("append to a mark")),
                }
            }
            b'e' | b'u' | b's' => {
                let items = if op == b's' {
                    let v = pop(&mut stack)?;
                    vec![pop(&mut stack)?, v]
                } else {
                    pop_mark(&mut stack)?
                };
                let Some(Slot::Node(target)) = stack.last().copied() else {
                    return Err(malformed("stack underflow"));
                };
                // CPython's `do_append`/`do_setitems`: nothing to add is no error, whatever
                // the target.
                if items.is_empty() {
                    continue;
                }
                if op == b'e' {
                    match &mut nodes[target] {
                        Node::List(l) => l.extend(items),
                        _ => return Err(malformed("extend of a non-list")),
                    }
                } else {
                    set_items(&mut nodes, target, &items)?;
                }
            }
            0x94 | b'q' | b'r' | b'p' => {
                let idx = match op {
                    0x94 => memo.len() as u64,
                    _ => r.memo_index(op == b'q', op == b'r')?,
                };
                let Some(Slot::Node(top)) = stack.last().copied() else {
                    return Err(malformed("memoize of nothing"));
                };
                memo.insert(idx, top);
            }
            b'h' | b'j' | b'g' => {
                let idx = r.memo_index(op == b'h', op == b'j')?;
                let n = *memo.get(&idx).ok_or(malformed("memo miss"))?;
                stack.push(Slot::Node(n));
            }
            _ => return Err(malformed("unknown opcode")),
        }
    }
    let root = pop(&mut stack)?;
    let mut budget = value_budget(data.len());
    build(&nodes, root, 0, &mut budget)
}

/// What one value is charged against the budget besides its text: more than the slot it
/// takes in a list (`size_of::<Value>()`) or a dict entry (a key and a value).
pub const VALUE_COST: usize = 64;

/// The bytes of values a pickle of `input_len` bytes may expand into:
/// `128 * input_len + 64 KiB`, where a value counts [`VALUE_COST`] plus the bytes of its
/// text (a string's, a dict key's, a big integer's digits), and a container also the
/// memory of its slots (32 bytes per list item, 96 per dict entry).
///
/// Every value a pickle builds takes at least one byte of input, except a shared one:
/// Python shares a memoised object between its references, while a [`Value`] is a tree,
/// so each reference is a copy. The budget charges those copies by size, so a string
/// memoised once and referenced thousands of times (two bytes each) is refused with
/// [`PickleError::TooLarge`] instead of being copied into gigabytes. The pickles CPython
/// writes of session data (shared strings are only the empty and one-character ones) stay
/// far inside it.
///
/// ```
/// assert_eq!(djsign::pickle::value_budget(1000), 128 * 1000 + 64 * 1024);
/// ```
pub fn value_budget(input_len: usize) -> usize {
    input_len
        .saturating_mul(2 * VALUE_COST)
        .saturating_add(64 * 1024)
}

/// The most bytes reading a pickle of `input_len` bytes holds at once: four times its
/// [`value_budget`] (the values, the graph of nodes read before they are built, the
/// stack and the memo) plus 256 KiB. `tests/memory_bounds.rs` and the `pickle` fuzz
/// target assert it.
///
/// ```
/// assert_eq!(djsign::pickle::peak_bound(0), 4 * 64 * 1024 + 256 * 1024);
/// ```
pub fn peak_bound(input_len: usize) -> usize {
    value_budget(input_len)
        .saturating_mul(4)
        .saturating_add(256 * 1024)
}

/// What a list's slot for one item takes (`size_of::<Value>()`).
const LIST_SLOT: usize = 32;
/// What a dict's entry takes: a key and a value, and room for the hash index of large
/// dicts.
const DICT_SLOT: usize = 96;

/// Takes `VALUE_COST + text` bytes from the budget.
fn charge(budget: &mut usize, text: usize) -> Result<(), PickleError> {
    *budget = budget
        .checked_sub(VALUE_COST.saturating_add(text))
        .ok_or(PickleError::TooLarge)?;
    Ok(())
}

/// The bytes of text a value holds outside its slot.
fn text_len(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.wtf8_bytes().len(),
        Value::BigInt(b) => b.as_str().len(),
        _ => 0,
    }
}

/// `SETITEMS`/`SETITEM` on `target` with `items` (key, value, key, value, …) as CPython
/// does them: `target[key] = value`, so a dict takes any key (checked when it is built)
/// and a list an integer index within its length (negative from the end); anything else
/// is the `TypeError` or `IndexError` Python raises, a malformed pickle.
fn set_items(nodes: &mut [Node], target: usize, items: &[usize]) -> Result<(), PickleError> {
    if items.len() % 2 != 0 {
        return Err(PickleError::Malformed("odd number of items for SETITEMS"));
    }
    for pair in items.chunks(2) {
        let (k, v) = (pair[0], pair[1]);
        let index = match &nodes[k] {
            Node::Scalar(Value::Int(i)) => Some(*i),
            Node::Scalar(Value::Bool(b)) => Some(i64::from(*b)),
            _ => None,
        };
        match (&mut nodes[target], index) {
            (Node::Dict(d), _) => d.push((k, v)),
            (Node::List(l), Some(i)) => {
                let len = l.len() as i64;
                let at = if i < 0 { i + len } else { i };
                if !(0..len).contains(&at) {
                    return Err(PickleError::Malformed("list assignment index out of range"));
                }
                l[at as usize] = v;
            }
            _ => return Err(PickleError::Malformed("item assignment to a non-dict")),
        }
    }
    Ok(())
}

fn build(nodes: &[Node], n: usize, depth: usize, budget: &mut usize) -> Result<Value, PickleError> {
    if depth > MAX_DEPTH {
        return Err(PickleError::TooLarge);
    }
    Ok(match &nodes[n] {
        Node::Scalar(v) => {
            charge(budget, text_len(v))?;
            v.clone()
        }
        Node::List(items) | Node::Tuple(items) => {
            charge(budget, items.len().saturating_mul(LIST_SLOT))?;
            Value::List(
                items
                    .iter()
                    .map(|&i| build(nodes, i, depth + 1, budget))
                    .collect::<Result<_, _>>()?,
            )
        }
        Node::Dict(pairs) => {
            charge(budget, pairs.len().saturating_mul(DICT_SLOT))?;
            let mut d = Dict::with_capacity(pairs.len());
            for &(k, v) in pairs {
                let key = match &nodes[k] {
                    Node::Scalar(Value::Str(s)) => {
                        charge(budget, s.wtf8_bytes().len())?;
                        s.clone()
                    }
                    Node::Scalar(other) => {
                        return Err(PickleError::Unsupported(format!(
                            "dict key of type {}",
                            other.type_name()
                        )));
                    }
                    _ => return Err(PickleError::Unsupported("unhashable dict key".into())),
                };
                d.insert(key, build(nodes, v, depth + 1, budget)?);
            }
            Value::Dict(d)
        }
    })
}

/// CPython's pickler writes items in batches of this many.
const BATCH: usize = 1000;

/// Writer state: the output and the memo CPython's pickler keeps, for the objects that
/// CPython shares between equal values (the empty and one-character Latin-1 strings are
/// singletons, so a repeat of one is written as a memo reference, as CPython writes it).
struct Writer {
    out: Vec<u8>,
    memo_len: u32,
    singletons: std::collections::HashMap<Option<u32>, u32>,
}

impl Writer {
    fn memoize(&mut self) {
        self.out.push(0x94);
        self.memo_len += 1;
    }

    fn write_str(&mut self, s: &PyString) {
        let mut cps = s.code_points();
        let singleton = match (cps.next(), cps.next()) {
            (None, _) => Some(None),
            (Some(c), None) if c < 256 => Some(Some(c)),
            _ => None,
        };
        if let Some(id) = singleton {
            if let Some(&idx) = self.singletons.get(&id) {
                match u8::try_from(idx) {
                    Ok(small) => self.out.extend_from_slice(&[b'h', small]),
                    Err(_) => {
                        self.out.push(b'j');
                        self.out.extend_from_slice(&idx.to_le_bytes());
                    }
                }
                return;
            }
            self.singletons.insert(id, self.memo_len);
        }
        let bytes = surrogatepass(s);
        if bytes.len() <= 0xff {
            self.out.push(0x8c);
            self.out.push(bytes.len() as u8);
        } else {
            self.out.push(b'X');
            self.out
                .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        }
        self.out.extend_from_slice(&bytes);
        self.memoize();
    }
}

/// UTF-8 with lone surrogates encoded one by one (Python's `surrogatepass`).
fn surrogatepass(s: &PyString) -> Vec<u8> {
    if let Some(t) = s.as_str() {
        return t.as_bytes().to_vec();
    }
    let mut bytes = Vec::with_capacity(s.len() * 3);
    for cp in s.code_points() {
        if cp < 0x80 {
            bytes.push(cp as u8);
        } else if cp < 0x800 {
            bytes.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]);
        } else if cp < 0x10000 {
            bytes.extend_from_slice(&[
                0xe0 | (cp >> 12) as u8,
                0x80 | ((cp >> 6) & 0x3f) as u8,
                0x80 | (cp & 0x3f) as u8,
            ]);
        } else {
            bytes.extend_from_slice(&[
                0xf0 | (cp >> 18) as u8,
                0x80 | ((cp >> 12) & 0x3f) as u8,
                0x80 | ((cp >> 6) & 0x3f) as u8,
                0x80 | (cp & 0x3f) as u8,
            ]);
        }
    }
    bytes
}

/// Two's complement little-endian bytes of a decimal integer, as Python's `encode_long`.
fn encode_long(n: &BigInt) -> Vec<u8> {
    let s = n.as_str();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    // Magnitude, little-endian bytes, by repeated multiply-add over the digits.
    let mut mag: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = (d - b'0') as u32;
        for b in mag.iter_mut() {
            let v = (*b as u32) * 10 + carry;
            *b = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            mag.push(carry as u8);
            carry >>= 8;
        }
    }
    if negative {
        // Two's complement of the magnitude, then the shortest form that keeps the sign.
        mag.push(0);
        let mut carry = 1u16;
        for b in mag.iter_mut() {
            let v = (!*b) as u16 + carry;
            *b = v as u8;
            carry = v >> 8;
        }
        while mag.len() > 1 && mag[mag.len() - 1] == 0xff && mag[mag.len() - 2] & 0x80 != 0 {
            mag.pop();
        }
    } else if mag.last().is_some_and(|&b| b & 0x80 != 0) {
        mag.push(0);
    }
    mag
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if (0..=0xff).contains(&i) {
        out.extend_from_slice(&[b'K', i as u8]);
    } else if (0..=0xffff).contains(&i) {
        out.push(b'M');
        out.extend_from_slice(&(i as u16).to_le_bytes());
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&i) {
        out.push(b'J');
        out.extend_from_slice(&(i as i32).to_le_bytes());
    } else {
        write_long(
            out,
            &BigInt::parse(&i.to_string()).unwrap_or(BigInt("0".into())),
        );
    }
}

fn write_long(out: &mut Vec<u8>, n: &BigInt) {
    let bytes = encode_long(n);
    if bytes.len() < 256 {
        out.extend_from_slice(&[0x8a, bytes.len() as u8]);
    } else {
        out.push(0x8b);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(&bytes);
}

impl Writer {
    fn write_value(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push(b'N'),
            Value::Bool(true) => self.out.push(0x88),
            Value::Bool(false) => self.out.push(0x89),
            Value::Int(i) => write_int(&mut self.out, *i),
            Value::BigInt(n) => write_long(&mut self.out, n),
            Value::Float(f) => {
                self.out.push(b'G');
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            Value::Str(s) => self.write_str(s),
            Value::List(items) => {
                self.out.push(b']');
                self.memoize();
                // CPython's `batch_list_exact`: `APPEND` for a list of one item, else
                // `MARK … APPENDS` per batch (a last batch of one item too).
                if let [one] = items.as_slice() {
                    self.write_value(one);
                    self.out.push(b'a');
                    return;
                }
                for batch in items.chunks(BATCH) {
                    self.out.push(b'(');
                    batch.iter().for_each(|i| self.write_value(i));
                    self.out.push(b'e');
                }
            }
            Value::Dict(d) => self.write_dict(d),
        }
    }

    fn write_dict(&mut self, d: &Dict) {
        self.out.push(b'}');
        self.memoize();
        let entries: Vec<_> = d.iter().collect();
        // CPython's `batch_dict_exact`: `SETITEM` for a dict of one entry, else
        // `MARK … SETITEMS` per batch, until a batch is not full: a dict of a multiple
        // of 1000 entries ends with an empty one.
        if let [(k, v)] = entries.as_slice() {
            self.write_str(k);
            self.write_value(v);
            self.out.push(b's');
            return;
        }
        if entries.is_empty() {
            return;
        }
        let mut batches = entries.chunks(BATCH).peekable();
        while let Some(batch) = batches.next() {
            self.out.push(b'(');
            for (k, v) in batch {
                self.write_str(k);
                self.write_value(v);
            }
            self.out.push(b'u');
            if batches.peek().is_none() && batch.len() == BATCH {
                self.out.extend_from_slice(b"(u");
            }
        }
    }
}

/// A protocol-5 pickle of `value`, laid out as CPython's pickler writes distinct objects
/// (one frame; strings longer than 64 KiB are framed the same way, which Python reads).
///
/// ```
/// assert_eq!(djsign::pickle::to_vec(&djsign::pyjson::Value::Int(5)), b"\x80\x05K\x05.");
/// ```
pub fn to_vec(value: &Value) -> Vec<u8> {
    frame(5, |w| w.write_value(value))
}

/// [`to_vec`] of a session dict, without wrapping it in a [`Value`] first.
///
/// ```
/// let d: djsign::pyjson::Dict = [("a", 1.into())].into_iter().collect();
/// assert_eq!(djsign::pickle::dict_to_vec(&d), djsign::pickle::to_vec(&d.clone().into()));
/// ```
pub fn dict_to_vec(dict: &Dict) -> Vec<u8> {
    frame(5, |w| w.write_dict(dict))
}

/// [`dict_to_vec`] with protocol 4 or 5 (`pickle.HIGHEST_PROTOCOL` on Python 3.7, and
/// from 3.8): for the values djsign writes CPython's two protocols differ only in the
/// header. Any other number is written as 5.
///
/// ```
/// let d: djsign::pyjson::Dict = [("a", 1.into())].into_iter().collect();
/// assert_eq!(&djsign::pickle::dict_to_vec_protocol(&d, 4)[..2], b"\x80\x04");
/// ```
pub fn dict_to_vec_protocol(dict: &Dict, protocol: u8) -> Vec<u8> {
    frame(if protocol == 4 { 4 } else { 5 }, |w| w.write_dict(dict))
}

/// The protocol header, one frame around what `write` produces, and `STOP`.
fn frame(protocol: u8, write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(64),
        memo_len: 0,
        singletons: std::collections::HashMap::new(),
    };
    write(&mut w);
    let mut body = w.out;
    body.push(b'.');
    let mut out = Vec::with_capacity(body.len() + 11);
    out.extend_from_slice(&[0x80, protocol]);
    if body.len() >= 4 {
        out.push(0x95);
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    }
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs_round_trip() {
        for s in [
            "0",
            "127",
            "128",
            "-128",
            "-129",
            "255",
            "-1",
            "9223372036854775807",
            "-9223372036854775808",
            "170141183460469231731687303715884105727",
            "-170141183460469231731687303715884105728",
            "123456789012345678901234567890123456789012345678901234567890",
            "-123456789012345678901234567890123456789012345678901234567890",
        ] {
            let n = BigInt::parse(s).unwrap();
            let bytes = encode_long(&n);
            let back = decode_long(&bytes).unwrap();
            let text = match back {
                Value::Int(i) => i.to_string(),
                Value::BigInt(b) => b.as_str().to_owned(),
                _ => unreachable!(),
            };
            assert_eq!(text, s);
        }
        // Python: (-128).to_bytes... encode_long(-128) == b'\x80', encode_long(128) == b'\x80\x00'
        assert_eq!(encode_long(&BigInt::parse("-128").unwrap()), [0x80]);
        assert_eq!(encode_long(&BigInt::parse("128").unwrap()), [0x80, 0]);
        assert_eq!(encode_long(&BigInt::parse("-256").unwrap()), [0x00, 0xff]);
    }

    #[test]
    fn hostile_inputs_fail_cleanly() {
        for bad in [
            &b""[..],
            b"\x80\x05",
            b"a.",
            b"s.",
            b"h\x00.",
            b"X\xff\xff\xff\xff",
            b"\x8a\x05\x01",
            b"(((((.",
            b"}N]s.",
        ] {
            assert!(from_slice(bad).is_err(), "{bad:?}");
        }
        // A list that contains itself: cut by the depth limit, not a stack overflow.
        assert_eq!(from_slice(b"]\x94h\x00a."), Err(PickleError::TooLarge));
        // Doubling through the memo: refused within the budget.
        let mut p = b"]\x94".to_vec();
        for i in 0..40u8 {
            p.extend_from_slice(&[b'h', i, b'h', i, 0x86, 0x94]);
        }
        p.push(b'.');
        assert_eq!(from_slice(&p), Err(PickleError::TooLarge));
    }
}
