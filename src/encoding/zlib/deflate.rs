//! A deflate compressor for session-sized inputs, byte for byte what CPython's
//! `zlib.compress` writes (so what Django writes).
//!
//! Why it exists: zlib-rs (like zlib-ng, which it ports) uses a fixed 64 Ki-entry hash
//! table, cleared for every stream, so compressing a 170-byte session costs tens of
//! microseconds of `memset` — more than Django's whole `dumps` — and its matching differs
//! from zlib's, so its bytes differ from Django's. This compressor sizes its tables to
//! the input and reproduces zlib level 6 (`deflate_slow`): lazy matching with the same
//! parameters, hash function and chain accounting, then one block, built and chosen as
//! zlib's `trees.c` does (see the `trees` module). `tests/zlib_cpython.rs` holds it to
//! CPython's bytes (zlib 1.2.13) on 304 inputs, and the Django fixtures' compressed
//! tokens are byte-identical. Inputs longer than [`MAX_INPUT`], and those whose symbols
//! would not fit one zlib block, go to zlib-rs (valid, not identical).

use std::cell::RefCell;

use super::trees;
use crate::scratch::{Loan, Pool, Reusable};

/// Largest input compressed here (every match distance then fits in deflate's window).
pub(crate) const MAX_INPUT: usize = 32 * 1024;

const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
// zlib level 6: good_length 8, max_lazy 16, nice_length 128, max_chain 128.
const GOOD_LENGTH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_LENGTH: usize = 128;
const MAX_CHAIN: usize = 128;
const TOO_FAR: usize = 4096;
/// zlib's farthest match distance with a 32 KiB window (`MAX_DIST`: window minus
/// `MIN_LOOKAHEAD`).
const MAX_DIST: usize = 32 * 1024 - (MAX_MATCH + MIN_MATCH + 1);
/// "No earlier position" in the hash chains (positions are below [`MAX_INPUT`] and fit a
/// `u16`, which halves the tables' cache footprint).
const NIL: u16 = u16::MAX;

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Length code (0..=28, i.e. symbol 257 + code) of every match length 3..=258.
const LEN_CODE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut code = 0;
    let mut len = 3;
    while len <= 258 {
        while code + 1 < 29 && LEN_BASE[code + 1] as usize <= len {
            code += 1;
        }
        t[len - 3] = code as u8;
        len += 1;
    }
    t
};

/// Distance code of distances 1..=256 (index `dist - 1`) and of larger distances
/// (index `(dist - 1) >> 7`), as zlib's `d_code`.
const DIST_CODE: ([u8; 256], [u8; 256]) = {
    let mut lo = [0u8; 256];
    let mut hi = [0u8; 256];
    let mut code = 0;
    let mut d = 1;
    while d <= 32768 {
        while code + 1 < 30 && DIST_BASE[code + 1] as usize <= d {
            code += 1;
        }
        if d <= 256 {
            lo[d - 1] = code as u8;
        }
        if (d - 1) & 127 == 0 {
            hi[(d - 1) >> 7] = code as u8;
        }
        d += 1;
    }
    (lo, hi)
};

#[inline]
fn len_code(len: usize) -> usize {
    LEN_CODE[(len - 3) & 255] as usize
}

#[inline]
fn dist_code(dist: usize) -> usize {
    if dist <= 256 {
        DIST_CODE.0[(dist - 1) & 255] as usize
    } else {
        DIST_CODE.1[((dist - 1) >> 7) & 255] as usize
    }
}

/// Length of the common prefix of `a` and `b`, eight bytes at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let max = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= max {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let diff = x ^ y;
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < max && a[i] == b[i] {
        i += 1;
    }
    i
}

/// An LZ77 symbol: a literal (`dist == 0`) or a back-reference.
#[derive(Clone, Copy)]
struct Sym {
    len: u16,
    dist: u16,
}

/// zlib's hash of three bytes (15 bits: memLevel 8, shift 5).
fn zlib_hash(b: &[u8]) -> u16 {
    (((b[0] as u32) << 10 ^ (b[1] as u32) << 5 ^ b[2] as u32) & 0x7fff) as u16
}

