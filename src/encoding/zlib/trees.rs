//! Huffman trees as zlib builds them (its `trees.c`), so that the compressor's output is
//! byte for byte what CPython's `zlib.compress` gives, hence what Django writes.
//!
//! Many code-length assignments are optimal for the same frequencies; zlib picks one by
//! a heap ordered on frequency, then on subtree depth, and limits lengths with its own
//! overflow repair. The code-length sequence is run-length coded per tree (never across
//! the literal/distance boundary), and the block type is chosen on byte-rounded sizes.
//! Each of those choices shows in the output bytes, so each is reproduced here.

/// A built tree over `N` symbols: code lengths and what the block-type decision needs.
pub(super) struct Tree<const N: usize> {
    /// Code length of each symbol (0: no code).
    pub(super) len: [u8; N],
    /// Largest symbol with a code (zlib's `max_code`).
    pub(super) max_code: usize,
    /// Bits of the symbols with these codes, extra bits included, as zlib counts them
    /// (its `opt_len`).
    pub(super) opt_bits: u64,
    /// The same with the fixed code (its `static_len`); 0 without one.
    pub(super) static_bits: u64,
    /// Whether lengths had to be limited to the maximum (zlib's overflow repair).
    pub(super) repaired: bool,
}

impl<const N: usize> Tree<N> {
    /// Whether the lengths form a complete prefix code (Kraft sum exactly 1), as every
    /// tree built here must.
    pub(super) fn is_complete(&self) -> bool {
        self.len
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 1u64 << (15 - u32::from(l.min(15))))
            .sum::<u64>()
            == 1 << 15
    }
}

/// Tree nodes and zlib's heap of them.
struct Nodes<const H: usize> {
    /// Per node, `frequency << 8 | depth`: zlib's `smaller` (by frequency, then subtree
    /// depth) as one comparison (frequencies stay below 2^24: a block holds fewer symbols).
    key: [u32; H],
    heap: [u16; H],
    heap_len: usize,
}

impl<const H: usize> Nodes<H> {
    #[inline]
    fn set(&mut self, n: usize, freq: u32, depth: u8) {
        self.key[n] = freq << 8 | u32::from(depth);
    }

    fn freq(&self, n: usize) -> u32 {
        self.key[n] >> 8
    }

    fn depth(&self, n: usize) -> u8 {
        self.key[n] as u8
    }

    /// zlib's `pqdownheap`: restores the heap order from `k` down.
    #[inline]
    fn down(&mut self, mut k: usize) {
        let v = self.heap[k];
        let kv = self.key[v as usize];
        let mut j = k << 1;
        while j <= self.heap_len {
            let (a, b) = (self.heap[j], self.heap.get(j + 1).copied().unwrap_or(0));
            if j < self.heap_len && self.key[b as usize] <= self.key[a as usize] {
                j += 1;
            }
            let hj = self.heap[j];
            if kv <= self.key[hj as usize] {
                break;
            }
            self.heap[k] = hj;
            k = j;
            j <<= 1;
        }
        self.heap[k] = v;
    }
}

