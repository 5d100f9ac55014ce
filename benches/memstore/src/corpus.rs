//! The deterministic episode corpus: sessions of short memories about clustered topics, with timestamps and kappa, and the query texts searched for.
//!
//! A memory service's episodes are not uniform random vectors: an agent's
//! sessions each revolve around a few subjects, so memories cluster by
//! topic, with overlap between topics that share words. The generator
//! reproduces that: [`TOPICS`] topics, each a small vocabulary drawn from
//! the tokenization suite's English word lists; sessions of a few dozen
//! episodes, each about a main topic and a side topic; every episode a
//! sentence mostly in its topic's words. Timestamps advance by seconds to
//! minutes per episode; kappa is uniform in [0, 1].
//!
//! The stream is ChaCha8 (specified bit for bit) with every draw a `u32`
//! range or a Bernoulli trial, so the corpus is identical on every
//! platform.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokenization::corpus::words::{ADJECTIVES, ADVERBS, NOUNS, PREPOSITIONS, VERBS};

/// Topics in the corpus: enough clusters that a query's neighbours are a
/// small fraction of the store, as with real memories.
pub const TOPICS: usize = 48;

/// Nouns, verbs and adjectives of one topic's vocabulary.
const TOPIC_NOUNS: usize = 14;
const TOPIC_VERBS: usize = 6;
const TOPIC_ADJECTIVES: usize = 6;

/// Chance that a word slot takes a word of the episode's topic rather than
/// any word of the language: high enough for clear clusters, low enough
/// that clusters overlap.
const TOPIC_WORD_CHANCE: f64 = 0.8;

/// Episodes per session: from a short exchange to a long working session.
const SESSION_LEN: std::ops::Range<u32> = 20..120;

/// First timestamp of the corpus: 2023-11-14T22:13:20Z.
pub const START_MS: i64 = 1_700_000_000_000;

/// Gap between consecutive episodes, in seconds.
const GAP_SECONDS: std::ops::Range<u32> = 1..180;

/// Seed of the corpus used by tests and benchmarks.
pub const CORPUS_SEED: u64 = 0x000E_915D_0DE5;

/// Seed of the query texts.
pub const QUERY_SEED: u64 = 0x0000_0E2E_5EED;

/// One generated episode, before embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeText {
    pub content: String,
    pub timestamp_ms: i64,
    pub session_id: String,
    pub kappa: f32,
    /// The topic it was written about.
    pub topic: usize,
}

#[derive(Debug, Clone)]
struct Topic {
    nouns: Vec<&'static str>,
    verbs: Vec<&'static str>,
    adjectives: Vec<&'static str>,
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len() as u32) as usize]
}

fn topics() -> Vec<Topic> {
    let mut rng = ChaCha8Rng::seed_from_u64(CORPUS_SEED ^ 0x7091C);
    (0..TOPICS)
        .map(|_| Topic {
            nouns: (0..TOPIC_NOUNS).map(|_| pick(&mut rng, NOUNS)).collect(),
            verbs: (0..TOPIC_VERBS).map(|_| pick(&mut rng, VERBS)).collect(),
            adjectives: (0..TOPIC_ADJECTIVES)
                .map(|_| pick(&mut rng, ADJECTIVES))
                .collect(),
        })
        .collect()
}

fn word<'a>(rng: &mut ChaCha8Rng, topical: &[&'a str], general: &[&'a str]) -> &'a str {
    if rng.random_bool(TOPIC_WORD_CHANCE) {
        pick(rng, topical)
    } else {
        pick(rng, general)
    }
}

fn sentence(rng: &mut ChaCha8Rng, topic: &Topic) -> String {
    let mut parts = vec![
        "the",
        word(rng, &topic.adjectives, ADJECTIVES),
        word(rng, &topic.nouns, NOUNS),
        word(rng, &topic.verbs, VERBS),
        "the",
        word(rng, &topic.nouns, NOUNS),
    ];
    if rng.random_bool(0.6) {
        parts.push(pick(rng, PREPOSITIONS));
        parts.push(word(rng, &topic.adjectives, ADJECTIVES));
        parts.push(word(rng, &topic.nouns, NOUNS));
    }
    if rng.random_bool(0.4) {
        parts.extend([
            "and",
            pick(rng, ADVERBS),
            word(rng, &topic.verbs, VERBS),
            word(rng, &topic.nouns, NOUNS),
        ]);
    }
    let mut text = parts.join(" ");
    text.push('.');
    text
}

/// The first `n` episodes of the corpus (a prefix of every longer one).
pub fn episodes(n: usize) -> Vec<EpisodeText> {
    let topics = topics();
    let mut rng = ChaCha8Rng::seed_from_u64(CORPUS_SEED);
    let mut out = Vec::with_capacity(n);
    let mut timestamp = START_MS;
    let mut session = 0u64;
    while out.len() < n {
        let len = rng.random_range(SESSION_LEN);
        let main = rng.random_range(0..TOPICS as u32) as usize;
        let side = rng.random_range(0..TOPICS as u32) as usize;
        for _ in 0..len {
            if out.len() == n {
                break;
            }
            let topic = match rng.random_range(0..10u32) {
                0..7 => main,
                7..9 => side,
                _ => rng.random_range(0..TOPICS as u32) as usize,
            };
            timestamp += i64::from(rng.random_range(GAP_SECONDS)) * 1000;
            out.push(EpisodeText {
                content: sentence(&mut rng, &topics[topic]),
                timestamp_ms: timestamp,
                session_id: format!("session-{session:06}"),
                kappa: rng.random_range(0..1_000_001u32) as f32 / 1_000_000.0,
                topic,
            });
        }
        session += 1;
    }
    out
}

/// `n` distinct-seeded query texts: a few topic words each, as a user or
/// agent would ask ("harbour meeting budget").
pub fn queries(n: usize) -> Vec<String> {
    let topics = topics();
    let mut rng = ChaCha8Rng::seed_from_u64(QUERY_SEED);
    (0..n)
        .map(|_| {
            let topic = &topics[rng.random_range(0..TOPICS as u32) as usize];
            let words = rng.random_range(3..7u32);
            (0..words)
                .map(|_| match rng.random_range(0..4u32) {
                    0 => word(&mut rng, &topic.verbs, VERBS),
                    1 => word(&mut rng, &topic.adjectives, ADJECTIVES),
                    _ => word(&mut rng, &topic.nouns, NOUNS),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_prefix_stable() {
        let a = episodes(300);
        let b = episodes(500);
        assert_eq!(a[..], b[..300]);
        assert!(a.windows(2).all(|w| w[0].timestamp_ms < w[1].timestamp_ms));
        assert!(a.iter().all(|e| (0.0..=1.0).contains(&e.kappa)));
        assert_eq!(queries(20), queries(20));
        let distinct: std::collections::BTreeSet<_> = a.iter().map(|e| &e.session_id).collect();
        assert!(distinct.len() > 2, "several sessions");
    }
}