/// Hash chains as zlib's `head`/`prev`, in tables sized to the input. zlib's hash
/// collisions use up chain length in zlib, so they must here too: a table bucket may hold
/// several zlib hashes, each position remembers its own, and a chain walk counts only the
/// positions with the searched one.
#[derive(Default)]
struct Chains {
    head: Vec<u16>,
    /// Per position: the previous position of its bucket, and its zlib hash.
    prev: Vec<(u16, u16)>,
}

impl Chains {
    /// Empties the chains for an input of `n` bytes and returns them as slices (whose
    /// lengths the compiler then knows, unlike a vector's behind a reference).
    fn reset(&mut self, n: usize) -> Links<'_> {
        let bits = (usize::BITS - n.max(256).leading_zeros()).clamp(8, 15);
        self.head.clear();
        self.head.resize(1 << bits, NIL);
        // Every position is inserted before it is read, so old links may stay.
        if self.prev.len() < n {
            self.prev.resize(n, (NIL, 0));
        }
        Links {
            head: &mut self.head,
            prev: &mut self.prev[..n],
            shift: 32 - bits,
        }
    }
}

/// The chains of one input.
struct Links<'a> {
    head: &'a mut [u16],
    prev: &'a mut [(u16, u16)],
    shift: u32,
}

impl Links<'_> {
    /// Inserts position `p` (three bytes `at`), returning the previous head of its chain.
    #[inline]
    fn insert(&mut self, p: usize, at: &[u8]) -> u16 {
        let z = zlib_hash(at);
        let h = ((z as u32).wrapping_mul(0x9E37_79B1) >> self.shift) as usize;
        let first = self.head[h];
        self.prev[p] = (first, z);
        self.head[h] = p as u16;
        first
    }
}

/// The working memory of one compression, kept per thread between calls
/// (see [`crate::scratch`]).
#[derive(Default)]
struct Work {
    chains: Chains,
    syms: Vec<Sym>,
    runs: Vec<(u8, u8)>,
}

impl Reusable for Work {
    fn reset(&mut self) {
        self.syms.clear();
        self.runs.clear();
    }
    fn retained_bytes(&self) -> usize {
        self.chains.head.retained_bytes()
            + self.chains.prev.retained_bytes()
            + self.syms.retained_bytes()
            + self.runs.retained_bytes()
    }
}

thread_local! {
    static WORK: Pool<Work> = const { RefCell::new(Vec::new()) };
}

/// zlib's `deflate_slow` at level 6: the LZ77 symbols of `data`, appended to `out`.
fn lz77(data: &[u8], chains: &mut Chains, syms: &mut Vec<Sym>) {
    let n = data.len();
    // A local vector: its length then stays in a register across the pushes.
    let mut out = std::mem::take(syms);
    out.reserve(n / 2 + 8);
    let mut chains = chains.reset(n);
    let longest = |p: usize, mut cand: u16, prev_len: usize, chains: &Links| -> (usize, usize) {
        let mut chain = if prev_len >= GOOD_LENGTH {
            MAX_CHAIN >> 2
        } else {
            MAX_CHAIN
        };
        let max = (n - p).min(MAX_MATCH);
        let (mut best, mut best_dist) = (prev_len.max(MIN_MATCH - 1), 0);
        let h = chains.prev[p].1;
        // zlib's NIL is position 0, so position 0 is never a candidate; nor is anything
        // further back than its MAX_DIST.
        let limit = p.saturating_sub(MAX_DIST);
        while cand != NIL && (cand as usize) > limit && chain > 0 {
            let c = cand as usize;
            let (next, zh) = chains.prev[c];
            cand = next;
            if zh != h {
                continue;
            }
            chain -= 1;
            if best < max && data[c + best] == data[p + best] {
                let l = common_prefix(&data[c..c + max], &data[p..p + max]);
                if l > best {
                    best = l;
                    best_dist = p - c;
                    if l >= NICE_LENGTH || l == max {
                        break;
                    }
                }
            }
        }
        if best_dist == 0 || (best == MIN_MATCH && best_dist > TOO_FAR) {
            (0, 0)
        } else {
            (best, best_dist)
        }
    };
    let (mut i, mut prev_len, mut prev_dist, mut pending) = (0usize, 0usize, 0usize, false);
    while i < n {
        let (mut len, mut dist) = (0, 0);
        if i + MIN_MATCH <= n {
            let cand = chains.insert(i, &data[i..i + MIN_MATCH]);
            if prev_len < MAX_LAZY && cand != NIL {
                (len, dist) = longest(i, cand, prev_len, &chains);
            }
        }
        if pending && prev_len >= MIN_MATCH && len <= prev_len {
            out.push(Sym {
                len: prev_len as u16,
                dist: prev_dist as u16,
            });
            let end = i - 1 + prev_len;
            for p in i + 1..end {
                if p + MIN_MATCH <= n {
                    chains.insert(p, &data[p..p + MIN_MATCH]);
                }
            }
            i = end;
            pending = false;
            prev_len = 0;
        } else {
            if pending {
                out.push(Sym {
                    len: data[i - 1] as u16,
                    dist: 0,
                });
            }
            pending = true;
            prev_len = len;
            prev_dist = dist;
            i += 1;
        }
    }
    if pending {
        out.push(Sym {
            len: data[n - 1] as u16,
            dist: 0,
        });
    }
    *syms = out;
}

