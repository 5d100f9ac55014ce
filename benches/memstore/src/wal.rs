//! The write-ahead log: length- and CRC-32-framed records, one per `store` / `batch_store` call, appended before the write is acknowledged.
//!
//! A record is `[payload length: u32 LE][CRC-32 of payload: u32 LE][payload]`
//! and its payload is `[episode count: u32 LE][episodes]` (see
//! [`Episode::encode`]). The whole frame is copied into the log file's
//! shared memory mapping (or, past the preallocated part, handed to the
//! kernel in one `write(2)`), so once `append` returns the record is in the
//! page cache and survives the process being killed at any later point;
//! with [`Durability::Fsync`] it is also on the device before `append`
//! returns.
//!
//! The log is a sequence of files `wal-<id>.log`. The store starts a new
//! one whenever it freezes a memtable, and deletes a file once every
//! record in it is in a durable segment. Replay stops at the first frame
//! that is incomplete or fails its checksum: only the last frame of the
//! last file can be torn by a crash, and that write was never
//! acknowledged.
//!
//! Log files are preallocated: written full of zeros before the first
//! record (by the background flusher, ahead of time, where there is one),
//! then overwritten from the start. Appending to a fresh file makes the
//! kernel allocate a page-cache page in every write that crosses a 4 KiB
//! boundary — four writes in ten at 1.7 KiB per episode — and those writes
//! took about three times as long as the others (measured: append p50
//! 0.9 µs, p75 3.2 µs; overwriting zeros 2.3 µs at p50 and p75 alike), which
//! made the store's p99 a multiple of its p50. RocksDB recycles log files
//! for the same reason. Replay reads a zero frame header as the end of
//! the records, so the unused zero tail is neither data nor a torn write.
//!
//! The preallocated part is then mapped and its pages faulted in writable
//! by the same thread ([`MappedLog`]), so a record costs a copy: even
//! overwriting zeros, a `write(2)` spent 2.3 µs in the kernel, about
//! three quarters of a store, and its slow tail was the store's p99.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::episode::{Episode, Reader};
use crate::error::MemError;
use crate::mapped_log::MappedLog;

/// When an appended record is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Durability {
    /// `fdatasync` after every record (and `fsync` of the directory when a
    /// log file is created): an acknowledged write survives power loss
    /// and kernel crashes. Costs a device flush per write.
    Fsync,
    /// The record is handed to the kernel before the write is
    /// acknowledged, but not flushed to the device: an acknowledged write
    /// survives the process crashing or being killed, not a power loss.
    /// RocksDB's and LevelDB's default (`sync = false`).
    OsBuffered,
}

/// Bytes of a frame header: length and checksum.
const FRAME_HEADER: usize = 8;

/// Prefix of the log files the flusher prepares ahead of the next freeze
/// (`wal-spare-<seq>.tmp`). A spare never holds a record (the freeze
/// renames it to `wal-<id>.log` before the first write), so opening a
/// store deletes leftover ones.
///
/// Each spare has a name of its own: with one shared name, the flusher
/// preparing the next spare deleted (or replaced) the file a freeze had
/// just taken but not yet renamed, and the freeze failed with "No such
/// file" — or renamed the new file while writing to the unlinked old
/// one. The SIGKILL campaign hit the first case.
const SPARE_WAL_PREFIX: &str = "wal-spare";

/// The path of spare log `seq` in `dir`.
pub(crate) fn spare_wal_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{SPARE_WAL_PREFIX}-{seq:016}.tmp"))
}

/// Whether a file name is a spare log's (including the single
/// `wal-spare.tmp` of stores written before spares were numbered).
pub(crate) fn is_spare_wal_name(name: &str) -> bool {
    name.starts_with(SPARE_WAL_PREFIX) && name.ends_with(".tmp")
}

/// Zeros written per call while preallocating.
const ZERO_CHUNK: usize = 64 * 1024;

/// Largest payload accepted on replay: a length above it can only come
/// from a torn or corrupt header, and refusing it keeps replay from
/// allocating garbage-sized buffers.
const MAX_RECORD_BYTES: usize = 1 << 30;

