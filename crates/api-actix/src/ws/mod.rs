//! `GET /ws`: one task per socket that reads frames, runs at most one answer at a time, and
//! forwards its deltas as they come.

pub mod frames;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, rt, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use domain::{Answer, AskError, ChatSession, LlmError, Question, QuestionError};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, error, info, info_span, warn};
use uuid::Uuid;

use crate::AppState;
use crate::error::ErrorCode;
use crate::limits::SocketPermit;
use frames::{ClientFrame, FrameError, ServerFrame, WireUsage, parse_client_frame};

/// Deltas buffered between the answer task and the socket. Small: a slow client slows its own
/// answer (and only its own), rather than growing memory.
const DELTA_BUFFER: usize = 64;

/// Heartbeats without any frame from the peer (pongs count) before it is taken as gone.
const MISSED_HEARTBEATS: u32 = 3;

#[derive(Debug, Deserialize)]
pub(crate) struct ConnectQuery {
    session_id: Option<String>,
}

/// Upgrades to a WebSocket and hands the socket to its own task.
pub(crate) async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<ConnectQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let limits = Arc::clone(&state.limits);
    let client_ip = limits.client_ip(&req);
    let admitted = limits
        .check_origin(&req)
        .and_then(|()| limits.admit(client_ip));
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
    let settings = state.ws;
    let stream = stream
        .max_frame_size(settings.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_frame_bytes);
    let span = info_span!("ws", request_id = %Uuid::new_v4(), session_id = tracing::field::Empty);
    let requested = query.into_inner().session_id;
    let client = Client {
        ip: client_ip,
        _permit: permit,
    };
    rt::spawn(run(state.into_inner(), session, stream, requested, client).instrument(span));
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
    /// The client went away or closed; nothing more to send.
    ClientGone,
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
}

