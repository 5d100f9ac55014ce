//! Where a benchmark is defined: the line of its bench target's source
//! that names it, so that a CI annotation points at the code a reviewer
//! reads in the diff.
//!
//! A benchmark id is the names its definition gives, joined by `/`
//! (criterion: group/function/parameter; iai-callgrind: target/group/
//! function/id). The most specific of those names found as a string
//! literal, a function name or a macro's `name =` wins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::workspace::{Suite, Workspace};

/// A line of a file, the path relative to the repository root with `/`
/// separators (as GitHub's annotations want it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: String,
    /// 1-based; `None` when the file is known but no line names the
    /// benchmark (e.g. its group name is computed).
    pub line: Option<usize>,
}

/// The 1-based line of `text` that defines the benchmark `id`: the last
/// (most specific) segment of the id that a line names. Segments of
/// digits only are parameters and match too much to mean anything.
pub fn find_definition(text: &str, id: &str) -> Option<usize> {
    id.split('/')
        .rev()
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .find_map(|segment| {
            let patterns = [
                format!("\"{segment}\""),
                format!("\"{segment}/"),
                format!("fn {segment}("),
                format!("fn {segment}<"),
                format!("::{segment}("),
                format!("name = {segment};"),
                format!("name = {segment},"),
            ];
            text.lines()
                .position(|line| patterns.iter().any(|p| line.contains(p.as_str())))
                .map(|index| index + 1)
        })
}

/// The bench sources of `suite` that may define `id`: an iai-callgrind
/// id starts with its target's name, so only that target's file; a
/// criterion id may come from any criterion target.
fn candidate_sources<'a>(suite: &'a Suite, id: &str) -> Vec<&'a Path> {
    let first = id.split('/').next().unwrap_or_default();
    if suite.iai_targets.iter().any(|t| t == first) {
        return suite
            .bench_sources
            .get(first)
            .map(PathBuf::as_path)
            .into_iter()
            .collect();
    }
    suite
        .criterion_targets
        .iter()
        .filter_map(|t| suite.bench_sources.get(t).map(PathBuf::as_path))
        .collect()
}

/// Locate each `(suite, benchmark id)`; ids whose suite or source cannot be
/// read are left out. Files are read once each.
pub fn locate_benchmarks<'a>(
    workspace: &Workspace,
    ids: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<(String, String), SourceLocation> {
    let repository_root = git2::Repository::discover(&workspace.root)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| workspace.root.clone());
    let shown = |file: &Path| {
        let file = file.canonicalize().unwrap_or_else(|_| file.to_owned());
        let root = repository_root
            .canonicalize()
            .unwrap_or_else(|_| repository_root.clone());
        file.strip_prefix(&root)
            .unwrap_or(&file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut texts: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    let mut found = BTreeMap::new();
    for (suite_name, id) in ids {
        let Some(suite) = workspace.suites.iter().find(|s| s.name == suite_name) else {
            continue;
        };
        let sources = candidate_sources(suite, id);
        let hit = sources.iter().find_map(|file| {
            let text = texts
                .entry(file.to_path_buf())
                .or_insert_with(|| crate::input::read_text(file).ok());
            find_definition(text.as_deref()?, id).map(|line| (*file, Some(line)))
        });
        // A suite with one source file still names the file.
        let hit = hit.or(match sources.as_slice() {
            [only] => Some((*only, None)),
            _ => None,
        });
        if let Some((file, line)) = hit {
            found.insert(
                (suite_name.to_owned(), id.to_owned()),
                SourceLocation {
                    file: shown(file),
                    line,
                },
            );
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::find_definition;

    const CRITERION: &str = r#"fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("summary_one_shot");
    for n in [1000, 100000] {
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, n| {});
    }
    let mut group = c.benchmark_group("store_100");
    group.bench_function("one_by_one", |b| {});
    SELECTED.mark(&format!("summary_streaming/{n}"));
}"#;

    const IAI: &str = r#"#[library_benchmark]
#[bench::top10_2000(setup())]
fn search(store: Store) {}
#[library_benchmark]
fn store() {}
library_benchmark_group!(name = store_and_search; benchmarks = search, store);
"#;

    #[test]
    fn the_most_specific_name_wins() {
        assert_eq!(find_definition(CRITERION, "summary_one_shot/1000"), Some(2));
        assert_eq!(find_definition(CRITERION, "store_100/one_by_one"), Some(7));
        assert_eq!(
            find_definition(CRITERION, "summary_streaming/1000"),
            Some(8)
        );
        assert_eq!(
            find_definition(IAI, "iai_memstore/store_and_search/search/top10_2000"),
            Some(2)
        );
        assert_eq!(
            find_definition(IAI, "iai_memstore/store_and_search/store"),
            Some(5)
        );
        assert_eq!(
            find_definition(IAI, "iai_memstore/store_and_search"),
            Some(6)
        );
        assert_eq!(find_definition(CRITERION, "unknown/1000"), None);
    }
}
