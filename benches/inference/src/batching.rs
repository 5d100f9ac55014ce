//! Batch sizing for the engine (seed 002, task 5): a calibration sweep of generation at a few batch sizes, [`BatchInferenceEngine::suggest_batch_size`], and the runtime [`AdaptiveBatcher`] that sizes each batch of a request queue.
//!
//! The model, the constraints and the suggestion are
//! `benchgate_metrics::batch`'s; this module measures the curve they need.
//! One point of the curve is `infer_batch` on `batch` prompts of
//! [`SweepSpec::prompt_tokens`] tokens generating
//! [`SweepSpec::new_tokens`] tokens each:
//!
//! * batch latency — the whole call (prefill plus decode steps);
//! * request latency — time to first token (the batch's prefill plus one
//!   greedy choice: every request of a batch gets its first token then);
//! * work — tokens generated, `batch × new_tokens`;
//! * memory — the weights plus the batch's KV cache as allocated (the
//!   resident memory a batch needs; activations, a few MiB at these
//!   shapes and freed after every layer, are not counted).

use std::collections::VecDeque;
use std::time::Instant;

use benchgate_metrics::batch::{
    AdaptiveSizer, Constraints, Curve, Hardware, Latency, Observation, Point, Suggestion,
    suggest_refined,
};

use crate::engine::BatchInferenceEngine;
use crate::error::InferenceError;
use crate::prompts::{PromptSource, as_slices};

/// What a calibration sweep measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSpec {
    /// Batch sizes timed, ascending.
    pub batch_sizes: Vec<u32>,
    /// Tokens of every prompt (equal lengths: the sweep measures batching,
    /// not padding).
    pub prompt_tokens: usize,
    /// Tokens generated per request.
    pub new_tokens: usize,
    /// Timed calls per batch size (after one untimed warm-up call); the
    /// median and upper quartile make the point's latency.
    pub repetitions: usize,
}

impl Default for SweepSpec {
    /// Seed 002's inference batch sizes plus 2 (1, 2, 4, 8, 16): powers
    /// of two, so interpolation spans at most a doubling. 32-token
    /// prompts and 8 new tokens make the prefill and the decode steps
    /// weigh about the same at batch 8 for the small model, and keep
    /// the largest call a few tenths of a second on two cores; five
    /// repetitions give an upper quartile that is not the maximum.
    fn default() -> Self {
        Self {
            batch_sizes: vec![1, 2, 4, 8, 16],
            prompt_tokens: 32,
            new_tokens: 8,
            repetitions: 5,
        }
    }
}

/// Measures an engine at given batch sizes on fixed prompts.
#[derive(Debug, Clone)]
pub struct BatchSizing<'a> {
    engine: &'a BatchInferenceEngine,
    /// Prompts for the largest batch; a batch of b takes the first b.
    prompts: Vec<Vec<u32>>,
    spec: SweepSpec,
}

impl<'a> BatchSizing<'a> {
    /// Prompts from `source`, enough for the largest size of `spec` (or
    /// `largest`, if larger: the accuracy check measures beyond the
    /// sweep).
    pub fn new(
        engine: &'a BatchInferenceEngine,
        source: &PromptSource,
        spec: SweepSpec,
        largest: u32,
    ) -> Result<Self, InferenceError> {
        let most = spec
            .batch_sizes
            .iter()
            .copied()
            .max()
            .unwrap_or(1)
            .max(largest) as usize;
        if spec.batch_sizes.len() < 2 || spec.repetitions == 0 || spec.new_tokens == 0 {
            return Err(InferenceError::InvalidConfig(format!(
                "a calibration sweep needs at least two batch sizes, one repetition and one new token (got {spec:?})"
            )));
        }
        Ok(Self {
            engine,
            prompts: source.fixed_length(most, spec.prompt_tokens),
            spec,
        })
    }

    /// The sweep's specification.
    pub fn spec(&self) -> &SweepSpec {
        &self.spec
    }

