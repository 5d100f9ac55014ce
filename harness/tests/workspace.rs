//! Suites in any Cargo workspace: every member package with bench targets
//! is a suite, wherever it lies, and its iai-callgrind targets are told
//! apart from its criterion ones by what they use.

use std::fs;
use std::path::Path;

use benchgate::config::Policy;
use benchgate::workspace::Workspace;

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn every_package_with_benches_is_a_suite_wherever_it_lies() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // An ordinary crate at the root, its benches in its own `benches/`.
    write(
        &root.join("Cargo.toml"),
        r#"[package]
name = "mycrate"
version = "0.1.0"
edition = "2021"

[workspace]
members = [".", "crates/helper", "tools/bench-only"]

[dev-dependencies]
iai-callgrind = "0.16"

[[bench]]
name = "speed"
harness = false

[[bench]]
name = "counts"
harness = false

[[bench]]
name = "iai_named_but_criterion"
harness = false
"#,
    );
    write(&root.join("src/lib.rs"), "");
    write(&root.join("benches/speed.rs"), "fn main() {}\n");
    write(
        &root.join("benches/counts.rs"),
        "use iai_callgrind::{library_benchmark, main};\nfn main() {}\n",
    );
    write(
        &root.join("benches/iai_named_but_criterion.rs"),
        "// measured with criterion\nfn main() {}\n",
    );
    // A member without benches is no suite.
    write(
        &root.join("crates/helper/Cargo.toml"),
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&root.join("crates/helper/src/lib.rs"), "");
    // A member elsewhere with benches, without iai-callgrind: an `iai_*`
    // target of a package that does not link it is criterion's.
    write(
        &root.join("tools/bench-only/Cargo.toml"),
        "[package]\nname = \"bench-only\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bench]]\nname = \"iai_lookalike\"\nharness = false\n",
    );
    write(&root.join("tools/bench-only/src/lib.rs"), "");
    write(
        &root.join("tools/bench-only/benches/iai_lookalike.rs"),
        "fn main() {}\n",
    );

    let workspace = Workspace::locate(root).unwrap();
    let names: Vec<&str> = workspace.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["bench-only", "mycrate"]);
    let mycrate = &workspace.suites[1];
    assert_eq!(mycrate.relative_dir, Path::new(""));
    let mut criterion = mycrate.criterion_targets.clone();
    criterion.sort();
    assert_eq!(criterion, ["iai_named_but_criterion", "speed"]);
    assert_eq!(mycrate.iai_targets, ["counts"]);
    let tools = &workspace.suites[0];
    assert_eq!(tools.relative_dir, Path::new("tools/bench-only"));
    assert_eq!(tools.criterion_targets, ["iai_lookalike"]);
    assert!(tools.iai_targets.is_empty());
}

#[test]
fn the_configuration_includes_and_excludes_packages_and_targets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for package in ["alpha", "beta"] {
        write(
            &root.join(package).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bench]]\nname = \"fast\"\nharness = false\n\n[[bench]]\nname = \"scratch\"\nharness = false\n"
            ),
        );
        write(&root.join(package).join("src/lib.rs"), "");
        for bench in ["fast", "scratch"] {
            write(
                &root.join(package).join(format!("benches/{bench}.rs")),
                "fn main() {}\n",
            );
        }
    }
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"alpha\", \"beta\"]\n",
    );
    let config = root.join("benchgate.toml");
    let policy = |text: &str| Policy::parse(text, &config).unwrap();
    let workspace = Workspace::locate(root).unwrap();

    let only_alpha = workspace
        .clone()
        .discovered(
            &policy("[discovery]\ninclude = [\"alpha\"]\nexclude_targets = [\"alpha/scratch\"]\n")
                .discovery,
            &config,
        )
        .unwrap();
    let names: Vec<&str> = only_alpha.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["alpha"]);
    assert_eq!(only_alpha.suites[0].criterion_targets, ["fast"]);

    let without_beta = workspace
        .clone()
        .discovered(
            &policy("[discovery]\nexclude = [\"beta\"]\n").discovery,
            &config,
        )
        .unwrap();
    assert_eq!(without_beta.suites.len(), 1);
    assert_eq!(without_beta.suites[0].criterion_targets.len(), 2);

    // A typo must not silently gate less.
    for typo in [
        "[discovery]\ninclude = [\"alpah\"]\n",
        "[discovery]\nexclude_targets = [\"alpha/scrach\"]\n",
    ] {
        let message = workspace
            .clone()
            .discovered(&policy(typo).discovery, &config)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("benchgate.toml") && message.contains("alpha, beta"),
            "{message}"
        );
    }
}

#[test]
fn this_workspace_keeps_its_five_suites_and_the_harness_benchmark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = root.join("benchgate.toml");
    // As the gate sees it: through the workspace's own `[discovery]`,
    // which leaves out the history store's by-hand scale benchmark.
    let workspace = Workspace::locate(&root)
        .unwrap()
        .discovered(
            &benchgate::config::Policy::load(&config).unwrap().discovery,
            &config,
        )
        .unwrap();
    let names: Vec<&str> = workspace.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "benchgate",
            "inference",
            "memstore",
            "spiking",
            "stats",
            "tokenization"
        ]
    );
    for suite in &workspace.suites {
        if suite.name == "benchgate" {
            // The harness measured by itself: criterion only, no counts.
            assert_eq!(suite.criterion_targets, ["harness"]);
            assert!(suite.iai_targets.is_empty(), "{:?}", suite.iai_targets);
            assert_eq!(suite.relative_dir, Path::new("harness"));
            continue;
        }
        assert_eq!(
            suite.iai_targets.len(),
            1,
            "{}: {:?}",
            suite.name,
            suite.iai_targets
        );
        assert!(suite.iai_targets[0].starts_with("iai_"));
        assert!(suite.relative_dir.starts_with("benches"));
    }
}

#[test]
fn a_plain_criterion_home_of_a_one_suite_workspace_is_named_after_its_package() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("Cargo.toml"),
        "[package]\nname = \"solo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n",
    );
    write(&root.join("src/lib.rs"), "");
    write(&root.join("benches/speed.rs"), "fn main() {}\n");
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion-0.8-long-ids");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["collect", "--criterion-dir"])
        .arg(&plain)
        .args(["--output", "run.json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = benchgate::store::read_run(&root.join("run.json")).unwrap();
    assert_eq!(run.suites(), ["solo"]);
}

#[test]
fn the_readme_main_job_runs_the_gate_binary() {
    // `cargo run -p benchgate` must pick one of the package's binaries;
    // with `cargo-benchgate` beside `benchgate` only `default-run` does.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("`cargo run --release -p benchgate -- gate`"),
        "README.md no longer names the main job's command"
    );
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "benchgate")
        .unwrap();
    let binaries: Vec<&str> = package["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(binaries.contains(&"benchgate"), "{binaries:?}");
    if binaries.len() > 1 {
        assert_eq!(
            package["default_run"], "benchgate",
            "binaries: {binaries:?}"
        );
    }
}
