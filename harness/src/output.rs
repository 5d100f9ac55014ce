//! Standard output that outlives its reader: `benchgate … | head` must not panic.
//!
//! Rust ignores SIGPIPE, so `println!` panics once the reading end of a
//! pipe is closed. A reader that stops early (`head`, a pager quit) has
//! chosen to see less, not asked benchgate to stop judging: the rest of the
//! output is dropped and the command ends with the exit code of its
//! verdict, so `set -o pipefail` still sees a regression.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output cannot be written; later lines are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard output (see the module docs).
pub fn line(args: fmt::Arguments<'_>) {
    text(format_args!("{args}\n"));
}

/// Writes text to standard output (see the module docs).
pub fn text(args: fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!(
                "warning: standard output cannot be written ({e}); the rest of it is dropped"
            );
        }
    }
}

/// `println!` for benchgate's standard output, through [`line`].
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// `print!` for benchgate's standard output, through [`text`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::text(format_args!($($arg)*))
    };
}
