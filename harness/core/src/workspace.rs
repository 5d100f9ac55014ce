//! Locating the workspace: its root, target directory and benchmark suites.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cargo_metadata::MetadataCommand;

use crate::config::Discovery;
use crate::error::{Error, Result};

/// Bench targets whose names start with this prefix are taken for
/// iai-callgrind benchmarks when their source cannot be read (the fallback
/// of [`is_iai_target`]).
pub const IAI_TARGET_PREFIX: &str = "iai";

/// Packages whose names start with this are benchgate's own harness: a
/// change there changes how every suite is measured and judged, so a
/// pull-request check runs every suite.
pub const HARNESS_PACKAGE_PREFIX: &str = "benchgate";

/// The iai-callgrind library's package name, as a dependency.
const IAI_PACKAGE: &str = "iai-callgrind";

/// A benchmark suite: one workspace package with bench targets (in this
/// repository, the crates under `benches/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// The crate (package) name, which is also the suite name.
    pub name: String,
    pub manifest_dir: PathBuf,
    /// `manifest_dir` relative to the workspace root (where the package
    /// lies in another checkout of the same repository, e.g. the A/B base).
    pub relative_dir: PathBuf,
    /// Criterion bench targets (`[[bench]]` with `harness = false`).
    pub criterion_targets: Vec<String>,
    /// iai-callgrind bench targets (names starting with [`IAI_TARGET_PREFIX`]).
    pub iai_targets: Vec<String>,
    /// Directories (relative to the workspace root, like `relative_dir`) of
    /// every package the suite depends on by path, directly or through
    /// other workspace members: a change there can change what it measures.
    pub path_dependencies: Vec<PathBuf>,
    /// Source file of each bench target (by target name), where its
    /// benchmarks are defined (see [`crate::source`]).
    pub bench_sources: std::collections::BTreeMap<String, PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub suites: Vec<Suite>,
    /// Directories (relative to `root`) of benchgate's own packages when
    /// the workspace holds them ([`HARNESS_PACKAGE_PREFIX`]).
    pub harness_dirs: Vec<PathBuf>,
    /// Names of the workspace's member packages: the code compiled from
    /// this repository rather than from a registry.
    pub members: Vec<String>,
}

impl Workspace {
    /// Ask cargo about the workspace containing `dir`.
    pub fn locate(dir: &Path) -> Result<Self> {
        let metadata = MetadataCommand::new()
            .current_dir(dir)
            .no_deps()
            .exec()
            .map_err(|e| {
                Error::Refused(format!(
                    "cannot read a Cargo workspace at {} ({e}); run benchgate inside a Cargo workspace with cargo on PATH",
                    dir.display()
                ))
            })?;
        let root = metadata.workspace_root.clone().into_std_path_buf();
        let closure = path_dependency_closure(&metadata, &root);
        let mut suites: Vec<Suite> = metadata
            .packages
            .iter()
            .filter(|p| metadata.workspace_members.contains(&p.id))
            .filter_map(|package| {
                let manifest_dir = package.manifest_path.parent()?.as_std_path().to_owned();
                let links_iai = package.dependencies.iter().any(|d| d.name == IAI_PACKAGE);
                let (iai, criterion): (Vec<_>, Vec<_>) = package
                    .targets
                    .iter()
                    .filter(|t| t.is_bench())
                    .partition(|t| is_iai_target(links_iai, &t.name, t.src_path.as_std_path()));
                if iai.is_empty() && criterion.is_empty() {
                    return None;
                }
                Some(Suite {
                    name: package.name.to_string(),
                    relative_dir: manifest_dir
                        .strip_prefix(&root)
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    manifest_dir,
                    criterion_targets: criterion.iter().map(|t| t.name.clone()).collect(),
                    iai_targets: iai.iter().map(|t| t.name.clone()).collect(),
                    bench_sources: iai
                        .iter()
                        .chain(&criterion)
                        .map(|t| (t.name.clone(), t.src_path.clone().into_std_path_buf()))
                        .collect(),
                    path_dependencies: closure
                        .get(package.name.as_str())
                        .cloned()
                        .unwrap_or_default(),
                })
            })
            .collect();
        suites.sort_by(|a, b| a.name.cmp(&b.name));
        let harness_dirs = metadata
            .packages
            .iter()
            .filter(|p| metadata.workspace_members.contains(&p.id))
            .filter(|p| p.name.starts_with(HARNESS_PACKAGE_PREFIX))
            .filter_map(|p| {
                let dir = p.manifest_path.parent()?.as_std_path();
                dir.strip_prefix(&root).ok().map(Path::to_path_buf)
            })
            .collect();
        let mut members: Vec<String> = metadata
            .packages
            .iter()
            .filter(|p| metadata.workspace_members.contains(&p.id))
            .map(|p| p.name.to_string())
            .collect();
        members.sort();
        Ok(Self {
            root,
            target_dir: metadata.target_directory.into_std_path_buf(),
            suites,
            harness_dirs,
            members,
        })
    }

