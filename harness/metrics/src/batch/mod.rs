//! Adaptive batch sizing: a batch size suggested from a measured latency/memory curve under latency, memory and throughput constraints.
//!
//! The model is stated, not learned: a workload measures a few batch sizes
//! (a [`Curve`] of [`Point`]s: batch latency, optionally the latency one
//! request sees, the work done and the memory used), and between measured
//! sizes every quantity is **interpolated linearly** (exact at the measured
//! sizes). Each quantity also gets a **least-squares line** (latency =
//! a + b·batch, memory = c + d·batch) whose fit quality (R², largest
//! relative residual) is reported with every suggestion; beyond the
//! largest measured size the line's slope carries the curve on, at most to
//! [`MAX_EXTRAPOLATION`] times that size, and a suggestion that relies on
//! it says so ([`Suggestion::extrapolated`]).
//!
//! [`suggest`] then tries every batch size from 1 to the limit and keeps the
//! best under the [`Constraints`]: a latency budget per batch or per
//! request (time to first token for inference), a memory limit (never more
//! than the machine's memory, [`Hardware`]), and an [`Objective`] —
//! maximum throughput within the budget, or minimum latency at a
//! throughput floor. The [`Suggestion`] names the constraint that stopped
//! a larger batch ([`Binding`]); when no size satisfies the constraints
//! the error names the one that cannot be met ([`BatchError::Infeasible`]).
//!
//! Feasibility is judged on the **high** latency of each point (a high
//! quantile of its repetitions, [`Latency::high_s`]), so that a batch
//! suggested right at the budget still meets it when measured again; the
//! throughput is judged on the typical latency.
//!
//! [`AdaptiveSizer`] keeps a curve up to date at run time from observed
//! batch latencies. Everything here is pure (no clock, no I/O) except
//! [`Hardware::detect`].

pub mod accuracy;
mod adaptive;
mod hardware;
mod refine;
mod units;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use adaptive::{AdaptiveSizer, OBSERVATION_WINDOW, Observation};
pub use hardware::Hardware;
pub use refine::{Refined, SECOND_STAGE_ROUNDS, second_stage_sizes, suggest_refined};
pub use units::{format_bytes, format_seconds, parse_bytes, parse_seconds};

/// How far beyond the largest measured batch size a suggestion may go:
/// twice it. A linear latency model holds over a modest range (the same
/// kernels, a little more data), but farther out caches overflow and
/// kernels change shape, so a line fitted to 1–16 says little about 64.
pub const MAX_EXTRAPOLATION: f64 = 2.0;

/// Quantile of a point's repetitions taken as its high latency: the upper
/// quartile. A budget judged on the median would be missed by about half
/// the re-measurements of a batch sized right at it; the upper quartile
/// leaves room for ordinary noise without letting one preempted
/// repetition (the maximum) shrink every suggestion.
pub const HIGH_LATENCY_QUANTILE: f64 = 0.75;

/// Sizes whose predicted throughput is within this share of the highest
/// feasible one count as the peak, and the largest of them is suggested
/// (for the maximum-throughput objective). Measured throughput of
/// neighbouring sizes scatters by more than this on a 2-vCPU VM
/// (tokenization: 1.70 M tokens/s at 34 texts, 1.39 M at 33), so the
/// single highest is often a lucky measurement of a smaller size, and the
/// accuracy runs' misses were suggestions below the best live size at the
/// throughput peak (4 where 8 was best, 81.5 %; 3 where 5 was, 86.8 %).
/// Batching amortises a call's fixed cost, so among sizes the
/// measurements cannot tell apart the largest is the better bet; 5 %
/// bounds what the choice can cost by the curve's own numbers, half the
/// issue's 10 % accuracy tolerance.
pub const PEAK_TOLERANCE: f64 = 0.05;

