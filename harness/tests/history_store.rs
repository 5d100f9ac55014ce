//! The history store end to end, on a real git repository of 14 commits
//! where one commit (injected) makes a benchmark 12 % slower: run files of
//! every commit are ingested through the CLI into SQLite (and PostgreSQL
//! where `BENCHGATE_TEST_POSTGRES` names a server, as `.ci/run` does) and
//! `history changes` names that commit; the data branch carries the runs
//! between two jobs pushing at the same time and rebuilds the store; a
//! `[[rename]]` carries the benchmark's history across its new id.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use benchgate::history_store::data_branch::{self, Appended, DataBranch};
use benchgate::history_store::ingest::record_of_file;
use benchgate::store::write_run;
use common::{benchmark, commit, run, samples, with_commit};
use git2::Repository;

const COMMITS: usize = 14;
const SLOW_COMMIT: usize = 7;
const SLOW_SUBJECT: &str = "Slow down the one-shot summary (injected)";
/// The benchmark's id before the rename at commit 4.
const OLD_ID: &str = "summary/1000";
const NEW_ID: &str = "summary_one_shot/1000";

struct History {
    _dir: tempfile::TempDir,
    root: PathBuf,
    runs: Vec<PathBuf>,
    slow_commit: String,
    config: PathBuf,
}

/// A repository of [`COMMITS`] commits and one run file per commit.
fn history() -> History {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    let repo = Repository::init(&root).unwrap();
    let mut runs = Vec::new();
    let mut slow_commit = String::new();
    for i in 0..COMMITS {
        std::fs::write(root.join("lib.rs"), format!("// version {i}\n")).unwrap();
        let subject = if i == SLOW_COMMIT {
            SLOW_SUBJECT.to_owned()
        } else {
            format!("Change number {i}")
        };
        let oid = commit(&repo, "lib.rs", &subject).to_string();
        if i == SLOW_COMMIT {
            slow_commit = oid.clone();
        }
        let factor = if i >= SLOW_COMMIT { 1.12 } else { 1.0 };
        let id = if i < 4 { OLD_ID } else { NEW_ID };
        let mut measured = with_commit(
            run(
                "ci-machine",
                vec![
                    benchmark("stats", id, samples(1_000.0 * factor, 0.01, 60, i as u64)),
                    benchmark(
                        "stats",
                        "summary_streaming/1000",
                        samples(5_000.0, 0.01, 60, 100 + i as u64),
                    ),
                ],
                vec![],
            ),
            &oid,
        );
        measured.created_at =
            time::OffsetDateTime::from_unix_timestamp(1_780_000_000 + 3_600 * i as i64).unwrap();
        let path = dir.path().join(format!("runs/run-{i:02}.json"));
        write_run(&path, &measured).unwrap();
        runs.push(path);
    }
    // Not named benchgate.toml: only `--config` reads it.
    let config = dir.path().join("renames.toml");
    std::fs::write(
        &config,
        format!("[[rename]]\nfrom = \"stats/{OLD_ID}\"\nto = \"stats/{NEW_ID}\"\n"),
    )
    .unwrap();
    History {
        _dir: dir,
        root,
        runs,
        slow_commit,
        config,
    }
}

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

/// Ingest every run into `location`, then check what `show` and
/// `changes` say: the slow commit named, nothing else changed.
fn ingest_show_changes(h: &History, location: &str) {
    let cwd = h.root.parent().unwrap();
    let config = h.config.to_str().unwrap();
    let mut args = vec!["history", "ingest", "--history", location, "--repo"];
    args.push(h.root.to_str().unwrap());
    args.extend(h.runs.iter().map(|p| p.to_str().unwrap()));
    let (code, out, err) = benchgate(cwd, &args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("ingested {COMMITS} new run(s)")),
        "{out}"
    );
    // Ingesting again stores nothing twice.
    let (code, out, err) = benchgate(cwd, &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ingested 0 new run(s)")
            && out.contains(&format!("({COMMITS} already stored)")),
        "{out}"
    );

    let (code, out, err) = benchgate(
        cwd,
        &[
            "history",
            "show",
            "one_shot",
            "--history",
            location,
            "--config",
            config,
            "--points",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "stats/{NEW_ID} on ci-machine (full): {COMMITS} runs"
        )),
        "{out}"
    );
    assert!(out.contains("Change number 13"), "{out}");

    let (code, out, err) = benchgate(
        cwd,
        &[
            "history",
            "changes",
            "--history",
            location,
            "--config",
            config,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let short = &h.slow_commit[..7];
    let line = out
        .lines()
        .find(|l| l.starts_with(&format!("stats/{NEW_ID}: +")))
        .unwrap_or_else(|| panic!("no change of {NEW_ID}:\n{out}"));
    assert!(
        line.contains(&format!("since {short} ({SLOW_SUBJECT}), p = ")),
        "{line}"
    );
    let percent: f64 = line
        .split_once(": ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    assert!((9.0..15.0).contains(&percent), "{line}");
    assert!(
        !out.contains("summary_streaming"),
        "the unchanged benchmark changed:\n{out}"
    );
    assert!(out.contains("1 change point(s) in 1 of 2 series"), "{out}");

    // Without the rename, the new id starts at commit 4 and the old one
    // ends there: neither half alone holds the change at commit 7 at its
    // first level, so the history reads differently.
    let (_, plain, _) = benchgate(cwd, &["history", "show", "--history", location]);
    assert!(
        plain.contains(&format!("stats/{OLD_ID} on ci-machine (full): 4 runs")),
        "{plain}"
    );
}

#[test]
fn sqlite_history_names_the_commit_that_slowed_a_benchmark() {
    let h = history();
    let store = h.root.parent().unwrap().join("store/history.sqlite");
    ingest_show_changes(&h, store.to_str().unwrap());
}

/// The same test against a real PostgreSQL server. `.ci/run` starts one on
/// loopback and exports `BENCHGATE_TEST_POSTGRES`; without it the test says
/// it skipped, and fails where a server is required (CI).
#[test]
fn postgres_history_names_the_commit_that_slowed_a_benchmark() {
    let Ok(url) = std::env::var("BENCHGATE_TEST_POSTGRES") else {
        let required = ["CI", "BENCHGATE_REQUIRE_POSTGRES"]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|x| !x.is_empty() && x != "0" && x != "false"));
        assert!(
            !required,
            "BENCHGATE_TEST_POSTGRES is not set but CI/BENCHGATE_REQUIRE_POSTGRES is: .ci/run must start PostgreSQL and export it"
        );
        eprintln!(
            "SKIPPED: BENCHGATE_TEST_POSTGRES is not set (outside CI); the PostgreSQL history test did not run"
        );
        return;
    };
    // A fresh schema per run, so earlier runs' rows cannot make it pass.
    let schema = format!("benchgate_test_{}", std::process::id());
    let mut client = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("BENCHGATE_TEST_POSTGRES={url}: cannot connect: {e}"));
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let h = history();
    ingest_show_changes(&h, &scoped);
    let runs: i64 = client
        .query_one(&format!("SELECT COUNT(*) FROM {schema}.runs"), &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, COMMITS as i64, "the runs went to the test schema");
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

