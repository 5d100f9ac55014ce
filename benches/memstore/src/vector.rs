//! Vector arithmetic of the store: the dot product every search spends its time in, and L2 normalisation.

use multiversion::multiversion;

/// Dimensions of every embedding: the width of the small sentence
/// encoders (MiniLM, bge-small) that memory services embed episodes with.
pub const DIM: usize = 384;

/// Independent accumulators of [`dot`]. A float add has a latency of
/// three to four cycles, so one dependent chain of sums caps the loop at a
/// quarter of what the vector units can do; 64 lanes are eight AVX2
/// registers in flight (sixteen SSE registers without AVX2), enough to
/// keep both add pipes busy. The lanes are summed in a fixed order, so the
/// result is bit-identical whichever instruction set runs it.
const F32_LANES: usize = 64;

/// Independent running maxima of [`quantize_into`]: two AVX2 registers.
const MAX_LANES: usize = 16;

/// Whether every component is finite. Written as a fold rather than
/// `all`, whose early exit keeps the compiler from vectorising it.
pub fn all_finite(v: &[f32]) -> bool {
    v.iter().fold(true, |all, x| all & x.is_finite())
}

/// Independent accumulators of [`dot_i8`]: 32 `i32` lanes are four AVX2
/// registers, one 32-byte load of codes per side and step.
const I8_LANES: usize = 32;

/// Dot product of two equally long vectors (the shorter length is used if
/// they differ). On L2-normalised vectors this is the cosine similarity.
///
/// Compiled for AVX2 (x86-64) and NEON (aarch64) besides the baseline and
/// chosen at run time: the crate is built for the baseline instruction
/// set, whose 128-bit vectors would halve the throughput of the graph
/// walk and of the exact scan alike.
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; F32_LANES];
    let chunks_a = a.chunks_exact(F32_LANES);
    let chunks_b = b.chunks_exact(F32_LANES);
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for ((s, x), y) in acc.iter_mut().zip(ca).zip(cb) {
            *s += x * y;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Scales `v` to unit length in place and returns its original norm.
/// A zero (or non-finite) vector is left as it is; the caller decides
/// whether that is an error.
pub fn normalize(v: &mut [f32]) -> f32 {
    let norm = dot(v, v).sqrt();
    if norm.is_finite() && norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
    norm
}

/// Distance the index orders by: `1 - cosine`, in [0, 2] for unit vectors.
#[inline]
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    1.0 - dot(a, b)
}

/// Largest magnitude of an `i8` code: codes are symmetric, so -127..=127.
const CODE_MAX: f32 = 127.0;

/// Appends the 8-bit scalar quantisation of `v` to `out` and returns its
/// scale: `v[i] ≈ out[i] as f32 * scale`. One scale per vector (its
/// largest magnitude over 127) keeps the error of every component within
/// half a step of that vector's range.
///
/// Multiversioned like [`dot`] for a different reason: the baseline
/// x86-64 instruction set has no rounding instruction, so `round` there is
/// a call into libm per component, which was half of a `store`'s time.
/// With SSE4.1 and up the compiler rounds eight components per
/// instruction, to the same values (`round` is exactly specified).
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn quantize_into(v: &[f32], out: &mut Vec<i8>) -> f32 {
    // Lane-wise like `dot`: one running maximum is a chain of dependent
    // `max` instructions the compiler may not reorder, 384 of them long.
    // A maximum is exact, so the lanes change no result.
    let mut lanes = [0.0f32; MAX_LANES];
    let chunks = v.chunks_exact(MAX_LANES);
    let tail = chunks
        .remainder()
        .iter()
        .fold(0.0f32, |m, x| m.max(x.abs()));
    for chunk in chunks {
        for (lane, x) in lanes.iter_mut().zip(chunk) {
            *lane = lane.max(x.abs());
        }
    }
    let max = lanes.iter().fold(tail, |m, &lane| m.max(lane));
    let scale = if max > 0.0 { max / CODE_MAX } else { 1.0 };
    out.extend(
        v.iter()
            .map(|x| small_integer_to_i8((x / scale).round().clamp(-CODE_MAX, CODE_MAX))),
    );
    scale
}

