//! Re-trains the committed tokenizer, `data/tokenizer.json`, from the generated corpus, or checks that it is current.
//!
//! ```text
//! cargo run --release -p tokenization --bin train-tokenizer            # write it
//! cargo run --release -p tokenization --bin train-tokenizer -- --check # compare only
//! ```
//!
//! `--check` exits 1 when the committed file differs from what training
//! produces (a changed generator, word list or training constant without
//! a re-train), so CI can run it.

use std::process::ExitCode;
use std::time::Instant;

use tokenization::corpus::Corpus;
use tokenization::train::{
    VOCAB_SIZE, committed_tokenizer_path, train_tokenizer_json, write_tokenizer_file,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = match args.as_slice() {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            eprintln!("usage: train-tokenizer [--check]");
            return ExitCode::from(2);
        }
    };

    let started = Instant::now();
    let corpus = Corpus::generate();
    let json = match train_tokenizer_json(corpus.iter(), VOCAB_SIZE) {
        Ok(json) => json,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "trained on {} texts, {} bytes, in {:.1} s",
        corpus.iter().count(),
        corpus.total_bytes(),
        started.elapsed().as_secs_f64()
    );

    let path = committed_tokenizer_path();
    if check {
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == json => {
                eprintln!("{} is up to date", path.display());
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!(
                    "{} differs from a fresh training run; re-train with \
                     `cargo run --release -p tokenization --bin train-tokenizer`",
                    path.display()
                );
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                ExitCode::from(2)
            }
        }
    } else {
        match write_tokenizer_file(&path, &json) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        }
    }
}
