//! [`MemStore`]: the store itself — writes through the log into a memtable, flushes to segments (in the writer or in a background thread), compacts, recovers and searches.

use std::collections::{BTreeSet, VecDeque};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::columns::{Columns, Filter, Hit, merge_hits};
use crate::episode::{Episode, EpisodeId, NewEpisode};
use crate::error::MemError;
use crate::hnsw::HnswParams;
use crate::profile::QueryProfile;
use crate::segment::{Segment, is_temp_segment, parse_segment_name, segment_path};
use crate::vector::{DIM, normalize};
use crate::wal::{
    Durability, SpareWal, WalWriter, is_spare_wal_name, parse_wal_name, replay, wal_path,
};

/// Where a full memtable is turned into a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlushMode {
    /// In the writer's own `store` call: that call waits for the graph
    /// build and the file write (the runbook's "MemTable flush causes tail
    /// latencies").
    Sync,
    /// In a background thread: the writer only swaps in an empty memtable
    /// and a new log file. Writers stall only when
    /// [`StoreOptions::max_frozen_memtables`] full memtables are waiting.
    Background,
}

/// A point at which the store aborts the process on purpose, so that tests
/// can check recovery from a crash there. Always [`FailPoint::None`]
/// outside crash tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailPoint {
    #[default]
    None,
    /// During a flush, after the segment is written to its temporary file
    /// but before it is renamed into place.
    AbortBeforeSegmentRename,
    /// During a flush, after the segment is in place but before the log
    /// files it covers are deleted, so recovery sees both.
    AbortAfterSegmentInstall,
}

/// How a search finds neighbours in segments (memtables are always
/// scanned exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchMethod {
    /// Each segment's HNSW graph.
    Hnsw,
    /// A scan of every row: the exact answer, and the baseline recall and
    /// speed are measured against.
    Exact,
}

/// Options of a [`MemStore`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// Episodes in the memtable that trigger a flush. 1000 is the runbook's
    /// `T4DM_FLUSH_THRESHOLD` before its tuning advice halves it.
    pub memtable_items: usize,
    pub flush_mode: FlushMode,
    /// Full memtables allowed to wait for the background flusher before
    /// writers stall. Four bounds the unflushed data (and the exact scans
    /// every search does over it) at a few thousand episodes.
    pub max_frozen_memtables: usize,
    pub durability: Durability,
    pub hnsw: HnswParams,
    /// Merge segments once there are this many (0: never automatically).
    /// Eight keeps the per-search cost of visiting many small graphs
    /// bounded while compacting rarely.
    pub compaction_trigger: usize,
    pub fail_point: FailPoint,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            memtable_items: 1000,
            flush_mode: FlushMode::Background,
            max_frozen_memtables: 4,
            durability: Durability::Fsync,
            hnsw: HnswParams::default(),
            compaction_trigger: 8,
            fail_point: FailPoint::None,
        }
    }
}

/// One k-NN query's options.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Results wanted.
    pub k: usize,
    /// Candidate list width of the graph search: larger is slower and more
    /// accurate. On the corpus at 100 000 episodes recall@10 measured
    /// 0.923 at 64, 0.953 at 96, 0.965 at 112 and 0.970 at 128; 112 is
    /// the narrowest list that clears the runbook's 0.95 with a margin,
    /// at about 24× the exact scan's queries/s (README).
    pub ef: usize,
    pub method: SearchMethod,
    pub filter: Filter,
    /// A segment is scanned instead of walked when at most this many of
    /// its rows are estimated to pass the filter (Weaviate's
    /// `flatSearchCutoff`, Qdrant's `full_scan_threshold`). 4096: at 25 %
    /// passing, a filtered walk of a 9 500-node graph measured slower than
    /// scanning its ~2 400 passing rows, and a walk of a 99 500-node graph
    /// faster than scanning ~25 000. 0 always walks the graph.
    pub flat_search_cutoff: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            k: 10,
            ef: 112,
            method: SearchMethod::Hnsw,
            filter: Filter::none(),
            flat_search_cutoff: 4096,
        }
    }
}