    /// Bytes a batch of `batch` needs: the weights plus its KV cache.
    pub fn memory_bytes(&self, batch: u32) -> f64 {
        let positions = self.spec.prompt_tokens + self.spec.new_tokens - 1;
        (self.engine.weight_bytes() + self.engine.kv_cache_bytes_for(batch as usize, positions))
            as f64
    }

    /// Times `repetitions` calls at `batch` (after one untimed call).
    pub fn measure(&self, batch: u32, repetitions: usize) -> Result<Point, InferenceError> {
        let prompts = self.prompts.get(..batch as usize).ok_or_else(|| {
            InferenceError::InvalidConfig(format!(
                "batch {batch} is larger than the {} prompts prepared",
                self.prompts.len()
            ))
        })?;
        let prompts = as_slices(prompts);
        self.engine.infer_batch(&prompts, self.spec.new_tokens)?;
        let mut total = Vec::with_capacity(repetitions);
        let mut first = Vec::with_capacity(repetitions);
        for _ in 0..repetitions.max(1) {
            let output = self.engine.infer_batch(&prompts, self.spec.new_tokens)?;
            total.push(output.total.as_secs_f64());
            first.push(
                output
                    .responses
                    .first()
                    .map_or(0.0, |r| r.time_to_first_token.as_secs_f64()),
            );
        }
        let latency = |seconds: &[f64]| {
            Latency::from_samples(seconds)
                .ok_or_else(|| InferenceError::InvalidConfig("no call was timed".to_owned()))
        };
        Ok(Point {
            batch,
            latency: latency(&total)?,
            request_latency: Some(latency(&first)?),
            items: f64::from(batch) * self.spec.new_tokens as f64,
            memory_bytes: Some(self.memory_bytes(batch)),
        })
    }

    /// The calibration sweep: every size of the spec, measured in turn.
    pub fn calibrate(&self) -> Result<Curve, InferenceError> {
        let points = self
            .spec
            .batch_sizes
            .iter()
            .map(|&batch| self.measure(batch, self.spec.repetitions))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Curve::new(
            format!(
                "inference generation ({}, {} prompt + {} new tokens), calibration sweep",
                self.engine.format().name(),
                self.spec.prompt_tokens,
                self.spec.new_tokens
            ),
            "tokens",
            points,
        )?)
    }
}

impl BatchInferenceEngine {
    /// The batch size for `constraints` on this machine, from a short
    /// calibration sweep ([`SweepSpec::default`], prompts from the
    /// committed corpus and tokenizer) that this call runs itself, and a
    /// second stage that measures the sizes between the two calibration
    /// sizes around the first suggestion with those two again, in three
    /// rounds, and suggests from those fresh measurements
    /// (`batch::suggest_refined`; a few seconds each for the small model). Use [`BatchSizing`] to sweep other
    /// sizes, and `benchgate_metrics::batch::suggest` to suggest from a
    /// recorded curve without measuring.
    pub fn suggest_batch_size(
        &self,
        constraints: &Constraints,
    ) -> Result<Suggestion, InferenceError> {
        let source = PromptSource::committed()?;
        let sizing = BatchSizing::new(self, &source, SweepSpec::default(), 0)?;
        let curve = sizing.calibrate()?;
        let refined = suggest_refined(&curve, constraints, &Hardware::detect(), |b| {
            sizing.measure(b, sizing.spec().repetitions)
        })??;
        Ok(refined.suggestion)
    }
}

/// A request waiting to be served.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// When it arrived, seconds from the start of serving.
    pub arrival_s: f64,
    pub prompt: Vec<u32>,
}

/// What running one batch took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchTiming {
    /// The whole call, seconds.
    pub latency_s: f64,
    /// Time to first token of the batch's requests, seconds.
    pub time_to_first_token_s: f64,
}

/// Runs batches for an [`AdaptiveBatcher`]: the engine in production, a
/// simulated one in tests.
pub trait BatchRunner {
    /// Serves `prompts` as one batch and says how long it took.
    fn run(&mut self, prompts: &[&[u32]]) -> Result<BatchTiming, InferenceError>;
}

