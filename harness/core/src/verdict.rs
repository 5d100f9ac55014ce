//! Verdicts and the evidence that confirms or clears them: pure data and
//! pure functions, no I/O.
//!
//! A comparison gives each entry its first verdict. A later step (the
//! gate's confirmation) may add typed evidence to a regression; the final
//! verdict is then [`final_verdict`] of the two, so a cleared regression
//! stays visible as data: first verdict `regressed`, the evidence, and the
//! final verdict `unchanged`.

use serde::{Deserialize, Serialize};

use crate::run::Direction;
use crate::stats::Change;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regressed,
    Improved,
    Unchanged,
    New,
    Missing,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Regressed => "regressed",
            Self::Improved => "improved",
            Self::Unchanged => "unchanged",
            Self::New => "new",
            Self::Missing => "missing",
        }
    }
}

/// Evidence from a second look at a flagged entry: a wall-time regression
/// measured again, or an instruction count's change traced to the heap's
/// state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Confirmation {
    /// A paired, interleaved A/B run of the baseline's commit (base)
    /// against the code under test (head), on this machine, now.
    Paired {
        base_commit: String,
        /// Interleaved rounds that measured this benchmark.
        rounds: usize,
        /// Hodges–Lehmann change of the per-round ratios, with its interval.
        change: Change,
        /// Wilcoxon signed-rank p-value of the per-round log ratios.
        p_value: f64,
        /// The significance level the p-value is held against.
        alpha: f64,
    },
    /// The suite measured once more against the same baseline (where the
    /// baseline's commit cannot be rebuilt).
    Remeasured {
        /// The second measurement's verdict (`missing` when it did not
        /// measure the benchmark).
        verdict: Verdict,
        change: Option<Change>,
        p_adjusted: Option<f64>,
    },
    /// Both sides' callgrind profiles show the same execution outside the
    /// C library's heap allocator and string routines (every other
    /// function with the same instructions, data reads and writes, and
    /// the same calls to the string routines, whose own work differs by
    /// no more than their buffers' alignment explains): the count moved
    /// with where the heap and data lay, not with the code. Clears a
    /// regression and an improvement alike.
    Placement {
        /// Instructions inside the allocator, base side.
        baseline_allocator_ir: u64,
        /// Instructions inside the allocator, head side.
        current_allocator_ir: u64,
        /// Instructions inside the string routines, base side.
        #[serde(default)]
        baseline_string_ir: u64,
        /// Instructions inside the string routines, head side.
        #[serde(default)]
        current_string_ir: u64,
    },
}

impl Confirmation {
    /// Whether this evidence upholds a regression whose threshold is
    /// `threshold`: paired, significant with the whole interval beyond it;
    /// re-measured, flagged again.
    pub fn upholds_regression(&self, threshold: f64) -> bool {
        match self {
            Self::Paired {
                change,
                p_value,
                alpha,
                ..
            } => *p_value < *alpha && change.lower > threshold,
            Self::Remeasured { verdict, .. } => *verdict == Verdict::Regressed,
            Self::Placement { .. } => false,
        }
    }

    /// Whether this evidence upholds an improvement: only a placement
    /// finding clears one (a wall-time improvement is never re-measured).
    pub fn upholds_improvement(&self) -> bool {
        !matches!(self, Self::Placement { .. })
    }
}

/// The verdict that counts: the first one, except a regression (or an
/// improvement) whose evidence does not uphold it, which is `unchanged`.
/// Evidence can only clear a verdict, never invent one.
pub fn final_verdict(
    first: Verdict,
    threshold: f64,
    confirmation: Option<&Confirmation>,
) -> Verdict {
    match confirmation {
        Some(evidence)
            if first == Verdict::Regressed && !evidence.upholds_regression(threshold) =>
        {
            Verdict::Unchanged
        }
        Some(evidence) if first == Verdict::Improved && !evidence.upholds_improvement() => {
            Verdict::Unchanged
        }
        _ => first,
    }
}

