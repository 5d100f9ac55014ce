//! Training is deterministic, and the committed `data/tokenizer.json` is exactly what training the corpus produces.

use tokenization::train::{
    END_OF_TEXT, PAD_TOKEN, VOCAB_SIZE, committed_tokenizer_path, train_tokenizer_json,
    trained_tokenizer_file,
};
use tokenization::{BatchTokenizer, Corpus, TextClass};

#[test]
fn the_committed_tokenizer_is_what_training_produces() {
    let committed = std::fs::read_to_string(committed_tokenizer_path()).unwrap();
    let trained = trained_tokenizer_file().unwrap();
    // Comparing lengths first keeps a failure message short.
    assert_eq!(
        committed.len(),
        trained.len(),
        "re-train: see the crate docs"
    );
    assert!(
        committed == trained,
        "data/tokenizer.json is stale; re-train with \
         `cargo run --release -p tokenization --bin train-tokenizer`"
    );
}

#[test]
fn training_the_same_texts_twice_gives_identical_bytes() {
    let corpus = Corpus::generate();
    let slice = || {
        corpus.texts(TextClass::Paragraph)[..300]
            .iter()
            .map(String::as_str)
    };
    let first = train_tokenizer_json(slice(), 2_000).unwrap();
    let second = train_tokenizer_json(slice(), 2_000).unwrap();
    assert_eq!(first, second);

    // The check can fail: other texts give another tokenizer.
    let other = corpus.texts(TextClass::ChatTurn)[..300]
        .iter()
        .map(String::as_str);
    assert_ne!(first, train_tokenizer_json(other, 2_000).unwrap());
}

#[test]
fn the_committed_vocabulary_has_the_target_size_and_layout() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    assert_eq!(tokenizer.vocab_size(), VOCAB_SIZE);
    assert!((16_000..=32_000).contains(&tokenizer.vocab_size()));
    assert_eq!(tokenizer.token_to_id(END_OF_TEXT), Some(0));
    assert_eq!(tokenizer.token_to_id(PAD_TOKEN), Some(1));
    assert_eq!(tokenizer.pad_id(), 1);
    // All 256 byte symbols (GPT-2's printable mapping: "Ġ" is the space).
    for symbol in ["a", "Ġ", "Ċ", "ĉ", "Ā", "ÿ"] {
        assert!(tokenizer.token_to_id(symbol).is_some(), "{symbol}");
    }
    // Training learned whole frequent words, with and without a space.
    for word in ["the", "Ġthe", "Ġmodel", "Ġrequest"] {
        assert!(tokenizer.token_to_id(word).is_some(), "{word}");
    }
}