/// Fit quality below which the suggestion warns that the line is a poor
/// description of the curve (R² of the latency fit). Interpolation inside
/// the measured range does not depend on it; extrapolation does.
pub const POOR_FIT_R_SQUARED: f64 = 0.9;

/// A latency measured at one batch size, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// The typical latency (median of the repetitions).
    pub typical_s: f64,
    /// A high quantile of the repetitions ([`HIGH_LATENCY_QUANTILE`]); the
    /// budget is checked against it. Equal to `typical_s` when only one
    /// repetition was made.
    pub high_s: f64,
}

impl Latency {
    /// From repeated timings (seconds): the median and the
    /// [`HIGH_LATENCY_QUANTILE`]; `None` when `seconds` is empty.
    pub fn from_samples(seconds: &[f64]) -> Option<Self> {
        let typical_s = crate::median(seconds)?;
        let mut sorted = seconds.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let high_s = crate::nearest_rank(&sorted, HIGH_LATENCY_QUANTILE)?.max(typical_s);
        Some(Self { typical_s, high_s })
    }

    /// One timing, typical and high alike.
    pub fn exact(seconds: f64) -> Self {
        Self {
            typical_s: seconds,
            high_s: seconds,
        }
    }
}

/// One measured batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Requests (texts, prompts) in the batch.
    pub batch: u32,
    /// Wall time of one call on the whole batch.
    pub latency: Latency,
    /// What one request of the batch waits for, where that is not the
    /// whole call (inference: time to first token).
    pub request_latency: Option<Latency>,
    /// Work one call does, in the curve's throughput unit (tokens,
    /// texts); throughput is `items / latency`.
    pub items: f64,
    /// Bytes the batch needs (peak heap, or weights plus KV cache).
    pub memory_bytes: Option<f64>,
}

impl Point {
    /// One size measured in several rounds, as one point: the median of
    /// each latency (batch and request, typical and high quantile
    /// separately); the work and memory of the first round (they do not
    /// vary between rounds). `None` when `rounds` is empty.
    pub fn median_of_rounds(rounds: &[Point]) -> Option<Point> {
        let first = *rounds.first()?;
        let median_of = |latency: &dyn Fn(&Point) -> Option<Latency>| -> Option<Latency> {
            let typical: Vec<f64> = rounds
                .iter()
                .filter_map(|p| latency(p).map(|l| l.typical_s))
                .collect();
            let high: Vec<f64> = rounds
                .iter()
                .filter_map(|p| latency(p).map(|l| l.high_s))
                .collect();
            let typical_s = crate::median(&typical)?;
            Some(Latency {
                typical_s,
                high_s: crate::median(&high)?.max(typical_s),
            })
        };
        Some(Point {
            latency: median_of(&|p| Some(p.latency))?,
            request_latency: median_of(&|p| p.request_latency),
            ..first
        })
    }
}

/// A least-squares line `y = intercept + slope · batch` and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    pub intercept: f64,
    pub slope: f64,
    /// Coefficient of determination (1 = the points lie on the line; 1
    /// also when every point has the same value).
    pub r_squared: f64,
    /// Largest |residual| ÷ value over the points.
    pub max_relative_residual: f64,
    /// Points fitted.
    pub points: usize,
}

impl LinearFit {
    /// Ordinary least squares of `(x, y)`; `None` with fewer than two
    /// distinct `x`.
    pub fn fit(xy: &[(f64, f64)]) -> Option<Self> {
        let n = xy.len() as f64;
        let mean_x = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = xy.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = xy.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        if xy.len() < 2 || sxx <= 0.0 {
            return None;
        }
        let sxy: f64 = xy.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        let slope = sxy / sxx;
        let intercept = mean_y - slope * mean_x;
        let residual = |p: &(f64, f64)| p.1 - (intercept + slope * p.0);
        let ss_res: f64 = xy.iter().map(|p| residual(p).powi(2)).sum();
        let ss_tot: f64 = xy.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
        let r_squared = if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            1.0
        };
        let max_relative_residual = xy
            .iter()
            .map(|p| residual(p).abs() / p.1.abs().max(f64::MIN_POSITIVE))
            .fold(0.0, f64::max);
        Some(Self {
            intercept,
            slope,
            r_squared,
            max_relative_residual,
            points: xy.len(),
        })
    }

    /// The line's value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// The lines fitted to a curve, reported with every suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    /// Batch latency (typical), seconds.
    pub latency: LinearFit,
    /// Request latency (typical), seconds, when the points have it.
    pub request_latency: Option<LinearFit>,
    /// Memory, bytes, when the points have it.
    pub memory: Option<LinearFit>,
}

