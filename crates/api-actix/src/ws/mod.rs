//! `GET /ws`: one task per socket that reads frames and runs at most one answer at a time, and
//! beside it one writer task that alone writes to the client, so that a client that stops
//! reading can never stall the loop that reads `cancel`, answers pings and keeps time.

mod guard;
mod outbox;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, HttpResponse, rt, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};
use domain::{Answer, AnswerEvent, AskError, ChatSession, Question, SessionId};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, error, info, info_span, warn};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;
use crate::limits::SocketPermit;
use crate::protocol::{ClientFrame, ServerFrame, Usage, parse_client_frame};
use guard::FrameSizeGuard;
use outbox::{Closed, Outbox};

/// Answer events buffered between the answer task and the socket loop. The loop hands each one to the
/// writer at once, so this only smooths bursts.
const DELTA_BUFFER: usize = 64;

/// Heartbeats without any frame from the peer (pongs count) before it is taken as gone.
const MISSED_HEARTBEATS: u32 = 3;

/// The `session_id` a client asked for: the one value of the parameter, or none when it is
/// absent, not a UUID, or given more than once (an ambiguous or malformed id is treated as
/// unknown, not refused).
fn requested_session(req: &HttpRequest) -> Option<SessionId> {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .unwrap_or_default();
    let mut ids = pairs.into_iter().filter(|(key, _)| key == "session_id");
    match (ids.next(), ids.next()) {
        (Some((_, id)), None) => id.parse().ok(),
        _ => None,
    }
}

/// Upgrades to a WebSocket and hands the socket to its own task.
pub(crate) async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let limits = Arc::clone(&state.limits);
    let client_ip = limits.client_ip(&req);
    let admitted = limits
        .check_origin(&req)
        .and_then(|()| limits.admit(client_ip));
    let settings = state.ws;
    // actix-ws reads the request payload as it is; hand it one that refuses an oversized frame
    // at its header (see `guard`). `web::Payload` can only be made by extracting it from a
    // request payload, so the guarded stream goes through that.
    let guarded: std::pin::Pin<Box<dyn futures::Stream<Item = _>>> = Box::pin(FrameSizeGuard::new(
        body.into_inner(),
        settings.max_frame_bytes,
    ));
    let body = web::Payload::from_request(&req, &mut Payload::from(guarded)).into_inner()?;
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let permit = match admitted {
        Ok(permit) => permit,
        Err(refused) => {
            info!(%client_ip, reason = %refused, "socket refused");
            metrics::counter!("resume_chat_ws_refused_total", "reason" => refused.label())
                .increment(1);
            rt::spawn(async move {
                let text = refused.to_string();
                let _ = session
                    .close(Some(close_reason(CloseCode::Policy, &text)))
                    .await;
            });
            return Ok(response);
        }
    };
    let stream = stream
        .max_frame_size(settings.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_frame_bytes);
    let span = info_span!("ws", request_id = %Uuid::new_v4(), session = tracing::field::Empty);
    let requested = requested_session(&req);
    let client = Client {
        ip: client_ip,
        _permit: permit,
    };
    let outbox = Outbox::spawn(session, settings.send_timeout());
    rt::spawn(run(state.into_inner(), outbox, stream, requested, client).instrument(span));
    Ok(response)
}

/// Who is on the other end, holding its place among the open sockets until dropped.
struct Client {
    ip: IpAddr,
    _permit: SocketPermit,
}

type AnswerTask = JoinHandle<(ChatSession, Result<Answer, AskError>)>;

/// The answer being generated on this socket, if any.
struct InFlight {
    task: AnswerTask,
    cancel: CancellationToken,
    /// A copy of the conversation taken before the question, restored if the task dies.
    backup: ChatSession,
}

/// Why the socket loop ended.
enum Ending {
    /// The client went away, or stopped reading; nothing more can be sent.
    ClientGone,
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
}