/// zlib's `build_tree` and `gen_bitlen`: code lengths of at most `max_bits` for `freqs`.
/// `extra(symbol)` gives a symbol's extra bits; `fixed` the fixed code's lengths, if any.
/// `H` is the node count, `2 * N + 1` (zlib's `HEAP_SIZE` for the alphabet).
pub(super) fn build<const N: usize, const H: usize>(
    freqs: &[u32; N],
    max_bits: usize,
    extra: impl Fn(usize) -> u64,
    fixed: Option<&[u8]>,
) -> Tree<N> {
    let elems = N;
    debug_assert_eq!(H, 2 * N + 1);
    // Leaves are symbols; internal nodes are numbered from `elems` on.
    let mut nodes = Nodes::<H> {
        key: [0; H],
        heap: [0; H],
        heap_len: 0,
    };
    let mut dad = [0u16; H];
    let mut len = [0u8; H];
    let mut max_code: isize = -1;
    // Eight unused symbols at a time are skipped (keys start at 0); within a group, no
    // branches: which symbols are used follows no pattern a predictor could learn.
    for (g, group) in freqs.chunks(8).enumerate() {
        if group.iter().all(|&f| f == 0) {
            continue;
        }
        for (i, &f) in group.iter().enumerate() {
            let n = g * 8 + i;
            nodes.set(n, f, 0);
            nodes.heap[nodes.heap_len + 1] = n as u16;
            nodes.heap_len += usize::from(f != 0);
            max_code = if f != 0 { n as isize } else { max_code };
        }
    }
    let (mut opt_bits, mut static_bits) = (0i64, 0i64);
    // At least two codes: dummies of frequency 1, whose bits zlib then discounts.
    while nodes.heap_len < 2 {
        let node = if max_code < 2 {
            max_code += 1;
            max_code as usize
        } else {
            0
        };
        nodes.heap_len += 1;
        nodes.heap[nodes.heap_len] = node as u16;
        nodes.set(node, 1, 0);
        opt_bits -= 1;
        if let Some(fixed) = fixed {
            static_bits -= i64::from(fixed[node]);
        }
    }
    let max_code = max_code as usize;
    for k in (1..=nodes.heap_len / 2).rev() {
        nodes.down(k);
    }
    // Join the two least frequent nodes until one is left; `heap[heap_max..]` keeps the
    // removed nodes, most frequent first, for the length pass.
    let mut heap_max = H;
    let mut node = elems;
    loop {
        let n = nodes.heap[1];
        nodes.heap[1] = nodes.heap[nodes.heap_len];
        nodes.heap_len -= 1;
        nodes.down(1);
        let m = nodes.heap[1];
        heap_max -= 2;
        nodes.heap[heap_max + 1] = n;
        nodes.heap[heap_max] = m;
        let (n, m) = (n as usize, m as usize);
        // zlib keeps depths in a byte; so does this (no tree here gets near 255 deep).
        let depth = nodes.depth(n).max(nodes.depth(m)).wrapping_add(1);
        nodes.set(node, nodes.freq(n) + nodes.freq(m), depth);
        dad[n] = node as u16;
        dad[m] = node as u16;
        nodes.heap[1] = node as u16;
        node += 1;
        nodes.down(1);
        if nodes.heap_len < 2 {
            break;
        }
    }
    heap_max -= 1;
    nodes.heap[heap_max] = nodes.heap[1];
    let node_at = |h: usize| nodes.heap[h] as usize;
    let freq = |n: usize| nodes.freq(n);

    // Lengths from the root down, capped at `max_bits`, counting the capped leaves.
    let mut bl_count = [0u32; 16];
    len[node_at(heap_max)] = 0;
    let mut overflow = 0u32;
    for h in heap_max + 1..H {
        let n = node_at(h);
        let mut bits = len[dad[n] as usize] as usize + 1;
        if bits > max_bits {
            bits = max_bits;
            overflow += 1;
        }
        len[n] = bits as u8;
        if n > max_code {
            continue;
        }
        bl_count[bits] += 1;
        let f = i64::from(freq(n));
        opt_bits += f * (bits as i64 + extra(n) as i64);
        if let Some(fixed) = fixed {
            static_bits += f * (i64::from(fixed[n]) + extra(n) as i64);
        }
    }
    let overflow_seen = overflow > 0;
    if overflow > 0 {
        // zlib's repair: move leaves down from the deepest shorter level, then hand the
        // lengths out again to the leaves in frequency order.
        loop {
            let mut bits = max_bits - 1;
            while bl_count[bits] == 0 {
                bits -= 1;
            }
            bl_count[bits] -= 1;
            bl_count[bits + 1] += 2;
            bl_count[max_bits] -= 1;
            overflow = overflow.saturating_sub(2);
            if overflow == 0 {
                break;
            }
        }
        let mut h = H;
        for bits in (1..=max_bits).rev() {
            let mut count = bl_count[bits];
            while count != 0 {
                h -= 1;
                let m = node_at(h);
                if m > max_code {
                    continue;
                }
                if len[m] as usize != bits {
                    let f = i64::from(freq(m));
                    opt_bits += (bits as i64 - i64::from(len[m])) * f;
                    len[m] = bits as u8;
                }
                count -= 1;
            }
        }
    }
    let mut leaf_len = [0u8; N];
    leaf_len.copy_from_slice(&len[..N]);
    Tree {
        len: leaf_len,
        max_code,
        opt_bits: opt_bits.max(0) as u64,
        static_bits: static_bits.max(0) as u64,
        repaired: overflow_seen,
    }
}