/// The engine generating `new_tokens` per request, timed with the wall
/// clock.
#[derive(Debug, Clone, Copy)]
pub struct EngineRunner<'a> {
    pub engine: &'a BatchInferenceEngine,
    pub new_tokens: usize,
}

impl BatchRunner for EngineRunner<'_> {
    fn run(&mut self, prompts: &[&[u32]]) -> Result<BatchTiming, InferenceError> {
        let start = Instant::now();
        let output = self.engine.infer_batch(prompts, self.new_tokens)?;
        Ok(BatchTiming {
            latency_s: start.elapsed().as_secs_f64(),
            time_to_first_token_s: output
                .responses
                .first()
                .map_or(0.0, |r| r.time_to_first_token.as_secs_f64()),
        })
    }
}

/// One batch the batcher served.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedBatch {
    /// Indices of its requests in the input order.
    pub requests: Vec<usize>,
    /// Serving time when it started and finished, seconds.
    pub started_s: f64,
    pub finished_s: f64,
    pub timing: BatchTiming,
}

/// Serves a request queue in batches whose size comes from a fitted
/// model, refitted after every batch with the latency it observed (see
/// `benchgate_metrics::batch::AdaptiveSizer`).
///
/// Time is the batcher's own: it starts at 0, jumps to the next arrival
/// when the queue is empty, and advances by each batch's measured
/// latency. With the engine that is the wall time of serving (no
/// sleeping in between); with a simulated runner it is a simulated clock.
#[derive(Debug, Clone)]
pub struct AdaptiveBatcher {
    sizer: AdaptiveSizer,
}

impl AdaptiveBatcher {
    /// A batcher starting from `calibration`.
    pub fn new(calibration: Curve, constraints: Constraints, hardware: Hardware) -> Self {
        Self {
            sizer: AdaptiveSizer::new(calibration, constraints, hardware),
        }
    }

    /// The sizer, with its current curve and suggestion.
    pub fn sizer(&self) -> &AdaptiveSizer {
        &self.sizer
    }

    /// Serves every request of `requests` (in arrival order, oldest
    /// first), each batch as large as the model allows and the queue
    /// holds, and returns the batches served.
    pub fn serve(
        &mut self,
        requests: &[Request],
        runner: &mut impl BatchRunner,
    ) -> Result<Vec<ServedBatch>, InferenceError> {
        let mut order: Vec<usize> = (0..requests.len()).collect();
        order.sort_by(|&a, &b| requests[a].arrival_s.total_cmp(&requests[b].arrival_s));
        let mut pending: VecDeque<usize> = order.into();
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut now = 0.0f64;
        let mut served = Vec::new();
        while !pending.is_empty() || !queue.is_empty() {
            if queue.is_empty() {
                if let Some(&next) = pending.front() {
                    now = now.max(requests[next].arrival_s);
                }
            }
            while let Some(&next) = pending.front() {
                if requests[next].arrival_s > now {
                    break;
                }
                queue.push_back(next);
                pending.pop_front();
            }
            let size = self.sizer.next_batch(queue.len()).max(1);
            let batch: Vec<usize> = queue.drain(..size.min(queue.len())).collect();
            let prompts: Vec<&[u32]> = batch
                .iter()
                .map(|&i| requests[i].prompt.as_slice())
                .collect();
            let timing = runner.run(&prompts)?;
            self.sizer.observe(Observation {
                batch: u32::try_from(batch.len()).unwrap_or(u32::MAX),
                latency_s: timing.latency_s,
                request_latency_s: self
                    .sizer
                    .curve()
                    .has_request_latency()
                    .then_some(timing.time_to_first_token_s),
            })?;
            served.push(ServedBatch {
                requests: batch,
                started_s: now,
                finished_s: now + timing.latency_s,
                timing,
            });
            now += timing.latency_s;
        }
        Ok(served)
    }
}
