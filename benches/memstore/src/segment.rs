//! Immutable on-disk segments: a flushed or compacted set of episodes with its own HNSW graph, written atomically and checksummed.
//!
//! File `seg-<id>.seg`: the magic `MEMSEG01`, the body's length (`u64`) and
//! CRC-32 (`u32`), then the body: segment id, the last log file id whose
//! records it covers, the ids of the segments it replaces (compaction),
//! the episode count, the episodes, and the graph. A segment is written to
//! `seg-<id>.tmp`, fsynced, renamed and the directory fsynced, so a crash
//! leaves either no segment or a whole one.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::columns::{Columns, Filter, Hit, ZoneMap};
use crate::episode::{Episode, Reader};
use crate::error::MemError;
use crate::hnsw::{Hnsw, HnswParams, NodeDistance, SearchStats};
use crate::prefetch::prefetch;
use crate::profile::QueryProfile;
use crate::store::{FailPoint, SearchMethod, SearchOptions};
use crate::vector::{DIM, dot, dot_i8, quantize_into};
use crate::wal::sync_dir;

const MAGIC: &[u8; 8] = b"MEMSEG01";

/// Sampling stride of the passing-row estimate: 1 in 64 rows, so the
/// estimate costs under 2 % of a scan's filter checks and no vector reads.
const PASSING_SAMPLE_STRIDE: usize = 64;
const HEADER: usize = 8 + 8 + 4;

/// How many candidates ahead the re-rank prefetches float rows: a row is
/// 24 cache lines, so a few rows in flight keep the memory system busy
/// without overrunning the core's outstanding-miss buffers.
const RERANK_PREFETCH_AHEAD: usize = 4;

/// Candidates re-ranked per result asked for: the walk keeps `ef` (112 by
/// default) but only the best `RERANK_PER_RESULT · k` by 8-bit distance are
/// scored again with floats. Measured on the 100k corpus, recall@10 was
/// identical (0.9645 at ef 112, 0.9815 at ef 224, 0.923 at ef 64) whether
/// the best 24, 32, 40, 48, 64 or all candidates were re-ranked, while
/// re-ranking all 112 — each a 1.5 KiB row read from a random place —
/// took an eighth of the query (300 µs per query against 260–267 µs). Four
/// keeps a margin over the smallest list that lost nothing.
const RERANK_PER_RESULT: usize = 4;

pub(crate) fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("seg-{id:016}.seg"))
}

fn temp_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("seg-{id:016}.tmp"))
}

/// The id of a segment file name, if it is one.
pub(crate) fn parse_segment_name(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".seg")?
        .parse()
        .ok()
}

/// Whether a file name is a segment left half-written by a crash.
pub(crate) fn is_temp_segment(name: &str) -> bool {
    name.starts_with("seg-") && name.ends_with(".tmp")
}

/// The graph walk's distance: 8-bit codes of the query and of a row, a
/// quarter of the bytes of the float vectors, so four times as many rows
/// fit in the cache; the walk's candidates are re-ranked by float
/// distance afterwards.
struct CodeDistance<'a> {
    query_code: Vec<i8>,
    query_scale: f32,
    columns: &'a Columns,
}

impl<'a> CodeDistance<'a> {
    fn new(query: &[f32], columns: &'a Columns) -> Self {
        let mut query_code = Vec::with_capacity(DIM);
        let query_scale = quantize_into(query, &mut query_code);
        Self {
            query_code,
            query_scale,
            columns,
        }
    }
}

impl NodeDistance for CodeDistance<'_> {
    fn distance(&self, node: u32) -> f32 {
        let row = node as usize;
        1.0 - dot_i8(&self.query_code, self.columns.code(row)) as f32
            * self.query_scale
            * self.columns.scales[row]
    }

    fn prefetch(&self, node: u32) {
        prefetch(self.columns.code(node as usize));
    }
}

