//! How much a decoder may expand what it reads: djsign's own bounds, which Django does not
//! have (it decompresses and parses whatever verifies).
//!
//! A signed value is verified before anything is decoded, so these bounds matter when the
//! signed data itself can be large: a session or token holding user-supplied content, or
//! a store written by someone else. Each decoder's memory is bounded by its input and by
//! these limits:
//!
//! | decoder | bound |
//! |---|---|
//! | zlib (a `.`-prefixed payload) | at most [`Limits::max_decompressed_size`] bytes of JSON |
//! | JSON ([`crate::pyjson`]) | at most [`Limits::max_values`] values; besides the value returned (32 bytes per list item, 64 per dict entry, text up to twice its JSON bytes) the working buffers hold at most twice that many values |
//! | pickle (cache engines, [`crate::pickle`]) | values worth [`crate::pickle::value_budget`] of its length; with the reader's working memory, at most 4 × that budget in all |
//!
//! `tests/memory_bounds.rs` measures the peak allocation of the worst shapes of each
//! against these bounds.
//!
//! ```
//! use djsign::{Limits, Settings, Signer};
//! let tight = Limits { max_decompressed_size: 64 << 10, max_values: 10_000 };
//! let signer = Signer::builder().key("k").limits(tight).build()?;
//! let token = signer.sign_object(&vec![0; 20_000], true)?;
//! assert!(signer.unsign_object::<Vec<u8>>(&token).is_err());
//! // Stores and the messages cookie take them from the settings.
//! let mut settings = Settings::new("k");
//! settings.limits = tight;
//! # Ok::<(), djsign::Error>(())
//! ```

use crate::error::Malformed;
use crate::pyjson::{self, DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, Value};

/// Bounds on what decoding one value may produce. [`Limits::default()`] suits sessions
/// and tokens; [`Limits::INSPECT`] is for looking at values of unknown origin.
///
/// ```
/// let l = djsign::Limits::default();
/// assert_eq!((l.max_decompressed_size, l.max_values), (32 << 20, 1 << 20));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest decompressed payload, in bytes (default 32 MiB). Larger is
    /// [`crate::Malformed::Zlib`].
    pub max_decompressed_size: usize,
    /// The most values one payload may hold: every list item, dict entry and the
    /// top-level value count one (default 1,048,576). More is
    /// [`crate::pyjson::JsonErrorKind::TooManyValues`].
    pub max_values: usize,
}

impl Limits {
    /// The limits of [`crate::dangerous::inspect`], which decodes without verifying:
    /// 64 KiB decompressed and 10,000 values, enough for any cookie.
    ///
    /// ```
    /// assert_eq!(djsign::Limits::INSPECT.max_decompressed_size, 64 << 10);
    /// ```
    pub const INSPECT: Limits = Limits {
        max_decompressed_size: 64 << 10,
        max_values: 10_000,
    };
}

impl Limits {
    /// The most bytes that decoding a payload of `input_len` bytes (a token's payload, a
    /// stored session, a JSON document) holds at once within these limits:
    /// `2 * input + 6 * json + 192 * values + 256 KiB`, where `json` is the larger of the
    /// input and [`Limits::max_decompressed_size`] (the JSON text, with room for the
    /// buffers it grows in and for strings, whose text may take twice its JSON bytes) and
    /// `values` is the smaller of `json / 2 + 1` and [`Limits::max_values`] (every value
    /// but the last takes at least two bytes, itself and a separator; the reader's buffers
    /// and the result take at most 192 bytes per value). `tests/memory_bounds.rs` and the fuzz targets assert it.
    ///
    /// ```
    /// let l = djsign::Limits::INSPECT;
    /// assert_eq!(l.peak_bound(1000), 2000 + 6 * 65536 + 192 * 10_000 + 262_144);
    /// assert_eq!(djsign::Limits::default().peak_bound(0), 6 * (32 << 20) + 192 * (1 << 20) + 262_144);
    /// ```
    pub fn peak_bound(&self, input_len: usize) -> usize {
        let json = input_len.max(self.max_decompressed_size);
        let values = (json / 2 + 1).min(self.max_values);
        input_len
            .saturating_mul(2)
            .saturating_add(json.saturating_mul(6))
            .saturating_add(values.saturating_mul(192))
            .saturating_add(256 * 1024)
    }

    /// Parses JSON bytes within these limits (`max_values`; the bytes are the caller's).
    pub(crate) fn parse(&self, json: &[u8]) -> Result<Value, Malformed> {
        pyjson::from_slice_with_limits(json, DEFAULT_MAX_DEPTH, self.max_values)
            .map_err(Malformed::Json)
    }
}

impl Limits {
    /// Reads JSON bytes straight into `T` within these limits.
    pub(crate) fn parse_as<T: serde::de::DeserializeOwned>(
        &self,
        json: &[u8],
    ) -> Result<T, Malformed> {
        pyjson::from_slice_as_with_limits(json, DEFAULT_MAX_DEPTH, self.max_values).map_err(|e| {
            match e {
                pyjson::DecodeError::Json(e) => Malformed::Json(e),
                pyjson::DecodeError::Type(e) => Malformed::Type(e.to_string()),
            }
        })
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_decompressed_size: crate::signing::DEFAULT_MAX_DECOMPRESSED_SIZE,
            max_values: DEFAULT_MAX_VALUES,
        }
    }
}
