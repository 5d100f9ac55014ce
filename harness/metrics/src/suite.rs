//! The scaffolding every suite's criterion bench target shares.
//!
//! A suite's bench target runs its criterion groups, then records its
//! custom metrics — but only when criterion measured (see
//! [`criterion_is_measuring`]) and only for the benchmarks that the
//! command line's filter let run. [`bench_main!`](crate::bench_main)
//! generates that `main`, [`run_suite`] is what it calls, and a
//! [`Selection`] remembers which benchmarks ran:
//!
//! ```ignore
//! // benches/<suite>/benches/<suite>.rs (the suite crate depends on criterion)
//! use benchgate_metrics::{Selection, recorder};
//!
//! static SELECTED: Selection = Selection::new();
//!
//! fn streaming(c: &mut criterion::Criterion) {
//!     c.bench_function("summary_streaming/100000", |b| {
//!         SELECTED.mark("summary_streaming/100000");
//!         b.iter(|| { /* the workload */ });
//!     });
//! }
//!
//! criterion::criterion_group!(benches, streaming);
//!
//! fn record_metrics() -> Result<(), String> {
//!     if !SELECTED.contains("summary_streaming/100000") {
//!         return Ok(());
//!     }
//!     let metrics = Vec::new(); // computed here
//!     recorder!().record_all(&metrics).map_err(|e| e.to_string())
//! }
//!
//! benchgate_metrics::bench_main!(benches; record = record_metrics);
//! ```
//!
//! The crate does not depend on criterion: [`bench_main!`](crate::bench_main)
//! names it where it expands, in the suite's crate.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::criterion_is_measuring;

/// Generates a suite bench target's `fn main() -> ExitCode`: what
/// criterion's `criterion_main!` generates (run the groups, then print
/// criterion's final summary), followed by the custom metrics through
/// [`run_suite`].
///
/// ```ignore
/// benchgate_metrics::bench_main!(benches; record = record_metrics);
/// benchgate_metrics::bench_main!(benches; ready = || inputs().is_some(), record = record_metrics);
/// ```
///
/// * the groups (`benches` above, one or more, comma-separated) are the
///   functions `criterion::criterion_group!` defined;
/// * `ready` (optional, default always ready) says, after criterion ran,
///   whether the suite's inputs loaded; when they did not (the suite has
///   printed why), the bench exits with failure and records nothing;
/// * `record` is a `FnOnce() -> Result<(), String>` that computes and
///   records the metrics; it is called only when criterion measured. An
///   error is printed as `error: recording <suite> metrics: <message>`
///   and fails the bench.
///
/// `<suite>` is the calling package's name, as for [`recorder!`](crate::recorder).
/// The expansion names `criterion::Criterion`, resolved in the calling
/// crate (criterion is the suite's dependency, not this crate's).
#[macro_export]
macro_rules! bench_main {
    ($($group:path),+ ; record = $record:expr $(,)?) => {
        $crate::bench_main!($($group),+ ; ready = || true, record = $record);
    };
    ($($group:path),+ ; ready = $ready:expr, record = $record:expr $(,)?) => {
        fn main() -> ::std::process::ExitCode {
            $crate::run_suite(
                ::core::env!("CARGO_PKG_NAME"),
                || {
                    $($group();)+
                    criterion::Criterion::default()
                        .configure_from_args()
                        .final_summary();
                },
                $ready,
                $record,
            )
        }
    };
}

/// The body of a suite bench target's `main` (see
/// [`bench_main!`](crate::bench_main), which supplies the criterion
/// calls): runs `run_benches`; then fails if `ready` says the inputs did
/// not load; then, only if criterion measured ([`criterion_is_measuring`]),
/// calls `record`, printing `error: recording <suite> metrics: <message>`
/// and failing if it returns an error.
pub fn run_suite(
    suite: &str,
    run_benches: impl FnOnce(),
    ready: impl FnOnce() -> bool,
    record: impl FnOnce() -> Result<(), String>,
) -> ExitCode {
    run_benches();
    finish(suite, ready(), criterion_is_measuring(), record)
}

