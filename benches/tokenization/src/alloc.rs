//! A counting global allocator that measures the peak heap growth of a closure, across all threads.
//!
//! Peak memory per batch is one of the suite's custom metrics. Crates that
//! count allocations either count per thread (missing rayon's workers), add
//! a lock or backtrace capture to every allocation (distorting the timed
//! benchmarks running in the same binary), or are unmaintained; this
//! wrapper around the system allocator costs one relaxed atomic load per
//! allocation while no measurement is running.
//!
//! Install it as a binary's global allocator and measure a closure:
//!
//! ```
//! use tokenization::alloc::CountingAllocator;
//!
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::new();
//!
//! fn main() {
//!     let (_, usage) = ALLOCATOR
//!         .measure(|| drop(vec![0u8; 1 << 20]))
//!         .expect("no other measurement is running");
//!     assert!(usage.peak_bytes >= 1 << 20);
//! }
//! ```

// Implementing `GlobalAlloc` is unsafe by definition; this module holds the
// crate's only unsafe code, each block delegating to `System` unchanged.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The system allocator, counting live bytes while a measurement runs.
#[derive(Debug)]
pub struct CountingAllocator {
    /// Whether allocations are counted. Read on every allocation; written
    /// only at the start and end of a measurement, so it stays shared in
    /// every core's cache and costs nothing measurable otherwise.
    active: AtomicBool,
    /// Bytes allocated minus bytes freed since the measurement began.
    /// Signed because memory allocated before the start may be freed
    /// during it.
    current: AtomicI64,
    /// Highest value `current` reached during the measurement.
    peak: AtomicI64,
}

/// The heap use of one measured closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapUsage {
    /// Largest growth of live heap bytes above the level at the start.
    pub peak_bytes: u64,
    /// Live bytes at the end minus live bytes at the start (negative when
    /// the closure freed older memory).
    pub net_bytes: i64,
}

/// Why a measurement could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    /// Another measurement is running on this allocator; overlapping ones
    /// would count each other's allocations.
    #[error("another heap measurement is already running")]
    Busy,
}

impl CountingAllocator {
    /// A new, idle allocator (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            active: AtomicBool::new(false),
            current: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    /// Runs `f` and reports how far the live heap grew above its level at
    /// the start, counting allocations of every thread (rayon's workers
    /// included). Only meaningful when `self` is the global allocator;
    /// otherwise both numbers are zero.
    pub fn measure<R>(&self, f: impl FnOnce() -> R) -> Result<(R, HeapUsage), MeasureError> {
        self.active
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .map_err(|_| MeasureError::Busy)?;
        // Reset only once this measurement owns the counters, so a refused
        // call cannot clobber a running one.
        self.current.store(0, Ordering::SeqCst);
        self.peak.store(0, Ordering::SeqCst);
        let result = f();
        self.active.store(false, Ordering::SeqCst);
        let usage = HeapUsage {
            peak_bytes: self.peak.load(Ordering::SeqCst).max(0).unsigned_abs(),
            net_bytes: self.current.load(Ordering::SeqCst),
        };
        Ok((result, usage))
    }

    #[inline]
    fn grow(&self, bytes: usize) {
        if self.active.load(Ordering::Relaxed) {
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
            self.peak.fetch_max(now, Ordering::Relaxed);
        }
    }

    #[inline]
    fn shrink(&self, bytes: usize) {
        if self.active.load(Ordering::Relaxed) {
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            self.current.fetch_sub(bytes, Ordering::Relaxed);
        }
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds `GlobalAlloc`'s contract, and returns `System`'s result; the
// counting only touches atomics and never allocates, so it cannot recurse
// into the allocator or unwind.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `layout` obligations pass through to `System`.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            self.grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            self.grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator, that
        // is from `System`, with this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        self.shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr` came from `System` with
        // `layout` and that `new_size` is valid for it.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            self.shrink(layout.size());
            self.grow(new_size);
        }
        new_ptr
    }
}
