//! The cortical stack as tight f32 loops: `matrixmultiply` sgemm (through ndarray) or mat-vec products for the projections, one fused pass for the neurons, rayon over output neurons for large products.

use std::time::{Duration, Instant};

use crate::lif::lif_step;
use crate::project::{project_linear, project_parallel};
use crate::weights::StackWeights;
use crate::{SpikingError, StackConfig};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayViewMut2, Axis};

/// Fewest rows (batch rows for a step, timesteps × batch rows for a
/// sequence) at which a projection is split over rayon's threads. On the
/// suite's machine, a shared 2-vCPU VM whose second vCPU is often busy
/// elsewhere, splitting was slower at every step size measured (fastest of
/// 500 steps, 6 × 256 stack: batch 8 162 µs serial against 240 µs split,
/// batch 32 374 against 467, batch 256 2.7 ms against 3.0 ms); at 512
/// rows it was 1.56× faster in one run and 5 % slower in the next. So only
/// sequence-sized products are split; `step_parallel/B` and
/// `steps_serial/T` keep measuring the other choice.
pub const PARALLEL_MIN_ROWS: usize = 512;

/// Where the loop implementation runs its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    /// Everything on the calling thread.
    Serial,
    /// Each block's projection split by output neurons over rayon's
    /// global pool when it has at least `min_rows` rows; the neuron
    /// update stays on the calling thread (a few microseconds).
    Rayon { min_rows: usize },
}

/// Options of a [`LoopStack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopOptions {
    pub threading: Threading,
}

impl Default for LoopOptions {
    fn default() -> Self {
        Self {
            threading: Threading::Rayon {
                min_rows: PARALLEL_MIN_ROWS,
            },
        }
    }
}

impl LoopOptions {
    /// Everything on the calling thread.
    pub const SERIAL: Self = Self {
        threading: Threading::Serial,
    };

    /// Whether a projection of `rows` rows is split over threads.
    pub fn parallel(&self, rows: usize) -> bool {
        match self.threading {
            Threading::Serial => false,
            Threading::Rayon { min_rows } => rows >= min_rows,
        }
    }
}

/// One block's neuron state, `[batch, hidden]` each.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockState {
    membrane: Array2<f32>,
    synapse: Option<Array2<f32>>,
    spikes: Array2<f32>,
}

impl BlockState {
    fn zeros(batch: usize, hidden: usize, synapse: bool) -> Self {
        Self {
            membrane: Array2::zeros((batch, hidden)),
            synapse: synapse.then(|| Array2::zeros((batch, hidden))),
            spikes: Array2::zeros((batch, hidden)),
        }
    }

    /// Membrane potentials after the last step (post-reset).
    pub fn membrane(&self) -> ArrayView2<'_, f32> {
        self.membrane.view()
    }

    /// Synaptic currents after the last step, when the synapse is on.
    pub fn synapse(&self) -> Option<ArrayView2<'_, f32>> {
        self.synapse.as_ref().map(|s| s.view())
    }

    /// Spikes (0 or 1) of the last step: the block's output.
    pub fn spikes(&self) -> ArrayView2<'_, f32> {
        self.spikes.view()
    }

    fn rows(&mut self) -> BlockRows<'_> {
        BlockRows {
            membrane: self.membrane.view_mut(),
            synapse: self.synapse.as_mut().map(|s| s.view_mut()),
            spikes: self.spikes.view_mut(),
        }
    }
}

/// The hidden state of a [`LoopStack`]: one [`BlockState`] per block.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopHidden {
    batch: usize,
    blocks: Vec<BlockState>,
}

impl LoopHidden {
    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn blocks(&self) -> &[BlockState] {
        &self.blocks
    }
}

/// Mutable views of some batch rows of one block's state.
struct BlockRows<'a> {
    membrane: ArrayViewMut2<'a, f32>,
    synapse: Option<ArrayViewMut2<'a, f32>>,
    spikes: ArrayViewMut2<'a, f32>,
}

/// A stack of spiking cortical blocks on f32 arrays.
///
/// Inputs are `[batch, hidden]` (one step) or `[timesteps, batch, hidden]`
/// (a sequence), row-major.
#[derive(Debug, Clone)]
pub struct LoopStack {
    config: StackConfig,
    weights: StackWeights,
    options: LoopOptions,
}