/// zlib's `send_tree` order: the code lengths `lens` (one tree's, up to its `max_code`)
/// as code-length symbols with their extra values: 0–15 a length, 16 repeats the
/// previous 3–6 times, 17 and 18 give 3–10 and 11–138 zeros.
///
/// zlib walks the lengths one by one, emitting when a run ends or reaches its current
/// maximum; this walks whole runs of equal lengths and emits the same pieces.
pub(super) fn run_lengths(lens: &[u8], out: &mut Vec<(u8, u8)>) {
    let mut prev: i32 = -1;
    let (mut max_count, mut min_count) = if lens.first() == Some(&0) {
        (138, 3)
    } else {
        (7, 4)
    };
    let mut i = 0;
    while i < lens.len() {
        let cur = lens[i];
        let mut run = 1;
        while lens.get(i + run) == Some(&cur) {
            run += 1;
        }
        // Past the end, a length no code has (zlib's guard entry).
        let after = lens.get(i + run).map_or(-1, |&l| i32::from(l));
        i += run;
        while run > 0 {
            let mut count = run.min(max_count);
            run -= count;
            let next = if run > 0 { i32::from(cur) } else { after };
            if count < min_count {
                for _ in 0..count {
                    out.push((cur, 0));
                }
            } else if cur != 0 {
                if i32::from(cur) != prev {
                    out.push((cur, 0));
                    count -= 1;
                }
                out.push((16, (count - 3) as u8));
            } else if count <= 10 {
                out.push((17, (count - 3) as u8));
            } else {
                out.push((18, (count - 11) as u8));
            }
            prev = i32::from(cur);
            (max_count, min_count) = if next == 0 {
                (138, 3)
            } else if i32::from(cur) == next {
                (6, 3)
            } else {
                (7, 4)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fibonacci frequencies make the deepest Huffman trees; zlib's repair must bring
    /// them to the limit and keep a complete code, with the bits counted as coded.
    #[test]
    fn length_limit_repair_keeps_a_complete_code() {
        let mut fib = [1u32; 30];
        for i in 2..30 {
            fib[i] = fib[i - 1] + fib[i - 2];
        }
        fn check<const N: usize>(t: &Tree<N>, freqs: &[u32], max_bits: usize) {
            assert!(t.repaired);
            assert!(t.is_complete());
            assert!(t.len.iter().all(|&l| l as usize <= max_bits));
            assert!(t.len.iter().filter(|&&l| l as usize == max_bits).count() >= 2);
            let bits: u64 = freqs
                .iter()
                .zip(&t.len)
                .map(|(&f, &l)| f as u64 * l as u64)
                .sum();
            assert_eq!(t.opt_bits, bits);
        }
        let t = build::<30, { 2 * 30 + 1 }>(&fib, 15, |_| 0, None);
        check(&t, &fib, 15);
        let fib19: [u32; 19] = fib[..19].try_into().expect("19");
        let t = build::<19, { 2 * 19 + 1 }>(&fib19, 7, |_| 0, None);
        check(&t, &fib19, 7);
        // Without the need, no repair, and the optimal lengths.
        let t = build::<4, { 2 * 4 + 1 }>(&[1, 1, 2, 4], 15, |_| 0, None);
        assert!(!t.repaired && t.is_complete());
        assert_eq!(t.len, [3, 3, 2, 1]);
    }

    /// zlib's run-length coding of code lengths, on the cases its rules distinguish.
    #[test]
    fn run_lengths_follow_zlib() {
        let mut out = Vec::new();
        run_lengths(&[0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5, 3, 3, 0, 0], &mut out);
        assert_eq!(
            out,
            [
                (17, 0),
                (5, 0),
                (16, 3),
                (5, 0),
                (3, 0),
                (3, 0),
                (0, 0),
                (0, 0)
            ]
        );
        out.clear();
        run_lengths(&[0; 150], &mut out);
        assert_eq!(out, [(18, 127), (18, 1)]);
        out.clear();
        run_lengths(&[7; 4], &mut out);
        assert_eq!(out, [(7, 0), (16, 0)]);
    }
}
