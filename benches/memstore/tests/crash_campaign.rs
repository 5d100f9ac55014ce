//! The SIGKILL campaign: a child process runs a seeded mix of `store`, `batch_store`, `flush` and `compact_all` and is killed at seeded random points; after every kill the store must reopen with every acknowledged episode present and searchable. Also: one open store per directory.
//!
//! `cargo test` runs [`DEFAULT_KILLS`] kills; `ci/memstore-crash-campaign.sh`
//! runs the full campaign (`MEMSTORE_CRASH_KILLS=200`) and prints its numbers.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use memstore::{Filter, MemError, MemStore, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Must match the child's corpus size (`src/bin/crash_child.rs`).
const CHILD_CORPUS: u64 = 1000;

/// Kills in a plain `cargo test`: every kind of kill point several times,
/// in a few seconds.
const DEFAULT_KILLS: usize = 20;

/// Kills of one store directory before the campaign starts a fresh one:
/// later kills hit a store that earlier crashes and recoveries built
/// (many segments, replayed logs), while the store stays small enough
/// that a compaction takes a fraction of a second.
const KILLS_PER_DIRECTORY: usize = 10;

/// Seed of the whole campaign: the kill points and the children's seeds.
const CAMPAIGN_SEED: u64 = 0x5eed_c4a5;

/// Acknowledged episodes checked by a search after each kill (besides the
/// newest one): every acknowledged one is checked with `get`.
const SEARCHED_PER_KILL: usize = 16;

/// Where a child is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillPoint {
    /// While it opens (recovers) the store, before it writes anything.
    Opening { after: Duration },
    /// In the write stream, after this many acknowledged episodes
    /// (background flushes and automatic compactions run meanwhile).
    Writing { acks: u64, after: Duration },
    /// After it announced an explicit `flush` / `compact_all`.
    Inside { op: &'static str, after: Duration },
}

impl KillPoint {
    fn draw(rng: &mut ChaCha8Rng) -> Self {
        let after = Duration::from_micros(rng.random_range(0..3000));
        match rng.random_range(0..20u32) {
            0..3 => KillPoint::Opening {
                after: Duration::from_micros(rng.random_range(0..60_000)),
            },
            3..11 => KillPoint::Writing {
                acks: rng.random_range(1..1500),
                after,
            },
            11..15 => KillPoint::Inside { op: "flush", after },
            _ => KillPoint::Inside {
                op: "compact",
                after,
            },
        }
    }
}

#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    killed_opening: usize,
    killed_writing: usize,
    killed_in_flush: usize,
    killed_in_compaction: usize,
    acknowledged: u64,
    lost: u64,
    unreadable: usize,
    searched: usize,
    not_found: usize,
}

/// Runs the child on `dir` with `seed`, kills it at `point`, and returns
/// the acknowledged id ranges and what it was doing when it died.
fn run_and_kill(dir: &Path, seed: u64, point: KillPoint, tally: &mut Tally) -> Vec<(u64, u64)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memstore-crash-child"))
        .arg(dir)
        .arg("campaign")
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acked = Vec::new();
    let mut acked_count = 0u64;
    let mut open_op: Option<String> = None;
    let mut killed = false;
    if let KillPoint::Opening { after } = point {
        std::thread::sleep(after);
        child.kill().expect("child killed");
        killed = true;
    }
    let mut record = |line: &str, acked: &mut Vec<(u64, u64)>, acked_count: &mut u64| {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["ACK", start, end] => {
                let range = (start.parse().expect("id"), end.parse().expect("id"));
                *acked_count += range.1 - range.0;
                acked.push(range);
            }
            ["BEGIN", op] => open_op = Some((*op).to_owned()),
            ["END", _] => open_op = None,
            ["OPEN"] => {}
            other => panic!("unexpected child line {other:?}"),
        }
    };
    if !killed {
        for line in lines.by_ref() {
            let line = line.expect("child output is text");
            record(&line, &mut acked, &mut acked_count);
            let now = match point {
                KillPoint::Writing { acks, .. } => acked_count >= acks,
                KillPoint::Inside { op, .. } => line == format!("BEGIN {op}"),
                KillPoint::Opening { .. } => unreachable!("killed above"),
            };
            if now {
                let (KillPoint::Writing { after, .. } | KillPoint::Inside { after, .. }) = point
                else {
                    unreachable!()
                };
                std::thread::sleep(after);
                child.kill().expect("child killed");
                killed = true;
                break;
            }
        }
    }
    // Acknowledgements already in the pipe when the child died count too.
    for line in lines {
        record(&line.expect("text"), &mut acked, &mut acked_count);
    }
    let status = child.wait().expect("child reaped");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr is text");
    assert!(
        killed && status.signal() == Some(9),
        "the child must die by SIGKILL, not {status:?}: {stderr}"
    );
    tally.kills += 1;
    match (point, open_op.as_deref()) {
        (KillPoint::Opening { .. }, _) => tally.killed_opening += 1,
        (_, Some("flush")) => tally.killed_in_flush += 1,
        (_, Some("compact")) => tally.killed_in_compaction += 1,
        _ => tally.killed_writing += 1,
    }
    acked
}

