//! [`BatchTokenizer`]: the workload itself, encoding one text or a batch of texts to token ids and decoding them back.

use std::cmp::Reverse;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tokenizers::{ModelWrapper, Tokenizer};

use crate::error::TokenizationError;
use crate::train::{PAD_TOKEN, committed_tokenizer_path};

/// The token ids of one text, as an inference engine consumes them.
pub type TokenIds = Vec<u32>;

/// How a batch is spread over threads.
///
/// Every strategy returns identical ids in input order; they differ only
/// in speed. [`BatchStrategy::DEFAULT`] is the one
/// [`BatchTokenizer::encode_batch`] uses; the others stay available so the
/// benchmarks can compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchStrategy {
    /// One text after another on the calling thread: the one-at-a-time
    /// baseline every speedup is measured against.
    Sequential,
    /// `tokenizers`' own `encode_batch_fast`: rayon over the texts inside
    /// `tokenizers`, which also checks `TOKENIZERS_PARALLELISM` and
    /// collects whole `Encoding`s before the ids are taken out.
    EncodeBatch,
    /// An explicit split over rayon's workers, as huggingface/tokenizers#1929
    /// compares `encode_batch` with: each worker pulls texts, longest first,
    /// from a shared queue and takes the ids out of each `Encoding` as soon
    /// as it is made. A batch of one text is encoded on the calling thread:
    /// there is nothing to split, and handing it to a worker would only add
    /// a thread wake-up.
    ParIter,
}

impl BatchStrategy {
    /// Every strategy, in the order benchmarks and tests report them.
    pub const ALL: [BatchStrategy; 3] = [Self::Sequential, Self::EncodeBatch, Self::ParIter];

    /// What [`BatchTokenizer::encode_batch`] uses: [`BatchStrategy::ParIter`],
    /// the fastest measured (see the crate docs for the numbers).
    pub const DEFAULT: BatchStrategy = BatchStrategy::ParIter;

    /// Short name for benchmark ids and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::EncodeBatch => "encode_batch",
            Self::ParIter => "par_iter",
        }
    }
}

/// Whether the BPE model memoises the merges of words it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WordCache {
    /// `tokenizers`' default: up to 10 000 words of at most 256 bytes are
    /// remembered per tokenizer, so repeated words skip the merge loop.
    On,
    /// Capacity zero: every word goes through the merge loop, which is the
    /// cost of text never seen before. (`tokenizers` offers no way to drop
    /// the cache of a loaded model, so the empty cache is still probed.)
    Off,
}

/// A byte-level BPE tokenizer that encodes batches in parallel.
///
/// One instance serves every thread (it is `Sync`): the worker threads of
/// a batch share its vocabulary and word cache. Cloning copies the
/// vocabulary and starts an empty cache.
#[derive(Debug, Clone)]
pub struct BatchTokenizer {
    tokenizer: Tokenizer,
    pad_id: u32,
}

impl BatchTokenizer {
    /// Loads the committed tokenizer, `data/tokenizer.json` in this crate.
    pub fn committed() -> Result<Self, TokenizationError> {
        Self::from_file(committed_tokenizer_path())
    }