/// Hits of one search, best first, and what the search did.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub hits: Vec<Hit>,
    pub profile: QueryProfile,
}

/// What reopening a store found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub segments_loaded: usize,
    /// Segments deleted because a compacted segment replaces them.
    pub segments_superseded: usize,
    /// Half-written segment files deleted.
    pub temp_files_removed: usize,
    /// Log files deleted because segments already hold their records.
    pub wal_files_covered: usize,
    pub wal_files_replayed: usize,
    pub episodes_replayed: usize,
    /// Bytes of torn (never acknowledged) records at log tails.
    pub torn_bytes: u64,
}

/// Sizes of the store right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub episodes: usize,
    pub memtable_items: usize,
    pub frozen_memtables: usize,
    pub segments: usize,
    /// Bytes of segment and log files.
    pub bytes_on_disk: u64,
    pub flushes: u64,
    pub compactions: u64,
}

#[derive(Debug)]
struct Memtable {
    columns: Columns,
    /// Every record of this memtable is in a log file with an id up to
    /// this one (set when it is frozen).
    wal_upto: u64,
}

#[derive(Debug)]
struct State {
    active: Memtable,
    /// Full memtables awaiting flush, oldest first. Flushes finish in this
    /// order, which is what makes "every log file up to `wal_upto`" true.
    frozen: VecDeque<Arc<Memtable>>,
    segments: Vec<Arc<Segment>>,
    next_segment_id: u64,
    flushes: u64,
    compactions: u64,
}

#[derive(Debug)]
struct Writer {
    wal: WalWriter,
    next_id: EpisodeId,
}

#[derive(Debug, Default)]
struct Background {
    shutdown: bool,
    /// Set when the flusher failed; writes are refused from then on.
    error: Option<String>,
    /// The flusher is between taking a memtable and installing its segment.
    busy: bool,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    /// The directory's lock file, locked exclusively for as long as the
    /// store is open (the kernel releases it when the process dies, even
    /// by SIGKILL, so a crash never leaves a stale lock).
    _dir_lock: fs::File,
    options: StoreOptions,
    state: RwLock<State>,
    writer: Mutex<Writer>,
    /// Serialises flushes and compactions (flusher thread, sync writers,
    /// explicit calls), keeping segment installs in memtable order.
    maintenance: Mutex<()>,
    background: Mutex<Background>,
    /// Wakes the flusher (new frozen memtable, shutdown).
    work: Condvar,
    /// Wakes stalled writers and `flush` callers (a flush finished).
    progress: Condvar,
    /// Memtable columns ready for the next freeze: those of flushed
    /// memtables, cleared, and (background mode) new ones the flusher
    /// thread has written through once. Either way their pages are
    /// mapped, so the writes after a freeze take no page faults (which
    /// otherwise hit about every third write). At most
    /// [`Shared::spare_limit`], as many as a burst of freezes can take
    /// while the flusher is busy: up to the same memory again as the
    /// active and frozen memtables (about 10 MB at the default 1000 episodes).
    spare: Mutex<Vec<Columns>>,
    /// The next log file, preallocated by the flusher thread (see
    /// [`crate::wal`] on why logs are preallocated).
    spare_wal: Mutex<Option<SpareWal>>,
    /// Sequence number of the next spare log file: each gets a name of
    /// its own (see [`crate::wal::is_spare_wal_name`] on why).
    next_spare_seq: AtomicU64,
    /// Log writers a freeze replaced, for the flusher thread to close:
    /// unmapping a log whose pages are dirty takes tens of microseconds,
    /// which a store should not wait for.
    closed_wals: Mutex<Vec<WalWriter>>,
}

/// An embedded episodic memory store in one directory.
#[derive(Debug)]
pub struct MemStore {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
    recovery: RecoveryReport,
}

