//! Which suites a change can affect: the files changed since the base
//! revision, mapped to the workspace packages that own them and through
//! the suites' path dependencies to the suites (CodSpeed's "partial runs").
//!
//! Pure: the changed paths come from [`crate::git::changed_paths`], the
//! packages from [`crate::workspace::Workspace`]; nothing here reads files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::workspace::Suite;

/// Files at the workspace root whose change can move every suite: the
/// dependency versions, the workspace manifest (profiles, shared
/// dependency versions, lints), the toolchain and cargo's own settings.
pub const SELECT_ALL_FILES: &[&str] = &[
    "Cargo.lock",
    "Cargo.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".cargo/config",
    ".cargo/config.toml",
];

/// Why a suite runs, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// `--all` (or no base to diff against) asked for every suite.
    Forced,
    /// A file that can move every suite changed.
    GlobalChange { path: String },
    /// A file of the suite's own package changed.
    OwnChange { path: String },
    /// A file of a package the suite depends on by path changed.
    DependencyChanged { package_dir: String, path: String },
    /// Nothing the suite is built from changed.
    Unaffected,
}

impl Reason {
    /// One line for the summary.
    pub fn describe(&self) -> String {
        match self {
            Self::Forced => "all suites requested (--all)".to_owned(),
            Self::GlobalChange { path } => format!("{path} changed (selects every suite)"),
            Self::OwnChange { path } => format!("its own file {path} changed"),
            Self::DependencyChanged { package_dir, path } => {
                format!("its path dependency {package_dir} changed ({path})")
            }
            Self::Unaffected => {
                "no file of the suite or of its path dependencies changed".to_owned()
            }
        }
    }
}

/// One suite and why it runs (or is skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteChoice {
    pub suite: String,
    pub reason: Reason,
}

/// The suites a change selects, and the ones it skips, each with its reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub selected: Vec<SuiteChoice>,
    pub skipped: Vec<SuiteChoice>,
}

impl Selection {
    /// Every suite, forced.
    pub fn all(suites: &[Suite]) -> Self {
        Self {
            selected: suites
                .iter()
                .map(|s| SuiteChoice {
                    suite: s.name.clone(),
                    reason: Reason::Forced,
                })
                .collect(),
            skipped: Vec::new(),
        }
    }

    pub fn selected_names(&self) -> Vec<String> {
        self.selected.iter().map(|c| c.suite.clone()).collect()
    }
}

/// The change's files relative to the workspace root, and what they touch.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Changed files, relative to the workspace root (files outside it
    /// already dropped by the caller).
    pub paths: &'a [PathBuf],
    /// The configuration file relative to the workspace root, if it lies
    /// inside it: thresholds change every verdict.
    pub config: Option<&'a Path>,
    /// Directories (relative to the workspace root) of the harness's own
    /// packages, when the workspace holds them.
    pub harness_dirs: &'a [PathBuf],
}

/// Decide, for each suite, whether `change` can affect it. A file belongs
/// to the package whose directory is its longest prefix, so a nested
/// package's files are not taken for its parent's.
pub fn select(suites: &[Suite], change: Change<'_>) -> Selection {
    let global = change.paths.iter().find(|path| {
        SELECT_ALL_FILES
            .iter()
            .any(|f| path.as_path() == Path::new(f))
            || change.config.is_some_and(|c| path.as_path() == c)
            || change.harness_dirs.iter().any(|dir| path.starts_with(dir))
    });
    if let Some(path) = global {
        return Selection {
            selected: suites
                .iter()
                .map(|s| SuiteChoice {
                    suite: s.name.clone(),
                    reason: Reason::GlobalChange {
                        path: display(path),
                    },
                })
                .collect(),
            skipped: Vec::new(),
        };
    }
    let package_dirs: Vec<&Path> = suites
        .iter()
        .flat_map(|s| std::iter::once(&s.relative_dir).chain(&s.path_dependencies))
        .map(PathBuf::as_path)
        .collect();
    let owner = |path: &Path| -> Option<&Path> {
        package_dirs
            .iter()
            .filter(|dir| path.starts_with(dir))
            .max_by_key(|dir| dir.components().count())
            .copied()
    };
    let owned: Vec<(&PathBuf, &Path)> = change
        .paths
        .iter()
        .filter_map(|path| Some((path, owner(path)?)))
        .collect();
    let mut selection = Selection::default();
    for suite in suites {
        let own = owned
            .iter()
            .find(|(_, dir)| *dir == suite.relative_dir.as_path());
        let dependency = || {
            owned
                .iter()
                .find(|(_, dir)| suite.path_dependencies.iter().any(|d| d.as_path() == *dir))
        };
        let reason = match (own, own.is_none().then(dependency).flatten()) {
            (Some((path, _)), _) => Reason::OwnChange {
                path: display(path),
            },
            (None, Some((path, dir))) => Reason::DependencyChanged {
                package_dir: display(dir),
                path: display(path),
            },
            (None, None) => Reason::Unaffected,
        };
        let choice = SuiteChoice {
            suite: suite.name.clone(),
            reason,
        };
        if choice.reason == Reason::Unaffected {
            selection.skipped.push(choice);
        } else {
            selection.selected.push(choice);
        }
    }
    selection
}