async fn run(
    state: Arc<AppState>,
    ws: Outbox,
    mut stream: AggregatedMessageStream,
    requested: Option<SessionId>,
    client: Client,
) {
    let (chat, resumed) = match state.chat.open(requested).await {
        Ok(opened) => opened,
        Err(err) => {
            error!(error = %err, "could not open the conversation");
            let _ = send_failure(&ws, &ApiError::from(err));
            ws.close(close_reason(CloseCode::Error, "storage unavailable"));
            return;
        }
    };
    tracing::Span::current().record(
        "session",
        tracing::field::display(chat.session_id().log_tag()),
    );
    info!(resumed, "socket opened");
    let _open = OpenSocketGauge::new();

    let greeting = format!(
        "Connected! Ask me anything about {}'s resume.",
        state.chat.resume().name
    );
    let hello = ServerFrame::System {
        message: &greeting,
        session_id: chat.session_id().to_string(),
        resumed,
    };
    if send(&ws, &hello).is_err() {
        return;
    }

    let settings = state.ws;
    let mut chat = Some(chat);
    let mut in_flight: Option<InFlight> = None;
    let mut deltas: Option<mpsc::Receiver<AnswerEvent>> = None;
    // The id of the answer begun, until its `answer_start` frame is sent: just before its
    // first delta or its `response`, so that a question that fails before any answer gets only
    // its error frame.
    let mut unannounced: Option<Uuid> = None;
    let mut heartbeat = tokio::time::interval(settings.heartbeat());
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    heartbeat.tick().await;
    // Any frame (pongs included) shows the peer is alive; only text and binary frames show a
    // visitor using the chat.
    let mut last_heard = Instant::now();
    let mut last_used = Instant::now();

    // Set when the shutdown grace ran out and this socket's answer was stopped for it.
    let mut stopped_for_shutdown = false;
    let ending = loop {
        tokio::select! {
            message = stream.recv() => {
                last_heard = Instant::now();
                match message {
                    None => break Ending::ClientGone,
                    Some(Err(err)) => {
                        let (code, reason) = protocol_close(&err);
                        debug!(error = %err, ?code, "protocol error");
                        break Ending::Close(code, reason);
                    }
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        last_used = Instant::now();
                        match on_text(&state, &ws, &text, &mut chat, &mut in_flight, client.ip) {
                            Ok(Some(receiver)) => deltas = Some(receiver),
                            Ok(None) => {}
                            Err(Closed) => break Ending::ClientGone,
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        last_used = Instant::now();
                        let refused = ApiError::Validation(
                            "Binary frames are not supported; send JSON text frames.".to_owned(),
                        );
                        if send_failure(&ws, &refused).is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if ws.pong(bytes).is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(reason))) => {
                        debug!(?reason, "client closed");
                        break Ending::Close(CloseCode::Normal, "bye");
                    }
                }
            }
            event = next_event(&mut deltas) => {
                match event {
                    Some(event) => {
                        if send_event(&ws, event, &mut unannounced).is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    // The answer task is done sending; its result follows.
                    None => deltas = None,
                }
            }
            joined = join(&mut in_flight) => {
                let Some(InFlight { backup, .. }) = in_flight.take() else {
                    continue;
                };
                // Every delta was queued before the task ended: send the rest first.
                if let Some(mut receiver) = deltas.take() {
                    while let Ok(event) = receiver.try_recv() {
                        if send_event(&ws, event, &mut unannounced).is_err() {
                            break;
                        }
                    }
                }
                let asked_in = backup.session_id();
                let result = match joined {
                    Ok((session, result)) => {
                        chat = Some(session);
                        Some(result)
                    }
                    Err(err) => {
                        error!(error = %err, "the answer task failed");
                        chat = Some(backup);
                        None
                    }
                };
                if report(&ws, result, unannounced.take()).is_err() {
                    break Ending::ClientGone;
                }
                if let Some(session) = &chat
                    && session.session_id() != asked_in
                    && announce_new_conversation(&ws, session).is_err()
                {
                    break Ending::ClientGone;
                }
                if stopped_for_shutdown {
                    let _ = send_failure(&ws, &ApiError::ShuttingDown);
                    break Ending::Close(CloseCode::Away, "server restarting");
                }
            }
            _ = heartbeat.tick() => {
                if in_flight.is_none() && last_used.elapsed() >= settings.idle_timeout {
                    break Ending::Close(CloseCode::Normal, "idle timeout");
                }
                if last_heard.elapsed() >= settings.heartbeat() * MISSED_HEARTBEATS {
                    debug!("no pong for {MISSED_HEARTBEATS} heartbeats; the peer is gone");
                    break Ending::ClientGone;
                }
                if ws.ping().is_err() {
                    break Ending::ClientGone;
                }
            }
            () = ws.gone() => break Ending::ClientGone,
            () = state.shutdown.cancelled(), if in_flight.is_none() => {
                break Ending::Close(CloseCode::Away, "server shutting down");
            }
            () = state.shutdown_deadline.cancelled(), if !stopped_for_shutdown && in_flight.is_some() => {
                // The grace is over: stop the answer; the task stores it as it stands and its
                // result comes through `join` above, followed by the notice and 1001.
                warn!("shutdown grace ran out; stopping the answer in flight");
                stopped_for_shutdown = true;
                if let Some(flight) = &in_flight {
                    flight.cancel.cancel();
                }
            }
        }
    };

    if let Some(flight) = in_flight {
        // The client is gone or we are closing: stop the answer; the task stores what it has.
        flight.cancel.cancel();
    }
    match ending {
        Ending::ClientGone => info!("socket gone"),
        Ending::Close(code, reason) => {
            info!(?code, reason, "closing socket");
            ws.close(close_reason(code, reason));
        }
    }
}

