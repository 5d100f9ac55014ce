//! How accurate batch sizing is (issue 20's "> 90 %"): suggestions made from a calibration curve judged against every batch size measured live, over a grid of constraint sets, with the distribution of the outcomes and a Markdown row per workload.
//!
//! The workload measures; this module decides. For each constraint set of
//! the [`grid`] (placed from the calibration only, never from the live
//! truth) [`check`]:
//!
//! 1. finds the **best** live batch size: the highest throughput among the
//!    sizes whose live measurement meets the constraints (median latency
//!    within the budget, memory within the limit);
//! 2. asks [`suggest`] for a size from the calibration curve;
//! 3. judges the suggestion, **measured again** right after it was made,
//!    in [`REMEASURE_BLOCKS`] blocks of suggested, best, best, suggested
//!    (twice in a row when the suggestion is the best size): whether it
//!    meets the constraints (the median of its measurements: the latency a
//!    user of the suggestion gets), and its throughput over the best
//!    size's (the geometric mean of the neighbouring pairs; 1 when it is
//!    the best size). The best of many noisy live sizes is biased
//!    upwards (it won partly by luck), so comparing with its sweep value
//!    would charge the suggestion for that luck; measured again, in that
//!    order, neither the luck nor a drift of the machine during the
//!    measurements decides. Whether the suggested size met the constraints
//!    in the sweep, minutes earlier, is reported beside it: on a 2-vCPU VM
//!    whose speed moved by 20–40 % within minutes the two differ, and a
//!    suggestion is used when it is made, not when the sweep ran.
//!
//! [`Summary`] gives the share of cases within [`THROUGHPUT_BAR`] of the
//! best, the share meeting the constraints, and the distribution of the
//! throughput ratios (quantiles and a histogram), not only the mean.

use std::fmt;

use super::{
    BatchError, Constraints, Curve, Hardware, LatencyScope, Point, Suggestion, format_bytes,
    format_seconds, suggest,
};
use crate::nearest_rank;

/// The bar: a suggestion within 90 % of the best feasible
/// throughput counts as accurate.
pub const THROUGHPUT_BAR: f64 = 0.90;
/// Share of cases that must reach [`THROUGHPUT_BAR`] ("accuracy > 90 %").
pub const ACCURACY_BAR: f64 = 0.90;
/// Share of cases whose suggestion must meet the constraints as measured
/// live (the 95 %).
pub const SATISFACTION_BAR: f64 = 0.95;
/// Latency budgets per scope: six, spread geometrically from just above
/// batch 1's latency to just above the largest batch's, so they fall
/// between measured sizes as often as on them.
pub const BUDGETS: usize = 6;
/// Memory limits of the grid, as shares of the largest batch: each limit
/// lies halfway between two neighbouring sizes' memory, so the limit binds
/// between sizes; plus no limit.
pub const MEMORY_SHARES: [f64; 3] = [0.25, 0.5, 0.75];
/// Edges of the histogram of throughput ratios.
pub const HISTOGRAM_EDGES: [f64; 7] = [0.0, 0.5, 0.8, 0.9, 0.95, 1.0, f64::INFINITY];

