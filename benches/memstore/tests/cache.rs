//! The embedding cache: LRU eviction order, counters, and the embedder's determinism.

use std::num::NonZeroUsize;

use memstore::vector::dot;
use memstore::{Embedder, EmbeddingCache, TokenSource};

#[test]
fn the_least_recently_used_text_is_evicted_first() {
    let cache = EmbeddingCache::new(
        Embedder::new(TokenSource::Words).unwrap(),
        NonZeroUsize::new(3).unwrap(),
    );
    for text in ["alpha river", "beta garden", "gamma market"] {
        cache.embed(text).unwrap();
    }
    // Touch the oldest: "beta garden" becomes the least recently used.
    cache.embed("alpha river").unwrap();
    cache.embed("delta kitchen").unwrap();
    assert!(!cache.contains("beta garden").unwrap());
    assert_eq!(
        cache.keys_by_recency().unwrap(),
        ["delta kitchen", "alpha river", "gamma market"]
    );
    cache.embed("epsilon window").unwrap();
    assert!(!cache.contains("gamma market").unwrap());
    let stats = cache.stats().unwrap();
    assert_eq!((stats.hits, stats.misses, stats.evictions), (1, 5, 2));
    assert_eq!((stats.len, stats.capacity), (3, 3));
    assert!((stats.hit_rate() - 1.0 / 6.0).abs() < 1e-12);
}

#[test]
fn bpe_embeddings_are_deterministic_unit_vectors_that_cluster_by_words() {
    let embedder = Embedder::new(TokenSource::Bpe).unwrap();
    let a = embedder
        .embed("the quiet harbour meeting about the budget")
        .unwrap();
    let b = embedder
        .embed("the quiet harbour meeting about the budget")
        .unwrap();
    let near = embedder.embed("a harbour meeting on the budget").unwrap();
    let far = embedder.embed("kernel gradient tensor pipeline").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), memstore::DIM);
    assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
    assert!(
        dot(&a, &near) > dot(&a, &far) + 0.2,
        "shared words bring texts closer"
    );
    assert!(embedder.embed("").is_err());
}
