//! Every batch strategy returns, element by element and in order, exactly what encoding each text alone returns.

use tokenization::{BatchStrategy, BatchTokenizer, Corpus, TextClass, WordCache};

/// A mixed batch: texts of every class interleaved, plus edge cases.
fn mixed_texts(corpus: &Corpus) -> Vec<&str> {
    let mut texts = Vec::new();
    for i in 0..24 {
        for class in TextClass::ALL {
            if let Some(text) = corpus.texts(class).get(i) {
                texts.push(text.as_str());
            }
        }
    }
    texts.extend(["", " ", "🙂", "<|pad|>"]);
    texts
}

#[test]
fn batch_results_equal_single_results_for_every_strategy_and_size() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    let corpus = Corpus::generate();
    let texts = mixed_texts(&corpus);
    let singles: Vec<Vec<u32>> = texts.iter().map(|t| tokenizer.encode(t).unwrap()).collect();
    for n in [0, 1, 8, 33, texts.len()] {
        for strategy in BatchStrategy::ALL {
            let batch = tokenizer.encode_batch_with(&texts[..n], strategy).unwrap();
            assert_eq!(batch.len(), n, "{} at {n}", strategy.name());
            for (i, (got, want)) in batch.iter().zip(&singles).enumerate() {
                assert_eq!(got, want, "{} at {n}: text {i} differs", strategy.name());
            }
        }
    }
    assert_eq!(tokenizer.encode_batch(&texts).unwrap(), singles);
}

#[test]
fn the_word_cache_changes_speed_not_results() {
    let cached = BatchTokenizer::committed().unwrap();
    let uncached = cached.clone().with_word_cache(WordCache::Off);
    let corpus = Corpus::generate();
    let texts = mixed_texts(&corpus);
    let want = cached.encode_batch(&texts).unwrap();
    // Twice: the second pass reads the cache the first one filled.
    assert_eq!(cached.encode_batch(&texts).unwrap(), want);
    assert_eq!(uncached.encode_batch(&texts).unwrap(), want);
    let back_on = uncached.with_word_cache(WordCache::On);
    assert_eq!(back_on.encode_batch(&texts).unwrap(), want);
}

#[test]
fn a_batch_spans_the_thread_pool() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    assert_eq!(tokenizer.threads(), rayon::current_num_threads());
    assert!(tokenizer.threads() >= 1);
}
