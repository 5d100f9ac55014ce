//! Baselines on disk: layout, stable order, atomic writes, refusals.

mod common;

use std::fs;

use benchgate::store::{BaselineStore, read_run, write_run};
use common::{benchmark, run, samples};

#[test]
fn save_writes_a_stable_sorted_file_per_machine_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let mut unsorted = run(
        "box-2c",
        vec![
            benchmark("stats", "b/2", samples(10.0, 0.01, 5, 1)),
            benchmark("stats", "a/1", samples(10.0, 0.01, 5, 2)),
        ],
        vec![],
    );
    unsorted.benchmarks.reverse();
    let path = store.save(&unsorted, "main").unwrap();
    assert_eq!(path, dir.path().join("box-2c/main.json"));
    let first = fs::read_to_string(&path).unwrap();
    assert!(first.find("\"a/1\"").unwrap() < first.find("\"b/2\"").unwrap());
    assert!(
        first.starts_with("{\n  \"schema_version\": 1,"),
        "pretty JSON, schema first"
    );

    // Saving the same run again is byte-identical: diffs show only real changes.
    store.save(&unsorted, "main").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), first);
    let mut expected = unsorted.clone();
    expected.canonicalize();
    assert_eq!(read_run(&path).unwrap(), expected);

    // No temporary files are left beside it.
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["main.json"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "baselines are readable by teammates and CI");
    }

    let listed = store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].machine_id.as_str(), listed[0].name.as_str()),
        ("box-2c", "main")
    );
}

#[test]
fn names_cannot_escape_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let r = run("m", vec![], vec![]);
    for bad in ["../evil", "a/b", ".hidden", ""] {
        let message = store.save(&r, bad).unwrap_err().to_string();
        assert!(
            message.contains("not a valid baseline name"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn unreadable_baselines_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m/main.json");
    write_run(&path, &run("m", vec![], vec![])).unwrap();

    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("\"schema_version\": 1", "\"schema_version\": 99");
    fs::write(&path, text).unwrap();
    let message = read_run(&path).unwrap_err().to_string();
    assert!(
        message.contains(&path.display().to_string()) && message.contains("upgrade benchgate"),
        "{message}"
    );

    fs::write(&path, "{ truncated").unwrap();
    let message = read_run(&path).unwrap_err().to_string();
    assert!(
        message.contains("invalid JSON") && message.contains("main.json"),
        "{message}"
    );

    let missing = dir.path().join("other/main.json");
    assert!(
        read_run(&missing)
            .unwrap_err()
            .to_string()
            .contains("is missing")
    );
}

#[test]
fn a_failed_write_keeps_the_previous_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m/main.json");
    let original = run(
        "m",
        vec![benchmark("s", "x", samples(5.0, 0.01, 4, 1))],
        vec![],
    );
    write_run(&path, &original).unwrap();
    let before = fs::read_to_string(&path).unwrap();
    // A run that cannot be serialized (NaN is not JSON) must not touch the file.
    let mut broken = original.clone();
    broken.benchmarks[0].samples_ns[0] = f64::NAN;
    let message = write_run(&path, &broken).unwrap_err().to_string();
    assert!(message.contains("benchmark s/x holds a NaN"), "{message}");
    let after = fs::read_to_string(&path).unwrap();
    assert_eq!(before, after);
}

/// A run of machine `box-2c` holding one benchmark of `suite`.
fn suite_run(suite: &str, seed: u64) -> benchgate::run::Run {
    run(
        "box-2c",
        vec![benchmark(suite, "op/1", samples(10.0, 0.01, 5, seed))],
        vec![],
    )
}

#[test]
fn concurrent_gate_records_into_one_baseline_lose_no_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let suites: Vec<String> = (0..8).map(|i| format!("suite{i}")).collect();
    std::thread::scope(|scope| {
        for (i, suite) in suites.iter().enumerate() {
            let store = &store;
            scope.spawn(move || {
                benchgate::gate::record_new_suites(
                    store,
                    &suite_run(suite, i as u64),
                    "main",
                    &|_| {},
                )
                .unwrap();
            });
        }
    });
    let stored = read_run(&store.path("box-2c", "main").unwrap()).unwrap();
    assert_eq!(stored.suites(), suites, "every writer's suite landed");
    let left: Vec<_> = fs::read_dir(dir.path().join("box-2c"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["main.json"], "no lock or temporary file left");
}

#[test]
fn concurrent_baseline_saves_with_merge_in_processes_lose_no_suite() {
    let dir = tempfile::tempdir().unwrap();
    let baselines = dir.path().join("baselines");
    let suites: Vec<String> = (0..6).map(|i| format!("suite{i}")).collect();
    let children: Vec<_> = suites
        .iter()
        .enumerate()
        .map(|(i, suite)| {
            let file = dir.path().join(format!("{suite}.json"));
            write_run(&file, &suite_run(suite, i as u64)).unwrap();
            std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
                .args(["baseline", "save", "main", "--merge", "--run"])
                .arg(&file)
                .arg("--baselines-dir")
                .arg(&baselines)
                .stderr(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stored = read_run(&baselines.join("box-2c/main.json")).unwrap();
    assert_eq!(stored.suites(), suites, "every process's suite landed");
}

#[test]
fn a_save_waiting_for_the_lock_says_so_and_then_saves() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path().join("baselines"));
    let file = dir.path().join("run.json");
    write_run(&file, &suite_run("stats", 1)).unwrap();
    let held = store.lock("box-2c", "main", &|_| {}).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["baseline", "save", "main", "--run"])
        .arg(&file)
        .arg("--baselines-dir")
        .arg(store.root())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains("waiting for the lock on") && line.contains(".main.json.lock"),
        "{line}"
    );
    assert!(
        !store.path("box-2c", "main").unwrap().exists(),
        "nothing written while the lock is held"
    );
    drop(held);
    assert!(child.wait().unwrap().success());
    assert_eq!(
        read_run(&store.path("box-2c", "main").unwrap())
            .unwrap()
            .suites(),
        ["stats"]
    );
}
