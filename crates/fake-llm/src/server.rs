//! The HTTP server: hyper's HTTP/1 server on a thread and tokio runtime of its own, so it runs
//! the same under a `#[tokio::test]` of any flavour, under `main`, or next to an actix system.
//! hyper (rather than actix-web) because it notices a client closing the connection while a
//! response is still pending, which is what [`FakeLlmHandle::connections_closed_early`] counts.

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::{oneshot, watch};

use crate::script::{AnswerSource, Fault, Script, tokenize};
use crate::wire::{self, ChunkHeader, TokenUsage};

/// Largest request body accepted: far above any prompt this project sends (a resume plus
/// history is tens of KiB), so the fake never refuses what a real provider would take.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Pause before dropping a connection on purpose, so the pieces already written reach the
/// client first (hyper flushes when the body pauses; an error right after a write would
/// discard the unflushed bytes).
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again, so the
/// loop does not spin.
const ACCEPT_RETRY_PAUSE: Duration = Duration::from_millis(50);

/// The model named in answers when the request names none and the script sets none.
const DEFAULT_MODEL: &str = "fake-llm/model";

type Body = BoxBody<Bytes, std::io::Error>;

/// Starting the fake failed.
#[derive(Debug, thiserror::Error)]
pub enum FakeLlmError {
    #[error("could not bind 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start the server: {0}")]
    Start(#[source] std::io::Error),
    #[error("the server thread stopped before it was ready")]
    ThreadGone,
}

/// One chat request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names in lower case; a repeated header keeps its last value.
    pub headers: BTreeMap<String, String>,
    /// The parsed JSON body (`Value::Null` when the body was not JSON).
    pub body: Value,
    /// When the request arrived (after its body was read).
    pub received_at: Instant,
}

impl RecordedRequest {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The `model` the request asked for.
    pub fn model(&self) -> Option<&str> {
        self.body.get("model").and_then(Value::as_str)
    }

