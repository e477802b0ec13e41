//! The report: one JSON object (written as one line) and a table for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::procstat::{Reading, Sampled};
use crate::stats::{Summary, round3};

/// Everything a run reports. Latencies in milliseconds, memory in KiB, times in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tool: &'static str,
    pub label: String,
    pub mode: &'static str,
    pub url: String,
    pub started_unix: u64,
    pub connections: usize,
    pub connected: usize,
    pub concurrency: usize,
    pub rate: Option<f64>,
    pub warmup_s: f64,
    /// `None` for counted runs and idle mode.
    pub duration_s: Option<f64>,
    pub count: Option<u64>,
    /// Seconds questions/s is counted over: the duration of a timed run, or from the end of
    /// warm-up to the last answer of a counted one.
    pub elapsed_s: f64,
    pub questions_ok: u64,
    pub questions_failed: u64,
    pub questions_per_s: f64,
    pub errors: BTreeMap<String, u64>,
    pub latency_ms: Option<Summary>,
    /// `None` when the server sent no deltas (the original protocol).
    pub first_delta_ms: Option<Summary>,
    pub added_first_delta_ms: Option<Summary>,
    pub added_total_ms: Option<Summary>,
    pub delta_lateness_ms: Option<Summary>,
    pub response_after_last_delta_ms: Option<Summary>,
    pub handshake_ms: Option<Summary>,
    pub ready_ms: Option<Summary>,
    pub connect_all_s: f64,
    pub delta_mismatch: u64,
    pub started_late: u64,
    pub resumed: u64,
    pub model_ttft_ms: Option<f64>,
    pub model_token_ms: Option<f64>,
    pub idle: Option<IdleReport>,
    pub server: Option<ServerReport>,
    /// Seconds CPU time was counted over: the measuring window of a timed run, else from all
    /// connections open to the end.
    pub cpu_window_s: f64,
    /// CPU seconds (user + system) in that window: `server`, each `--cpu-of` name, `loadgen`.
    pub cpu_s: BTreeMap<String, f64>,
    /// The same per answer counted, in microseconds.
    pub cpu_us_per_answer: BTreeMap<String, f64>,
}

/// Idle mode's findings.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IdleReport {
    pub hold_s: f64,
    pub alive: usize,
    /// Connections that failed to open, to ask, to stay open or to answer the ping.
    pub failures: u64,
    pub rss_before_kib: Option<u64>,
    pub rss_connected_kib: Option<u64>,
    pub rss_asked_kib: Option<u64>,
    pub rss_after_idle_kib: Option<u64>,
    /// (RSS after idle − RSS before connecting) / connections alive, KiB.
    pub rss_per_connection_kib: Option<f64>,
}

/// The server process, from `/proc`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ServerReport {
    pub pid: u32,
    pub rss_start_kib: u64,
    pub rss_end_kib: u64,
    /// Largest VmRSS sampled during the run (every 100 ms).
    pub rss_max_sampled_kib: u64,
    /// VmHWM at the end: the kernel's peak since the server started.
    pub peak_rss_kib: u64,
    /// CPU seconds (user + system) the server used during the run.
    pub cpu_s: f64,
    /// `cpu_s` per wall second of the run (1.0 = one core busy).
    pub cpu_cores: f64,
    pub gone: bool,
}

impl ServerReport {
    pub fn from_sampled(pid: u32, s: &Sampled, wall_s: f64) -> Self {
        let cpu_s = round3(s.last.cpu_seconds - s.first.cpu_seconds);
        Self {
            pid,
            rss_start_kib: s.first.rss_kib,
            rss_end_kib: s.last.rss_kib,
            rss_max_sampled_kib: s.max_rss_kib,
            peak_rss_kib: s.last.hwm_kib,
            cpu_s,
            cpu_cores: if wall_s > 0.0 {
                round3(cpu_s / wall_s)
            } else {
                0.0
            },
            gone: s.gone,
        }
    }
}

/// RSS of a reading, when there is one.
pub fn rss(r: Option<Reading>) -> Option<u64> {
    r.map(|r| r.rss_kib)
}

