//! The harness's architecture invariants, checked on its source. Between
//! crates the compiler enforces the direction (stats ← core ← report ←
//! benchgate); within each crate the modules' imports must form no cycle
//! either, and the statistics and verdict modules do no I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The source directory of the harness crate in `harness/<dir>`.
fn source_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join("src")
}

/// The library crates whose modules are checked.
const CRATES: [&str; 3] = ["core", "report", "stats"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comment lines (doc links name modules
/// without importing them).
fn code_lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(str::to_owned)
        .collect()
}

/// Top-level module of one crate → the top-level modules it names as
/// `crate::<module>` (in `benchgate-report`, `crate::compare` and the like
/// are `benchgate-core`'s modules, re-exported: leaves of its graph).
/// `lib.rs` is not a module.
fn module_graph(crate_dir: &str) -> BTreeMap<String, BTreeSet<String>> {
    let root = source_dir(crate_dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        if relative == Path::new("lib.rs") {
            continue;
        }
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let imports = graph.entry(module.clone()).or_default();
        for line in code_lines(&file) {
            for (at, _) in line.match_indices("crate::") {
                let named: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !named.is_empty() && named != module {
                    imports.insert(named);
                }
            }
        }
    }
    graph
}

/// A cycle in `graph` as a path `a → b → … → a`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn no_import_cycle_between_the_modules_of_any_harness_crate() {
    let report = module_graph("report");
    assert!(
        report["report"].contains("render") && report["report"].contains("charts"),
        "the graph is read from the source: {report:?}"
    );
    assert!(module_graph("core")["gate"].contains("compare"));
    for dir in CRATES {
        let graph = module_graph(dir);
        if let Some(cycle) = find_cycle(&graph) {
            panic!("import cycle in harness/{dir}: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn statistics_and_verdicts_do_no_io_and_import_no_orchestration() {
    let core = module_graph("core");
    for pure in ["verdict", "compare", "assess"] {
        for forbidden in ["runner", "collect", "gate", "ab", "workspace", "calibrate"] {
            assert!(
                !core[pure].contains(forbidden),
                "`{pure}` imports `{forbidden}`"
            );
        }
    }
    for (dir, pure) in [
        ("stats", "stats.rs"),
        ("stats", "paired.rs"),
        ("core", "verdict.rs"),
        ("core", "compare.rs"),
    ] {
        for line in code_lines(&source_dir(dir).join(pure)) {
            for io in ["std::fs", "std::process", "std::io", "std::net"] {
                assert!(!line.contains(io), "{pure} does I/O: {line}");
            }
        }
    }
}

/// The report draws trends the history store's reader hands it as typed
/// evidence (`benchgate_core::trend::Trend`); it never opens the store:
/// no database driver or history crate among its dependencies or in its
/// source.
#[test]
fn the_report_never_opens_the_history_store() {
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("report/Cargo.toml"))
            .unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for forbidden in ["benchgate-history", "rusqlite", "postgres"] {
        assert!(
            !dependencies.contains(forbidden),
            "benchgate-report depends on {forbidden}"
        );
    }
    let mut files = Vec::new();
    rust_files(&source_dir("report"), &mut files);
    assert!(files.iter().any(|f| f.ends_with("charts/trend.rs")));
    for file in files {
        for line in code_lines(&file) {
            for forbidden in ["benchgate_history", "rusqlite", "postgres::"] {
                assert!(
                    !line.contains(forbidden),
                    "{} names {forbidden}: {line}",
                    file.display()
                );
            }
        }
    }
}
