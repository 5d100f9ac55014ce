//! How a long run (`gate`, `pr-check`, `ab`, `calibrate`) shows its
//! progress: on a terminal an indicatif bar with the step, the elapsed time
//! and an estimate of what is left; elsewhere one plain line per step; in
//! GitHub Actions each child's output folded in a `::group::`.
//!
//! On a terminal the children's output is read line by line and printed
//! with the bar suspended (each line to the stream it came from), so a
//! bar never tears cargo's or criterion's output and the output stays in
//! the scrollback; without a bar the children write straight to ours.

use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use benchgate::progress::{Reporter, Step, StepPlan, estimate_left};
use benchgate::render;
use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar on standard error, a terminal.
    Bar,
    /// One line per step on standard error, no escape sequences.
    Plain,
    /// Plain lines, and `::group::`/`::endgroup::` around every child
    /// process on standard output, where the runner folds them.
    Actions,
}

/// What the reporter is told by its environment.
#[derive(Debug, Clone, Copy)]
pub struct ProgressOptions {
    pub mode: Mode,
}

impl ProgressOptions {
    /// Actions when `GITHUB_ACTIONS=true` (its log is no terminal, and it
    /// folds groups); a bar when standard error is a terminal; else plain.
    pub fn detect() -> Self {
        let mode = if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            Mode::Actions
        } else if io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Plain
        };
        Self { mode }
    }
}

struct State {
    plan: StepPlan,
    started: Instant,
    /// Seconds each step's children took so far, by step index − 1.
    took: Vec<f64>,
}

/// The command line's [`Reporter`].
pub struct TerminalReporter {
    options: ProgressOptions,
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

/// Seconds shown to a person: whole seconds under ninety, else minutes.
fn duration(secs: f64) -> String {
    HumanDuration(Duration::from_secs_f64(secs.max(0.0))).to_string()
}

impl TerminalReporter {
    pub fn new(options: ProgressOptions) -> Self {
        let bar = (options.mode == Mode::Bar).then(|| {
            // Hidden until a plan gives it steps: messages before that are
            // plain lines, not a bar of 0/0.
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:16}] {wide_msg}")
                    .expect("the template is valid")
                    .progress_chars("=> "),
            );
            bar
        });
        Self {
            options,
            bar,
            state: Mutex::new(State {
                plan: StepPlan::default(),
                started: Instant::now(),
                took: Vec::new(),
            }),
        }
    }

    /// Clear the bar before the results are printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// `[k/n] label, 1 minute elapsed, about 3 minutes left` as the step
    /// begins (on the bar, which ticks its own elapsed time, without it):
    /// the estimate from the steps before it.
    fn describe(&self, step: &Step<'_>, elapsed: bool) -> String {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let total = state.plan.steps().max(step.index);
        let done = step.index.saturating_sub(1).min(state.took.len());
        let left = estimate_left(&state.plan, &state.took[..done]);
        let mut text = format!("[{}/{total}] {}", step.index, render::printable(step.label));
        if elapsed {
            let secs = state.started.elapsed().as_secs_f64();
            text.push_str(&format!(", {} elapsed", duration(secs)));
        }
        if let Some(left) = left {
            text.push_str(&format!(", about {} left", duration(left)));
        }
        text
    }

    fn record(&self, step: &Step<'_>, secs: f64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.took.len() < step.index {
            state.took.resize(step.index, 0.0);
        }
        state.took[step.index - 1] += secs;
    }

    fn run_with_bar(&self, bar: &ProgressBar, command: &mut Command) -> io::Result<ExitStatus> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        std::thread::scope(|scope| {
            if let Some(out) = stdout {
                scope.spawn(|| forward(out, bar, io::stdout));
            }
            if let Some(err) = stderr {
                scope.spawn(|| forward(err, bar, io::stderr));
            }
        });
        child.wait()
    }
}

/// Copy a child's stream line by line to ours, the bar suspended for each.
fn forward<W: Write>(from: impl Read, bar: &ProgressBar, to: fn() -> W) {
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        bar.suspend(|| {
            let mut out = to();
            let _ = out.write_all(&line);
            let _ = out.flush();
        });
        line.clear();
    }
}

impl Drop for TerminalReporter {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Reporter for TerminalReporter {
    fn log(&self, message: &str) {
        let line = format!("benchgate: {}", render::printable(message));
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn plan(&self, plan: &StepPlan) {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.plan = plan.clone();
            state.started = Instant::now();
            state.took.clear();
        }
        let known = estimate_left(plan, &[]);
        match &self.bar {
            Some(bar) => {
                bar.reset();
                bar.set_length(plan.steps() as u64);
                bar.set_message(render::printable(&plan.title));
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(Duration::from_millis(250));
            }
            None => self.log(&format!(
                "{}: {} steps{}",
                plan.title,
                plan.steps(),
                known
                    .map(|secs| format!(", about {} by recorded durations", duration(secs)))
                    .unwrap_or_default()
            )),
        }
    }

    fn run(&self, step: &Step<'_>, command: &mut Command) -> io::Result<ExitStatus> {
        let description = self.describe(step, self.bar.is_none());
        let started = Instant::now();
        let status = match (&self.bar, self.options.mode) {
            (Some(bar), _) => {
                bar.set_position(step.index.saturating_sub(1) as u64);
                bar.set_message(description);
                self.run_with_bar(bar, command)
            }
            (None, Mode::Actions) => {
                // The title is one line: a label with a newline would end
                // the command early.
                let title = description.replace(['\r', '\n'], " ");
                let mut out = io::stdout().lock();
                let _ = writeln!(out, "::group::{title}");
                let _ = out.flush();
                drop(out);
                let status = command.status();
                let mut out = io::stdout().lock();
                let _ = writeln!(out, "::endgroup::");
                let _ = out.flush();
                status
            }
            (None, _) => {
                self.log(&description);
                command.status()
            }
        };
        self.record(step, started.elapsed().as_secs_f64());
        if let Some(bar) = &self.bar {
            bar.set_position(step.index as u64);
        }
        status
    }
}
