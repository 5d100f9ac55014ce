//! What a comparison could not have seen: the wall-time entries whose
//! noise or speed modes keep them from being gated at their threshold,
//! each with the smallest change it could have detected.

use std::fmt::Write;

use super::format_value;
use super::markdown::escape;
use crate::compare::Comparison;

/// The Markdown section listing entries that cannot be gated at their
/// threshold; empty when every entry can.
pub fn render_ungateable(comparison: &Comparison) -> String {
    let mut out = String::new();
    let ungateable: Vec<_> = comparison
        .entries
        .iter()
        .filter(|e| !e.gateable())
        .collect();
    if ungateable.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "### Cannot be gated at their threshold ({})\n\nAt this run's noise these benchmarks could only have shown a change of the size given, so their verdicts are decided at that size (or at the gap between their speed modes) instead of their threshold: an \"unchanged\" here says little, and noise cannot pass for a change.\n",
        ungateable.len()
    );
    for entry in ungateable {
        let Some(noise) = &entry.noise else { continue };
        let modes = noise.modes.as_ref().map_or_else(String::new, |modes| {
            let shown: Vec<String> = modes
                .iter()
                .map(|m| format_value(Some(*m), &entry.unit))
                .collect();
            format!(
                "; its processes ran in {} speed modes: {}",
                modes.len(),
                shown.join(", ")
            )
        });
        let _ = writeln!(
            out,
            "- {}: detects only changes beyond {:.1} % (threshold {:.1} %){}; judged at {:.1} %",
            escape(&entry.key()),
            noise.detectable_change * 100.0,
            entry.threshold * 100.0,
            escape(&modes),
            entry.decision_threshold() * 100.0,
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Entry, Noise, RunInfo, Verdict};
    use crate::run::{Direction, MetricKind, Profile};

    fn entry(id: &str, noise: Noise) -> Entry {
        Entry {
            suite: "stats".into(),
            benchmark: id.into(),
            metric: None,
            kind: MetricKind::Time,
            unit: "ns".into(),
            direction: Direction::LowerIsBetter,
            baseline: Some(16_000.0),
            current: Some(16_500.0),
            change: None,
            p_value: None,
            p_adjusted: None,
            baseline_samples: 10,
            current_samples: 10,
            threshold: 0.01,
            first_verdict: Verdict::Unchanged,
            confirmation: None,
            verdict: Verdict::Unchanged,
            noise: Some(noise),
        }
    }

    #[test]
    fn multimodal_and_too_noisy_entries_are_listed_with_what_they_could_see() {
        let info = RunInfo {
            commit: None,
            branch: None,
            dirty: false,
            machine_id: "m".into(),
            machine: "m".into(),
            created_at: String::new(),
            profile: Profile::AbHead,
        };
        let comparison = Comparison {
            baseline: info.clone(),
            current: info,
            alpha: 0.05,
            fail_on_missing: false,
            notes: Vec::new(),
            entries: vec![
                entry("quiet", Noise::new(0.015, None, 0.01)),
                entry("noisy", Noise::new(0.042, None, 0.01)),
                entry(
                    "bimodal",
                    Noise::new(0.015, Some(vec![16_000.0, 34_000.0]), 0.01),
                ),
            ],
        };
        let text = render_ungateable(&comparison);
        assert!(text.contains("(2)"), "{text}");
        assert!(!text.contains("stats/quiet"), "{text}");
        assert!(
            text.contains("stats/noisy: detects only changes beyond 4.2 % (threshold 1.0 %)"),
            "{text}"
        );
        assert!(
            text.contains("2 speed modes: 16.0 µs, 34.0 µs; judged at 112.5 %"),
            "{text}"
        );
        assert!(
            text.contains("(threshold 1.0 %); judged at 4.2 %"),
            "{text}"
        );
    }
}
