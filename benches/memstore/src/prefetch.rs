//! Cache prefetch hints for graph walks and the write path: `unsafe` for an instruction that cannot fault (with `mapped_log.rs`, the only `unsafe` in the crate).
#![allow(unsafe_code)]

/// Bytes per cache line on x86-64 and on the aarch64 cores we target.
const CACHE_LINE: usize = 64;

/// Asks the CPU to start loading `data` into the cache, without waiting
/// for it. A hint only: on targets without a prefetch instruction (and in
/// Miri-like interpreters) it does nothing, and the result of every
/// computation is the same either way.
#[inline]
pub(crate) fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = data.as_ptr().cast::<i8>();
        let len = std::mem::size_of_val(data);
        for offset in (0..len).step_by(CACHE_LINE) {
            // SAFETY: PREFETCHT0 is architecturally a hint: it never
            // faults, whatever the address, and changes no program state.
            // SSE, which the intrinsic requires, is part of the x86-64
            // baseline every x86-64 build targets.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}
