//! Rendering comparisons for people: the terminal table, the GitHub
//! job-summary Markdown and the HTML report page, sharing one set of cell
//! formatters.

pub mod html;
pub mod markdown;
pub mod table;

use crate::compare::{Comparison, Entry, Verdict};

/// A value with its unit; nanoseconds are scaled to a readable unit.
pub fn format_value(value: Option<f64>, unit: &str) -> String {
    let Some(v) = value else {
        return "—".to_owned();
    };
    if unit == "ns" {
        let (scaled, unit) = match v.abs() {
            a if a >= 1e9 => (v / 1e9, "s"),
            a if a >= 1e6 => (v / 1e6, "ms"),
            a if a >= 1e3 => (v / 1e3, "µs"),
            _ => (v, "ns"),
        };
        format!("{} {unit}", significant(scaled))
    } else {
        format!("{} {unit}", significant(v))
    }
}

/// Four significant digits without scientific notation for everyday sizes.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..=9).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

/// `+12.3 %` with its interval when it has one: `+12.3 % [+10.1 %, +14.5 %]`.
pub fn format_change(entry: &Entry) -> String {
    let Some(change) = entry.change else {
        return "—".to_owned();
    };
    let pct = |x: f64| {
        if x.is_infinite() {
            if x > 0.0 {
                "+∞".to_owned()
            } else {
                "−∞".to_owned()
            }
        } else {
            format!("{:+.2} %", x * 100.0)
        }
    };
    if change.lower == change.upper {
        pct(change.point)
    } else {
        format!(
            "{} [{}, {}]",
            pct(change.point),
            pct(change.lower),
            pct(change.upper)
        )
    }
}

/// The test's evidence: the p-value adjusted for multiple testing (the one
/// the verdict uses) and the sample counts.
pub fn format_evidence(entry: &Entry) -> String {
    let n = format!("n={}/{}", entry.baseline_samples, entry.current_samples);
    match entry.p_adjusted {
        Some(p) if p < 1e-4 => format!("p_adj<0.0001, {n}"),
        Some(p) => format!("p_adj={p:.4}, {n}"),
        None if entry.verdict == Verdict::New || entry.verdict == Verdict::Missing => String::new(),
        None => "exact value".to_owned(),
    }
}

/// What is compared: `time` or the metric name.
pub fn format_quantity(entry: &Entry) -> String {
    match &entry.metric {
        None => "time".to_owned(),
        Some(name) => {
            let arrow = match entry.direction {
                crate::run::Direction::LowerIsBetter => "↓",
                crate::run::Direction::HigherIsBetter => "↑",
            };
            format!("{name} ({arrow} better)")
        }
    }
}

/// One-line overall outcome.
pub fn headline(comparison: &Comparison) -> String {
    let failures: Vec<String> = comparison.failures().map(Entry::key).collect();
    let counts = format!(
        "{} regressed, {} improved, {} unchanged, {} new, {} missing",
        comparison.count(Verdict::Regressed),
        comparison.count(Verdict::Improved),
        comparison.count(Verdict::Unchanged),
        comparison.count(Verdict::New),
        comparison.count(Verdict::Missing),
    );
    if failures.is_empty() {
        format!("PASS: no regression ({counts})")
    } else {
        format!("FAIL: {} ({counts})", failures.join(", "))
    }
}
