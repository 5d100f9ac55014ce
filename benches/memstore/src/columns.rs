//! Column storage of episodes shared by memtables and segments, search filters and hits, and the exact (brute-force) k-NN scan.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;

use crate::episode::{Episode, EpisodeId};
use crate::prefetch::prefetch;
use crate::vector::{DIM, dot, quantize_into};

/// Which episodes a search may return. Both conditions are applied inside
/// the search, so a search for `k` results returns `k` whenever `k`
/// episodes pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Only episodes with `kappa >= kappa_min`.
    pub kappa_min: Option<f32>,
    /// Only episodes with a timestamp in this half-open range (ms).
    pub time_range: Option<Range<i64>>,
}

impl Filter {
    /// The filter that passes everything.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.kappa_min.is_none() && self.time_range.is_none()
    }

    /// Whether an episode with this timestamp and kappa passes.
    #[inline]
    pub fn passes(&self, timestamp_ms: i64, kappa: f32) -> bool {
        self.kappa_min.is_none_or(|min| kappa >= min)
            && self
                .time_range
                .as_ref()
                .is_none_or(|r| r.contains(&timestamp_ms))
    }
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: EpisodeId,
    /// Cosine similarity to the query (higher is nearer).
    pub score: f32,
    pub timestamp_ms: i64,
    pub kappa: f32,
}

impl Hit {
    /// Best first: higher score, then lower id, so ties order the same way
    /// in every search path.
    pub fn rank(a: &Hit, b: &Hit) -> Ordering {
        b.score.total_cmp(&a.score).then(a.id.cmp(&b.id))
    }
}

/// Orders a min-heap of the best `k` hits: its top is the worst kept hit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked(Hit);

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        Hit::rank(&self.0, &other.0)
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Keeps the best `k` of a stream of hits.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    pub(crate) fn push(&mut self, hit: Hit) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(Ranked(hit));
        } else if self
            .heap
            .peek()
            .is_some_and(|worst| Hit::rank(&hit, &worst.0) == Ordering::Less)
        {
            self.heap.pop();
            self.heap.push(Ranked(hit));
        }
    }

    /// The kept hits, best first.
    pub(crate) fn into_sorted(self) -> Vec<Hit> {
        let mut hits: Vec<Hit> = self.heap.into_iter().map(|r| r.0).collect();
        hits.sort_by(Hit::rank);
        hits
    }
}

/// Episodes stored column-wise: the vectors of all rows form one flat
/// `f32` array, which is what the scan and the graph read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns {
    pub(crate) ids: Vec<EpisodeId>,
    pub(crate) timestamps: Vec<i64>,
    pub(crate) kappas: Vec<f32>,
    pub(crate) sessions: Vec<String>,
    pub(crate) contents: Vec<String>,
    pub(crate) vectors: Vec<f32>,
    /// 8-bit codes of the vectors and their scales: what graph walks
    /// compare (a quarter of the memory traffic of the floats); results
    /// are re-ranked with the floats. Derived, so never written to disk,
    /// and only segments have them: they cover a prefix of the rows, and
    /// [`Columns::quantize_new_rows`] extends them to all (a memtable is
    /// scanned with the floats, so a store does not quantise).
    pub(crate) codes: Vec<i8>,
    pub(crate) scales: Vec<f32>,
    rows_by_id: HashMap<EpisodeId, u32>,
}

