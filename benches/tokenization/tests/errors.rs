//! Bad tokenizer files and definitions are reported as typed errors, never panics.

use tokenization::train::train_tokenizer_json;
use tokenization::{BatchTokenizer, TokenizationError};

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let error = BatchTokenizer::from_file("/nonexistent/tokenizer.json").unwrap_err();
    assert!(matches!(error, TokenizationError::Read { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/tokenizer.json"));
}

#[test]
fn malformed_json_is_a_load_error() {
    for json in ["", "{", "{\"model\": 3}", "[1, 2, 3]"] {
        let error = BatchTokenizer::from_json(json).unwrap_err();
        assert!(
            matches!(error, TokenizationError::Load { .. }),
            "{json}: {error:?}"
        );
        assert!(std::error::Error::source(&error).is_some());
    }
}

#[test]
fn a_tokenizer_without_the_padding_token_is_refused() {
    // A valid tokenizer definition, but with the padding token removed.
    let json = train_tokenizer_json(["some text to train on"].into_iter(), 300).unwrap();
    let without_pad = json.replace("<|pad|>", "<|not-pad|>");
    let error = BatchTokenizer::from_json(&without_pad).unwrap_err();
    assert!(
        matches!(error, TokenizationError::MissingToken { .. }),
        "{error:?}"
    );
    assert!(BatchTokenizer::from_json(&json).is_ok());
}