async fn run(
    state: Arc<AppState>,
    mut ws: Session,
    mut stream: AggregatedMessageStream,
    requested: Option<String>,
    client: Client,
) {
    let (chat, resumed) = match state.chat.open(requested.as_deref()).await {
        Ok(opened) => opened,
        Err(err) => {
            error!(error = %err, "could not open the conversation");
            let _ = send(
                &mut ws,
                &ServerFrame::Error {
                    error: "The conversation could not be loaded because storage is unavailable. \
                            Please reconnect in a moment.",
                    code: ErrorCode::DatabaseError,
                    retry_after: None,
                },
            )
            .await;
            let _ = ws
                .close(Some(close_reason(CloseCode::Error, "storage unavailable")))
                .await;
            return;
        }
    };
    tracing::Span::current().record("session_id", tracing::field::display(chat.session_id()));
    info!(resumed, "socket opened");
    let _open = OpenSocketGauge::new();

    let greeting = format!(
        "Connected! Ask me anything about {}'s resume.",
        state.resume.name
    );
    let hello = ServerFrame::System {
        message: &greeting,
        session_id: chat.session_id().to_string(),
        resumed,
    };
    if send(&mut ws, &hello).await.is_err() {
        return;
    }

    let settings = state.ws;
    let mut chat = Some(chat);
    let mut in_flight: Option<InFlight> = None;
    let mut deltas: Option<mpsc::Receiver<String>> = None;
    let mut heartbeat = tokio::time::interval(settings.heartbeat_interval);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    heartbeat.tick().await;
    // Any frame (pongs included) shows the peer is alive; only text and binary frames show a
    // visitor using the chat.
    let mut last_heard = Instant::now();
    let mut last_used = Instant::now();

    let ending = loop {
        tokio::select! {
            message = stream.recv() => {
                last_heard = Instant::now();
                match message {
                    None => break Ending::ClientGone,
                    Some(Err(actix_ws::ProtocolError::Overflow)) => {
                        break Ending::Close(CloseCode::Size, "frame too big");
                    }
                    Some(Err(err)) => {
                        debug!(error = %err, "protocol error");
                        break Ending::Close(CloseCode::Protocol, "protocol error");
                    }
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        last_used = Instant::now();
                        let outcome = on_text(&state, &mut ws, &text, &mut chat, &mut in_flight, client.ip).await;
                        match outcome {
                            Ok(Some(receiver)) => deltas = Some(receiver),
                            Ok(None) => {}
                            Err(Closed) => break Ending::ClientGone,
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        last_used = Instant::now();
                        let frame = ServerFrame::Error {
                            error: "Binary frames are not supported; send JSON text frames.",
                            code: ErrorCode::ValidationError,
                            retry_after: None,
                        };
                        if send(&mut ws, &frame).await.is_err() {
                            break Ending::ClientGone;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if ws.pong(&bytes).await.is_err() {
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
            delta = next_delta(&mut deltas) => {
                match delta {
                    Some(delta) => {
                        if send(&mut ws, &ServerFrame::Delta { delta: &delta }).await.is_err() {
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
                    while let Ok(delta) = receiver.try_recv() {
                        if send(&mut ws, &ServerFrame::Delta { delta: &delta }).await.is_err() {
                            break;
                        }
                    }
                }
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
                if report(&mut ws, result).await.is_err() {
                    break Ending::ClientGone;
                }
            }
            _ = heartbeat.tick() => {
                if in_flight.is_none() && last_used.elapsed() >= settings.idle_timeout {
                    break Ending::Close(CloseCode::Normal, "idle timeout");
                }
                if last_heard.elapsed() >= settings.heartbeat_interval * MISSED_HEARTBEATS {
                    debug!("no pong for {MISSED_HEARTBEATS} heartbeats; the peer is gone");
                    break Ending::ClientGone;
                }
                if ws.ping(b"").await.is_err() {
                    break Ending::ClientGone;
                }
            }
            () = state.shutdown.cancelled(), if in_flight.is_none() => {
                break Ending::Close(CloseCode::Away, "server shutting down");
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
            let _ = ws.close(Some(close_reason(code, reason))).await;
        }
    }
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

/// The socket is closed; nothing more can be sent.
struct Closed;

/// Handles one text frame. Returns the delta receiver of an answer it started.
async fn on_text(
    state: &Arc<AppState>,
    ws: &mut Session,
    text: &str,
    chat: &mut Option<ChatSession>,
    in_flight: &mut Option<InFlight>,
    client_ip: IpAddr,
) -> Result<Option<mpsc::Receiver<String>>, Closed> {
    let frame = match parse_client_frame(text) {
        Ok(frame) => frame,
        Err(err) => {
            let message = frame_error_message(&err);
            send_error(ws, &message, ErrorCode::ValidationError).await?;
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
        ClientFrame::Question(raw) => {
            let Some(session) = chat.take().filter(|_| in_flight.is_none()) else {
                send_error(
                    ws,
                    "An answer is still being written. Wait for it, or send {\"type\":\"cancel\"} to stop it.",
                    ErrorCode::Busy,
                )
                .await?;
                return Ok(None);
            };
            if let Err(wait) = state.limits.check_question(client_ip) {
                *chat = Some(session);
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let message = format!(
                    "You are asking questions too quickly. Please wait {seconds} seconds before \
                     the next one."
                );
                send(
                    ws,
                    &ServerFrame::Error {
                        error: &message,
                        code: ErrorCode::RateLimitExceeded,
                        retry_after: Some(seconds),
                    },
                )
                .await?;
                return Ok(None);
            }
            let question = match Question::new(&raw, state.ws.max_question_chars) {
                Ok(question) => question,
                Err(err) => {
                    *chat = Some(session);
                    send_error(
                        ws,
                        &question_error_message(&err),
                        ErrorCode::ValidationError,
                    )
                    .await?;
                    return Ok(None);
                }
            };
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

/// Sends the outcome of an answer: the `response` frame and/or the error frames it calls for.
async fn report(ws: &mut Session, result: Option<Result<Answer, AskError>>) -> Result<(), Closed> {
    let Some(result) = result else {
        return send_error(
            ws,
            "Something went wrong while answering. Please try again.",
            ErrorCode::InternalError,
        )
        .await;
    };
    match result {
        Ok(answer) => {
            send_response(ws, &answer).await?;
            if let Some(err) = &answer.store_error {
                warn!(error = %err, message_id = %answer.message_id, "answer not stored");
                send_error(
                    ws,
                    "The answer above could not be saved, so it will be missing from this \
                     conversation's history.",
                    ErrorCode::DatabaseError,
                )
                .await?;
            }
            Ok(())
        }
        Err(AskError::QuestionNotStored(err)) => {
            warn!(error = %err, "question not stored");
            send_error(
                ws,
                "Your question could not be saved, so it was not asked. Please try again in a \
                 moment.",
                ErrorCode::DatabaseError,
            )
            .await
        }
        Err(AskError::Llm { error, partial }) => {
            warn!(%error, partial = partial.is_some(), "the model failed");
            let retry_after = match &error {
                LlmError::RateLimited {
                    retry_after: Some(wait),
                    ..
                } => Some(wait.as_secs().max(1)),
                _ => None,
            };
            let (code, mut message) = match &error {
                LlmError::RateLimited { retry_after, .. } => (
                    ErrorCode::RateLimit,
                    match retry_after {
                        Some(wait) => format!(
                            "The AI provider is rate limiting requests. Please try again in {} seconds.",
                            wait.as_secs().max(1)
                        ),
                        None => "The AI provider is rate limiting requests. Please try again in a minute."
                            .to_owned(),
                    },
                ),
                LlmError::Provider { message } => (
                    ErrorCode::ApiError,
                    format!("The AI provider could not answer: {message}"),
                ),
            };
            if let Some(partial) = partial {
                message.push_str(match partial.store_error {
                    None => " The part of the answer already sent was saved.",
                    Some(_) => " The part of the answer already sent could not be saved.",
                });
            }
            send(
                ws,
                &ServerFrame::Error {
                    error: &message,
                    code,
                    retry_after,
                },
            )
            .await
        }
    }
}

async fn send_response(ws: &mut Session, answer: &Answer) -> Result<(), Closed> {
    let frame = ServerFrame::Response {
        response: &answer.content,
        message_id: answer.message_id.to_string(),
        finish_reason: answer.finish_reason.as_str(),
        usage: WireUsage {
            prompt_tokens: answer.usage.prompt_tokens,
            completion_tokens: answer.usage.completion_tokens,
        },
    };
    send(ws, &frame).await
}

async fn send_error(ws: &mut Session, message: &str, code: ErrorCode) -> Result<(), Closed> {
    send(
        ws,
        &ServerFrame::Error {
            error: message,
            code,
            retry_after: None,
        },
    )
    .await
}

async fn send(ws: &mut Session, frame: &ServerFrame<'_>) -> Result<(), Closed> {
    match frame {
        ServerFrame::Error { code, .. } => {
            metrics::counter!("resume_chat_errors_total", "code" => code.as_str()).increment(1);
        }
        ServerFrame::Response { finish_reason, .. } => {
            metrics::counter!("resume_chat_answers_total", "finish_reason" => *finish_reason)
                .increment(1);
        }
        ServerFrame::System { .. } | ServerFrame::Delta { .. } => {}
    }
    ws.text(frame.to_json()).await.map_err(|_| Closed)
}

async fn next_delta(deltas: &mut Option<mpsc::Receiver<String>>) -> Option<String> {
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

fn frame_error_message(err: &FrameError) -> String {
    format!("Invalid message: {err}.")
}

fn question_error_message(err: &QuestionError) -> String {
    match err {
        QuestionError::Empty => "Please type a question first.".to_owned(),
        QuestionError::TooLong { chars, max } => format!(
            "Your question is {chars} characters long; please keep it under {max} characters."
        ),
    }
}
