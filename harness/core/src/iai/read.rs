//! Reads every iai-callgrind `summary.json` under a directory into
//! machine-independent metrics.

use std::fs;
use std::path::{Path, PathBuf};

use benchgate_metrics::Execution;
use sha2::{Digest, Sha256};

use super::callgrind_out::CallgrindProfile;
use super::format::{Profile, SUPPORTED_VERSION, Summary, ToolMetricSummary};
use crate::error::{Error, Result};
use crate::input::{Ancestors, EntryKind, entry_kind};
use crate::run::{Direction, MetricRecord};

const SUMMARY_FILE: &str = "summary.json";

/// Fix suggested when a summary cannot be used.
const RERUN_FIX: &str = "re-run `benchgate gate` (it installs the iai-callgrind-runner matching the iai-callgrind library in Cargo.lock)";

/// Read all summaries under `home` as metrics of `suite`, sorted by
/// benchmark and name. A missing directory means the suite has no
/// iai-callgrind benchmarks.
pub fn read_iai_tree(home: &Path, suite: &str) -> Result<Vec<MetricRecord>> {
    let mut files = Vec::new();
    find_summaries(home, &mut files, &mut Ancestors::default())?;
    files.sort();
    let mut metrics = Vec::new();
    for file in files {
        metrics.extend(read_summary(&file, suite)?);
    }
    Ok(metrics)
}

/// Every `summary.json` under `dir`, following symbolic links to
/// directories (never round a cycle); a dangling link is an error.
fn find_summaries(dir: &Path, found: &mut Vec<PathBuf>, ancestors: &mut Ancestors) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::read(dir, e)),
    };
    ancestors.enter(dir)?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(dir, e))?;
        let path = entry.path();
        if entry_kind(&entry)? == EntryKind::Dir {
            find_summaries(&path, found, ancestors)?;
        } else if entry.file_name() == SUMMARY_FILE {
            found.push(path);
        }
    }
    ancestors.leave();
    Ok(())
}

/// Whether an iai-callgrind schema version (`"6"`, `"7"`, …) is newer
/// than the one benchgate reads.
fn newer_schema(version: &str) -> bool {
    match (version.parse::<u32>(), SUPPORTED_VERSION.parse::<u32>()) {
        (Ok(found), Ok(supported)) => found > supported,
        _ => false,
    }
}

fn read_summary(path: &Path, suite: &str) -> Result<Vec<MetricRecord>> {
    let text = crate::input::read_text(path).map_err(|e| Error::read(path, e))?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| {
        Error::malformed(
            path,
            format!("not an iai-callgrind summary ({e})"),
            RERUN_FIX,
        )
    })?;
    if summary.version != SUPPORTED_VERSION {
        return Err(Error::malformed(
            path,
            format!(
                "iai-callgrind summary schema v{}, benchgate reads v{SUPPORTED_VERSION} (iai-callgrind 0.16)",
                summary.version
            ),
            if newer_schema(&summary.version) {
                "a newer iai-callgrind wrote it: upgrade benchgate, or pin iai-callgrind to =0.16.1 in Cargo.toml"
            } else {
                RERUN_FIX
            },
        ));
    }
    let mut benchmark = summary.module_path.replace("::", "/");
    if let Some(id) = &summary.id {
        benchmark = format!("{benchmark}/{id}");
    }
    let mut metrics = Vec::new();
    let mut push = |name: String, value: f64, unit: &str, execution: Option<&Execution>| {
        let mut metric = MetricRecord::new(
            benchmark.clone(),
            name,
            value,
            unit,
            Direction::LowerIsBetter,
        )
        .portable();
        metric.suite = suite.to_owned();
        metric.execution = execution.cloned();
        metrics.push(metric);
    };
    for profile in &summary.profiles {
        match &profile.summaries.total.summary {
            ToolMetricSummary::Callgrind(events) => {
                let execution = execution_of(profile, summary.benchmark_exe.as_deref())?;
                let event = |name: &str| events.get(name).and_then(|d| d.metrics.new_value());
                let sum = |names: &[&str]| -> Option<f64> {
                    let values: Vec<f64> = names.iter().filter_map(|n| event(n)).collect();
                    (!values.is_empty()).then(|| values.iter().sum())
                };
                // Rates and hit counts are derived from these; gating them
                // too would count one change several times.
                let gated = [
                    ("Ir", event("Ir"), "instructions"),
                    ("EstimatedCycles", event("EstimatedCycles"), "cycles (est.)"),
                    ("L1misses", sum(&["I1mr", "D1mr", "D1mw"]), "misses"),
                    ("LLmisses", sum(&["ILmr", "DLmr", "DLmw"]), "misses"),
                ];
                for (name, value, unit) in gated {
                    if let Some(value) = value.filter(|v| v.is_finite()) {
                        push(format!("callgrind.{name}"), value, unit, execution.as_ref());
                    }
                }
            }
            ToolMetricSummary::Dhat(values) => {
                for (name, diff) in values {
                    if let Some(value) = diff.metrics.new_value().filter(|v| v.is_finite()) {
                        push(format!("dhat.{name}"), value, dhat_unit(name), None);
                    }
                }
            }
            _ => {}
        }
    }
    if metrics.is_empty() {
        return Err(Error::malformed(
            path,
            "the summary holds no callgrind or DHAT metrics (a runner/library version mismatch reports zeros or nothing)",
            RERUN_FIX,
        ));
    }
    Ok(metrics)
}

