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
    /// Parses JSON bytes within these limits (`max_values`; the bytes are the caller's).
    pub(crate) fn parse(&self, json: &[u8]) -> Result<Value, Malformed> {
        pyjson::from_slice_with_limits(json, DEFAULT_MAX_DEPTH, self.max_values)
            .map_err(Malformed::Json)
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
