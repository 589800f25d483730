//! A counting global allocator: every binary that links this crate (the criterion benches,
//! the report) allocates through it, so allocations per request can be counted anywhere.
//!
//! Counting is off unless [`counting`] runs; while off, the only cost is one relaxed atomic
//! load per allocation, the same for every row measured. The count is process-wide rather
//! than per thread: the in-process measurements run on one thread, and a framework that
//! handed work to another thread would still be counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Forwards to [`System`], counting allocations (and reallocations, which may move) while
/// enabled.
pub struct CountingAllocator;

static ENABLED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);

#[inline]
fn count_one() {
    if ENABLED.load(Relaxed) {
        COUNT.fetch_add(1, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; counting touches only atomics.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Starts counting from zero.
pub fn start() {
    COUNT.store(0, Relaxed);
    ENABLED.store(true, Relaxed);
}

/// Stops counting and returns the count since [`start`].
pub fn stop() -> u64 {
    ENABLED.store(false, Relaxed);
    COUNT.load(Relaxed)
}

/// Runs `f`, returning what it returns and how many allocations it made.
pub fn counting<T>(f: impl FnOnce() -> T) -> (T, u64) {
    start();
    let value = f();
    (value, stop())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_allocations() {
        let (v, n) = counting(|| vec![1u8; 16]);
        assert_eq!(v.len(), 16);
        // At least: other test threads may allocate meanwhile, and the count is global.
        assert!(n >= 1, "{n}");
    }
}
