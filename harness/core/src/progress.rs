//! Progress of long runs as the core sees it: messages, the steps a run
//! plans, and the child processes each step runs. The core never prints;
//! the command line decides how a [`Reporter`] shows this (a bar on a
//! terminal, plain lines elsewhere, folded groups in GitHub Actions).

use std::io;
use std::process::{Command, ExitStatus};

/// Where the orchestration reports to. Any `Fn(&str)` is one that shows
/// messages only and lets child processes write straight to the terminal.
pub trait Reporter {
    /// A message for the person waiting.
    fn log(&self, message: &str);

    /// A run of `plan.expected_secs.len()` steps begins; each step's
    /// expected seconds where a recorded duration says, `None` where not.
    fn plan(&self, plan: &StepPlan) {
        let _ = plan;
    }

    /// Run `command` as step `step` of the plan, its output the reporter's
    /// to show, and wait for it.
    fn run(&self, step: &Step<'_>, command: &mut Command) -> io::Result<ExitStatus> {
        let _ = step;
        command.status()
    }
}

impl<F: Fn(&str)> Reporter for F {
    fn log(&self, message: &str) {
        self(message)
    }
}

/// The steps of a run: what is known before it starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepPlan {
    /// What the run does, e.g. `gate` or `pr-check shard 1/2`.
    pub title: String,
    /// Seconds each step is expected to take, in order, where known.
    pub expected_secs: Vec<Option<f64>>,
}

impl StepPlan {
    /// A plan of `steps` steps with nothing known about their durations.
    pub fn unknown(title: impl Into<String>, steps: usize) -> Self {
        Self {
            title: title.into(),
            expected_secs: vec![None; steps],
        }
    }

    pub fn steps(&self) -> usize {
        self.expected_secs.len()
    }
}

/// One step: its 1-based position in the plan, and what it runs (e.g.
/// `stats round 2/3`), the title of its output.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub index: usize,
    pub label: &'a str,
}

/// Seconds left after `done` steps of `plan` took `done_secs` seconds
/// each: every remaining step's expected seconds, scaled by how the
/// finished steps with an expectation compared to it (a slower machine or
/// a busier day slows every step alike), and where a step has none, the
/// mean of the finished steps. `None` while nothing is known: no step has
/// an expectation and none has finished.
pub fn estimate_left(plan: &StepPlan, done_secs: &[f64]) -> Option<f64> {
    let done = done_secs.len().min(plan.steps());
    let (expected, took) = plan.expected_secs[..done]
        .iter()
        .zip(done_secs)
        .filter_map(|(e, t)| e.map(|e| (e, *t)))
        .fold((0.0, 0.0), |(e, t), (ei, ti)| (e + ei, t + ti));
    let pace = if expected > 0.0 { took / expected } else { 1.0 };
    let mean = (done > 0).then(|| done_secs[..done].iter().sum::<f64>() / done as f64);
    plan.expected_secs[done..]
        .iter()
        .map(|e| e.map(|e| e * pace).or(mean))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(expected: &[Option<f64>]) -> StepPlan {
        StepPlan {
            title: "t".into(),
            expected_secs: expected.to_vec(),
        }
    }

    #[test]
    fn recorded_durations_give_the_estimate_before_any_step_ends() {
        let p = plan(&[Some(10.0), Some(20.0), Some(30.0)]);
        assert_eq!(estimate_left(&p, &[]), Some(60.0));
    }

    #[test]
    fn finished_steps_scale_the_recorded_durations() {
        // The first step took twice its recorded time: the rest will too.
        let p = plan(&[Some(10.0), Some(20.0), Some(30.0)]);
        assert_eq!(estimate_left(&p, &[20.0]), Some(100.0));
    }

    #[test]
    fn unknown_steps_cost_the_mean_of_the_finished_ones() {
        let p = plan(&[None, None, None, None]);
        assert_eq!(estimate_left(&p, &[]), None);
        assert_eq!(estimate_left(&p, &[4.0, 8.0]), Some(12.0));
    }

    #[test]
    fn known_and_unknown_steps_mix() {
        let p = plan(&[Some(10.0), None, Some(5.0)]);
        // pace 1.0 (10 s as recorded); the unknown step costs the mean.
        assert_eq!(estimate_left(&p, &[10.0]), Some(15.0));
        assert_eq!(estimate_left(&p, &[10.0, 30.0, 5.0]), Some(0.0));
    }
}