/// The constraint sets: [`BUDGETS`] per-batch latency budgets × the
/// [`MEMORY_SHARES`] limits and no limit (memory limits only where the
/// curve has memory), plus [`BUDGETS`] per-request budgets where the curve
/// has a request latency. `memory_at(b)` is the memory of a batch of `b`.
pub fn grid(
    calibration: &Curve,
    max_batch: u32,
    memory_at: impl Fn(u32) -> Option<f64>,
) -> Vec<Constraints> {
    let spread = |low: f64, high: f64| -> Vec<f64> {
        (0..BUDGETS)
            .map(|i| low * (high / low).powf(i as f64 / (BUDGETS - 1) as f64))
            .collect()
    };
    let first = calibration.predict(1);
    let last = calibration.predict(max_batch);
    let batch_budgets = spread(first.latency.high_s * 1.15, last.latency.high_s * 1.05);
    let mut memory_limits: Vec<Option<f64>> = MEMORY_SHARES
        .iter()
        .filter_map(|share| {
            let below = ((f64::from(max_batch) * share).floor() as u32).max(1);
            Some(Some((memory_at(below)? + memory_at(below + 1)?) / 2.0))
        })
        .collect();
    if !calibration.has_memory() {
        memory_limits.clear();
    }
    memory_limits.push(None);
    let mut grid = Vec::new();
    for &budget in &batch_budgets {
        for &limit in &memory_limits {
            let mut constraints = Constraints::latency_budget(budget).with_max_batch(max_batch);
            constraints.memory_limit_bytes = limit;
            grid.push(constraints);
        }
    }
    if let (Some(first), Some(last)) = (first.request_latency, last.request_latency) {
        for budget in spread(first.high_s * 1.15, last.high_s * 1.05) {
            grid.push(
                Constraints::latency_budget(budget)
                    .with_scope(LatencyScope::Request)
                    .with_max_batch(max_batch),
            );
        }
    }
    grid
}

/// Whether a live measurement meets `constraints`: its median latency in
/// the budget's scope, and its memory.
pub fn meets(point: &Point, constraints: &Constraints) -> bool {
    let latency = match constraints.latency_scope {
        LatencyScope::Batch => Some(point.latency),
        LatencyScope::Request => point.request_latency,
    };
    let in_budget = match (constraints.latency_budget_s, latency) {
        (Some(budget), Some(latency)) => latency.typical_s <= budget,
        (Some(_), None) => false,
        (None, _) => true,
    };
    let in_memory = match (constraints.memory_limit_bytes, point.memory_bytes) {
        (Some(limit), Some(memory)) => memory <= limit,
        _ => true,
    };
    in_budget && in_memory
}

/// Items per second at the median latency.
pub fn throughput(point: &Point) -> f64 {
    point.items / point.latency.typical_s
}

/// One constraint set's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub constraints: Constraints,
    /// The suggested size; `None` when the suggestion refused.
    pub suggested: Option<u32>,
    /// The best live size; `None` when no size meets the constraints live.
    pub best: Option<u32>,
    /// The suggestion's throughput over the best's, both re-measured; `None`
    /// where there is nothing to compare (no best, or no suggestion where
    /// none was possible). A refusal where a size was feasible is 0.
    pub ratio: Option<f64>,
    /// The suggestion, measured again right after it was made (the median
    /// of its [`REMEASURE_BLOCKS`] × 2 measurements), met the constraints:
    /// the latency a user of the suggestion gets. A refusal meets them
    /// only when no size did.
    pub met: bool,
    /// The suggested size's measurement in the live sweep (minutes
    /// earlier, beside the calibration) met them; reported beside
    /// [`Case::met`], since a machine whose speed moves between the two
    /// makes them differ.
    pub met_in_sweep: bool,
    /// The binding constraint, or why there was no suggestion.
    pub why: String,
}

impl Case {
    /// No size met the constraints live and the suggestion refused too:
    /// right, but not a throughput comparison.
    pub fn refused_correctly(&self) -> bool {
        self.suggested.is_none() && self.best.is_none()
    }

    /// Within [`THROUGHPUT_BAR`] of the best.
    pub fn accurate(&self) -> bool {
        self.ratio.is_some_and(|r| r >= THROUGHPUT_BAR)
    }
}

impl fmt::Display for Case {
    /// One line: the constraints, the suggestion, the best live size, the
    /// ratio, met or missed, and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.constraints;
        write!(
            f,
            "budget {:>9} per {:<7} memory {:>10}  suggested {:>4}  best {:>4}  throughput {:>7}  {}  ({})",
            c.latency_budget_s.map_or("none".to_owned(), format_seconds),
            c.latency_scope.name(),
            c.memory_limit_bytes.map_or("none".to_owned(), format_bytes),
            self.suggested.map_or("-".to_owned(), |b| b.to_string()),
            self.best.map_or("-".to_owned(), |b| b.to_string()),
            self.ratio
                .map_or("-".to_owned(), |r| format!("{:.1} %", r * 100.0)),
            match (self.met, self.met_in_sweep) {
                (true, true) => "met",
                (true, false) => "met (sweep: missed)",
                (false, true) => "MISSED (sweep: met)",
                (false, false) => "MISSED",
            },
            self.why,
        )
    }
}

