//! Base 62, as Django's `b62_encode`/`b62_decode` (`django/core/signing.py`).
//!
//! Alphabet `0-9A-Za-z`; an optional single leading `-`; leading zeros allowed; no size
//! limit. Django decodes into an unbounded Python `int`; djsign keeps the exact value when
//! it fits in 64 bits and a floating-point approximation otherwise, which is all a timestamp
//! comparison needs (Django itself converts the timestamp to a float to compare it).

use std::fmt;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a base-62 string was rejected.
///
/// ```
/// use djsign::encoding::base62::{decode, Base62Error};
/// assert_eq!(decode("1-2"), Err(Base62Error::InvalidDigit));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base62Error {
    /// The string was empty (Python: `IndexError: string index out of range`).
    Empty,
    /// A character outside the alphabet (Python: `ValueError: substring not found`).
    InvalidDigit,
    /// More than 4300 decimal digits, which Django up to 3.2 could not convert (Python:
    /// `ValueError: Exceeds the limit (4300) for integer string conversion`).
    TooLong,
}

impl fmt::Display for Base62Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Base62Error::Empty => "empty base-62 number",
            Base62Error::InvalidDigit => "character outside the base-62 alphabet",
            Base62Error::TooLong => "more than 4300 decimal digits",
        })
    }
}

impl std::error::Error for Base62Error {}

/// A decoded base-62 integer of any size.
///
/// ```
/// use djsign::encoding::base62;
/// let n = base62::decode("1r31eq").unwrap();
/// assert_eq!(n.as_i64(), Some(1_700_000_000));
/// let huge = base62::decode("zzzzzzzzzzzzzzzzzzzz").unwrap();
/// assert_eq!(huge.as_i64(), None);
/// assert!(huge.as_f64().unwrap() > 7e35);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Base62Int {
    exact: Option<i64>,
    approx: f64,
    /// The magnitude, when it fits in a `u64`.
    magnitude: Option<u64>,
    /// Significant base-62 digits, and the value of the first (up to) ten of them.
    significant: usize,
    lead: f64,
}

impl Base62Int {
    /// The exact value, when it fits in an `i64`.
    ///
    /// ```
    /// assert_eq!(djsign::encoding::base62::decode("-10").unwrap().as_i64(), Some(-62));
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        self.exact
    }

    /// How many decimal digits the magnitude has (`0` has one). Django up to 3.2 converted
    /// timestamps through a decimal string, which Python refuses beyond 4300 digits.
    ///
    /// ```
    /// use djsign::encoding::base62::decode;
    /// assert_eq!(decode("0").unwrap().decimal_digits(), 1);
    /// assert_eq!(decode("1r31eq").unwrap().decimal_digits(), 10);
    /// assert_eq!(decode(&"z".repeat(3000)).unwrap().decimal_digits(), 5378);
    /// ```
    pub fn decimal_digits(&self) -> usize {
        match self.magnitude {
            Some(m) => m.checked_ilog10().map_or(1, |l| l as usize + 1),
            None => {
                let log10 = self.lead.log10()
                    + (self.significant.saturating_sub(10)) as f64 * 62f64.log10();
                log10.floor() as usize + 1
            }
        }
    }

    /// The value as a float, as Python's `float(int)` gives it, or `None` where Python
    /// raises `OverflowError: int too large to convert to float`. Exact below 2^53;
    /// beyond that within a few units in the last place.
    ///
    /// ```
    /// assert_eq!(djsign::encoding::base62::decode("z").unwrap().as_f64(), Some(61.0));
    /// let big = "z".repeat(200);
    /// assert_eq!(djsign::encoding::base62::decode(&big).unwrap().as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self.exact {
            Some(v) => Some(v as f64),
            None if self.approx.is_finite() => Some(self.approx),
            None => None,
        }
    }
}