/// What the benchmark executed, from its callgrind profile files: `None`
/// when the summary names no executable or its files are gone (a summary
/// copied without them); a file that is there but unreadable is an error.
fn execution_of(profile: &Profile, executable: Option<&Path>) -> Result<Option<Execution>> {
    let Some(executable) = executable.and_then(Path::to_str) else {
        return Ok(None);
    };
    if profile.out_paths.is_empty() || !profile.out_paths.iter().all(|p| p.is_file()) {
        return Ok(None);
    }
    let mut read = CallgrindProfile::default();
    for path in &profile.out_paths {
        read.add_file(path)?;
    }
    Ok(Some(execution_digest(&read, executable)))
}

/// The C library's heap allocator: `malloc`, `free` and friends, their
/// internals (bins, consolidation, trimming the heap's top) and the calls
/// they make to grow or shrink the heap. How much of it runs depends on
/// the heap's state, which anything allocated earlier in the process sets
/// (measured: memstore's `store/one_episode` counted 4358 or 4458
/// instructions depending on a 16-byte allocation made in its setup,
/// every instruction of the difference in `systrim`, `sbrk`, `brk`,
/// `__glibc_morecore`, `_int_free` and `unlink_chunk`). `memcpy` and
/// `memset` are not in it: their work grows with the bytes a program
/// copies, which is the program's doing (they are [`STRING_ROUTINES`]).
const ALLOCATOR_FUNCTIONS: &[&str] = &[
    "malloc",
    "free",
    "calloc",
    "realloc",
    "reallocarray",
    "memalign",
    "posix_memalign",
    "aligned_alloc",
    "valloc",
    "pvalloc",
    "__libc_malloc",
    "__libc_free",
    "__libc_calloc",
    "__libc_realloc",
    "__libc_memalign",
    "_int_malloc",
    "_int_free",
    "_int_free_merge_chunk",
    "_int_free_create_chunk",
    "_int_free_maybe_consolidate",
    "_int_realloc",
    "_int_memalign",
    "malloc_consolidate",
    "unlink_chunk",
    "alloc_perturb",
    "free_perturb",
    "tcache_init",
    "tcache_get",
    "tcache_put",
    "sysmalloc",
    "sysmalloc_mmap",
    "sysmalloc_mmap_fallback",
    "systrim",
    "heap_trim",
    "shrink_heap",
    "grow_heap",
    "new_heap",
    "alloc_new_heap",
    "arena_get2",
    "_int_new_arena",
    "munmap_chunk",
    "mremap_chunk",
    "__glibc_morecore",
    "__default_morecore",
    "sbrk",
    "__sbrk",
    "brk",
    "__brk",
    "mmap",
    "__mmap",
    "munmap",
    "__munmap",
    "mremap",
    "__mremap",
    "madvise",
    "__madvise",
];

/// The C library's string and memory routines (glibc picks a variant per
/// CPU, `__memcpy_avx_unaligned_erms` and the like). Their vector loops
/// start at the first aligned address, so the same call with the same
/// length runs one loop trip more or less depending on where its buffers
/// lie (measured: stats' `one_shot/n100` copied the same 100 samples in 112
/// instructions in one build and 100 in another, 4 reads and 4 writes
/// apart, every other function identical). Their own cost is therefore
/// kept out of the digest, their calls from the program kept in.
const STRING_ROUTINES: &[&str] = &[
    "memcpy",
    "memmove",
    "mempcpy",
    "memset",
    "memcmp",
    "bcmp",
    "memchr",
    "memrchr",
    "rawmemchr",
    "strlen",
    "strnlen",
    "strchr",
    "strchrnul",
    "strrchr",
    "strcmp",
    "strncmp",
    "strcasecmp",
    "strncasecmp",
    "strcpy",
    "stpcpy",
    "strncpy",
    "stpncpy",
    "strcat",
    "strncat",
    "strstr",
    "strspn",
    "strcspn",
    "strpbrk",
    "wmemset",
    "wmemchr",
    "wmemcmp",
    "wcslen",
    "wcsnlen",
    "wcschr",
    "wcscmp",
];