    /// Whether the request asked for a streamed answer.
    pub fn is_stream(&self) -> bool {
        self.body
            .get("stream")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// State shared by the handlers and the test's handle.
#[derive(Debug)]
struct Shared {
    script: Mutex<Script>,
    /// False for a long benchmark run, where keeping every request would grow without bound
    /// and copying each body would cost the fake more than answering.
    record: bool,
    requests: Mutex<Vec<RecordedRequest>>,
    request_count: watch::Sender<usize>,
    closed_early: watch::Sender<usize>,
    next_id: AtomicU64,
}

impl Shared {
    fn script(&self) -> MutexGuard<'_, Script> {
        // A panicking handler cannot leave the script half-written: every edit is one statement.
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn requests(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Builds a fake server. Start with [`crate::FakeLlm::builder`]; port 0 (the default) means any
/// free port.
#[derive(Debug, Clone, Default)]
pub struct FakeLlmBuilder {
    script: Script,
    port: u16,
    unrecorded: bool,
}

impl FakeLlmBuilder {
    /// Answers every request with this text.
    pub fn answer(mut self, text: impl Into<String>) -> Self {
        self.script.answers = AnswerSource::Fixed(text.into());
        self
    }

    /// Answers requests with these texts in order; the last one repeats.
    pub fn answers<I, S>(mut self, texts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.script.answers = AnswerSource::Queue(texts.into_iter().map(Into::into).collect());
        self
    }

    /// Answers each request with its last user message.
    pub fn echo(mut self) -> Self {
        self.script.answers = AnswerSource::Echo;
        self
    }

    /// Waits this long before the first piece of an answer.
    pub fn time_to_first_token(mut self, delay: Duration) -> Self {
        self.script.time_to_first_token = delay;
        self
    }

    /// Waits this long between pieces of an answer.
    pub fn token_delay(mut self, delay: Duration) -> Self {
        self.script.token_delay = delay;
        self
    }

    /// Repeats the `: OPENROUTER PROCESSING` comment at this interval while waiting for the first
    /// token (one is always sent as the stream opens).
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.script.keep_alive = Some(interval);
        self
    }

    /// The model id answers report; by default the one each request asked for.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.script.model = Some(model.into());
        self
    }

    /// Faults for the next requests, one each, in order; requests after them are answered
    /// normally (or get the [`always`](Self::always) fault).
    pub fn faults(mut self, faults: impl IntoIterator<Item = Fault>) -> Self {
        self.script.faults = faults.into_iter().collect();
        self
    }

    /// A fault for every request once the sequence of [`faults`](Self::faults) is used up.
    pub fn always(mut self, fault: Fault) -> Self {
        self.script.always = Some(fault);
        self
    }

    /// Keeps no record of the requests ([`FakeLlmHandle::requests`] stays empty; they are
    /// still counted): for benchmarks, which send millions.
    pub fn without_recording(mut self) -> Self {
        self.unrecorded = true;
        self
    }

    /// Listens on this port instead of any free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds 127.0.0.1 and starts serving on a thread of its own.
    ///
    /// # Errors
    /// [`FakeLlmError::Bind`] when the port is taken, [`FakeLlmError::Start`] when the server
    /// cannot start.
    pub async fn spawn(self) -> Result<FakeLlmHandle, FakeLlmError> {
        let listener =
            TcpListener::bind(("127.0.0.1", self.port)).map_err(|source| FakeLlmError::Bind {
                port: self.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(FakeLlmError::Start)?;
        listener
            .set_nonblocking(true)
            .map_err(FakeLlmError::Start)?;

        let shared = Arc::new(Shared {
            script: Mutex::new(self.script),
            record: !self.unrecorded,
            requests: Mutex::new(Vec::new()),
            request_count: watch::Sender::new(0),
            closed_early: watch::Sender::new(0),
            next_id: AtomicU64::new(1),
        });

        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let (stopped_tx, stopped_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("fake-llm-{}", addr.port()))
            .spawn(move || serve(listener, thread_shared, ready_tx, stop_rx, stopped_tx))
            .map_err(FakeLlmError::Start)?;

        ready_rx.await.map_err(|_| FakeLlmError::ThreadGone)??;
        Ok(FakeLlmHandle {
            addr,
            shared,
            stop: Some(stop_tx),
            stopped: Some(stopped_rx),
        })
    }
}

/// Runs the server until `stop` fires or its sender is dropped, then drops every connection
/// (the runtime's end cancels their tasks) and reports through `stopped`.
fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    ready: oneshot::Sender<Result<(), FakeLlmError>>,
    stop: oneshot::Receiver<()>,
    stopped: oneshot::Sender<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = ready.send(Err(FakeLlmError::Start(error)));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                let _ = ready.send(Err(FakeLlmError::Start(error)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        accept_loop(listener, shared, stop).await;
    });
    drop(runtime);
    let _ = stopped.send(());
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "fake-llm could not accept a connection");
                tokio::time::sleep(ACCEPT_RETRY_PAUSE).await;
                continue;
            }
        };
        // Streamed pieces are small writes: send each at once, as a real provider does.
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = service_fn(move |request| route(request, Arc::clone(&shared)));
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "fake-llm connection ended");
            }
        });
    }
}

/// A running fake. Stops the server when dropped.
#[derive(Debug)]
pub struct FakeLlmHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<oneshot::Receiver<()>>,
}