/// Judges one constraint set: `live` holds every size measured live (the
/// truth: which sizes meet the constraints, and the best of them),
/// `remeasure(b)` measures size `b` live again.
pub fn check<E>(
    constraints: &Constraints,
    calibration: &Curve,
    live: &[Point],
    hardware: &Hardware,
    remeasure: impl FnMut(u32) -> Result<Point, E>,
) -> Result<Case, E> {
    let suggestion = suggest(calibration, constraints, hardware);
    check_suggestion(constraints, suggestion, live, remeasure)
}

/// As both workloads' `suggest_batch_size` does, checked: a first
/// suggestion from `calibration`, the second stage measured with `measure`
/// ([`super::suggest_refined`], its line handed to `report`), and the
/// result checked against `live` as [`check_suggestion`] does, measuring
/// again with the same `measure`.
pub fn check_refined<E>(
    calibration: &Curve,
    constraints: &Constraints,
    hardware: &Hardware,
    live: &[Point],
    mut measure: impl FnMut(u32) -> Result<Point, E>,
    report: impl FnOnce(&str),
) -> Result<Case, E> {
    let refined = super::suggest_refined(calibration, constraints, hardware, &mut measure)?;
    if let Some(stage) = refined
        .as_ref()
        .ok()
        .and_then(super::Refined::stage_summary)
    {
        report(&stage);
    }
    let suggestion = refined.map(|refined| refined.suggestion);
    check_suggestion(constraints, suggestion, live, measure)
}

/// As [`check`], for a suggestion made elsewhere (e.g. by
/// [`super::suggest_refined`], which measures as it suggests).
pub fn check_suggestion<E>(
    constraints: &Constraints,
    suggestion: Result<Suggestion, BatchError>,
    live: &[Point],
    mut remeasure: impl FnMut(u32) -> Result<Point, E>,
) -> Result<Case, E> {
    let best = live
        .iter()
        .filter(|p| meets(p, constraints))
        .max_by(|a, b| throughput(a).total_cmp(&throughput(b)));
    let why = match &suggestion {
        Ok(s) => s.binding.to_string(),
        Err(e) => e.to_string(),
    };
    let (suggested, ratio, met, met_in_sweep) = match (&suggestion, best) {
        (Err(_), None) => (None, None, true, true),
        (Err(_), Some(_)) => (None, Some(0.0), false, false),
        (Ok(s), best) => {
            // The suggestion measured in REMEASURE_BLOCKS blocks, each
            // around the best where that is another size (suggested, best,
            // best, suggested).
            let mut suggested_runs = Vec::with_capacity(2 * REMEASURE_BLOCKS);
            let mut log_ratios = Vec::with_capacity(2 * REMEASURE_BLOCKS);
            for _ in 0..REMEASURE_BLOCKS {
                match best {
                    Some(b) if b.batch != s.batch => {
                        let suggested_first = remeasure(s.batch)?;
                        let best_first = remeasure(b.batch)?;
                        let best_second = remeasure(b.batch)?;
                        let suggested_second = remeasure(s.batch)?;
                        log_ratios
                            .push((throughput(&suggested_first) / throughput(&best_first)).ln());
                        log_ratios
                            .push((throughput(&suggested_second) / throughput(&best_second)).ln());
                        suggested_runs.extend([suggested_first, suggested_second]);
                    }
                    // The same size: one configuration, one throughput.
                    _ => {
                        suggested_runs.push(remeasure(s.batch)?);
                        suggested_runs.push(remeasure(s.batch)?);
                    }
                }
            }
            let ratio = match best {
                Some(b) if b.batch != s.batch => {
                    Some((log_ratios.iter().sum::<f64>() / log_ratios.len() as f64).exp())
                }
                same_or_none => same_or_none.map(|_| 1.0),
            };
            let judged =
                Point::median_of_rounds(&suggested_runs).expect("REMEASURE_BLOCKS is at least one");
            let in_sweep = live
                .iter()
                .find(|p| p.batch == s.batch)
                .map_or(meets(&judged, constraints), |p| meets(p, constraints));
            (Some(s.batch), ratio, meets(&judged, constraints), in_sweep)
        }
    };
    Ok(Case {
        constraints: *constraints,
        suggested,
        best: best.map(|p| p.batch),
        ratio,
        met,
        met_in_sweep,
        why,
    })
}

