//! Truncation and padding produce the requested tensor shapes, masks and token placement.

use tokenization::{BatchTokenizer, PadTo, PaddedBatch, PaddingSpec, Side, TokenizationError};

const PAD: u32 = 1;

fn ids() -> Vec<Vec<u32>> {
    vec![
        vec![10, 11, 12, 13, 14, 15],
        vec![20, 21],
        vec![],
        vec![30, 31, 32],
    ]
}

#[test]
fn right_padding_to_the_longest_row_with_right_truncation() {
    let batch = PaddedBatch::from_ids(&ids(), &PaddingSpec::new(4), PAD).unwrap();
    assert_eq!(batch.shape(), [4, 4]);
    assert_eq!(batch.row(0).unwrap(), [10, 11, 12, 13]);
    assert_eq!(batch.row(1).unwrap(), [20, 21, PAD, PAD]);
    assert_eq!(batch.row(2).unwrap(), [PAD; 4]);
    assert_eq!(batch.row(3).unwrap(), [30, 31, 32, PAD]);
    assert_eq!(batch.mask_row(0).unwrap(), [1, 1, 1, 1]);
    assert_eq!(batch.mask_row(1).unwrap(), [1, 1, 0, 0]);
    assert_eq!(batch.mask_row(2).unwrap(), [0, 0, 0, 0]);
    assert_eq!(batch.lengths(), [4, 2, 0, 3]);
    assert_eq!(batch.truncated_rows(), 1);
    assert_eq!(batch.input_ids().len(), 16);
    assert_eq!(batch.attention_mask().len(), 16);
    assert!(batch.row(4).is_none() && batch.mask_row(4).is_none());
}

#[test]
fn left_padding_and_left_truncation_keep_the_latest_tokens_at_the_end() {
    let spec = PaddingSpec::new(4)
        .truncation_side(Side::Left)
        .padding_side(Side::Left);
    let batch = PaddedBatch::from_ids(&ids(), &spec, PAD).unwrap();
    assert_eq!(batch.row(0).unwrap(), [12, 13, 14, 15]);
    assert_eq!(batch.row(1).unwrap(), [PAD, PAD, 20, 21]);
    assert_eq!(batch.mask_row(1).unwrap(), [0, 0, 1, 1]);
    assert_eq!(batch.row(3).unwrap(), [PAD, 30, 31, 32]);
}

#[test]
fn fixed_length_and_rounding_to_a_multiple() {
    let fixed = PaddingSpec::new(5).pad_to(PadTo::MaxLength);
    assert_eq!(
        PaddedBatch::from_ids(&ids(), &fixed, PAD).unwrap().shape(),
        [4, 5]
    );

    let rounded = PaddingSpec::new(5).pad_to_multiple_of(4);
    let batch = PaddedBatch::from_ids(&ids(), &rounded, PAD).unwrap();
    // Longest kept row is 5 tokens, rounded up to 8.
    assert_eq!(batch.shape(), [4, 8]);
    assert_eq!(batch.row(0).unwrap(), [10, 11, 12, 13, 14, PAD, PAD, PAD]);
    assert_eq!(batch.lengths(), [5, 2, 0, 3]);

    let both = PaddingSpec::new(5)
        .pad_to(PadTo::MaxLength)
        .pad_to_multiple_of(8);
    assert_eq!(
        PaddedBatch::from_ids(&ids(), &both, PAD).unwrap().shape(),
        [4, 8]
    );
}

#[test]
fn empty_batches_have_zero_rows() {
    let batch = PaddedBatch::from_ids(&[], &PaddingSpec::new(8), PAD).unwrap();
    assert_eq!(batch.shape(), [0, 0]);
    let fixed = PaddedBatch::from_ids(&[], &PaddingSpec::new(8).pad_to(PadTo::MaxLength), PAD);
    assert_eq!(fixed.unwrap().shape(), [0, 8]);
}

#[test]
fn impossible_requests_are_errors() {
    for spec in [
        PaddingSpec::new(0),
        PaddingSpec::new(8).pad_to_multiple_of(0),
    ] {
        assert!(matches!(
            PaddedBatch::from_ids(&ids(), &spec, PAD),
            Err(TokenizationError::InvalidShape { .. })
        ));
    }
}

#[test]
fn encode_padded_matches_the_encoded_ids_and_masks() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    let texts = [
        "A short chat turn 🙂",
        "A much longer paragraph that will certainly need more tokens than the short one does, \
         because it keeps going with words, numbers like 1,234.56 and dates like 2024-03-17.",
        "",
    ];
    let max_length = 16;
    let spec = PaddingSpec::new(max_length)
        .padding_side(Side::Left)
        .pad_to_multiple_of(8);
    let batch = tokenizer.encode_padded(&texts, &spec).unwrap();
    let [rows, seq_len] = batch.shape();
    assert_eq!(rows, texts.len());
    assert_eq!(
        seq_len, max_length,
        "the long row is truncated to 16, a multiple of 8"
    );
    for (row, text) in texts.iter().enumerate() {
        let ids = tokenizer.encode(text).unwrap();
        let kept = &ids[..ids.len().min(max_length)];
        let padding = seq_len - kept.len();
        let row_ids = batch.row(row).unwrap();
        let mask = batch.mask_row(row).unwrap();
        assert!(
            row_ids[..padding]
                .iter()
                .all(|&id| id == tokenizer.pad_id())
        );
        assert_eq!(&row_ids[padding..], kept);
        assert!(mask[..padding].iter().all(|&m| m == 0));
        assert!(mask[padding..].iter().all(|&m| m == 1));
        assert_eq!(batch.lengths()[row], kept.len());
    }
    assert_eq!(batch.truncated_rows(), 1);
    assert!(matches!(
        tokenizer.encode_padded(&texts, &PaddingSpec::new(0)),
        Err(TokenizationError::InvalidShape { .. })
    ));
}