/// Bit-reversal of every byte.
const REV8: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).reverse_bits();
        i += 1;
    }
    t
};

/// Canonical codes for the code lengths `lens` (symbols without a code get 0),
/// bit-reversed for LSB-first output.
fn codes<const N: usize>(lens: &[u8; N]) -> [u16; N] {
    // Four interleaved counts: runs of equal lengths (zeros, mostly) would otherwise make
    // each increment wait for the previous one's store.
    let mut lanes = [[0u16; 16]; 4];
    for group in lens.chunks(4) {
        for (lane, &l) in lanes.iter_mut().zip(group) {
            lane[(l & 15) as usize] += 1;
        }
    }
    let mut bl_count = [0u16; 16];
    for (bits, count) in bl_count.iter_mut().enumerate().skip(1) {
        *count = lanes.iter().map(|lane| lane[bits]).sum();
    }
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for bits in 1..16 {
        code = (code + bl_count[bits - 1]) << 1;
        next[bits] = code;
    }
    let mut out = [0u16; N];
    for (s, &l) in lens.iter().enumerate() {
        let l = (l & 15) as usize;
        if l == 0 {
            continue;
        }
        let v = next[l];
        next[l] = v.wrapping_add(1);
        let rev = ((REV8[(v & 0xff) as usize] as u16) << 8) | REV8[(v >> 8) as usize] as u16;
        out[s] = rev >> (16 - l);
    }
    out
}

struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    #[inline]
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= (value as u64) << self.n;
        self.n += bits;
        if self.n >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.n -= 32;
        }
    }
    /// Flushes whole bytes, padding the last partial byte with zero bits.
    fn align(&mut self) {
        while self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n = self.n.saturating_sub(8);
        }
    }
}

/// Fixed literal/length code lengths; the code is defined over 288 symbols, of which the
/// last two are never sent.
const FIXED_LL: [u8; 288] = {
    let mut ll = [8u8; 288];
    let mut i = 144;
    while i < 256 {
        ll[i] = 9;
        i += 1;
    }
    while i < 280 {
        ll[i] = 7;
        i += 1;
    }
    ll
};
const FIXED_DL: [u8; 30] = [5u8; 30];
fn write_symbols<const L: usize>(w: &mut Bits, syms: &[Sym], ll: &[u8; L], dl: &[u8; 30]) {
    let (lc_codes, dc_codes) = (codes(ll), codes(dl));
    for s in syms {
        if s.dist == 0 {
            w.put(lc_codes[s.len as usize] as u32, ll[s.len as usize] as u32);
        } else {
            // Code and extra bits go out together: at most 15 + 5 and 15 + 13 bits.
            let len = s.len as usize;
            let lc = len_code(len);
            let bits = ll[257 + lc] as u32;
            let extra = (len - LEN_BASE[lc] as usize) as u32;
            w.put(
                lc_codes[257 + lc] as u32 | extra << bits,
                bits + LEN_EXTRA[lc] as u32,
            );
            let dist = s.dist as usize;
            let dc = dist_code(dist);
            let bits = dl[dc] as u32;
            let extra = (dist - DIST_BASE[dc] as usize) as u32;
            w.put(
                dc_codes[dc] as u32 | extra << bits,
                bits + DIST_EXTRA[dc] as u32,
            );
        }
    }
    w.put(lc_codes[256] as u32, ll[256] as u32);
}

