//! Python-exact JSON: what Django's `JSONSerializer` writes and reads.
//!
//! Django serializes with `json.dumps(obj, separators=(",", ":")).encode("latin-1")` and
//! reads with `json.loads(data.decode("latin-1"))`. Any difference in those bytes changes
//! the signature, and any difference in acceptance changes which cookies load. serde_json
//! cannot be used for this, for reasons verified against Python's `json` module
//! (`Lib/json/encoder.py` and `decoder.py`) and Django:
//! it writes floats differently (`0.00001` for Python's `1e-05`), writes non-ASCII raw
//! instead of `\u00e9`, turns `NaN` into `null` and refuses to read it, sorts or loses key
//! order unless configured, loses integers beyond 64 bits, rejects lone surrogates
//! (`"\ud800"`), and decodes bytes as UTF-8 where Django decodes them as latin-1.
//!
//! This module therefore has its own [`Value`], reader ([`from_slice`]), writer
//! ([`to_vec`]) and serde bridge ([`to_vec_serde`], [`from_value`]). It is lossless: for any
//! bytes Django can write, reading then writing gives the same bytes.
//!
//! ```
//! use djsign::pyjson::{from_slice, to_vec};
//! let django = br#"{"b":1,"a":[1e+16,1e-05,-0.0,NaN,12345678901234567890123456789],"s":"\u00e9\ud800"}"#;
//! assert_eq!(to_vec(&from_slice(django).unwrap()), django);
//! ```

mod de;
mod direct;
mod read;
mod scan;
mod ser;
mod value;
mod write;

pub use de::{DeserializeError, from_value};
pub use direct::{DecodeError, from_slice_as, from_slice_as_with_limits};
pub use read::{
    DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, JsonError, JsonErrorKind, MAX_INT_DIGITS, from_slice,
    from_slice_with_depth, from_slice_with_limits, from_str,
};
pub(crate) use ser::write_serde;
pub use ser::{SerializeError, to_vec_serde};
pub use value::{BigInt, Dict, DictIntoIter, DictIter, PyString, Value};
pub(crate) use write::write_dict;
pub use write::{float_repr, to_vec, write_value};
