//! Speed modes: separate processes of the same code that settle at clearly
//! different speeds (code or data placement, a core's frequency, which
//! NUMA node the allocator drew), so that one process measures 16 µs and
//! the next 34 µs. Between such modes no threshold below their gap can be
//! gated: which mode each side happened to land in decides the verdict.

/// Two neighbouring per-process values this far apart (as a ratio) belong
/// to different modes. Identical code moved by up to 11 % between whole
/// runs on the 2-vCPU machines this was tuned on (benchgate.toml), so a
/// 30 % gap is well outside ordinary run-to-run noise, while the modes
/// seen in practice (16 vs 34 µs, 900 vs 1 400 ns) are far beyond it.
pub const MODE_GAP_RATIO: f64 = 1.3;

/// The modes of per-process typical values: `None` when they form one
/// cluster, otherwise each cluster's median, fastest first. Values are
/// split wherever a value exceeds its sorted predecessor by
/// [`MODE_GAP_RATIO`] or more. Non-positive or non-finite values are
/// ignored (they have no ratio).
pub fn speed_modes(values: &[f64]) -> Option<Vec<f64>> {
    let mut sorted: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let mut clusters: Vec<Vec<f64>> = Vec::new();
    for value in sorted {
        match clusters.last_mut() {
            Some(cluster)
                if cluster
                    .last()
                    .is_some_and(|last| value / last < MODE_GAP_RATIO) =>
            {
                cluster.push(value);
            }
            _ => clusters.push(vec![value]),
        }
    }
    (clusters.len() > 1).then(|| clusters.iter().map(|c| median(c)).collect())
}

/// Median of a sorted, non-empty slice.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_noise_is_one_mode() {
        assert_eq!(speed_modes(&[100.0, 104.0, 98.0, 111.0, 101.0]), None);
        assert_eq!(speed_modes(&[]), None);
        assert_eq!(speed_modes(&[5.0]), None);
    }

    #[test]
    fn processes_at_two_speeds_are_two_modes() {
        let modes = speed_modes(&[16.1, 34.0, 15.9, 33.2, 16.0, 35.1]).unwrap();
        assert_eq!(modes, vec![16.0, 34.0]);
        let modes = speed_modes(&[900.0, 1_400.0, 910.0]).unwrap();
        assert_eq!(modes, vec![905.0, 1_400.0]);
    }

    #[test]
    fn values_without_a_ratio_are_ignored() {
        assert_eq!(speed_modes(&[0.0, f64::NAN, 10.0, 10.5]), None);
    }
}