    /// This workspace with only the suites and bench targets `discovery`
    /// (the configuration's `[discovery]`) lets in. A package or target
    /// named there that the workspace does not have is an error: a typo
    /// must not silently gate less.
    pub fn discovered(mut self, discovery: &Discovery, config: &Path) -> Result<Self> {
        let known = |name: &str| self.suites.iter().any(|s| s.name == name);
        let target_known = |spec: &str| {
            spec.split_once('/').is_some_and(|(package, target)| {
                self.suites.iter().any(|s| {
                    s.name == package
                        && (s.criterion_targets.iter().chain(&s.iai_targets)).any(|t| t == target)
                })
            })
        };
        let unknown = discovery
            .include
            .iter()
            .chain(&discovery.exclude)
            .find(|name| !known(name))
            .map(|name| format!("package `{name}`"))
            .or_else(|| {
                discovery
                    .exclude_targets
                    .iter()
                    .find(|spec| !target_known(spec))
                    .map(|spec| format!("bench target `{spec}`"))
            });
        if let Some(what) = unknown {
            let names: Vec<&str> = self.suites.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::malformed(
                config,
                format!(
                    "[discovery] names {what}, which is not a workspace package with bench targets (those are: {})",
                    names.join(", ")
                ),
                "name packages as `cargo metadata` does, and targets as `package/target`",
            ));
        }
        self.suites.retain(|suite| {
            (discovery.include.is_empty() || discovery.include.contains(&suite.name))
                && !discovery.exclude.contains(&suite.name)
        });
        for suite in &mut self.suites {
            let excluded: Vec<String> = discovery
                .exclude_targets
                .iter()
                .filter_map(|spec| spec.strip_prefix(&format!("{}/", suite.name)))
                .map(str::to_owned)
                .collect();
            suite.criterion_targets.retain(|t| !excluded.contains(t));
            suite.iai_targets.retain(|t| !excluded.contains(t));
        }
        self.suites
            .retain(|s| !(s.criterion_targets.is_empty() && s.iai_targets.is_empty()));
        Ok(self)
    }

    /// The suites named, or all of them when `names` is empty.
    pub fn select_suites(&self, names: &[String]) -> Result<Vec<Suite>> {
        if names.is_empty() {
            return Ok(self.suites.clone());
        }
        names
            .iter()
            .map(|name| {
                self.suites
                    .iter()
                    .find(|s| &s.name == name)
                    .cloned()
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            self.suites.iter().map(|s| s.name.as_str()).collect();
                        Error::Refused(format!(
                            "no suite named `{name}`; the packages with bench targets in {} are: {}",
                            self.root.display(),
                            known.join(", ")
                        ))
                    })
            })
            .collect()
    }

    /// `target/benchgate`, where the gate keeps its working files.
    pub fn work_dir(&self) -> PathBuf {
        self.target_dir.join("benchgate")
    }

    /// Per-suite criterion homes live under here.
    pub fn criterion_root(&self) -> PathBuf {
        self.work_dir().join("criterion")
    }

    pub fn metrics_dir(&self) -> PathBuf {
        self.work_dir().join("metrics")
    }

    /// Per-suite iai-callgrind homes (`IAI_CALLGRIND_HOME`) live under here.
    pub fn iai_root(&self) -> PathBuf {
        self.work_dir().join("iai")
    }

    /// Tools benchgate installs for itself (`iai-callgrind-runner`).
    pub fn tools_dir(&self) -> PathBuf {
        self.work_dir().join("tools")
    }

    /// The version of `package` pinned in the workspace's `Cargo.lock`.
    pub fn locked_version(&self, package: &str) -> Option<String> {
        locked_version(&self.root.join("Cargo.lock"), package)
    }

    /// The criterion version(s) `suites` are built with, from the
    /// workspace's `Cargo.lock` (see [`locked_dependency_version`]).
    pub fn criterion_version(&self, suites: &[Suite]) -> Option<String> {
        let names: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
        locked_dependency_version(&self.root.join("Cargo.lock"), &names, "criterion")
    }

    /// The latest collected run.
    pub fn run_file(&self) -> PathBuf {
        self.work_dir().join("run.json")
    }
}

/// Per workspace member, the directories (relative to `root`) of its path
/// dependencies, followed through other members: `cargo metadata
/// --no-deps` lists each member's direct dependencies with their paths,
/// which is all a change-to-suite mapping needs.
fn path_dependency_closure(
    metadata: &cargo_metadata::Metadata,
    root: &Path,
) -> BTreeMap<String, Vec<PathBuf>> {
    let relative = |dir: &Path| {
        dir.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| dir.to_owned())
    };
    let members: Vec<&cargo_metadata::Package> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let member_by_dir: BTreeMap<PathBuf, &cargo_metadata::Package> = members
        .iter()
        .filter_map(|p| Some((p.manifest_path.parent()?.as_std_path().to_owned(), *p)))
        .collect();
    let direct = |package: &cargo_metadata::Package| -> Vec<PathBuf> {
        package
            .dependencies
            .iter()
            .filter_map(|d| d.path.as_ref().map(|p| p.as_std_path().to_owned()))
            .collect()
    };
    members
        .iter()
        .map(|package| {
            let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
            let mut queue = direct(package);
            while let Some(dir) = queue.pop() {
                if seen.insert(dir.clone()) {
                    if let Some(member) = member_by_dir.get(&dir) {
                        queue.extend(direct(member));
                    }
                }
            }
            (
                package.name.to_string(),
                seen.iter().map(|dir| relative(dir)).collect(),
            )
        })
        .collect()
}

