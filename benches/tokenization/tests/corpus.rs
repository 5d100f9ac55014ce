//! The corpus generator is deterministic, seed-sensitive, at least 1 MB and covers every text class and kind of content.

use tokenization::corpus::{self, Corpus, TextClass, generate_class, words};

#[test]
fn generating_twice_gives_the_identical_corpus() {
    assert_eq!(Corpus::generate(), Corpus::generate());
}

#[test]
fn corpus_is_over_a_megabyte_with_every_class_at_its_budget() {
    let corpus = Corpus::generate();
    assert!(
        corpus.total_bytes() >= 1_000_000,
        "{} bytes",
        corpus.total_bytes()
    );
    for class in TextClass::ALL {
        let bytes = corpus.class_bytes(class);
        assert!(
            bytes >= class.byte_budget(),
            "{}: {bytes} bytes, budget {}",
            class.name(),
            class.byte_budget()
        );
        assert!(!corpus.texts(class).is_empty());
    }
    assert_eq!(
        corpus.iter().count(),
        TextClass::ALL
            .iter()
            .map(|&c| corpus.texts(c).len())
            .sum::<usize>()
    );
}

fn median_len(texts: &[String]) -> usize {
    let mut lengths: Vec<usize> = texts.iter().map(String::len).collect();
    lengths.sort_unstable();
    lengths[lengths.len() / 2]
}

#[test]
fn classes_have_their_realistic_lengths() {
    let corpus = Corpus::generate();
    let chat = corpus.texts(TextClass::ChatTurn);
    let paragraphs = corpus.texts(TextClass::Paragraph);
    let documents = corpus.texts(TextClass::Document);

    // Chat turns: a few words to a few sentences.
    assert!(chat.iter().all(|t| !t.is_empty() && t.len() <= 1_024));
    assert!(
        (20..=200).contains(&median_len(chat)),
        "{}",
        median_len(chat)
    );
    // Paragraphs: hundreds of bytes to a few KiB.
    assert!(
        (200..=2_000).contains(&median_len(paragraphs)),
        "{}",
        median_len(paragraphs)
    );
    assert!(paragraphs.iter().all(|t| t.len() <= 16 * 1024));
    // Documents: several KiB and more, never short.
    assert!(documents.iter().all(|t| t.len() >= 2 * 1024));
    assert!(
        median_len(documents) >= 4 * 1024,
        "{}",
        median_len(documents)
    );
}

#[test]
fn corpus_mixes_prose_code_numbers_scripts_and_emoji() {
    let corpus = Corpus::generate();
    let all: Vec<&str> = corpus.iter().collect();
    let any = |predicate: &dyn Fn(&str) -> bool| all.iter().any(|t| predicate(t));
    let count = |predicate: &dyn Fn(&str) -> bool| all.iter().filter(|t| predicate(t)).count();

    // Code in several languages.
    assert!(any(&|t| t.contains("pub fn ")));
    assert!(any(&|t| t.contains("def ") && t.contains("return ")));
    assert!(any(&|t| t.contains("=> {")));
    assert!(any(&|t| t.contains("SELECT ")));
    // Numbers and dates in several spellings.
    assert!(any(&|t| t.contains("Z INFO ")
        && t.contains(" request_id=")
        && t.contains(" latency_ms=")));
    assert!(any(&|t| words::MONTHS.iter().any(|m| t.contains(m))));
    assert!(any(
        &|t| t.contains('%') && t.chars().any(|c| c.is_ascii_digit())
    ));
    // Non-Latin scripts: CJK, Cyrillic, Arabic, Devanagari, Hangul.
    let has_range = |t: &str, low: char, high: char| t.chars().any(|c| (low..=high).contains(&c));
    assert!(any(&|t| has_range(t, '\u{4E00}', '\u{9FFF}')));
    assert!(any(&|t| has_range(t, '\u{3040}', '\u{30FF}')));
    assert!(any(&|t| has_range(t, '\u{0400}', '\u{04FF}')));
    assert!(any(&|t| has_range(t, '\u{0600}', '\u{06FF}')));
    assert!(any(&|t| has_range(t, '\u{0900}', '\u{097F}')));
    assert!(any(&|t| has_range(t, '\u{AC00}', '\u{D7AF}')));
    // Emoji, including zero-width-joiner sequences and flags.
    assert!(any(&|t| t.contains("👩‍💻") || t.contains("👨‍👩‍👧")));
    assert!(any(&|t| has_range(t, '\u{1F1E6}', '\u{1F1FF}')));
    // Non-ASCII is common, not a curiosity.
    let non_ascii = count(&|t| !t.is_ascii());
    assert!(
        non_ascii * 5 >= all.len(),
        "{non_ascii} of {} texts",
        all.len()
    );
    // Every class carries some non-ASCII text.
    for class in TextClass::ALL {
        assert!(
            corpus.texts(class).iter().any(|t| !t.is_ascii()),
            "{}",
            class.name()
        );
    }
}

#[test]
fn seeds_change_the_text_and_budgets_give_prefixes() {
    let class = TextClass::Paragraph;
    let short = generate_class(class, 7, 10_000);
    let long = generate_class(class, 7, 50_000);
    assert_eq!(short[..], long[..short.len()]);
    let other = generate_class(class, 8, 10_000);
    assert_ne!(short, other);
    assert!(generate_class(class, 7, 0).is_empty());
}

#[test]
fn class_seeds_are_distinct() {
    let seeds = [
        corpus::CHAT_TURN_SEED,
        corpus::PARAGRAPH_SEED,
        corpus::DOCUMENT_SEED,
    ];
    assert!(seeds[0] != seeds[1] && seeds[1] != seeds[2] && seeds[0] != seeds[2]);
}

#[test]
fn every_word_list_is_non_empty() {
    let lists: [&[&str]; 25] = [
        words::NOUNS,
        words::VERBS,
        words::PAST_VERBS,
        words::ADJECTIVES,
        words::ADVERBS,
        words::PREFIXES,
        words::NOUN_SUFFIXES,
        words::VERB_SUFFIXES,
        words::ADJECTIVE_SUFFIXES,
        words::PREPOSITIONS,
        words::OPENERS,
        words::CONJUNCTIONS,
        words::NAME_SYLLABLES,
        words::IDENT_PARTS,
        words::RUST_TYPES,
        words::PYTHON_BUILTINS,
        words::SQL_TABLES,
        words::LOG_LEVELS,
        words::MONTHS,
        words::MONTHS_SHORT,
        words::WEEKDAYS,
        words::CURRENCIES,
        words::UNITS,
        words::CHAT_OPENERS,
        words::CHAT_REQUESTS,
    ];
    assert!(lists.iter().all(|list| !list.is_empty()));
    assert!(!words::EMOJI.is_empty());
    for language in words::SPACED_LANGUAGES {
        assert!(
            !language.words.is_empty() && !language.terminators.is_empty(),
            "{}",
            language.name
        );
    }
    for language in words::UNSPACED_LANGUAGES {
        assert!(
            !language.words.is_empty() && !language.terminators.is_empty(),
            "{}",
            language.name
        );
    }
}