impl LoopStack {
    /// A stack with weights generated from `config`.
    pub fn new(config: StackConfig, options: LoopOptions) -> Result<Self, SpikingError> {
        let weights = StackWeights::generate(&config)?;
        Self::from_weights(config, weights, options)
    }

    /// A stack with the given weights, which must match `config`'s shape.
    pub fn from_weights(
        config: StackConfig,
        weights: StackWeights,
        options: LoopOptions,
    ) -> Result<Self, SpikingError> {
        config.validate()?;
        check_weights(&config, &weights)?;
        Ok(Self {
            config,
            weights,
            options,
        })
    }

    pub fn config(&self) -> &StackConfig {
        &self.config
    }

    pub fn weights(&self) -> &StackWeights {
        &self.weights
    }

    pub fn options(&self) -> LoopOptions {
        self.options
    }

    /// A resting state for `batch` inputs: every membrane, current and
    /// spike zero.
    pub fn init_hidden_state(&self, batch: usize) -> LoopHidden {
        let synapse = self.config.lif.synapse_alpha.is_some();
        LoopHidden {
            batch,
            blocks: (0..self.config.num_blocks)
                .map(|_| BlockState::zeros(batch, self.config.hidden_size, synapse))
                .collect(),
        }
    }

    /// One timestep through every block; returns the last block's spikes
    /// `[batch, hidden]` (also kept in `hidden`).
    pub fn step<'h>(
        &self,
        x: ArrayView2<'_, f32>,
        hidden: &'h mut LoopHidden,
    ) -> Result<ArrayView2<'h, f32>, SpikingError> {
        self.check_step(x, hidden)?;
        let parallel = self.options.parallel(x.nrows());
        for k in 0..self.config.num_blocks {
            self.block_step(k, x, hidden, parallel)?;
        }
        last_spikes(hidden)
    }

    /// [`LoopStack::step`], appending each block's wall time to
    /// `block_times`: the per-block profile of the seed's layer-latency
    /// endpoint.
    pub fn step_profiled<'h>(
        &self,
        x: ArrayView2<'_, f32>,
        hidden: &'h mut LoopHidden,
        block_times: &mut Vec<Duration>,
    ) -> Result<ArrayView2<'h, f32>, SpikingError> {
        self.check_step(x, hidden)?;
        let parallel = self.options.parallel(x.nrows());
        for k in 0..self.config.num_blocks {
            let start = Instant::now();
            self.block_step(k, x, hidden, parallel)?;
            block_times.push(start.elapsed());
        }
        last_spikes(hidden)
    }

    /// Block `k` of one step: its input is `x` for the first block, else
    /// the spikes the block below produced in this step.
    fn block_step(
        &self,
        k: usize,
        x: ArrayView2<'_, f32>,
        hidden: &mut LoopHidden,
        parallel: bool,
    ) -> Result<(), SpikingError> {
        let (done, rest) = hidden.blocks.split_at_mut(k);
        let input = done.last().map_or(x, |prev| prev.spikes.view());
        let (Some(block), Some(linear)) = (rest.first_mut(), self.weights.blocks.get(k)) else {
            return Ok(());
        };
        if parallel {
            project_parallel(linear, input, block.spikes.view_mut());
        } else {
            project_linear(linear, input, block.spikes.view_mut());
        }
        neurons(&self.config, block.rows())
    }

    /// `timesteps` steps over `xs` `[timesteps, batch, hidden]`; returns the
    /// last block's spikes at every step, `[timesteps, batch, hidden]`.
    ///
    /// The result equals calling [`LoopStack::step`] once per timestep, but
    /// the work runs block by block: a block's input at every step is
    /// known once the block below has run all steps, so each block projects
    /// all `timesteps × batch` rows in one matrix product (split over
    /// rayon) and only the cheap neuron update walks the steps in order.
    pub fn run(
        &self,
        xs: ArrayView3<'_, f32>,
        hidden: &mut LoopHidden,
    ) -> Result<Array3<f32>, SpikingError> {
        let (timesteps, batch, width) = xs.dim();
        let h = self.config.hidden_size;
        if width != h {
            return Err(SpikingError::Shape {
                what: "input sequence",
                expected: format!("[timesteps, batch, {h}]"),
                got: xs.shape().to_vec(),
            });
        }
        self.check_state(batch, hidden)?;
        let rows = timesteps * batch;
        if rows == 0 {
            return Ok(Array3::zeros((timesteps, batch, h)));
        }
        let flat = xs.to_shape((rows, h)).map_err(|_| SpikingError::Shape {
            what: "input sequence",
            expected: "a standard-layout [timesteps, batch, hidden] array".to_owned(),
            got: xs.shape().to_vec(),
        })?;
        let parallel = self.options.parallel(rows);
        let mut below = Array2::<f32>::zeros((0, h));
        for (k, (linear, block)) in self
            .weights
            .blocks
            .iter()
            .zip(&mut hidden.blocks)
            .enumerate()
        {
            let input = if k == 0 { flat.view() } else { below.view() };
            let mut out = Array2::<f32>::zeros((rows, h));
            if parallel {
                project_parallel(linear, input, out.view_mut());
            } else {
                project_linear(linear, input, out.view_mut());
            }
            for step in out.axis_chunks_iter_mut(Axis(0), batch) {
                let mut state = block.rows();
                state.spikes = step;
                neurons(&self.config, state)?;
            }
            if let Some(last) = out.axis_chunks_iter(Axis(0), batch).last() {
                block.spikes.assign(&last);
            }
            below = out;
        }
        below
            .into_shape_with_order((timesteps, batch, h))
            .map_err(|_| SpikingError::NonContiguous)
    }

    fn check_step(&self, x: ArrayView2<'_, f32>, hidden: &LoopHidden) -> Result<(), SpikingError> {
        let h = self.config.hidden_size;
        if x.ncols() != h {
            return Err(SpikingError::Shape {
                what: "input",
                expected: format!("[batch, {h}]"),
                got: x.shape().to_vec(),
            });
        }
        self.check_state(x.nrows(), hidden)
    }

    fn check_state(&self, batch: usize, hidden: &LoopHidden) -> Result<(), SpikingError> {
        let synapse = self.config.lif.synapse_alpha.is_some();
        let fits = hidden.batch == batch
            && hidden.blocks.len() == self.config.num_blocks
            && hidden.blocks.iter().all(|b| {
                b.membrane.dim() == (batch, self.config.hidden_size)
                    && b.synapse.is_some() == synapse
            });
        if fits {
            Ok(())
        } else {
            Err(SpikingError::StateMismatch {
                state_blocks: hidden.blocks.len(),
                state_batch: hidden.batch,
                blocks: self.config.num_blocks,
                batch,
            })
        }
    }
}