/// Whether a bench target is an iai-callgrind benchmark (run once under
/// valgrind for instruction counts) rather than a criterion one: its
/// package depends on `iai-callgrind` and its source uses it. Where the
/// source cannot be read, the name decides ([`IAI_TARGET_PREFIX`]).
pub fn is_iai_target(package_links_iai: bool, name: &str, source: &Path) -> bool {
    if !package_links_iai {
        return false;
    }
    match std::fs::read_to_string(source) {
        Ok(text) => text.contains("iai_callgrind"),
        Err(_) => name.starts_with(IAI_TARGET_PREFIX),
    }
}

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Locked>,
}

#[derive(serde::Deserialize)]
struct Locked {
    name: String,
    version: String,
    /// `name`, or `name version` where the lock holds several versions
    /// of it, or `name version (source)` where they differ in source.
    #[serde(default)]
    dependencies: Vec<String>,
}

fn read_lock(lock_path: &Path) -> Option<Lock> {
    toml::from_str(&std::fs::read_to_string(lock_path).ok()?).ok()
}

/// The version of `package` pinned in a `Cargo.lock`, if any.
pub fn locked_version(lock_path: &Path, package: &str) -> Option<String> {
    read_lock(lock_path)?
        .package
        .into_iter()
        .find(|p| p.name == package)
        .map(|p| p.version)
}

/// The version(s) of `dependency` that the packages `dependents` use, as
/// a `Cargo.lock` pins them: one version, or several joined by `, ` in
/// version order where the packages use different ones (a workspace can
/// hold criterion 0.5 and 0.8 side by side). `None` when none of them
/// depends on it or the lock cannot be read.
pub fn locked_dependency_version(
    lock_path: &Path,
    dependents: &[String],
    dependency: &str,
) -> Option<String> {
    let lock = read_lock(lock_path)?;
    let mut versions: Vec<String> = lock
        .package
        .iter()
        .filter(|p| dependents.contains(&p.name))
        .flat_map(|p| &p.dependencies)
        .filter_map(|entry| {
            let mut words = entry.split_whitespace();
            if words.next()? != dependency {
                return None;
            }
            match words.next() {
                Some(version) => Some(version.to_owned()),
                // Unqualified: the lock holds one version of it.
                None => lock
                    .package
                    .iter()
                    .find(|p| p.name == dependency)
                    .map(|p| p.version.clone()),
            }
        })
        .collect();
    versions.sort_by_key(|v| {
        v.split('.')
            .map(|part| part.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    versions.dedup();
    (!versions.is_empty()).then(|| versions.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Cargo.lock` as cargo writes it for a workspace whose two bench
    /// packages use two criterion releases (so their entries name the
    /// version) and a third package none.
    const TWO_CRITERIONS: &str = r#"version = 4

[[package]]
name = "alpha"
version = "0.1.0"
dependencies = [
 "criterion 0.5.1",
]

[[package]]
name = "beta"
version = "0.1.0"
dependencies = [
 "criterion 0.8.2",
 "serde",
]

[[package]]
name = "criterion"
version = "0.5.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "criterion"
version = "0.8.2"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "gamma"
version = "0.1.0"
dependencies = [
 "serde",
]

[[package]]
name = "serde"
version = "1.0.229"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn the_criterion_version_is_the_one_each_bench_package_uses() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        std::fs::write(&lock, TWO_CRITERIONS).unwrap();
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let version = |list: &[&str]| locked_dependency_version(&lock, &names(list), "criterion");
        assert_eq!(version(&["alpha"]).as_deref(), Some("0.5.1"));
        assert_eq!(version(&["beta"]).as_deref(), Some("0.8.2"));
        assert_eq!(version(&["beta", "alpha"]).as_deref(), Some("0.5.1, 0.8.2"));
        assert_eq!(version(&["gamma"]), None);
        // The first entry of the lock, which the run recorded before.
        assert_eq!(locked_version(&lock, "criterion").as_deref(), Some("0.5.1"));
        // One version in the lock: entries name it without a version.
        std::fs::write(
            &lock,
            "version = 4\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"criterion\"]\n[[package]]\nname = \"criterion\"\nversion = \"0.4.0\"\n",
        )
        .unwrap();
        assert_eq!(version(&["a"]).as_deref(), Some("0.4.0"));
    }
}