/// The verdict for a change, given which direction is worse.
///
/// With a test (`p_value` present): regressed when p < `alpha` and the whole
/// interval is worse than +`threshold`; improved when p < `alpha` and the
/// whole interval is better than −`threshold`. Without one (single values):
/// the point change decides.
pub fn decide(
    change: Option<Change>,
    p_value: Option<f64>,
    threshold: f64,
    alpha: f64,
    direction: Direction,
) -> Verdict {
    let Some(change) = change else {
        return Verdict::Unchanged;
    };
    // Express the change as "how much worse": positive is a regression.
    let worse = |x: f64| match direction {
        Direction::LowerIsBetter => x,
        Direction::HigherIsBetter => -x,
    };
    let (a, b) = (worse(change.lower), worse(change.upper));
    let (least_worse, most_worse) = (a.min(b), a.max(b));
    let significant = p_value.is_none_or(|p| p < alpha);
    if significant && least_worse > threshold {
        Verdict::Regressed
    } else if significant && most_worse < -threshold {
        Verdict::Improved
    } else {
        Verdict::Unchanged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(point: f64, lower: f64, upper: f64) -> Option<Change> {
        Some(Change {
            point,
            lower,
            upper,
        })
    }

    #[test]
    fn decision_needs_significance_and_the_whole_interval_beyond_threshold() {
        let lower = Direction::LowerIsBetter;
        assert_eq!(
            decide(change(0.10, 0.08, 0.12), Some(0.001), 0.05, 0.05, lower),
            Verdict::Regressed
        );
        assert_eq!(
            decide(change(0.10, 0.04, 0.16), Some(0.001), 0.05, 0.05, lower),
            Verdict::Unchanged
        );
        assert_eq!(
            decide(change(0.10, 0.08, 0.12), Some(0.20), 0.05, 0.05, lower),
            Verdict::Unchanged
        );
        assert_eq!(
            decide(change(-0.10, -0.12, -0.08), Some(0.001), 0.05, 0.05, lower),
            Verdict::Improved
        );
    }

    #[test]
    fn higher_is_better_flips_the_direction() {
        let higher = Direction::HigherIsBetter;
        assert_eq!(
            decide(change(-0.10, -0.10, -0.10), None, 0.05, 0.05, higher),
            Verdict::Regressed
        );
        assert_eq!(
            decide(change(0.10, 0.10, 0.10), None, 0.05, 0.05, higher),
            Verdict::Improved
        );
        assert_eq!(
            decide(change(0.01, 0.01, 0.01), None, 0.05, 0.05, higher),
            Verdict::Unchanged
        );
    }

    fn paired(lower: f64, p_value: f64) -> Confirmation {
        Confirmation::Paired {
            base_commit: "abc".into(),
            rounds: 10,
            change: Change {
                point: lower + 0.01,
                lower,
                upper: lower + 0.02,
            },
            p_value,
            alpha: 0.05,
        }
    }

    #[test]
    fn evidence_clears_only_a_regression_it_does_not_uphold() {
        let regressed = Verdict::Regressed;
        assert_eq!(final_verdict(regressed, 0.01, None), regressed);
        assert_eq!(
            final_verdict(regressed, 0.01, Some(&paired(0.05, 0.002))),
            regressed
        );
        // Significant, but the interval reaches below the threshold.
        assert_eq!(
            final_verdict(regressed, 0.01, Some(&paired(0.005, 0.002))),
            Verdict::Unchanged
        );
        // Beyond the threshold, but not significant.
        assert_eq!(
            final_verdict(regressed, 0.01, Some(&paired(0.05, 0.2))),
            Verdict::Unchanged
        );
        // Evidence never turns anything else into a regression.
        assert_eq!(
            final_verdict(Verdict::Unchanged, 0.01, Some(&paired(0.05, 0.002))),
            Verdict::Unchanged
        );
        let again = Confirmation::Remeasured {
            verdict: Verdict::Regressed,
            change: None,
            p_adjusted: None,
        };
        assert_eq!(final_verdict(regressed, 0.1, Some(&again)), regressed);
    }

    #[test]
    fn placement_clears_both_directions_and_invents_nothing() {
        let placement = Confirmation::Placement {
            baseline_allocator_ir: 200,
            current_allocator_ir: 300,
            baseline_string_ir: 0,
            current_string_ir: 0,
        };
        for first in [Verdict::Regressed, Verdict::Improved] {
            assert_eq!(
                final_verdict(first, 0.01, Some(&placement)),
                Verdict::Unchanged
            );
        }
        for first in [Verdict::Unchanged, Verdict::New, Verdict::Missing] {
            assert_eq!(final_verdict(first, 0.01, Some(&placement)), first);
        }
        // Other evidence leaves an improvement alone.
        assert_eq!(
            final_verdict(Verdict::Improved, 0.01, Some(&paired(0.05, 0.2))),
            Verdict::Improved
        );
    }
}
