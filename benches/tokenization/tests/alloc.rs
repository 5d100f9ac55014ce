//! The counting allocator measures peak heap growth across threads and refuses overlapping measurements.

use std::sync::{Mutex, MutexGuard};

use rayon::prelude::*;
use tokenization::alloc::{CountingAllocator, MeasureError};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new();

const MIB: usize = 1 << 20;

/// What libtest's own threads may allocate or free while a test measures:
/// the counter is global, so their bookkeeping (a few hundred bytes) shows
/// up too.
const SLACK: u64 = 64 * 1024;

/// The tests share the one global allocator, and libtest runs them in
/// parallel: each holds this lock so that no two measure at once.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn peak_covers_a_temporary_allocation_that_is_freed_again() {
    let _serial = serial();
    let ((), usage) = ALLOCATOR
        .measure(|| {
            let buffer = vec![1u8; 4 * MIB];
            std::hint::black_box(&buffer);
        })
        .unwrap();
    assert!(usage.peak_bytes + SLACK >= 4 * MIB as u64, "{usage:?}");
    assert!(
        usage.net_bytes.unsigned_abs() < SLACK,
        "nothing was kept: {usage:?}"
    );
}

#[test]
fn allocations_on_rayon_workers_are_counted() {
    let _serial = serial();
    let (total, usage) = ALLOCATOR
        .measure(|| {
            (0..8)
                .into_par_iter()
                .map(|_| {
                    let buffer = vec![7u8; MIB];
                    std::hint::black_box(&buffer);
                    buffer.len()
                })
                .sum::<usize>()
        })
        .unwrap();
    assert_eq!(total, 8 * MIB);
    assert!(usage.peak_bytes + SLACK >= MIB as u64, "{usage:?}");
}

#[test]
fn kept_allocations_show_as_net_growth() {
    let _serial = serial();
    let (kept, usage) = ALLOCATOR.measure(|| vec![0u64; MIB]).unwrap();
    assert!(
        usage.net_bytes + SLACK as i64 >= 8 * MIB as i64,
        "{usage:?}"
    );
    assert!(
        usage.peak_bytes + SLACK >= usage.net_bytes.unsigned_abs(),
        "{usage:?}"
    );
    drop(kept);
}

#[test]
fn overlapping_measurements_are_refused() {
    let _serial = serial();
    let (inner, _) = ALLOCATOR.measure(|| ALLOCATOR.measure(|| ())).unwrap();
    assert_eq!(inner.unwrap_err(), MeasureError::Busy);
}
