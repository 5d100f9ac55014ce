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
