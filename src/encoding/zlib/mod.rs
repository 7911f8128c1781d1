//! zlib compression as Django's `sign_object(compress=True)` uses it, and decompression
//! as Python's `zlib.decompress` accepts it (CPython's `Modules/zlibmodule.c`).
//!
//! Compression of inputs up to 32 KiB (every session cookie) is djsign's own deflate,
//! which writes the bytes CPython's zlib writes, so compressed tokens are byte-identical
//! to Django's (with CPython linked against zlib 1.2/1.3, as python.org, Debian, Alpine
//! and macOS builds are; a CPython built on zlib-ng writes other, equally valid bytes).
//! Larger inputs, and the rare ones zlib would split into several blocks, go to zlib-rs,
//! whose bytes differ but decompress to the same value. Decompression is zlib-rs (through
//! `flate2`), with its state kept per thread and reset between calls: building a fresh
//! state costs more than the whole of Django's `loads` for a small session.

mod deflate;
mod trees;

use std::cell::RefCell;
use std::fmt;

use flate2::{Decompress, FlushDecompress, Status};
use zlib_rs::DeflateConfig;

/// Why decompression failed.
///
/// ```
/// use djsign::encoding::zlib::{decompress, ZlibError};
/// assert_eq!(decompress(b"", 10), Err(ZlibError::Truncated));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZlibError {
    /// The stream ended early or was empty (Python: `Error -5 … incomplete or truncated
    /// stream`).
    Truncated,
    /// The stream is not valid zlib: bad header, corrupt data or a wrong Adler-32 check
    /// (Python: `Error -3 …`), or it asks for a preset dictionary (`Error 2`).
    Corrupt(String),
    /// The output would exceed the configured cap (a deliberate djsign limit; Django has
    /// none).
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
}

impl fmt::Display for ZlibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZlibError::Truncated => f.write_str("incomplete or truncated zlib stream"),
            ZlibError::Corrupt(m) => write!(f, "invalid zlib stream: {m}"),
            ZlibError::TooLarge { limit } => {
                write!(f, "decompressed payload exceeds the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for ZlibError {}

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// zlib-wrapped deflate at level 6 (Python's `zlib.compress(data)` settings), with the
/// standard `78 9c` header.
///
/// Inputs up to 32 KiB (every session cookie) go through djsign's own deflate, which gives
/// CPython's bytes (see the module docs); larger ones through zlib-rs.
///
/// ```
/// let c = djsign::encoding::zlib::compress(&[b'a'; 40]);
/// assert_eq!(&c[..2], &[0x78, 0x9c]);
/// assert_eq!(djsign::encoding::zlib::decompress(&c, 1 << 20).unwrap(), vec![b'a'; 40]);
/// ```
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    compress_into(data, &mut out);
    out
}

/// [`compress`], appending to `out` (which the hot paths lend from a per-thread pool).
pub(crate) fn compress_into(data: &[u8], out: &mut Vec<u8>) {
    if data.len() <= deflate::MAX_INPUT && deflate::zlib_compress_into(data, out) {
        return;
    }
    out.extend_from_slice(&compress_reference(data));
}

/// Level-6 deflate with Python's exact parameters (32 KiB window, memLevel 8).
fn compress_reference(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; zlib_rs::compress_bound(data.len())];
    let (written, _) = zlib_rs::compress_slice(&mut out, data, DeflateConfig::new(6));
    let n = written.len();
    out.truncate(n);
    out
}

/// Django's compression decision: compress, and keep the result only if it is at least two
/// bytes shorter than `data` (`len(c) < len(data) - 1`).
///
/// ```
/// use djsign::encoding::zlib::compress_if_smaller;
/// assert!(compress_if_smaller(b"\"aaaaaaaaaaa\"").is_none()); // 13 bytes, zlib gives 12
/// assert!(compress_if_smaller(b"\"aaaaaaaaaaaa\"").is_some()); // 14 bytes, zlib gives 12
/// ```
pub fn compress_if_smaller(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    compress_if_smaller_into(data, &mut out).then_some(out)
}

/// [`compress_if_smaller`] into `out`, which must be empty: `true` if it now holds the
/// compressed bytes, `false` (and `out` holds nothing useful) if Django would not compress.
pub(crate) fn compress_if_smaller_into(data: &[u8], out: &mut Vec<u8>) -> bool {
    // A zlib stream takes at least 8 bytes (header, one block byte, Adler-32), so inputs
    // shorter than 10 bytes can never gain 2; Python compresses them and discards it.
    if data.len() < 10 {
        return false;
    }
    compress_into(data, out);
    out.len() + 1 < data.len()
}

