//! Byte-level BPE decodes every text's ids back to exactly that text: the whole corpus, emoji, every script, odd whitespace.

use tokenization::{BatchTokenizer, Corpus, TextClass};

fn tokenizer() -> BatchTokenizer {
    BatchTokenizer::committed().expect("the committed tokenizer loads")
}

#[test]
fn every_corpus_text_round_trips_exactly() {
    let tokenizer = tokenizer();
    let corpus = Corpus::generate();
    for class in TextClass::ALL {
        let texts: Vec<&str> = corpus.texts(class).iter().map(String::as_str).collect();
        let encoded = tokenizer.encode_batch(&texts).unwrap();
        let ids: Vec<&[u32]> = encoded.iter().map(Vec::as_slice).collect();
        let decoded = tokenizer.decode_batch(&ids).unwrap();
        for (i, (text, back)) in texts.iter().zip(&decoded).enumerate() {
            assert_eq!(back, text, "{} {i} does not round-trip", class.name());
        }
    }
}

#[test]
fn hard_cases_round_trip_exactly() {
    let tokenizer = tokenizer();
    let cases = [
        "",
        " ",
        "   leading and trailing   ",
        "tabs\tand\nnew\r\nlines\n\n\n",
        "👩‍💻 wrote 🇩🇪🇯🇵 and 👍🏽 then 🏳️‍🌈 1️⃣",
        "e\u{301} vs é (combining acute vs precomposed)",
        "zero\u{200B}width\u{FEFF}marks and \u{0}nul",
        "混合 text with 日本語のテキスト and 한국어 and العربية and हिन्दी",
        "Ünïcödé ÄÖÜ ß ẞ ﬁ ligature ½ ² ℃ ∑∫√ ∞",
        "rare: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 🀄 \u{10FFFF}",
        "<|endoftext|> and <|pad|> typed by a user",
        "0x7f3a9c 3.14159e-10 1,234,567.89 2024-03-17T08:15:42.123Z",
        "fn main() {\n    println!(\"{}\", 42);\n}\n",
    ];
    for text in cases {
        let ids = tokenizer.encode(text).unwrap();
        assert_eq!(tokenizer.decode(&ids).unwrap(), text, "{text:?}");
    }
}

#[test]
fn spelled_out_special_tokens_stay_ordinary_text() {
    let tokenizer = tokenizer();
    let pad = tokenizer.pad_id();
    let end = tokenizer
        .token_to_id(tokenization::train::END_OF_TEXT)
        .unwrap();
    let ids = tokenizer.encode("<|endoftext|><|pad|>").unwrap();
    assert!(!ids.is_empty());
    assert!(!ids.contains(&pad) && !ids.contains(&end), "{ids:?}");
}

#[test]
fn common_text_compresses_and_empty_text_has_no_tokens() {
    let tokenizer = tokenizer();
    assert!(tokenizer.encode("").unwrap().is_empty());
    // A trained vocabulary holds frequent words whole: far fewer tokens
    // than bytes on ordinary prose.
    let text = "The quick model reads the new batch of requests from the server.";
    let ids = tokenizer.encode(text).unwrap();
    assert!(
        ids.len() * 3 < text.len(),
        "{} tokens for {} bytes",
        ids.len(),
        text.len()
    );
    // Every id is inside the vocabulary.
    assert!(ids.iter().all(|&id| (id as usize) < tokenizer.vocab_size()));
}
