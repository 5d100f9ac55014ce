//! A Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016) over a segment's vectors, with filters applied inside the search.
//!
//! The graph stores only neighbour lists; the vectors stay in the segment's
//! flat column and are passed in, so a segment keeps one copy of them and
//! the graph serialises as a few bytes per link. Nodes are the row numbers
//! of that column. Construction is incremental ([`Hnsw::insert`] adds the
//! next row), which is what compaction uses to extend the largest input
//! segment's graph instead of rebuilding it.
//!
//! Filtered search follows hnswlib's filter functor: the traversal walks
//! through every node, but only nodes that pass the filter enter the result
//! set, and the search stops only once it holds `ef` passing nodes (or the
//! reachable graph is exhausted). A search therefore returns `k` results
//! whenever `k` passing nodes are reachable; the segment falls back to an
//! exact scan in the rare case that fewer come back (see
//! [`crate::segment`]).
//!
//! Node levels come from a hash of the node number and the graph's seed, so
//! the same rows inserted in the same order always give the same graph
//! (and the same recall) on every machine.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::episode::Reader;
use crate::prefetch::prefetch;
use crate::vector::{DIM, distance};

/// Highest level a node can get. With `m = 16` the chance of a level above
/// 15 is 16^-16: the cap only bounds what a corrupt file can claim.
const MAX_LEVEL: usize = 15;

/// Construction and search parameters of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HnswParams {
    /// Links per node on the upper levels; level 0 keeps `2 * m`, as in
    /// the paper and hnswlib. 16 is hnswlib's default and the runbook's
    /// starting point before raising it to 24.
    pub m: usize,
    /// Width of the candidate list while inserting: larger builds a better
    /// graph, more slowly. hnswlib's usual 100; with it, the default
    /// search (`ef = 112`) gives recall@10 0.965 at 100 000 corpus
    /// episodes (measured; see the README).
    pub ef_construction: usize,
    /// Seed of the level assignment.
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 100,
            seed: 0x4D45_4D53_544F_5245,
        }
    }
}

/// Work done by one search: what the query profile reports as HNSW
/// candidates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Distances computed (nodes whose vector was read).
    pub distance_evals: usize,
}

/// A node and its distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub dist: f32,
    pub node: u32,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist
            .total_cmp(&other.dist)
            .then(self.node.cmp(&other.node))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Hnsw {
    params: HnswParams,
    /// `links[node][level]`: the node's neighbours on that level.
    links: Vec<Vec<Vec<u32>>>,
    /// The level-0 lists again, in one array of [`Hnsw::base_stride`]
    /// slots per node (the count, then the links). Level 0 is where a
    /// search spends nearly all its steps, and `links` costs two
    /// dependent cache misses per step (the node's level table, then the
    /// list); here it is one, at an address known early enough to
    /// prefetch. Rebuilt by [`Hnsw::extend`] and [`Hnsw::decode`]; while
    /// it does not cover every node (after a bare [`Hnsw::insert`]),
    /// searches read `links`.
    base_layer: Vec<u32>,
    entry: Option<u32>,
    max_level: usize,
}

/// Which rows a filtered search may return.
pub type NodeFilter<'a> = &'a dyn Fn(u32) -> bool;

/// How a graph walk measures nodes against its query.
///
/// A walk reads the vectors of a node's unvisited neighbours at scattered
/// rows, so at 100 000 nodes most reads miss the cache; [`prefetch`] lets
/// the walk request all of a node's neighbours before computing the first
/// distance, so their loads overlap instead of queueing one after another
/// (what hnswlib does with `_mm_prefetch`).
///
/// [`prefetch`]: NodeDistance::prefetch
pub trait NodeDistance {
    /// Distance from the query to `node` (smaller is nearer).
    fn distance(&self, node: u32) -> f32;

    /// Hints that `distance(node)` comes soon. The default does nothing.
    fn prefetch(&self, _node: u32) {}
}

impl<F: Fn(u32) -> f32> NodeDistance for F {
    fn distance(&self, node: u32) -> f32 {
        self(node)
    }
}

fn row(vectors: &[f32], node: u32) -> &[f32] {
    let start = node as usize * DIM;
    &vectors[start..start + DIM]
}

/// Float distances from one of the graph's own rows to the others: what
/// construction measures with.
struct RowDistance<'a> {
    query: &'a [f32],
    vectors: &'a [f32],
}

impl NodeDistance for RowDistance<'_> {
    fn distance(&self, node: u32) -> f32 {
        distance(self.query, row(self.vectors, node))
    }

    fn prefetch(&self, node: u32) {
        prefetch(row(self.vectors, node));
    }
}

