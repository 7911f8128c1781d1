//! Numbers in pickles as CPython's C unpickler (`Modules/_pickle.c`) reads them: the
//! binary `LONG1`/`LONG4` and the text opcodes of protocol 0, `INT`, `LONG` and `FLOAT`.
//!
//! The text opcodes are not read as plain decimal: `INT` is C's `strtol(text, base 0)`
//! (so `010` is octal 8 and `0x1f` is 31), falling back to Python's `int(text, 0)` when
//! that does not take the whole line; `LONG` is `int(text, 0)` after one trailing `L`;
//! `FLOAT` is `PyOS_string_to_double`, which takes no surrounding space and refuses
//! overflow. Each reads the line as a C string: a NUL byte ends it. CPython's own pickler writes plain decimal, so only a hand-made pickle
//! reaches the other forms; the live differential test compares them with CPython.

use super::{MAX_LONG_BYTES, PickleError};
use crate::pyjson::{BigInt, Value};

const MALFORMED: PickleError = PickleError::Malformed("integer");

/// The decimal text of the magnitude given by `digits` (most significant first) in
/// `base`, with a `-` when `negative`: quadratic, so callers bound the length.
fn to_decimal(digits: impl Iterator<Item = u32>, base: u64, negative: bool) -> String {
    // Base 10^9 limbs, least significant first.
    let mut limbs: Vec<u32> = Vec::new();
    for d in digits {
        let mut carry = u64::from(d);
        for l in limbs.iter_mut() {
            let v = u64::from(*l) * base + carry;
            *l = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut s = String::from(if negative { "-" } else { "" });
    match limbs.split_last() {
        None => s.push('0'),
        Some((top, rest)) => {
            s.push_str(&top.to_string());
            for l in rest.iter().rev() {
                s.push_str(&format!("{l:09}"));
            }
        }
    }
    s
}

/// `Int` when the decimal text fits 64 bits, else `BigInt` (`TooLarge` past Python's 4300
/// digits, as djsign keeps big integers as decimal text).
fn from_decimal(text: &str) -> Result<Value, PickleError> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    if text.trim_start_matches('-').len() > crate::pyjson::MAX_INT_DIGITS {
        return Err(PickleError::TooLarge);
    }
    BigInt::parse(text).map(Value::BigInt).ok_or(MALFORMED)
}

/// An integer from little-endian two's-complement bytes (`LONG1`/`LONG4`).
pub(super) fn decode_long(bytes: &[u8]) -> Result<Value, PickleError> {
    if bytes.is_empty() {
        return Ok(Value::Int(0));
    }
    if bytes.len() <= 16 {
        let fill = if bytes[bytes.len() - 1] & 0x80 != 0 {
            0xff
        } else {
            0
        };
        let mut buf = [fill; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        return from_decimal(&i128::from_le_bytes(buf).to_string());
    }
    // Python refuses to print integers of more than 4300 digits (1786 bytes); djsign keeps
    // big integers as decimal text, so it refuses them too (the conversion is quadratic).
    if bytes.len() > MAX_LONG_BYTES {
        return Err(PickleError::TooLarge);
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let mut mag: Vec<u8> = bytes.to_vec();
    if negative {
        let mut carry = 1u16;
        for b in mag.iter_mut() {
            let v = (!*b) as u16 + carry;
            *b = v as u8;
            carry = v >> 8;
        }
    }
    let text = to_decimal(mag.iter().rev().map(|&b| u32::from(b)), 256, negative);
    from_decimal(&text)
}

/// C's `isspace` in the "C" locale (and Python's `Py_ISSPACE`).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtol(text, &end, 0)` when it takes all of `text` without overflow (`long` is
/// 64 bits here): space, a sign, then `0x` hex, `0` octal or decimal digits.
fn strtol_base0(text: &[u8]) -> Option<i64> {
    let mut i = text.iter().take_while(|&&b| is_space(b)).count();
    let negative = match text.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let hex = matches!(text.get(i..i + 2), Some(b"0x" | b"0X"))
        && text.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
    let (radix, start) = match text.get(i) {
        _ if hex => (16, i + 2),
        Some(b'0') => (8, i),
        _ => (10, i),
    };
    let digits = &text[start..];
    if digits.is_empty() || !digits.iter().all(|&b| (b as char).is_digit(radix)) {
        return None;
    }
    let mut v: i128 = 0;
    for &b in digits {
        v = v * i128::from(radix) + i128::from((b as char).to_digit(radix)?);
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    i64::try_from(if negative { -v } else { v }).ok()
}

/// Python's `int(text, 0)`: surrounding space, a sign, a `0x`/`0o`/`0b` prefix or
/// decimal without leading zeros (unless all zeros), single underscores between digits.
fn python_int_base0(text: &str) -> Result<Value, PickleError> {
    let t = text.trim_matches(|c: char| c.is_ascii() && is_space(c as u8));
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let prefix = t.get(..2).map(str::to_ascii_lowercase);
    let (radix, body) = match prefix.as_deref() {
        Some("0x") => (16, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        Some("0o") => (8, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        Some("0b") => (2, t[2..].strip_prefix('_').unwrap_or(&t[2..])),
        _ => (10, t),
    };
    // Digits with single underscores between them.
    let well_formed = !body.is_empty()
        && !body.starts_with('_')
        && !body.ends_with('_')
        && !body.contains("__")
        && body.chars().all(|c| c == '_' || c.is_digit(radix));
    if !well_formed {
        return Err(MALFORMED);
    }
    let digits = body.bytes().filter(|&b| b != b'_');
    if radix == 10 {
        let text: String = digits.map(char::from).collect();
        if text.len() > 1 && text.starts_with('0') {
            // `int("007", 0)` is an error; `int("000", 0)` is zero.
            return if text.bytes().all(|b| b == b'0') {
                Ok(Value::Int(0))
            } else {
                Err(MALFORMED)
            };
        }
        if text.len() > crate::pyjson::MAX_INT_DIGITS {
            return Err(MALFORMED);
        }
        let trimmed = text.trim_start_matches('0');
        let text = if trimmed.is_empty() { "0" } else { trimmed };
        return from_decimal(&if negative && text != "0" {
            format!("-{text}")
        } else {
            text.to_owned()
        });
    }
    let values = digits.filter_map(|b| (b as char).to_digit(radix));
    let text = to_decimal(values, u64::from(radix), negative);
    from_decimal(if text == "-0" { "0" } else { &text })
}

/// The part of `line` C code sees (up to the first NUL), as text: `TooLarge` past 4301
/// bytes (Python's digit limit, with a sign), `Malformed` if it is not UTF-8 (no number is).
fn c_string<'a>(line: &'a [u8], what: &'static str) -> Result<&'a str, PickleError> {
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    if end > crate::pyjson::MAX_INT_DIGITS + 1 {
        return Err(PickleError::TooLarge);
    }
    std::str::from_utf8(&line[..end]).map_err(|_| PickleError::Malformed(what))
}

/// The `INT` opcode's line (without its newline): `01` and `00` are `True` and `False`
/// (any two bytes that `strtol` reads as 1 or 0, as in CPython; an empty C string is 0).
pub(super) fn int_opcode(line: &[u8]) -> Result<Value, PickleError> {
    if line.is_empty() {
        return Err(MALFORMED);
    }
    let text = c_string(line, "integer")?;
    let parsed = if text.is_empty() {
        Some(0)
    } else {
        strtol_base0(text.as_bytes())
    };
    match parsed {
        Some(x @ (0 | 1)) if line.len() == 2 => Ok(Value::Bool(x == 1)),
        Some(x) => Ok(Value::Int(x)),
        None => python_int_base0(text),
    }
}

/// The `LONG` opcode's line (without its newline): one trailing `L` is dropped.
pub(super) fn long_opcode(line: &[u8]) -> Result<Value, PickleError> {
    let line = line.strip_suffix(b"L").unwrap_or(line);
    python_int_base0(c_string(line, "integer")?)
}

/// The `FLOAT` opcode's line (without its newline): `PyOS_string_to_double`, which takes
/// no surrounding space, reads `inf`, `infinity` and `nan` in any case, and refuses a
/// finite number too large for a double (`OverflowError`).
pub(super) fn float_opcode(line: &[u8]) -> Result<f64, PickleError> {
    let bad = PickleError::Malformed("float");
    let line = c_string(line, "float").map_err(|_| bad.clone())?;
    let body = line.trim_start_matches(['+', '-']);
    if line.len() - body.len() > 1
        || body.starts_with(|c: char| !c.is_ascii_alphanumeric() && c != '.')
    {
        return Err(bad);
    }
    let f: f64 = line.parse().map_err(|_| bad.clone())?;
    let literal_infinity =
        body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity");
    if f.is_infinite() && !literal_infinity {
        return Err(bad);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> Result<Value, PickleError> {
        int_opcode(s.as_bytes())
    }

    fn long_opcode(s: &str) -> Result<Value, PickleError> {
        super::long_opcode(s.as_bytes())
    }

    fn float_opcode(s: &str) -> Result<f64, PickleError> {
        super::float_opcode(s.as_bytes())
    }

    /// Each case as CPython 3.11 and 3.13's `pickle.loads(b"I" + text + b"\n.")` reads it.
    #[test]
    fn int_opcode_as_cpython() {
        assert_eq!(int("01"), Ok(Value::Bool(true)));
        assert_eq!(int("00"), Ok(Value::Bool(false)));
        assert_eq!(int("+1"), Ok(Value::Bool(true)));
        assert_eq!(int(" 0"), Ok(Value::Bool(false)));
        assert_eq!(int("1"), Ok(Value::Int(1)));
        assert_eq!(int("010"), Ok(Value::Int(8)));
        assert_eq!(int("0x1f"), Ok(Value::Int(31)));
        assert_eq!(int("-0X10"), Ok(Value::Int(-16)));
        assert_eq!(int("  42"), Ok(Value::Int(42)));
        assert_eq!(int("1_000"), Ok(Value::Int(1000)));
        assert_eq!(int("-02147483648"), Err(MALFORMED));
        assert_eq!(int("08"), Err(MALFORMED));
        assert_eq!(int("5L"), Err(MALFORMED));
        assert_eq!(int("1__0"), Err(MALFORMED));
        assert_eq!(int(""), Err(MALFORMED));
        assert_eq!(
            int("99999999999999999999"),
            Ok(Value::BigInt(
                BigInt::parse("99999999999999999999").unwrap()
            ))
        );
        assert_eq!(int("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
        // A NUL ends the C string: "\x0079" is the empty string, 0; "\x00a" has two bytes.
        assert_eq!(int("\x0079"), Ok(Value::Int(0)));
        assert_eq!(int("\x00a"), Ok(Value::Bool(false)));
        assert_eq!(int("5\x00\u{e9}"), Ok(Value::Int(5)));
    }

    #[test]
    fn long_and_float_opcodes_as_cpython() {
        assert_eq!(long_opcode("5L"), Ok(Value::Int(5)));
        assert_eq!(long_opcode("5"), Ok(Value::Int(5)));
        assert_eq!(long_opcode("5LL"), Err(MALFORMED));
        assert_eq!(long_opcode("0x10L"), Ok(Value::Int(16)));
        assert_eq!(long_opcode("0o_17"), Ok(Value::Int(15)));
        assert_eq!(long_opcode("0b101"), Ok(Value::Int(5)));
        assert_eq!(long_opcode("010L"), Err(MALFORMED));
        assert_eq!(long_opcode("000"), Ok(Value::Int(0)));
        assert_eq!(
            long_opcode("0xffffffffffffffffffff"),
            Ok(Value::BigInt(
                BigInt::parse("1208925819614629174706175").unwrap()
            ))
        );
        assert_eq!(float_opcode("1e300"), Ok(1e300));
        assert_eq!(float_opcode("-InFiniTy"), Ok(f64::NEG_INFINITY));
        assert!(float_opcode("nan").unwrap().is_nan());
        assert_eq!(float_opcode("1e500"), Err(PickleError::Malformed("float")));
        assert_eq!(float_opcode(" 1.5"), Err(PickleError::Malformed("float")));
        assert_eq!(float_opcode("1.5 "), Err(PickleError::Malformed("float")));
        assert_eq!(float_opcode("1e-400"), Ok(0.0));
        assert_eq!(float_opcode("1.5\x00junk"), Ok(1.5));
        assert_eq!(long_opcode("7\x00L"), Ok(Value::Int(7)));
        assert_eq!(float_opcode(".5"), Ok(0.5));
        assert_eq!(float_opcode("+.5"), Ok(0.5));
        assert_eq!(float_opcode("1."), Ok(1.0));
        assert!(float_opcode("-nan").unwrap().is_nan());
        for bad in ["+-1", "1_0", "0x1p3", "infinity1", ""] {
            assert_eq!(
                float_opcode(bad),
                Err(PickleError::Malformed("float")),
                "{bad}"
            );
        }
    }
}