impl MemStore {
    /// Opens (creating it if needed) the store in `dir`, recovering
    /// whatever a previous process left: segments are loaded, half-written
    /// and replaced segments deleted, and the log files not yet covered by
    /// segments replayed into the memtable.
    pub fn open(dir: impl AsRef<Path>, options: StoreOptions) -> Result<Self, MemError> {
        if options.memtable_items == 0 || options.max_frozen_memtables == 0 {
            return Err(MemError::InvalidOptions(
                "memtable_items and max_frozen_memtables must be at least 1".into(),
            ));
        }
        if options.hnsw.m < 2 || options.hnsw.m > 127 || options.hnsw.ef_construction == 0 {
            return Err(MemError::InvalidOptions(
                "hnsw.m must be in 2..=127 and ef_construction at least 1".into(),
            ));
        }
        let dir = dir.as_ref().to_owned();
        fs::create_dir_all(&dir).map_err(|e| MemError::io(&dir, e))?;
        // Taken before recovery: recovery deletes files another open
        // store may still be writing.
        let dir_lock = lock_dir(&dir)?;
        let (state, writer, recovery) = recover(&dir, &options)?;
        let background = options.flush_mode == FlushMode::Background;
        let shared = Arc::new(Shared {
            dir,
            _dir_lock: dir_lock,
            options,
            state: RwLock::new(state),
            writer: Mutex::new(writer),
            maintenance: Mutex::new(()),
            background: Mutex::new(Background::default()),
            work: Condvar::new(),
            progress: Condvar::new(),
            spare: Mutex::new(Vec::new()),
            spare_wal: Mutex::new(None),
            next_spare_seq: AtomicU64::new(0),
            closed_wals: Mutex::new(Vec::new()),
        });
        let flusher = if background {
            // Ready before the first store: a flusher preparing them
            // concurrently lost the race to a fast writer, whose second
            // memtable then took a page fault every third store.
            shared.refill_spare()?;
            let worker = Arc::clone(&shared);
            Some(
                std::thread::Builder::new()
                    .name("memstore-flush".into())
                    .spawn(move || worker.flusher_loop())
                    .map_err(|e| MemError::io(&shared.dir, e))?,
            )
        } else {
            None
        };
        let store = Self {
            shared,
            flusher,
            recovery,
        };
        // A replayed log may hold more than a memtable's worth.
        {
            let writer = store.shared.writer.lock()?;
            store.shared.freeze_if_full(writer)?;
        }
        Ok(store)
    }

    /// What opening found and repaired.
    pub fn recovery(&self) -> RecoveryReport {
        self.recovery
    }

