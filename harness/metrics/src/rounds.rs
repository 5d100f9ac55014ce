//! How often a metric phase repeats its measurement inside one bench process.
//!
//! Run alone (`benchgate gate`, `cargo bench`), a bench process's metric is
//! one observation, so its phase repeats the measurement enough for that
//! value to be steady on its own. Under paired rounds (`benchgate ab`,
//! `benchgate pr-check`) the harness runs the whole process six or more
//! times per side and judges each metric on the per-process values, so
//! the repetition inside one process buys little and costs every round:
//! memstore's store-latency phase alone took 47 of an 85 s process. The
//! harness says which case holds through [`PAIRED_ENV`].

/// Environment variable the harness sets to `1` when it runs a bench
/// process as one of several interleaved paired rounds.
pub const PAIRED_ENV: &str = "BENCHGATE_PAIRED";

/// Repetitions of one metric measurement inside a bench process: `alone`
/// when the process is the only observation, `paired` when the harness
/// repeats the process in paired rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InnerRounds {
    pub alone: usize,
    pub paired: usize,
}

impl InnerRounds {
    /// Panics at compile time (in a `const`) unless 1 ≤ `paired` ≤ `alone`.
    pub const fn new(alone: usize, paired: usize) -> Self {
        assert!(paired >= 1, "a metric needs at least one measurement");
        assert!(
            paired <= alone,
            "paired rounds never repeat more than a lone run"
        );
        Self { alone, paired }
    }

    /// The repetitions for this process, from [`PAIRED_ENV`].
    pub fn get(self) -> usize {
        self.for_mode(in_paired_rounds())
    }

    /// The repetitions when the process is (`paired`) or is not one of
    /// several paired rounds.
    pub fn for_mode(self, paired: bool) -> usize {
        if paired { self.paired } else { self.alone }
    }
}

/// Whether the harness runs this process as one of several paired rounds.
pub fn in_paired_rounds() -> bool {
    std::env::var_os(PAIRED_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_rounds_take_the_paired_count_and_lone_runs_the_other() {
        const ROUNDS: InnerRounds = InnerRounds::new(7, 2);
        assert_eq!(ROUNDS.for_mode(true), 2);
        assert_eq!(ROUNDS.for_mode(false), 7);
    }
}
