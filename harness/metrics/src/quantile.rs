//! The order statistics the suites summarise repeated measurements with.
//!
//! One [`median`] and one nearest-rank quantile ([`nearest_rank`]), so that
//! a metric called a median, or a p99, means the same thing in every suite.
//! They are two different statistics on purpose: a median of rounds is the
//! centre of a handful of per-round values (the mean of the two middle ones
//! for an even count), while a latency percentile is always one of the
//! observed latencies.

/// The median of `values`: the middle value for an odd count, the mean of
/// the two middle values for an even count; `None` when `values` is empty.
///
/// `values` need not be sorted (they are copied and sorted here). They are
/// ordered by [`f64::total_cmp`], so NaNs cannot panic or scramble the
/// order: a NaN sorts above +∞ (below −∞ if its sign bit is set), and only
/// makes the median NaN if it is one of the middle values — which
/// [`Recorder::record`](crate::Recorder::record) then refuses to record.
///
/// ```
/// use benchgate_metrics::median;
///
/// assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
/// assert_eq!(median(&[]), None);
/// ```
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The `q` quantile (`q` in 0..=1, e.g. 0.99 for p99) of `sorted` by the
/// nearest-rank method: the element of 1-based rank ⌈q·n⌉, the rank
/// clamped to 1..=n; `None` when `sorted` is empty.
///
/// The result is always one of the observed values, never an
/// interpolation between two: `q` = 0.5 gives the lower of the two middle
/// values for an even count, where [`median`] gives their mean. `q` below
/// 0 (or NaN) gives the smallest value, above 1 the largest.
///
/// `sorted` must be in ascending order (checked in debug builds); it is
/// taken sorted so that several quantiles of one large sample cost one
/// sort, and it is generic so that integer latencies need no conversion.
///
/// ```
/// use benchgate_metrics::nearest_rank;
///
/// let latencies_ns: Vec<u64> = (1..=100).collect();
/// assert_eq!(nearest_rank(&latencies_ns, 0.99), Some(99));
/// assert_eq!(nearest_rank(&latencies_ns, 0.5), Some(50));
/// assert_eq!(nearest_rank::<f64>(&[], 0.5), None);
/// ```
pub fn nearest_rank<T: Copy + PartialOrd>(sorted: &[T], q: f64) -> Option<T> {
    debug_assert!(
        sorted
            .windows(2)
            .all(|pair| pair[0].partial_cmp(&pair[1]) != Some(std::cmp::Ordering::Greater)),
        "nearest_rank needs its values in ascending order"
    );
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[9.0, -1.0, 4.0, 7.0, 0.5]), Some(4.0));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
        assert_eq!(median(&[2.0, 1.0]), Some(1.5));
        assert_eq!(median(&[10.0, 1.0, 4.0, 2.0]), Some(3.0));
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn median_orders_nans_instead_of_panicking() {
        // NaN sorts last: the middle of [1, 2, 3, NaN, NaN] is 3.
        assert_eq!(median(&[f64::NAN, 3.0, 1.0, f64::NAN, 2.0]), Some(3.0));
        assert!(median(&[f64::NAN, f64::NAN, 1.0]).is_some_and(f64::is_nan));
        assert_eq!(median(&[f64::NEG_INFINITY, 0.0, f64::INFINITY]), Some(0.0));
    }

    #[test]
    fn median_leaves_its_input_alone() {
        let values = [3.0, 1.0, 2.0];
        assert_eq!(median(&values), Some(2.0));
        assert_eq!(values, [3.0, 1.0, 2.0]);
    }

    #[test]
    fn nearest_rank_picks_the_observed_value_at_rank_ceil_q_n() {
        let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&sorted, 0.5), Some(5.0), "lower middle");
        assert_eq!(nearest_rank(&sorted, 0.51), Some(6.0));
        assert_eq!(nearest_rank(&sorted, 0.99), Some(10.0));
        assert_eq!(nearest_rank(&sorted, 1.0), Some(10.0));
        let thousand: Vec<u64> = (1..=1000).collect();
        assert_eq!(nearest_rank(&thousand, 0.99), Some(990));
        assert_eq!(nearest_rank(&thousand, 0.999), Some(999));
    }

    #[test]
    fn nearest_rank_clamps_q_to_the_observed_range() {
        let sorted = [1_u64, 2, 3];
        assert_eq!(nearest_rank(&sorted, 0.0), Some(1));
        assert_eq!(nearest_rank(&sorted, -1.0), Some(1));
        assert_eq!(nearest_rank(&sorted, f64::NAN), Some(1));
        assert_eq!(nearest_rank(&sorted, 2.0), Some(3));
        assert_eq!(nearest_rank(&[7_u64], 0.99), Some(7));
    }

    #[test]
    fn nearest_rank_of_nothing_is_none() {
        assert_eq!(nearest_rank::<u64>(&[], 0.99), None);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "ascending order")]
    fn nearest_rank_refuses_unsorted_values_in_debug_builds() {
        nearest_rank(&[3.0, 1.0, 2.0], 0.5);
    }
}