/// Blocks in which [`check_suggestion`] measures the suggestion again,
/// each in the order suggested, best, best, suggested: three, so that
/// both the throughput ratio (the geometric mean of six pairs) and the
/// latency judged against the budget (the median of six measurements) are
/// the size's, not one measurement's. With one block on a 2-vCPU VM two
/// sizes of the same throughput read 84 % and 157 % of each other (a size
/// of 1 against 2 texts, both on one core at 550 k tokens/s). Measured
/// with three (README, "Batch sizing"): a run with 24 of 24 tokenization
/// cases within 90 % of the best; whether a suggestion met a budget
/// between two sizes still moved with the VM's speed.
pub const REMEASURE_BLOCKS: usize = 3;
const _: () = assert!(REMEASURE_BLOCKS >= 1);

/// Rounds of [`measure_interleaved`]: an odd number, so each size's
/// median round is one real measurement, and three rather than one
/// because a single slow spell of the machine (minutes on a shared VM)
/// would otherwise decide the sizes it happened to hit.
pub const INTERLEAVED_ROUNDS: usize = 3;

/// The calibration sweep and the live truth, measured in the same rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Interleaved {
    /// The calibration sizes, each the median over the rounds.
    pub calibration: Vec<Point>,
    /// Every size from 1 to the largest, each the median over the rounds.
    pub live: Vec<Point>,
}

/// Measures the calibration sizes and every size from 1 to `max_batch`
/// in `rounds` interleaved rounds: even rounds run the calibration first
/// and the live sizes upwards, odd rounds the live sizes downwards and the
/// calibration last. A prediction judged against measurements taken minutes
/// later is judged on the machine's drift as much as on the model (seen on
/// a 2-vCPU VM: the same calibration 27-43 % slower than the live sweep a
/// minute after it); interleaved, a drift slows calibration and truth
/// alike. Each size is the median of its rounds' latencies (batch and
/// request latency, typical and high quantile separately).
pub fn measure_interleaved<E>(
    rounds: usize,
    calibration_sizes: &[u32],
    max_batch: u32,
    mut measure: impl FnMut(u32) -> Result<Point, E>,
) -> Result<Interleaved, E> {
    let rounds = rounds.max(1);
    let live_sizes: Vec<u32> = (1..=max_batch).collect();
    let mut calibration: Vec<Vec<Point>> = vec![Vec::new(); calibration_sizes.len()];
    let mut live: Vec<Vec<Point>> = vec![Vec::new(); live_sizes.len()];
    for round in 0..rounds {
        let upwards = round % 2 == 0;
        let mut order: Vec<(bool, usize)> = (0..live_sizes.len()).map(|i| (false, i)).collect();
        if !upwards {
            order.reverse();
        }
        let calibration_order = (0..calibration_sizes.len()).map(|i| (true, i));
        if upwards {
            order.splice(0..0, calibration_order);
        } else {
            order.extend(calibration_order);
        }
        for (is_calibration, i) in order {
            if is_calibration {
                calibration[i].push(measure(calibration_sizes[i])?);
            } else {
                live[i].push(measure(live_sizes[i])?);
            }
        }
    }
    Ok(Interleaved {
        calibration: calibration
            .iter()
            .filter_map(|p| Point::median_of_rounds(p))
            .collect(),
        live: live
            .iter()
            .filter_map(|p| Point::median_of_rounds(p))
            .collect(),
    })
}

