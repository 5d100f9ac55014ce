//! Child process of the crash-recovery tests: stores corpus episodes, printing `ACK <id>` for each acknowledged one, until it is killed or a fail point aborts it.
//!
//! Usage: `memstore-crash-child <dir> <kill|abort-before-rename|abort-after-install>`.
//! `kill` stores forever with background flushes (the parent kills it);
//! the abort modes flush synchronously and abort at the first flush.

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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, mode] = args.as_slice() else {
        eprintln!(
            "usage: memstore-crash-child <dir> <kill|abort-before-rename|abort-after-install>"
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
