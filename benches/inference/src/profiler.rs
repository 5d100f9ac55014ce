//! The profiler of seed 004: four modes (none, minimal, standard, deep) that record section, layer and operation timings and activation statistics into preallocated storage.
//!
//! The engine calls the profiler at fixed points of every forward pass;
//! each hook first asks whether the mode wants it, so
//! [`ProfilingMode::None`] costs a few predictable branches per layer.
//! Records go into vectors reserved up front ([`Profiler::for_run`]) so
//! recording does not reallocate in the middle of a pass, and every
//! statistic is reduced on the tensor's device and read back to the host
//! exactly once (one `to_scalar` per number), as the seed prescribes.
//! On candle's CPU backend every operation has finished when it returns,
//! so a wall-clock timer around an operation measures that operation (a
//! GPU backend would need a synchronisation first).

use std::time::Instant;

use candle_core::{D, DType, Tensor};

use crate::error::InferenceError;

/// An activation counts as zero for the sparsity statistic when its
/// magnitude is at most this: well below the spread of post-norm
/// activations (order 0.1–1), well above f32 rounding noise.
pub const SPARSITY_EPSILON: f32 = 1e-3;

/// Added inside the logarithm of the attention entropy so that
/// probabilities of exactly zero (masked keys) contribute 0 instead of NaN.
const ENTROPY_EPSILON: f64 = 1e-12;

/// How much the profiler records; each mode includes the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfilingMode {
    /// Nothing is recorded: the plain engine.
    None,
    /// Section timing per pass (embedding, layers, head, sampling).
    Minimal,
    /// Plus per-layer timing and activation statistics (mean, standard
    /// deviation, maximum, sparsity) of every layer's output.
    Standard,
    /// Plus per-operation timing inside every layer (QKV projection, RoPE,
    /// QKᵀ, softmax, attention·V, output projection, MLP), attention
    /// entropy and the MLP's activation kill ratio.
    Deep,
}

impl ProfilingMode {
    /// Every mode, cheapest first.
    pub const ALL: [ProfilingMode; 4] = [Self::None, Self::Minimal, Self::Standard, Self::Deep];

    /// Name in benchmark ids and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minimal => "minimal",
            Self::Standard => "standard",
            Self::Deep => "deep",
        }
    }

    /// The seed's overhead target for this mode, as a fraction of the
    /// unprofiled time: minimal ≤ 2 %, standard ≤ 5 %, deep ≤ 15 %.
    pub fn overhead_target(self) -> f64 {
        match self {
            Self::None => 0.0,
            Self::Minimal => 0.02,
            Self::Standard => 0.05,
            Self::Deep => 0.15,
        }
    }

    fn sections(self) -> bool {
        self >= Self::Minimal
    }

    fn layers(self) -> bool {
        self >= Self::Standard
    }

    fn ops(self) -> bool {
        self >= Self::Deep
    }
}

/// A coarse part of one forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Token embedding lookup.
    Embed,
    /// All decoder layers.
    Layers,
    /// Final norm and output projection to logits.
    Head,
    /// Greedy token choice from the logits.
    Sample,
}

/// One operation inside a decoder layer (deep mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Input RMSNorm and the fused Q/K/V projection.
    QkvProjection,
    /// Rotary embedding of queries and keys, and the KV-cache write.
    Rope,
    /// Scaled QKᵀ scores plus the attention mask.
    QkT,
    /// Softmax over the keys.
    Softmax,
    /// Probabilities times values.
    AttentionV,
    /// Attention output projection and residual add.
    OutProjection,
    /// Post-attention RMSNorm, SwiGLU MLP and residual add.
    Mlp,
}

/// Statistics of one activation tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationStats {
    /// Mean of the elements.
    pub mean: f32,
    /// Population standard deviation of the elements.
    pub std: f32,
    /// Largest element.
    pub max: f32,
    /// Fraction of elements with magnitude at most [`SPARSITY_EPSILON`].
    pub sparsity: f32,
}

