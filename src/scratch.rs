//! Per-thread reusable buffers for the hot paths.
//!
//! Every `loads` needs a buffer for the base-64-decoded bytes and one for the inflated
//! JSON, every `dumps` one for the JSON and one for the deflated bytes, the deflate its
//! hash chains and symbols, the JSON reader its stacks; all of them are dropped before
//! the call returns (they were 10 of the 11 allocations of a `dumps` of the `login`
//! session). Instead each thread keeps a few of them here and lends them out;
//! `tests/allocations.rs` checks that the hot paths allocate nothing else.
//!
//! What is kept is bounded: at most [`KEEP`] buffers of each kind per thread, none over
//! [`RETAIN_BYTES`] of capacity (a larger one, say after an oversized hostile cookie, is
//! freed on return). With its three kinds (bytes here, the deflate's and the JSON
//! reader's working memory) a thread keeps at most 768 KiB, and a few kilobytes for
//! session-sized values. A loan takes its buffer out of the pool, so nested or reentrant
//! use (a `Serialize` implementation that signs something itself) gets a buffer of its
//! own and can never find one borrowed.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::thread::LocalKey;

/// Buffers of larger capacity than this are freed, not kept.
pub(crate) const RETAIN_BYTES: usize = 64 * 1024;
/// Most buffers of one kind a thread keeps.
pub(crate) const KEEP: usize = 4;

/// A vector that can be emptied and measured, so the pool can hold it.
pub(crate) trait Reusable: Default {
    /// Empties it, keeping its capacity.
    fn reset(&mut self);
    /// The memory it holds, in bytes.
    fn retained_bytes(&self) -> usize;
}

impl<T> Reusable for Vec<T> {
    fn reset(&mut self) {
        self.clear();
    }
    fn retained_bytes(&self) -> usize {
        self.capacity() * std::mem::size_of::<T>()
    }
}

/// The free buffers of one kind on this thread.
pub(crate) type Pool<T> = RefCell<Vec<T>>;

/// A buffer lent by a thread's [`Pool`]: empty when lent, given back (emptied) when
/// dropped.
pub(crate) struct Loan<T: Reusable + 'static> {
    item: T,
    pool: &'static LocalKey<Pool<T>>,
}

impl<T: Reusable + 'static> Loan<T> {
    /// Borrows an empty buffer from `pool`, or a new one if it has none (or is gone,
    /// during thread teardown).
    pub(crate) fn take(pool: &'static LocalKey<Pool<T>>) -> Loan<T> {
        let item = pool
            .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
            .unwrap_or_default();
        Loan { item, pool }
    }
}

impl<T: Reusable + 'static> Deref for Loan<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.item
    }
}

impl<T: Reusable + 'static> DerefMut for Loan<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.item
    }
}

impl<T: Reusable + 'static> Drop for Loan<T> {
    fn drop(&mut self) {
        let mut item = std::mem::take(&mut self.item);
        let size = item.retained_bytes();
        if size == 0 || size > RETAIN_BYTES {
            return;
        }
        item.reset();
        let _ = self.pool.try_with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.len() < KEEP {
                    p.push(item);
                }
            }
        });
    }
}

thread_local! {
    /// Byte buffers: base 64, JSON, zlib streams.
    pub(crate) static BYTES: Pool<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Borrows an empty byte buffer.
pub(crate) fn bytes() -> Loan<Vec<u8>> {
    Loan::take(&BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_lent_again_empty() {
        let mut a = bytes();
        a.extend_from_slice(b"hello");
        let cap = a.capacity();
        let ptr = a.as_ptr();
        drop(a);
        let b = bytes();
        assert!(b.is_empty());
        assert_eq!((b.capacity(), b.as_ptr()), (cap, ptr));
    }

    #[test]
    fn nested_loans_get_distinct_buffers() {
        let mut a = bytes();
        a.push(1);
        let mut b = bytes();
        b.push(2);
        assert_ne!(a.as_ptr(), b.as_ptr());
        assert_eq!((&a[..], &b[..]), (&[1u8][..], &[2u8][..]));
    }

    #[test]
    fn oversized_buffers_are_freed_and_the_pool_is_bounded() {
        let mut big = bytes();
        big.reserve(RETAIN_BYTES + 1);
        drop(big);
        assert!(bytes().capacity() <= RETAIN_BYTES);
        let loans: Vec<_> = (0..KEEP + 3)
            .map(|_| {
                let mut b = bytes();
                b.push(0);
                b
            })
            .collect();
        drop(loans);
        assert!(BYTES.with(|p| p.borrow().len()) <= KEEP);
    }
}