/// Measured batch sizes of one workload and the lines fitted to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// What was measured, e.g. `inference decode (f32), calibration sweep`.
    pub source: String,
    /// Unit of `items`, e.g. `tokens`.
    pub item_unit: String,
    /// Sorted by batch size, one point per size.
    points: Vec<Point>,
    fit: CurveFit,
}

impl Curve {
    /// Checks and sorts `points` and fits the lines. Needs at least two
    /// distinct batch sizes, every size at least 1, every number finite
    /// and positive (memory may be zero), and request latency and memory
    /// either on every point or on none.
    pub fn new(
        source: impl Into<String>,
        item_unit: impl Into<String>,
        mut points: Vec<Point>,
    ) -> Result<Self, BatchError> {
        let source = source.into();
        let bad = |reason: String| BatchError::BadCurve {
            source: source.clone(),
            reason,
        };
        points.sort_by_key(|p| p.batch);
        for pair in points.windows(2) {
            if pair[0].batch == pair[1].batch {
                return Err(bad(format!(
                    "batch size {} is measured twice",
                    pair[0].batch
                )));
            }
        }
        if points.len() < 2 {
            return Err(bad(format!(
                "{} batch size(s) measured; a curve needs at least two",
                points.len()
            )));
        }
        let positive = |x: f64| x.is_finite() && x > 0.0;
        for p in &points {
            let latencies = [Some(p.latency), p.request_latency];
            let latencies_ok = latencies
                .iter()
                .flatten()
                .all(|l| positive(l.typical_s) && positive(l.high_s));
            let memory_ok = p.memory_bytes.is_none_or(|m| m.is_finite() && m >= 0.0);
            if p.batch == 0 || !latencies_ok || !positive(p.items) || !memory_ok {
                return Err(bad(format!(
                    "batch size {}: sizes, latencies and work must be positive and finite",
                    p.batch
                )));
            }
        }
        let all_or_none = |has: fn(&Point) -> bool, what: &str| {
            let count = points.iter().filter(|p| has(p)).count();
            if count == 0 || count == points.len() {
                Ok(count > 0)
            } else {
                Err(bad(format!(
                    "{what} is measured at {count} of {} batch sizes; give it for all or none",
                    points.len()
                )))
            }
        };
        let has_request = all_or_none(|p| p.request_latency.is_some(), "request latency")?;
        let has_memory = all_or_none(|p| p.memory_bytes.is_some(), "memory")?;
        let line = |value: &dyn Fn(&Point) -> f64| {
            let xy: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (f64::from(p.batch), value(p)))
                .collect();
            LinearFit::fit(&xy)
        };
        let two_sizes = || bad("fewer than two distinct batch sizes".to_owned());
        let fit = CurveFit {
            latency: line(&|p| p.latency.typical_s).ok_or_else(two_sizes)?,
            request_latency: if has_request {
                line(&|p| p.request_latency.map_or(0.0, |l| l.typical_s))
            } else {
                None
            },
            memory: if has_memory {
                line(&|p| p.memory_bytes.unwrap_or(0.0))
            } else {
                None
            },
        };
        Ok(Self {
            source,
            item_unit: item_unit.into(),
            points,
            fit,
        })
    }

    /// The measured points, by batch size.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The fitted lines.
    pub fn fit(&self) -> &CurveFit {
        &self.fit
    }

    /// Smallest and largest measured batch size.
    pub fn measured_range(&self) -> (u32, u32) {
        (
            self.points[0].batch,
            self.points[self.points.len() - 1].batch,
        )
    }

    /// Largest batch size a suggestion may reach: [`MAX_EXTRAPOLATION`]
    /// times the largest measured one.
    pub fn extrapolation_limit(&self) -> u32 {
        let (_, largest) = self.measured_range();
        (f64::from(largest) * MAX_EXTRAPOLATION).floor() as u32
    }

    /// Whether the points have a request latency.
    pub fn has_request_latency(&self) -> bool {
        self.fit.request_latency.is_some()
    }

    /// Whether the points have memory.
    pub fn has_memory(&self) -> bool {
        self.fit.memory.is_some()
    }

    /// The model's prediction at `batch` (at least 1): linear
    /// interpolation between the neighbouring measured sizes, the fitted
    /// slope from the nearest measured size outside them.
    pub fn predict(&self, batch: u32) -> Prediction {
        let at = |value: &dyn Fn(&Point) -> f64, slope: f64| self.interpolate(batch, value, slope);
        let fit = &self.fit;
        let latency = Latency {
            typical_s: at(&|p| p.latency.typical_s, fit.latency.slope),
            high_s: at(&|p| p.latency.high_s, fit.latency.slope),
        };
        let request_latency = fit.request_latency.map(|line| Latency {
            typical_s: at(
                &|p| p.request_latency.map_or(0.0, |l| l.typical_s),
                line.slope,
            ),
            high_s: at(&|p| p.request_latency.map_or(0.0, |l| l.high_s), line.slope),
        });
        let items_per_request = self.items_per_request();
        let items = at(&|p| p.items, items_per_request);
        let memory_bytes = fit
            .memory
            .map(|line| at(&|p| p.memory_bytes.unwrap_or(0.0), line.slope));
        // A latency can only be as small as the fastest measured one's
        // share; never let a steep line reach zero below the range.
        let floor = self.points[0].latency.typical_s * f64::MIN_POSITIVE.sqrt();
        let typical = latency.typical_s.max(floor);
        Prediction {
            batch,
            latency: Latency {
                typical_s: typical,
                high_s: latency.high_s.max(typical),
            },
            request_latency: request_latency.map(|l| Latency {
                typical_s: l.typical_s.max(floor),
                high_s: l.high_s.max(l.typical_s.max(floor)),
            }),
            throughput: items.max(0.0) / typical,
            memory_bytes: memory_bytes.map(|m| m.max(0.0)),
        }
    }

    /// Work per request, the slope of the items beyond the range: items
    /// over batch, least squares through the origin.
    fn items_per_request(&self) -> f64 {
        let (num, den) = self.points.iter().fold((0.0, 0.0), |(n, d), p| {
            let b = f64::from(p.batch);
            (n + p.items * b, d + b * b)
        });
        num / den
    }

    fn interpolate(&self, batch: u32, value: &dyn Fn(&Point) -> f64, slope: f64) -> f64 {
        let x = f64::from(batch);
        let points = &self.points;
        let first = &points[0];
        let last = &points[points.len() - 1];
        if batch <= first.batch {
            return value(first) + slope * (x - f64::from(first.batch));
        }
        if batch >= last.batch {
            // Beyond the range a falling line would promise free batches.
            return value(last) + slope.max(0.0) * (x - f64::from(last.batch));
        }
        let upper = points.partition_point(|p| p.batch < batch);
        let (lo, hi) = (&points[upper - 1], &points[upper]);
        let t = (x - f64::from(lo.batch)) / f64::from(hi.batch - lo.batch);
        value(lo) + t * (value(hi) - value(lo))
    }
}

