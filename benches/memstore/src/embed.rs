//! The deterministic embedder (feature hashing of BPE tokens into 384 dimensions) and the LRU embedding cache in front of it.
//!
//! A real memory service embeds text with a sentence encoder; that needs
//! model weights this workspace does not download. Feature hashing keeps
//! what matters to the store: texts that share words get nearby vectors,
//! so episodes about one topic form a cluster, and the same text gets the
//! same vector on every machine. Each token id (and each pair of adjacent
//! ids, at half weight, so word order counts a little) is hashed to one of
//! the [`DIM`] dimensions with a hashed sign; the sum is L2-normalised.
//!
//! Tokens come from the tokenization suite's trained byte-level BPE (the
//! tokenizer a served model would use), or from a plain split on
//! non-alphanumeric characters ([`TokenSource::Words`]), which is about
//! ten times faster and serves the heavy mode's million episodes.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use tokenization::BatchTokenizer;

use crate::error::MemError;
use crate::vector::{DIM, normalize};

/// Weight of an adjacent-token pair relative to a single token.
const BIGRAM_WEIGHT: f32 = 0.5;

/// Seed of the feature hash: changing it changes every embedding.
const HASH_SEED: u64 = 0x0E3B_ED00_5EED_0384;

/// Where tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenSource {
    /// The tokenization suite's committed BPE tokenizer.
    Bpe,
    /// Lower-cased runs of alphanumeric characters.
    Words,
}

/// Text to unit vector, deterministically.
#[derive(Debug, Clone)]
pub struct Embedder {
    tokenizer: Option<BatchTokenizer>,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// FNV-1a of a word: a stable id for the word tokenizer.
fn word_id(word: &str) -> u64 {
    word.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

impl Embedder {
    pub fn new(source: TokenSource) -> Result<Self, MemError> {
        let tokenizer = match source {
            TokenSource::Bpe => Some(BatchTokenizer::committed()?),
            TokenSource::Words => None,
        };
        Ok(Self { tokenizer })
    }

    pub fn source(&self) -> TokenSource {
        if self.tokenizer.is_some() {
            TokenSource::Bpe
        } else {
            TokenSource::Words
        }
    }

    fn tokens(&self, text: &str) -> Result<Vec<u64>, MemError> {
        Ok(match &self.tokenizer {
            Some(tokenizer) => tokenizer.encode(text)?.into_iter().map(u64::from).collect(),
            None => text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(word_id)
                .collect(),
        })
    }

    /// The unit-length embedding of `text`; an error if the text has no
    /// tokens (an empty or all-punctuation text under the word splitter).
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, MemError> {
        let tokens = self.tokens(text)?;
        let mut v = vec![0.0f32; DIM];
        let mut add = |feature: u64, weight: f32| {
            let h = mix(feature ^ HASH_SEED);
            let slot = (h % DIM as u64) as usize;
            v[slot] += if h >> 63 == 0 { weight } else { -weight };
        };
        for (i, &t) in tokens.iter().enumerate() {
            add(t, 1.0);
            if let Some(&prev) = i.checked_sub(1).and_then(|j| tokens.get(j)) {
                add(mix(prev).rotate_left(17) ^ t, BIGRAM_WEIGHT);
            }
        }
        if normalize(&mut v) <= 0.0 {
            return Err(MemError::InvalidQuery(format!(
                "text {text:?} has no tokens to embed"
            )));
        }
        Ok(v)
    }
}

/// Counters of an [`EmbeddingCache`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Entries pushed out to make room (not replacements of a key).
    pub evictions: u64,
    pub len: usize,
    pub capacity: usize,
}

impl CacheStats {
    /// Hits over lookups; 0 before the first lookup.
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

#[derive(Debug)]
struct CacheInner {
    lru: LruCache<String, Arc<[f32]>>,
    hits: u64,
    misses: u64,
    evictions: u64,
}

/// An [`Embedder`] behind an LRU cache from text to embedding: the
/// runbook's embedding cache, with its hit-rate and eviction counters.
/// Thread-safe; the embedding of a miss is computed outside the lock.
#[derive(Debug)]
pub struct EmbeddingCache {
    embedder: Embedder,
    inner: Mutex<CacheInner>,
}

impl EmbeddingCache {
    pub fn new(embedder: Embedder, capacity: NonZeroUsize) -> Self {
        Self {
            embedder,
            inner: Mutex::new(CacheInner {
                lru: LruCache::new(capacity),
                hits: 0,
                misses: 0,
                evictions: 0,
            }),
        }
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    /// The embedding of `text`, from the cache if present (which makes it
    /// the most recently used entry), else computed and cached, evicting
    /// the least recently used entry if the cache is full.
    pub fn embed(&self, text: &str) -> Result<Arc<[f32]>, MemError> {
        {
            let mut inner = self.inner.lock()?;
            if let Some(v) = inner.lru.get(text).cloned() {
                inner.hits += 1;
                return Ok(v);
            }
            inner.misses += 1;
        }
        let v: Arc<[f32]> = self.embedder.embed(text)?.into();
        let mut inner = self.inner.lock()?;
        let pushed_out = inner.lru.push(text.to_owned(), Arc::clone(&v));
        // `push` also returns the old entry when another thread cached the
        // same text meanwhile: that is a replacement, not an eviction.
        if pushed_out.is_some_and(|(old_key, _)| old_key != text) {
            inner.evictions += 1;
        }
        Ok(v)
    }

    /// Whether `text` is cached, without touching its recency.
    pub fn contains(&self, text: &str) -> Result<bool, MemError> {
        Ok(self.inner.lock()?.lru.contains(text))
    }

    /// Cached texts, most recently used first.
    pub fn keys_by_recency(&self) -> Result<Vec<String>, MemError> {
        Ok(self
            .inner
            .lock()?
            .lru
            .iter()
            .map(|(k, _)| k.clone())
            .collect())
    }

    pub fn stats(&self) -> Result<CacheStats, MemError> {
        let inner = self.inner.lock()?;
        Ok(CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            evictions: inner.evictions,
            len: inner.lru.len(),
            capacity: inner.lru.cap().get(),
        })
    }
}
