//! zlib compression as Django's `sign_object(compress=True)` uses it, and decompression
//! as Python's `zlib.decompress` accepts it (spec §4, traps T13 and T14).
//!
//! The deflate engine is zlib-rs (through `flate2`). Its compressed bytes differ from the C
//! zlib CPython links, so a compressed token made here is not byte-identical to Django's;
//! Django decompresses it to the same value, which is the contract. Compressor and
//! decompressor states are kept per thread and reset between calls: building a fresh
//! 256 KiB deflate state costs more than the whole of Django's `dumps` for a small session.

use std::cell::RefCell;
use std::fmt;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Why decompression failed.
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
    static COMPRESSOR: RefCell<Option<Compress>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// zlib-wrapped deflate at level 6 (Python's `zlib.compress(data)` settings).
///
/// ```
/// let c = djsign::encoding::zlib::compress(&[b'a'; 40]);
/// assert_eq!(&c[..2], &[0x78, 0x9c]);
/// assert_eq!(djsign::encoding::zlib::decompress(&c, 1 << 20).unwrap(), vec![b'a'; 40]);
/// ```
pub fn compress(data: &[u8]) -> Vec<u8> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let c = slot.get_or_insert_with(|| Compress::new(Compression::new(6), true));
        c.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let consumed = c.total_in() as usize;
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            match c.compress_vec(&data[consumed.min(data.len())..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(_) => continue,
                // Deflating in memory has no failure mode; keep whatever was produced.
                Err(_) => break,
            }
        }
        out
    })
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
    let c = compress(data);
    (c.len() + 1 < data.len()).then_some(c)
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
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let d = slot.get_or_insert_with(|| Decompress::new(true));
        d.reset(true);
        let hard_cap = limit.saturating_add(1);
        let mut out: Vec<u8> = Vec::with_capacity(data.len().saturating_mul(4).clamp(64, hard_cap.max(64)));
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
                .decompress_vec(&data[in_pos..], &mut out, FlushDecompress::None)
                .map_err(|e| match e.needs_dictionary() {
                    Some(_) => ZlibError::Corrupt("stream needs a preset dictionary".into()),
                    None => ZlibError::Corrupt(e.message().unwrap_or("corrupt data").to_owned()),
                })?;
            if out.len() > limit {
                return Err(ZlibError::TooLarge { limit });
            }
            match status {
                Status::StreamEnd => return Ok(out),
                _ => {
                    let progressed = d.total_in() != before_in || d.total_out() != before_out;
                    let input_done = d.total_in() as usize >= data.len();
                    if !progressed && out.len() < out.capacity() {
                        return Err(ZlibError::Truncated);
                    }
                    if input_done && out.len() < out.capacity() && !progressed {
                        return Err(ZlibError::Truncated);
                    }
                }
            }
        }
    })
}
