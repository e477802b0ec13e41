//! `loadgen`: see the crate documentation (`loadgen --help` for the arguments).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use loadgen::args::Args;
use loadgen::procstat::{self, Sampler};
use loadgen::report::{IdleReport, Report, ServerReport, rss};
use loadgen::run::{self, Mode, Phase};
use loadgen::stats::round3;

/// CPU seconds of the server, the named processes and loadgen itself at one moment.
#[derive(Debug, Clone)]
struct CpuMark {
    at: Instant,
    server: Option<f64>,
    named: Vec<f64>,
    me: f64,
}

impl CpuMark {
    fn take(pid: Option<u32>, names: &[String]) -> Self {
        Self {
            at: Instant::now(),
            server: pid
                .and_then(|p| procstat::read(&p.to_string()))
                .map(|r| r.cpu_seconds),
            named: names.iter().map(|n| procstat::cpu_seconds_of(n)).collect(),
            me: procstat::read("self").map_or(0.0, |r| r.cpu_seconds),
        }
    }

    /// CPU seconds used between `from` and this mark, by process.
    fn minus(&self, from: &CpuMark, names: &[String]) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let (Some(a), Some(b)) = (from.server, self.server) {
            out.insert("server".to_owned(), round3(b - a));
        }
        for (i, name) in names.iter().enumerate() {
            out.insert(name.clone(), round3(self.named[i] - from.named[i]));
        }
        out.insert("loadgen".to_owned(), round3(self.me - from.me));
        out
    }
}

fn per_answer_us(cpu_s: f64, answered: u64) -> f64 {
    if answered == 0 {
        0.0
    } else {
        (cpu_s * 1e6 / answered as f64).round()
    }
}