#[test]
fn two_jobs_pushing_at_once_both_land_on_the_data_branch_and_sync_rebuilds_the_store() {
    let h = history();
    let base = h.root.parent().unwrap();
    let origin = base.join("origin.git");
    Repository::init_bare(&origin).unwrap();
    let origin_text = origin.to_str().unwrap().to_owned();
    let records: Vec<_> = h
        .runs
        .iter()
        .map(|p| record_of_file(p, Some(&h.root)).unwrap())
        .collect();
    // Two CI jobs, each with its own clone, append alternate runs at once.
    let jobs: Vec<_> = (0..2)
        .map(|job| {
            let clone = base.join(format!("job-{job}"));
            Repository::init(&clone).unwrap();
            let mine: Vec<_> = records.iter().skip(job).step_by(2).cloned().collect();
            let origin = origin_text.clone();
            std::thread::spawn(move || {
                let data = DataBranch {
                    repository: &clone,
                    branch: "benchgate-data",
                    remote: Some(&origin),
                };
                mine.iter()
                    .map(|record| data_branch::append(&data, record).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let appended: Vec<Appended> = jobs.into_iter().flat_map(|j| j.join().unwrap()).collect();
    assert_eq!(appended.len(), COMMITS);
    assert!(
        appended
            .iter()
            .all(|a| matches!(a, Appended::Committed { .. })),
        "{appended:?}"
    );

    // Appending a run that is already there changes nothing.
    let again = data_branch::append(
        &DataBranch {
            repository: &base.join("job-0"),
            branch: "benchgate-data",
            remote: Some(&origin_text),
        },
        &records[0],
    )
    .unwrap();
    assert!(matches!(again, Appended::AlreadyThere { .. }), "{again:?}");

    // The branch's files are plain JSON a person can read and diff.
    let bare = Repository::open_bare(&origin).unwrap();
    let tip = bare
        .revparse_single("benchgate-data")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let path = data_branch::record_path(&records[SLOW_COMMIT]);
    let blob = tip.tree().unwrap().get_path(Path::new(&path)).unwrap();
    let text = String::from_utf8(bare.find_blob(blob.id()).unwrap().content().to_vec()).unwrap();
    assert!(
        text.contains(SLOW_SUBJECT) && text.contains("\"typical\""),
        "{text}"
    );

    // A fresh store synced from the remote answers like a direct ingest.
    let reader = base.join("reader");
    Repository::init(&reader).unwrap();
    let store = base.join("synced.sqlite");
    let store_text = store.to_str().unwrap();
    let sync = [
        "history",
        "sync",
        "--history",
        store_text,
        "--repo",
        reader.to_str().unwrap(),
        "--remote",
        &origin_text,
    ];
    let (code, out, err) = benchgate(base, &sync);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("{COMMITS} run(s) on the branch, {COMMITS} new")),
        "{out}"
    );
    let (code, out, _) = benchgate(base, &sync);
    assert_eq!(code, 0);
    assert!(out.contains(", 0 new"), "{out}");
    let (code, out, err) = benchgate(
        base,
        &[
            "history",
            "changes",
            "--history",
            store_text,
            "--config",
            h.config.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("since {} ({SLOW_SUBJECT})", &h.slow_commit[..7])),
        "{out}"
    );
}

#[test]
fn a_corrupt_store_or_record_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("history.sqlite");
    std::fs::write(
        &store,
        "this is not a database, it is a text file of some length",
    )
    .unwrap();
    let (code, _, err) = benchgate(
        dir.path(),
        &["history", "show", "--history", store.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(store.to_str().unwrap()), "{err}");

    let bad_run = dir.path().join("run.json");
    std::fs::write(&bad_run, "{}").unwrap();
    let (code, _, err) = benchgate(
        dir.path(),
        &[
            "history",
            "ingest",
            "--history",
            dir.path().join("ok.sqlite").to_str().unwrap(),
            bad_run.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("run.json"), "{err}");
}