impl FakeLlmHandle {
    /// The OpenAI-style API base, e.g. `http://127.0.0.1:41234/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every chat request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests().clone()
    }

    /// How many chat requests arrived so far.
    pub fn request_count(&self) -> usize {
        *self.shared.request_count.borrow()
    }

    /// How many requests the client abandoned before their response ended: streams dropped
    /// mid-answer, stalled or hanging requests whose connection was closed.
    pub fn connections_closed_early(&self) -> usize {
        *self.shared.closed_early.borrow()
    }

    /// Waits until at least `count` requests were abandoned early; false on timeout.
    pub async fn wait_for_closed_early(&self, count: usize, timeout: Duration) -> bool {
        wait_for(&self.shared.closed_early, count, timeout).await
    }

    /// Waits until at least `count` chat requests arrived; false on timeout.
    pub async fn wait_for_requests(&self, count: usize, timeout: Duration) -> bool {
        wait_for(&self.shared.request_count, count, timeout).await
    }

    /// Replaces the fault sequence for the next requests.
    pub fn set_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.script().faults = faults.into_iter().collect();
    }

    /// Sets (or, with `None`, clears) the fault every request gets after the sequence.
    pub fn set_always(&self, fault: Option<Fault>) {
        self.shared.script().always = fault;
    }

    /// Answers every later request with this text.
    pub fn set_answer(&self, text: impl Into<String>) {
        self.shared.script().answers = AnswerSource::Fixed(text.into());
    }

    /// Changes the delays before the first piece and between pieces.
    pub fn set_timing(&self, time_to_first_token: Duration, token_delay: Duration) {
        let mut script = self.shared.script();
        script.time_to_first_token = time_to_first_token;
        script.token_delay = token_delay;
    }

    /// Stops the server, closes every open connection, and waits until that is done.
    pub async fn shutdown(mut self) {
        drop(self.stop.take());
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

impl Drop for FakeLlmHandle {
    fn drop(&mut self) {
        // Dropping the sender is the stop signal; the server thread winds down on its own.
        drop(self.stop.take());
    }
}

async fn wait_for(counter: &watch::Sender<usize>, count: usize, timeout: Duration) -> bool {
    let mut rx = counter.subscribe();
    tokio::time::timeout(timeout, rx.wait_for(|n| *n >= count))
        .await
        .is_ok_and(|r| r.is_ok())
}

/// Counts a request as abandoned when dropped before it is marked complete.
#[derive(Debug)]
struct EarlyCloseGuard {
    shared: Arc<Shared>,
    complete: bool,
}

impl EarlyCloseGuard {
    fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            complete: false,
        }
    }
}

impl Drop for EarlyCloseGuard {
    fn drop(&mut self) {
        if !self.complete {
            self.shared.closed_early.send_modify(|n| *n += 1);
        }
    }
}

/// One step of a planned response body.
#[derive(Debug)]
enum Step {
    Wait(Duration),
    Send(Bytes),
    Stall,
    Disconnect,
}

async fn route(
    request: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Body>, Infallible> {
    let response = match (request.method(), request.uri().path()) {
        (&Method::POST, "/v1/chat/completions") => chat_completions(request, shared).await,
        (&Method::GET, "/v1/models") => list_models(&shared),
        _ => error_response(404, "Not found", None),
    };
    Ok(response)
}

async fn chat_completions(request: Request<Incoming>, shared: Arc<Shared>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return error_response(413, "Request body too large or unreadable", None),
    };
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let field = |name: &str| parsed.as_ref().ok().and_then(|b| b.get(name));
    let stream = field("stream").and_then(Value::as_bool).unwrap_or(false);
    let requested_model = field("model").and_then(Value::as_str).map(str::to_owned);
    if shared.record {
        let recorded = RecordedRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: parsed.as_ref().cloned().unwrap_or(Value::Null),
            received_at: Instant::now(),
        };
        shared.requests().push(recorded);
    }
    shared.request_count.send_modify(|n| *n += 1);

    let Ok(body) = parsed else {
        return error_response(400, "Invalid JSON in request body", None);
    };

    let (fault, answer, script) = {
        let mut script = shared.script();
        let fault = script.next_fault();
        let answer = script.next_answer(last_user_message(&body).as_deref());
        (fault, answer, script.clone())
    };
    tracing::debug!(?fault, stream, "fake-llm chat request");

    match fault {
        Fault::Status {
            code,
            retry_after_secs,
        } => return error_response(code, wire::status_message(code), retry_after_secs),
        Fault::HtmlStatus { code } => {
            return response(
                code,
                "text/html; charset=utf-8",
                full(wire::html_error_page(code)),
            );
        }
        Fault::Hang => {
            let _guard = EarlyCloseGuard::new(shared);
            std::future::pending::<()>().await;
            return error_response(500, "unreachable", None);
        }
        _ => {}
    }

    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let header = ChunkHeader {
        id: format!("gen-fake-{id}"),
        model: script
            .model
            .clone()
            .or(requested_model)
            .unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
        created: unix_now(),
    };
    let mut tokens = tokenize(&answer);
    let max_tokens = body
        .get("max_tokens")
        .or_else(|| body.get("max_completion_tokens"))
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok());
    let finish_reason = match max_tokens {
        Some(max) if tokens.len() > max => {
            tokens.truncate(max);
            "length"
        }
        _ => "stop",
    };
    let usage = TokenUsage {
        prompt_tokens: prompt_tokens(&body),
        completion_tokens: tokens.len() as u64,
    };

    if stream {
        let steps = plan_stream(&script, &fault, &header, &tokens, finish_reason, usage);
        let mut response = response(200, "text/event-stream", body_stream(steps, shared));
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    } else {
        let steps = plan_json(&script, &fault, &header, &tokens, finish_reason, usage);
        response(200, "application/json", body_stream(steps, shared))
    }
}