/// The outcome of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cases: usize,
    /// Cases no size met live, refused by the suggestion too.
    pub refused_correctly: usize,
    /// Cases no size met in the live sweep where a size was suggested
    /// anyway: there is no best to compare its throughput with, so they
    /// are left out of [`Summary::accuracy`] (as of the ratios); whether
    /// the suggestion met the constraints, measured again, still counts.
    /// Seen where a budget lay within the noise of batch 1's latency
    /// (78.9 ms against 68.6 ms in the calibration, 79.1 ms in the sweep).
    pub no_live_best: usize,
    /// Share of the compared cases (those with a throughput ratio) within
    /// [`THROUGHPUT_BAR`] of the best.
    pub accuracy: f64,
    /// Share of all cases whose suggestion met the constraints.
    pub satisfaction: f64,
    /// Share of all cases whose suggested size met them in the live sweep.
    pub satisfaction_in_sweep: f64,
    /// Throughput ratios of the compared cases, ascending.
    pub ratios: Vec<f64>,
}

impl Summary {
    pub fn of(cases: &[Case]) -> Self {
        let refused_correctly = cases.iter().filter(|c| c.refused_correctly()).count();
        let no_live_best = cases
            .iter()
            .filter(|c| c.best.is_none() && c.suggested.is_some())
            .count();
        let judged = cases.iter().filter(|c| c.ratio.is_some()).count();
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        let mut ratios: Vec<f64> = cases.iter().filter_map(|c| c.ratio).collect();
        ratios.sort_by(f64::total_cmp);
        Self {
            cases: cases.len(),
            refused_correctly,
            no_live_best,
            accuracy: share(cases.iter().filter(|c| c.accurate()).count(), judged),
            satisfaction: share(cases.iter().filter(|c| c.met).count(), cases.len()),
            satisfaction_in_sweep: share(
                cases.iter().filter(|c| c.met_in_sweep).count(),
                cases.len(),
            ),
            ratios,
        }
    }

    /// Both of the bars met.
    pub fn pass(&self) -> bool {
        self.accuracy >= ACCURACY_BAR && self.satisfaction >= SATISFACTION_BAR
    }

    /// The `q` quantile (nearest rank) of the ratios.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        nearest_rank(&self.ratios, q)
    }

    pub fn mean(&self) -> Option<f64> {
        (!self.ratios.is_empty())
            .then(|| self.ratios.iter().sum::<f64>() / self.ratios.len() as f64)
    }

    /// Ratios per bin of [`HISTOGRAM_EDGES`]: `(from, to, count)`.
    pub fn histogram(&self) -> Vec<(f64, f64, usize)> {
        HISTOGRAM_EDGES
            .windows(2)
            .map(|w| {
                let n = self
                    .ratios
                    .iter()
                    .filter(|r| **r >= w[0] && **r < w[1])
                    .count();
                (w[0], w[1], n)
            })
            .collect()
    }

    /// The header of [`Summary::markdown_row`]'s table.
    pub const MARKDOWN_HEADER: &'static str = "| workload | constraint sets | within 90 % of the best | constraints met (measured again) | met by the sweep | throughput ÷ best: min | p10 | p25 | median | mean | max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    /// One row for `workload`: counts, both shares and the ratio
    /// quantiles, in percent.
    pub fn markdown_row(&self, workload: &str) -> String {
        let pct = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{:.1} %", v * 100.0));
        let judged = self.ratios.len();
        let mut apart = Vec::new();
        if self.refused_correctly > 0 {
            apart.push(format!("{} infeasible, refused", self.refused_correctly));
        }
        if self.no_live_best > 0 {
            apart.push(format!("{} no size met in the sweep", self.no_live_best));
        }
        format!(
            "| {workload} | {}{} | {} ({}/{judged}) | {} ({}/{}) | {} | {} | {} | {} | {} | {} | {} |",
            self.cases,
            if apart.is_empty() {
                String::new()
            } else {
                format!(" ({})", apart.join("; "))
            },
            pct(Some(self.accuracy)),
            (self.accuracy * judged as f64).round() as usize,
            pct(Some(self.satisfaction)),
            (self.satisfaction * self.cases as f64).round() as usize,
            self.cases,
            pct(Some(self.satisfaction_in_sweep)),
            pct(self.quantile(0.0)),
            pct(self.quantile(0.10)),
            pct(self.quantile(0.25)),
            pct(self.quantile(0.50)),
            pct(self.mean()),
            pct(self.quantile(1.0)),
        )
    }
}

