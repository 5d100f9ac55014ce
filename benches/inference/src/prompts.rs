//! Deterministic prompts: text from the tokenization suite's seeded corpus, turned into token ids by its committed BPE tokenizer.
//!
//! The texts are prefixes of the corpus's chat-turn and paragraph streams
//! (`tokenization::corpus::generate_class` with the corpus's own seeds and
//! small byte budgets), so they are identical on every machine and cheap
//! to generate, and the ids are what the project's tokenizer really makes
//! of them.

use tokenization::corpus::generate_class;
use tokenization::{BatchTokenizer, TextClass, TokenIds};

use crate::error::InferenceError;

/// Bytes of paragraphs generated for fixed-length prompts: about 100
/// paragraphs of ~440 bytes (~100 tokens each), enough for 16 distinct
/// prompts of 256 tokens.
const PARAGRAPH_BYTES: usize = 48 * 1024;

/// Bytes of chat turns generated for the mixed request set: about 200
/// messages.
const CHAT_TURN_BYTES: usize = 16 * 1024;

/// Longest prompt of the mixed request set, in tokens: a chat service's
/// prompt is usually a message or a retrieved paragraph, and this keeps
/// a padded batch's prefill (8 × 128 rows) under a second on the test
/// machine.
pub const MIXED_MAX_PROMPT_TOKENS: usize = 128;

/// Source of benchmark and test prompts.
#[derive(Debug, Clone)]
pub struct PromptSource {
    tokenizer: BatchTokenizer,
    /// Every paragraph's ids, concatenated in corpus order.
    paragraph_stream: Vec<u32>,
    /// Ids of every paragraph.
    paragraphs: Vec<TokenIds>,
    /// Ids of every chat turn.
    chat_turns: Vec<TokenIds>,
}

impl PromptSource {
    /// Loads the committed tokenizer and tokenizes the prompt texts.
    pub fn committed() -> Result<Self, InferenceError> {
        Self::with_tokenizer(BatchTokenizer::committed()?)
    }

    /// Tokenizes the prompt texts with `tokenizer`.
    pub fn with_tokenizer(tokenizer: BatchTokenizer) -> Result<Self, InferenceError> {
        let encode = |class: TextClass, bytes: usize| -> Result<Vec<TokenIds>, InferenceError> {
            let texts = generate_class(class, class.seed(), bytes);
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let ids = tokenizer.encode_batch(&refs)?;
            Ok(ids.into_iter().filter(|ids| !ids.is_empty()).collect())
        };
        let paragraphs = encode(TextClass::Paragraph, PARAGRAPH_BYTES)?;
        let chat_turns = encode(TextClass::ChatTurn, CHAT_TURN_BYTES)?;
        let paragraph_stream = paragraphs.iter().flatten().copied().collect();
        Ok(Self {
            tokenizer,
            paragraph_stream,
            paragraphs,
            chat_turns,
        })
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &BatchTokenizer {
        &self.tokenizer
    }

    /// Vocabulary size of the tokenizer: the model's.
    pub fn vocab_size(&self) -> usize {
        self.tokenizer.vocab_size()
    }

    /// Id of the padding token.
    pub fn pad_id(&self) -> u32 {
        self.tokenizer.pad_id()
    }

    /// `count` distinct prompts of exactly `len` tokens: consecutive
    /// windows of the paragraph stream (cycling if it runs out).
    pub fn fixed_length(&self, count: usize, len: usize) -> Vec<Vec<u32>> {
        let stream = &self.paragraph_stream;
        if stream.is_empty() {
            return vec![Vec::new(); count];
        }
        (0..count)
            .map(|i| {
                (0..len)
                    .map(|j| stream[(i * len + j) % stream.len()])
                    .collect()
            })
            .collect()
    }

    /// A mixed request set of `count` prompts as a chat service sees
    /// them: two chat turns for every paragraph, in corpus order,
    /// truncated to [`MIXED_MAX_PROMPT_TOKENS`]. Lengths range from a few
    /// tokens to the cap, so batches of them are padded.
    pub fn mixed(&self, count: usize) -> Vec<Vec<u32>> {
        let mut chat = self.chat_turns.iter().cycle();
        let mut paragraphs = self.paragraphs.iter().cycle();
        (0..count)
            .filter_map(|i| {
                if i % 3 == 2 {
                    paragraphs.next()
                } else {
                    chat.next()
                }
            })
            .map(|ids| ids.iter().take(MIXED_MAX_PROMPT_TOKENS).copied().collect())
            .collect()
    }
}

/// Borrows every prompt as a slice, as the engine takes them.
pub fn as_slices(prompts: &[Vec<u32>]) -> Vec<&[u32]> {
    prompts.iter().map(Vec::as_slice).collect()
}
