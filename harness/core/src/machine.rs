//! Machine fingerprint: which hardware a run was measured on.
//!
//! Wall times are only comparable on the same kind of machine, so every run
//! records its machine and baselines are stored per machine id.

use serde::{Deserialize, Serialize};
use sysinfo::System;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Stable, file-name-safe identity of the hardware class: CPU model,
    /// logical cores, memory, OS family and architecture. Two machines with
    /// the same id are expected to produce comparable wall times.
    pub id: String,
    pub cpu_model: String,
    pub logical_cores: usize,
    pub physical_cores: Option<usize>,
    pub memory_bytes: u64,
    /// Distribution and version, e.g. `Linux (Debian GNU/Linux 12)`.
    pub os: String,
    pub kernel: Option<String>,
    pub arch: String,
}

impl Machine {
    /// Describe the machine this process runs on.
    pub fn detect() -> Self {
        let mut system = System::new();
        system.refresh_cpu_all();
        system.refresh_memory();
        let cpu_model = system
            .cpus()
            .first()
            .map(|cpu| cpu.brand().trim().to_owned())
            .filter(|brand| !brand.is_empty())
            .unwrap_or_else(|| "unknown-cpu".to_owned());
        // available_parallelism honours cgroup and affinity limits, which is
        // what the benchmarks can actually use.
        let logical_cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let memory_bytes = system.total_memory();
        let arch = std::env::consts::ARCH.to_owned();
        let os_family = std::env::consts::OS;
        let os = System::long_os_version().unwrap_or_else(|| os_family.to_owned());
        Self {
            id: machine_id(&cpu_model, logical_cores, memory_bytes, os_family, &arch),
            cpu_model,
            logical_cores,
            physical_cores: System::physical_core_count(),
            memory_bytes,
            os,
            kernel: System::kernel_version(),
            arch,
        }
    }

    /// One line for people: `AMD EPYC 7B13, 2 cores, 23 GiB, Linux (Debian 12)`.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} cores, {} GiB, {}",
            self.cpu_model,
            self.logical_cores,
            gib(self.memory_bytes),
            self.os
        )
    }
}

/// Memory rounded to whole GiB, so that a few MiB of firmware reservation
/// do not split one machine type into several ids.
fn gib(bytes: u64) -> u64 {
    const GIB: f64 = (1u64 << 30) as f64;
    (bytes as f64 / GIB).round() as u64
}

/// Whether `name` is safe as one path component of the baseline store
/// (`baselines/<machine id>/<name>.json`): letters, digits, `-`, `_` and
/// `.`, not starting with `.`, so it can never climb out of `baselines/`.
/// Every id [`machine_id`] builds is.
pub fn is_file_safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Build the id from the parts that decide wall-time comparability. `os`
/// and `arch` are Rust's `std::env::consts` values, already file-safe.
pub fn machine_id(
    cpu_model: &str,
    cores: usize,
    memory_bytes: u64,
    os: &str,
    arch: &str,
) -> String {
    format!(
        "{}-{}c-{}g-{os}-{arch}",
        slug(cpu_model),
        cores,
        gib(memory_bytes)
    )
}

/// Lower-case ASCII words joined by dashes, safe as a directory name on
/// every OS. Trademark and filler words ("(R)", "CPU", "Processor") are
/// dropped; the clock speed stays, since it tells models apart.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if matches!(word.as_str(), "r" | "tm" | "cpu" | "processor" | "with") {
            continue;
        }
        let word = word.replace('.', "_");
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word);
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_file_safe_and_keeps_model_and_shape() {
        let id = machine_id(
            "Intel(R) Xeon(R) CPU @ 2.20GHz",
            2,
            24 * (1 << 30) - 300 * (1 << 20),
            "linux",
            "x86_64",
        );
        assert_eq!(id, "intel-xeon-2_20ghz-2c-24g-linux-x86_64");
        let amd = machine_id(
            "AMD EPYC 7B13 64-Core Processor",
            2,
            1 << 34,
            "linux",
            "x86_64",
        );
        assert_eq!(amd, "amd-epyc-7b13-64-core-2c-16g-linux-x86_64");
    }

    #[test]
    fn detect_describes_this_machine() {
        let machine = Machine::detect();
        assert!(machine.logical_cores >= 1);
        assert!(machine.memory_bytes > 0);
        assert!(
            machine
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        );
    }
}
