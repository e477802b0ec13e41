//! The runs: connect every connection, then ask closed-loop, open-loop, or once and hold idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore, watch};
use tokio::time::{sleep_until, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::args::Args;
use crate::frame::{self, ServerFrame};
use crate::stats::Recorder;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long an idle connection may take to answer loadgen's ping after the idle period.
const PING_TIMEOUT: Duration = Duration::from_secs(10);
/// Read and write buffer of each socket, bytes. tungstenite's default (128 KiB, zeroed) would
/// make loadgen itself spend a gigabyte and most of its CPU on 10,000 connections; frames here
/// are small, and a larger one just takes a few reads.
const SOCKET_BUFFER_BYTES: usize = 8 * 1024;
/// How late an open-loop question may start before it counts as started late.
const LATE_AFTER: Duration = Duration::from_millis(1);

/// Which run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Ask again as soon as answered, at most `concurrency` questions in flight.
    Closed,
    /// Questions due at `rate` per second over all connections.
    Open { rate: f64 },
    /// Ask once on each connection, then hold them idle this long.
    Idle { hold: Duration },
}

impl Mode {
    pub fn of(args: &Args) -> Self {
        match (args.idle, args.rate) {
            (Some(hold), _) => Mode::Idle {
                hold: Duration::from_secs_f64(hold),
            },
            (None, Some(rate)) => Mode::Open { rate },
            (None, None) => Mode::Closed,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mode::Closed => "closed",
            Mode::Open { .. } => "open",
            Mode::Idle { .. } => "idle",
        }
    }
}

/// Moments of a run the main task marks, so server readings can be taken at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Every connection is open (or has failed to open).
    Connected,
    /// Timed runs: the warm-up is over and measuring starts.
    MeasureStart,
    /// Timed runs: the measuring window is over (answers in flight still finish).
    MeasureEnd,
    /// Idle mode: every connection has asked its question.
    Asked,
    /// Idle mode: the idle period is over.
    IdleOver,
}

/// What a whole run measured.
#[derive(Debug)]
pub struct Outcome {
    pub rec: Recorder,
    /// Connections whose handshake and greeting succeeded.
    pub connected: usize,
    /// From the first handshake to the last greeting.
    pub connect_all: Duration,
    /// Idle mode: connections that answered the final ping.
    pub alive_after_idle: Option<usize>,
    /// Session ids the server gave, by connection.
    pub sessions: Vec<Option<String>>,
}

/// Settings shared by the connection tasks.
#[derive(Debug)]
struct Shared {
    mode: Mode,
    connections: usize,
    questions: Vec<String>,
    answer_timeout: Duration,
    connect_timeout: Duration,
    warmup: Duration,
    duration: Duration,
    count: Option<u64>,
    model_ttft: Option<f64>,
    model_token: Option<f64>,
    connect_gate: Semaphore,
    ask_gate: Semaphore,
    connected: Barrier,
    asked: Barrier,
    /// Set once every connection is open: when measuring (plus warm-up) starts.
    start: watch::Receiver<Option<Instant>>,
    /// Idle mode: when the idle period ends.
    idle_end: watch::Receiver<Option<Instant>>,
    /// Questions counted so far (after warm-up), for `--count`.
    counted: AtomicU64,
}