/// Reopens `dir` and checks every id in `acked`; returns false if the
/// store did not open (the directory is then abandoned).
fn check(dir: &Path, acked: &BTreeSet<u64>, rng: &mut ChaCha8Rng, tally: &mut Tally) -> bool {
    let store = match MemStore::open(dir, common::sync_options(200)) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("unreadable store {}: {e}", dir.display());
            tally.unreadable += 1;
            return false;
        }
    };
    let corpus = common::episodes(CHILD_CORPUS as usize);
    let ids = store.ids().expect("ids");
    assert_eq!(
        ids,
        (0..ids.len() as u64).collect::<Vec<_>>(),
        "recovered ids form a prefix, each once"
    );
    for &id in acked {
        match store.get(id).expect("get") {
            Some(episode) => {
                let expected = &corpus[(id % CHILD_CORPUS) as usize];
                assert_eq!(episode.content, expected.content, "episode {id}");
                assert_eq!(episode.timestamp_ms, expected.timestamp_ms, "episode {id}");
            }
            None => {
                eprintln!("acknowledged episode {id} lost; {:?}", store.recovery());
                tally.lost += 1;
            }
        }
    }
    // Searchable: a search for the episode's own embedding, restricted to
    // its timestamp, returns it among its copies (the child cycles
    // through the corpus, so id, id + 1000, … hold the same episode).
    let acked_list: Vec<u64> = acked.iter().copied().collect();
    let mut probes: Vec<u64> = (0..SEARCHED_PER_KILL.min(acked_list.len()))
        .map(|_| acked_list[rng.random_range(0..acked_list.len())])
        .collect();
    probes.extend(acked_list.last());
    for id in probes {
        let expected = &corpus[(id % CHILD_CORPUS) as usize];
        let copies = ids
            .iter()
            .filter(|&&j| j % CHILD_CORPUS == id % CHILD_CORPUS)
            .count();
        let options = SearchOptions {
            k: copies,
            filter: Filter {
                time_range: Some(expected.timestamp_ms..expected.timestamp_ms + 1),
                ..Filter::none()
            },
            ..SearchOptions::default()
        };
        let hits = store.search(&expected.embedding, &options).expect("search");
        tally.searched += 1;
        if !hits.hits.iter().any(|h| h.id == id) {
            eprintln!("acknowledged episode {id} not found by search");
            tally.not_found += 1;
        }
    }
    true
}

fn campaign(kills: usize) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(CAMPAIGN_SEED);
    let mut tally = Tally::default();
    while tally.kills < kills {
        let dir = tempfile::tempdir().unwrap();
        let mut acked = BTreeSet::new();
        for _ in 0..KILLS_PER_DIRECTORY.min(kills - tally.kills) {
            let point = KillPoint::draw(&mut rng);
            let seed = rng.random();
            for (start, end) in run_and_kill(dir.path(), seed, point, &mut tally) {
                tally.acknowledged += end - start;
                acked.extend(start..end);
            }
            if !check(dir.path(), &acked, &mut rng, &mut tally) {
                break;
            }
        }
    }
    tally
}

#[test]
fn sigkill_campaign_loses_no_acknowledged_episode() {
    let kills = std::env::var("MEMSTORE_CRASH_KILLS")
        .ok()
        .map(|n| n.parse().expect("MEMSTORE_CRASH_KILLS is a number"))
        .unwrap_or(DEFAULT_KILLS);
    let tally = campaign(kills);
    // The script greps this line for the README.
    println!(
        "crash campaign: {} kills ({} opening, {} writing, {} in flush, {} in compaction), {} acknowledged episodes, {} lost, {} unreadable stores, {} searches, {} not found",
        tally.kills,
        tally.killed_opening,
        tally.killed_writing,
        tally.killed_in_flush,
        tally.killed_in_compaction,
        tally.acknowledged,
        tally.lost,
        tally.unreadable,
        tally.searched,
        tally.not_found
    );
    assert_eq!(tally.kills, kills);
    assert_eq!(tally.lost, 0, "{tally:?}");
    assert_eq!(tally.unreadable, 0, "{tally:?}");
    assert_eq!(tally.not_found, 0, "{tally:?}");
    assert!(tally.acknowledged > 0, "{tally:?}");
    assert!(
        tally.killed_in_flush + tally.killed_in_compaction > 0,
        "some kills land in a flush or a compaction: {tally:?}"
    );
}

#[test]
fn a_second_open_of_a_locked_store_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemStore::open(dir.path(), common::sync_options(200)).unwrap();
    // Another process: the campaign child must exit at once with the
    // error, never open the store (it would then write forever).
    let mut child = Command::new(env!("CARGO_BIN_EXE_memstore-crash-child"))
        .arg(dir.path())
        .arg("campaign")
        .arg("1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    let first_line = BufReader::new(child.stdout.take().expect("piped stdout"))
        .lines()
        .next();
    if first_line.is_some() {
        child.kill().expect("child killed");
        child.wait().expect("child reaped");
        panic!("a second process opened the locked store: {first_line:?}");
    }
    let status = child.wait().expect("child reaped");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr is text");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "store directory {} is already open in another process",
            dir.path().display()
        )) && stderr.contains("close that process first"),
        "{stderr}"
    );
    // The same process, a second handle: refused too.
    let error = MemStore::open(dir.path(), common::sync_options(200)).unwrap_err();
    assert!(matches!(error, MemError::Locked { .. }), "{error}");
    // Closing releases the lock; so does a killed process (the campaign).
    drop(store);
    MemStore::open(dir.path(), common::sync_options(200)).expect("unlocked after close");
}