/// [`run_suite`] after the benchmarks ran, with the mode given.
fn finish(
    suite: &str,
    ready: bool,
    measuring: bool,
    record: impl FnOnce() -> Result<(), String>,
) -> ExitCode {
    if !ready {
        return ExitCode::FAILURE;
    }
    if measuring {
        if let Err(message) = record() {
            eprintln!("error: recording {suite} metrics: {message}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The ids of the benchmarks criterion ran in this process, i.e. those the
/// command line's filter selected. Metrics are recorded only for these, so
/// that a filtered run records exactly the metrics of the benchmarks it
/// ran.
///
/// A suite keeps one in a `static` and [`mark`](Self::mark)s each
/// benchmark's id from inside its criterion routine (the closure given to
/// `bench_function`), which criterion calls only for the benchmarks it
/// runs — once per sample, hence a set. Listing (`--list`) calls no
/// routine, so a listed benchmark is not marked.
#[derive(Debug, Default)]
pub struct Selection {
    ids: Mutex<BTreeSet<String>>,
}

impl Selection {
    /// An empty selection, usable in a `static`.
    pub const fn new() -> Self {
        Self {
            ids: Mutex::new(BTreeSet::new()),
        }
    }

    /// Remembers that criterion ran benchmark `id` (`group/parameter`, as
    /// criterion names it).
    pub fn mark(&self, id: &str) {
        let mut ids = self.ids();
        if !ids.contains(id) {
            ids.insert(id.to_owned());
        }
    }

    /// Whether criterion ran benchmark `id`.
    pub fn contains(&self, id: &str) -> bool {
        self.ids().contains(id)
    }

    /// Whether criterion ran any benchmark of `group`: an id whose part
    /// before the first `/` is `group` (`decode` matches `decode/8`, not
    /// `decode_int8/8`).
    pub fn any_in_group(&self, group: &str) -> bool {
        self.ids()
            .iter()
            .any(|id| id.split('/').next() == Some(group))
    }

    /// The set. A panic elsewhere while it was held cannot have left it
    /// half-updated (an insert either happened or did not), so a poisoned
    /// lock is used as it is.
    fn ids(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_selection_holds_exactly_the_marked_ids() {
        let selection = Selection::new();
        assert!(!selection.contains("decode/8"));
        selection.mark("decode/8");
        selection.mark("decode/8");
        selection.mark("profile/deep");
        assert!(selection.contains("decode/8"));
        assert!(selection.contains("profile/deep"));
        assert!(!selection.contains("decode/1"));
        assert!(!selection.contains("decode"), "a group is not an id");
    }

    #[test]
    fn any_in_group_matches_the_whole_first_segment() {
        static SELECTED: Selection = Selection::new();
        SELECTED.mark("decode_int8/8");
        SELECTED.mark("search/hnsw/10000");
        assert!(SELECTED.any_in_group("decode_int8"));
        assert!(!SELECTED.any_in_group("decode"), "only decode_int8 ran");
        assert!(SELECTED.any_in_group("search"));
        assert!(!SELECTED.any_in_group("search/hnsw"), "a group has no '/'");
        assert!(!Selection::default().any_in_group("decode_int8"));
    }

    #[test]
    fn a_selection_is_shared_across_threads() {
        let selection = Selection::new();
        std::thread::scope(|scope| {
            for n in 0..4 {
                let selection = &selection;
                scope.spawn(move || selection.mark(&format!("step/{n}")));
            }
        });
        assert!((0..4).all(|n| selection.contains(&format!("step/{n}"))));
    }

    #[test]
    fn finish_records_only_when_ready_and_measuring() {
        let calls = AtomicUsize::new(0);
        let record = || {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(())
        };
        assert_eq!(finish("stats", true, true, record), ExitCode::SUCCESS);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(finish("stats", true, false, record), ExitCode::SUCCESS);
        assert_eq!(calls.load(Ordering::Relaxed), 1, "not measuring");
        assert_eq!(finish("stats", false, true, record), ExitCode::FAILURE);
        assert_eq!(calls.load(Ordering::Relaxed), 1, "inputs missing");
    }

    #[test]
    fn finish_fails_when_recording_fails() {
        let failing = || Err("disk full".to_owned());
        assert_eq!(finish("stats", true, true, failing), ExitCode::FAILURE);
        assert_eq!(finish("stats", true, false, failing), ExitCode::SUCCESS);
    }

    /// What `bench_main!` expands to, against a stand-in for criterion.
    mod expanded {
        use std::sync::atomic::{AtomicUsize, Ordering};

        /// Events in order: group runs (1, 2), then the final summary (3).
        pub(super) static EVENTS: AtomicUsize = AtomicUsize::new(0);

        /// The part of criterion's API the expansion calls.
        mod criterion {
            use std::sync::atomic::Ordering;

            #[derive(Debug, Default)]
            pub(super) struct Criterion;

            impl Criterion {
                pub(super) fn configure_from_args(self) -> Self {
                    self
                }

                pub(super) fn final_summary(&self) {
                    assert_eq!(super::EVENTS.fetch_add(1, Ordering::SeqCst), 2);
                }
            }
        }

        fn first() {
            assert_eq!(EVENTS.fetch_add(1, Ordering::SeqCst), 0);
        }

        fn second() {
            assert_eq!(EVENTS.fetch_add(1, Ordering::SeqCst), 1);
        }

        /// Only called when the test binary was started with `--bench`.
        fn record() -> Result<(), String> {
            Ok(())
        }

        crate::bench_main!(first, second; ready = || EVENTS.load(Ordering::SeqCst) == 3, record = record);

        /// The generated `main`.
        pub(super) fn run() -> std::process::ExitCode {
            main()
        }

        /// The form without a readiness check.
        pub(super) mod unchecked {
            fn nothing() {}

            /// The generated `main`'s stand-in criterion.
            mod criterion {
                #[derive(Debug, Default)]
                pub(super) struct Criterion;

                impl Criterion {
                    pub(super) fn configure_from_args(self) -> Self {
                        self
                    }

                    pub(super) fn final_summary(&self) {}
                }
            }

            crate::bench_main!(nothing; record = || Err("not measuring".to_owned()));

            /// The generated `main`.
            pub(in super::super) fn run() -> std::process::ExitCode {
                main()
            }
        }
    }

    #[test]
    fn bench_main_runs_the_groups_then_the_summary_then_checks_readiness() {
        assert_eq!(expanded::run(), ExitCode::SUCCESS);
        assert_eq!(expanded::EVENTS.load(Ordering::SeqCst), 3);
        if !criterion_is_measuring() {
            // Under `cargo test` criterion is not measuring, so the failing
            // `record` is never called.
            assert_eq!(expanded::unchecked::run(), ExitCode::SUCCESS);
        }
    }
}