/// Per-thread visited marks, reused across searches so a search over
/// 100 000 nodes does not allocate and clear 400 KB.
#[derive(Debug, Default)]
struct Visited {
    marks: Vec<u32>,
    epoch: u32,
}

impl Visited {
    fn begin(&mut self, n: usize) {
        if self.marks.len() < n {
            self.marks.resize(n, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.marks.fill(0);
            self.epoch = 1;
        }
    }

    /// Marks `node`; false if it was already marked in this search.
    fn insert(&mut self, node: u32) -> bool {
        let mark = &mut self.marks[node as usize];
        if *mark == self.epoch {
            false
        } else {
            *mark = self.epoch;
            true
        }
    }
}

thread_local! {
    static VISITED: RefCell<Visited> = RefCell::new(Visited::default());
}

/// SplitMix64: a stateless, well-mixed hash for the level of node `i`.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Hnsw {
    /// An empty graph.
    pub fn new(params: HnswParams) -> Self {
        Self {
            params,
            links: Vec::new(),
            base_layer: Vec::new(),
            entry: None,
            max_level: 0,
        }
    }

    /// A graph over the first `vectors.len() / DIM` rows, inserted in order.
    pub fn build(params: HnswParams, vectors: &[f32]) -> Self {
        let mut graph = Self::new(params);
        graph.extend(vectors);
        graph
    }

    /// Inserts every row of `vectors` the graph does not have yet.
    pub fn extend(&mut self, vectors: &[f32]) {
        while self.len() < vectors.len() / DIM {
            self.insert(vectors);
        }
        self.rebuild_base_layer();
    }

    fn base_stride(&self) -> usize {
        1 + self.capacity(0)
    }

    fn rebuild_base_layer(&mut self) {
        let stride = self.base_stride();
        let mut base = Vec::with_capacity(self.links.len() * stride);
        for levels in &self.links {
            let list = levels.first().map_or(&[][..], Vec::as_slice);
            base.push(list.len() as u32);
            base.extend_from_slice(list);
            base.resize(base.len() + stride - 1 - list.len(), 0);
        }
        self.base_layer = base;
    }

    /// Node `node`'s slots in `base_layer`, if it covers the graph.
    fn base_row(&self, node: u32) -> Option<&[u32]> {
        let stride = self.base_stride();
        let start = node as usize * stride;
        if self.base_layer.len() != self.links.len() * stride {
            return None;
        }
        self.base_layer.get(start..start + stride)
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    /// Nodes in the graph.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    fn level_for(&self, node: u32) -> usize {
        let m = self.params.m.max(2) as f64;
        let bits = splitmix64(self.params.seed ^ u64::from(node)) >> 11;
        // Uniform in (0, 1]: never ln(0).
        let u = (bits as f64 + 1.0) / (1u64 << 53) as f64;
        ((-u.ln() / m.ln()) as usize).min(MAX_LEVEL)
    }

    fn capacity(&self, level: usize) -> usize {
        if level == 0 {
            2 * self.params.m
        } else {
            self.params.m
        }
    }

    fn neighbours(&self, node: u32, level: usize) -> &[u32] {
        if level == 0 {
            if let Some(row) = self.base_row(node) {
                return &row[1..=row[0] as usize];
            }
        }
        self.links
            .get(node as usize)
            .and_then(|levels| levels.get(level))
            .map_or(&[], Vec::as_slice)
    }

    /// Inserts row `self.len()` of `vectors` (which must hold it).
    pub fn insert(&mut self, vectors: &[f32]) {
        let node = self.links.len() as u32;
        let level = self.level_for(node);
        self.links.push(vec![Vec::new(); level + 1]);
        let query = row(vectors, node);
        let Some(mut entry) = self.entry else {
            self.entry = Some(node);
            self.max_level = level;
            return;
        };
        let mut stats = SearchStats::default();
        let dist = RowDistance { query, vectors };
        let mut entry_dist = dist.distance(entry);
        for lev in (level + 1..=self.max_level).rev() {
            (entry, entry_dist) = self.greedy(&dist, entry, entry_dist, lev, &mut stats);
        }
        let mut entries = vec![Candidate {
            dist: entry_dist,
            node: entry,
        }];
        for lev in (0..=level.min(self.max_level)).rev() {
            let found = self.search_layer(
                &dist,
                &entries,
                self.params.ef_construction,
                lev,
                None,
                &mut stats,
            );
            let selected = select_neighbours(vectors, &found, self.params.m);
            self.links[node as usize][lev] = selected.iter().map(|c| c.node).collect();
            let cap = self.capacity(lev);
            for c in &selected {
                let list = &mut self.links[c.node as usize][lev];
                list.push(node);
                if list.len() > cap {
                    let base = row(vectors, c.node);
                    let mut candidates: Vec<Candidate> = list
                        .iter()
                        .map(|&other| Candidate {
                            dist: distance(base, row(vectors, other)),
                            node: other,
                        })
                        .collect();
                    candidates.sort_unstable();
                    let kept = select_neighbours(vectors, &candidates, cap);
                    self.links[c.node as usize][lev] = kept.iter().map(|k| k.node).collect();
                }
            }
            entries = found;
        }
        if level > self.max_level {
            self.max_level = level;
            self.entry = Some(node);
        }
    }