/// A function of glibc's `libc.so` under its base name: without its symbol
/// version (`@@GLIBC_…`) and GCC's clone suffixes (`.constprop.0`,
/// `.isra.0`, `.part.0`); `None` outside `libc.so`.
fn libc_base_name<'a>(object: &str, function: &'a str) -> Option<&'a str> {
    let file = object.rsplit('/').next().unwrap_or(object);
    if !file.starts_with("libc.so") {
        return None;
    }
    let name = function.split('@').next().unwrap_or(function);
    Some(name.split('.').next().unwrap_or(name))
}

/// Whether `function` of `object` is part of the C library's allocator.
fn is_allocator(object: &str, function: &str) -> bool {
    libc_base_name(object, function).is_some_and(|name| ALLOCATOR_FUNCTIONS.contains(&name))
}

/// Whether `function` of `object` is one of the [`STRING_ROUTINES`], in any
/// of its CPU variants (`__memcpy_avx_unaligned_erms` is `memcpy`).
fn is_string_routine(object: &str, function: &str) -> bool {
    let Some(name) = libc_base_name(object, function) else {
        return false;
    };
    let bare = name.trim_start_matches('_');
    STRING_ROUTINES.iter().any(|routine| {
        bare.strip_prefix(routine)
            .is_some_and(|variant| variant.is_empty() || variant.starts_with('_'))
    })
}

/// The [`Execution`] of a profile whose benchmark executable is
/// `executable`. The executable is named by a fixed tag and libraries by
/// file name: the two sides of a check run their executables from
/// different paths but load the same libraries.
pub fn execution_digest(profile: &CallgrindProfile, executable: &str) -> Execution {
    let tag = |object: &'_ str| -> String {
        if object == executable {
            "(benchmark)".to_owned()
        } else {
            object.rsplit('/').next().unwrap_or(object).to_owned()
        }
    };
    let mut digest = Sha256::new();
    let mut allocator_ir = 0;
    let mut string_ir = 0;
    for ((object, function), [ir, dr, dw]) in &profile.self_cost {
        if is_allocator(object, function) {
            allocator_ir += ir;
        } else if is_string_routine(object, function) {
            string_ir += ir;
        } else {
            let object = tag(object);
            digest.update(format!("{object}\t{function}\t{ir}\t{dr}\t{dw}\n"));
        }
    }
    let mut string_calls = 0;
    for (((caller_object, caller), (object, function)), count) in &profile.calls {
        if !is_string_routine(object, function) {
            continue;
        }
        string_calls += count;
        // How often the program asked for a copy is the program's doing;
        // the allocator's own copies (a `realloc` that moves) are not.
        if !is_allocator(caller_object, caller) {
            let caller_object = tag(caller_object);
            digest.update(format!(
                "call\t{caller_object}\t{caller}\t{function}\t{count}\n"
            ));
        }
    }
    Execution {
        digest: digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        allocator_ir,
        string_ir,
        string_calls,
    }
}

fn dhat_unit(name: &str) -> &'static str {
    let name = name.to_ascii_lowercase();
    if name.contains("bytes") {
        "bytes"
    } else if name.contains("blocks") {
        "blocks"
    } else {
        "events"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBC: &str = "/usr/lib/x86_64-linux-gnu/libc.so.6";

    #[test]
    fn string_routines_are_known_in_their_cpu_variants_only_in_libc() {
        for name in [
            "__memcpy_avx_unaligned_erms",
            "__memset_avx2_unaligned_erms",
            "__mempcpy_avx_unaligned_erms",
            "__strlen_avx2",
            "memcmp@@GLIBC_2.2.5",
            "__memmove_chk",
        ] {
            assert!(is_string_routine(LIBC, name), "{name}");
        }
        for name in ["strtol", "memcpyish", "__libc_malloc", "_int_free"] {
            assert!(!is_string_routine(LIBC, name), "{name}");
        }
        // The program's own copy loop is the program's code.
        assert!(!is_string_routine("/bench/exe", "memcpy"));
        assert!(is_allocator(LIBC, "unlink_chunk.constprop.0"));
        assert!(!is_allocator(LIBC, "__memcpy_avx_unaligned_erms"));
    }
}
