//! A recorded run's batch-size sweep as a `benchgate_metrics::batch::Curve`: what `benchgate suggest-batch` and the report's suggested-batch marker fit.
//!
//! A sweep is one benchmark group of a suite measured at several batch
//! sizes (`<group>/<N>`). Each size becomes a point:
//!
//! * batch latency — the median and upper quartile of the benchmark's
//!   per-iteration samples (a suggestion is about the latency a batch
//!   will see, not the uncontended low quantile the gate compares);
//! * request latency — the batch latency divided by the items each
//!   request got per iteration (declared elements ÷ N), when the
//!   benchmark declared elements that are not one per request: for the
//!   inference suite's `decode/N` (N × 8 tokens) that is the latency of
//!   one token of one request;
//! * work — the declared elements (else N);
//! * memory — the `peak_heap_bytes` metric of `<group>/<N>`, else
//!   `kv_cache_bytes`, when every size has one.

use std::collections::BTreeMap;

pub use benchgate_metrics::batch::{
    BatchError, Binding, Constraints, Curve, Hardware, Latency, LatencyScope, MemoryLimit,
    Objective, Point, Suggestion, format_bytes, format_seconds, parse_bytes, parse_seconds,
    suggest,
};

use crate::config::{BatchDefaults, Policy};
use crate::run::{Run, Throughput};

/// Metrics read as a batch's memory, preferred first.
pub const MEMORY_METRICS: [&str; 2] = ["peak_heap_bytes", "kv_cache_bytes"];

/// Which group of `suite` is its sweep: `group` if given, else
/// `[batch.<suite>] group`, else the first `[charts.<suite>] batch_groups`
/// entry, else the only group of the run whose name contains `batch`.
pub fn sweep_group(
    run: &Run,
    suite: &str,
    group: Option<&str>,
    policy: &Policy,
) -> Result<String, String> {
    if let Some(group) = group
        .map(str::to_owned)
        .or_else(|| policy.batch.get(suite).and_then(|b| b.group.clone()))
        .or_else(|| {
            policy
                .charts
                .get(suite)
                .and_then(|c| c.batch_groups.first().cloned())
        })
    {
        return Ok(group);
    }
    let mut groups: Vec<&str> = run
        .benchmarks
        .iter()
        .filter(|b| b.suite == suite)
        .filter_map(|b| b.id.rsplit_once('/').map(|(g, _)| g))
        .filter(|g| g.to_ascii_lowercase().contains("batch"))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    match groups.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(format!(
            "suite `{suite}` has no group named like a batch sweep; pass --group or set [batch.{suite}] group in benchgate.toml"
        )),
        many => Err(format!(
            "suite `{suite}` has several batch sweeps ({}); pass --group or set [batch.{suite}] group in benchgate.toml",
            many.join(", ")
        )),
    }
}

/// The curve of `suite/group/<N>` in `run`; `origin` names the run in
/// errors.
pub fn curve_from_run(
    run: &Run,
    suite: &str,
    group: &str,
    origin: &str,
) -> Result<Curve, BatchError> {
    let mut points = Vec::new();
    for benchmark in run.benchmarks.iter().filter(|b| b.suite == suite) {
        let Some((name, parameter)) = benchmark.id.rsplit_once('/') else {
            continue;
        };
        let Ok(batch) = parameter.parse::<u32>() else {
            continue;
        };
        if name != group || batch == 0 {
            continue;
        }
        let seconds: Vec<f64> = benchmark.samples_ns.iter().map(|ns| ns * 1e-9).collect();
        let Some(latency) = Latency::from_samples(&seconds) else {
            continue;
        };
        let declared = match benchmark.throughput {
            Some(Throughput::Elements(n))
            | Some(Throughput::ElementsAndBytes { elements: n, .. })
                if n > 0 =>
            {
                Some(n as f64)
            }
            _ => None,
        };
        let items = declared.unwrap_or(f64::from(batch));
        let per_request = items / f64::from(batch);
        let request_latency = (declared.is_some() && per_request > 1.0).then(|| Latency {
            typical_s: latency.typical_s / per_request,
            high_s: latency.high_s / per_request,
        });
        let memory_bytes = MEMORY_METRICS.iter().find_map(|name| {
            run.metrics
                .iter()
                .find(|m| m.suite == suite && m.benchmark == benchmark.id && m.name == *name)
                .map(|m| m.value)
        });
        points.push(Point {
            batch,
            latency,
            request_latency,
            items,
            memory_bytes,
        });
    }
    // Memory or request latency known at only some sizes is dropped
    // rather than refused: the run records what each benchmark measured.
    if points.iter().any(|p| p.memory_bytes.is_none()) {
        points.iter_mut().for_each(|p| p.memory_bytes = None);
    }
    if points.iter().any(|p| p.request_latency.is_none()) {
        points.iter_mut().for_each(|p| p.request_latency = None);
    }
    let unit = if run.benchmarks.iter().any(|b| {
        b.suite == suite && b.id.starts_with(&format!("{group}/")) && b.throughput.is_some()
    }) {
        "items (declared elements)"
    } else {
        "requests"
    };
    Curve::new(format!("{origin}: {suite}/{group}"), unit, points)
}