impl fmt::Display for Summary {
    /// The histogram of the ratios and the verdict, several lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n{} constraint sets ({} infeasible live and refused; {} suggested where no size met them in the sweep, not compared). Suggested throughput as % of the best feasible (live), {} compared:",
            self.cases,
            self.refused_correctly,
            self.no_live_best,
            self.ratios.len()
        )?;
        for (from, to, n) in self.histogram() {
            writeln!(
                f,
                "  [{:>4.0} %, {:>4.0} %): {n}",
                from * 100.0,
                (to * 100.0).min(999.0)
            )?;
        }
        writeln!(
            f,
            "accuracy (cases at >= {:.0} % of the best): {:.1} % (bar {:.0} %); constraints met live, measured again after the suggestion: {:.1} % (bar {:.0} %; by the sweep's measurement of the suggested size: {:.1} %): {}",
            THROUGHPUT_BAR * 100.0,
            self.accuracy * 100.0,
            ACCURACY_BAR * 100.0,
            self.satisfaction * 100.0,
            SATISFACTION_BAR * 100.0,
            self.satisfaction_in_sweep * 100.0,
            if self.pass() { "PASS" } else { "FAIL" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Latency;

    /// A workload whose latency is exactly 1 ms + 0.5 ms · batch and whose
    /// memory is 1 MiB · batch: the live truth equals the calibration.
    fn point(batch: u32) -> Point {
        let seconds = 1e-3 + 0.5e-3 * f64::from(batch);
        Point {
            batch,
            latency: Latency::exact(seconds),
            request_latency: None,
            items: f64::from(batch),
            memory_bytes: Some(f64::from(batch) * 1_048_576.0),
        }
    }

    #[test]
    fn exact_curves_are_suggested_exactly_and_the_summary_counts_them() {
        let calibration = Curve::new(
            "exact",
            "items",
            [1, 2, 4, 8, 16].into_iter().map(point).collect(),
        )
        .unwrap();
        let live: Vec<Point> = (1..=16).map(point).collect();
        let grid = grid(&calibration, 16, |b| Some(point(b).memory_bytes.unwrap()));
        // Six budgets × (three limits + none); no request latency.
        assert_eq!(grid.len(), 24);
        let hardware = Hardware::unlimited(2);
        let cases: Vec<Case> = grid
            .iter()
            .map(|c| check(c, &calibration, &live, &hardware, |b| Ok::<_, ()>(point(b))).unwrap())
            .collect();
        for case in &cases {
            assert_eq!(case.suggested, case.best, "{case:?}");
            assert_eq!(case.ratio, Some(1.0));
            assert!(case.met);
        }
        let summary = Summary::of(&cases);
        assert!(summary.pass());
        assert_eq!(summary.ratios.len(), 24);
        assert_eq!(summary.histogram()[5], (1.0, f64::INFINITY, 24));
        let row = summary.markdown_row("exact");
        assert!(
            row.starts_with("| exact | 24 | 100.0 % (24/24) | 100.0 % (24/24) | 100.0 % |"),
            "{row}"
        );

        // Live, sizes above 8 are three times slower than the calibration
        // says (a cliff it did not measure): where the calibration suggests
        // more than 8, the suggestion is far below the best live size and
        // misses its budget.
        let cliff = |b: u32| {
            let mut p = point(b);
            if b > 8 {
                p.latency = Latency::exact(p.latency.typical_s * 3.0);
            }
            p
        };
        let live: Vec<Point> = (1..=16).map(cliff).collect();
        let cases: Vec<Case> = grid
            .iter()
            .map(|c| check(c, &calibration, &live, &hardware, |b| Ok::<_, ()>(cliff(b))).unwrap())
            .collect();
        let beyond: Vec<&Case> = cases.iter().filter(|c| c.suggested > Some(8)).collect();
        assert!(!beyond.is_empty());
        for case in &beyond {
            assert!(
                case.best <= Some(8) && !case.accurate() && !case.met,
                "{case:?}"
            );
        }
        let summary = Summary::of(&cases);
        assert!(summary.accuracy < 1.0 && summary.satisfaction < 1.0);
        assert_eq!(
            summary.accuracy,
            (cases.len() - beyond.len()) as f64 / cases.len() as f64
        );
    }

    #[test]
    fn a_suggestion_where_the_sweep_met_nothing_is_not_compared_but_is_judged_met_or_not() {
        let calibration =
            Curve::new("exact", "items", [1, 2, 4].into_iter().map(point).collect()).unwrap();
        // Live, every size ran 20 % slower than the calibration: batch 1
        // (1.8 ms) misses a budget of 1.6 ms that the calibration (1.5 ms)
        // meets; measured again it is back at 1.5 ms.
        let slow = |b: u32| {
            let mut p = point(b);
            p.latency = Latency::exact(p.latency.typical_s * 1.2);
            p
        };
        let live: Vec<Point> = (1..=4).map(slow).collect();
        let constraints = Constraints::latency_budget(1.6e-3).with_max_batch(4);
        let hardware = Hardware::unlimited(2);
        let met = check(&constraints, &calibration, &live, &hardware, |b| {
            Ok::<_, ()>(point(b))
        })
        .unwrap();
        assert_eq!((met.suggested, met.best, met.ratio), (Some(1), None, None));
        assert!(met.met && !met.met_in_sweep);
        let missed = check(&constraints, &calibration, &live, &hardware, |b| {
            Ok::<_, ()>(slow(b))
        })
        .unwrap();
        assert!(!missed.met);
        // Beside one compared case at the best: accuracy is over the
        // compared case alone, "met" over all three.
        let budget = Constraints::latency_budget(3.1e-3).with_max_batch(4);
        let exact: Vec<Point> = (1..=4).map(point).collect();
        let compared = check(&budget, &calibration, &exact, &hardware, |b| {
            Ok::<_, ()>(point(b))
        })
        .unwrap();
        assert_eq!(compared.ratio, Some(1.0), "{compared:?}");
        let summary = Summary::of(&[met, missed, compared]);
        assert_eq!(summary.no_live_best, 2);
        assert_eq!(summary.accuracy, 1.0);
        assert!((summary.satisfaction - 2.0 / 3.0).abs() < 1e-12);
        let row = summary.markdown_row("noisy");
        assert!(
            row.starts_with(
                "| noisy | 3 (2 no size met in the sweep) | 100.0 % (1/1) | 66.7 % (2/3) |"
            ),
            "{row}"
        );
    }

    #[test]
    fn a_budget_below_every_size_is_a_correct_refusal() {
        let calibration =
            Curve::new("exact", "items", [1, 2, 4].into_iter().map(point).collect()).unwrap();
        let live: Vec<Point> = (1..=4).map(point).collect();
        let constraints = Constraints::latency_budget(1e-3).with_max_batch(4);
        let case = check(
            &constraints,
            &calibration,
            &live,
            &Hardware::unlimited(2),
            |b| Ok::<_, ()>(point(b)),
        )
        .unwrap();
        assert!(case.refused_correctly() && case.met && case.ratio.is_none());
        let summary = Summary::of(&[case]);
        assert_eq!(summary.refused_correctly, 1);
        assert!(summary.ratios.is_empty());
    }
}
