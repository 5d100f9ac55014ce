//! The query profile: the runbook's query plan (segments searched, items scanned, HNSW candidates, rerank time) for one search.

use std::time::Duration;

/// What one search did. Filled on every search (the counters cost a few
/// additions); it is what the runbook's `query-profile` endpoint shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryProfile {
    /// Segments whose graph (or rows) were searched.
    pub segments_searched: usize,
    /// Segments skipped because no episode in them can pass the filter.
    pub segments_skipped: usize,
    /// Memtables (the active one and frozen ones awaiting flush) scanned.
    pub memtables_scanned: usize,
    /// Vectors compared by exact scans (memtables, exact mode, fallbacks).
    pub items_scanned: usize,
    /// Vectors compared while walking HNSW graphs.
    pub hnsw_candidates: usize,
    /// Segments where the filtered graph search found fewer than `k`
    /// results and the exact scan of the segment answered instead.
    pub exact_fallbacks: usize,
    /// Segments where so few rows pass the filter that they were scanned
    /// instead of walking the graph.
    pub flat_scans: usize,
    /// Time spent re-ranking each segment's graph candidates by the float
    /// dot product and merging the per-source lists.
    pub rerank_time: Duration,
}
