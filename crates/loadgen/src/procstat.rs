//! Memory and CPU time of a process, read from `/proc/PID/status` and `/proc/PID/stat`, sampled
//! on a thread of its own so a busy runtime cannot skew the samples.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

/// Clock ticks per second of `/proc/PID/stat` times: Linux's USER_HZ, 100 on every
/// architecture it exports to user space.
const TICKS_PER_SECOND: f64 = 100.0;
/// How often memory is sampled: often enough to see the peak of a 10-second run.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Reading {
    /// Resident memory now, KiB.
    pub rss_kib: u64,
    /// The kernel's peak resident memory since the process started, KiB.
    pub hwm_kib: u64,
    /// User + system CPU time since the process started, seconds.
    pub cpu_seconds: f64,
}

/// Reads `pid` once (`"self"` works for this process).
pub fn read(pid: &str) -> Option<Reading> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Reading {
        rss_kib: status_kib(&status, "VmRSS:").unwrap_or(0),
        hwm_kib: status_kib(&status, "VmHWM:").unwrap_or(0),
        cpu_seconds: cpu_seconds(&stat)?,
    })
}

/// A `VmXXX:   1234 kB` line of `/proc/PID/status`, in KiB.
pub fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime of a `/proc/PID/stat` line, in seconds. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its closing parenthesis.
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_SECOND)
}

/// CPU seconds used so far by every process whose `/proc/PID/comm` is `name`, summed.
pub fn cpu_seconds_of(name: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|stat| cpu_seconds(&stat))
        .sum()
}

/// Samples a process until stopped; keeps the first and last readings and the largest RSS seen.
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    state: Arc<Mutex<Sampled>>,
    thread: Option<JoinHandle<()>>,
}

/// What a [`Sampler`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sampled {
    pub first: Reading,
    pub last: Reading,
    /// Largest VmRSS among samples, KiB.
    pub max_rss_kib: u64,
    /// Whether the process was gone at some sample.
    pub gone: bool,
}

impl Sampler {
    /// Starts sampling `pid`; `None` when it cannot be read.
    pub fn start(pid: u32) -> Option<Self> {
        let pid = pid.to_string();
        let first = read(&pid)?;
        let state = Arc::new(Mutex::new(Sampled {
            first,
            last: first,
            max_rss_kib: first.rss_kib,
            gone: false,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(SAMPLE_EVERY);
                    let reading = read(&pid);
                    let Ok(mut s) = state.lock() else { return };
                    match reading {
                        Some(r) => {
                            s.last = r;
                            s.max_rss_kib = s.max_rss_kib.max(r.rss_kib);
                        }
                        None => s.gone = true,
                    }
                }
            })
        };
        Some(Self {
            stop,
            state,
            thread: Some(thread),
        })
    }

    /// What was seen so far, with a fresh reading.
    pub fn now(&self, pid: u32) -> Sampled {
        let Ok(mut s) = self.state.lock() else {
            return Sampled::default();
        };
        if let Some(r) = read(&pid.to_string()) {
            s.last = r;
            s.max_rss_kib = s.max_rss_kib.max(r.rss_kib);
        }
        *s
    }

    /// Stops sampling and returns what was seen.
    pub fn finish(mut self, pid: u32) -> Sampled {
        let seen = self.now(pid);
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_lines() {
        let status = "Name:\tx\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(10240));
        assert_eq!(status_kib(status, "VmHWM:"), Some(20480));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn reads_cpu_time_past_an_odd_command_name() {
        let stat = "42 (a b) c)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0";
        assert_eq!(cpu_seconds(stat), Some(3.0));
    }

    #[test]
    fn reads_this_process() {
        let me = read("self").expect("/proc/self is readable on Linux");
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
    }
}
