//! The machine a batch runs on: cores and memory, read from the OS (the one part of batch sizing that does I/O).

use serde::{Deserialize, Serialize};

/// Cores and memory available to this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hardware {
    /// Logical cores this process may use (cgroup and affinity limits
    /// included).
    pub cores: usize,
    /// Memory available for new allocations, bytes; `None` where the OS
    /// does not say.
    pub memory_bytes: Option<u64>,
}

impl Hardware {
    /// This machine: `available_parallelism` for the cores, and on Linux
    /// `MemAvailable` from `/proc/meminfo` (memory that can be allocated
    /// without swapping, page cache included), which is what a batch can
    /// really use, not the installed total.
    pub fn detect() -> Self {
        Self {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_bytes: std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|text| mem_available(&text)),
        }
    }

    /// A machine of `cores` cores whose memory is not a constraint (for
    /// curves whose memory the caller limits explicitly, and for tests).
    pub fn unlimited(cores: usize) -> Self {
        Self {
            cores,
            memory_bytes: None,
        }
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find(|line| line.starts_with("MemAvailable:"))?;
    let mut fields = line.split_whitespace().skip(1);
    let value: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kibibytes() {
        let text = "MemTotal:       24684096 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(mem_available(text), Some(20_000_000 * 1024));
        assert_eq!(mem_available("MemTotal: 5 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: lots\n"), None);
    }

    #[test]
    fn this_machine_has_a_core() {
        let hardware = Hardware::detect();
        assert!(hardware.cores >= 1);
        if cfg!(target_os = "linux") {
            assert!(hardware.memory_bytes.is_some_and(|m| m > 0));
        }
    }
}
