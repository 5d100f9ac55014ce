//! The linear projection of a block on f32 arrays (`out = input · Wᵀ + b`) and the plain matrix multiply the benchmarks compare the stack against.

use ndarray::linalg::{general_mat_mul, general_mat_vec_mul};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::weights::Linear;

/// Rows up to which the projection runs as one matrix-vector product per
/// row rather than as a matrix product. `matrixmultiply`'s sgemm packs
/// the whole weight matrix on every call, which for a few rows costs more
/// than the multiply itself; a row-by-row dot product reads the weights in
/// place. Measured at 256×256 on the suite's machine (fastest of 2 000
/// calls): one row 11 µs as mat-vec against 29 µs as sgemm, two rows 22
/// against 28, three rows 34 against 29.
pub const GEMV_MAX_ROWS: usize = 2;

/// `out = input · weightᵀ + bias`, with `weight` `[out, in]`, `input`
/// `[rows, in]` and `out` `[rows, out]`, on the calling thread. Shapes are
/// the caller's responsibility (the stacks check them once per call).
pub fn project(
    weight: ArrayView2<'_, f32>,
    bias: ArrayView1<'_, f32>,
    input: ArrayView2<'_, f32>,
    mut out: ArrayViewMut2<'_, f32>,
) {
    for mut row in out.rows_mut() {
        row.assign(&bias);
    }
    if input.nrows() <= GEMV_MAX_ROWS {
        for (x, mut y) in input.rows().into_iter().zip(out.rows_mut()) {
            general_mat_vec_mul(1.0, &weight, &x, 1.0, &mut y);
        }
    } else {
        general_mat_mul(1.0, &input, &weight.t(), 1.0, &mut out);
    }
}

/// [`project`] of a whole block on the calling thread.
pub fn project_linear(linear: &Linear, input: ArrayView2<'_, f32>, out: ArrayViewMut2<'_, f32>) {
    project(linear.weight.view(), linear.bias.view(), input, out);
}

/// [`project`] split over rayon's threads by **output neurons**: each task
/// multiplies every input row by its own slice of the weight rows. Split
/// this way, each thread packs (sgemm) or streams (mat-vec) only its share
/// of the weights; split by batch rows, every thread would pack all of
/// them, and packing is most of the cost at serving batch sizes.
pub fn project_parallel(
    linear: &Linear,
    input: ArrayView2<'_, f32>,
    mut out: ArrayViewMut2<'_, f32>,
) {
    let cols = columns_per_task(linear.bias.len());
    let weights: Vec<_> = linear.weight.axis_chunks_iter(Axis(0), cols).collect();
    let biases: Vec<_> = linear.bias.axis_chunks_iter(Axis(0), cols).collect();
    let outs: Vec<_> = out.axis_chunks_iter_mut(Axis(1), cols).collect();
    weights
        .into_par_iter()
        .zip(biases)
        .zip(outs)
        .for_each(|((weight, bias), out)| project(weight, bias, input, out));
}

/// Output neurons per parallel task: spread evenly over rayon's threads.
fn columns_per_task(columns: usize) -> usize {
    columns.div_ceil(rayon::current_num_threads().max(1)).max(1)
}

/// The plain matrix product `out = a · b` through the same `matrixmultiply`
/// sgemm the projection uses, on the calling thread: the machine's
/// reference for a projection of the same shapes.
pub fn matmul(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>, mut out: ArrayViewMut2<'_, f32>) {
    general_mat_mul(1.0, &a, &b, 0.0, &mut out);
}

/// [`matmul`] split over rayon's threads by output columns, like
/// [`project_parallel`].
pub fn matmul_parallel(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    mut out: ArrayViewMut2<'_, f32>,
) {
    let cols = columns_per_task(b.ncols());
    let rhs: Vec<_> = b.axis_chunks_iter(Axis(1), cols).collect();
    let outs: Vec<_> = out.axis_chunks_iter_mut(Axis(1), cols).collect();
    rhs.into_par_iter()
        .zip(outs)
        .for_each(|(b, out)| matmul(a, b, out));
}
