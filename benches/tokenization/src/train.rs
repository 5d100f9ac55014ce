//! Training the workload's byte-level BPE tokenizer from the generated corpus, and where the committed result lives.
//!
//! The model is GPT-2 style: no normalizer (so decoding reproduces the
//! input byte for byte), the byte-level pre-tokenizer with its regex split
//! and no added prefix space, and the byte-level decoder. All 256 byte
//! symbols are in the initial alphabet, so no input is ever unknown.
//!
//! `tokenizers`' BPE trainer is deterministic for identical input: pair
//! ties are broken by pair ids, characters are numbered in sorted order and
//! the vocabulary is serialised by id. Training the same corpus therefore
//! yields a byte-identical `tokenizer.json`, which the tests check against
//! the committed file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, TokenizerBuilder, TokenizerImpl};

use crate::corpus::Corpus;
use crate::error::TokenizationError;

/// Target vocabulary size, special tokens and the 256 byte symbols
/// included: 20 Ki, inside the 16k–32k range of small production BPE
/// vocabularies. The corpus supports about 22 800 tokens at
/// [`MIN_FREQUENCY`] before pairs run out, so the target, not the corpus,
/// ends training and the vocabulary has exactly this size (the tests check
/// it).
pub const VOCAB_SIZE: usize = 20_480;

/// A pair must occur at least this often to be merged. One occurrence
/// would let training memorise single rare strings of the corpus, which a
/// tokenizer trained on real data never does; two keeps every merge backed
/// by repetition.
pub const MIN_FREQUENCY: u64 = 2;

/// End-of-text marker, GPT-2's spelling; the first special token (id 0).
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// Padding token (id 1): what [`crate::PaddedBatch`] fills short rows with.
pub const PAD_TOKEN: &str = "<|pad|>";

/// Path of the committed, trained tokenizer inside this crate.
pub fn committed_tokenizer_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("tokenizer.json")
}

/// The committed tokenizer's file contents as training produces them:
/// [`train_tokenizer_json`] on the full generated corpus at [`VOCAB_SIZE`].
pub fn trained_tokenizer_file() -> Result<String, TokenizationError> {
    train_tokenizer_json(Corpus::generate().iter(), VOCAB_SIZE)
}

/// Trains a byte-level BPE tokenizer on `texts` and returns its
/// `tokenizer.json` contents: pretty-printed (so that a re-train shows as a
/// readable diff) and ending in a newline.
pub fn train_tokenizer_json<'a, I>(texts: I, vocab_size: usize) -> Result<String, TokenizationError>
where
    I: Iterator<Item = &'a str> + Send,
{
    let train = |source| TokenizationError::Train { source };
    let byte_level = ByteLevel::default()
        .add_prefix_space(false)
        .trim_offsets(false)
        .use_regex(true);
    let mut tokenizer: TokenizerImpl<
        BPE,
        NormalizerWrapper,
        PreTokenizerWrapper,
        PostProcessorWrapper,
        DecoderWrapper,
    > = TokenizerBuilder::new()
        .with_model(BPE::default())
        .with_normalizer(None)
        .with_pre_tokenizer(Some(byte_level.into()))
        .with_post_processor(None)
        .with_decoder(Some(byte_level.into()))
        .build()
        .map_err(train)?;

    let alphabet: HashSet<char> = ByteLevel::alphabet().into_iter().collect();
    let mut trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(MIN_FREQUENCY)
        .special_tokens(vec![
            AddedToken::from(END_OF_TEXT, true),
            AddedToken::from(PAD_TOKEN, true),
        ])
        .initial_alphabet(alphabet)
        .show_progress(false)
        .build();
    tokenizer.train(&mut trainer, texts).map_err(train)?;

    let mut json = tokenizer.to_string(true).map_err(train)?;
    json.push('\n');
    Ok(json)
}

/// Writes `contents` to `path`, creating the parent directory.
pub fn write_tokenizer_file(path: &Path, contents: &str) -> Result<(), TokenizationError> {
    let write = |source| TokenizationError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write)?;
    }
    std::fs::write(path, contents).map_err(write)
}