/// The close code for a failure to read the client's frames.
fn protocol_close(err: &ProtocolError) -> (CloseCode, &'static str) {
    match err {
        ProtocolError::Overflow => (CloseCode::Size, "message too big"),
        ProtocolError::Io(io) => {
            let refused_at_header = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<PayloadError>())
                .is_some_and(|inner| matches!(inner, PayloadError::Overflow));
            if refused_at_header || io.to_string().contains("maximum continuation size") {
                (CloseCode::Size, "message too big")
            } else if io.kind() == std::io::ErrorKind::InvalidData {
                // actix-ws reports text that is not UTF-8 this way, and only that.
                (CloseCode::Invalid, "text is not valid UTF-8")
            } else {
                (CloseCode::Protocol, "protocol error")
            }
        }
        _ => (CloseCode::Protocol, "protocol error"),
    }
}

/// Tells the client the id of the conversation its socket now holds, after the one it had was
/// erased meanwhile.
fn announce_new_conversation(ws: &Outbox, session: &ChatSession) -> Result<(), Closed> {
    info!(new_session = %session.session_id().log_tag(), "conversation erased; a new one started");
    tracing::Span::current().record(
        "session",
        tracing::field::display(session.session_id().log_tag()),
    );
    send(
        ws,
        &ServerFrame::System {
            message: "This conversation was deleted, so a new one has started.",
            session_id: session.session_id().to_string(),
            resumed: false,
        },
    )
}

/// Counts an open socket in the `resume_chat_ws_connections` gauge while it lives.
struct OpenSocketGauge;

impl OpenSocketGauge {
    fn new() -> Self {
        metrics::gauge!("resume_chat_ws_connections").increment(1.0);
        Self
    }
}

impl Drop for OpenSocketGauge {
    fn drop(&mut self) {
        metrics::gauge!("resume_chat_ws_connections").decrement(1.0);
    }
}

/// Handles one text frame. Returns the delta receiver of an answer it started.
fn on_text(
    state: &Arc<AppState>,
    ws: &Outbox,
    text: &str,
    chat: &mut Option<ChatSession>,
    in_flight: &mut Option<InFlight>,
    client_ip: IpAddr,
) -> Result<Option<mpsc::Receiver<AnswerEvent>>, Closed> {
    let frame = match parse_client_frame(text) {
        Ok(frame) => frame,
        Err(err) => {
            send_failure(ws, &err.into())?;
            return Ok(None);
        }
    };
    match frame {
        ClientFrame::Cancel => {
            if let Some(flight) = in_flight {
                debug!("cancel requested");
                flight.cancel.cancel();
            }
            Ok(None)
        }
        ClientFrame::Question { question: raw } => {
            let Some(session) = chat.take().filter(|_| in_flight.is_none()) else {
                send_failure(ws, &ApiError::Busy)?;
                return Ok(None);
            };
            // Checked before the rate limit: a question refused as empty or too long does not
            // spend the visitor's quota.
            let question = match Question::new(&raw, state.ws.max_question_chars) {
                Ok(question) => question,
                Err(err) => {
                    *chat = Some(session);
                    send_failure(ws, &err.into())?;
                    return Ok(None);
                }
            };
            if let Err(wait) = state.limits.check_question(client_ip) {
                *chat = Some(session);
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                send_failure(ws, &ApiError::RateLimited { retry_after })?;
                return Ok(None);
            }
            metrics::counter!("resume_chat_questions_total").increment(1);
            let (sender, receiver) = mpsc::channel(DELTA_BUFFER);
            let cancel = CancellationToken::new();
            let backup = session.clone();
            let service = state.chat.clone();
            let token = cancel.clone();
            let task = rt::spawn(
                async move {
                    let mut session = session;
                    let result = service.ask(&mut session, question, sender, token).await;
                    (session, result)
                }
                .in_current_span(),
            );
            *in_flight = Some(InFlight {
                task,
                cancel,
                backup,
            });
            Ok(Some(receiver))
        }
    }
}

