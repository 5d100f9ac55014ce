//! Bench executables relaunched from paths of one length, so that both sides of an instruction-count comparison start with the same stack layout.
//!
//! The kernel (and valgrind, which builds the initial stack itself) copies
//! the executable's path onto the stack twice, as `argv[0]` and as
//! `AT_EXECFN`, so its length shifts every stack address of the process.
//! Code that copies stack data (memstore's `store` hands a one-element
//! array on the stack to the log) then runs a different number of
//! instructions. Measured (README, "The pull-request check"): the same
//! `iai_memstore` executable, copied to paths of 21–88 and 106 bytes,
//! counted 4 355 instructions for one stored episode, and 4 455 from paths
//! of 89–98 bytes; `pr-check`'s base side runs from
//! `…/benchgate/pr-check/base-target/release/deps/…` (95 bytes there), its
//! head side from `…/target/release/deps/…` (62), so identical code read
//! −2.2 % (against a 0.5 % threshold). Both sides' executables are
//! therefore run from hard links (copies across file systems) in two
//! directories whose paths have the same length, under file names cargo
//! gives both alike.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The benchgate subcommand cargo runs as the bench executables' runner.
pub const EXEC_AT_SUBCOMMAND: &str = "exec-at";

/// The directory a side's executables are run from: `work/exec/<side>`.
/// Both side names have four letters, so both directories' paths have the
/// same length.
pub fn exec_dir(work: &Path, side: &str) -> PathBuf {
    work.join("exec").join(side)
}

/// A `cargo --config` value that makes cargo run every executable it
/// builds (here: the iai-callgrind benches) through
/// `LAUNCHER exec-at DIR EXE ARGS…`. A runner set for the target triple in
/// the user's own cargo configuration takes precedence, as cargo documents.
pub fn runner_config(launcher: &Path, dir: &Path) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_owned()).to_string();
    format!(
        "target.'cfg(all())'.runner = [{}, {}, {}]",
        quoted(&launcher.to_string_lossy()),
        quoted(EXEC_AT_SUBCOMMAND),
        quoted(&dir.to_string_lossy())
    )
}

/// Where `exe` is run from in `dir`: under its own file name.
pub fn relocated(dir: &Path, exe: &Path) -> Result<PathBuf> {
    let name = exe.file_name().ok_or_else(|| {
        Error::Refused(format!(
            "cannot relaunch `{}`: the path names no file",
            exe.display()
        ))
    })?;
    Ok(dir.join(name))
}

/// Links (or, across file systems, copies) `exe` into `dir` and replaces
/// this process with it, `args` passed on. Returns only on failure.
pub fn exec_at(dir: &Path, exe: &Path, args: &[OsString]) -> Error {
    let target = match relocated(dir, exe) {
        Ok(target) => target,
        Err(error) => return error,
    };
    if let Err(error) = fs::create_dir_all(dir) {
        return Error::write(dir, error);
    }
    if target.exists()
        && let Err(error) = fs::remove_file(&target)
    {
        return Error::write(&target, error);
    }
    if fs::hard_link(exe, &target).is_err()
        && let Err(error) = fs::copy(exe, &target)
    {
        return Error::Refused(format!(
            "cannot copy the bench executable `{}` to `{}`: {error}",
            exe.display(),
            target.display()
        ));
    }
    exec(&target, args)
}

#[cfg(unix)]
fn exec(target: &Path, args: &[OsString]) -> Error {
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(target).args(args).exec();
    Error::Refused(format!("cannot start `{}`: {error}", target.display()))
}

#[cfg(not(unix))]
fn exec(target: &Path, args: &[OsString]) -> Error {
    match std::process::Command::new(target).args(args).status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(2)),
        Err(error) => Error::Refused(format!("cannot start `{}`: {error}", target.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_run_their_executables_from_paths_of_one_length() {
        let work = Path::new("/tmp/some work/benchgate/pr-check");
        let exe_base =
            Path::new("/a/much/longer/base-target/release/deps/iai_memstore-0581c79f1b5866f5");
        let exe_head = Path::new("/t/release/deps/iai_memstore-0581c79f1b5866f5");
        let base = relocated(&exec_dir(work, "base"), exe_base).unwrap();
        let head = relocated(&exec_dir(work, "head"), exe_head).unwrap();
        assert_ne!(base, head);
        assert_eq!(base.as_os_str().len(), head.as_os_str().len());
        assert!(base.ends_with("exec/base/iai_memstore-0581c79f1b5866f5"));
    }

    #[test]
    fn the_runner_configuration_is_valid_toml_naming_the_launcher_and_directory() {
        let config = runner_config(
            Path::new("/opt/bench \"gate\"/benchgate"),
            Path::new("/w/exec/base"),
        );
        let parsed: toml::Table = toml::from_str(&config).expect("valid TOML");
        let runner = &parsed["target"]["cfg(all())"]["runner"];
        let parts: Vec<&str> = runner
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            parts,
            ["/opt/bench \"gate\"/benchgate", "exec-at", "/w/exec/base"]
        );
    }

    #[test]
    fn a_missing_executable_is_an_error_naming_it_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir
            .path()
            .join("target/release/deps/iai_gone-0123456789abcdef");
        let exec = exec_dir(dir.path(), "base");
        let error = exec_at(&exec, &missing, &[OsString::from("--bench")]).to_string();
        assert!(error.contains("iai_gone-0123456789abcdef"), "{error}");
        assert!(!exec.join("iai_gone-0123456789abcdef").exists());
    }
}
