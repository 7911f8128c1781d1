//! Base 64 as Django's `b64_encode`/`b64_decode` (`django/core/signing.py`, on Python's `base64.urlsafe_b64decode`).
//!
//! Output is URL-safe base 64 without padding. Input is decoded the way Python's
//! non-validating `binascii.a2b_base64` decodes it after Django appends
//! `(-len) mod 4` padding characters: bytes outside both alphabets are skipped (but were
//! counted when the padding was computed), a completing `=` stops decoding, and the unused
//! low bits of the last character are ignored. No existing crate decodes this way, which is
//! why this decoder is written here.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};

/// Strict URL-safe decoder that, like Python, ignores the unused low bits of the last
/// character.
const FAST: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Why Django's base-64 decoding would fail (`binascii.Error`).
///
/// ```
/// use djsign::encoding::base64::{decode, Base64Error};
/// assert_eq!(decode(b"Y=Q"), Err(Base64Error::IncorrectPadding));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// One data character more than a multiple of four.
    LoneCharacter,
    /// Two or three data characters left without the padding to complete them.
    IncorrectPadding,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Base64Error::LoneCharacter => {
                "invalid base64: number of data characters is one more than a multiple of 4"
            }
            Base64Error::IncorrectPadding => "invalid base64: incorrect padding",
        })
    }
}

impl std::error::Error for Base64Error {}

/// URL-safe base 64 without padding, as Django's `b64_encode`.
///
/// ```
/// assert_eq!(djsign::encoding::base64::encode(b"{\"a\":1}"), "eyJhIjoxfQ");
/// ```
pub fn encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Appends the URL-safe, unpadded base 64 of `data` to `out`.
///
/// ```
/// let mut s = String::from(".");
/// djsign::encoding::base64::encode_into(b"abc", &mut s);
/// assert_eq!(s, ".YWJj");
/// ```
pub fn encode_into(data: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(data, out);
}

const INVALID: u8 = 0xff;

/// Python's `binascii.a2b_base64` alphabet after Django's `-`→`+`, `_`→`/` translation.
const TABLE: [u8; 256] = {
    let mut t = STANDARD_TABLE;
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// The standard alphabet alone (Python's `base64.b64decode`).
const STANDARD_TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'/' as usize] = 63;
    t
};

/// Decodes like Django's `b64_decode` (lenient; both alphabets; junk skipped).
///
/// ```
/// use djsign::encoding::base64::{decode, Base64Error};
/// assert_eq!(decode(b"YWI").unwrap(), b"ab");
/// assert_eq!(decode(b"YW!Jj").unwrap(), b"abc");        // junk skipped
/// assert_eq!(decode(b"YWJ."), Err(Base64Error::IncorrectPadding)); // ...but counted for padding
/// assert_eq!(decode(b"YQ==YQ").unwrap(), b"a");         // stops at completing padding
/// assert_eq!(decode(b"YR").unwrap(), b"a");             // non-canonical bits accepted
/// assert_eq!(decode(b"Y"), Err(Base64Error::LoneCharacter));
/// ```
pub fn decode(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    decode_into(input, &mut out)?;
    Ok(out)
}

/// [`decode`] appending to `out` (on error `out` may hold a partial result).
///
/// ```
/// let mut v = Vec::new();
/// djsign::encoding::base64::decode_into(b"YWJj", &mut v).unwrap();
/// assert_eq!(v, b"abc");
/// ```
pub fn decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), Base64Error> {
    // Fast path: canonical URL-safe unpadded input (what Django writes) decodes the same
    // way under both rules.
    let start = out.len();
    if FAST.decode_vec(input, out).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    a2b_base64(input, (4 - input.len() % 4) % 4, &TABLE, out)
}

/// Python's `base64.urlsafe_b64decode` of `input` followed by `pad` `=` signs (as
/// `django.utils.http.urlsafe_base64_decode` pads it).
pub(crate) fn decode_with_padding(input: &[u8], pad: usize) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    a2b_base64(input, pad, &TABLE, &mut out)?;
    Ok(out)
}

/// Python's `base64.b64decode(data)` (standard alphabet, non-validating, no padding
/// added), as Django's legacy session decoding uses it.
///
/// ```
/// use djsign::encoding::base64::{decode_standard, Base64Error};
/// assert_eq!(decode_standard(b"YQ==").unwrap(), b"a");
/// assert_eq!(decode_standard(b"YQ"), Err(Base64Error::IncorrectPadding));
/// assert_eq!(decode_standard(b"Y-Q_==").unwrap(), b"a"); // '-' and '_' are junk here
/// ```
pub fn decode_standard(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    a2b_base64(input, 0, &STANDARD_TABLE, &mut out)?;
    Ok(out)
}

/// CPython's non-strict `binascii.a2b_base64` over `input` followed by `pad` `=` signs.
fn a2b_base64(
    input: &[u8],
    pad: usize,
    table: &[u8; 256],
    out: &mut Vec<u8>,
) -> Result<(), Base64Error> {
    let mut quad_pos = 0u8;
    let mut pads = 0u8;
    let mut left = 0u8;
    let padding = std::iter::repeat_n(&b'=', pad);
    for &c in input.iter().chain(padding) {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Ok(());
                }
            }
            continue;
        }
        let v = table[c as usize];
        if v == INVALID {
            continue;
        }
        pads = 0;
        match quad_pos {
            0 => {
                left = v;
                quad_pos = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
                quad_pos = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad_pos = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad_pos = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(()),
        1 => Err(Base64Error::LoneCharacter),
        _ => Err(Base64Error::IncorrectPadding),
    }
}