/// Sends the outcome of an answer: the `response` frame (after the `answer_start` not sent
/// yet, for an answer without deltas) and/or the error frame it calls for.
fn report(
    ws: &Outbox,
    result: Option<Result<Answer, AskError>>,
    unannounced: Option<Uuid>,
) -> Result<(), Closed> {
    let Some(result) = result else {
        return send_failure(ws, &ApiError::internal(&"the answer task failed"));
    };
    match result {
        Ok(answer) => {
            if let Some(message_id) = unannounced {
                send_answer_start(ws, message_id)?;
            }
            send_response(ws, &answer)?;
            match &answer.store_error {
                None => Ok(()),
                Some(err) => {
                    warn!(error = %err, message_id = %answer.message_id, "answer not stored");
                    send_failure(ws, &ApiError::answer_not_stored(err))
                }
            }
        }
        Err(err) => {
            match &err {
                AskError::ConversationGone => {
                    info!("question not asked: the conversation was erased");
                }
                AskError::QuestionNotStored(error) => warn!(%error, "question not stored"),
                AskError::Llm { error, partial } => {
                    warn!(%error, partial = partial.is_some(), "the model failed");
                }
            }
            send_failure(ws, &err.into())
        }
    }
}

fn send_response(ws: &Outbox, answer: &Answer) -> Result<(), Closed> {
    let frame = ServerFrame::Response {
        response: &answer.content,
        message_id: answer.message_id.to_string(),
        finish_reason: answer.finish_reason.into(),
        usage: Usage {
            prompt_tokens: answer.usage.prompt_tokens,
            completion_tokens: answer.usage.completion_tokens,
        },
    };
    send(ws, &frame)
}

/// Sends `failure` as an `error` frame.
fn send_failure(ws: &Outbox, failure: &ApiError) -> Result<(), Closed> {
    send(ws, &ServerFrame::from(failure))
}

/// Queues `frame` for the client, counting errors and answers in the metrics.
fn send(ws: &Outbox, frame: &ServerFrame<'_>) -> Result<(), Closed> {
    match frame {
        ServerFrame::Error { code, .. } => {
            metrics::counter!("resume_chat_errors_total", "code" => code.as_str()).increment(1);
        }
        ServerFrame::Response { finish_reason, .. } => {
            metrics::counter!("resume_chat_answers_total", "finish_reason" => finish_reason.as_str())
                .increment(1);
        }
        ServerFrame::System { .. }
        | ServerFrame::AnswerStart { .. }
        | ServerFrame::Delta { .. } => {}
    }
    ws.text(frame.to_json())
}

/// Sends an answer event: a delta goes out (after the answer's `answer_start`, the first
/// time); the start is held in `unannounced` until then.
fn send_event(
    ws: &Outbox,
    event: AnswerEvent,
    unannounced: &mut Option<Uuid>,
) -> Result<(), Closed> {
    match event {
        AnswerEvent::Started { message_id } => {
            *unannounced = Some(message_id);
            Ok(())
        }
        AnswerEvent::Delta { seq, text } => {
            if let Some(message_id) = unannounced.take() {
                send_answer_start(ws, message_id)?;
            }
            send(ws, &ServerFrame::Delta { delta: &text, seq })
        }
    }
}

fn send_answer_start(ws: &Outbox, message_id: Uuid) -> Result<(), Closed> {
    send(
        ws,
        &ServerFrame::AnswerStart {
            message_id: message_id.to_string(),
        },
    )
}

async fn next_event(deltas: &mut Option<mpsc::Receiver<AnswerEvent>>) -> Option<AnswerEvent> {
    match deltas {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

async fn join(
    in_flight: &mut Option<InFlight>,
) -> Result<(ChatSession, Result<Answer, AskError>), tokio::task::JoinError> {
    match in_flight {
        Some(flight) => (&mut flight.task).await,
        None => std::future::pending().await,
    }
}

fn close_reason(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}