/// Runs what `args` asks; `mark` is called at each [`Phase`].
pub async fn run(args: &Args, sessions_in: Vec<String>, mut mark: impl FnMut(Phase)) -> Outcome {
    let mode = Mode::of(args);
    let n = args.connections;
    let (start_tx, start_rx) = watch::channel(None);
    let (idle_tx, idle_rx) = watch::channel(None);
    let shared = Arc::new(Shared {
        mode,
        connections: n,
        questions: args.questions(),
        answer_timeout: args.timeout(),
        connect_timeout: args.connect_timeout(),
        warmup: args.warmup(),
        duration: args.duration(),
        count: args.count,
        model_ttft: args.model_ttft_ms,
        model_token: args.model_token_ms,
        connect_gate: Semaphore::new(args.connect_concurrency),
        ask_gate: Semaphore::new(args.concurrency()),
        connected: Barrier::new(n + 1),
        asked: Barrier::new(n + 1),
        start: start_rx,
        idle_end: idle_rx,
        counted: AtomicU64::new(0),
    });

    let connect_started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for index in 0..n {
        let url = args.url_for(index, &sessions_in);
        let shared = Arc::clone(&shared);
        tasks.push(tokio::spawn(connection(index, url, shared)));
    }

    shared.connected.wait().await;
    let connect_all = connect_started.elapsed();
    mark(Phase::Connected);
    let start = Instant::now();
    let _ = start_tx.send(Some(start));

    let timed = args.count.is_none() && !matches!(mode, Mode::Idle { .. });
    if timed {
        let measure_from = start + shared.warmup;
        sleep_until(measure_from.into()).await;
        mark(Phase::MeasureStart);
        sleep_until((measure_from + shared.duration).into()).await;
        mark(Phase::MeasureEnd);
    }
    if let Mode::Idle { hold } = mode {
        shared.asked.wait().await;
        mark(Phase::Asked);
        let end = Instant::now() + hold;
        let _ = idle_tx.send(Some(end));
        sleep_until(end.into()).await;
        mark(Phase::IdleOver);
    }

    let mut rec = Recorder::default();
    let mut connected = 0;
    let mut alive = 0;
    let mut sessions = Vec::with_capacity(n);
    for task in tasks {
        match task.await {
            Ok(done) => {
                rec.merge(&done.rec);
                connected += usize::from(done.connected);
                alive += usize::from(done.alive);
                sessions.push(done.session_id);
            }
            Err(_) => {
                rec.error("LOADGEN_TASK_FAILED");
                sessions.push(None);
            }
        }
    }
    Outcome {
        rec,
        connected,
        connect_all,
        alive_after_idle: matches!(mode, Mode::Idle { .. }).then_some(alive),
        sessions,
    }
}

/// What one connection task returns.
struct Done {
    rec: Recorder,
    connected: bool,
    alive: bool,
    session_id: Option<String>,
}

async fn connection(index: usize, url: String, shared: Arc<Shared>) -> Done {
    let mut rec = Recorder::default();
    let opened = {
        let _permit = shared.connect_gate.acquire().await;
        open(&url, shared.connect_timeout, &mut rec).await
    };
    shared.connected.wait().await;
    let mut start_rx = shared.start.clone();
    let start = match start_rx.wait_for(Option::is_some).await {
        Ok(s) => s.unwrap_or_else(Instant::now),
        Err(_) => Instant::now(),
    };
    let (mut ws, session_id) = match opened {
        Ok(opened) => opened,
        Err(code) => {
            rec.error(code);
            if matches!(shared.mode, Mode::Idle { .. }) {
                shared.asked.wait().await;
            }
            return Done {
                rec,
                connected: false,
                alive: false,
                session_id: None,
            };
        }
    };

    let alive = match shared.mode {
        Mode::Closed => {
            closed_loop(index, &mut ws, &shared, start, &mut rec).await;
            false
        }
        Mode::Open { rate } => {
            open_loop(index, &mut ws, &shared, start, rate, &mut rec).await;
            false
        }
        Mode::Idle { .. } => idle(index, &mut ws, &shared, start, &mut rec).await,
    };
    let _ = timeout(Duration::from_secs(2), ws.close(None)).await;
    Done {
        rec,
        connected: true,
        alive,
        session_id,
    }
}

