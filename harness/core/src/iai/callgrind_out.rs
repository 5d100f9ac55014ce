//! Callgrind's profile files (`callgrind.*.out`, "callgrind format" version
//! 1), mirrored as far as benchgate reads them: each function's own cost,
//! by object file.
//!
//! Also kept: how often each function called each other one (`read.rs`
//! needs it for callees whose own cost depends on their arguments'
//! addresses).
//!
//! A file is a sequence of lines: `ob=`/`fl=`/`fi=`/`fe=`/`fn=` set the
//! object, file and function the following cost lines belong to;
//! `cob=`/`cfi=`/`cfl=`/`cfn=` name a callee, `calls=<count> <target>`
//! says how often it was called, and the cost line right after it is the
//! call's inclusive cost (not the caller's own). Names may be compressed
//! as `(id) name` on first use and `(id)` later. Cost lines are the
//! positions of the `positions:` header followed by the events of the
//! `events:` header; trailing zero events may be left out.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// Events benchgate keeps per function: instructions, data reads, data
/// writes. (The cache simulation's events depend on addresses, which is
/// exactly what a placement check must not compare.)
pub const KEPT_EVENTS: [&str; 3] = ["Ir", "Dr", "Dw"];

/// Cost of [`KEPT_EVENTS`], in that order; absent events are zero.
pub type Cost = [u64; 3];

/// A function: its object file and its name.
pub type Function = (String, String);

/// One benchmark's profile, all its files (one per thread) added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallgrindProfile {
    /// Own (exclusive) cost per function.
    pub self_cost: BTreeMap<Function, Cost>,
    /// Number of calls per `(caller, callee)`.
    pub calls: BTreeMap<(Function, Function), u64>,
}

/// Fix suggested for a profile file that cannot be read.
const FIX: &str = "re-run the instruction counts (the file is callgrind's own output; a truncated one comes from an interrupted run)";

/// Name tables of a file's compressed names, one per kind.
#[derive(Default)]
struct Names {
    objects: BTreeMap<String, String>,
    files: BTreeMap<String, String>,
    functions: BTreeMap<String, String>,
}

/// `(id) name` defines a numeric id, `(id)` refers to it, anything else
/// (including names like `(below main)`) is a plain name.
fn resolve(
    table: &mut BTreeMap<String, String>,
    value: &str,
) -> std::result::Result<String, String> {
    let value = value.trim();
    let compressed = value
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .filter(|(id, _)| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()));
    let Some((id, name)) = compressed else {
        return Ok(value.to_owned());
    };
    let name = name.trim();
    if name.is_empty() {
        table
            .get(id)
            .cloned()
            .ok_or_else(|| format!("name id ({id}) used before it was defined"))
    } else {
        table.insert(id.to_owned(), name.to_owned());
        Ok(name.to_owned())
    }
}