    fn greedy(
        &self,
        dist_to: &impl NodeDistance,
        mut node: u32,
        mut dist: f32,
        level: usize,
        stats: &mut SearchStats,
    ) -> (u32, f32) {
        loop {
            let mut changed = false;
            let neighbours = self.neighbours(node, level);
            for &next in neighbours {
                dist_to.prefetch(next);
            }
            for &next in neighbours {
                stats.distance_evals += 1;
                let d = dist_to.distance(next);
                if d < dist {
                    dist = d;
                    node = next;
                    changed = true;
                }
            }
            if !changed {
                return (node, dist);
            }
        }
    }

    /// The `ef` nearest nodes on `level` that pass `filter`, nearest first
    /// (algorithm 2 of the paper, with the filter applied to the result
    /// set only, so the walk can pass through filtered-out nodes).
    fn search_layer(
        &self,
        dist_to: &impl NodeDistance,
        entries: &[Candidate],
        ef: usize,
        level: usize,
        filter: Option<NodeFilter<'_>>,
        stats: &mut SearchStats,
    ) -> Vec<Candidate> {
        let passes = |node: u32| filter.is_none_or(|f| f(node));
        VISITED.with(|visited| {
            let mut visited = visited.borrow_mut();
            visited.begin(self.links.len());
            let mut candidates = BinaryHeap::with_capacity(ef * 2);
            let mut results: BinaryHeap<Candidate> = BinaryHeap::with_capacity(ef + 1);
            for &e in entries {
                if visited.insert(e.node) {
                    candidates.push(Reverse(e));
                    if passes(e.node) {
                        results.push(e);
                    }
                }
            }
            while results.len() > ef {
                results.pop();
            }
            let mut fresh: Vec<u32> = Vec::with_capacity(self.capacity(level));
            while let Some(Reverse(current)) = candidates.pop() {
                if results.len() >= ef && results.peek().is_some_and(|w| current.dist > w.dist) {
                    break;
                }
                // The likely next step's list loads while this one's
                // distances are computed.
                if level == 0 {
                    if let Some(row) = candidates.peek().and_then(|c| self.base_row(c.0.node)) {
                        prefetch(row);
                    }
                }
                fresh.clear();
                for &next in self.neighbours(current.node, level) {
                    if visited.insert(next) {
                        dist_to.prefetch(next);
                        fresh.push(next);
                    }
                }
                for &next in &fresh {
                    stats.distance_evals += 1;
                    let dist = dist_to.distance(next);
                    let worse_than_all =
                        results.len() >= ef && results.peek().is_some_and(|w| dist >= w.dist);
                    if worse_than_all {
                        continue;
                    }
                    let c = Candidate { dist, node: next };
                    candidates.push(Reverse(c));
                    if passes(next) {
                        results.push(c);
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
            results.into_sorted_vec()
        })
    }

    /// The `max(ef, k)` nodes nearest to the query that pass `filter`,
    /// nearest first, by `dist_to` (the distance from the query to a
    /// node; the caller may pass a cheaper approximation than the one the
    /// graph was built with and re-rank the result, as segments do).
    pub fn search(
        &self,
        dist_to: impl NodeDistance,
        k: usize,
        ef: usize,
        filter: Option<NodeFilter<'_>>,
        stats: &mut SearchStats,
    ) -> Vec<Candidate> {
        let Some(mut entry) = self.entry else {
            return Vec::new();
        };
        if k == 0 {
            return Vec::new();
        }
        stats.distance_evals += 1;
        let mut dist = dist_to.distance(entry);
        for lev in (1..=self.max_level).rev() {
            (entry, dist) = self.greedy(&dist_to, entry, dist, lev, stats);
        }
        self.search_layer(
            &dist_to,
            &[Candidate { dist, node: entry }],
            ef.max(k),
            0,
            filter,
            stats,
        )
    }

    /// Appends the graph's encoding to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.params.m as u32).to_le_bytes());
        out.extend_from_slice(&(self.params.ef_construction as u32).to_le_bytes());
        out.extend_from_slice(&self.params.seed.to_le_bytes());
        out.extend_from_slice(&(self.links.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.entry.unwrap_or(u32::MAX).to_le_bytes());
        for levels in &self.links {
            out.push(levels.len() as u8);
            for list in levels {
                out.extend_from_slice(&(list.len() as u32).to_le_bytes());
                for n in list {
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
        }
    }

    /// Decodes a graph over exactly `nodes` rows, checking every link.
    pub(crate) fn decode(reader: &mut Reader<'_>, nodes: usize) -> Result<Self, String> {
        let m = reader.u32()? as usize;
        let ef_construction = reader.u32()? as usize;
        let seed = reader.u64()?;
        let count = reader.u32()? as usize;
        if count != nodes || m == 0 || m > 255 {
            return Err(format!(
                "graph header: {count} nodes for {nodes} rows, m = {m}"
            ));
        }
        let entry = match reader.u32()? {
            u32::MAX => None,
            e if (e as usize) < nodes => Some(e),
            e => return Err(format!("entry point {e} out of range")),
        };
        let mut graph = Self::new(HnswParams {
            m,
            ef_construction,
            seed,
        });
        for _ in 0..nodes {
            let levels = reader.u8()? as usize;
            if levels == 0 || levels > MAX_LEVEL + 1 {
                return Err(format!("node with {levels} levels"));
            }
            let mut node_links = Vec::with_capacity(levels);
            for level in 0..levels {
                let len = reader.u32()? as usize;
                if len > graph.capacity(level) {
                    return Err(format!("{len} links on level {level}"));
                }
                let mut list = Vec::with_capacity(len);
                for _ in 0..len {
                    let n = reader.u32()?;
                    if n as usize >= nodes {
                        return Err(format!("link to node {n} of {nodes}"));
                    }
                    list.push(n);
                }
                node_links.push(list);
            }
            graph.links.push(node_links);
        }
        if let Some(e) = entry {
            graph.max_level = graph.links[e as usize].len() - 1;
            graph.entry = Some(e);
        } else if nodes > 0 {
            return Err("nodes but no entry point".into());
        }
        graph.rebuild_base_layer();
        Ok(graph)
    }
}

/// The neighbour-selection heuristic (algorithm 4 of the paper, as in
/// hnswlib): walking the candidates nearest first, keep one only if it is
/// closer to the base than to every neighbour kept so far, up to `m`.
/// This keeps links pointing in different directions, which is what
/// holds clustered data together as one navigable graph.
fn select_neighbours(vectors: &[f32], sorted: &[Candidate], m: usize) -> Vec<Candidate> {
    if sorted.len() <= m {
        return sorted.to_vec();
    }
    let mut kept: Vec<Candidate> = Vec::with_capacity(m);
    for c in sorted {
        if kept.len() >= m {
            break;
        }
        let v = row(vectors, c.node);
        if kept
            .iter()
            .all(|k| distance(v, row(vectors, k.node)) > c.dist)
        {
            kept.push(*c);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_rows(n: usize) -> Vec<f32> {
        let mut vectors = Vec::with_capacity(n * DIM);
        for i in 0..n {
            let mut v: Vec<f32> = (0..DIM)
                .map(|d| ((i * 31 + d * 7) as f32 * 0.013).sin())
                .collect();
            crate::vector::normalize(&mut v);
            vectors.extend(v);
        }
        vectors
    }

    #[test]
    fn a_decoded_graph_equals_the_encoded_one_and_searches_the_same() {
        let vectors = unit_rows(300);
        let graph = Hnsw::build(HnswParams::default(), &vectors);
        let mut bytes = Vec::new();
        graph.encode(&mut bytes);
        let decoded = Hnsw::decode(&mut Reader::new(&bytes), 300).unwrap();
        assert_eq!(decoded, graph);
        let query = row(&vectors, 17).to_vec();
        let dist = |n: u32| distance(&query, row(&vectors, n));
        let (mut a, mut b) = (SearchStats::default(), SearchStats::default());
        let found = decoded.search(dist, 10, 32, None, &mut a);
        assert_eq!(found, graph.search(dist, 10, 32, None, &mut b));
        assert_eq!(found.len(), 32);
        assert_eq!(found[0].node, 17);
        assert!(a.distance_evals > 0);
    }
}
