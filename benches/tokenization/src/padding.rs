//! Truncation and padding of a batch into the dense `[batch, sequence]` tensors an inference engine feeds its model.

use crate::error::TokenizationError;
use crate::tokenizer::{BatchTokenizer, TokenIds};

/// Which end of a sequence truncation removes tokens from, or padding adds
/// them to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The start. Left truncation keeps the most recent tokens (a chat
    /// history); left padding aligns every prompt's last token, which
    /// decoder-only generation needs.
    Left,
    /// The end. Right truncation keeps the beginning of a document; right
    /// padding is what encoder models expect.
    Right,
}

/// How long the padded rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PadTo {
    /// The longest (truncated) sequence in the batch: the least padding.
    Longest,
    /// Exactly the maximum length: a fixed shape, as compiled or
    /// CUDA-graph-captured models need.
    MaxLength,
}

/// A truncation and padding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaddingSpec {
    /// No row is longer than this (before rounding to
    /// `pad_to_multiple_of`); longer sequences are truncated.
    pub max_length: usize,
    pub pad_to: PadTo,
    pub truncation_side: Side,
    pub padding_side: Side,
    /// The row length is rounded up to a multiple of this (1: no rounding);
    /// 8 or 64 suit tensor-core tile sizes.
    pub pad_to_multiple_of: usize,
}

impl PaddingSpec {
    /// Truncate at the right, pad at the right to the longest row, no
    /// rounding: the common encoder set-up.
    pub fn new(max_length: usize) -> Self {
        Self {
            max_length,
            pad_to: PadTo::Longest,
            truncation_side: Side::Right,
            padding_side: Side::Right,
            pad_to_multiple_of: 1,
        }
    }

    /// This request with rows padded to `pad_to`.
    pub fn pad_to(mut self, pad_to: PadTo) -> Self {
        self.pad_to = pad_to;
        self
    }

    /// This request truncating at `side`.
    pub fn truncation_side(mut self, side: Side) -> Self {
        self.truncation_side = side;
        self
    }

    /// This request padding at `side`.
    pub fn padding_side(mut self, side: Side) -> Self {
        self.padding_side = side;
        self
    }

    /// This request rounding the row length up to a multiple of `multiple`.
    pub fn pad_to_multiple_of(mut self, multiple: usize) -> Self {
        self.pad_to_multiple_of = multiple;
        self
    }

    fn validate(&self) -> Result<(), TokenizationError> {
        if self.max_length == 0 {
            return Err(TokenizationError::InvalidShape {
                reason: "max_length must be at least 1",
            });
        }
        if self.pad_to_multiple_of == 0 {
            return Err(TokenizationError::InvalidShape {
                reason: "pad_to_multiple_of must be at least 1 (1 means no rounding)",
            });
        }
        Ok(())
    }
}

/// A batch as model inputs: row-major `[rows, seq_len]` token ids and
/// attention mask (1 for a real token, 0 for padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaddedBatch {
    input_ids: Vec<u32>,
    attention_mask: Vec<u32>,
    rows: usize,
    seq_len: usize,
    lengths: Vec<usize>,
    truncated: usize,
}

impl PaddedBatch {
    /// Truncates and pads already encoded sequences.
    pub fn from_ids(
        sequences: &[TokenIds],
        spec: &PaddingSpec,
        pad_id: u32,
    ) -> Result<Self, TokenizationError> {
        spec.validate()?;
        let kept = |ids: &TokenIds| ids.len().min(spec.max_length);
        let longest = sequences.iter().map(kept).max().unwrap_or(0);
        let unrounded = match spec.pad_to {
            PadTo::Longest => longest,
            PadTo::MaxLength => spec.max_length,
        };
        let seq_len = unrounded
            .div_ceil(spec.pad_to_multiple_of)
            .checked_mul(spec.pad_to_multiple_of)
            .ok_or(TokenizationError::InvalidShape {
                reason: "the padded length overflows usize",
            })?;
        let cells =
            sequences
                .len()
                .checked_mul(seq_len)
                .ok_or(TokenizationError::InvalidShape {
                    reason: "rows × padded length overflows usize",
                })?;

        let mut input_ids = vec![pad_id; cells];
        let mut attention_mask = vec![0; cells];
        let mut lengths = Vec::with_capacity(sequences.len());
        let mut truncated = 0;
        for (row, ids) in sequences.iter().enumerate() {
            let length = kept(ids);
            if length < ids.len() {
                truncated += 1;
            }
            let tokens = match spec.truncation_side {
                Side::Right => &ids[..length],
                Side::Left => &ids[ids.len() - length..],
            };
            let offset = match spec.padding_side {
                Side::Right => 0,
                Side::Left => seq_len - length,
            };
            let start = row * seq_len + offset;
            input_ids[start..start + length].copy_from_slice(tokens);
            attention_mask[start..start + length].fill(1);
            lengths.push(length);
        }
        Ok(Self {
            input_ids,
            attention_mask,
            rows: sequences.len(),
            seq_len,
            lengths,
            truncated,
        })
    }

    /// `[rows, seq_len]`.
    pub fn shape(&self) -> [usize; 2] {
        [self.rows, self.seq_len]
    }

    /// All token ids, row-major.
    pub fn input_ids(&self) -> &[u32] {
        &self.input_ids
    }

    /// The attention mask, row-major, aligned with [`Self::input_ids`].
    pub fn attention_mask(&self) -> &[u32] {
        &self.attention_mask
    }

    /// Token ids of one row, padding included; `None` past the last row.
    pub fn row(&self, row: usize) -> Option<&[u32]> {
        self.row_range(row).map(|range| &self.input_ids[range])
    }

    /// Attention mask of one row; `None` past the last row.
    pub fn mask_row(&self, row: usize) -> Option<&[u32]> {
        self.row_range(row).map(|range| &self.attention_mask[range])
    }

    fn row_range(&self, row: usize) -> Option<std::ops::Range<usize>> {
        (row < self.rows).then(|| row * self.seq_len..(row + 1) * self.seq_len)
    }

    /// Real (unpadded, truncated) length of each row.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// How many rows lost tokens to truncation.
    pub fn truncated_rows(&self) -> usize {
        self.truncated
    }
}

impl BatchTokenizer {
    /// Encodes `texts` with the default batch strategy, then truncates and
    /// pads them into model inputs.
    pub fn encode_padded(
        &self,
        texts: &[&str],
        spec: &PaddingSpec,
    ) -> Result<PaddedBatch, TokenizationError> {
        // Validate first so that a bad request costs nothing.
        spec.validate()?;
        let sequences = self.encode_batch(texts)?;
        PaddedBatch::from_ids(&sequences, spec, self.pad_id())
    }
}
