//! Helpers of the integration tests: small embedded corpora and store options.

#![allow(dead_code)]

use std::sync::OnceLock;

use memstore::workload::{embedded_episodes, query_vectors};
use memstore::{
    Durability, Embedder, FlushMode, HnswParams, NewEpisode, StoreOptions, TokenSource,
};

/// The word-level embedder: the BPE one is tested on its own, and the
/// word splitter keeps the debug-build tests fast.
pub fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| Embedder::new(TokenSource::Words).expect("word embedder"))
}

pub fn episodes(n: usize) -> Vec<NewEpisode> {
    embedded_episodes(embedder(), n).expect("corpus embeds")
}

pub fn queries(n: usize) -> Vec<Vec<f32>> {
    query_vectors(embedder(), n).expect("queries embed")
}

/// Small, synchronous, unsynced options: deterministic segment layout.
pub fn sync_options(memtable_items: usize) -> StoreOptions {
    StoreOptions {
        memtable_items,
        flush_mode: FlushMode::Sync,
        durability: Durability::OsBuffered,
        compaction_trigger: 0,
        hnsw: HnswParams::default(),
        ..StoreOptions::default()
    }
}