/// The steps of a streamed (SSE) answer under a fault.
fn plan_stream(
    script: &Script,
    fault: &Fault,
    header: &ChunkHeader,
    tokens: &[String],
    finish_reason: &str,
    usage: TokenUsage,
) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    steps.push_back(Step::Send(Bytes::from_static(
        wire::KEEP_ALIVE_COMMENT.as_bytes(),
    )));
    wait_first_token(script, &mut steps);

    if *fault == Fault::EmptyChoices {
        for _ in tokens {
            steps.push_back(Step::Send(wire::sse(&wire::empty_choices_chunk(header))));
        }
        steps.push_back(Step::Send(Bytes::from_static(wire::DONE_LINE.as_bytes())));
        return steps;
    }

    let fault_at = match fault {
        Fault::Stall { after_tokens }
        | Fault::Disconnect { after_tokens }
        | Fault::Malformed { after_tokens }
        | Fault::StreamError { after_tokens } => Some((*after_tokens).min(tokens.len())),
        _ => None,
    };
    for (i, token) in tokens.iter().enumerate() {
        if fault_at == Some(i) {
            break;
        }
        if i > 0 && !script.token_delay.is_zero() {
            steps.push_back(Step::Wait(script.token_delay));
        }
        steps.push_back(Step::Send(wire::sse(&wire::delta_chunk(header, token))));
    }
    if fault_at.is_some() && !script.token_delay.is_zero() {
        steps.push_back(Step::Wait(script.token_delay));
    }
    match fault {
        Fault::Stall { .. } => steps.push_back(Step::Stall),
        Fault::Disconnect { .. } => {
            steps.push_back(Step::Wait(FLUSH_PAUSE));
            steps.push_back(Step::Disconnect);
        }
        Fault::Malformed { .. } => {
            steps.push_back(Step::Send(Bytes::from(format!(
                "data: {{\"id\":\"{}\",\"choices\":[{{\"delta\":{{\"content\":\n\n",
                header.id
            ))));
            steps.push_back(Step::Send(Bytes::from_static(wire::DONE_LINE.as_bytes())));
        }
        Fault::StreamError { .. } => {
            steps.push_back(Step::Send(wire::sse(&wire::error_chunk(
                header,
                502,
                wire::status_message(502),
            ))));
            steps.push_back(Step::Send(Bytes::from_static(wire::DONE_LINE.as_bytes())));
        }
        _ => {
            steps.push_back(Step::Send(wire::sse(&wire::final_chunk(
                header,
                finish_reason,
                usage,
            ))));
            steps.push_back(Step::Send(Bytes::from_static(wire::DONE_LINE.as_bytes())));
        }
    }
    steps
}

/// The steps of a whole JSON answer under a fault: the time the answer takes, then the body.
fn plan_json(
    script: &Script,
    fault: &Fault,
    header: &ChunkHeader,
    tokens: &[String],
    finish_reason: &str,
    usage: TokenUsage,
) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    let pieces = u32::try_from(tokens.len().saturating_sub(1)).unwrap_or(u32::MAX);
    steps.push_back(Step::Wait(
        script.time_to_first_token + script.token_delay.saturating_mul(pieces),
    ));
    let content = tokens.concat();
    let whole = wire::completion(header, Some(&content), finish_reason, usage).to_string();
    match fault {
        Fault::Stall { .. } => steps.push_back(Step::Stall),
        Fault::Disconnect { .. } => {
            let half = whole.len() / 2;
            steps.push_back(Step::Send(Bytes::from(whole.as_bytes()[..half].to_vec())));
            steps.push_back(Step::Wait(FLUSH_PAUSE));
            steps.push_back(Step::Disconnect);
        }
        Fault::Malformed { .. } => {
            let half = whole.len() / 2;
            steps.push_back(Step::Send(Bytes::from(whole.as_bytes()[..half].to_vec())));
        }
        Fault::StreamError { .. } => steps.push_back(Step::Send(Bytes::from(
            wire::error_body(502, wire::status_message(502)).to_string(),
        ))),
        Fault::EmptyChoices => steps.push_back(Step::Send(Bytes::from(
            wire::completion(header, None, finish_reason, usage).to_string(),
        ))),
        _ => steps.push_back(Step::Send(Bytes::from(whole))),
    }
    steps
}