impl ActivationStats {
    /// Reduces `x` on its device; each of the four numbers is read back
    /// to the host once.
    pub fn of(x: &Tensor) -> Result<Self, InferenceError> {
        let mean = x.mean_all()?.to_scalar::<f32>()?;
        let mean_square = x.sqr()?.mean_all()?.to_scalar::<f32>()?;
        let max = x.max_all()?.to_scalar::<f32>()?;
        let sparsity = x
            .abs()?
            .le(f64::from(SPARSITY_EPSILON))?
            .to_dtype(DType::F32)?
            .mean_all()?
            .to_scalar::<f32>()?;
        Ok(Self {
            mean,
            std: (mean_square - mean * mean).max(0.0).sqrt(),
            max,
            sparsity,
        })
    }
}

/// Time spent in one section of one pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionRecord {
    /// Forward pass number (0 = prefill of the run's first batch).
    pub pass: u32,
    /// Which section.
    pub section: Section,
    /// Wall time in nanoseconds.
    pub nanos: u64,
}

/// Time and output statistics of one layer in one pass (standard mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerRecord {
    /// Forward pass number.
    pub pass: u32,
    /// Layer index.
    pub layer: u32,
    /// Wall time in nanoseconds, statistics excluded.
    pub nanos: u64,
    /// Statistics of the layer's output (the residual stream).
    pub stats: ActivationStats,
}

/// Time of one operation in one layer in one pass (deep mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpRecord {
    /// Forward pass number.
    pub pass: u32,
    /// Layer index.
    pub layer: u32,
    /// Which operation.
    pub op: Op,
    /// Wall time in nanoseconds.
    pub nanos: u64,
}

/// Attention and MLP statistics of one layer in one pass (deep mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeepStatsRecord {
    /// Forward pass number.
    pub pass: u32,
    /// Layer index.
    pub layer: u32,
    /// Mean entropy (nats) of the attention distributions over keys.
    pub attention_entropy: f32,
    /// Fraction of SwiGLU outputs with magnitude at most
    /// [`SPARSITY_EPSILON`]: the MLP's "killed" activations.
    pub mlp_kill_ratio: f32,
}

/// Operations timed per layer in deep mode.
const OPS_PER_LAYER: usize = 7;

/// Sections timed per pass.
const SECTIONS_PER_PASS: usize = 4;

/// Collects profiling records for one or more runs.
#[derive(Debug, Clone)]
pub struct Profiler {
    mode: ProfilingMode,
    /// Passes begun so far; the current pass is `passes - 1`.
    passes: u32,
    sections: Vec<SectionRecord>,
    layers: Vec<LayerRecord>,
    ops: Vec<OpRecord>,
    deep_stats: Vec<DeepStatsRecord>,
}

impl Profiler {
    /// A profiler that records nothing.
    pub fn disabled() -> Self {
        Self::for_run(ProfilingMode::None, 0, 0)
    }

    /// A profiler for `mode` with storage reserved for `passes` forward
    /// passes of a model with `num_layers` layers (a run of
    /// `max_new_tokens` tokens makes `max_new_tokens` passes: one prefill,
    /// then one decode step per further token).
    pub fn for_run(mode: ProfilingMode, passes: usize, num_layers: usize) -> Self {
        fn reserve<T>(enabled: bool, records: usize) -> Vec<T> {
            if enabled {
                Vec::with_capacity(records)
            } else {
                Vec::new()
            }
        }
        let per_layer = passes.saturating_mul(num_layers);
        Self {
            mode,
            passes: 0,
            sections: reserve(mode.sections(), passes.saturating_mul(SECTIONS_PER_PASS)),
            layers: reserve(mode.layers(), per_layer),
            ops: reserve(mode.ops(), per_layer.saturating_mul(OPS_PER_LAYER)),
            deep_stats: reserve(mode.ops(), per_layer),
        }
    }

    /// The mode.
    pub fn mode(&self) -> ProfilingMode {
        self.mode
    }

    /// Forgets every record but keeps the reserved storage, so a profiler
    /// can be reused across runs without allocating.
    pub fn clear(&mut self) {
        self.passes = 0;
        self.sections.clear();
        self.layers.clear();
        self.ops.clear();
        self.deep_stats.clear();
    }

