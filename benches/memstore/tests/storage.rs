//! Storage behaviour: compaction keeps every episode, background and sync flushing agree, torn log tails are dropped, bad options and episodes are refused.

mod common;

use std::io::{Seek, Write};

use memstore::{FlushMode, MemStore, SearchMethod, SearchOptions, StoreOptions};

fn store_in_batches(store: &MemStore, episodes: Vec<memstore::NewEpisode>, batch: usize) {
    let mut it = episodes.into_iter();
    loop {
        let chunk: Vec<_> = it.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        store.batch_store(chunk).unwrap();
    }
}

#[test]
fn compaction_keeps_every_episode_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemStore::open(dir.path(), common::sync_options(300)).unwrap();
    let episodes = common::episodes(1650);
    store_in_batches(&store, episodes.clone(), 50);
    let before = store.stats().unwrap();
    assert_eq!((before.segments, before.memtable_items), (5, 150));
    let ids_before = store.ids().unwrap();

    assert!(store.compact_all().unwrap());
    let after = store.stats().unwrap();
    assert_eq!(after.segments, 1);
    assert_eq!(after.compactions, 1);
    assert_eq!(store.ids().unwrap(), ids_before);
    for (id, expected) in episodes.iter().enumerate() {
        let got = store.get(id as u64).unwrap().expect("kept");
        assert_eq!(got.content, expected.content);
        assert_eq!(got.kappa, expected.kappa);
    }
    // Only the merged segment and the live log remain on disk.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".seg")).count(),
        1,
        "{names:?}"
    );

    // The merged graph still finds the exact neighbours.
    let queries = common::queries(30);
    let r = memstore::workload::recall(&store, &queries, &SearchOptions::default()).unwrap();
    assert!(r >= 0.95, "recall after compaction {r}");
    drop(store);
    let reopened = MemStore::open(dir.path(), common::sync_options(300)).unwrap();
    assert_eq!(reopened.ids().unwrap(), ids_before);
    assert_eq!(reopened.stats().unwrap().segments, 1);
    assert_eq!(reopened.recovery().episodes_replayed, 150);
}

#[test]
fn automatic_compaction_merges_small_segments() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        compaction_trigger: 3,
        ..common::sync_options(200)
    };
    let store = MemStore::open(dir.path(), options).unwrap();
    store_in_batches(&store, common::episodes(1400), 100);
    let stats = store.stats().unwrap();
    assert!(stats.compactions >= 2, "{stats:?}");
    assert!(stats.segments < 3, "{stats:?}");
    assert_eq!(store.ids().unwrap(), (0..1400).collect::<Vec<_>>());
}

#[test]
fn background_flushing_gives_the_same_answers_as_sync_flushing() {
    let episodes = common::episodes(1200);
    let queries = common::queries(10);
    let mut answers = Vec::new();
    for mode in [FlushMode::Sync, FlushMode::Background] {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            flush_mode: mode,
            ..common::sync_options(250)
        };
        let store = MemStore::open(dir.path(), options).unwrap();
        for e in &episodes {
            store.store(e.clone()).unwrap();
        }
        store.flush().unwrap();
        let stats = store.stats().unwrap();
        assert_eq!(
            (stats.episodes, stats.memtable_items, stats.frozen_memtables),
            (1200, 0, 0)
        );
        assert!(stats.bytes_on_disk > 1200 * memstore::DIM as u64 * 4);
        let exact = SearchOptions {
            method: SearchMethod::Exact,
            ..SearchOptions::default()
        };
        let ids: Vec<Vec<u64>> = queries
            .iter()
            .map(|q| {
                store
                    .search(q, &exact)
                    .unwrap()
                    .hits
                    .iter()
                    .map(|h| h.id)
                    .collect()
            })
            .collect();
        answers.push(ids);
        drop(store);
        // The background flusher's preallocated spare log holds no
        // record and goes with the store; the logs left replay cleanly.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
        let reopened = MemStore::open(dir.path(), common::sync_options(250)).unwrap();
        assert_eq!(reopened.ids().unwrap().len(), 1200);
        assert_eq!(reopened.recovery().torn_bytes, 0);
    }
    assert_eq!(answers[0], answers[1]);
}

#[test]
fn a_torn_log_tail_is_dropped_and_earlier_records_survive() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = MemStore::open(dir.path(), common::sync_options(1000)).unwrap();
        store_in_batches(&store, common::episodes(30), 10);
    }
    // Log files are preallocated with zeros: the one holding records
    // starts with a non-zero frame length.
    let (log, bytes) = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .find(|(_, bytes)| bytes.len() >= 4 && bytes[..4] != [0; 4])
        .expect("a log holding records");
    // The end of the three records: each frame is an 8-byte header (the
    // payload length first) and its payload.
    let mut end = 0;
    for _ in 0..3 {
        let len = u32::from_le_bytes(bytes[end..end + 4].try_into().unwrap()) as usize;
        end += 8 + len;
    }
    assert_eq!(bytes[end..end + 4], [0; 4], "three records, then zeros");
    // Half a frame header and some garbage where the next record would
    // have gone: what a crash mid-write leaves.
    let mut file = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    file.seek(std::io::SeekFrom::Start(end as u64)).unwrap();
    file.write_all(&[0xFF, 0x00, 0x00, 0x10, 0xAB]).unwrap();
    drop(file);
    let store = MemStore::open(dir.path(), common::sync_options(1000)).unwrap();
    assert_eq!(store.recovery().torn_bytes, 5);
    assert_eq!(store.ids().unwrap(), (0..30).collect::<Vec<_>>());
}

#[test]
fn a_corrupt_segment_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = MemStore::open(dir.path(), common::sync_options(20)).unwrap();
        store_in_batches(&store, common::episodes(20), 20);
        assert_eq!(store.stats().unwrap().segments, 1);
    }
    let seg = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .unwrap();
    let mut bytes = std::fs::read(&seg).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5A;
    std::fs::write(&seg, bytes).unwrap();
    let err = MemStore::open(dir.path(), common::sync_options(20)).unwrap_err();
    assert!(matches!(err, memstore::MemError::Corrupt { .. }), "{err}");
}

#[test]
fn invalid_options_and_episodes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = StoreOptions {
        memtable_items: 0,
        ..StoreOptions::default()
    };
    assert!(MemStore::open(dir.path(), bad).is_err());
    let store = MemStore::open(dir.path(), common::sync_options(10)).unwrap();
    let mut e = common::episodes(1).remove(0);
    e.kappa = -0.1;
    assert!(store.store(e).is_err());
    assert!(
        store.ids().unwrap().is_empty(),
        "nothing written for a refused episode"
    );
}
