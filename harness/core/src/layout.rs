//! Layout-randomised builds: the same code linked with its functions and
//! data sections in different orders, so that where hot code and its data
//! happen to land is noise spread over the rounds of a comparison, not a
//! constant offset between two builds mistaken for a code change
//! (Mytkowicz et al., "Producing Wrong Data Without Doing Anything
//! Obviously Wrong!", ASPLOS 2009; Curtsinger & Berger, "Stabilizer",
//! ASPLOS 2013).
//!
//! rustc puts every function and static in its own section on ELF targets,
//! and lld (the default linker of x86_64-unknown-linux-gnu since Rust
//! 1.90) permutes input sections with `--shuffle-sections=*=SEED`. Only the
//! bench target itself is recompiled and relinked per seed (`cargo rustc`
//! with the link argument); its dependencies are reused. Where the linker
//! refuses the flag, the check says so and runs the one ordinary build.

use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::Message;

use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::workspace::Suite;

/// Layouts per side unless told otherwise: three builds put a
/// build-dependent speed mode in at most a third of the rounds (with ten
/// rounds), which the paired test sees as spread, not as a shift.
pub const DEFAULT_LAYOUTS: u32 = 3;

/// Environment variable each bench process gets with a per-round length:
/// the size of the environment moves the initial stack, and with it the
/// alignment of everything on it (Mytkowicz et al. measured effects up to
/// 10 % from this alone).
pub const STACK_PAD_ENV: &str = "BENCHGATE_STACK_PAD";

/// Bytes the stack pad grows by per round: an odd size, so that rounds
/// walk through every 16-byte alignment and cache-line offset.
const STACK_PAD_STEP: usize = 40;

/// Largest stack pad: one 4 KiB page covers every offset within a page.
const STACK_PAD_LIMIT: usize = 4096;

/// How much extra heap glibc takes each time it grows the heap
/// (`glibc.malloc.top_pad`; 128 KiB by default), one value per round (both
/// sides of a round get the same). It decides where the heap's top lies
/// when a benchmark allocates, and so how much of a large zeroed
/// allocation glibc must clear (fresh top memory is already zero) and
/// where later allocations land: the heap's part of "layout". On one
/// build of `stats` (2-vCPU VM, idle), allocator settings alone moved
/// `summary_streaming/100000` between 1.21 and 1.56 ms. (The layout A/A
/// series' steady −2.7 % in its instruction counts was not the heap but
/// codegen-unit partitioning: see [`crate::codegen`].)
/// Varying the pad per round turns such a build-dependent heap offset into
/// spread between rounds, as section shuffling does for code.
const TOP_PADS: [usize; 6] = [0, 4093, 65_537, 131_072, 300_007, 1_048_576];

/// Setting any of glibc's heap sizes turns off its dynamic mmap threshold,
/// which otherwise rises to the largest block a program freed (at most
/// 32 MiB on 64-bit), so that a block allocated and freed in every
/// iteration comes from the heap, not from fresh pages. Pinned at that
/// steady state (and the trim threshold at twice it, as the dynamic rule
/// sets it), a perturbed round runs the allocator as an unperturbed
/// process does after its first iteration. Measured without it: a round
/// with only `top_pad` set ran `stats/summary_streaming/100` at 95 µs
/// instead of 4 µs, its 200 KiB histogram mapped and faulted in anew on
/// every call.
const STEADY_STATE_MMAP_THRESHOLD: usize = 32 * 1024 * 1024;

/// Environment variable glibc reads its allocator settings from; other C
/// libraries (musl, macOS) ignore it, and there the heap is not perturbed.
pub const ALLOCATOR_TUNABLES_ENV: &str = "GLIBC_TUNABLES";

/// The allocator tunables of round `round` (1-based), appended to what
/// the user already set in `existing` (theirs first; glibc takes the
/// last value of a repeated tunable, so ours apply).
pub fn allocator_tunables(round: u32, existing: Option<&str>) -> String {
    let top_pad = TOP_PADS[(round as usize).saturating_sub(1) % TOP_PADS.len()];
    let ours = format!(
        "glibc.malloc.mmap_threshold={STEADY_STATE_MMAP_THRESHOLD}:glibc.malloc.trim_threshold={}:glibc.malloc.top_pad={top_pad}",
        2 * STEADY_STATE_MMAP_THRESHOLD
    );
    match existing.filter(|e| !e.is_empty()) {
        Some(existing) => format!("{existing}:{ours}"),
        None => ours,
    }
}

/// The linker argument that orders sections by `seed`.
pub fn shuffle_argument(seed: u64) -> String {
    format!("-Clink-arg=-Wl,--shuffle-sections=*={seed}")
}

/// The stack pad of round `round` (1-based).
pub fn stack_pad(round: u32) -> String {
    "x".repeat((round as usize * STACK_PAD_STEP) % STACK_PAD_LIMIT)
}

/// One layout of a side: its seed and, per suite, its bench executables.
#[derive(Debug, Clone)]
pub struct LayoutBuild {
    pub seed: u64,
    pub executables: Vec<(Suite, Vec<PathBuf>)>,
}

