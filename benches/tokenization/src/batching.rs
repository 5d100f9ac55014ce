//! Batch sizing for the tokenizer (seed 002, task 5): a calibration sweep of batch encodings and [`BatchTokenizer::suggest_batch_size`].
//!
//! The model, the constraints and the suggestion are
//! `benchgate_metrics::batch`'s; this module measures the curve. One point
//! is [`BatchTokenizer::encode_batch`] on the first `batch` texts:
//!
//! * latency — the call (a batch is answered when all its texts are
//!   encoded, so the batch latency is also each request's);
//! * work — tokens produced;
//! * memory — the batch's own data: its texts' bytes plus 4 bytes per
//!   token id (the tokenizer's working memory is shared and does not grow
//!   with the batch; the benchmark's `peak_heap_bytes` metric measures
//!   the heap, and `benchgate suggest-batch` uses it from a recorded run).

use std::time::Instant;

use benchgate_metrics::batch::{
    Constraints, Curve, Hardware, Latency, Point, Suggestion, suggest_refined,
};

use crate::TextClass;
use crate::corpus::generate_class;
use crate::error::TokenizationError;
use crate::tokenizer::BatchTokenizer;

/// Bytes of paragraphs generated for the default sweep: about 150
/// paragraphs of ~440 bytes, more than the 64 of its largest batch.
const SWEEP_TEXT_BYTES: usize = 64 * 1024;

/// A calibration sweep: texts and the batch sizes to time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSweep {
    /// Texts; a batch of b encodes the first b.
    pub texts: Vec<String>,
    /// Batch sizes, ascending, none beyond `texts.len()`.
    pub batch_sizes: Vec<u32>,
    /// Timed calls per size (after one untimed call).
    pub repetitions: usize,
}

impl Default for BatchSweep {
    /// The benchmark's batch sizes (1, 8, 16, 32, 64) over the corpus's
    /// paragraphs; 15 repetitions, since a call is at most a few
    /// milliseconds.
    fn default() -> Self {
        Self {
            texts: generate_class(
                TextClass::Paragraph,
                TextClass::Paragraph.seed(),
                SWEEP_TEXT_BYTES,
            ),
            batch_sizes: vec![1, 8, 16, 32, 64],
            repetitions: 15,
        }
    }
}

impl BatchSweep {
    /// Times `repetitions` encodings of the first `batch` texts.
    pub fn measure(
        &self,
        tokenizer: &BatchTokenizer,
        batch: u32,
        repetitions: usize,
    ) -> Result<Point, TokenizationError> {
        let texts: Vec<&str> = self
            .texts
            .iter()
            .take(batch as usize)
            .map(String::as_str)
            .collect();
        if texts.len() < batch as usize {
            return Err(benchgate_metrics::batch::BatchError::Calibration(format!(
                "batch {batch} is larger than the {} texts of the sweep",
                self.texts.len()
            ))
            .into());
        }
        let tokens: usize = tokenizer.encode_batch(&texts)?.iter().map(Vec::len).sum();
        let mut seconds = Vec::with_capacity(repetitions);
        for _ in 0..repetitions.max(1) {
            let start = Instant::now();
            std::hint::black_box(tokenizer.encode_batch(std::hint::black_box(&texts))?);
            seconds.push(start.elapsed().as_secs_f64());
        }
        let latency = Latency::from_samples(&seconds).ok_or_else(|| {
            benchgate_metrics::batch::BatchError::Calibration("no call was timed".to_owned())
        })?;
        let text_bytes: usize = texts.iter().map(|t| t.len()).sum();
        Ok(Point {
            batch,
            latency,
            request_latency: None,
            items: tokens as f64,
            memory_bytes: Some((text_bytes + tokens * std::mem::size_of::<u32>()) as f64),
        })
    }

    /// The curve: every size of the sweep, measured in turn.
    pub fn calibrate(&self, tokenizer: &BatchTokenizer) -> Result<Curve, TokenizationError> {
        let points = self
            .batch_sizes
            .iter()
            .map(|&b| self.measure(tokenizer, b, self.repetitions))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Curve::new(
            "tokenization encode_batch, calibration sweep",
            "tokens",
            points,
        )?)
    }
}

impl BatchTokenizer {
    /// The batch size for `constraints` on this machine, from a short
    /// calibration sweep ([`BatchSweep::default`], well under a second)
    /// that this call runs itself, and a second stage that measures the
    /// sizes between the two calibration sizes around the first suggestion
    /// with those two again, in three rounds, and suggests from those fresh
    /// measurements (`batch::suggest_refined`).
    /// Use `benchgate_metrics::batch::suggest`
    /// with [`BatchSweep::calibrate`]'s curve, or a recorded one, to
    /// suggest without measuring again.
    pub fn suggest_batch_size(
        &self,
        constraints: &Constraints,
    ) -> Result<Suggestion, TokenizationError> {
        let sweep = BatchSweep::default();
        let curve = sweep.calibrate(self)?;
        let refined = suggest_refined(&curve, constraints, &Hardware::detect(), |b| {
            sweep.measure(self, b, sweep.repetitions)
        })??;
        Ok(refined.suggestion)
    }
}