impl CallgrindProfile {
    /// Reads one profile file and adds it to this profile.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let text = crate::input::read_text(path).map_err(|e| Error::read(path, e))?;
        self.add_text(&text)
            .map_err(|(line, why)| Error::malformed(path, format!("line {line}: {why}"), FIX))
    }

    /// Adds one profile's text; errors carry the 1-based line number.
    pub fn add_text(&mut self, text: &str) -> std::result::Result<(), (usize, String)> {
        let mut names = Names::default();
        let mut positions = 1usize;
        // Column of each kept event among the cost columns, if present.
        let mut columns: Option<[Option<usize>; 3]> = None;
        let mut object = String::new();
        let mut function = String::new();
        // The callee named by `cob=`/`cfn=` for the next `calls=` line; its
        // object defaults to the caller's.
        let mut callee_object: Option<String> = None;
        let mut callee: Option<String> = None;
        let mut pending_call: Option<(Function, u64)> = None;
        let mut saw_header = false;
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.trim_end();
            let fail = |why: String| (number, why);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((key, value)) = line.split_once('=') {
                if !key.contains(char::is_whitespace) && !key.contains(':') {
                    match key {
                        "ob" => object = resolve(&mut names.objects, value).map_err(fail)?,
                        "fn" => function = resolve(&mut names.functions, value).map_err(fail)?,
                        // Resolved for their name tables: a later line may
                        // refer to an id defined here.
                        "fl" | "fi" | "fe" | "cfi" | "cfl" => {
                            resolve(&mut names.files, value).map_err(fail)?;
                        }
                        "cob" => {
                            callee_object = Some(resolve(&mut names.objects, value).map_err(fail)?);
                        }
                        "cfn" => {
                            callee = Some(resolve(&mut names.functions, value).map_err(fail)?);
                        }
                        "calls" => {
                            let count = value
                                .split_whitespace()
                                .next()
                                .and_then(|c| c.parse::<u64>().ok())
                                .ok_or_else(|| fail(format!("`{line}` has no call count")))?;
                            let name = callee
                                .take()
                                .ok_or_else(|| fail("a call without a `cfn=` callee".into()))?;
                            let object = callee_object.take().unwrap_or_else(|| object.clone());
                            pending_call = Some(((object, name), count));
                        }
                        // Everything else (`jump=`, `jcnd=`, …) carries no
                        // cost of its own.
                        _ => {}
                    }
                    continue;
                }
            }
            if let Some((key, value)) = line.split_once(':') {
                if !key.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
                    saw_header = true;
                    match key.trim() {
                        "positions" => positions = value.split_whitespace().count().max(1),
                        "events" => {
                            let events: Vec<&str> = value.split_whitespace().collect();
                            columns = Some(
                                KEPT_EVENTS.map(|kept| events.iter().position(|e| *e == kept)),
                            );
                        }
                        _ => {}
                    }
                    continue;
                }
            }
            // A cost line.
            let columns =
                columns.ok_or_else(|| fail("a cost line before the `events:` header".into()))?;
            let mut words = line.split_whitespace();
            for _ in 0..positions {
                let position = words
                    .next()
                    .ok_or_else(|| fail(format!("`{line}` is not a cost line")))?;
                let valid = position == "*"
                    || position
                        .trim_start_matches(['+', '-'])
                        .trim_start_matches("0x")
                        .chars()
                        .all(|c| c.is_ascii_hexdigit());
                if !valid {
                    return Err(fail(format!("`{line}` is not a cost line")));
                }
            }
            let values: Vec<u64> = words
                .map(|w| w.parse::<u64>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| fail(format!("`{line}` has a cost that is not a count")))?;
            if let Some((callee, count)) = pending_call.take() {
                // The call's inclusive cost: the callee's, not the caller's own.
                *self
                    .calls
                    .entry(((object.clone(), function.clone()), callee))
                    .or_default() += count;
                continue;
            }
            let cost = self
                .self_cost
                .entry((object.clone(), function.clone()))
                .or_default();
            for (slot, column) in cost.iter_mut().zip(columns) {
                if let Some(value) = column.and_then(|c| values.get(c)) {
                    *slot += value;
                }
            }
        }
        if !saw_header {
            return Err((1, "no callgrind header (`events:` and the like)".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = "# callgrind format
version: 1
creator: callgrind-3.19.0
cmd:  /bench/exe --iai-run
positions: line
events: Ir Dr Dw I1mr D1mr

summary: 131 40 20 3 1

ob=(1) /bench/exe
fl=(1) ???
fn=(1) bench::work
0 100 30 15 2 1
cob=(2) /usr/lib/x86_64-linux-gnu/libc.so.6
cfi=(2) ???
cfn=(2) malloc
calls=2 0
0 30 10 5 1
fn=(3) bench::other
+2 1
cfn=(below main)
calls=1 0
0 5
ob=(2)
fl=(2)
fn=(2)
0 30 10 5 1 0
";

    #[test]
    fn own_costs_are_kept_apart_from_call_costs() {
        let mut profile = CallgrindProfile::default();
        profile.add_text(PROFILE).unwrap();
        let exe = "/bench/exe".to_owned();
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6".to_owned();
        assert_eq!(
            profile.self_cost[&(exe.clone(), "bench::work".into())],
            [100, 30, 15]
        );
        assert_eq!(
            profile.self_cost[&(exe.clone(), "bench::other".into())],
            [1, 0, 0]
        );
        assert_eq!(
            profile.self_cost[&(libc.clone(), "malloc".into())],
            [30, 10, 5]
        );
        // The call's inclusive cost went to no one's own cost.
        let total: u64 = profile.self_cost.values().map(|c| c[0]).sum();
        assert_eq!(total, 131);
        let work = (exe.clone(), "bench::work".to_owned());
        assert_eq!(profile.calls[&(work, (libc, "malloc".into()))], 2);
        // No `cob=`: the callee lives in the caller's object.
        let other = (exe.clone(), "bench::other".to_owned());
        assert_eq!(profile.calls[&(other, (exe, "(below main)".into()))], 1);
        assert_eq!(profile.calls.len(), 2);
    }

    #[test]
    fn files_of_several_threads_add_up() {
        let mut profile = CallgrindProfile::default();
        profile.add_text(PROFILE).unwrap();
        profile.add_text(PROFILE).unwrap();
        assert_eq!(
            profile.self_cost[&("/bench/exe".into(), "bench::work".into())],
            [200, 60, 30]
        );
    }

    #[test]
    fn broken_files_name_the_line() {
        let mut profile = CallgrindProfile::default();
        let (line, why) = profile.add_text("events: Ir\nfn=(4)\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("(4)"), "{why}");
        let (line, _) = CallgrindProfile::default()
            .add_text("events: Ir\nfn=f\n0 12 x\n")
            .unwrap_err();
        assert_eq!(line, 3);
        assert!(CallgrindProfile::default().add_text("0 1 2\n").is_err());
    }
}
