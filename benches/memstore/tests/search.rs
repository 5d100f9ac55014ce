//! Search behaviour: recall floor of the graphs, filtered search against an independent brute force, the query profile.

mod common;

use std::collections::HashSet;

use memstore::vector::dot;
use memstore::workload::recall;
use memstore::{Filter, Hit, MemStore, SearchMethod, SearchOptions};

/// Episodes in the fixed data set: three flushed segments of 1000 plus a
/// memtable of 500, so every search merges graphs and an exact scan.
const EPISODES: usize = 3500;

/// Lowest recall@10 accepted at the default `ef`. The fixed data set
/// measures above it (see the README); a drop below means the graph or
/// the search broke, not noise: everything here is deterministic.
const RECALL_FLOOR: f64 = 0.95;

fn filled_store(dir: &std::path::Path) -> MemStore {
    let store = MemStore::open(dir, common::sync_options(1000)).unwrap();
    let mut episodes = common::episodes(EPISODES).into_iter();
    // Batches of 100 fill the memtable to exactly 1000 before each flush.
    loop {
        let batch: Vec<_> = episodes.by_ref().take(100).collect();
        if batch.is_empty() {
            break;
        }
        store.batch_store(batch).unwrap();
    }
    store
}

/// The brute-force answer, computed here from `get` (independently of
/// the store's own exact scan): best k passing episodes by cosine.
fn brute_force(store: &MemStore, query: &[f32], k: usize, filter: &Filter) -> Vec<u64> {
    let mut q = query.to_vec();
    memstore::vector::normalize(&mut q);
    let mut scored: Vec<Hit> = store
        .ids()
        .unwrap()
        .into_iter()
        .map(|id| store.get(id).unwrap().unwrap())
        .filter(|e| filter.passes(e.timestamp_ms, e.kappa))
        .map(|e| Hit {
            id: e.id,
            score: dot(&q, &e.embedding),
            timestamp_ms: e.timestamp_ms,
            kappa: e.kappa,
        })
        .collect();
    scored.sort_by(Hit::rank);
    scored.into_iter().take(k).map(|h| h.id).collect()
}

#[test]
fn recall_at_10_stays_above_the_floor_on_the_fixed_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(dir.path());
    assert_eq!(store.stats().unwrap().segments, 3);
    let queries = common::queries(100);
    let r = recall(&store, &queries, &SearchOptions::default()).unwrap();
    assert!(r >= RECALL_FLOOR, "recall@10 {r} < {RECALL_FLOOR}");
    // A graph search with the narrowest list must do worse than exact
    // scanning somewhere, or the recall check above measures nothing.
    let narrow = SearchOptions {
        ef: 1,
        k: 10,
        ..SearchOptions::default()
    };
    let r_narrow = recall(&store, &queries, &narrow).unwrap();
    assert!(
        r_narrow <= r,
        "ef=1 recall {r_narrow} above the default's recall {r}"
    );
}

/// Segments loaded from disk must be searched through their graphs, with
/// the recall they had when built; a graph that decodes without its entry
/// point silently turns every search into an exact scan.
#[test]
fn a_reopened_store_walks_its_graphs_with_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let queries = common::queries(50);
    let options = SearchOptions::default();
    let before: Vec<_> = {
        let store = filled_store(dir.path());
        queries
            .iter()
            .map(|q| store.search(q, &options).unwrap().hits)
            .collect()
    };
    let reopened = MemStore::open(dir.path(), common::sync_options(1000)).unwrap();
    assert_eq!(reopened.stats().unwrap().segments, 3);
    for (q, hits) in queries.iter().zip(&before) {
        let result = reopened.search(q, &options).unwrap();
        assert_eq!(&result.hits, hits);
        assert_eq!(result.profile.exact_fallbacks, 0);
        assert!(result.profile.hnsw_candidates > 0);
        assert_eq!(
            result.profile.items_scanned, 500,
            "only the memtable is scanned"
        );
    }
}