/// What the model predicts at one batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub batch: u32,
    /// Latency of one call on the batch.
    pub latency: Latency,
    /// Latency one request sees, where the curve has it.
    pub request_latency: Option<Latency>,
    /// Items per second.
    pub throughput: f64,
    /// Bytes, where the curve has memory.
    pub memory_bytes: Option<f64>,
}

impl Prediction {
    /// The latency `scope` constrains.
    pub fn latency_in(&self, scope: LatencyScope) -> Option<Latency> {
        match scope {
            LatencyScope::Batch => Some(self.latency),
            LatencyScope::Request => self.request_latency,
        }
    }
}

/// Which latency a budget applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyScope {
    /// One call on the whole batch.
    #[default]
    Batch,
    /// What one request waits for (inference: time to first token).
    Request,
}

impl LatencyScope {
    pub fn name(self) -> &'static str {
        match self {
            Self::Batch => "batch",
            Self::Request => "request",
        }
    }
}

/// What the suggestion optimises.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The highest throughput whose latency fits the budget.
    #[default]
    MaxThroughput,
    /// The lowest latency that still reaches `throughput_floor` items/s.
    MinLatency { throughput_floor: f64 },
}

/// What a batch must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Constraints {
    /// Latency budget in seconds (`None`: unbounded).
    pub latency_budget_s: Option<f64>,
    /// What the budget applies to.
    pub latency_scope: LatencyScope,
    /// Memory limit in bytes (`None`: the machine's memory, where known).
    pub memory_limit_bytes: Option<f64>,
    pub objective: Objective,
    /// Largest batch the caller can form (e.g. the queue's length).
    pub max_batch: Option<u32>,
}

