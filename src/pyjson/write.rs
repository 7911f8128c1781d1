//! The writer: Python's `json.dumps(value, separators=(",", ":"))` with its defaults
//! (`ensure_ascii=True`, `allow_nan=True`, insertion order).

use super::value::{PyString, Value};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Serializes a [`Value`] exactly as Django's `JSONSerializer` does.
///
/// ```
/// use djsign::pyjson::{from_slice, to_vec};
/// let v = from_slice("{\"k\":\"\\u00e9\\ud83d\\ude00\",\"f\":1e-05}".as_bytes()).unwrap();
/// assert_eq!(to_vec(&v), b"{\"k\":\"\\u00e9\\ud83d\\ude00\",\"f\":1e-05}");
/// ```
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value);
    out
}

/// Appends the serialization of `value` to `out`.
///
/// ```
/// let mut out = b"x".to_vec();
/// djsign::pyjson::write_value(&mut out, &djsign::pyjson::Value::Float(-0.0));
/// assert_eq!(out, b"x-0.0");
/// ```
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => write_i64(out, *i),
        Value::BigInt(b) => out.extend_from_slice(b.as_str().as_bytes()),
        Value::Float(f) => write_f64(out, *f),
        Value::Str(s) => write_pystr(out, s),
        Value::List(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Dict(d) => write_dict(out, d),
    }
}

/// Appends the serialization of a dict to `out`.
pub(crate) fn write_dict(out: &mut Vec<u8>, d: &super::Dict) {
    out.push(b'{');
    for (n, (k, v)) in d.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_pystr(out, k);
        out.push(b':');
        write_value(out, v);
    }
    out.push(b'}');
}

pub(crate) fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes a float as Python's `json` does: `float.__repr__` for finite values, `NaN`,
/// `Infinity`, `-Infinity` otherwise.
pub(crate) fn write_f64(out: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if f == f64::INFINITY {
        out.extend_from_slice(b"Infinity");
    } else if f == f64::NEG_INFINITY {
        out.extend_from_slice(b"-Infinity");
    } else {
        write_finite_repr(out, f);
    }
}

/// Python's `repr(float)`: shortest round-trip digits, positional notation for
/// `1e-4 <= |x| < 1e16` (always with a fractional part), otherwise `d.ddde±XX`.
///
/// ```
/// use djsign::pyjson::float_repr;
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(1.5e-5), "1.5e-05");
/// assert_eq!(float_repr(100.0), "100.0");
/// assert_eq!(float_repr(0.0001), "0.0001");
/// assert_eq!(float_repr(f64::NAN), "nan");
/// assert_eq!(float_repr(1451138873202617.25), "1451138873202617.2"); // ties to even
/// assert_eq!(float_repr(0.0), "0.0");
/// assert_eq!(float_repr(5e-324), "5e-324");
/// ```
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let mut out = Vec::with_capacity(24);
    write_finite_repr(&mut out, f);
    String::from_utf8(out).unwrap_or_default()
}

fn write_finite_repr(out: &mut Vec<u8>, f: f64) {
    // Shortest round-trip digits, ties broken to even as CPython's dtoa does (Rust's own
    // float formatting breaks some ties the other way: 1451138873202617.25).
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(f.abs()).as_bytes();
    // ryu writes `ddd.ddd` or `d.ddde[-]x`; collect the digits and the decimal exponent
    // of the first significant digit.
    let epos = text.iter().position(|&c| c == b'e').unwrap_or(text.len());
    let mut exp: i32 = std::str::from_utf8(&text[(epos + 1).min(text.len())..])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let mut digits = [0u8; 24];
    let mut nd = 0;
    let mut int_digits = 0i32;
    let mut seen_point = false;
    for &c in &text[..epos] {
        match c {
            b'.' => seen_point = true,
            b'0'..=b'9' => {
                if nd == 0 && c == b'0' {
                    // Leading zeros only move the exponent.
                    if seen_point {
                        int_digits -= 1;
                    }
                    continue;
                }
                if nd < digits.len() {
                    digits[nd] = c;
                    nd += 1;
                }
                if !seen_point {
                    int_digits += 1;
                }
            }
            _ => {}
        }
    }
    while nd > 1 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    if nd == 0 {
        digits[0] = b'0';
        nd = 1;
        int_digits = 1;
    }
    exp += int_digits - 1;
    let digits = &digits[..nd];
    if f.is_sign_negative() {
        out.push(b'-');
    }
    if (-5 < exp) && (exp < 16) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            for k in 0..int_len {
                out.push(*digits.get(k).unwrap_or(&b'0'));
            }
            out.push(b'.');
            if digits.len() > int_len {
                out.extend_from_slice(&digits[int_len..]);
            } else {
                out.push(b'0');
            }
        } else {
            out.extend_from_slice(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b'0');
            }
            out.extend_from_slice(digits);
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        write_i64(out, e as i64);
    }
}

/// Writes a quoted, `ensure_ascii`-escaped string.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    write_wtf8(out, s.as_bytes());
}

/// Writes a [`PyString`] (lone surrogates included) quoted and escaped.
pub(crate) fn write_pystr(out: &mut Vec<u8>, s: &PyString) {
    write_wtf8(out, s.wtf8_bytes());
}

/// Writes UTF-8 or WTF-8 text quoted, with every byte outside printable ASCII escaped as
/// Python's `ensure_ascii` does (astral code points as a surrogate pair).
fn write_wtf8(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut run, mut i) = (0, 0);
    loop {
        i = super::scan::plain_run_end(bytes, i, true);
        let Some(&lead) = bytes.get(i) else { break };
        out.extend_from_slice(&bytes[run..i]);
        let (cp, width) = decode_wtf8(bytes, i, lead);
        write_escape(out, cp);
        i += width;
        run = i;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// The code point starting at `bytes[i]` (whose value is `lead`) and its width in bytes.
/// The text is well-formed (it comes from a `str` or a [`PyString`]); a truncated sequence
/// reads its missing bytes as zero rather than panicking.
#[inline]
fn decode_wtf8(bytes: &[u8], i: usize, lead: u8) -> (u32, usize) {
    let cont = |k: usize| bytes.get(i + k).map_or(0, |&b| (b & 0x3f) as u32);
    match lead {
        0x00..=0x7f => (lead as u32, 1),
        0xc0..=0xdf => (((lead & 0x1f) as u32) << 6 | cont(1), 2),
        0xe0..=0xef => (((lead & 0x0f) as u32) << 12 | cont(1) << 6 | cont(2), 3),
        _ => (
            ((lead & 0x07) as u32) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3),
            4,
        ),
    }
}

fn write_escape(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0x22 => out.extend_from_slice(b"\\\""),
        0x5c => out.extend_from_slice(b"\\\\"),
        0x0a => out.extend_from_slice(b"\\n"),
        0x0d => out.extend_from_slice(b"\\r"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        0x10000.. => {
            let v = cp - 0x10000;
            write_u16_escape(out, 0xD800 | (v >> 10));
            write_u16_escape(out, 0xDC00 | (v & 0x3ff));
        }
        _ => write_u16_escape(out, cp),
    }
}

fn write_u16_escape(out: &mut Vec<u8>, u: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[((u >> 12) & 15) as usize],
        HEX[((u >> 8) & 15) as usize],
        HEX[((u >> 4) & 15) as usize],
        HEX[(u & 15) as usize],
    ]);
}