/// Decompresses a zlib stream as Python's `zlib.decompress`: any window size, Adler-32
/// checked, bytes after the end of the stream ignored; fails once the output would exceed
/// `limit` bytes.
///
/// ```
/// use djsign::encoding::zlib::{compress, decompress, ZlibError};
/// let mut c = compress(b"{\"a\":1}");
/// c.extend_from_slice(b"\0garbage");                    // trailing bytes are ignored
/// assert_eq!(decompress(&c, 100).unwrap(), b"{\"a\":1}");
/// assert_eq!(decompress(&c[..c.len() - 9], 100), Err(ZlibError::Truncated));
/// assert_eq!(decompress(&c, 3), Err(ZlibError::TooLarge { limit: 3 }));
/// ```
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, ZlibError> {
    let mut out = Vec::new();
    decompress_into(data, limit, &mut out)?;
    Ok(out)
}

/// [`decompress`] into `out`, which must be empty. Its spare capacity is filled before
/// the size is checked, so a buffer lent by the per-thread pool (at most 64 KiB) may take
/// that much output even past a smaller `limit`, before the call fails with
/// [`ZlibError::TooLarge`].
pub(crate) fn decompress_into(
    data: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), ZlibError> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let d = slot.get_or_insert_with(|| Decompress::new(true));
        d.reset(true);
        let hard_cap = limit.saturating_add(1);
        out.reserve(data.len().saturating_mul(4).clamp(64, hard_cap.max(64)));
        loop {
            let in_pos = (d.total_in() as usize).min(data.len());
            if out.len() == out.capacity() {
                if out.len() >= hard_cap {
                    return Err(ZlibError::TooLarge { limit });
                }
                let grow = out.len().max(64).min(hard_cap - out.len());
                out.reserve_exact(grow);
            }
            let (before_in, before_out) = (d.total_in(), d.total_out());
            let status = d
                .decompress_vec(&data[in_pos..], out, FlushDecompress::None)
                .map_err(|e| match e.needs_dictionary() {
                    Some(_) => ZlibError::Corrupt("stream needs a preset dictionary".into()),
                    None => ZlibError::Corrupt(e.message().unwrap_or("corrupt data").to_owned()),
                })?;
            if out.len() > limit {
                return Err(ZlibError::TooLarge { limit });
            }
            match status {
                Status::StreamEnd => return Ok(()),
                _ => {
                    // No progress with room left in the output: the input ran out.
                    let progressed = d.total_in() != before_in || d.total_out() != before_out;
                    if !progressed && out.len() < out.capacity() {
                        return Err(ZlibError::Truncated);
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_stream_does_not_poison_the_thread_decompressor() {
        let good = compress(b"{\"a\":1}");
        for bad in [
            &b"\x78\x9cgarbage"[..],
            b"",
            b"\x78\xbb\x00",
            &good[..good.len() - 1],
        ] {
            assert!(decompress(bad, 1 << 20).is_err());
            assert_eq!(decompress(&good, 1 << 20).unwrap(), b"{\"a\":1}");
        }
    }

    #[test]
    fn a_lent_buffer_with_room_still_enforces_a_small_limit() {
        let big = compress(&[b'a'; 60_000]);
        let mut warm = crate::scratch::bytes();
        warm.reserve_exact(60_000);
        decompress_into(&big, 1 << 20, &mut warm).unwrap();
        assert_eq!(warm.len(), 60_000);
        drop(warm); // back to the pool, 60 KB of capacity
        let mut lent = crate::scratch::bytes();
        assert!(lent.capacity() >= 60_000, "the warm buffer is lent again");
        assert_eq!(
            decompress_into(&big, 100, &mut lent),
            Err(ZlibError::TooLarge { limit: 100 })
        );
        lent.clear();
        decompress_into(&compress(b"{}"), 100, &mut lent).unwrap();
        assert_eq!(&lent[..], b"{}");
    }

    #[test]
    fn large_inputs_use_zlib_rs_and_round_trip() {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let c = compress(&big);
        assert_eq!(&c[..2], &[0x78, 0x9c]);
        assert_eq!(decompress(&c, 1 << 20).unwrap(), big);
        assert_eq!(
            decompress(&c, 1000),
            Err(ZlibError::TooLarge { limit: 1000 })
        );
    }
}