impl Constraints {
    /// Maximum throughput within a latency budget of `seconds` per batch.
    pub fn latency_budget(seconds: f64) -> Self {
        Self {
            latency_budget_s: Some(seconds),
            ..Self::default()
        }
    }

    pub fn with_scope(mut self, scope: LatencyScope) -> Self {
        self.latency_scope = scope;
        self
    }

    pub fn with_memory_limit(mut self, bytes: f64) -> Self {
        self.memory_limit_bytes = Some(bytes);
        self
    }

    pub fn with_objective(mut self, objective: Objective) -> Self {
        self.objective = objective;
        self
    }

    pub fn with_max_batch(mut self, batch: u32) -> Self {
        self.max_batch = Some(batch);
        self
    }

    /// Checks the numbers are usable.
    fn check(&self) -> Result<(), BatchError> {
        let bad = |what: &str, value: f64| {
            Err(BatchError::BadConstraint(format!(
                "{what} = {value} must be positive and finite"
            )))
        };
        if let Some(budget) = self
            .latency_budget_s
            .filter(|b| !(b.is_finite() && *b > 0.0))
        {
            return bad("latency budget (s)", budget);
        }
        if let Some(limit) = self
            .memory_limit_bytes
            .filter(|m| !(m.is_finite() && *m > 0.0))
        {
            return bad("memory limit (bytes)", limit);
        }
        if let Objective::MinLatency { throughput_floor } = self.objective {
            if !(throughput_floor.is_finite() && throughput_floor > 0.0) {
                return bad("throughput floor", throughput_floor);
            }
        }
        if self.max_batch == Some(0) {
            return Err(BatchError::BadConstraint(
                "the largest batch must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

/// A memory limit and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryLimit {
    /// The caller's limit.
    Given(f64),
    /// The machine's memory (smaller than the caller's limit, or none given).
    Machine(f64),
}

impl MemoryLimit {
    pub fn bytes(self) -> f64 {
        match self {
            Self::Given(b) | Self::Machine(b) => b,
        }
    }
}

/// The constraint that keeps the suggested batch from being larger (or,
/// for an infeasible request, the one no batch size meets).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Binding {
    /// The next size's (high) latency exceeds the budget.
    Latency { scope: LatencyScope, budget_s: f64 },
    /// The next size's memory exceeds the limit.
    Memory { limit: MemoryLimit },
    /// The caller cannot form a larger batch.
    MaxBatch { max_batch: u32 },
    /// The model may not be extrapolated further ([`MAX_EXTRAPOLATION`]).
    MeasuredRange { largest_measured: u32, limit: u32 },
    /// Larger batches are predicted to have lower throughput, by more than
    /// [`PEAK_TOLERANCE`] below the peak.
    ThroughputPeak,
    /// Smaller batches fall below the throughput floor (objective
    /// [`Objective::MinLatency`]).
    ThroughputFloor { floor: f64 },
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latency { scope, budget_s } => write!(
                f,
                "the latency budget ({} per {})",
                format_seconds(*budget_s),
                scope.name()
            ),
            Self::Memory {
                limit: MemoryLimit::Given(bytes),
            } => write!(f, "the memory limit ({})", format_bytes(*bytes)),
            Self::Memory {
                limit: MemoryLimit::Machine(bytes),
            } => write!(f, "the machine's memory ({})", format_bytes(*bytes)),
            Self::MaxBatch { max_batch } => write!(f, "the largest batch allowed ({max_batch})"),
            Self::MeasuredRange {
                largest_measured,
                limit,
            } => write!(
                f,
                "the measured range (largest measured batch {largest_measured}; the model is not extrapolated past {limit}: measure larger batches to go further)"
            ),
            Self::ThroughputPeak => write!(
                f,
                "the throughput peak (larger batches are slower per item; the largest size within {:.0} % of the peak)",
                PEAK_TOLERANCE * 100.0
            ),
            Self::ThroughputFloor { floor } => {
                write!(f, "the throughput floor ({floor:.1} items/s)")
            }
        }
    }
}

/// The suggested batch size, what it is predicted to do, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub batch: u32,
    pub predicted: Prediction,
    /// What stopped a larger (for min-latency: a smaller) batch.
    pub binding: Binding,
    /// The batch is beyond the largest measured size: its prediction rests
    /// on the fitted slope, not on a measurement.
    pub extrapolated: bool,
    pub constraints: Constraints,
    /// The memory limit applied (the caller's or the machine's).
    pub memory_limit: Option<MemoryLimit>,
    pub fit: CurveFit,
    pub measured_range: (u32, u32),
    /// Caveats worth printing (poor fit, extrapolation).
    pub notes: Vec<String>,
}