/// File descriptors kept beyond one per connection (runtime, stdio, files).
const SPARE_FILES: u64 = 1024;

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(problem) = args.validate() {
        eprintln!("loadgen: {problem}");
        return ExitCode::from(2);
    }
    let wanted = args.connections as u64 + SPARE_FILES;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted => eprintln!(
            "loadgen: warning: the open-file limit is {got}, below the {wanted} that {} connections need; raise `ulimit -Hn`",
            args.connections
        ),
        Ok(_) => {}
        Err(e) => eprintln!("loadgen: warning: could not raise the open-file limit: {e}"),
    }
    let sessions_in = match &args.sessions_in {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            Err(e) => {
                eprintln!("loadgen: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut sampler = args.pid.and_then(Sampler::start);
    if args.pid.is_some() && sampler.is_none() {
        eprintln!("loadgen: warning: cannot read /proc of pid {:?}", args.pid);
    }
    let pid = args.pid.unwrap_or(0);
    let before = args.pid.and_then(|p| procstat::read(&p.to_string()));
    let mode = Mode::of(&args);
    let timed = args.count.is_none() && matches!(mode, Mode::Closed | Mode::Open { .. });
    // CPU is counted over the measuring window of a timed run, else from all connections open
    // to the end.
    let window_opens = if timed {
        Phase::MeasureStart
    } else {
        Phase::Connected
    };
    let cpu_now = || CpuMark::take(args.pid, &args.cpu_of);
    let mut at_phase = Vec::new();
    let mut cpu_from: Option<CpuMark> = None;
    let mut cpu_to: Option<CpuMark> = None;

    let outcome = runtime.block_on(run::run(&args, sessions_in, |phase| {
        let reading = args.pid.and_then(|p| procstat::read(&p.to_string()));
        at_phase.push((phase, reading));
        if phase == window_opens {
            cpu_from = Some(cpu_now());
        } else if phase == Phase::MeasureEnd {
            cpu_to = Some(cpu_now());
        }
    }));
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    let cpu_to = cpu_to.unwrap_or_else(cpu_now);
    let cpu_from = cpu_from.unwrap_or_else(|| cpu_to.clone());
    let cpu_wall = cpu_to.at.duration_since(cpu_from.at).as_secs_f64();

    let server = sampler.take().map(|s| {
        let seen = s.finish(pid);
        let mut report = ServerReport::from_sampled(pid, &seen, cpu_wall);
        if let (Some(a), Some(b)) = (cpu_from.server, cpu_to.server) {
            report.cpu_s = round3(b - a);
            report.cpu_cores = if cpu_wall > 0.0 {
                round3((b - a) / cpu_wall)
            } else {
                0.0
            };
        }
        report
    });
    let phase_rss = |p: Phase| rss(at_phase.iter().find(|(q, _)| *q == p).and_then(|(_, r)| *r));

    let rec = &outcome.rec;
    // A timed run counts the answers that came within its window; a counted one (or idle
    // mode's single round) runs until its last answer.
    let (answered, elapsed) = if timed {
        (rec.ok_in_window, args.duration)
    } else {
        (rec.ok, rec.last_finish.as_secs_f64())
    };
    let idle = match mode {
        Mode::Idle { hold } => {
            let alive = outcome.alive_after_idle.unwrap_or(0);
            let after = phase_rss(Phase::IdleOver);
            let per = match (rss(before), after) {
                (Some(b), Some(a)) if alive > 0 => {
                    Some(round3(a.saturating_sub(b) as f64 / alive as f64))
                }
                _ => None,
            };
            Some(IdleReport {
                hold_s: hold.as_secs_f64(),
                alive,
                failures: (args.connections - alive) as u64,
                rss_before_kib: rss(before),
                rss_connected_kib: phase_rss(Phase::Connected),
                rss_asked_kib: phase_rss(Phase::Asked),
                rss_after_idle_kib: after,
                rss_per_connection_kib: per,
            })
        }
        _ => None,
    };
    let report = Report {
        tool: "loadgen",
        label: args.label.clone(),
        mode: mode.name(),
        url: args.url.clone(),
        started_unix,
        connections: args.connections,
        connected: outcome.connected,
        concurrency: args.concurrency(),
        rate: args.rate,
        warmup_s: args.warmup,
        duration_s: timed.then_some(args.duration),
        count: args.count,
        elapsed_s: round3(elapsed),
        questions_ok: rec.ok,
        questions_failed: rec.failed(),
        questions_per_s: if elapsed > 0.0 {
            round3(answered as f64 / elapsed)
        } else {
            0.0
        },
        errors: rec.errors.clone(),
        latency_ms: rec.latency.summary(),
        first_delta_ms: rec.first_delta.summary(),
        added_first_delta_ms: rec.added_first_delta.summary(),
        added_total_ms: rec.added_total.summary(),
        delta_lateness_ms: rec.delta_lateness.summary(),
        response_after_last_delta_ms: rec.response_after_last_delta.summary(),
        handshake_ms: rec.handshake.summary(),
        ready_ms: rec.ready.summary(),
        connect_all_s: round3(outcome.connect_all.as_secs_f64()),
        delta_mismatch: rec.delta_mismatch,
        started_late: rec.started_late,
        resumed: rec.resumed,
        model_ttft_ms: args.model_ttft_ms,
        model_token_ms: args.model_token_ms,
        idle,
        server,
        cpu_window_s: round3(cpu_wall),
        cpu_s: cpu_to.minus(&cpu_from, &args.cpu_of),
        cpu_us_per_answer: cpu_to
            .minus(&cpu_from, &args.cpu_of)
            .into_iter()
            .map(|(k, v)| (k, per_answer_us(v, answered)))
            .collect(),
    };

    if let Some(path) = &args.sessions_out {
        let ids: String = outcome
            .sessions
            .iter()
            .flatten()
            .map(|id| format!("{id}\n"))
            .collect();
        if let Err(e) = std::fs::write(path, ids) {
            eprintln!("loadgen: cannot write {}: {e}", path.display());
        }
    }
    let json = report.json();
    if !args.quiet {
        print!("{}", report.table());
    }
    if !loadgen::report::emit_json_line("loadgen", &json, args.json_out.as_deref()) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