impl Report {
    /// The JSON line.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// The table for people.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let label = if self.label.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.label)
        };
        let _ = writeln!(
            out,
            "loadgen{label}: {} loop against {}",
            self.mode, self.url
        );
        let _ = writeln!(
            out,
            "  connections {} ({} open), concurrency {}{}, warm-up {} s{}",
            self.connections,
            self.connected,
            self.concurrency,
            self.rate
                .map(|r| format!(", rate {r}/s"))
                .unwrap_or_default(),
            self.warmup_s,
            match (self.duration_s, self.count) {
                (Some(d), _) => format!(", duration {d} s"),
                (None, Some(c)) => format!(", {c} questions"),
                (None, None) => String::new(),
            }
        );
        let _ = writeln!(
            out,
            "  answers {} ok, {} failed in {:.3} s: {:.1} questions/s",
            self.questions_ok, self.questions_failed, self.elapsed_s, self.questions_per_s
        );
        if !self.errors.is_empty() {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let _ = writeln!(out, "  errors: {}", list.join(", "));
        }
        if self.delta_mismatch > 0 {
            let _ = writeln!(
                out,
                "  answers whose deltas did not add up to the response: {}",
                self.delta_mismatch
            );
        }
        if self.started_late > 0 {
            let _ = writeln!(
                out,
                "  questions that waited for the previous answer: {}",
                self.started_late
            );
        }
        let _ = writeln!(
            out,
            "  {:<34} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency (ms)", "p50", "p90", "p99", "max", "count"
        );
        let rows = [
            ("whole answer", &self.latency_ms),
            ("first delta", &self.first_delta_ms),
            ("added to model: first delta", &self.added_first_delta_ms),
            ("added to model: whole answer", &self.added_total_ms),
            ("delta later than model's gap", &self.delta_lateness_ms),
            (
                "response after last delta",
                &self.response_after_last_delta_ms,
            ),
            ("handshake", &self.handshake_ms),
            ("handshake to greeting", &self.ready_ms),
        ];
        for (name, summary) in rows {
            match summary {
                Some(s) => {
                    let _ = writeln!(
                        out,
                        "  {name:<34} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9}",
                        s.p50, s.p90, s.p99, s.max, s.count
                    );
                }
                None => {
                    let _ = writeln!(out, "  {name:<34} {:>9}", "n/a");
                }
            }
        }
        let _ = writeln!(
            out,
            "  all connections open in {:.3} s; {} resumed",
            self.connect_all_s, self.resumed
        );
        if let Some(idle) = &self.idle {
            let _ = writeln!(
                out,
                "  idle {} s: {} alive, {} failures; RSS before {} KiB, connected {} KiB, asked {} KiB, after idle {} KiB; per connection {} KiB",
                idle.hold_s,
                idle.alive,
                idle.failures,
                opt(idle.rss_before_kib),
                opt(idle.rss_connected_kib),
                opt(idle.rss_asked_kib),
                opt(idle.rss_after_idle_kib),
                idle.rss_per_connection_kib
                    .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}")),
            );
        }
        if let Some(s) = &self.server {
            let _ = writeln!(
                out,
                "  server pid {}: RSS {} → {} KiB (max sampled {}, peak VmHWM {}), CPU {:.2} s ({:.2} cores){}",
                s.pid,
                s.rss_start_kib,
                s.rss_end_kib,
                s.rss_max_sampled_kib,
                s.peak_rss_kib,
                s.cpu_s,
                s.cpu_cores,
                if s.gone {
                    " — the process went away"
                } else {
                    ""
                }
            );
        }
        let per: Vec<String> = self
            .cpu_s
            .iter()
            .map(|(name, cpu)| {
                let us = self.cpu_us_per_answer.get(name).copied().unwrap_or(0.0);
                format!("{name} {cpu:.2} s ({us:.0} µs/answer)")
            })
            .collect();
        let _ = writeln!(
            out,
            "  CPU over {:.1} s: {}",
            self.cpu_window_s,
            per.join(", ")
        );
        out
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |v| v.to_string())
}

/// Prints the report's JSON line and, when `path` is given, appends it there too (scripts
/// collect several runs in one file). Returns false, having said why, when the file cannot be
/// written.
pub fn emit_json_line(tool: &str, json: &str, path: Option<&std::path::Path>) -> bool {
    use std::io::Write as _;
    println!("{json}");
    let Some(path) = path else {
        return true;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{json}"));
    match written {
        Ok(()) => true,
        Err(e) => {
            eprintln!("{tool}: cannot write {}: {e}", path.display());
            false
        }
    }
}
