//! The write-ahead log: length- and CRC-32-framed records, one per `store` / `batch_store` call, appended before the write is acknowledged.
//!
//! A record is `[payload length: u32 LE][CRC-32 of payload: u32 LE][payload]`
//! and its payload is `[episode count: u32 LE][episodes]` (see
//! [`Episode::encode`]). The whole frame goes to the kernel in one
//! `write(2)` from an unbuffered file, so once `append` returns the record
//! is in the page cache and survives the process being killed at any
//! later point; with [`Durability::Fsync`] it is also on the device before
//! `append` returns.
//!
//! The log is a sequence of files `wal-<id>.log`. The store starts a new
//! one whenever it freezes a memtable, and deletes a file once every
//! record in it is in a durable segment. Replay stops at the first frame
//! that is incomplete or fails its checksum: only the last frame of the
//! last file can be torn by a crash, and that write was never
//! acknowledged.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::episode::{Episode, Reader};
use crate::error::MemError;

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
    path: PathBuf,
    id: u64,
    durability: Durability,
    /// Reused frame buffer.
    frame: Vec<u8>,
}

impl WalWriter {
    /// Creates log file `id` in `dir`; it must not exist.
    pub(crate) fn create(dir: &Path, id: u64, durability: Durability) -> Result<Self, MemError> {
        let path = wal_path(dir, id);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| MemError::io(&path, e))?;
        if durability == Durability::Fsync {
            sync_dir(dir)?;
        }
        Ok(Self {
            file,
            path,
            id,
            durability,
            frame: Vec::new(),
        })
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
        self.file
            .write_all(&self.frame)
            .map_err(|e| MemError::io(&self.path, e))?;
        if self.durability == Durability::Fsync {
            self.file
                .sync_data()
                .map_err(|e| MemError::io(&self.path, e))?;
        }
        Ok(())
    }
}

/// What replaying one log file found.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    pub(crate) episodes: Vec<Episode>,
    pub(crate) records: usize,
    /// Bytes after the last good record (a torn tail).
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
        if len > MAX_RECORD_BYTES {
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
    out.torn_bytes = (bytes.len() - pos) as u64;
    Ok(out)
}
