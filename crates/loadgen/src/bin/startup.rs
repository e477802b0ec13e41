//! `startup-time`: how long a server takes from being spawned to answering 200 on its readiness URL,
//! over several runs, as a table and one JSON line.
//!
//! ```text
//! startup-time --url http://127.0.0.1:PORT/ready --runs 10 [--fresh-sqlite-dir DIR] -- /path/to/resume-chat
//! ```
//! With `--fresh-sqlite-dir`, each run gets `DATABASE_URL=sqlite://DIR/run-N.db?mode=rwc`, a new
//! file, so migrations are part of every start. The server is stopped with SIGKILL after each
//! run (only the process this tool spawned).

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use loadgen::procstat;
use loadgen::startup::{parse_http_url, probe, wait_ready};
use loadgen::stats::{Latency, round3};

/// Most runs accepted: a bound on the loop.
const MAX_RUNS: usize = 1000;

/// Measures start-up to ready.
#[derive(Debug, Parser)]
#[command(name = "startup-time", version, about)]
struct Args {
    /// Readiness URL (http://IP:PORT/path).
    #[arg(long)]
    url: String,
    /// Starts to measure.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Seconds one start may take before it counts as failed.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Milliseconds between probes.
    #[arg(long, default_value_t = 1.0)]
    every_ms: f64,
    /// Give each run a new SQLite file in this directory (migrations included).
    #[arg(long)]
    fresh_sqlite_dir: Option<PathBuf>,
    #[arg(long, default_value = "")]
    label: String,
    /// Also append the JSON line to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// The server command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let url = match parse_http_url(&args.url) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("startup: {e}");
            return ExitCode::from(2);
        }
    };
    if args.runs == 0 || args.runs > MAX_RUNS || !(args.timeout > 0.0 && args.timeout <= 600.0) {
        eprintln!("startup: --runs must be 1..={MAX_RUNS} and --timeout 0..=600 s");
        return ExitCode::from(2);
    }
    if probe(&url).is_some() {
        eprintln!(
            "startup: something already answers at {}; stop it first",
            args.url
        );
        return ExitCode::from(2);
    }
    let limit = Duration::from_secs_f64(args.timeout);
    let every = Duration::from_secs_f64(args.every_ms / 1000.0);
    let mut times = Latency::new();
    let mut rss_at_ready = Vec::new();
    let mut failures = 0u32;
    for run in 0..args.runs {
        let mut cmd = Command::new(&args.command[0]);
        cmd.args(&args.command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(dir) = &args.fresh_sqlite_dir {
            let file = dir.join(format!("startup-{run}.db"));
            let _ = std::fs::remove_file(&file);
            cmd.env(
                "DATABASE_URL",
                format!("sqlite://{}?mode=rwc", file.display()),
            );
        }
        let began = Instant::now();
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                eprintln!("startup: cannot run {:?}: {e}", args.command[0]);
                return ExitCode::FAILURE;
            }
        };
        match wait_ready(&url, began, every, limit) {
            Some(t) => {
                times.record(t);
                if let Some(r) = procstat::read(&child.id().to_string()) {
                    rss_at_ready.push(r.rss_kib);
                }
            }
            None => failures += 1,
        }
        let _ = child.kill();
        let _ = child.wait();
        // Let the port be released before the next run binds it.
        let free_by = Instant::now() + Duration::from_secs(5);
        while probe(&url).is_some() && Instant::now() < free_by {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let summary = times.summary();
    let rss_max = rss_at_ready.iter().copied().max();
    let json = serde_json::json!({
        "tool": "startup",
        "label": args.label,
        "url": args.url,
        "runs": args.runs,
        "failures": failures,
        "fresh_sqlite": args.fresh_sqlite_dir.is_some(),
        "ready_ms": summary,
        "rss_at_ready_kib_max": rss_max,
    })
    .to_string();
    match summary {
        Some(s) => println!(
            "startup{}: {} runs, {} failed; exec → 200 on {}: p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms, mean {:.1} ms; RSS at ready ≤ {} KiB",
            if args.label.is_empty() {
                String::new()
            } else {
                format!(" [{}]", args.label)
            },
            args.runs,
            failures,
            args.url,
            s.p50,
            s.p90,
            s.max,
            round3(s.mean),
            rss_max.map_or_else(|| "n/a".into(), |v| v.to_string()),
        ),
        None => println!("startup: no run became ready within {} s", args.timeout),
    }
    if !loadgen::report::emit_json_line("startup", &json, args.json_out.as_deref()) {
        return ExitCode::FAILURE;
    }
    if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