/// An immutable segment, loaded in memory.
#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) id: u64,
    /// Every log file with an id up to this one is covered by segments.
    pub(crate) wal_upto: u64,
    /// Segments this one replaces (empty for a flushed memtable).
    pub(crate) sources: Vec<u64>,
    pub(crate) columns: Columns,
    pub(crate) index: Hnsw,
    zone: Option<ZoneMap>,
    /// Size of the file.
    pub(crate) bytes: u64,
}

impl Segment {
    /// Builds a segment in memory (graph included) from `columns`,
    /// extending `index` if it already covers a prefix of the rows.
    pub(crate) fn build(
        id: u64,
        columns: Columns,
        index: Option<Hnsw>,
        params: HnswParams,
        wal_upto: u64,
        sources: Vec<u64>,
    ) -> Self {
        let mut columns = columns;
        columns.quantize_new_rows();
        let mut index = index.unwrap_or_else(|| Hnsw::new(params));
        index.extend(&columns.vectors);
        let zone = ZoneMap::of(&columns);
        Self {
            id,
            wal_upto,
            sources,
            columns,
            index,
            zone,
            bytes: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.columns.len()
    }

    /// Writes the segment atomically into `dir` and records its size.
    pub(crate) fn write(&mut self, dir: &Path, fail_point: FailPoint) -> Result<(), MemError> {
        let tmp = temp_path(dir, self.id);
        let io = |e| MemError::io(&tmp, e);
        let mut body = Vec::with_capacity(64 + self.len() * (DIM * 4 + 128));
        body.extend_from_slice(&self.id.to_le_bytes());
        body.extend_from_slice(&self.wal_upto.to_le_bytes());
        body.extend_from_slice(&(self.sources.len() as u32).to_le_bytes());
        for s in &self.sources {
            body.extend_from_slice(&s.to_le_bytes());
        }
        body.extend_from_slice(&(self.len() as u32).to_le_bytes());
        self.columns.encode_rows(&mut body);
        self.index.encode(&mut body);
        let crc = crc32fast::hash(&body);
        let file = File::create(&tmp).map_err(io)?;
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC).map_err(io)?;
        out.write_all(&(body.len() as u64).to_le_bytes())
            .map_err(io)?;
        out.write_all(&crc.to_le_bytes()).map_err(io)?;
        out.write_all(&body).map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        if fail_point == FailPoint::AbortBeforeSegmentRename {
            std::process::abort();
        }
        let path = segment_path(dir, self.id);
        fs::rename(&tmp, &path).map_err(|e| MemError::io(&path, e))?;
        sync_dir(dir)?;
        self.bytes = (HEADER + body.len()) as u64;
        Ok(())
    }

