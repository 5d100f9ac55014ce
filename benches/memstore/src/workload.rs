//! Helpers shared by the tests and benchmarks: embedded corpus episodes, query vectors, and recall against exact search.

use std::collections::HashSet;

use crate::corpus;
use crate::embed::Embedder;
use crate::episode::NewEpisode;
use crate::error::MemError;
use crate::store::{MemStore, SearchMethod, SearchOptions};

/// The first `n` corpus episodes with their embeddings, ready to store.
pub fn embedded_episodes(embedder: &Embedder, n: usize) -> Result<Vec<NewEpisode>, MemError> {
    corpus::episodes(n)
        .into_iter()
        .map(|e| {
            Ok(NewEpisode {
                embedding: embedder.embed(&e.content)?,
                content: e.content,
                timestamp_ms: e.timestamp_ms,
                session_id: e.session_id,
                kappa: e.kappa,
            })
        })
        .collect()
}

/// Embeddings of the first `n` corpus queries.
pub fn query_vectors(embedder: &Embedder, n: usize) -> Result<Vec<Vec<f32>>, MemError> {
    corpus::queries(n)
        .iter()
        .map(|q| embedder.embed(q))
        .collect()
}

/// Mean recall@k of `options` (normally an HNSW search) against the exact
/// search with the same `k` and filter: the fraction of the exact top k
/// that the search also returned. Queries whose exact answer is empty
/// count as perfect.
pub fn recall(
    store: &MemStore,
    queries: &[Vec<f32>],
    options: &SearchOptions,
) -> Result<f64, MemError> {
    let exact = SearchOptions {
        method: SearchMethod::Exact,
        ..options.clone()
    };
    let mut total = 0.0;
    for q in queries {
        let truth: HashSet<u64> = store.search(q, &exact)?.hits.iter().map(|h| h.id).collect();
        if truth.is_empty() {
            total += 1.0;
            continue;
        }
        let found = store
            .search(q, options)?
            .hits
            .iter()
            .filter(|h| truth.contains(&h.id))
            .count();
        total += found as f64 / truth.len() as f64;
    }
    Ok(if queries.is_empty() {
        1.0
    } else {
        total / queries.len() as f64
    })
}
