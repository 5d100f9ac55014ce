//! Shards of a pull-request check: the selected suites split into N parts
//! of about equal expected duration, the same split on every machine.
//!
//! Pure: the expected durations are the caller's (recorded by earlier
//! checks, or counts of what a suite holds when nothing was recorded).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which part of how many: `--shard K/N`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

impl ShardSpec {
    /// The whole check in one part.
    pub const WHOLE: Self = Self { index: 1, count: 1 };
}

impl fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. --shard 2/5");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

/// How long a suite is expected to take, and where that figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedCost {
    pub suite: String,
    /// Seconds when recorded, otherwise a count in arbitrary units (all
    /// suites of one plan use the same kind, see [`plan`]).
    pub cost: f64,
}

/// Split `suites` into `count` shards by the longest-processing-time rule:
/// the most expensive suite first, each into the shard with the least
/// total so far (ties to the lower shard, equal costs by name), which is
/// within 4/3 of the best split (Graham 1969) and needs no search.
/// Deterministic: the same input gives the same shards everywhere.
pub fn plan(suites: &[ExpectedCost], count: u32) -> Vec<Vec<String>> {
    let count = count.max(1) as usize;
    let mut order: Vec<&ExpectedCost> = suites.iter().collect();
    order.sort_by(|a, b| {
        b.cost
            .total_cmp(&a.cost)
            .then_with(|| a.suite.cmp(&b.suite))
    });
    let mut shards: Vec<(f64, Vec<String>)> = vec![(0.0, Vec::new()); count];
    for suite in order {
        let lightest = shards
            .iter()
            .enumerate()
            .min_by(|(i, a), (j, b)| a.0.total_cmp(&b.0).then(i.cmp(j)))
            .map_or(0, |(i, _)| i);
        shards[lightest].0 += suite.cost.max(0.0);
        shards[lightest].1.push(suite.suite.clone());
    }
    shards
        .into_iter()
        .map(|(_, mut names)| {
            names.sort();
            names
        })
        .collect()
}

/// Expected costs of `suites`: recorded seconds where every suite has one,
/// otherwise the fallback counts for all (mixing seconds and counts would
/// compare apples with pears); a suite with neither counts 1.
pub fn expected_costs(
    suites: &[String],
    recorded_seconds: &BTreeMap<String, f64>,
    fallback_counts: &BTreeMap<String, usize>,
) -> Vec<ExpectedCost> {
    let all_recorded = suites.iter().all(|s| recorded_seconds.contains_key(s));
    suites
        .iter()
        .map(|suite| ExpectedCost {
            suite: suite.clone(),
            cost: if all_recorded {
                recorded_seconds[suite]
            } else {
                fallback_counts.get(suite).copied().unwrap_or(1).max(1) as f64
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(pairs: &[(&str, f64)]) -> Vec<ExpectedCost> {
        pairs
            .iter()
            .map(|(s, c)| ExpectedCost {
                suite: (*s).to_owned(),
                cost: *c,
            })
            .collect()
    }

    #[test]
    fn shard_specs_parse_and_refuse() {
        assert_eq!(
            "2/5".parse::<ShardSpec>().unwrap(),
            ShardSpec { index: 2, count: 5 }
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn longest_first_balances_and_every_suite_lands_once() {
        let c = costs(&[("a", 10.0), ("b", 7.0), ("c", 6.0), ("d", 4.0), ("e", 3.0)]);
        let shards = plan(&c, 2);
        // a → 0 (10), b → 1 (7), c → 1 (13), d → 0 (14), e → 1 (16).
        assert_eq!(shards, vec![vec!["a", "d"], vec!["b", "c", "e"]]);
        let mut all: Vec<String> = shards.concat();
        all.sort();
        assert_eq!(all, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn more_shards_than_suites_leaves_empty_shards() {
        let shards = plan(&costs(&[("a", 1.0)]), 3);
        assert_eq!(shards, vec![vec!["a".to_owned()], vec![], vec![]]);
    }

    #[test]
    fn counts_stand_in_unless_every_suite_has_seconds() {
        let suites = vec!["a".to_owned(), "b".to_owned()];
        let seconds = BTreeMap::from([("a".to_owned(), 100.0)]);
        let counts = BTreeMap::from([("a".to_owned(), 3), ("b".to_owned(), 9)]);
        let c = expected_costs(&suites, &seconds, &counts);
        assert_eq!(c[0].cost, 3.0);
        assert_eq!(c[1].cost, 9.0);
    }
}