    /// Loads and verifies the segment file at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, MemError> {
        let bytes = fs::read(path).map_err(|e| MemError::io(path, e))?;
        let corrupt = |detail: String| MemError::corrupt(path, "segment", detail);
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(corrupt("missing MEMSEG01 header".into()));
        }
        let mut header = Reader::new(&bytes[8..HEADER]);
        let len = header.u64().map_err(corrupt)? as usize;
        let crc = header.u32().map_err(corrupt)?;
        let body = bytes
            .get(HEADER..)
            .filter(|b| b.len() == len)
            .ok_or_else(|| corrupt(format!("body is not {len} bytes")))?;
        if crc32fast::hash(body) != crc {
            return Err(corrupt("checksum mismatch".into()));
        }
        let mut r = Reader::new(body);
        let parse = |r: &mut Reader<'_>| -> Result<Self, String> {
            let id = r.u64()?;
            let wal_upto = r.u64()?;
            let n_sources = r.u32()? as usize;
            let sources = (0..n_sources).map(|_| r.u64()).collect::<Result<_, _>>()?;
            let n = r.u32()? as usize;
            let mut columns = Columns::default();
            for _ in 0..n {
                columns.push(Episode::decode(r)?);
            }
            columns.quantize_new_rows();
            let index = Hnsw::decode(r, n)?;
            let zone = ZoneMap::of(&columns);
            Ok(Self {
                id,
                wal_upto,
                sources,
                columns,
                index,
                zone,
                bytes: bytes.len() as u64,
            })
        };
        let segment = parse(&mut r).map_err(corrupt)?;
        if !r.is_empty() {
            return Err(corrupt("trailing bytes".into()));
        }
        Ok(segment)
    }

    /// Rows passing `filter`, estimated from every
    /// [`PASSING_SAMPLE_STRIDE`]th row.
    fn estimated_passing(&self, filter: &Filter) -> usize {
        let columns = &self.columns;
        let (sampled, passing) = (0..self.len())
            .step_by(PASSING_SAMPLE_STRIDE)
            .fold((0usize, 0usize), |(s, p), row| {
                (s + 1, p + usize::from(columns.passes(row, filter)))
            });
        (passing * self.len()).div_ceil(sampled.max(1))
    }

    /// The segment's best `k` hits passing `filter`, best first.
    pub(crate) fn search(
        &self,
        query: &[f32],
        options: &SearchOptions,
        profile: &mut QueryProfile,
    ) -> Vec<Hit> {
        let SearchOptions {
            k,
            ef,
            method,
            ref filter,
            flat_search_cutoff,
        } = *options;
        let Some(zone) = self.zone else {
            return Vec::new();
        };
        if !zone.may_pass(filter) {
            profile.segments_skipped += 1;
            return Vec::new();
        }
        profile.segments_searched += 1;
        if method == SearchMethod::Exact {
            let (hits, scanned) = self.columns.exact_search(query, k, filter);
            profile.items_scanned += scanned;
            return hits;
        }
        let columns = &self.columns;
        let all_pass = zone.all_pass(filter);
        if !all_pass && self.estimated_passing(filter) <= flat_search_cutoff {
            // Few rows pass: scanning just them is cheaper than a graph
            // walk through the many that do not.
            profile.flat_scans += 1;
            let (hits, scanned) = columns.exact_search(query, k, filter);
            profile.items_scanned += scanned;
            return hits;
        }
        let predicate = |node: u32| columns.passes(node as usize, filter);
        let node_filter: Option<&dyn Fn(u32) -> bool> =
            if all_pass { None } else { Some(&predicate) };
        let mut stats = SearchStats::default();
        let found = self.index.search(
            CodeDistance::new(query, columns),
            k,
            ef,
            node_filter,
            &mut stats,
        );
        profile.hnsw_candidates += stats.distance_evals;
        if found.len() < k && found.len() < self.len() {
            // Fewer than k passing nodes were reachable: either fewer than
            // k pass, or the filter cut the graph. The exact answer over
            // the passing rows settles both.
            profile.exact_fallbacks += 1;
            let (hits, scanned) = columns.exact_search(query, k, filter);
            profile.items_scanned += scanned;
            return hits;
        }
        // The walk compared 8-bit codes; its `ef` candidates are re-ranked
        // by the float dot product, so a hit scores exactly as in an exact
        // scan and near-ties the codes blurred are ordered right.
        let rerank_start = Instant::now();
        let found = &found[..found.len().min(k.saturating_mul(RERANK_PER_RESULT))];
        let mut hits: Vec<Hit> = found
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // The candidates' float rows are scattered over the
                // segment's 1.5 KB-per-row column: request a few ahead.
                if let Some(ahead) = found.get(i + RERANK_PREFETCH_AHEAD) {
                    prefetch(columns.vector(ahead.node as usize));
                }
                let row = c.node as usize;
                columns.hit(row, dot(query, columns.vector(row)))
            })
            .collect();
        hits.sort_by(Hit::rank);
        hits.truncate(k);
        profile.rerank_time += rerank_start.elapsed();
        hits
    }
}
