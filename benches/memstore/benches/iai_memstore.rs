//! iai-callgrind instruction counts of one search and one store: a noise-free signal next to the wall-time benchmarks.
//!
//! Run with the runner binary of the same version (0.16.1):
//!
//! ```text
//! IAI_CALLGRIND_RUNNER=target/benchgate/tools/bin/iai-callgrind-runner \
//!     cargo bench -p memstore --bench iai_memstore
//! ```
//!
//! Under callgrind code runs about 50× slower, so the store is small:
//! [`EPISODES`] episodes embedded with the word-level embedder (loading
//! the BPE tokenizer under valgrind would dominate the setup), flushed
//! into one segment plus a memtable. Setup and teardown are not counted:
//! both benchmarks return their store so it is dropped after the count.

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use memstore::workload::{embedded_episodes, query_vectors};
use memstore::{
    Durability, Embedder, FlushMode, MemStore, NewEpisode, SearchOptions, StoreOptions, TokenSource,
};
use tempfile::TempDir;

/// Episodes in the searched store: a 1500-episode segment and a memtable
/// of 500.
const EPISODES: usize = 2000;
const MEMTABLE_ITEMS: usize = 1500;

fn options() -> StoreOptions {
    StoreOptions {
        memtable_items: MEMTABLE_ITEMS,
        flush_mode: FlushMode::Sync,
        // No fsync: its cost is in the kernel, which callgrind does not see.
        durability: Durability::OsBuffered,
        compaction_trigger: 0,
        ..StoreOptions::default()
    }
}

fn embedder() -> Embedder {
    Embedder::new(TokenSource::Words).expect("the word embedder needs no files")
}

fn search_setup() -> (MemStore, TempDir, Vec<f32>) {
    let embedder = embedder();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = MemStore::open(dir.path(), options()).expect("store opens");
    let episodes = embedded_episodes(&embedder, EPISODES).expect("corpus");
    for chunk in episodes.chunks(500) {
        store.batch_store(chunk.to_vec()).expect("stored");
    }
    let query = query_vectors(&embedder, 1).expect("query").remove(0);
    // One search first: the thread's visited-mark buffer is allocated then,
    // not in the counted search.
    black_box(store.search(&query, &SearchOptions::default()).ok());
    (store, dir, query)
}

fn store_setup() -> (MemStore, TempDir, NewEpisode) {
    let embedder = embedder();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = MemStore::open(dir.path(), options()).expect("store opens");
    let mut episodes = embedded_episodes(&embedder, 101).expect("corpus");
    let last = episodes.pop().expect("101 episodes");
    store.batch_store(episodes).expect("stored");
    (store, dir, last)
}

#[library_benchmark]
#[bench::top10_2000(setup = search_setup)]
fn search((store, dir, query): (MemStore, TempDir, Vec<f32>)) -> (MemStore, TempDir, usize) {
    let hits = black_box(store.search(black_box(&query), &SearchOptions::default()))
        .map_or(0, |r| r.hits.len());
    (store, dir, hits)
}

#[library_benchmark]
#[bench::one_episode(setup = store_setup)]
fn store((store, dir, episode): (MemStore, TempDir, NewEpisode)) -> (MemStore, TempDir, u64) {
    let id = black_box(store.store(black_box(episode))).unwrap_or(u64::MAX);
    (store, dir, id)
}

library_benchmark_group!(name = store_and_search; benchmarks = search, store);

main!(library_benchmark_groups = store_and_search);