/// Constraints from `[batch.<suite>]`, each overridden by the matching
/// argument when given. Values were checked when the policy was loaded;
/// an unreadable one here is refused with its key.
pub fn constraints_for(
    defaults: Option<&BatchDefaults>,
    latency_budget_s: Option<f64>,
    scope: Option<LatencyScope>,
    memory_bytes: Option<f64>,
    objective: Objective,
) -> Result<Constraints, String> {
    let configured = |value: Option<&String>, parse: fn(&str) -> Option<f64>, key: &str| {
        value
            .map(|v| parse(v).ok_or_else(|| format!("[batch] {key} = {v:?} is not understood")))
            .transpose()
    };
    let latency_budget_s = match latency_budget_s {
        Some(s) => Some(s),
        None => configured(
            defaults.and_then(|d| d.latency_budget.as_ref()),
            parse_seconds,
            "latency_budget",
        )?,
    };
    let memory_limit_bytes = match memory_bytes {
        Some(b) => Some(b),
        None => configured(
            defaults.and_then(|d| d.memory.as_ref()),
            parse_bytes,
            "memory",
        )?,
    };
    let latency_scope = scope.unwrap_or(match defaults.and_then(|d| d.latency_scope.as_deref()) {
        Some("request") => LatencyScope::Request,
        _ => LatencyScope::Batch,
    });
    Ok(Constraints {
        latency_budget_s,
        latency_scope,
        memory_limit_bytes,
        objective,
        max_batch: None,
    })
}

/// What a report says about one suite's batch size for the default
/// constraints of `[batch.<suite>]`: decided here, before anything is
/// drawn, so the report only shows it (a marker on the speedup chart and a
/// sentence beside it).
#[derive(Debug, Clone, PartialEq)]
pub enum ReportSuggestion {
    /// The suggestion for the configured constraints, fitted on the
    /// sweep `group`.
    Suggested {
        group: String,
        suggestion: Box<Suggestion>,
    },
    /// `[batch.<suite>]` sets neither a latency budget nor a memory
    /// limit (or is absent): a suggestion would only restate the curve.
    NoConstraints,
    /// No batch size of `group` meets the constraints; `binding` is the
    /// one that fails even at the most favourable size.
    Infeasible {
        group: String,
        constraints: Constraints,
        binding: Binding,
        reason: String,
    },
    /// Constraints are set but the run cannot answer them (no sweep, no
    /// memory or request latency measured, an unusable curve).
    Unavailable { reason: String },
}

/// The machine that measured `run`, as batch sizing sees it: its cores
/// and installed memory. The report judges the run's own curve, so the
/// machine writing the report (perhaps a CI runner) does not matter.
pub fn hardware_of(run: &Run) -> Hardware {
    Hardware {
        cores: run.machine.logical_cores.max(1),
        memory_bytes: Some(run.machine.memory_bytes).filter(|b| *b > 0),
    }
}

/// The report's suggestion for every suite of `run`: `[batch.<suite>]`'s
/// constraints (maximum throughput objective) on the run's sweep.
pub fn report_suggestions(run: &Run, policy: &Policy) -> BTreeMap<String, ReportSuggestion> {
    run.suites()
        .into_iter()
        .map(|suite| {
            let suggestion = report_suggestion(run, &suite, policy);
            (suite, suggestion)
        })
        .collect()
}

/// [`report_suggestions`] for one suite.
pub fn report_suggestion(run: &Run, suite: &str, policy: &Policy) -> ReportSuggestion {
    let defaults = policy.batch.get(suite);
    let constraints = match constraints_for(defaults, None, None, None, Objective::MaxThroughput) {
        Ok(c) if c.latency_budget_s.is_some() || c.memory_limit_bytes.is_some() => c,
        Ok(_) => return ReportSuggestion::NoConstraints,
        Err(reason) => return ReportSuggestion::Unavailable { reason },
    };
    let group = match sweep_group(run, suite, None, policy) {
        Ok(group) => group,
        Err(reason) => return ReportSuggestion::Unavailable { reason },
    };
    let curve = match curve_from_run(run, suite, &group, "this run") {
        Ok(curve) => curve,
        Err(error) => {
            return ReportSuggestion::Unavailable {
                reason: error.to_string(),
            };
        }
    };
    match suggest(&curve, &constraints, &hardware_of(run)) {
        Ok(suggestion) => ReportSuggestion::Suggested {
            group,
            suggestion: Box::new(suggestion),
        },
        Err(BatchError::Infeasible { binding, detail }) => ReportSuggestion::Infeasible {
            group,
            constraints,
            binding,
            reason: detail,
        },
        Err(error) => ReportSuggestion::Unavailable {
            reason: error.to_string(),
        },
    }
}
