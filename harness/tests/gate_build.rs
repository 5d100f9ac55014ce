//! `benchgate gate` compiles the workspace's packages as its stored
//! baseline was compiled (a baseline recorded from a pull-request check's
//! head was built with one codegen unit), and two runs built differently
//! are refused, not compared: on a real one-suite workspace.

mod common;

use std::cell::RefCell;
use std::fs;

use benchgate::compare::{CompareOptions, compare};
use benchgate::config::Policy;
use benchgate::gate::{GateOptions, gate};
use benchgate::runner::RunOptions;
use benchgate::store::{read_run, write_run};
use benchgate::workspace::Workspace;
use common::{assert_tiny_time_unchanged, tiny_bench_source, tiny_workspace};

#[test]
fn gate_builds_like_its_baseline_and_runs_built_unlike_are_not_compared() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let suite = tiny_workspace(root);
    fs::write(suite.join("benches/tiny.rs"), tiny_bench_source(0.95)).unwrap();
    let workspace = Workspace::locate(root).unwrap();
    let policy = Policy::load(&root.join("benchgate.toml")).unwrap();
    let options = GateOptions {
        suites: Vec::new(),
        run: RunOptions {
            rounds: 1,
            instruction_counts: false,
            ..RunOptions::default()
        },
        baseline_name: None,
        baselines_dir: root.join("baselines"),
        policy: policy.clone(),
        compare: CompareOptions::default(),
        confirm: false,
    };
    let lines = RefCell::new(Vec::<String>::new());
    let log = |line: &str| lines.borrow_mut().push(line.to_owned());

    // No baseline yet: the profile's own codegen units, recorded as such.
    let first = gate(&workspace, &options, &log).unwrap();
    assert_eq!(first.recorded_suites, ["tiny"]);
    assert_eq!(first.run.codegen_units, None);
    assert!(
        !lines.borrow().iter().any(|l| l.contains("codegen unit")),
        "{:?}",
        lines.borrow()
    );

    // The baseline as a pull-request check's head records it.
    let mut stored = read_run(&first.baseline_file).unwrap();
    stored.codegen_units = Some(1);
    write_run(&first.baseline_file, &stored).unwrap();

    let second = gate(&workspace, &options, &log).unwrap();
    assert_eq!(second.run.codegen_units, Some(1));
    let said = format!(
        "building the workspace's packages with 1 codegen unit(s), as {} was built",
        first.baseline_file.display()
    );
    assert!(lines.borrow().contains(&said), "{:?}", lines.borrow());
    assert_tiny_time_unchanged(second.comparison().expect("built alike, so compared"));

    // The same criterion output, built two ways: refused, naming both
    // builds and the fix.
    let refused = compare(&first.run, &second.run, &policy, &CompareOptions::default())
        .expect_err("runs built with different codegen units are not comparable")
        .to_string();
    for part in [
        "the bench profile's own codegen units",
        "1 codegen unit(s), set by benchgate",
        "record the baseline again with `benchgate gate`",
    ] {
        assert!(refused.contains(part), "missing {part:?} in: {refused}");
    }
}