/// 1.5 × 2^23: a float of this magnitude has a unit last place, so adding
/// it to an integer-valued float below 2^22 in magnitude leaves that
/// integer, exactly, in the low bits of the sum's representation.
const INTEGER_MAGIC: f32 = 12_582_912.0;

/// Converts an integer-valued float within ±127 to `i8` with bit
/// arithmetic. `as i8` means a saturating conversion, which the compiler
/// emits one component at a time with branches (it was a fifth of a
/// store); this form vectorises, and on the values it is given here it is
/// exact.
#[inline]
fn small_integer_to_i8(value: f32) -> i8 {
    ((value + INTEGER_MAGIC).to_bits() as i32 - INTEGER_MAGIC.to_bits() as i32) as i8
}

/// Dot product of two 8-bit code vectors, exact in `i32` (384 products of
/// at most 127² cannot overflow). Multiversioned like [`dot`]; integer
/// sums are exact, so every instruction set gives the same value.
#[multiversion(targets("x86_64+avx2+fma", "aarch64+neon"))]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; I8_LANES];
    let chunks_a = a.chunks_exact(I8_LANES);
    let chunks_b = b.chunks_exact(I8_LANES);
    let tail: i32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        for ((s, &x), &y) in acc.iter_mut().zip(ca).zip(cb) {
            *s += i32::from(i16::from(x) * i16::from(y));
        }
    }
    acc.iter().sum::<i32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_naive_sum_for_lengths_around_the_lane_width() {
        for n in [0, 1, 15, 16, 17, 33, 63, 64, 65, 129, DIM] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-4, "n = {n}");
        }
    }

    #[test]
    fn dot_i8_matches_the_naive_sum_for_lengths_around_the_lane_width() {
        for n in [0, 1, 31, 32, 33, 95, DIM] {
            let a: Vec<i8> = (0..n).map(|i| ((i * 37) % 255) as i8).collect();
            let b: Vec<i8> = (0..n).map(|i| ((i * 91 + 7) % 255) as i8).collect();
            let naive: i32 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            assert_eq!(dot_i8(&a, &b), naive, "n = {n}");
        }
    }

    #[test]
    fn quantized_dot_approximates_the_float_dot() {
        let mut a: Vec<f32> = (0..DIM).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut b: Vec<f32> = (0..DIM).map(|i| (i as f32 * 0.11).cos()).collect();
        normalize(&mut a);
        normalize(&mut b);
        let (mut ca, mut cb) = (Vec::new(), Vec::new());
        let sa = quantize_into(&a, &mut ca);
        let sb = quantize_into(&b, &mut cb);
        let approx = dot_i8(&ca, &cb) as f32 * sa * sb;
        assert!(
            (approx - dot(&a, &b)).abs() < 0.01,
            "{approx} vs {}",
            dot(&a, &b)
        );
        assert_eq!(dot_i8(&[127; DIM], &[-127; DIM]), -127 * 127 * DIM as i32);
    }

    #[test]
    fn quantize_rounds_halves_away_from_zero_like_scalar_round() {
        // Components at exact half steps of the scale (127 / 127 = 1 step),
        // where a rounding that ties to even or truncates would differ.
        let v: Vec<f32> = (-254..=254).map(|i| i as f32 * 0.5).collect();
        let mut codes = Vec::new();
        let scale = quantize_into(&v, &mut codes);
        assert_eq!(scale, 1.0);
        let scalar: Vec<i8> = v
            .iter()
            .map(|x| (x / scale).round().clamp(-CODE_MAX, CODE_MAX) as i8)
            .collect();
        assert_eq!(codes, scalar);
        assert_eq!(&codes[..3], &[-127, -127, -126]);
        assert_eq!(codes[254 + 1], 1, "0.5 rounds to 1");
        assert_eq!(codes[254 - 1], -1, "-0.5 rounds to -1");
    }

    #[test]
    fn normalize_gives_unit_length_and_leaves_zero_alone() {
        let mut v = vec![3.0, 4.0];
        assert_eq!(normalize(&mut v), 5.0);
        assert!((dot(&v, &v) - 1.0).abs() < 1e-6);
        let mut zero = vec![0.0; 4];
        assert_eq!(normalize(&mut zero), 0.0);
        assert_eq!(zero, vec![0.0; 4]);
    }
}