impl Columns {
    /// Empty columns with room for `rows` rows. A memtable is allocated at
    /// its full size up front: growing by doubling copies up to half the
    /// memtable inside some write, about ten times per memtable, which put
    /// those writes in the 99th latency percentile.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        Self {
            ids: Vec::with_capacity(rows),
            timestamps: Vec::with_capacity(rows),
            kappas: Vec::with_capacity(rows),
            sessions: Vec::with_capacity(rows),
            contents: Vec::with_capacity(rows),
            vectors: Vec::with_capacity(rows * DIM),
            codes: Vec::new(),
            scales: Vec::new(),
            rows_by_id: HashMap::with_capacity(rows),
        }
    }

    /// Empty columns with room for `rows` rows whose memory has already
    /// been written once. A fresh allocation is only reserved address
    /// space: the first write to each 4 KiB page takes a page fault
    /// (zeroing the page), which lands in roughly every third `store` —
    /// a 1.5 KiB vector per row — and measured as the slower mode of the
    /// write latency. Touching the pages here, off the write path, moves
    /// those faults to whoever prepares the memtable.
    pub(crate) fn prefaulted(rows: usize) -> Self {
        let mut columns = Self::with_capacity(rows);
        touch_pages(&mut columns.ids);
        touch_pages(&mut columns.timestamps);
        touch_pages(&mut columns.kappas);
        touch_pages(&mut columns.sessions);
        touch_pages(&mut columns.contents);
        touch_pages(&mut columns.vectors);
        columns
            .rows_by_id
            .extend((0..rows).map(|r| (r as EpisodeId, r as u32)));
        columns.rows_by_id.clear();
        columns
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Removes every row, keeping the allocations.
    pub(crate) fn clear(&mut self) {
        self.ids.clear();
        self.timestamps.clear();
        self.kappas.clear();
        self.sessions.clear();
        self.contents.clear();
        self.vectors.clear();
        self.codes.clear();
        self.scales.clear();
        self.rows_by_id.clear();
    }

    pub(crate) fn push(&mut self, episode: Episode) {
        self.rows_by_id.insert(episode.id, self.ids.len() as u32);
        self.ids.push(episode.id);
        self.timestamps.push(episode.timestamp_ms);
        self.kappas.push(episode.kappa);
        self.sessions.push(episode.session_id);
        self.contents.push(episode.content);
        self.vectors.extend_from_slice(&episode.embedding);
        // The next row's memory has not been touched since it was
        // pre-faulted: requested now, it is in the cache when the next
        // store writes it, instead of missing ~24 lines in that store
        // (five probe runs of 20 000 stores each: p99 1.45–1.55 µs with
        // the prefetch, 1.54–1.92 µs without).
        let next = self.vectors.spare_capacity_mut();
        prefetch(&next[..next.len().min(DIM)]);
    }

    /// Computes the codes of the rows that have none (see
    /// [`Columns::codes`]); a segment calls this once it has all its rows.
    pub(crate) fn quantize_new_rows(&mut self) {
        let coded = self.scales.len();
        self.codes.reserve_exact((self.len() - coded) * DIM);
        self.scales.reserve_exact(self.len() - coded);
        for row in coded..self.len() {
            let vector = &self.vectors[row * DIM..(row + 1) * DIM];
            let scale = quantize_into(vector, &mut self.codes);
            self.scales.push(scale);
        }
    }

    /// Appends row `row` of `other`.
    pub(crate) fn push_row_of(&mut self, other: &Columns, row: usize) {
        self.push(other.episode(row));
    }

    pub(crate) fn vector(&self, row: usize) -> &[f32] {
        &self.vectors[row * DIM..(row + 1) * DIM]
    }

    pub(crate) fn code(&self, row: usize) -> &[i8] {
        &self.codes[row * DIM..(row + 1) * DIM]
    }

    pub(crate) fn episode(&self, row: usize) -> Episode {
        Episode {
            id: self.ids[row],
            content: self.contents[row].clone(),
            embedding: self.vector(row).to_vec(),
            timestamp_ms: self.timestamps[row],
            session_id: self.sessions[row].clone(),
            kappa: self.kappas[row],
        }
    }

    pub(crate) fn row_of(&self, id: EpisodeId) -> Option<usize> {
        self.rows_by_id.get(&id).map(|&r| r as usize)
    }

    #[inline]
    pub(crate) fn passes(&self, row: usize, filter: &Filter) -> bool {
        filter.passes(self.timestamps[row], self.kappas[row])
    }

    pub(crate) fn hit(&self, row: usize, score: f32) -> Hit {
        Hit {
            id: self.ids[row],
            score,
            timestamp_ms: self.timestamps[row],
            kappa: self.kappas[row],
        }
    }

    /// Exact top `k` by cosine among the rows that pass `filter`; returns
    /// the hits and the number of vectors read.
    pub(crate) fn exact_search(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> (Vec<Hit>, usize) {
        let mut top = TopK::new(k);
        let mut scanned = 0;
        let everything = filter.is_empty();
        for (row, v) in self.vectors.chunks_exact(DIM).enumerate() {
            if everything || self.passes(row, filter) {
                scanned += 1;
                top.push(self.hit(row, dot(query, v)));
            }
        }
        (top.into_sorted(), scanned)
    }

    /// Encodes every row, in row order.
    pub(crate) fn encode_rows(&self, out: &mut Vec<u8>) {
        for row in 0..self.len() {
            self.episode(row).encode(out);
        }
    }
}

/// Smallest and largest timestamp and kappa of a segment: lets a search
/// skip a segment no episode of which can pass, and drop the filter for a
/// segment every episode of which passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ZoneMap {
    pub(crate) time: (i64, i64),
    pub(crate) kappa: (f32, f32),
}