    /// Loads a `tokenizer.json` file. It must define the padding token
    /// [`PAD_TOKEN`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TokenizationError> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|source| TokenizationError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json_with_origin(&json, &path.display().to_string())
    }

    /// Loads a tokenizer from the contents of a `tokenizer.json`.
    pub fn from_json(json: &str) -> Result<Self, TokenizationError> {
        Self::from_json_with_origin(json, "in-memory JSON")
    }

    fn from_json_with_origin(json: &str, origin: &str) -> Result<Self, TokenizationError> {
        let mut tokenizer =
            Tokenizer::from_str(json).map_err(|source| TokenizationError::Load {
                origin: origin.to_owned(),
                source,
            })?;
        // User text that spells a special token ("<|endoftext|>") must not
        // become that token: it would let input forge control tokens, and
        // the text would no longer round-trip.
        tokenizer.set_encode_special_tokens(true);
        let pad_id =
            tokenizer
                .token_to_id(PAD_TOKEN)
                .ok_or_else(|| TokenizationError::MissingToken {
                    token: PAD_TOKEN.to_owned(),
                })?;
        Ok(Self { tokenizer, pad_id })
    }

    /// This tokenizer with its word cache switched on or off. The cache
    /// starts empty either way. Only BPE models have a word cache; for any
    /// other model this returns the tokenizer unchanged.
    pub fn with_word_cache(mut self, cache: WordCache) -> Self {
        let capacity = match cache {
            WordCache::On => DEFAULT_CACHE_CAPACITY,
            WordCache::Off => 0,
        };
        if let ModelWrapper::BPE(bpe) = self.tokenizer.get_model() {
            // `tokenizers` has no mutable access to the model; a clone (which
            // starts with an empty cache) is resized and put in its place.
            let mut bpe = bpe.clone();
            bpe.resize_cache(capacity);
            self.tokenizer.with_model(bpe);
        }
        self
    }

    /// Number of tokens in the vocabulary, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }

    /// Id of the padding token.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Id of `token`, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    /// Number of threads the parallel strategies spread a batch over.
    pub fn threads(&self) -> usize {
        rayon::current_num_threads()
    }

    /// The token ids of one text, encoded on the calling thread.
    ///
    /// No special tokens are added (the engine's chat template owns those),
    /// and a special token spelled out in `text` is encoded as ordinary
    /// text, so every id comes from the BPE vocabulary.
    pub fn encode(&self, text: &str) -> Result<TokenIds, TokenizationError> {
        encode_with(&self.tokenizer, text)
    }

    /// The token ids of every text, in input order, using
    /// [`BatchStrategy::DEFAULT`].
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<TokenIds>, TokenizationError> {
        self.encode_batch_with(texts, BatchStrategy::DEFAULT)
    }

    /// The token ids of every text, in input order, using `strategy`.
    pub fn encode_batch_with(
        &self,
        texts: &[&str],
        strategy: BatchStrategy,
    ) -> Result<Vec<TokenIds>, TokenizationError> {
        match strategy {
            BatchStrategy::Sequential => self.encode_sequentially(texts),
            BatchStrategy::EncodeBatch => Ok(self
                .tokenizer
                .encode_batch_fast(texts.to_vec(), false)
                .map_err(|source| TokenizationError::Encode { source })?
                .iter()
                .map(|encoding| encoding.get_ids().to_vec())
                .collect()),
            BatchStrategy::ParIter if texts.len() < 2 => self.encode_sequentially(texts),
            BatchStrategy::ParIter => self.encode_longest_first(texts),
        }
    }

    /// [`BatchStrategy::ParIter`]: one task per worker thread, each taking
    /// the next text from a shared queue ordered longest first.
    ///
    /// Texts of one batch differ in cost by 10× and more, and a batch is
    /// done only when its last text is. Handing out the longest texts first
    /// (greedy longest-processing-time scheduling) leaves only short texts
    /// for the end, so no worker idles long behind another; byte length
    /// stands in for cost. rayon's own split of a `par_iter` follows input
    /// order instead and can start a long text last.
    fn encode_longest_first(&self, texts: &[&str]) -> Result<Vec<TokenIds>, TokenizationError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        // Stable, so equal lengths keep input order.
        order.sort_by_key(|&index| Reverse(texts[index].len()));
        let next = AtomicUsize::new(0);
        let workers = rayon::current_num_threads().min(texts.len()).max(1);
        let mut encoded: Vec<(usize, Result<TokenIds, TokenizationError>)> = (0..workers)
            .into_par_iter()
            .flat_map_iter(|_| {
                let mut done = Vec::new();
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    done.push((index, self.encode_batch_item(texts[index])));
                }
                done
            })
            .collect();
        // Back to input order; the first error in input order wins.
        encoded.sort_unstable_by_key(|&(index, _)| index);
        encoded.into_iter().map(|(_, ids)| ids).collect()
    }

    fn encode_sequentially(&self, texts: &[&str]) -> Result<Vec<TokenIds>, TokenizationError> {
        texts
            .iter()
            .map(|text| encode_with(&self.tokenizer, text))
            .collect()
    }

    /// The per-text step of [`BatchStrategy::ParIter`] on a worker thread.
    ///
    /// Never inlined, so that profilers see one frame per text of the batch
    /// path: the iai-callgrind benchmark counts instructions only inside it.
    #[inline(never)]
    fn encode_batch_item(&self, text: &str) -> Result<TokenIds, TokenizationError> {
        encode_with(&self.tokenizer, text)
    }

    /// The text of `ids`, special tokens skipped. Byte-level BPE decodes a
    /// text's own ids to exactly that text. As in `tokenizers`, ids outside
    /// the vocabulary are skipped, and a sequence cut inside a multi-byte
    /// character (by truncation, say) decodes with U+FFFD in its place.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizationError> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|source| TokenizationError::Decode { source })
    }

    /// The text of every id sequence, in input order, decoded in parallel.
    pub fn decode_batch(&self, batch: &[&[u32]]) -> Result<Vec<String>, TokenizationError> {
        batch.par_iter().map(|ids| self.decode(ids)).collect()
    }
}

/// `tokenizers`' default word-cache capacity (`DEFAULT_CACHE_CAPACITY`,
/// which the crate does not export), restored by [`WordCache::On`].
const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Encodes without offsets (`encode_fast`): an inference engine needs
/// only the ids, and offset bookkeeping would be measured as tokenizer cost.
fn encode_with(tokenizer: &Tokenizer, text: &str) -> Result<TokenIds, TokenizationError> {
    tokenizer
        .encode_fast(text, false)
        .map(|encoding| encoding.get_ids().to_vec())
        .map_err(|source| TokenizationError::Encode { source })
}
