//! The words for a suite's suggested batch size (`ReportSuggestion`, decided by `benchgate-core` before the report is drawn): the speedup chart's marker label, its alternative text, and the sentence beside the chart.

use benchgate_core::batch_fit::{
    Binding, Constraints, LatencyScope, MemoryLimit, ReportSuggestion, Suggestion, format_bytes,
    format_seconds,
};

/// The constraint that binds, in the few words a chart label has room for.
pub fn binding_short(binding: &Binding) -> &'static str {
    match binding {
        Binding::Latency { .. } => "latency budget binds",
        Binding::Memory {
            limit: MemoryLimit::Given(_),
        } => "memory limit binds",
        Binding::Memory {
            limit: MemoryLimit::Machine(_),
        } => "machine memory binds",
        Binding::MaxBatch { .. } => "largest batch allowed binds",
        Binding::MeasuredRange { .. } => "measured range binds",
        Binding::ThroughputPeak => "throughput peaks here",
        Binding::ThroughputFloor { .. } => "throughput floor binds",
    }
}

/// The label beside the marker: `suggested: 16 for decode (latency budget binds)`,
/// saying `extrapolated` when the size lies beyond the measured ones.
pub fn marker_label(group: &str, suggestion: &Suggestion) -> String {
    format!(
        "suggested: {} for {group} ({}{})",
        suggestion.batch,
        if suggestion.extrapolated {
            "extrapolated; "
        } else {
            ""
        },
        binding_short(&suggestion.binding)
    )
}

/// The constraints as configured, e.g. `latency budget 40 ms per request,
/// memory limit 2.00 GiB`.
pub fn constraints_text(constraints: &Constraints) -> String {
    let mut parts = Vec::new();
    if let Some(budget) = constraints.latency_budget_s {
        let scope = match constraints.latency_scope {
            LatencyScope::Batch => "batch",
            LatencyScope::Request => "request",
        };
        parts.push(format!(
            "latency budget {} per {scope}",
            format_seconds(budget)
        ));
    }
    if let Some(limit) = constraints.memory_limit_bytes {
        parts.push(format!("memory limit {}", format_bytes(limit)));
    }
    if parts.is_empty() {
        "no latency budget or memory limit".to_owned()
    } else {
        parts.join(", ")
    }
}

/// What the chart's alternative text adds: the marker, or that there is none.
pub fn alt_text(suite: &str, suggestion: Option<&ReportSuggestion>) -> String {
    match suggestion {
        Some(ReportSuggestion::Suggested { group, suggestion }) => format!(
            "; a dashed vertical line marks the batch size suggested for [batch.{suite}] ({}): {}",
            constraints_text(&suggestion.constraints),
            marker_label(group, suggestion)
        ),
        _ => format!(
            "; no suggested batch size is marked ({})",
            reason_short(suite, suggestion)
        ),
    }
}

fn reason_short(suite: &str, suggestion: Option<&ReportSuggestion>) -> String {
    match suggestion {
        None | Some(ReportSuggestion::NoConstraints) => {
            format!("[batch.{suite}] sets no constraints")
        }
        Some(ReportSuggestion::Infeasible { binding, .. }) => {
            format!("no batch size meets [batch.{suite}]: {binding} cannot be met")
        }
        Some(ReportSuggestion::Unavailable { reason }) => reason.clone(),
        Some(ReportSuggestion::Suggested { .. }) => String::new(),
    }
}

/// The sentence beside the chart: the suggestion with its predicted
/// throughput, latency and memory and the binding constraint, or why there
/// is none.
pub fn sentence(suite: &str, suggestion: Option<&ReportSuggestion>) -> String {
    let Some(ReportSuggestion::Suggested { group, suggestion }) = suggestion else {
        return match suggestion {
            None | Some(ReportSuggestion::NoConstraints) => format!(
                "No suggested batch size: [batch.{suite}] in benchgate.toml sets no latency budget or memory limit."
            ),
            Some(ReportSuggestion::Infeasible {
                group,
                constraints,
                binding,
                reason,
            }) => format!(
                "No suggested batch size: no size of {group} meets [batch.{suite}] ({}); {binding} cannot be met ({reason}).",
                constraints_text(constraints)
            ),
            Some(ReportSuggestion::Unavailable { reason }) => {
                format!("No suggested batch size for [batch.{suite}]: {reason}.")
            }
            Some(ReportSuggestion::Suggested { .. }) => String::new(),
        };
    };
    let p = &suggestion.predicted;
    let mut predicted = vec![
        format!("{} items/s", per_second(p.throughput)),
        format!(
            "{} per batch (upper quartile {})",
            format_seconds(p.latency.typical_s),
            format_seconds(p.latency.high_s)
        ),
    ];
    // A request's latency is what a per-request budget judges; beside a
    // per-batch budget it would only be one more number.
    if let (LatencyScope::Request, Some(request)) =
        (suggestion.constraints.latency_scope, p.request_latency)
    {
        predicted.push(format!(
            "{} per request (upper quartile {})",
            format_seconds(request.typical_s),
            format_seconds(request.high_s)
        ));
    }
    if let Some(memory) = p.memory_bytes {
        predicted.push(format!("memory {}", format_bytes(memory)));
    }
    let extrapolated = if suggestion.extrapolated {
        format!(
            " It lies beyond the largest measured batch ({}): the prediction is the fitted line's, not a measurement.",
            suggestion.measured_range.1
        )
    } else {
        String::new()
    };
    format!(
        "Suggested batch size for [batch.{suite}] ({}): {} on {group} (the dashed vertical line). Predicted from this run's median and upper-quartile latencies: {}. Bound by {}.{extrapolated}",
        constraints_text(&suggestion.constraints),
        suggestion.batch,
        predicted.join(", "),
        suggestion.binding,
    )
}

/// A rate with three significant digits and a k/M/G prefix: `1.68 M`.
fn per_second(rate: f64) -> String {
    let (value, prefix) = [(1e9, " G"), (1e6, " M"), (1e3, " k")]
        .into_iter()
        .find(|(scale, _)| rate >= *scale)
        .map_or((rate, ""), |(scale, prefix)| (rate / scale, prefix));
    format!("{}{prefix}", crate::format::significant(value, 3))
}
