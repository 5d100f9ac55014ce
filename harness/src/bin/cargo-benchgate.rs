//! `cargo benchgate …`: cargo's external-subcommand form of `benchgate`.
//!
//! Cargo runs `cargo-benchgate benchgate <args>` for `cargo benchgate
//! <args>`; this shim drops the subcommand's own name and runs the
//! `benchgate` binary installed beside it (`cargo install --path harness`
//! installs both), passing its exit code on unchanged.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Exit code when the `benchgate` binary cannot be started.
const CANNOT_START: u8 = 2;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "benchgate") {
        args.remove(0);
    }
    let binary = std::env::current_exe()
        .map(|exe| exe.with_file_name(format!("benchgate{}", std::env::consts::EXE_SUFFIX)));
    let status = binary.and_then(|binary| Command::new(binary).args(&args).status());
    match status {
        Ok(status) => status
            .code()
            .and_then(|code| u8::try_from(code).ok())
            .map_or(ExitCode::from(CANNOT_START), ExitCode::from),
        Err(error) => {
            eprintln!(
                "cargo-benchgate: error: cannot start the benchgate binary beside this one ({error}); install both with `cargo install --path harness`"
            );
            ExitCode::from(CANNOT_START)
        }
    }
}
