//! Word-at-a-time scanning for the plain runs of a JSON string: the bytes both the reader
//! and the writer copy through unchanged. Strings in session data are mostly such runs,
//! so finding their end eight bytes per step is most of the speed of both directions.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Lanes of `w` that may equal `byte`: exact up to the first true match (a borrow may
/// also flag lanes above it).
#[inline]
fn lanes_equal(w: u64, byte: u8) -> u64 {
    let x = w ^ (LO * byte as u64);
    x.wrapping_sub(LO) & !x
}

/// The high bit of every lane of `w` that ends a plain run: `"`, `\`, a control character,
/// non-ASCII, and also DEL when `del_too` (Python's `ensure_ascii` escapes it; the reader
/// accepts it raw). The lowest flagged lane is always exact.
#[inline]
fn run_enders(w: u64, del_too: bool) -> u64 {
    let control = w.wrapping_sub(LO * 0x20) & !w;
    let high = if del_too { w.wrapping_add(LO) | w } else { w };
    (lanes_equal(w, b'"') | lanes_equal(w, b'\\') | control | high) & HI
}

#[inline]
fn byte_ends_run(c: u8, del_too: bool) -> bool {
    c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c) || (del_too && c == 0x7f)
}

/// Index of the first byte at or after `from` that is `"`, `\`, a control character or
/// non-ASCII (or DEL, with `del_too`); `b.len()` if there is none.
#[inline]
pub(crate) fn plain_run_end(b: &[u8], from: usize, del_too: bool) -> usize {
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let enders = run_enders(w, del_too);
        if enders != 0 {
            return i + (enders.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if byte_ends_run(c, del_too) {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_special_byte_at_every_offset() {
        for special in [b'"', b'\\', 0x00, 0x1f, 0x7f, 0x80, 0xff] {
            for len in 0..40 {
                for at in 0..=len {
                    let mut b = vec![b'a'; len];
                    if at < len {
                        b[at] = special;
                    }
                    for del_too in [false, true] {
                        let want = if at < len && (special != 0x7f || del_too) {
                            at
                        } else {
                            len
                        };
                        assert_eq!(plain_run_end(&b, 0, del_too), want, "{special} {len} {at}");
                    }
                }
            }
        }
        // Several special bytes in one word (borrows and carries between lanes): the
        // first is found, as a byte-at-a-time scan finds it.
        let alphabet = [
            b'a', b'"', b'\\', 0x00, 0x01, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xfe, 0xff,
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let b: Vec<u8> = (0..(x % 24) as usize)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly plain bytes, so runs are long enough to cross words.
                    if x % 4 == 0 {
                        alphabet[(x >> 8) as usize % alphabet.len()]
                    } else {
                        b'a'
                    }
                })
                .collect();
            for del_too in [false, true] {
                let want = b
                    .iter()
                    .position(|&c| byte_ends_run(c, del_too))
                    .unwrap_or(b.len());
                assert_eq!(plain_run_end(&b, 0, del_too), want, "{b:02x?}");
            }
        }
        // Every plain byte is skipped.
        let plain: Vec<u8> = (0x20..0x7f).filter(|&c| c != b'"' && c != b'\\').collect();
        assert_eq!(plain_run_end(&plain, 0, true), plain.len());
        assert_eq!(plain_run_end(b"ab\x7f", 1, false), 3);
    }
}