impl fmt::Display for Suggestion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.predicted;
        write!(
            f,
            "batch size {}: predicted {:.1} items/s, latency {} per batch (high {})",
            self.batch,
            p.throughput,
            format_seconds(p.latency.typical_s),
            format_seconds(p.latency.high_s)
        )?;
        if let Some(request) = p.request_latency {
            write!(
                f,
                ", {} per request (high {})",
                format_seconds(request.typical_s),
                format_seconds(request.high_s)
            )?;
        }
        if let Some(memory) = p.memory_bytes {
            write!(f, ", memory {}", format_bytes(memory))?;
        }
        write!(f, "; bound by {}", self.binding)?;
        if self.extrapolated {
            write!(
                f,
                " (extrapolated beyond the largest measured batch {})",
                self.measured_range.1
            )?;
        }
        Ok(())
    }
}

/// Why no suggestion could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchError {
    /// The measured points cannot make a curve.
    BadCurve { source: String, reason: String },
    /// A constraint's value is unusable.
    BadConstraint(String),
    /// The curve lacks what a constraint needs (a request latency, memory).
    Unmeasured(String),
    /// No batch size meets the constraints; `binding` is the one that
    /// fails even at the most favourable size.
    Infeasible { binding: Binding, detail: String },
    /// A workload's own calibration sweep failed.
    Calibration(String),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadCurve { source, reason } => {
                write!(f, "{source}: not a usable batch curve: {reason}")
            }
            Self::BadConstraint(reason) => write!(f, "bad constraint: {reason}"),
            Self::Unmeasured(reason) => write!(f, "{reason}"),
            Self::Infeasible { binding, detail } => {
                write!(
                    f,
                    "no batch size meets the constraints: {binding} cannot be met ({detail})"
                )
            }
            Self::Calibration(reason) => write!(f, "calibration sweep failed: {reason}"),
        }
    }
}