/// The neuron update of some rows: `state.spikes` holds the projected
/// current on entry and the spikes on return.
fn neurons(config: &StackConfig, mut state: BlockRows<'_>) -> Result<(), SpikingError> {
    let current = state
        .spikes
        .as_slice_mut()
        .ok_or(SpikingError::NonContiguous)?;
    let membrane = state
        .membrane
        .as_slice_mut()
        .ok_or(SpikingError::NonContiguous)?;
    let synapse = match state.synapse.as_mut() {
        Some(s) => Some(s.as_slice_mut().ok_or(SpikingError::NonContiguous)?),
        None => None,
    };
    lif_step(&config.lif, current, membrane, synapse);
    Ok(())
}

fn last_spikes(hidden: &LoopHidden) -> Result<ArrayView2<'_, f32>, SpikingError> {
    // A validated configuration has at least one block.
    hidden
        .blocks
        .last()
        .map(|b| b.spikes.view())
        .ok_or(SpikingError::StateMismatch {
            state_blocks: 0,
            state_batch: hidden.batch,
            blocks: 1,
            batch: hidden.batch,
        })
}

/// Weights must be `num_blocks` projections of `[hidden, hidden]` and
/// `[hidden]`.
pub(crate) fn check_weights(
    config: &StackConfig,
    weights: &StackWeights,
) -> Result<(), SpikingError> {
    let h = config.hidden_size;
    if weights.blocks.len() != config.num_blocks {
        return Err(SpikingError::Shape {
            what: "weights",
            expected: format!("{} blocks", config.num_blocks),
            got: vec![weights.blocks.len()],
        });
    }
    for linear in &weights.blocks {
        if linear.weight.dim() != (h, h) || linear.bias.len() != h {
            return Err(SpikingError::Shape {
                what: "block weights",
                expected: format!("[{h}, {h}] with a bias of {h}"),
                got: linear.weight.shape().to_vec(),
            });
        }
    }
    Ok(())
}