/// What building layouts needs to know about one side.
#[derive(Debug, Clone, Copy)]
pub struct LayoutRequest<'a> {
    pub side: &'a str,
    pub tree: &'a Path,
    pub target_dir: &'a Path,
    pub features: &'a [String],
    /// The side's cargo arguments (codegen units), so that relinking
    /// reuses the side's build instead of recompiling it differently.
    pub cargo_config: &'a [String],
}

/// Build one executable per suite, criterion target and seed, each copied
/// out of cargo's way under `<target_dir>/benchgate-layouts/seed-N/`.
/// `Ok(None)` when the toolchain's linker does not take the shuffle flag
/// (the caller runs the ordinary build); other build failures are errors.
pub fn build_layouts(
    request: LayoutRequest<'_>,
    suites: &[Suite],
    seeds: &[u64],
    log: &dyn Reporter,
) -> Result<Option<Vec<LayoutBuild>>> {
    let mut layouts = Vec::new();
    for &seed in seeds {
        let dir = request
            .target_dir
            .join("benchgate-layouts")
            .join(format!("seed-{seed}"));
        fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
        let mut executables = Vec::new();
        for suite in suites.iter().filter(|s| !s.criterion_targets.is_empty()) {
            log.log(&format!(
                "building {}: suite `{}`, layout {seed}",
                request.side, suite.name
            ));
            let mut built = Vec::new();
            for target in &suite.criterion_targets {
                let Some(executable) = link_with_seed(request, suite, target, seed)? else {
                    log.log(&format!(
                        "the linker does not shuffle sections (not lld?): layout randomisation is off for the {} side",
                        request.side
                    ));
                    return Ok(None);
                };
                let name = executable
                    .file_name()
                    .map(|n| n.to_owned())
                    .unwrap_or_else(|| target.into());
                let copy = dir.join(name);
                fs::copy(&executable, &copy).map_err(|e| Error::write(&copy, e))?;
                built.push(copy);
            }
            executables.push((suite.clone(), built));
        }
        layouts.push(LayoutBuild { seed, executables });
    }
    Ok(Some(layouts))
}

/// `cargo rustc` of one bench target with the shuffle seed; `None` when
/// the link failed on the flag itself.
fn link_with_seed(
    request: LayoutRequest<'_>,
    suite: &Suite,
    target: &str,
    seed: u64,
) -> Result<Option<PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(request.tree)
        .env("CARGO_TARGET_DIR", request.target_dir)
        .args([
            "rustc",
            "--profile",
            "bench",
            "--message-format=json",
            "-p",
            &suite.name,
            "--bench",
            target,
        ]);
    if !request.features.is_empty() {
        command.args(["--features", &request.features.join(",")]);
    }
    command.args(request.cargo_config);
    command.args(["--", &shuffle_argument(seed)]);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::Refused(format!("cannot start cargo rustc: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Refused("cargo's output was not captured".into()))?;
    let mut executable = None;
    let mut shuffle_refused = false;
    let mut errors = Vec::new();
    for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
        match message {
            Message::CompilerArtifact(artifact) if artifact.target.is_bench() => {
                executable = artifact.executable.map(|e| e.into_std_path_buf());
            }
            Message::CompilerMessage(m) => {
                let text = m.message.rendered.unwrap_or(m.message.message);
                shuffle_refused |= text.contains("shuffle-sections");
                if m.message.level == cargo_metadata::diagnostic::DiagnosticLevel::Error {
                    errors.push(text);
                }
            }
            _ => {}
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::Refused(format!("cargo rustc did not finish: {e}")))?;
    match executable {
        Some(executable) if status.success() => Ok(Some(executable)),
        _ if shuffle_refused => Ok(None),
        _ => Err(Error::Refused(format!(
            "building `{}` bench `{target}` with layout {seed} on the {} side failed ({status}): {}",
            suite.name,
            request.side,
            errors.join("\n")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_pads_walk_through_alignments_within_a_page() {
        let lengths: Vec<usize> = (1..=120).map(|r| stack_pad(r).len()).collect();
        assert!(lengths.iter().all(|l| *l < STACK_PAD_LIMIT));
        let offsets: std::collections::BTreeSet<usize> = lengths.iter().map(|l| l % 64).collect();
        assert!(offsets.len() >= 8, "{offsets:?}");
        assert_eq!(shuffle_argument(7), "-Clink-arg=-Wl,--shuffle-sections=*=7");
    }

    #[test]
    fn rounds_walk_through_heap_pads_at_the_allocators_steady_state() {
        let rounds: std::collections::BTreeSet<String> = (1..=TOP_PADS.len() as u32)
            .map(|r| allocator_tunables(r, None))
            .collect();
        assert_eq!(rounds.len(), TOP_PADS.len());
        assert!(rounds.iter().all(|r| r.starts_with(
            "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864:"
        )));
        assert!(allocator_tunables(2, None).ends_with(":glibc.malloc.top_pad=4093"));
        assert_eq!(
            allocator_tunables(7, None),
            allocator_tunables(1, None),
            "the pads repeat"
        );
        let with_users = allocator_tunables(2, Some("glibc.malloc.arena_max=1"));
        assert!(with_users.starts_with("glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold="));
        assert_eq!(allocator_tunables(2, Some("")), allocator_tunables(2, None));
    }
}
