//! An embedded episodic memory store with filtered vector search: the `memstore` workload of benchgate.
//!
//! An agent's memory service stores *episodes* — a text, its 384-d
//! embedding, a timestamp, a session id and a consolidation score kappa —
//! and answers "the k memories nearest to this query, consolidated at
//! least this much, from this time window". This crate is that store, built
//! the way such stores are (an LSM tree of vector segments):
//!
//! * **writes** ([`MemStore::store`], [`MemStore::batch_store`]) append one
//!   CRC-framed record to the write-ahead log ([`wal`]) and then to the
//!   in-memory memtable; the id returned is the acknowledgement;
//! * at [`StoreOptions::memtable_items`] the memtable is frozen and
//!   **flushed** into an immutable segment file with its own HNSW graph
//!   ([`hnsw`], [`segment`]) — in the writer ([`FlushMode::Sync`]) or in a
//!   background thread ([`FlushMode::Background`]);
//! * **compaction** merges the smallest segments into one, extending the
//!   largest input's graph;
//! * **recovery** ([`MemStore::open`]) loads segments, deletes half-written
//!   and replaced ones, and replays the log files not yet covered by a
//!   segment: an acknowledged write is never lost;
//! * **search** ([`MemStore::search`]) scans memtables exactly and walks
//!   each segment's graph, applying the `kappa_min` and time-range
//!   [`Filter`] inside the walk so that `k` results come back whenever `k`
//!   episodes pass, and reports a [`QueryProfile`];
//! * an **embedding cache** ([`EmbeddingCache`]) maps text to embedding
//!   through an LRU with hit and eviction counters, in front of a
//!   deterministic feature-hashing [`Embedder`] over the tokenization
//!   suite's BPE tokens.
//!
//! ```no_run
//! use memstore::{Embedder, Filter, MemStore, NewEpisode, SearchOptions, StoreOptions, TokenSource};
//!
//! let embedder = Embedder::new(TokenSource::Bpe)?;
//! let store = MemStore::open("/tmp/memories", StoreOptions::default())?;
//! let id = store.store(NewEpisode {
//!     content: "met Ana at the harbour to review the budget".into(),
//!     embedding: embedder.embed("met Ana at the harbour to review the budget")?,
//!     timestamp_ms: 1_700_000_000_000,
//!     session_id: "session-1".into(),
//!     kappa: 0.4,
//! })?;
//! let result = store.search(
//!     &embedder.embed("harbour budget")?,
//!     &SearchOptions { filter: Filter { kappa_min: Some(0.1), ..Filter::none() }, ..SearchOptions::default() },
//! )?;
//! assert_eq!(result.hits[0].id, id);
//! # Ok::<(), memstore::MemError>(())
//! ```
//!
//! The corpus the tests and benchmarks use is generated ([`corpus`]), so
//! every machine stores and searches the same data. See the crate's
//! README for the design choices and measured numbers.

pub mod columns;
pub mod corpus;
pub mod embed;
pub mod episode;
pub mod error;
pub mod hnsw;
mod mapped_log;
mod prefetch;
pub mod profile;
mod segment;
pub mod store;
pub mod vector;
pub mod wal;
pub mod workload;

pub use columns::{Filter, Hit};
pub use embed::{CacheStats, Embedder, EmbeddingCache, TokenSource};
pub use episode::{Episode, EpisodeId, NewEpisode};
pub use error::MemError;
pub use hnsw::HnswParams;
pub use profile::QueryProfile;
pub use store::{
    FailPoint, FlushMode, MemStore, RecoveryReport, SearchMethod, SearchOptions, SearchResult,
    StoreOptions, StoreStats,
};
pub use vector::DIM;
pub use wal::Durability;
