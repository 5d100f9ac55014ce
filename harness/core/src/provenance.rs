//! Provenance: who measured a run — the code's git state, the machine, the
//! toolchain and how the benchmarks were run — probed once per command and
//! passed to collecting, never re-probed there.
//!
//! rustc-perf's rule: a measurement's provenance travels with it. The paired
//! A/B run shows why it must be an input: its base side measured another
//! commit than the working tree, and only the caller knows which.

use std::path::Path;
use std::process::Command;

use crate::git::git_state;
use crate::machine::Machine;
use crate::run::{GitState, Profile, ToolVersions};
use crate::workspace::locked_version;

/// Everything a run records about where its numbers came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// `None` outside a git repository.
    pub git: Option<GitState>,
    pub machine: Machine,
    /// `iai_callgrind` is the version the code would use; collecting keeps
    /// it only when the run holds instruction counts.
    pub tools: ToolVersions,
    pub profile: Profile,
    /// Cargo features the benchmarks were built with.
    pub features: Vec<String>,
    /// Codegen units of the workspace's own packages when benchgate set
    /// them ([`crate::codegen`]); `None`: the bench profile's own.
    pub codegen_units: Option<u32>,
}

impl Provenance {
    /// Probe the code at `root` (git state, `Cargo.lock` versions) and this
    /// machine (fingerprint, `rustc --version`).
    pub fn probe(root: &Path, profile: Profile) -> Self {
        Self {
            git: git_state(root),
            machine: Machine::detect(),
            tools: tool_versions(root),
            profile,
            features: Vec::new(),
            codegen_units: None,
        }
    }

    /// The same machine and toolchain measuring other code: the base side of
    /// an A/B run, whose source tree is the exported base commit.
    pub fn for_code(&self, git: Option<GitState>, tree: &Path, profile: Profile) -> Self {
        let lock = tree.join("Cargo.lock");
        Self {
            git,
            machine: self.machine.clone(),
            tools: ToolVersions {
                criterion: locked_version(&lock, "criterion"),
                iai_callgrind: locked_version(&lock, "iai-callgrind"),
                ..self.tools.clone()
            },
            profile,
            features: self.features.clone(),
            codegen_units: self.codegen_units,
        }
    }

    /// These provenance facts with other build features.
    pub fn with_features(mut self, features: Vec<String>) -> Self {
        self.features = features;
        self
    }

    /// The same, with the workspace's packages compiled with `units`
    /// codegen units.
    pub fn with_codegen_units(mut self, units: u32) -> Self {
        self.codegen_units = Some(units);
        self
    }
}

/// The git state of a clean checkout of `commit` (no branch: an exported
/// tree is detached).
pub fn exported_commit(commit: impl Into<String>) -> GitState {
    GitState {
        commit: commit.into(),
        branch: None,
        dirty: false,
    }
}

fn tool_versions(root: &Path) -> ToolVersions {
    let lock = root.join("Cargo.lock");
    ToolVersions {
        benchgate: env!("CARGO_PKG_VERSION").to_owned(),
        criterion: locked_version(&lock, "criterion"),
        iai_callgrind: locked_version(&lock, "iai-callgrind"),
        rustc: rustc_version(),
    }
}

/// `rustc --version` of the toolchain cargo would use (`$RUSTC` or `rustc`).
fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
