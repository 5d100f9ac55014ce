//! [`AdaptiveSizer`]: the batch size of each next batch, from a calibration curve refitted with the latencies observed while serving.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::{BatchError, Constraints, Curve, Hardware, Latency, Point, Suggestion, suggest};

/// Latest latencies kept per batch size: the refitted curve follows the
/// last 8 batches of a size, so a machine that slows down (or speeds up)
/// moves the median, and with it the suggestion, after 5 batches, while
/// up to 3 preempted batches in a row move it not at all.
pub const OBSERVATION_WINDOW: usize = 8;

/// One served batch as the sizer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub batch: u32,
    /// Wall time of the call on the whole batch, seconds.
    pub latency_s: f64,
    /// What one request waited for (time to first token), where the
    /// curve has a request latency.
    pub request_latency_s: Option<f64>,
}

/// Chooses each batch's size from a curve that it refits as batches are
/// served.
///
/// The curve starts as the calibration. After each observed batch, the
/// sizes that were served take their observed latencies (median and upper
/// quartile of the last [`OBSERVATION_WINDOW`]); the sizes never served
/// keep the calibration's shape, scaled by the median ratio of observed to
/// calibrated latency over the served sizes — so a machine that runs
/// slower than during calibration shrinks every prediction, not only the
/// one of the size it happened to serve. The suggestion is then computed
/// again with the same constraints.
#[derive(Debug, Clone)]
pub struct AdaptiveSizer {
    calibration: Curve,
    constraints: Constraints,
    hardware: Hardware,
    /// Recent (batch latency, request latency) per served size.
    observed: BTreeMap<u32, VecDeque<(f64, Option<f64>)>>,
    curve: Curve,
    suggestion: Result<Suggestion, BatchError>,
}

impl AdaptiveSizer {
    /// A sizer starting from `calibration`.
    pub fn new(calibration: Curve, constraints: Constraints, hardware: Hardware) -> Self {
        let suggestion = suggest(&calibration, &constraints, &hardware);
        Self {
            curve: calibration.clone(),
            calibration,
            constraints,
            hardware,
            observed: BTreeMap::new(),
            suggestion,
        }
    }

    /// The size of the next batch when `queued` requests wait: the
    /// suggested size, or all of the queue if it holds fewer (a smaller
    /// batch only lowers the latency). When the constraints cannot be met
    /// at all, batches of one: the least latency there is. `0` only for an
    /// empty queue.
    pub fn next_batch(&self, queued: usize) -> usize {
        let suggested = self.suggestion.as_ref().map_or(1, |s| s.batch as usize);
        suggested.min(queued)
    }

    /// Records a served batch and refits.
    pub fn observe(&mut self, observation: Observation) -> Result<(), BatchError> {
        let finite = |x: f64| x.is_finite() && x > 0.0;
        if observation.batch == 0
            || !finite(observation.latency_s)
            || observation.request_latency_s.is_some_and(|r| !finite(r))
        {
            return Err(BatchError::BadConstraint(format!(
                "observed batch {} with latency {} s: sizes and latencies must be positive and finite",
                observation.batch, observation.latency_s
            )));
        }
        let window = self.observed.entry(observation.batch).or_default();
        if window.len() == OBSERVATION_WINDOW {
            window.pop_front();
        }
        window.push_back((observation.latency_s, observation.request_latency_s));
        self.curve = self.refit()?;
        self.suggestion = suggest(&self.curve, &self.constraints, &self.hardware);
        Ok(())
    }

    /// The current suggestion, or why there is none.
    pub fn suggestion(&self) -> Result<&Suggestion, &BatchError> {
        self.suggestion.as_ref()
    }

    /// The curve as refitted from the observations so far.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// The constraints.
    pub fn constraints(&self) -> &Constraints {
        &self.constraints
    }

    fn refit(&self) -> Result<Curve, BatchError> {
        let observed: BTreeMap<u32, (Latency, Option<Latency>)> = self
            .observed
            .iter()
            .filter_map(|(&batch, window)| {
                let batch_s: Vec<f64> = window.iter().map(|w| w.0).collect();
                let request_s: Vec<f64> = window.iter().filter_map(|w| w.1).collect();
                Some((
                    batch,
                    (
                        Latency::from_samples(&batch_s)?,
                        Latency::from_samples(&request_s),
                    ),
                ))
            })
            .collect();
        let ratios: Vec<f64> = observed
            .iter()
            .map(|(&batch, (latency, _))| {
                latency.typical_s / self.calibration.predict(batch).latency.typical_s
            })
            .collect();
        let drift = crate::median(&ratios).unwrap_or(1.0);
        let scale = |l: Latency| Latency {
            typical_s: l.typical_s * drift,
            high_s: l.high_s * drift,
        };
        let mut points: BTreeMap<u32, Point> = self
            .calibration
            .points()
            .iter()
            .map(|p| {
                (
                    p.batch,
                    Point {
                        latency: scale(p.latency),
                        request_latency: p.request_latency.map(scale),
                        ..*p
                    },
                )
            })
            .collect();
        for (&batch, &(latency, request)) in &observed {
            let predicted = self.calibration.predict(batch);
            let base = points.get(&batch).copied().unwrap_or(Point {
                batch,
                latency: scale(predicted.latency),
                request_latency: predicted.request_latency.map(scale),
                items: predicted.throughput * predicted.latency.typical_s,
                memory_bytes: predicted.memory_bytes,
            });
            points.insert(
                batch,
                Point {
                    latency,
                    request_latency: base.request_latency.map(|scaled| request.unwrap_or(scaled)),
                    ..base
                },
            );
        }
        Curve::new(
            format!("{} (refitted from served batches)", self.calibration.source),
            self.calibration.item_unit.clone(),
            points.into_values().collect(),
        )
    }
}
