//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Longest run accepted, in seconds: every load loop here is bounded in time.
pub const MAX_DURATION_SECS: f64 = 3600.0;
/// Most connections accepted: a bound, and well past what one loopback address can open.
pub const MAX_CONNECTIONS: usize = 60_000;

/// Questions asked when none are given: varied, so an answerer that ranks text does real work.
pub const DEFAULT_QUESTIONS: &[&str] = &[
    "What programming languages does she know?",
    "Where does she work now?",
    "Where did she study?",
    "How many years of experience does she have?",
    "What projects has she built?",
    "Is she certified in anything?",
    "How can I contact her?",
    "What databases has she used?",
];

/// WebSocket load generator for resume chat (and any server speaking its protocol).
#[derive(Debug, Clone, Parser)]
#[command(name = "loadgen", version, about, long_about = None)]
pub struct Args {
    /// WebSocket URL of the chat endpoint.
    #[arg(long, default_value = "ws://127.0.0.1:8000/ws")]
    pub url: String,

    /// Connections to open.
    #[arg(short = 'c', long, default_value_t = 100)]
    pub connections: usize,

    /// Questions in flight at once (closed loop); defaults to one per connection.
    #[arg(long)]
    pub concurrency: Option<usize>,

    /// Open loop: questions per second over all connections, each due at a fixed time; a
    /// question that must wait for its connection's previous answer counts its latency from
    /// when it was due. Without it the loop is closed: ask again once answered.
    #[arg(long)]
    pub rate: Option<f64>,

    /// Seconds to ask questions for (after the warm-up). The run stops asking then, and waits
    /// for answers in flight (at most --timeout).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,

    /// Stop after this many questions in all (whichever of this and --duration comes first;
    /// `--duration 0` lets the count alone decide, within an hour).
    #[arg(long)]
    pub count: Option<u64>,

    /// Seconds of questions before measuring starts; their results are not counted.
    #[arg(long, default_value_t = 0.0)]
    pub warmup: f64,

    /// A question to ask (repeat for several; connections take them in turn).
    #[arg(long = "question")]
    pub questions: Vec<String>,

    /// Resume conversations: a file of session ids, one a line; connection i uses line i
    /// (modulo the number of lines) as `?session_id=`.
    #[arg(long)]
    pub sessions_in: Option<PathBuf>,

    /// Write the session ids the server gave, one a line, for a later --sessions-in.
    #[arg(long)]
    pub sessions_out: Option<PathBuf>,

    /// The server's pid: sample its RSS (VmRSS, VmHWM) and CPU time from /proc.
    #[arg(long)]
    pub pid: Option<u32>,

    /// Also report the CPU time of every process with this name (as in /proc/PID/comm, e.g.
    /// `postgres`, `fake-llm`) over the measuring window; repeat for several.
    #[arg(long = "cpu-of")]
    pub cpu_of: Vec<String>,

    /// Idle mode: open the connections, ask once on each, hold them idle this many seconds,
    /// then check each still answers a ping.
    #[arg(long)]
    pub idle: Option<f64>,

    /// Seconds to wait for one whole answer before counting it as TIMEOUT.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,

    /// Seconds to wait for a connection's handshake and greeting.
    #[arg(long, default_value_t = 10.0)]
    pub connect_timeout: f64,

    /// WebSocket handshakes in progress at once while connecting.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,

    /// The model's time to first token in ms (fake-llm's --ttft-ms): report what the server
    /// adds on top of it.
    #[arg(long)]
    pub model_ttft_ms: Option<f64>,

    /// The model's time between tokens in ms (fake-llm's --token-ms): report how late each
    /// delta arrives after the one before, beyond this.
    #[arg(long)]
    pub model_token_ms: Option<f64>,

    /// A name for this run, carried into the JSON.
    #[arg(long, default_value = "")]
    pub label: String,

    /// Also write the JSON line to this file (appending).
    #[arg(long)]
    pub json_out: Option<PathBuf>,

    /// Worker threads of loadgen's own runtime. One leaves the other core to the server on a
    /// 2-core machine; loadgen's CPU time is reported so its share can be seen.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,