/// Handshake, then the greeting. Records both times; an error code on failure.
async fn open(
    url: &str,
    limit: Duration,
    rec: &mut Recorder,
) -> Result<(Ws, Option<String>), &'static str> {
    let began = Instant::now();
    let deadline = began + limit;
    // Nagle off: a question is one small frame, and waiting to coalesce it would add latency.
    let config = WebSocketConfig::default()
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(0);
    let connecting = connect_async_with_config(url, Some(config), true);
    let mut ws = match timeout_at(deadline.into(), connecting).await {
        Ok(Ok((ws, _response))) => ws,
        Ok(Err(_)) => return Err("CONNECT_FAILED"),
        Err(_) => return Err("CONNECT_TIMEOUT"),
    };
    rec.handshake.record(began.elapsed());
    loop {
        match timeout_at(deadline.into(), ws.next()).await {
            Err(_) => return Err("NO_GREETING"),
            Ok(None | Some(Err(_))) => return Err("CLOSED_BEFORE_GREETING"),
            Ok(Some(Ok(Message::Text(text)))) => {
                rec.ready.record(began.elapsed());
                return match frame::parse(&text) {
                    Ok(ServerFrame::System {
                        session_id,
                        resumed,
                    }) => {
                        rec.resumed += u64::from(resumed);
                        Ok((ws, session_id))
                    }
                    Ok(ServerFrame::Error { .. }) => Err("ERROR_INSTEAD_OF_GREETING"),
                    _ => Err("NO_GREETING"),
                };
            }
            Ok(Some(Ok(Message::Close(_)))) => return Err("CLOSED_BEFORE_GREETING"),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// How asking one question ended.
enum Asked {
    Answered,
    /// The server's error code, or loadgen's; the connection can go on.
    Failed(String),
    /// The connection is gone.
    Dead(&'static str),
}

/// Asks one question and reads until its `response` (or an error). Latency counts from `due`.
/// Results are recorded only when `record` is true (after the warm-up).
async fn ask(
    ws: &mut Ws,
    question: &str,
    due: Instant,
    shared: &Shared,
    start: Instant,
    record: bool,
    rec: &mut Recorder,
) -> Asked {
    let sent = Instant::now();
    if ws
        .send(Message::text(frame::question(question)))
        .await
        .is_err()
    {
        if record {
            rec.error("SEND_FAILED");
        }
        return Asked::Dead("SEND_FAILED");
    }
    let deadline = sent + shared.answer_timeout;
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    let mut deltas = 0u32;
    let mut streamed = String::new();
    let mut lateness = Vec::new();
    let outcome = loop {
        let message = match timeout_at(deadline.into(), ws.next()).await {
            Err(_) => break Asked::Failed("TIMEOUT".into()),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => break Asked::Dead("CLOSED"),
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(_))) => continue,
        };
        let now = Instant::now();
        match frame::parse(&message) {
            Ok(ServerFrame::Delta(piece)) => {
                if let (Some(prev), Some(gap)) = (last, shared.model_token) {
                    let late_ms = (now - prev).as_secs_f64() * 1000.0 - gap;
                    lateness.push(late_ms * 1000.0);
                }
                first.get_or_insert(now);
                last = Some(now);
                deltas += 1;
                streamed.push_str(&piece);
            }
            Ok(ServerFrame::Response(text)) => {
                if record {
                    record_answer(rec, shared, due, now, first, last, deltas, &lateness, start);
                    if deltas > 0 && streamed != text {
                        rec.delta_mismatch += 1;
                    }
                }
                break Asked::Answered;
            }
            Ok(ServerFrame::Error { code }) => break Asked::Failed(code),
            Ok(ServerFrame::System { .. } | ServerFrame::Other(_)) => {}
            Err(_) => break Asked::Failed("BAD_FRAME".into()),
        }
    };
    // An error frame sent right after a response (an answer not saved) belongs to that answer.
    if matches!(outcome, Asked::Answered) {
        while let Some(Some(Ok(Message::Text(text)))) = ws.next().now_or_never() {
            if let Ok(ServerFrame::Error { code }) = frame::parse(&text)
                && record
            {
                rec.error(&code);
            }
        }
    }
    if record {
        match &outcome {
            Asked::Answered => {}
            Asked::Failed(code) => rec.error(code),
            Asked::Dead(code) => rec.error(code),
        }
    }
    outcome
}

#[allow(clippy::too_many_arguments)]
fn record_answer(
    rec: &mut Recorder,
    shared: &Shared,
    due: Instant,
    now: Instant,
    first: Option<Instant>,
    last: Option<Instant>,
    deltas: u32,
    lateness: &[f64],
    start: Instant,
) {
    rec.ok += 1;
    if now <= start + shared.warmup + shared.duration {
        rec.ok_in_window += 1;
    }
    rec.latency.record(now - due);
    rec.last_finish = rec
        .last_finish
        .max(now.saturating_duration_since(start + shared.warmup));
    if let Some(first) = first {
        rec.first_delta.record(first - due);
        if let Some(ttft) = shared.model_ttft {
            let first_ms = (first - due).as_secs_f64() * 1000.0;
            rec.added_first_delta
                .record_signed_micros((first_ms - ttft) * 1000.0);
            let model_ms = ttft + shared.model_token.unwrap_or(0.0) * f64::from(deltas - 1);
            let total_ms = (now - due).as_secs_f64() * 1000.0;
            rec.added_total
                .record_signed_micros((total_ms - model_ms) * 1000.0);
        }
    }
    if let Some(last) = last {
        rec.response_after_last_delta.record(now - last);
    }
    for late in lateness {
        rec.delta_lateness.record_signed_micros(*late);
    }
}

/// Whether another question may be counted; reserves it when so.
fn take_count(shared: &Shared) -> bool {
    match shared.count {
        None => true,
        Some(max) => shared.counted.fetch_add(1, Ordering::Relaxed) < max,
    }
}

async fn closed_loop(
    index: usize,
    ws: &mut Ws,
    shared: &Shared,
    start: Instant,
    rec: &mut Recorder,
) {
    let measure_from = start + shared.warmup;
    let stop_at = measure_from + shared.duration;
    let mut k = index;
    loop {
        let Ok(_permit) = shared.ask_gate.acquire().await else {
            return;
        };
        let now = Instant::now();
        if now >= stop_at {
            return;
        }
        let record = now >= measure_from;
        if record && !take_count(shared) {
            return;
        }
        let question = &shared.questions[k % shared.questions.len()];
        k += 1;
        if let Asked::Dead(_) = ask(ws, question, now, shared, start, record, rec).await {
            return;
        }
    }
}

async fn open_loop(
    index: usize,
    ws: &mut Ws,
    shared: &Shared,
    start: Instant,
    rate: f64,
    rec: &mut Recorder,
) {
    let measure_from = start + shared.warmup;
    let stop_at = measure_from + shared.duration;
    // Question j (over all connections) is due at j / rate; this connection takes every n-th.
    let n = shared.connections;
    let mut j = index;
    let mut free_since = start;
    loop {
        let due = start + Duration::from_secs_f64(j as f64 / rate);
        if due >= stop_at {
            return;
        }
        sleep_until(due.into()).await;
        let record = due >= measure_from;
        if record && !take_count(shared) {
            return;
        }
        // A question that had to wait for the previous answer counts from when it was due (the
        // server's queue); one that only waited for loadgen's own timer (1 ms resolution)
        // counts from when it was sent.
        let busy = free_since > due + LATE_AFTER;
        if record && busy {
            rec.started_late += 1;
        }
        let from = if busy { due } else { Instant::now() };
        let question = &shared.questions[j % shared.questions.len()];
        j += n;
        if let Asked::Dead(_) = ask(ws, question, from, shared, start, record, rec).await {
            return;
        }
        free_since = Instant::now();
    }
}

/// Idle mode: ask once, hold the socket (answering the server's pings), then ping it.
async fn idle(
    index: usize,
    ws: &mut Ws,
    shared: &Shared,
    start: Instant,
    rec: &mut Recorder,
) -> bool {
    let question = &shared.questions[index % shared.questions.len()];
    let asked = {
        let _permit = shared.ask_gate.acquire().await;
        ask(ws, question, Instant::now(), shared, start, true, rec).await
    };
    shared.asked.wait().await;
    if let Asked::Dead(_) = asked {
        return false;
    }
    let mut idle_rx = shared.idle_end.clone();
    let end = match idle_rx.wait_for(Option::is_some).await {
        Ok(end) => end.unwrap_or_else(Instant::now),
        Err(_) => Instant::now(),
    };
    // Reading lets tungstenite answer the server's pings while the socket is otherwise quiet.
    loop {
        match timeout_at(end.into(), ws.next()).await {
            Err(_) => break,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => {
                rec.error("CLOSED_WHILE_IDLE");
                return false;
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    if ws
        .send(Message::Ping(b"loadgen".to_vec().into()))
        .await
        .is_err()
    {
        rec.error("CLOSED_WHILE_IDLE");
        return false;
    }
    let deadline = Instant::now() + PING_TIMEOUT;
    loop {
        match timeout_at(deadline.into(), ws.next()).await {
            Err(_) => {
                rec.error("NO_PONG_AFTER_IDLE");
                return false;
            }
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => {
                rec.error("CLOSED_WHILE_IDLE");
                return false;
            }
            Ok(Some(Ok(Message::Pong(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}
