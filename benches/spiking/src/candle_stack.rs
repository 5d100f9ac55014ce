//! The cortical stack on candle tensors (CPU): `Tensor::matmul` (the `gemm` crate, rayon-parallel) for the projections and tensor ops for the neurons.

use candle_core::{DType, Device, Tensor};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3};

use crate::loops::check_weights;
use crate::weights::StackWeights;
use crate::{LifParams, Reset, SpikingError, StackConfig};

/// One block's projection as tensors.
#[derive(Debug, Clone)]
struct CandleLinear {
    /// `[in, out]`: the transpose of the `nn.Linear` weight, contiguous, so
    /// the step multiplies without a transpose.
    weight_t: Tensor,
    /// `[out]`.
    bias: Tensor,
}

/// One block's neuron state as `[batch, hidden]` f32 tensors.
#[derive(Debug, Clone)]
pub struct CandleBlockState {
    pub membrane: Tensor,
    pub synapse: Option<Tensor>,
    pub spikes: Tensor,
}

/// The hidden state of a [`CandleStack`].
#[derive(Debug, Clone)]
pub struct CandleHidden {
    batch: usize,
    blocks: Vec<CandleBlockState>,
}

impl CandleHidden {
    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn blocks(&self) -> &[CandleBlockState] {
        &self.blocks
    }
}

/// A stack of spiking cortical blocks on candle CPU tensors, with the same
/// weights and update rule as [`crate::LoopStack`].
#[derive(Debug, Clone)]
pub struct CandleStack {
    config: StackConfig,
    blocks: Vec<CandleLinear>,
    device: Device,
}

impl CandleStack {
    /// A stack with weights generated from `config`.
    pub fn new(config: StackConfig) -> Result<Self, SpikingError> {
        let weights = StackWeights::generate(&config)?;
        Self::from_weights(config, &weights)
    }

    /// A stack with the given weights, which must match `config`'s shape.
    pub fn from_weights(config: StackConfig, weights: &StackWeights) -> Result<Self, SpikingError> {
        config.validate()?;
        check_weights(&config, weights)?;
        let device = Device::Cpu;
        let blocks = weights
            .blocks
            .iter()
            .map(|linear| {
                Ok(CandleLinear {
                    weight_t: array_to_tensor(linear.weight.view(), &device)?
                        .t()?
                        .contiguous()?,
                    bias: Tensor::from_iter(linear.bias.iter().copied(), &device)?,
                })
            })
            .collect::<Result<_, SpikingError>>()?;
        Ok(Self {
            config,
            blocks,
            device,
        })
    }

