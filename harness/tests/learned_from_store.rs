//! Learned thresholds from the history store, through the CLI: a stable
//! benchmark with twelve recorded runs on this machine gets a threshold far
//! below the global 10 %, so `benchgate compare --history STORE` fails a
//! +4 % change that the same compare without the store passes; a benchmark
//! with too few runs keeps the configured threshold.

mod common;

use std::path::Path;
use std::process::Command;

use benchgate::store::write_run;
use common::{benchmark, run, samples, with_commit};

/// Runs in the store: enough for a learned threshold (10 or more).
const RECORDED_RUNS: usize = 12;

fn benchgate(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// One run of `stable` (±0.3 % between runs) and, in the first
/// `short_history` runs only, of `young`.
fn measured(i: usize, stable_ns: f64, young: bool) -> benchgate::run::Run {
    let wobble = [0.0, 0.003, -0.002, 0.001, -0.003, 0.002][i % 6];
    let mut benchmarks = vec![benchmark(
        "stats",
        "stable/1000",
        samples(stable_ns * (1.0 + wobble), 0.003, 60, i as u64),
    )];
    if young {
        benchmarks.push(benchmark(
            "stats",
            "young/1000",
            samples(stable_ns * (1.0 + wobble), 0.003, 60, 500 + i as u64),
        ));
    }
    let mut r = with_commit(
        run("ci-machine", benchmarks, vec![]),
        &format!("{:040x}", 0xabc0 + i),
    );
    r.created_at =
        time::OffsetDateTime::from_unix_timestamp(1_780_000_000 + 3_600 * i as i64).unwrap();
    r
}

#[test]
fn a_store_with_enough_runs_tightens_the_threshold_of_a_stable_benchmark() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let store = cwd.join("history.sqlite");
    let mut paths = Vec::new();
    for i in 0..RECORDED_RUNS {
        // `young` is in three runs only: too few to learn from.
        let path = cwd.join(format!("run-{i:02}.json"));
        write_run(&path, &measured(i, 1_000.0, i >= RECORDED_RUNS - 3)).unwrap();
        paths.push(path);
    }
    let mut ingest = vec!["history", "ingest", "--history", store.to_str().unwrap()];
    ingest.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let (code, out, err) = benchgate(cwd, &ingest);
    assert_eq!(code, 0, "{out}{err}");

    // Both benchmarks 4 % slower than the newest recorded run.
    let baseline = paths.last().unwrap().to_str().unwrap().to_owned();
    let slower = cwd.join("slower.json");
    write_run(&slower, &measured(RECORDED_RUNS, 1_040.0, true)).unwrap();
    let slower = slower.to_str().unwrap().to_owned();
    let config = cwd.join("none.toml");
    std::fs::write(&config, "").unwrap();
    let config = config.to_str().unwrap().to_owned();
    let compare = [
        "compare",
        "--run",
        &slower,
        "--baseline",
        &baseline,
        "--config",
        &config,
    ];

    let (code, out, err) = benchgate(cwd, &compare);
    assert_eq!(
        code, 0,
        "without the store the 10 % default passes +4 %:\n{out}{err}"
    );

    let mut with_store = compare.to_vec();
    with_store.extend(["--history", store.to_str().unwrap(), "--format", "csv"]);
    let (code, out, err) = benchgate(cwd, &with_store);
    assert_eq!(code, 1, "the learned threshold fails +4 %:\n{out}{err}");
    let rows: Vec<&str> = out.lines().collect();
    let stable = rows.iter().find(|r| r.contains("stable/1000")).unwrap();
    let young = rows.iter().find(|r| r.contains("young/1000")).unwrap();
    assert!(stable.ends_with(",regressed"), "{stable}");
    assert!(
        young.ends_with(",unchanged"),
        "three runs teach nothing: {young}"
    );
}