/// Encodes an integer in base 62 (`0` → `"0"`, negative numbers with a leading `-`).
///
/// ```
/// use djsign::encoding::base62::encode;
/// assert_eq!(encode(0), "0");
/// assert_eq!(encode(61), "z");
/// assert_eq!(encode(-62), "-10");
/// assert_eq!(encode(1_700_000_000), "1r31eq");
/// ```
pub fn encode(n: i64) -> String {
    let mut s = String::with_capacity(12);
    encode_into(n, &mut s);
    s
}

/// Appends the base-62 text of `n` to `out` (as [`encode`], without a new string).
///
/// ```
/// let mut s = String::from("t:");
/// djsign::encoding::base62::encode_into(1_700_000_000, &mut s);
/// assert_eq!(s, "t:1r31eq");
/// ```
pub fn encode_into(n: i64, out: &mut String) {
    let mut buf = [0u8; 12];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = ALPHABET[(m % 62) as usize];
        m /= 62;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    out.extend(buf[i..].iter().map(|&b| b as char));
}

fn digit(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'A'..=b'Z' => Some((b - b'A') as u32 + 10),
        b'a'..=b'z' => Some((b - b'a') as u32 + 36),
        _ => None,
    }
}

/// Decodes base 62 with Django's rules: one optional leading `-`, leading zeros allowed,
/// `"-"` alone is 0, the empty string and any character outside the alphabet are errors.
/// Runs in linear time on any input.
///
/// ```
/// use djsign::encoding::base62::{decode, Base62Error};
/// assert_eq!(decode("0z").unwrap().as_i64(), Some(61));
/// assert_eq!(decode("-").unwrap().as_i64(), Some(0));
/// assert_eq!(decode(""), Err(Base62Error::Empty));
/// assert_eq!(decode("--1"), Err(Base62Error::InvalidDigit));
/// ```
pub fn decode(s: &str) -> Result<Base62Int, Base62Error> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(Base62Error::Empty);
    }
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let mut exact: Option<u64> = Some(0);
    let mut approx = 0f64;
    // Significant digits, and the value of the first (up to) ten of them.
    let (mut significant, mut lead) = (0usize, 0f64);
    for &b in digits {
        let d = digit(b).ok_or(Base62Error::InvalidDigit)?;
        if significant > 0 || d > 0 {
            significant += 1;
            if significant <= 10 {
                lead = lead * 62.0 + d as f64;
            }
        }
        exact = exact
            .and_then(|v| v.checked_mul(62))
            .and_then(|v| v.checked_add(d as u64));
        approx = approx * 62.0 + d as f64;
    }
    let magnitude = exact;
    let exact = exact
        .and_then(|v| i64::try_from(v).ok())
        .map(|v| if negative { -v } else { v });
    Ok(Base62Int {
        exact,
        approx: if negative { -approx } else { approx },
        magnitude,
        significant,
        lead,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decimal digits at every power of ten and its neighbours, within `u64` (counted
    /// exactly) and past it (from the leading base-62 digits).
    #[test]
    fn decimal_digits_at_powers_of_ten() {
        let mut p = 1u64;
        loop {
            for v in [p - 1, p, p + 1] {
                let digits = decode(&base62_of(v)).unwrap().decimal_digits();
                assert_eq!(digits, v.to_string().len(), "{v}");
            }
            match p.checked_mul(10) {
                Some(next) => p = next,
                None => break,
            }
        }
        assert_eq!(decode(&base62_of(u64::MAX)).unwrap().decimal_digits(), 20);
        // 62^11 - 1 = 52,036,560,683,837,093,887 (20 digits) and 62^12 (22 digits).
        assert_eq!(decode(&"z".repeat(11)).unwrap().decimal_digits(), 20);
        assert_eq!(decode("1000000000000").unwrap().decimal_digits(), 22);
    }

    fn base62_of(mut v: u64) -> String {
        let mut out = Vec::new();
        loop {
            out.push(ALPHABET[(v % 62) as usize]);
            v /= 62;
            if v == 0 {
                break;
            }
        }
        out.reverse();
        String::from_utf8(out).unwrap()
    }
}
