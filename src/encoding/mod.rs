//! The byte encodings Django's signing uses: base 62 for timestamps, URL-safe base 64 for
//! payloads and signatures, and zlib for compressed payloads.
//!
//! Each decoder reproduces Django's (and so Python's) acceptance exactly, including its
//! leniencies, because a value Django accepts must be accepted here and the reverse.

pub mod base62;
pub mod base64;
pub mod zlib;