pub(crate) fn wal_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("wal-{id:016}.log"))
}

/// The id of a log file name, if it is one.
pub(crate) fn parse_wal_name(name: &str) -> Option<u64> {
    name.strip_prefix("wal-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

/// Fsyncs a directory so that files created or renamed in it stay.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), MemError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| MemError::io(dir, e))
}

/// The log file being appended to.
#[derive(Debug)]
pub(crate) struct WalWriter {
    file: File,
    /// The preallocated part of `file` (none when nothing was
    /// preallocated).
    mapped: Option<MappedLog>,
    path: PathBuf,
    id: u64,
    durability: Durability,
    /// Where the next record starts.
    end: usize,
    /// Reused frame buffer.
    frame: Vec<u8>,
}

impl WalWriter {
    /// Creates log file `id` in `dir` (it must not exist), preallocated
    /// with `preallocate` bytes of zeros.
    pub(crate) fn create(
        dir: &Path,
        id: u64,
        durability: Durability,
        preallocate: usize,
    ) -> Result<Self, MemError> {
        let path = wal_path(dir, id);
        let (file, mapped) = preallocated_file(&path, durability, preallocate)?;
        if durability == Durability::Fsync {
            sync_dir(dir)?;
        }
        Ok(Self::over(file, mapped, path, id, durability))
    }

    /// Turns a spare file prepared by [`SpareWal::prepare`] into log file
    /// `id`: a rename, so the zeros are not written in the freeze.
    pub(crate) fn install(
        spare: SpareWal,
        dir: &Path,
        id: u64,
        durability: Durability,
    ) -> Result<Self, MemError> {
        let path = wal_path(dir, id);
        fs::rename(&spare.path, &path).map_err(|e| MemError::io(&path, e))?;
        if durability == Durability::Fsync {
            sync_dir(dir)?;
        }
        Ok(Self::over(spare.file, spare.mapped, path, id, durability))
    }

    fn over(
        file: File,
        mapped: Option<MappedLog>,
        path: PathBuf,
        id: u64,
        durability: Durability,
    ) -> Self {
        Self {
            file,
            mapped,
            path,
            id,
            durability,
            end: 0,
            frame: Vec::new(),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Appends one record holding `episodes`; when this returns, the
    /// record is as durable as the policy promises.
    pub(crate) fn append(&mut self, episodes: &[Episode]) -> Result<(), MemError> {
        self.frame.clear();
        self.frame.extend_from_slice(&[0u8; FRAME_HEADER]);
        self.frame
            .extend_from_slice(&(episodes.len() as u32).to_le_bytes());
        for episode in episodes {
            episode.encode(&mut self.frame);
        }
        let payload_len = self.frame.len() - FRAME_HEADER;
        if payload_len > MAX_RECORD_BYTES {
            return Err(MemError::InvalidEpisode(format!(
                "a batch of {payload_len} bytes exceeds the log's {MAX_RECORD_BYTES}-byte record limit"
            )));
        }
        let crc = crc32fast::hash(&self.frame[FRAME_HEADER..]);
        self.frame[..4].copy_from_slice(&(payload_len as u32).to_le_bytes());
        self.frame[4..FRAME_HEADER].copy_from_slice(&crc.to_le_bytes());
        let io = |e| MemError::io(&self.path, e);
        let start = self.end;
        let len = self.frame.len();
        match &mut self.mapped {
            Some(mapped) if start + len <= mapped.len() => {
                mapped.write_at(start, &self.frame);
                if self.durability == Durability::Fsync {
                    mapped.sync(start, len).map_err(io)?;
                }
            }
            _ => {
                self.file
                    .seek(SeekFrom::Start(start as u64))
                    .and_then(|_| self.file.write_all(&self.frame))
                    .map_err(io)?;
                if self.durability == Durability::Fsync {
                    self.file.sync_data().map_err(io)?;
                }
            }
        }
        self.end = start + len;
        Ok(())
    }
}

/// A preallocated log file waiting under [`spare_wal_path`] for the next
/// freeze.
#[derive(Debug)]
pub(crate) struct SpareWal {
    file: File,
    mapped: Option<MappedLog>,
    path: PathBuf,
}

impl SpareWal {
    /// Writes spare file `seq` of `dir` (it must not exist: `seq` is new
    /// in this open store, and opening deleted every older spare) with
    /// `bytes` zeros.
    pub(crate) fn prepare(
        dir: &Path,
        seq: u64,
        durability: Durability,
        bytes: usize,
    ) -> Result<Self, MemError> {
        let path = spare_wal_path(dir, seq);
        let (file, mapped) = preallocated_file(&path, durability, bytes)?;
        Ok(Self { file, mapped, path })
    }

    /// Deletes the file (a store closing with a spare unused).
    pub(crate) fn discard(self) -> Result<(), MemError> {
        drop(self.mapped);
        drop(self.file);
        fs::remove_file(&self.path).map_err(|e| MemError::io(&self.path, e))
    }
}

/// Creates `path` (it must not exist) holding `bytes` zeros, and maps
/// them. Under [`Durability::Fsync`] the zeros are synced here, so a
/// record's sync later flushes that record's pages only.
fn preallocated_file(
    path: &Path,
    durability: Durability,
    bytes: usize,
) -> Result<(File, Option<MappedLog>), MemError> {
    let io = |e| MemError::io(path, e);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    let zeros = vec![0u8; ZERO_CHUNK.min(bytes)];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(zeros.len());
        file.write_all(&zeros[..n]).map_err(io)?;
        left -= n;
    }
    if bytes == 0 {
        return Ok((file, None));
    }
    if durability == Durability::Fsync {
        file.sync_data().map_err(io)?;
    }
    let mapped = MappedLog::new(&file, bytes).map_err(io)?;
    Ok((file, Some(mapped)))
}

/// What replaying one log file found.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    pub(crate) episodes: Vec<Episode>,
    pub(crate) records: usize,
    /// Bytes after the last good record up to the last non-zero byte: a
    /// torn tail (the preallocated zeros after it are not counted).
    pub(crate) torn_bytes: u64,
}

/// Reads every intact record of the log file at `path`.
pub(crate) fn replay(path: &Path) -> Result<Replayed, MemError> {
    let bytes = fs::read(path).map_err(|e| MemError::io(path, e))?;
    let mut out = Replayed::default();
    let mut pos = 0usize;
    while let Some(header) = bytes.get(pos..pos + FRAME_HEADER) {
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        // Every payload holds at least its episode count, so a zero
        // length is the preallocated tail (or a torn header).
        if len == 0 || len > MAX_RECORD_BYTES {
            break;
        }
        let Some(payload) = bytes.get(pos + FRAME_HEADER..pos + FRAME_HEADER + len) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        let mut reader = Reader::new(payload);
        let decoded = reader.u32().and_then(|n| {
            (0..n)
                .map(|_| Episode::decode(&mut reader))
                .collect::<Result<Vec<_>, _>>()
        });
        match decoded {
            Ok(episodes) if reader.is_empty() => out.episodes.extend(episodes),
            // A record whose checksum matches but does not decode was
            // written by a different format: not a torn tail.
            Ok(_) => {
                return Err(MemError::corrupt(path, "log record", "trailing bytes"));
            }
            Err(detail) => return Err(MemError::corrupt(path, "log record", detail)),
        }
        out.records += 1;
        pos += FRAME_HEADER + len;
    }
    // Zeros at the end are the unused preallocation, not a torn write.
    out.torn_bytes = bytes[pos..]
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last as u64 + 1);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::episode::NewEpisode;
    use crate::vector::DIM;

    fn episode(id: u64) -> Episode {
        NewEpisode {
            content: format!("episode {id}"),
            embedding: (0..DIM).map(|i| (i as f32 + id as f32).sin()).collect(),
            timestamp_ms: 1_700_000_000_000 + id as i64,
            session_id: "s".into(),
            kappa: 0.5,
        }
        .into_episode(id)
        .unwrap()
    }

    #[test]
    fn records_over_a_preallocated_log_replay_whole_with_no_torn_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = WalWriter::create(dir.path(), 1, Durability::OsBuffered, 64 * 1024).unwrap();
        for id in 0..3 {
            wal.append(&[episode(id)]).unwrap();
        }
        drop(wal);
        let path = wal_path(dir.path(), 1);
        assert_eq!(fs::metadata(&path).unwrap().len(), 64 * 1024);
        let replayed = replay(&path).unwrap();
        assert_eq!(replayed.records, 3);
        assert_eq!(replayed.torn_bytes, 0);
        assert_eq!(replayed.episodes, (0..3).map(episode).collect::<Vec<_>>());
    }

    #[test]
    fn records_past_the_preallocation_extend_the_file() {
        // About 1.6 KiB per record: two fit the mapped 4 KiB, the third
        // straddles its end and goes through `write(2)` like the fourth.
        for durability in [Durability::Fsync, Durability::OsBuffered] {
            let dir = tempfile::tempdir().unwrap();
            let mut wal = WalWriter::create(dir.path(), 1, durability, 4096).unwrap();
            for id in 0..4 {
                wal.append(&[episode(id)]).unwrap();
            }
            drop(wal);
            let path = wal_path(dir.path(), 1);
            let replayed = replay(&path).unwrap();
            assert_eq!(replayed.records, 4, "{durability:?}");
            assert_eq!(replayed.torn_bytes, 0, "{durability:?}");
            assert_eq!(replayed.episodes, (0..4).map(episode).collect::<Vec<_>>());
            assert!(fs::metadata(&path).unwrap().len() > 4096);
        }
    }

    #[test]
    fn a_log_with_no_preallocation_is_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = WalWriter::create(dir.path(), 1, Durability::OsBuffered, 0).unwrap();
        for id in 0..2 {
            wal.append(&[episode(id)]).unwrap();
        }
        drop(wal);
        let replayed = replay(&wal_path(dir.path(), 1)).unwrap();
        assert_eq!(replayed.episodes, (0..2).map(episode).collect::<Vec<_>>());
    }

    #[test]
    fn a_spare_log_becomes_the_next_log_or_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let spare = SpareWal::prepare(dir.path(), 1, Durability::OsBuffered, 8192).unwrap();
        assert!(spare_wal_path(dir.path(), 1).exists());
        let mut wal = WalWriter::install(spare, dir.path(), 5, Durability::OsBuffered).unwrap();
        wal.append(&[episode(9)]).unwrap();
        drop(wal);
        assert!(!spare_wal_path(dir.path(), 1).exists());
        let replayed = replay(&wal_path(dir.path(), 5)).unwrap();
        assert_eq!(replayed.episodes, vec![episode(9)]);

        let unused = SpareWal::prepare(dir.path(), 2, Durability::OsBuffered, 8192).unwrap();
        unused.discard().unwrap();
        assert!(!spare_wal_path(dir.path(), 2).exists());
    }

    /// The order the SIGKILL campaign hit: a freeze takes the spare, the
    /// flusher prepares the next one, and only then does the freeze
    /// rename the one it took. Every record must land in the installed
    /// log.
    #[test]
    fn preparing_the_next_spare_leaves_a_taken_one_installable() {
        let dir = tempfile::tempdir().unwrap();
        let taken = SpareWal::prepare(dir.path(), 1, Durability::OsBuffered, 8192).unwrap();
        let next = SpareWal::prepare(dir.path(), 2, Durability::OsBuffered, 8192).unwrap();
        for (spare, log, id) in [(taken, 6, 3), (next, 7, 4)] {
            let mut wal =
                WalWriter::install(spare, dir.path(), log, Durability::OsBuffered).unwrap();
            wal.append(&[episode(id)]).unwrap();
            drop(wal);
            assert_eq!(
                replay(&wal_path(dir.path(), log)).unwrap().episodes,
                vec![episode(id)]
            );
        }
    }

    #[test]
    fn spare_names_are_recognised_old_and_new() {
        assert!(is_spare_wal_name("wal-spare.tmp"));
        assert!(is_spare_wal_name("wal-spare-0000000000000003.tmp"));
        assert!(!is_spare_wal_name("wal-0000000000000003.log"));
    }
}