/// The wait before the first piece, broken by keep-alive comments when the script asks.
fn wait_first_token(script: &Script, steps: &mut VecDeque<Step>) {
    let mut left = script.time_to_first_token;
    if let Some(interval) = script.keep_alive.filter(|i| !i.is_zero()) {
        while left > interval {
            steps.push_back(Step::Wait(interval));
            steps.push_back(Step::Send(Bytes::from_static(
                wire::KEEP_ALIVE_COMMENT.as_bytes(),
            )));
            left -= interval;
        }
    }
    if !left.is_zero() {
        steps.push_back(Step::Wait(left));
    }
}

/// Plays the steps as a response body; counts the request abandoned if it is dropped before
/// the last step was sent.
fn body_stream(steps: VecDeque<Step>, shared: Arc<Shared>) -> Body {
    let state = (steps, EarlyCloseGuard::new(shared));
    let chunks = stream::unfold(state, |(mut steps, mut guard)| async move {
        loop {
            match steps.pop_front()? {
                Step::Wait(delay) => tokio::time::sleep(delay).await,
                Step::Send(bytes) => {
                    if steps.is_empty() {
                        guard.complete = true;
                    }
                    return Some((Ok(Frame::data(bytes)), (steps, guard)));
                }
                Step::Stall => std::future::pending::<()>().await,
                Step::Disconnect => {
                    // The server ends this one on purpose: not the client leaving early.
                    guard.complete = true;
                    let error = std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "fake-llm: connection closed mid-answer on purpose",
                    );
                    return Some((Err(error), (steps, guard)));
                }
            }
        }
    });
    BodyExt::boxed(StreamBody::new(chunks))
}

fn list_models(shared: &Shared) -> Response<Body> {
    let model = shared
        .script()
        .model
        .clone()
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    response(
        200,
        "application/json",
        full(wire::models(&model, unix_now()).to_string()),
    )
}

fn error_response(code: u16, message: &str, retry_after_secs: Option<u64>) -> Response<Body> {
    let mut response = response(
        code,
        "application/json",
        full(wire::error_body(code, message).to_string()),
    );
    if let Some(secs) = retry_after_secs {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn response(code: u16, content_type: &'static str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn full(text: impl Into<Bytes>) -> Body {
    BodyExt::boxed(Full::new(text.into()).map_err(|never| match never {}))
}

/// The text of the last user message (string content, or its text parts joined).
fn last_user_message(body: &Value) -> Option<String> {
    let messages = body.get("messages")?.as_array()?;
    let last = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))?;
    match last.get("content")? {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
        ),
        _ => None,
    }
}

/// A rough prompt size: the words of all messages (enough for a fake's usage report).
fn prompt_tokens(body: &Value) -> u64 {
    body.get("messages")
        .and_then(Value::as_array)
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| m.get("content").and_then(Value::as_str))
                .map(words)
                .sum()
        })
        .unwrap_or(0)
}

/// Words separated by ASCII whitespace: a benchmark's prompts are tens of KiB, and this runs
/// for each request; `split_whitespace` checks every character for Unicode spaces.
fn words(text: &str) -> u64 {
    let mut count = 0;
    let mut in_word = false;
    for byte in text.bytes() {
        let space = byte.is_ascii_whitespace();
        count += u64::from(in_word && space);
        in_word = !space;
    }
    count + u64::from(in_word)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_between_ascii_whitespace() {
        for (text, expected) in [
            ("", 0),
            ("   ", 0),
            ("one", 1),
            (" one  two\tthree\nfour ", 4),
            ("naïve café", 2),
        ] {
            assert_eq!(words(text), expected, "{text:?}");
        }
    }
}