    pub fn options(&self) -> &StoreOptions {
        &self.shared.options
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Stores one episode; once this returns its id, the episode is in the
    /// log (as durable as [`StoreOptions::durability`] promises).
    pub fn store(&self, episode: NewEpisode) -> Result<EpisodeId, MemError> {
        self.shared.check_background()?;
        let writer = self.shared.writer.lock()?;
        let id = writer.next_id;
        // An array rather than a one-element batch: no allocation on the
        // path whose tail latency the benchmarks watch.
        self.shared.append(writer, [episode.into_episode(id)?])?;
        Ok(id)
    }

    /// Stores episodes as one log record (one copy or write, one sync): all of
    /// them are acknowledged together, with consecutive ids.
    pub fn batch_store(&self, episodes: Vec<NewEpisode>) -> Result<Range<EpisodeId>, MemError> {
        self.shared.check_background()?;
        let writer = self.shared.writer.lock()?;
        let start = writer.next_id;
        let episodes = episodes
            .into_iter()
            .zip(start..)
            .map(|(e, id)| e.into_episode(id))
            .collect::<Result<Vec<Episode>, _>>()?;
        let end = start + episodes.len() as u64;
        if !episodes.is_empty() {
            self.shared.append(writer, episodes)?;
        }
        Ok(start..end)
    }

    /// Searches for the `k` episodes nearest to `query` (cosine) that pass
    /// the filter: the memtables exactly, the segments by `method`.
    pub fn search(&self, query: &[f32], options: &SearchOptions) -> Result<SearchResult, MemError> {
        if query.len() != DIM || query.iter().any(|x| !x.is_finite()) {
            return Err(MemError::InvalidQuery(format!(
                "query must be {DIM} finite values, got {}",
                query.len()
            )));
        }
        let mut query = query.to_vec();
        if normalize(&mut query) <= 0.0 {
            return Err(MemError::InvalidQuery("query is all zeros".into()));
        }
        let k = options.k;
        let filter = &options.filter;
        let mut profile = QueryProfile::default();
        let mut lists = Vec::new();
        let (frozen, segments) = {
            let state = self.shared.state.read()?;
            // The active memtable is scanned under the read lock (it is
            // small; copying it would cost more than the scan).
            let (hits, scanned) = state.active.columns.exact_search(&query, k, filter);
            profile.memtables_scanned += 1;
            profile.items_scanned += scanned;
            lists.push(hits);
            (
                state.frozen.iter().cloned().collect::<Vec<_>>(),
                state.segments.clone(),
            )
        };
        for memtable in &frozen {
            let (hits, scanned) = memtable.columns.exact_search(&query, k, filter);
            profile.memtables_scanned += 1;
            profile.items_scanned += scanned;
            lists.push(hits);
        }
        for segment in &segments {
            lists.push(segment.search(&query, options, &mut profile));
        }
        let merge_start = Instant::now();
        let hits = merge_hits(lists, k);
        profile.rerank_time += merge_start.elapsed();
        Ok(SearchResult { hits, profile })
    }

    /// The stored episode with this id, wherever it lives.
    pub fn get(&self, id: EpisodeId) -> Result<Option<Episode>, MemError> {
        let state = self.shared.state.read()?;
        let tables = std::iter::once(&state.active.columns)
            .chain(state.frozen.iter().map(|m| &m.columns))
            .chain(state.segments.iter().map(|s| &s.columns));
        for columns in tables {
            if let Some(row) = columns.row_of(id) {
                return Ok(Some(columns.episode(row)));
            }
        }
        Ok(None)
    }

    /// Ids of every stored episode, ascending.
    pub fn ids(&self) -> Result<Vec<EpisodeId>, MemError> {
        let state = self.shared.state.read()?;
        let mut ids: Vec<EpisodeId> = state.active.columns.ids.clone();
        for m in &state.frozen {
            ids.extend_from_slice(&m.columns.ids);
        }
        for s in &state.segments {
            ids.extend_from_slice(&s.columns.ids);
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Flushes the memtable (if not empty) and waits until no memtable
    /// awaits flushing.
    pub fn flush(&self) -> Result<(), MemError> {
        {
            let writer = self.shared.writer.lock()?;
            self.shared.freeze(writer, true)?;
        }
        self.wait_for_flushes()
    }

    /// Waits until the background flusher has flushed every frozen
    /// memtable (immediately in [`FlushMode::Sync`]).
    pub fn wait_for_flushes(&self) -> Result<(), MemError> {
        let mut bg = self.shared.background.lock()?;
        loop {
            if let Some(error) = &bg.error {
                return Err(MemError::Background(error.clone()));
            }
            if !bg.busy && self.shared.state.read()?.frozen.is_empty() {
                return Ok(());
            }
            bg = self.shared.progress.wait(bg)?;
        }
    }

    /// Merges every segment into one. Returns whether there was anything
    /// to merge.
    pub fn compact_all(&self) -> Result<bool, MemError> {
        self.shared.compact(usize::MAX)
    }

    /// Sizes of the store now.
    pub fn stats(&self) -> Result<StoreStats, MemError> {
        let (mut stats, seg_bytes) = {
            let state = self.shared.state.read()?;
            let memtable_items = state.active.columns.len();
            let frozen_items: usize = state.frozen.iter().map(|m| m.columns.len()).sum();
            let segment_items: usize = state.segments.iter().map(|s| s.len()).sum();
            let seg_bytes: u64 = state.segments.iter().map(|s| s.bytes).sum();
            (
                StoreStats {
                    episodes: memtable_items + frozen_items + segment_items,
                    memtable_items,
                    frozen_memtables: state.frozen.len(),
                    segments: state.segments.len(),
                    bytes_on_disk: 0,
                    flushes: state.flushes,
                    compactions: state.compactions,
                },
                seg_bytes,
            )
        };
        let mut wal_bytes = 0;
        let entries =
            fs::read_dir(&self.shared.dir).map_err(|e| MemError::io(&self.shared.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_str().and_then(parse_wal_name).is_some() {
                wal_bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
        stats.bytes_on_disk = seg_bytes + wal_bytes;
        Ok(stats)
    }
}

impl Drop for MemStore {
    fn drop(&mut self) {
        if let Ok(mut bg) = self.shared.background.lock() {
            bg.shutdown = true;
            self.shared.work.notify_all();
        }
        if let Some(flusher) = self.flusher.take() {
            // A panicked flusher has nothing left to clean up; the log
            // still holds every acknowledged write.
            let _ = flusher.join();
        }
        // An unused spare log holds no record; the next open would delete
        // it anyway, so failing here loses nothing.
        if let Some(spare) = self.shared.spare_wal.lock().ok().and_then(|mut s| s.take()) {
            let _ = spare.discard();
        }
    }
}

impl Shared {
    fn check_background(&self) -> Result<(), MemError> {
        match &self.background.lock()?.error {
            Some(error) => Err(MemError::Background(error.clone())),
            None => Ok(()),
        }
    }

    fn freeze_if_full(&self, writer: MutexGuard<'_, Writer>) -> Result<(), MemError> {
        self.freeze(writer, false)
    }

    /// Logs validated `episodes` (ids from `writer.next_id` on) as one
    /// record, adds them to the active memtable and freezes it if full.
    fn append<E>(&self, mut writer: MutexGuard<'_, Writer>, episodes: E) -> Result<(), MemError>
    where
        E: AsRef<[Episode]> + IntoIterator<Item = Episode>,
    {
        writer.wal.append(episodes.as_ref())?;
        writer.next_id += episodes.as_ref().len() as u64;
        let full = {
            let mut state = self.state.write()?;
            for episode in episodes {
                state.active.columns.push(episode);
            }
            state.active.columns.len() >= self.options.memtable_items
        };
        if full {
            self.freeze(writer, false)?;
        }
        Ok(())
    }

    /// Freezes the active memtable if it is full (or, with `force`, if it
    /// is not empty): starts a new log file, queues the memtable, and then
    /// flushes it here (sync mode) or hands it to the flusher, stalling
    /// while too many wait.
    fn freeze(&self, mut writer: MutexGuard<'_, Writer>, force: bool) -> Result<(), MemError> {
        let len = self.state.read()?.active.columns.len();
        if len == 0 || (!force && len < self.options.memtable_items) {
            return Ok(());
        }
        // Created before taking the state lock: file creation (and the
        // directory fsync) must not block readers.
        let next_id = writer.wal.id() + 1;
        let spare_wal = self.spare_wal.lock()?.take();
        let next_wal = match spare_wal {
            Some(spare) => WalWriter::install(spare, &self.dir, next_id, self.options.durability)?,
            None => WalWriter::create(
                &self.dir,
                next_id,
                self.options.durability,
                wal_preallocation(&self.options),
            )?,
        };
        {
            let columns = self
                .spare
                .lock()?
                .pop()
                .unwrap_or_else(|| Columns::with_capacity(self.options.memtable_items));
            let mut state = self.state.write()?;
            let fresh = Memtable {
                columns,
                wal_upto: 0,
            };
            let mut full = std::mem::replace(&mut state.active, fresh);
            full.wal_upto = writer.wal.id();
            state.frozen.push_back(Arc::new(full));
        }
        let closed_wal = std::mem::replace(&mut writer.wal, next_wal);
        match self.options.flush_mode {
            FlushMode::Sync => {
                drop(closed_wal);
                // The writer lock stays held: every other writer waits for
                // this flush, as in a store without a background thread.
                while self.flush_oldest()? {}
                self.maybe_compact()?;
                drop(writer);
                Ok(())
            }
            FlushMode::Background => {
                drop(writer);
                self.closed_wals.lock()?.push(closed_wal);
                let mut bg = self.background.lock()?;
                self.work.notify_all();
                loop {
                    if let Some(error) = &bg.error {
                        return Err(MemError::Background(error.clone()));
                    }
                    if self.state.read()?.frozen.len() <= self.options.max_frozen_memtables {
                        return Ok(());
                    }
                    bg = self.progress.wait(bg)?;
                }
            }
        }
    }

    /// Flushes the oldest frozen memtable into a segment; false if none.
    fn flush_oldest(&self) -> Result<bool, MemError> {
        let _maintenance = self.maintenance.lock()?;
        let (memtable, id) = {
            let mut state = self.state.write()?;
            let Some(memtable) = state.frozen.front().cloned() else {
                return Ok(false);
            };
            let id = state.next_segment_id;
            state.next_segment_id += 1;
            (memtable, id)
        };
        let mut segment = Segment::build(
            id,
            memtable.columns.clone(),
            None,
            self.options.hnsw,
            memtable.wal_upto,
            Vec::new(),
        );
        segment.write(&self.dir, self.options.fail_point)?;
        if self.options.fail_point == FailPoint::AbortAfterSegmentInstall {
            std::process::abort();
        }
        {
            let mut state = self.state.write()?;
            if state
                .frozen
                .front()
                .is_some_and(|front| Arc::ptr_eq(front, &memtable))
            {
                state.frozen.pop_front();
            }
            state.segments.push(Arc::new(segment));
            state.flushes += 1;
        }
        let wal_upto = memtable.wal_upto;
        // The last reference unless a search still holds the memtable.
        if let Some(flushed) = Arc::into_inner(memtable) {
            self.recycle(flushed.columns)?;
        }
        self.delete_wal_files_upto(wal_upto)?;
        Ok(true)
    }

    fn delete_wal_files_upto(&self, upto: u64) -> Result<(), MemError> {
        let entries = fs::read_dir(&self.dir).map_err(|e| MemError::io(&self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name
                .to_str()
                .and_then(parse_wal_name)
                .is_some_and(|id| id <= upto)
            {
                let path = entry.path();
                // A log another flush already deleted between the listing
                // and here is the end state wanted, not an error.
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(MemError::io(&path, e)),
                }
            }
        }
        Ok(())
    }

    fn maybe_compact(&self) -> Result<(), MemError> {
        let trigger = self.options.compaction_trigger;
        if trigger >= 2 && self.state.read()?.segments.len() >= trigger {
            self.compact(trigger)?;
        }
        Ok(())
    }

    /// Merges up to `width` of the smallest segments into one, extending
    /// the largest input's graph with the other rows rather than building
    /// a new graph.
    fn compact(&self, width: usize) -> Result<bool, MemError> {
        let _maintenance = self.maintenance.lock()?;
        let (mut inputs, id) = {
            let mut state = self.state.write()?;
            if state.segments.len() < 2 {
                return Ok(false);
            }
            let mut inputs = state.segments.clone();
            inputs.sort_by_key(|s| (s.len(), s.id));
            inputs.truncate(width.max(2));
            let id = state.next_segment_id;
            state.next_segment_id += 1;
            (inputs, id)
        };
        // Largest first: its rows and graph are kept as they are.
        inputs.sort_by_key(|s| (std::cmp::Reverse(s.len()), s.id));
        let base = &inputs[0];
        let mut columns = base.columns.clone();
        for other in &inputs[1..] {
            for row in 0..other.len() {
                columns.push_row_of(&other.columns, row);
            }
        }
        let wal_upto = inputs.iter().map(|s| s.wal_upto).max().unwrap_or(0);
        let sources: Vec<u64> = inputs.iter().map(|s| s.id).collect();
        let mut merged = Segment::build(
            id,
            columns,
            Some(base.index.clone()),
            self.options.hnsw,
            wal_upto,
            sources.clone(),
        );
        merged.write(&self.dir, FailPoint::None)?;
        {
            let mut state = self.state.write()?;
            state.segments.retain(|s| !sources.contains(&s.id));
            state.segments.push(Arc::new(merged));
            state.compactions += 1;
        }
        for source in sources {
            let path = segment_path(&self.dir, source);
            fs::remove_file(&path).map_err(|e| MemError::io(&path, e))?;
        }
        Ok(true)
    }

    /// Spare memtables kept: one per frozen slot plus the active one, so
    /// the freezes of a burst all find one.
    fn spare_limit(&self) -> usize {
        self.options.max_frozen_memtables + 1
    }

    /// Keeps a flushed memtable's columns for reuse, if there is room.
    fn recycle(&self, mut columns: Columns) -> Result<(), MemError> {
        columns.clear();
        let mut spare = self.spare.lock()?;
        if spare.len() < self.spare_limit() {
            spare.push(columns);
        }
        Ok(())
    }

    /// Tops the spare memtables, counting the frozen ones that will return
    /// as spares, up to [`Shared::spare_limit`] with pre-faulted ones, and
    /// prepares the next log file (the flusher thread, before it waits for
    /// work).
    fn refill_spare(&self) -> Result<(), MemError> {
        // One memtable first: after a burst of freezes, the next one may
        // come within a millisecond.
        if self.spare.lock()?.is_empty() {
            let columns = Columns::prefaulted(self.options.memtable_items);
            self.spare.lock()?.push(columns);
        }
        if self.spare_wal.lock()?.is_none() {
            let wal = SpareWal::prepare(
                &self.dir,
                self.next_spare_seq.fetch_add(1, Ordering::Relaxed),
                self.options.durability,
                wal_preallocation(&self.options),
            )?;
            // A freeze meanwhile created its own log; this one waits.
            *self.spare_wal.lock()? = Some(wal);
        }
        // Each frozen memtable comes back as a spare after its flush, so
        // only the difference is prepared. (Topping the spares up to the
        // limit regardless made every flush of a busy store fault in a
        // fresh memtable and then free a recycled one: megabytes of page
        // zeroing and unmapping per flush, next to a writer.)
        loop {
            let frozen = self.state.read()?.frozen.len();
            if self.spare.lock()?.len() + frozen >= self.spare_limit() {
                break;
            }
            // Built without holding the lock: a freeze meanwhile takes
            // what is there or allocates rather than wait for this.
            let columns = Columns::prefaulted(self.options.memtable_items);
            self.spare.lock()?.push(columns);
        }
        Ok(())
    }

    fn flusher_loop(&self) {
        loop {
            // Taken out under the lock, closed outside it.
            let closed_wals = self
                .closed_wals
                .lock()
                .map(|mut closed| std::mem::take(&mut *closed));
            drop(closed_wals);
            if let Err(error) = self.refill_spare() {
                if let Ok(mut bg) = self.background.lock() {
                    bg.error = Some(error.to_string());
                }
                self.progress.notify_all();
                return;
            }
            let Ok(mut bg) = self.background.lock() else {
                return;
            };
            loop {
                if bg.error.is_some() {
                    return;
                }
                let pending = self
                    .state
                    .read()
                    .map(|s| !s.frozen.is_empty())
                    .unwrap_or(false);
                if pending {
                    break;
                }
                if bg.shutdown {
                    return;
                }
                bg = match self.work.wait(bg) {
                    Ok(bg) => bg,
                    Err(_) => return,
                };
            }
            bg.busy = true;
            drop(bg);
            let result = self.flush_oldest().and_then(|_| self.maybe_compact());
            let Ok(mut bg) = self.background.lock() else {
                return;
            };
            bg.busy = false;
            if let Err(error) = result {
                bg.error = Some(error.to_string());
            }
            self.progress.notify_all();
        }
    }
}

/// Bytes of zeros a new log file is preallocated with: a memtable's worth
/// of single-episode records (frame, ids, timestamp, kappa, a 1.5 KiB
/// vector and a few hundred bytes of text), at most 16 MiB (stores built
/// with huge memtables for bulk loading). Records beyond it extend the
/// file as plain appends would.
fn wal_preallocation(options: &StoreOptions) -> usize {
    const BYTES_PER_EPISODE: usize = 2048;
    const MAX_BYTES: usize = 16 << 20;
    options
        .memtable_items
        .saturating_mul(BYTES_PER_EPISODE)
        .min(MAX_BYTES)
}

/// Reads the directory back into a state and a log writer.
/// Name of the lock file in a store directory. Never deleted: deleting a
/// lock file races with a process that has opened but not yet locked it.
pub const LOCK_FILE_NAME: &str = "LOCK";

/// Locks `dir` for this store: one open store per directory, across
/// processes (and within one, since each open locks its own descriptor).
fn lock_dir(dir: &Path) -> Result<fs::File, MemError> {
    let lock_file = dir.join(LOCK_FILE_NAME);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_file)
        .map_err(|e| MemError::io(&lock_file, e))?;
    // Through the trait: std's inherent `try_lock` needs a newer Rust
    // than the workspace's.
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(file),
        Err(fs4::TryLockError::WouldBlock) => Err(MemError::Locked {
            dir: dir.to_owned(),
            lock_file,
        }),
        Err(fs4::TryLockError::Error(e)) => Err(MemError::io(&lock_file, e)),
    }
}

fn recover(
    dir: &Path,
    options: &StoreOptions,
) -> Result<(State, Writer, RecoveryReport), MemError> {
    let mut report = RecoveryReport::default();
    let mut segments = Vec::new();
    let mut wal_ids = BTreeSet::new();
    let entries = fs::read_dir(dir).map_err(|e| MemError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| MemError::io(dir, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if is_spare_wal_name(&name) {
            // Preallocated zeros, never a record: nothing to report.
            fs::remove_file(&path).map_err(|e| MemError::io(&path, e))?;
        } else if is_temp_segment(&name) {
            fs::remove_file(&path).map_err(|e| MemError::io(&path, e))?;
            report.temp_files_removed += 1;
        } else if parse_segment_name(&name).is_some() {
            segments.push(Segment::open(&path)?);
        } else if let Some(id) = parse_wal_name(&name) {
            wal_ids.insert(id);
        }
    }
    let superseded: BTreeSet<u64> = segments.iter().flat_map(|s| s.sources.clone()).collect();
    let mut next_segment_id = segments.iter().map(|s| s.id + 1).max().unwrap_or(1);
    next_segment_id = next_segment_id.max(superseded.iter().map(|id| id + 1).max().unwrap_or(1));
    let (kept, replaced): (Vec<Segment>, Vec<Segment>) = segments
        .into_iter()
        .partition(|s| !superseded.contains(&s.id));
    for s in &replaced {
        let path = segment_path(dir, s.id);
        fs::remove_file(&path).map_err(|e| MemError::io(&path, e))?;
    }
    report.segments_superseded = replaced.len();
    report.segments_loaded = kept.len();
    let covered = kept.iter().map(|s| s.wal_upto).max().unwrap_or(0);
    let mut next_id = kept
        .iter()
        .flat_map(|s| s.columns.ids.iter().map(|id| id + 1))
        .max()
        .unwrap_or(0);
    let mut active = Memtable {
        columns: Columns::prefaulted(options.memtable_items),
        wal_upto: 0,
    };
    for &wal_id in &wal_ids {
        let path = wal_path(dir, wal_id);
        if wal_id <= covered {
            fs::remove_file(&path).map_err(|e| MemError::io(&path, e))?;
            report.wal_files_covered += 1;
            continue;
        }
        let replayed = replay(&path)?;
        report.wal_files_replayed += 1;
        report.torn_bytes += replayed.torn_bytes;
        for episode in replayed.episodes {
            // A record can be in a segment already only if a crash hit
            // between installing the segment and deleting its log, and
            // then its log id is covered; this guards against duplicates
            // all the same.
            if kept.iter().any(|s| s.columns.row_of(episode.id).is_some())
                || active.columns.row_of(episode.id).is_some()
            {
                continue;
            }
            next_id = next_id.max(episode.id + 1);
            report.episodes_replayed += 1;
            active.columns.push(episode);
        }
    }
    let next_wal = wal_ids.iter().max().map_or(1, |id| id + 1).max(covered + 1);
    let wal = WalWriter::create(
        dir,
        next_wal,
        options.durability,
        wal_preallocation(options),
    )?;
    let state = State {
        active,
        frozen: VecDeque::new(),
        segments: kept.into_iter().map(Arc::new).collect(),
        next_segment_id,
        flushes: 0,
        compactions: 0,
    };
    Ok((state, Writer { wal, next_id }, report))
}