impl ZoneMap {
    pub(crate) fn of(columns: &Columns) -> Option<Self> {
        let time = (
            *columns.timestamps.iter().min()?,
            *columns.timestamps.iter().max()?,
        );
        let kappa = columns
            .kappas
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &k| (lo.min(k), hi.max(k)));
        Some(Self { time, kappa })
    }

    pub(crate) fn may_pass(&self, filter: &Filter) -> bool {
        filter.kappa_min.is_none_or(|min| self.kappa.1 >= min)
            && filter
                .time_range
                .as_ref()
                .is_none_or(|r| r.start <= self.time.1 && self.time.0 < r.end)
    }

    pub(crate) fn all_pass(&self, filter: &Filter) -> bool {
        filter.kappa_min.is_none_or(|min| self.kappa.0 >= min)
            && filter
                .time_range
                .as_ref()
                .is_none_or(|r| r.contains(&self.time.0) && r.contains(&self.time.1))
    }
}

/// Keeps the best `k` of several best-first hit lists.
pub(crate) fn merge_hits(lists: Vec<Vec<Hit>>, k: usize) -> Vec<Hit> {
    let mut all: Vec<Hit> = lists.into_iter().flatten().collect();
    all.sort_by(Hit::rank);
    all.truncate(k);
    all
}

/// Writes one element per 4 KiB page of `v`'s spare capacity, so that its
/// pages are faulted in, without filling the rest: writing every byte
/// (as `resize` does) doubled the memory traffic of preparing a memtable,
/// which the flusher does while the writer is storing.
fn touch_pages<T: Default>(v: &mut Vec<T>) {
    const PAGE: usize = 4096;
    let step = (PAGE / std::mem::size_of::<T>().max(1)).max(1);
    for slot in v.spare_capacity_mut().iter_mut().step_by(step) {
        slot.write(T::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::episode::NewEpisode;

    fn episode(id: u64) -> Episode {
        NewEpisode {
            content: format!("episode {id}"),
            embedding: (0..DIM)
                .map(|i| ((i as u64 * 7 + id) as f32).cos())
                .collect(),
            timestamp_ms: id as i64,
            session_id: "s".into(),
            kappa: 0.5,
        }
        .into_episode(id)
        .unwrap()
    }

    #[test]
    fn codes_cover_every_row_after_quantize_new_rows_and_match_each_vector() {
        let mut columns = Columns::prefaulted(8);
        for id in 0..3 {
            columns.push(episode(id));
        }
        assert!(columns.codes.is_empty(), "a memtable row carries no codes");
        columns.quantize_new_rows();
        // Rows appended later (a compaction extending a segment) get theirs
        // from the next call, after the existing ones.
        for id in 3..5 {
            columns.push(episode(id));
        }
        columns.quantize_new_rows();
        assert_eq!(columns.codes.len(), 5 * DIM);
        assert_eq!(columns.scales.len(), 5);
        for row in 0..5 {
            let mut expected = Vec::new();
            let scale = quantize_into(columns.vector(row), &mut expected);
            assert_eq!(columns.code(row), expected.as_slice(), "row {row}");
            assert_eq!(columns.scales[row], scale);
        }
    }
}