    /// Print only the JSON line.
    #[arg(long)]
    pub quiet: bool,
}

impl Args {
    /// Checks bounds and combinations.
    ///
    /// # Errors
    /// A sentence saying what to change.
    pub fn validate(&self) -> Result<(), String> {
        if self.connections == 0 || self.connections > MAX_CONNECTIONS {
            return Err(format!("--connections must be 1..={MAX_CONNECTIONS}"));
        }
        if matches!(self.concurrency, Some(0)) {
            return Err("--concurrency must be at least 1".into());
        }
        for (name, secs) in [
            ("--duration", self.duration),
            ("--warmup", self.warmup),
            ("--timeout", self.timeout),
            ("--connect-timeout", self.connect_timeout),
            ("--idle", self.idle.unwrap_or(0.0)),
        ] {
            if !(secs.is_finite() && (0.0..=MAX_DURATION_SECS).contains(&secs)) {
                return Err(format!("{name} must be 0..={MAX_DURATION_SECS} seconds"));
            }
        }
        if self.duration == 0.0 && self.count.is_none() && self.idle.is_none() {
            return Err("give --duration or --count: every run is bounded".into());
        }
        if let Some(rate) = self.rate
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err("--rate must be a positive number of questions per second".into());
        }
        if self.idle.is_some() && self.rate.is_some() {
            return Err("--idle and --rate do not go together".into());
        }
        if self.threads == 0 || self.connect_concurrency == 0 {
            return Err("--threads and --connect-concurrency must be at least 1".into());
        }
        if !(self.url.starts_with("ws://") || self.url.starts_with("wss://")) {
            return Err(format!("--url must be a ws:// URL (got {:?})", self.url));
        }
        Ok(())
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(self.connections).max(1)
    }

    pub fn questions(&self) -> Vec<String> {
        if self.questions.is_empty() {
            DEFAULT_QUESTIONS.iter().map(|q| (*q).to_owned()).collect()
        } else {
            self.questions.clone()
        }
    }

    /// How long questions are asked: `--duration`, or with `--count` and `--duration 0`, until
    /// the count is reached (at most [`MAX_DURATION_SECS`]).
    pub fn duration(&self) -> Duration {
        if self.duration == 0.0 && self.count.is_some() {
            Duration::from_secs_f64(MAX_DURATION_SECS)
        } else {
            Duration::from_secs_f64(self.duration)
        }
    }

    pub fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.connect_timeout)
    }

    /// The URL connection `index` opens: with `?session_id=` when resuming.
    pub fn url_for(&self, index: usize, sessions: &[String]) -> String {
        if sessions.is_empty() {
            return self.url.clone();
        }
        let id = &sessions[index % sessions.len()];
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}session_id={id}", self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Args {
        let mut argv = vec!["loadgen"];
        argv.extend_from_slice(extra);
        Args::parse_from(argv)
    }

    #[test]
    fn defaults_are_a_bounded_closed_loop() {
        let args = parse(&[]);
        assert!(args.validate().is_ok());
        assert_eq!(args.concurrency(), 100);
        assert!(args.rate.is_none());
        assert_eq!(args.questions().len(), DEFAULT_QUESTIONS.len());
    }

    #[test]
    fn refuses_unbounded_or_odd_runs() {
        assert!(parse(&["--duration", "0"]).validate().is_err());
        assert!(
            parse(&["--duration", "0", "--count", "10"])
                .validate()
                .is_ok()
        );
        assert!(parse(&["--duration", "99999"]).validate().is_err());
        assert!(parse(&["--rate", "0"]).validate().is_err());
        assert!(parse(&["--url", "http://x"]).validate().is_err());
        assert!(parse(&["-c", "0"]).validate().is_err());
    }

    #[test]
    fn resumes_with_session_ids_in_turn() {
        let args = parse(&["--url", "ws://h/ws"]);
        let ids = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(args.url_for(0, &ids), "ws://h/ws?session_id=a");
        assert_eq!(args.url_for(3, &ids), "ws://h/ws?session_id=b");
        assert_eq!(args.url_for(3, &[]), "ws://h/ws");
    }
}