impl std::error::Error for BatchError {}

/// The best batch size on `curve` under `constraints` on `hardware` (see
/// the module documentation for the model and the rules).
pub fn suggest(
    curve: &Curve,
    constraints: &Constraints,
    hardware: &Hardware,
) -> Result<Suggestion, BatchError> {
    constraints.check()?;
    if constraints.latency_budget_s.is_some()
        && constraints.latency_scope == LatencyScope::Request
        && !curve.has_request_latency()
    {
        return Err(BatchError::Unmeasured(format!(
            "{}: a per-request latency budget needs the request latency, which this curve does not have; use a per-batch budget",
            curve.source
        )));
    }
    let memory_limit = effective_memory_limit(constraints.memory_limit_bytes, hardware);
    if constraints.memory_limit_bytes.is_some() && !curve.has_memory() {
        return Err(BatchError::Unmeasured(format!(
            "{}: a memory limit needs memory per batch size, which this curve does not have",
            curve.source
        )));
    }
    let memory_limit = memory_limit.filter(|_| curve.has_memory());
    let (_, largest_measured) = curve.measured_range();
    let range_limit = curve.extrapolation_limit().max(1);
    let limit = constraints
        .max_batch
        .map_or(range_limit, |m| m.min(range_limit));
    let predictions: Vec<Prediction> = (1..=limit).map(|b| curve.predict(b)).collect();
    let violation = |p: &Prediction| violated(p, constraints, memory_limit);
    let feasible: Vec<&Prediction> = predictions
        .iter()
        .filter(|p| violation(p).is_none())
        .collect();
    let best = match constraints.objective {
        Objective::MaxThroughput => {
            let peak = feasible
                .iter()
                .map(|p| p.throughput)
                .fold(f64::NEG_INFINITY, f64::max);
            feasible
                .iter()
                .copied()
                .filter(|p| p.throughput >= peak * (1.0 - PEAK_TOLERANCE))
                .max_by_key(|p| p.batch)
        }
        Objective::MinLatency { .. } => feasible.iter().copied().min_by(|a, b| {
            let la = a.latency_in(constraints.latency_scope).unwrap_or(a.latency);
            let lb = b.latency_in(constraints.latency_scope).unwrap_or(b.latency);
            la.typical_s
                .total_cmp(&lb.typical_s)
                .then(b.throughput.total_cmp(&a.throughput))
        }),
    };
    let Some(best) = best.copied() else {
        return Err(infeasible(&predictions, constraints, memory_limit));
    };
    let binding = match constraints.objective {
        Objective::MinLatency { throughput_floor } => Binding::ThroughputFloor {
            floor: throughput_floor,
        },
        Objective::MaxThroughput => match predictions.get(best.batch as usize) {
            // The next size: what is wrong with it?
            Some(next) => violation(next).unwrap_or(Binding::ThroughputPeak),
            None if constraints.max_batch.is_some_and(|m| m <= range_limit) => {
                Binding::MaxBatch { max_batch: limit }
            }
            None => Binding::MeasuredRange {
                largest_measured,
                limit: range_limit,
            },
        },
    };
    let extrapolated = best.batch > largest_measured;
    let mut notes = Vec::new();
    if extrapolated {
        notes.push(format!(
            "batch {} is beyond the largest measured size {largest_measured}: its prediction follows the fitted slope",
            best.batch
        ));
    }
    if curve.fit.latency.r_squared < POOR_FIT_R_SQUARED {
        notes.push(format!(
            "latency is far from linear in the batch size (R² = {:.2}); inside the measured range the prediction interpolates the measurements",
            curve.fit.latency.r_squared
        ));
    }
    Ok(Suggestion {
        batch: best.batch,
        predicted: best,
        binding,
        extrapolated,
        constraints: *constraints,
        memory_limit,
        fit: curve.fit,
        measured_range: curve.measured_range(),
        notes,
    })
}

