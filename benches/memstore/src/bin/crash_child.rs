//! Child process of the crash-recovery tests: stores corpus episodes, printing `ACK <id>` for each acknowledged one, until it is killed or a fail point aborts it.
//!
//! Usage: `memstore-crash-child <dir> <kill|abort-before-rename|abort-after-install>`
//! or `memstore-crash-child <dir> campaign <seed>`.
//! `kill` stores forever with background flushes (the parent kills it);
//! the abort modes flush synchronously and abort at the first flush.
//! `campaign` (the SIGKILL campaign, `tests/crash_campaign.rs`) runs a
//! seeded mix of `store`, `batch_store`, `flush` and `compact_all` forever
//! on whatever the directory holds, printing `ACK <start> <end>` (a
//! half-open id range) after each write returns and `BEGIN <op>` /
//! `END <op>` around each flush and compaction.

use std::io::Write;
use std::process::ExitCode;

use memstore::workload::embedded_episodes;
use memstore::{Durability, Embedder, FailPoint, FlushMode, MemStore, StoreOptions, TokenSource};

/// Distinct corpus episodes the child cycles through.
pub const CORPUS: usize = 1000;

/// Memtable size of the child's store: several flushes within the
/// first couple of thousand writes.
const MEMTABLE_ITEMS: usize = 400;

fn run(dir: &str, mode: &str) -> Result<(), String> {
    let (flush_mode, durability, fail_point) = match mode {
        "kill" => (
            FlushMode::Background,
            Durability::OsBuffered,
            FailPoint::None,
        ),
        "abort-before-rename" => (
            FlushMode::Sync,
            Durability::Fsync,
            FailPoint::AbortBeforeSegmentRename,
        ),
        "abort-after-install" => (
            FlushMode::Sync,
            Durability::Fsync,
            FailPoint::AbortAfterSegmentInstall,
        ),
        other => return Err(format!("unknown mode {other:?}")),
    };
    let options = StoreOptions {
        memtable_items: MEMTABLE_ITEMS,
        flush_mode,
        durability,
        fail_point,
        compaction_trigger: 3,
        ..StoreOptions::default()
    };
    let embedder = Embedder::new(TokenSource::Words).map_err(|e| e.to_string())?;
    let episodes = embedded_episodes(&embedder, CORPUS).map_err(|e| e.to_string())?;
    let store = MemStore::open(dir, options).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    for episode in episodes.iter().cycle() {
        let id = store.store(episode.clone()).map_err(|e| e.to_string())?;
        // Printed only after `store` returned: every printed id was
        // acknowledged.
        writeln!(out, "ACK {id}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Memtable size of the campaign's store: a background flush every 200
/// episodes, so a kill often lands while one is in flight.
const CAMPAIGN_MEMTABLE_ITEMS: usize = 200;

/// Largest `batch_store` call of the campaign.
const CAMPAIGN_MAX_BATCH: usize = 40;

/// The campaign child: a seeded random mix of writes, flushes and
/// compactions, continuing the store a killed predecessor left. Episode
/// `id` is always corpus episode `id % CORPUS`, so the parent knows what
/// every acknowledged id must hold.
fn campaign(dir: &str, seed: u64) -> Result<(), String> {
    use rand::{Rng, SeedableRng};
    let options = StoreOptions {
        memtable_items: CAMPAIGN_MEMTABLE_ITEMS,
        flush_mode: FlushMode::Background,
        // Survives the process being killed (the page cache survives):
        // exactly what SIGKILL tests.
        durability: Durability::OsBuffered,
        compaction_trigger: 3,
        ..StoreOptions::default()
    };
    let embedder = Embedder::new(TokenSource::Words).map_err(|e| e.to_string())?;
    let episodes = embedded_episodes(&embedder, CORPUS).map_err(|e| e.to_string())?;
    let store = MemStore::open(dir, options).map_err(|e| e.to_string())?;
    // Ids form a prefix (what survives a crash is a prefix of the log).
    let mut next = store.ids().map_err(|e| e.to_string())?.len() as u64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = std::io::stdout().lock();
    let mut say = |line: String| {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())
    };
    say("OPEN".into())?;
    let episode = |id: u64| episodes[(id % CORPUS as u64) as usize].clone();
    loop {
        match rng.random_range(0..100u32) {
            0..55 => {
                let id = store.store(episode(next)).map_err(|e| e.to_string())?;
                if id != next {
                    return Err(format!("store returned id {id}, expected {next}"));
                }
                next += 1;
                say(format!("ACK {id} {next}"))?;
            }
            55..88 => {
                let len = rng.random_range(1..=CAMPAIGN_MAX_BATCH) as u64;
                let batch = (next..next + len).map(episode).collect();
                let ids = store.batch_store(batch).map_err(|e| e.to_string())?;
                if ids != (next..next + len) {
                    return Err(format!(
                        "batch_store returned {ids:?}, expected {next}..{}",
                        next + len
                    ));
                }
                next += len;
                say(format!("ACK {} {}", ids.start, ids.end))?;
            }
            88..95 => {
                say("BEGIN flush".into())?;
                store.flush().map_err(|e| e.to_string())?;
                say("END flush".into())?;
            }
            _ => {
                say("BEGIN compact".into())?;
                store.compact_all().map_err(|e| e.to_string())?;
                say("END compact".into())?;
            }
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [dir, mode, seed] = args.as_slice() {
        if mode != "campaign" {
            eprintln!("memstore-crash-child: unknown mode {mode:?} with a seed");
            return ExitCode::from(2);
        }
        let result = seed
            .parse::<u64>()
            .map_err(|e| format!("seed {seed:?}: {e}"))
            .and_then(|seed| campaign(dir, seed));
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("memstore-crash-child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let [dir, mode] = args.as_slice() else {
        eprintln!(
            "usage: memstore-crash-child <dir> <kill|abort-before-rename|abort-after-install> | <dir> campaign <seed>"
        );
        return ExitCode::from(2);
    };
    match run(dir, mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memstore-crash-child: {e}");
            ExitCode::FAILURE
        }
    }
}