#[test]
fn exact_filtered_search_equals_brute_force_and_graph_search_returns_k() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(dir.path());
    let episodes = memstore::corpus::episodes(EPISODES);
    let mid = episodes[EPISODES / 3].timestamp_ms;
    let late = episodes[EPISODES * 2 / 3].timestamp_ms;
    let filters = [
        Filter {
            kappa_min: Some(0.5),
            time_range: None,
        },
        Filter {
            kappa_min: None,
            time_range: Some(mid..late),
        },
        // About 3 % pass: the graph walk must get through many
        // filtered-out nodes to find ten.
        Filter {
            kappa_min: Some(0.9),
            time_range: Some(mid..late),
        },
        // Fewer than k pass: all of them must come back.
        Filter {
            kappa_min: Some(0.999),
            time_range: Some(mid..late),
        },
    ];
    let queries = common::queries(12);
    for filter in &filters {
        let passing = episodes
            .iter()
            .filter(|e| filter.passes(e.timestamp_ms, e.kappa))
            .count();
        for (qi, q) in queries.iter().enumerate() {
            let truth = brute_force(&store, q, 10, filter);
            assert_eq!(truth.len(), passing.min(10));
            let exact = SearchOptions {
                method: SearchMethod::Exact,
                filter: filter.clone(),
                ..SearchOptions::default()
            };
            let exact_ids: Vec<u64> = store
                .search(q, &exact)
                .unwrap()
                .hits
                .iter()
                .map(|h| h.id)
                .collect();
            assert_eq!(
                exact_ids, truth,
                "exact search, filter {filter:?}, query {qi}"
            );

            // Cut-off 0: the graph walk itself, not the planner's scan of
            // the passing rows, must find them.
            let graph = SearchOptions {
                filter: filter.clone(),
                flat_search_cutoff: 0,
                ..SearchOptions::default()
            };
            let result = store.search(q, &graph).unwrap();
            assert_eq!(
                result.hits.len(),
                truth.len(),
                "graph search must return k when k pass, filter {filter:?}, query {qi}"
            );
            assert!(
                result
                    .hits
                    .iter()
                    .all(|h| filter.passes(h.timestamp_ms, h.kappa)),
                "every hit passes the filter"
            );
            let truth_set: HashSet<u64> = truth.iter().copied().collect();
            let overlap = result
                .hits
                .iter()
                .filter(|h| truth_set.contains(&h.id))
                .count();
            assert!(
                overlap * 10 >= truth.len() * 8,
                "filtered graph search found {overlap} of {} true neighbours, filter {filter:?}, query {qi}",
                truth.len()
            );
            if passing < 10 {
                let ids: HashSet<u64> = result.hits.iter().map(|h| h.id).collect();
                assert_eq!(
                    ids, truth_set,
                    "with fewer than k passing, all of them come back"
                );
            }
        }
    }
}

#[test]
fn the_profile_shows_graph_work_and_skipped_segments() {
    let dir = tempfile::tempdir().unwrap();
    let store = filled_store(dir.path());
    let q = &common::queries(1)[0];
    let p = store.search(q, &SearchOptions::default()).unwrap().profile;
    assert_eq!((p.segments_searched, p.memtables_scanned), (3, 1));
    assert_eq!(p.items_scanned, 500, "only the memtable is scanned");
    assert!(p.hnsw_candidates > 0, "{p:?}");

    let exact = SearchOptions {
        method: SearchMethod::Exact,
        ..SearchOptions::default()
    };
    let p = store.search(q, &exact).unwrap().profile;
    assert_eq!((p.items_scanned, p.hnsw_candidates), (EPISODES, 0));

    // A filter that about 10 % pass: the planner scans each 1000-row
    // segment's passing rows rather than walking its graph.
    let selective = SearchOptions {
        filter: Filter {
            kappa_min: Some(0.9),
            time_range: None,
        },
        ..SearchOptions::default()
    };
    let p = store.search(q, &selective).unwrap().profile;
    assert_eq!((p.flat_scans, p.hnsw_candidates), (3, 0), "{p:?}");

    // A time range inside the memtable's episodes: every segment skipped.
    let episodes = memstore::corpus::episodes(EPISODES);
    let recent = SearchOptions {
        filter: Filter {
            kappa_min: None,
            time_range: Some(episodes[3200].timestamp_ms..i64::MAX),
        },
        ..SearchOptions::default()
    };
    let result = store.search(q, &recent).unwrap();
    assert_eq!(result.profile.segments_skipped, 3);
    assert_eq!(result.profile.segments_searched, 0);
    assert_eq!(result.hits.len(), 10);
}

#[test]
fn bad_queries_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemStore::open(dir.path(), common::sync_options(10)).unwrap();
    assert!(store.search(&[1.0; 3], &SearchOptions::default()).is_err());
    assert!(
        store
            .search(&vec![0.0; memstore::DIM], &SearchOptions::default())
            .is_err()
    );
    let empty = store
        .search(&vec![1.0; memstore::DIM], &SearchOptions::default())
        .unwrap();
    assert!(empty.hits.is_empty());
}