    /// Forward passes recorded.
    pub fn passes(&self) -> u32 {
        self.passes
    }

    /// Section timings, in recording order.
    pub fn sections(&self) -> &[SectionRecord] {
        &self.sections
    }

    /// Layer timings and statistics, in recording order.
    pub fn layers(&self) -> &[LayerRecord] {
        &self.layers
    }

    /// Operation timings, in recording order.
    pub fn ops(&self) -> &[OpRecord] {
        &self.ops
    }

    /// Attention entropy and MLP kill ratios, in recording order.
    pub fn deep_stats(&self) -> &[DeepStatsRecord] {
        &self.deep_stats
    }

    /// Total nanoseconds recorded for `section` over all passes.
    pub fn section_total_nanos(&self, section: Section) -> u64 {
        self.sections
            .iter()
            .filter(|record| record.section == section)
            .map(|record| record.nanos)
            .sum()
    }

    /// Total nanoseconds recorded for `op` over all layers and passes.
    pub fn op_total_nanos(&self, op: Op) -> u64 {
        self.ops
            .iter()
            .filter(|record| record.op == op)
            .map(|record| record.nanos)
            .sum()
    }

    pub(crate) fn begin_pass(&mut self) {
        self.passes = self.passes.saturating_add(1);
    }

    fn pass(&self) -> u32 {
        self.passes.saturating_sub(1)
    }

    /// A start time if sections are timed.
    pub(crate) fn section_start(&self) -> Option<Instant> {
        self.mode.sections().then(Instant::now)
    }

    pub(crate) fn end_section(&mut self, start: Option<Instant>, section: Section) {
        if let Some(start) = start {
            self.sections.push(SectionRecord {
                pass: self.pass(),
                section,
                nanos: nanos_since(start),
            });
        }
    }

    /// A start time if layers are timed.
    pub(crate) fn layer_start(&self) -> Option<Instant> {
        self.mode.layers().then(Instant::now)
    }

    /// Ends a layer's timing and records the statistics of its output.
    pub(crate) fn end_layer(
        &mut self,
        start: Option<Instant>,
        layer: usize,
        output: &Tensor,
    ) -> Result<(), InferenceError> {
        if let Some(start) = start {
            let nanos = nanos_since(start);
            let stats = ActivationStats::of(output)?;
            self.layers.push(LayerRecord {
                pass: self.pass(),
                layer: index_u32(layer),
                nanos,
                stats,
            });
        }
        Ok(())
    }

    /// Whether operations are timed (deep mode).
    pub(crate) fn deep(&self) -> bool {
        self.mode.ops()
    }

    /// A start time if operations are timed.
    pub(crate) fn op_start(&self) -> Option<Instant> {
        self.mode.ops().then(Instant::now)
    }

    pub(crate) fn end_op(&mut self, start: Option<Instant>, layer: usize, op: Op) {
        if let Some(start) = start {
            self.ops.push(OpRecord {
                pass: self.pass(),
                layer: index_u32(layer),
                op,
                nanos: nanos_since(start),
            });
        }
    }

    /// Records deep statistics from a layer's attention probabilities
    /// (`[.., keys]`) and SwiGLU output. Each is one reduction and one
    /// read-back.
    pub(crate) fn record_deep_stats(
        &mut self,
        layer: usize,
        probabilities: &Tensor,
        mlp_activation: &Tensor,
    ) -> Result<(), InferenceError> {
        let attention_entropy = (probabilities
            * probabilities.affine(1.0, ENTROPY_EPSILON)?.log()?)?
        .sum(D::Minus1)?
        .mean_all()?
        .neg()?
        .to_scalar::<f32>()?;
        let mlp_kill_ratio = mlp_activation
            .abs()?
            .le(f64::from(SPARSITY_EPSILON))?
            .to_dtype(DType::F32)?
            .mean_all()?
            .to_scalar::<f32>()?;
        self.deep_stats.push(DeepStatsRecord {
            pass: self.pass(),
            layer: index_u32(layer),
            attention_entropy,
            mlp_kill_ratio,
        });
        Ok(())
    }
}

fn nanos_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
