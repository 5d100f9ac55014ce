//! Calibration on synthetic A/A runs: what it measures and what it writes.

mod common;

use std::path::Path;

use benchgate::calibrate::{calibrate, write_suggestions};
use benchgate::compare::CompareOptions;
use benchgate::config::Policy;
use common::{benchmark, run, samples};

/// Four A/A runs of two benchmarks: `steady` has 1 % noise, `jumpy` also
/// shifts its whole level by up to ±20 % from run to run.
fn aa_runs() -> Vec<benchgate::run::Run> {
    let levels = [1.0, 1.2, 0.85, 1.1];
    levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            run(
                "m",
                vec![
                    benchmark("s", "steady", samples(1_000.0, 0.01, 50, i as u64)),
                    benchmark(
                        "s",
                        "jumpy",
                        samples(1_000.0 * level, 0.01, 50, 10 + i as u64),
                    ),
                ],
                vec![],
            )
        })
        .collect()
}

#[test]
fn calibration_finds_the_noisy_benchmark_and_suggests_a_threshold_that_quiets_it() {
    let policy = Policy::load(Path::new("/nonexistent.toml")).unwrap();
    let calibration = calibrate(&aa_runs(), &policy, &CompareOptions::default()).unwrap();
    assert_eq!(calibration.pairs, 12);
    let noise = |key: &str| {
        calibration
            .benchmarks
            .iter()
            .find(|b| b.key == key)
            .unwrap()
            .clone()
    };
    let (steady, jumpy) = (noise("s/steady"), noise("s/jumpy"));
    assert_eq!(steady.false_alarms, 0);
    assert!(jumpy.false_alarms > 0, "{jumpy:?}");
    assert!(calibration.pairs_with_false_alarm > 0);
    assert!(steady.suggested_threshold <= 0.02, "{steady:?}");
    assert!(jumpy.suggested_threshold > 0.2, "{jumpy:?}");
    assert!(jumpy.minimum_detectable_effect > jumpy.suggested_threshold);

    // Written into the config, the suggestions silence the same A/A runs.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("benchgate.toml");
    std::fs::write(&config, "# team settings\n[defaults]\nalpha = 0.05\n").unwrap();
    write_suggestions(&config, &calibration, "m").unwrap();
    write_suggestions(&config, &calibration, "m").unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("# team settings\n[defaults]\nalpha = 0.05\n"),
        "{text}"
    );
    assert_eq!(text.matches("pattern = \"s/jumpy\"").count(), 1, "{text}");
    let tuned = Policy::load(&config).unwrap();
    let again = calibrate(&aa_runs(), &tuned, &CompareOptions::default()).unwrap();
    assert_eq!(again.pairs_with_false_alarm, 0, "{again:?}");
}

#[test]
fn one_run_is_not_a_calibration() {
    let policy = Policy::load(Path::new("/nonexistent.toml")).unwrap();
    let runs = aa_runs();
    assert!(calibrate(&runs[..1], &policy, &CompareOptions::default()).is_err());
}