/// zlib (and so CPython) ends a block after this many symbols (`lit_bufsize - 1` at
/// memLevel 8); inputs that need more go to zlib-rs.
const MAX_BLOCK_SYMBOLS: usize = (1 << 14) - 1;

/// Appends to `out` the zlib stream CPython's `zlib.compress(data)` gives (`78 9c`, one
/// deflate block, Adler-32), for `data` of at most [`MAX_INPUT`] bytes; `false`, with
/// `out` unchanged, if zlib would split it into several blocks.
pub(crate) fn zlib_compress_into(data: &[u8], out: &mut Vec<u8>) -> bool {
    let mut work = Loan::take(&WORK);
    let Work { chains, syms, runs } = &mut *work;
    lz77(data, chains, syms);
    if syms.len() >= MAX_BLOCK_SYMBOLS {
        return false;
    }
    let mut ll_freq = [0u32; 286];
    let mut d_freq = [0u32; 30];
    for s in syms.iter() {
        if s.dist == 0 {
            ll_freq[s.len as usize] += 1;
        } else {
            ll_freq[257 + len_code(s.len as usize)] += 1;
            d_freq[dist_code(s.dist as usize)] += 1;
        }
    }
    ll_freq[256] = 1;
    let len_extra = |s: usize| {
        if s > 256 {
            u64::from(LEN_EXTRA[s - 257])
        } else {
            0
        }
    };
    let lt = trees::build::<286, { 2 * 286 + 1 }>(&ll_freq, 15, len_extra, Some(&FIXED_LL[..286]));
    let dt = trees::build::<30, { 2 * 30 + 1 }>(
        &d_freq,
        15,
        |s| u64::from(DIST_EXTRA[s]),
        Some(&FIXED_DL),
    );
    let (hlit, hdist) = (lt.max_code + 1, dt.max_code + 1);
    runs.reserve(hlit + hdist);
    trees::run_lengths(&lt.len[..hlit], runs);
    trees::run_lengths(&dt.len[..hdist], runs);
    let mut cl_freq = [0u32; 19];
    for &(s, _) in runs.iter() {
        cl_freq[s as usize] += 1;
    }
    let extra_bits = |s: u8| match s {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    };
    let bt = trees::build::<19, { 2 * 19 + 1 }>(&cl_freq, 7, |s| extra_bits(s as u8), None);
    // zlib's length repair is only reached by extreme frequencies; should it ever give an
    // incomplete code, zlib-rs compresses instead of a stream Python would refuse.
    if (lt.repaired && !lt.is_complete())
        || (dt.repaired && !dt.is_complete())
        || (bt.repaired && !bt.is_complete())
    {
        return false;
    }
    let cl = bt.len;
    let hclen = 4.max(
        CL_ORDER
            .iter()
            .rposition(|&s| cl[s] > 0)
            .map_or(0, |p| p + 1),
    );
    // zlib's block choice, on sizes rounded to bytes: fixed codes when they are no larger
    // than dynamic ones, stored when that is at least 4 bytes smaller than the better.
    let opt = lt.opt_bits + dt.opt_bits + bt.opt_bits + 3 * hclen as u64 + 14;
    let dynamic_bytes = (opt + 3 + 7) >> 3;
    let fixed_bytes = (lt.static_bits + dt.static_bits + 3 + 7) >> 3;
    let best_bytes = dynamic_bytes.min(fixed_bytes);
    let mut w = Bits {
        out: std::mem::take(out),
        acc: 0,
        n: 0,
    };
    w.out.reserve(data.len() + 16);
    w.out.extend_from_slice(&[0x78, 0x9c]);
    if data.len() as u64 + 4 <= best_bytes {
        w.put(1, 3); // final, stored
        w.align();
        let len = data.len() as u16;
        w.out.extend_from_slice(&len.to_le_bytes());
        w.out.extend_from_slice(&(!len).to_le_bytes());
        w.out.extend_from_slice(data);
    } else if fixed_bytes <= dynamic_bytes {
        w.put(0b011, 3); // final, fixed Huffman
        write_symbols(&mut w, syms, &FIXED_LL, &FIXED_DL);
    } else {
        w.put(0b101, 3); // final, dynamic Huffman
        w.put((hlit - 257) as u32, 5);
        w.put((hdist - 1) as u32, 5);
        w.put((hclen - 4) as u32, 4);
        for &s in &CL_ORDER[..hclen] {
            w.put(cl[s] as u32, 3);
        }
        let cl_codes = codes(&cl);
        for &(s, extra) in runs.iter() {
            w.put(cl_codes[s as usize] as u32, cl[s as usize] as u32);
            w.put(extra as u32, extra_bits(s) as u32);
        }
        write_symbols(&mut w, syms, &lt.len, &dt.len);
    }
    w.align();
    w.out
        .extend_from_slice(&zlib_rs::adler32::adler32(1, data).to_be_bytes());
    *out = w.out;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::zlib::decompress;

    fn zlib_compress(data: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        zlib_compress_into(data, &mut out).then_some(out)
    }

    /// Compresses as `zlib::compress` does (here, or zlib-rs past one block) and checks
    /// the round trip.
    fn roundtrip(data: &[u8]) -> usize {
        let c = crate::encoding::zlib::compress(data);
        assert_eq!(decompress(&c, 1 << 20).unwrap(), data, "len {}", data.len());
        c.len()
    }

    #[test]
    fn empty_matches_python() {
        assert_eq!(
            zlib_compress(b"").expect("one block"),
            [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        );
    }

    #[test]
    fn round_trips_shapes() {
        roundtrip(b"a");
        roundtrip(b"ab");
        roundtrip(&[b'a'; 40]);
        roundtrip(&[0u8; 32 * 1024]);
        let all: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        roundtrip(&all);
        // Equal literal frequencies and long matches: the fixed-Huffman block.
        let c = zlib_compress(&all).expect("one block");
        assert_eq!(c[2] & 0b111, 0b011, "fixed block chosen");
        let mut x = 12345u32;
        let noise: Vec<u8> = (0..20000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let n = roundtrip(&noise);
        // Stored blocks bound the size: header and check (6 bytes), 5 bytes per block,
        // and zlib splits 20,000 literals into two blocks.
        assert!(
            n <= noise.len() + 6 + 2 * 5,
            "stored blocks bound the size: {n}"
        );
        // 20,000 literals do not fit one zlib block (16,383 symbols): zlib-rs takes them.
        assert!(zlib_compress(&noise).is_none());
        assert!(zlib_compress(&noise[..16_000]).is_some());
        let text = br#"{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"b0b300828e0fc6ea4f8aa6ff921fb3ec3385819badad8501b48aedb9e125d58d"}"#;
        let n = roundtrip(text);
        assert_eq!(n, 131, "zlib's size");
    }

    /// The benchmark sessions compress to CPython's sizes (`benches/workloads.json` records
    /// them; `tests/zlib_cpython.rs` checks the bytes themselves on many more inputs).
    #[test]
    fn the_benchmark_sessions_compress_to_cpythons_sizes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/workloads.json");
        let data: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).expect("workloads")).expect("JSON");
        let mut checked = 0;
        for (name, w) in data["workloads"].as_object().expect("workloads") {
            let json = w["json"].as_str().expect("json").as_bytes();
            let python = w["zlib_len"].as_u64().expect("zlib_len") as usize;
            assert_eq!(roundtrip(json), python, "{name}");
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn long_runs_and_far_matches() {
        let mut v = Vec::new();
        for i in 0..3000u32 {
            v.extend_from_slice(
                format!("{{\"sku\":\"A{:04}\",\"qty\":{}}},", i % 97, i % 7).as_bytes(),
            );
        }
        v.truncate(MAX_INPUT);
        roundtrip(&v);
    }
}