    pub fn config(&self) -> &StackConfig {
        &self.config
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// A resting state for `batch` inputs.
    pub fn init_hidden_state(&self, batch: usize) -> Result<CandleHidden, SpikingError> {
        let shape = (batch, self.config.hidden_size);
        let zeros = || Tensor::zeros(shape, DType::F32, &self.device);
        let blocks = (0..self.config.num_blocks)
            .map(|_| {
                Ok(CandleBlockState {
                    membrane: zeros()?,
                    synapse: match self.config.lif.synapse_alpha {
                        Some(_) => Some(zeros()?),
                        None => None,
                    },
                    spikes: zeros()?,
                })
            })
            .collect::<Result<_, SpikingError>>()?;
        Ok(CandleHidden { batch, blocks })
    }

    /// One timestep through every block: `x` is `[batch, hidden]` f32;
    /// returns the last block's spikes.
    pub fn step(&self, x: &Tensor, hidden: &mut CandleHidden) -> Result<Tensor, SpikingError> {
        let h = self.config.hidden_size;
        let batch = match x.dims() {
            [batch, width] if *width == h && x.dtype() == DType::F32 => *batch,
            dims => {
                return Err(SpikingError::Shape {
                    what: "input tensor",
                    expected: format!("f32 [batch, {h}]"),
                    got: dims.to_vec(),
                });
            }
        };
        self.check_state(batch, hidden)?;
        let mut input = x.clone();
        for (linear, state) in self.blocks.iter().zip(&mut hidden.blocks) {
            let current = input
                .matmul(&linear.weight_t)?
                .broadcast_add(&linear.bias)?;
            input = neurons(&self.config.lif, &current, state)?;
        }
        Ok(input)
    }

    /// `xs` `[timesteps, batch, hidden]` through every block, block by
    /// block (one matrix product per block, as [`crate::LoopStack::run`]);
    /// returns the last block's spikes `[timesteps, batch, hidden]`.
    pub fn run(&self, xs: &Tensor, hidden: &mut CandleHidden) -> Result<Tensor, SpikingError> {
        let h = self.config.hidden_size;
        let (timesteps, batch) = match xs.dims() {
            [t, batch, width] if *width == h && xs.dtype() == DType::F32 => (*t, *batch),
            dims => {
                return Err(SpikingError::Shape {
                    what: "input sequence tensor",
                    expected: format!("f32 [timesteps, batch, {h}]"),
                    got: dims.to_vec(),
                });
            }
        };
        self.check_state(batch, hidden)?;
        if timesteps * batch == 0 {
            return Ok(Tensor::zeros(
                (timesteps, batch, h),
                DType::F32,
                &self.device,
            )?);
        }
        let mut below = xs.reshape((timesteps * batch, h))?;
        for (linear, state) in self.blocks.iter().zip(&mut hidden.blocks) {
            let current = below
                .matmul(&linear.weight_t)?
                .broadcast_add(&linear.bias)?;
            let spikes = (0..timesteps)
                .map(|t| {
                    neurons(
                        &self.config.lif,
                        &current.narrow(0, t * batch, batch)?,
                        state,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            below = Tensor::cat(&spikes, 0)?;
        }
        Ok(below.reshape((timesteps, batch, h))?)
    }

    fn check_state(&self, batch: usize, hidden: &CandleHidden) -> Result<(), SpikingError> {
        let synapse = self.config.lif.synapse_alpha.is_some();
        let fits = hidden.batch == batch
            && hidden.blocks.len() == self.config.num_blocks
            && hidden.blocks.iter().all(|b| {
                b.membrane.dims() == [batch, self.config.hidden_size]
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

/// One LIF step of a block as tensor ops, with the rule and the rounding
/// of [`crate::lif::lif_step`]: `affine(beta, 0)` then `+` is the loops'
/// `beta * v + i`, and a spike of exactly 1.0 makes `v - s * threshold`
/// and `v * (1 - s)` exact.
fn neurons(
    params: &LifParams,
    current: &Tensor,
    state: &mut CandleBlockState,
) -> Result<Tensor, SpikingError> {
    let drive = match (state.synapse.as_ref(), params.synapse_alpha) {
        (Some(synapse), Some(alpha)) => {
            let synapse = (synapse.affine(f64::from(alpha), 0.0)? + current)?;
            state.synapse = Some(synapse.clone());
            synapse
        }
        _ => current.clone(),
    };
    let membrane = (state.membrane.affine(f64::from(params.beta), 0.0)? + drive)?;
    let spikes = membrane
        .gt(f64::from(params.threshold))?
        .to_dtype(DType::F32)?;
    state.membrane = match params.reset {
        Reset::Subtract => (membrane - spikes.affine(f64::from(params.threshold), 0.0)?)?,
        Reset::Zero => (membrane * spikes.affine(-1.0, 1.0)?)?,
    };
    state.spikes = spikes.clone();
    Ok(spikes)
}

/// A `[rows, cols]` f32 tensor with the array's values.
pub fn array_to_tensor(
    array: ArrayView2<'_, f32>,
    device: &Device,
) -> Result<Tensor, SpikingError> {
    let values: Vec<f32> = array.iter().copied().collect();
    Ok(Tensor::from_vec(values, array.dim(), device)?)
}

/// A `[timesteps, batch, width]` f32 tensor with the array's values.
pub fn array3_to_tensor(
    array: ArrayView3<'_, f32>,
    device: &Device,
) -> Result<Tensor, SpikingError> {
    let values: Vec<f32> = array.iter().copied().collect();
    Ok(Tensor::from_vec(values, array.dim(), device)?)
}

/// A 2-D f32 tensor's values as an array.
pub fn tensor_to_array(tensor: &Tensor) -> Result<Array2<f32>, SpikingError> {
    let dims = tensor.dims2()?;
    let values = tensor.flatten_all()?.to_vec1::<f32>()?;
    Array2::from_shape_vec(dims, values).map_err(|_| SpikingError::NonContiguous)
}

/// A 3-D f32 tensor's values as an array.
pub fn tensor_to_array3(tensor: &Tensor) -> Result<Array3<f32>, SpikingError> {
    let dims = tensor.dims3()?;
    let values = tensor.flatten_all()?.to_vec1::<f32>()?;
    Array3::from_shape_vec(dims, values).map_err(|_| SpikingError::NonContiguous)
}