/// The caller's limit, or the machine's memory where it is smaller or the
/// caller gave none.
fn effective_memory_limit(given: Option<f64>, hardware: &Hardware) -> Option<MemoryLimit> {
    let machine = hardware.memory_bytes.map(|m| m as f64);
    match (given, machine) {
        (Some(g), Some(m)) if m < g => Some(MemoryLimit::Machine(m)),
        (Some(g), _) => Some(MemoryLimit::Given(g)),
        (None, Some(m)) => Some(MemoryLimit::Machine(m)),
        (None, None) => None,
    }
}

/// The first constraint `p` breaks, in the order latency, memory, floor.
fn violated(
    p: &Prediction,
    constraints: &Constraints,
    memory_limit: Option<MemoryLimit>,
) -> Option<Binding> {
    if let (Some(budget_s), Some(latency)) = (
        constraints.latency_budget_s,
        p.latency_in(constraints.latency_scope),
    ) {
        if latency.high_s > budget_s {
            return Some(Binding::Latency {
                scope: constraints.latency_scope,
                budget_s,
            });
        }
    }
    if let (Some(limit), Some(memory)) = (memory_limit, p.memory_bytes) {
        if memory > limit.bytes() {
            return Some(Binding::Memory { limit });
        }
    }
    if let Objective::MinLatency { throughput_floor } = constraints.objective {
        if p.throughput < throughput_floor {
            return Some(Binding::ThroughputFloor {
                floor: throughput_floor,
            });
        }
    }
    None
}

/// The error for constraints no size meets: latency and memory are judged
/// at batch 1 (the smallest latency and memory), the floor at the best
/// throughput among the sizes that meet the other two.
fn infeasible(
    predictions: &[Prediction],
    constraints: &Constraints,
    memory_limit: Option<MemoryLimit>,
) -> BatchError {
    let first = &predictions[0];
    if let (Some(budget_s), Some(latency)) = (
        constraints.latency_budget_s,
        first.latency_in(constraints.latency_scope),
    ) {
        if latency.high_s > budget_s {
            return BatchError::Infeasible {
                binding: Binding::Latency {
                    scope: constraints.latency_scope,
                    budget_s,
                },
                detail: format!(
                    "batch 1 takes {} per {} (high {}), over the budget of {}",
                    format_seconds(latency.typical_s),
                    constraints.latency_scope.name(),
                    format_seconds(latency.high_s),
                    format_seconds(budget_s)
                ),
            };
        }
    }
    if let (Some(limit), Some(memory)) = (memory_limit, first.memory_bytes) {
        if memory > limit.bytes() {
            return BatchError::Infeasible {
                binding: Binding::Memory { limit },
                detail: format!(
                    "batch 1 needs {}, over the limit of {}",
                    format_bytes(memory),
                    format_bytes(limit.bytes())
                ),
            };
        }
    }
    let relaxed = Constraints {
        objective: Objective::MaxThroughput,
        ..*constraints
    };
    let best = predictions
        .iter()
        .filter(|p| violated(p, &relaxed, memory_limit).is_none())
        .map(|p| p.throughput)
        .fold(0.0, f64::max);
    let floor = match constraints.objective {
        Objective::MinLatency { throughput_floor } => throughput_floor,
        Objective::MaxThroughput => 0.0,
    };
    BatchError::Infeasible {
        binding: Binding::ThroughputFloor { floor },
        detail: format!(
            "the best throughput within the other constraints is {best:.1} items/s, below the floor of {floor:.1}"
        ),
    }
}

#[cfg(test)]
mod tests;