/// A path as the summary shows it: `/`-separated whatever the platform.
fn display(path: &Path) -> String {
    let shown = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if shown.is_empty() {
        ".".to_owned()
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(name: &str, dir: &str, deps: &[&str]) -> Suite {
        Suite {
            name: name.to_owned(),
            manifest_dir: PathBuf::from("/ws").join(dir),
            relative_dir: PathBuf::from(dir),
            criterion_targets: vec![name.to_owned()],
            iai_targets: Vec::new(),
            path_dependencies: deps.iter().map(PathBuf::from).collect(),
            bench_sources: Default::default(),
        }
    }

    fn pick(suites: &[Suite], paths: &[&str]) -> Selection {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        select(
            suites,
            Change {
                paths: &paths,
                config: Some(Path::new("benchgate.toml")),
                harness_dirs: &[PathBuf::from("harness")],
            },
        )
    }

    fn suites() -> Vec<Suite> {
        vec![
            suite(
                "inference",
                "benches/inference",
                &["harness/metrics", "benches/tokenization"],
            ),
            suite("spiking", "benches/spiking", &["harness/metrics"]),
            suite("tokenization", "benches/tokenization", &["harness/metrics"]),
        ]
    }

    #[test]
    fn a_suite_and_its_dependants_run_and_the_rest_are_skipped_with_reasons() {
        let s = pick(&suites(), &["benches/tokenization/src/lib.rs", "README.md"]);
        assert_eq!(s.selected_names(), ["inference", "tokenization"]);
        assert_eq!(
            s.selected[0].reason,
            Reason::DependencyChanged {
                package_dir: "benches/tokenization".into(),
                path: "benches/tokenization/src/lib.rs".into()
            }
        );
        assert_eq!(s.skipped.len(), 1);
        assert_eq!(s.skipped[0].suite, "spiking");
    }

    #[test]
    fn lock_file_config_and_harness_select_everything() {
        for path in [
            "Cargo.lock",
            "benchgate.toml",
            "harness/core/src/compare.rs",
        ] {
            let s = pick(&suites(), &[path]);
            assert_eq!(s.selected.len(), 3, "{path}");
            assert!(s.skipped.is_empty());
        }
    }

    #[test]
    fn a_file_belongs_to_its_innermost_package() {
        // A root package (a single-crate layout) does not claim the files
        // of a package nested inside it.
        let suites = vec![suite("root", "", &[]), suite("inner", "crates/inner", &[])];
        let s = pick(&suites, &["crates/inner/src/lib.rs"]);
        assert_eq!(s.selected_names(), ["inner"]);
        let s = pick(&suites, &["src/lib.rs"]);
        assert_eq!(s.selected_names(), ["root"]);
    }

    #[test]
    fn nothing_changed_selects_nothing() {
        let s = pick(&suites(), &[]);
        assert!(s.selected.is_empty());
        assert_eq!(s.skipped.len(), 3);
        assert!(s.skipped[0].reason.describe().contains("no file"));
    }
}
