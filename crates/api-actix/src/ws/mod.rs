//! `GET /ws`: one task per socket that reads frames and follows its conversation's answers,
//! and beside it one writer task that alone writes to the client, so that a client that stops
//! reading can never stall the loop that reads `cancel`, answers pings and keeps time.
//!
//! Answers are not the socket's: a question starts an answer task in the use case, and every
//! socket of the conversation (this one, another tab, a reconnect) follows it through the
//! answers in flight. A socket that goes away leaves the answer running.

mod guard;
mod outbox;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, HttpResponse, rt, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};
use domain::{
    Answer, AnswerFeed, AskError, ChatSession, FeedEvent, Question, SessionId, StartError,
};
use tracing::{Instrument, debug, error, info, info_span, warn};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;
use crate::limits::SocketPermit;
use crate::protocol::{AnsweringFrame, ClientFrame, ServerFrame, Usage, parse_client_frame};
use guard::FrameSizeGuard;
use outbox::{Closed, Outbox};

/// Heartbeats without any frame from the peer (pongs count) before it is taken as gone.
const MISSED_HEARTBEATS: u32 = 3;

/// What a client asked for in the query string of `/ws`.
#[derive(Debug, Clone, Copy, Default)]
struct Requested {
    /// The conversation to resume: the one `session_id`, or none when it is absent, not a
    /// UUID, or given more than once (an ambiguous or malformed id is treated as unknown, not
    /// refused).
    session: Option<SessionId>,
    /// The last piece of the answer in flight the client has (`after_seq`); 0 when absent or
    /// not a number: the whole answer so far is sent.
    after_seq: u64,
}

impl Requested {
    fn from_request(req: &HttpRequest) -> Self {
        let pairs: Vec<(String, String)> =
            web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                .map(web::Query::into_inner)
                .unwrap_or_default();
        let only = |name: &str| {
            let mut values = pairs.iter().filter(|(key, _)| key == name);
            match (values.next(), values.next()) {
                (Some((_, value)), None) => Some(value.as_str()),
                _ => None,
            }
        };
        Self {
            session: only("session_id").and_then(|id| id.parse().ok()),
            after_seq: only("after_seq")
                .and_then(|seq| seq.parse().ok())
                .unwrap_or(0),
        }
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
    let requested = Requested::from_request(&req);
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

/// Why the socket loop ended.
enum Ending {
    /// The client went away, or stopped reading; nothing more can be sent.
    ClientGone,
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
}

/// What the socket knows of its session: the conversation, and the feed of its answers (asked
/// from this socket or any other), which it follows for as long as it is open.
struct Following {
    chat: ChatSession,
    feed: Box<dyn AnswerFeed>,
    /// True from a question (or the first sign of an answer) to the answer's outcome.
    answering: bool,
    /// The id of the answer begun, until its `answer_start` frame is sent: just before its
    /// first delta or its `response`, so that a question that fails before any answer gets
    /// only its error frame.
    unannounced: Option<(Uuid, Arc<str>)>,
}

async fn run(
    state: Arc<AppState>,
    ws: Outbox,
    mut stream: AggregatedMessageStream,
    requested: Requested,
    client: Client,
) {
    let opened = match state.chat.open(requested.session).await {
        Ok(opened) => Ok(opened),
        Err(err) => Err(ApiError::from(err)),
    };
    let followed = match opened {
        Ok((chat, resumed)) => match state
            .chat
            .follow(&chat.session_id(), requested.after_seq)
            .await
        {
            Ok(feed) => Ok((chat, resumed, feed)),
            Err(err) => Err(ApiError::internal(&err)),
        },
        Err(err) => Err(err),
    };
    let (chat, resumed, feed) = match followed {
        Ok(followed) => followed,
        Err(err) => {
            error!(error = %err, "could not open the conversation");
            let _ = send_failure(&ws, &err);
            ws.close(close_reason(CloseCode::Error, "storage unavailable"));
            return;
        }
    };
    tracing::Span::current().record(
        "session",
        tracing::field::display(chat.session_id().log_tag()),
    );
    let answering = feed.answering();
    info!(resumed, answering = answering.is_some(), "socket opened");
    let _open = OpenSocketGauge::new();

    let greeting = format!(
        "Connected! Ask me anything about {}'s resume.",
        state.chat.resume().name
    );
    let hello = ServerFrame::System {
        message: &greeting,
        session_id: chat.session_id().to_string(),
        resumed,
        answering: answering.as_ref().map(|a| AnsweringFrame {
            message_id: a.message_id.to_string(),
            seq: a.seq,
        }),
    };
    if send(&ws, &hello).is_err() {
        return;
    }
    // The pieces of the answer in flight that the client lacks, in one frame.
    if let Some(answer) = &answering
        && !answer.catch_up.is_empty()
        && send(
            &ws,
            &ServerFrame::Delta {
                delta: &answer.catch_up,
                seq: answer.seq,
            },
        )
        .is_err()
    {
        return;
    }

    let settings = state.ws;
    let mut session = Following {
        chat,
        feed,
        answering: answering.is_some(),
        unannounced: None,
    };
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
                        if on_text(&state, &ws, &text, &mut session, client.ip).await.is_err() {
                            break Ending::ClientGone;
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
            event = session.feed.next() => {
                match on_feed_event(&state, &ws, event, &mut session).await {
                    Ok(true) if stopped_for_shutdown => {
                        let _ = send_failure(&ws, &ApiError::ShuttingDown);
                        break Ending::Close(CloseCode::Away, "server restarting");
                    }
                    Ok(_) => {}
                    Err(Closed) => break Ending::ClientGone,
                }
            }
            _ = heartbeat.tick() => {
                if !session.answering && last_used.elapsed() >= settings.idle_timeout {
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
            () = state.shutdown.cancelled(), if !session.answering => {
                break Ending::Close(CloseCode::Away, "server shutting down");
            }
            () = state.shutdown_deadline.cancelled(), if !stopped_for_shutdown && session.answering => {
                // The grace is over: stop the answer; its task stores it as it stands and its
                // outcome comes through the feed, followed by the notice and 1001.
                warn!("shutdown grace ran out; stopping the answer in flight");
                stopped_for_shutdown = true;
                if let Err(err) = state.chat.cancel(&session.chat.session_id()).await {
                    warn!(error = %err, "could not stop the answer in flight");
                }
            }
        }
    };

    // The answer in flight, if any, goes on without this socket: it is stored, and another
    // socket of the session may follow it (until the orphan timeout).
    match ending {
        Ending::ClientGone => info!(answering = session.answering, "socket gone"),
        Ending::Close(code, reason) => {
            info!(
                ?code,
                reason,
                answering = session.answering,
                "closing socket"
            );
            ws.close(close_reason(code, reason));
        }
    }
}

/// Handles one event of the session's answers. Returns true when it was an answer's end.
async fn on_feed_event(
    state: &Arc<AppState>,
    ws: &Outbox,
    event: FeedEvent,
    session: &mut Following,
) -> Result<bool, Closed> {
    match event {
        FeedEvent::Started {
            message_id,
            question,
        } => {
            session.answering = true;
            session.unannounced = Some((message_id, question));
            Ok(false)
        }
        FeedEvent::Delta { seq, text } => {
            session.answering = true;
            announce(ws, &mut session.unannounced)?;
            send(ws, &ServerFrame::Delta { delta: &text, seq })?;
            Ok(false)
        }
        FeedEvent::Finished(outcome) => {
            session.answering = false;
            let unannounced = session.unannounced.take();
            report(ws, outcome.result.clone(), unannounced)?;
            if let Some(after) = &outcome.session {
                let before = session.chat.session_id();
                session.chat = after.clone();
                if after.session_id() != before {
                    announce_new_conversation(ws, after)?;
                    match state.chat.follow(&after.session_id(), 0).await {
                        Ok(feed) => session.feed = feed,
                        Err(err) => {
                            error!(error = %err, "could not follow the new conversation");
                            send_failure(ws, &ApiError::internal(&err))?;
                        }
                    }
                }
            }
            Ok(true)
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
            answering: None,
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

/// Handles one text frame.
async fn on_text(
    state: &Arc<AppState>,
    ws: &Outbox,
    text: &str,
    session: &mut Following,
    client_ip: IpAddr,
) -> Result<(), Closed> {
    let frame = match parse_client_frame(text) {
        Ok(frame) => frame,
        Err(err) => return send_failure(ws, &err.into()),
    };
    match frame {
        ClientFrame::Cancel => {
            debug!("cancel requested");
            if let Err(err) = state.chat.cancel(&session.chat.session_id()).await {
                warn!(error = %err, "could not stop the answer in flight");
                send_failure(ws, &ApiError::internal(&err))?;
            }
            Ok(())
        }
        ClientFrame::Question { question: raw } => {
            if session.answering {
                return send_failure(ws, &ApiError::Busy);
            }
            // Checked before the rate limit: a question refused as empty or too long does not
            // spend the visitor's quota.
            let question = match Question::new(&raw, state.ws.max_question_chars) {
                Ok(question) => question,
                Err(err) => return send_failure(ws, &err.into()),
            };
            if let Err(wait) = state.limits.check_question(client_ip) {
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return send_failure(ws, &ApiError::RateLimited { retry_after });
            }
            match state.chat.start(&session.chat, question).await {
                Ok(()) => {
                    metrics::counter!("resume_chat_questions_total").increment(1);
                    session.answering = true;
                    Ok(())
                }
                // Another socket of the session asked first.
                Err(StartError::Busy) => send_failure(ws, &ApiError::Busy),
                Err(err @ StartError::Hub(_)) => send_failure(ws, &ApiError::internal(&err)),
            }
        }
    }
}

/// Sends the outcome of an answer: the `response` frame (after the `answer_start` not sent
/// yet, for an answer without deltas) and/or the error frame it calls for.
fn report(
    ws: &Outbox,
    result: Option<Result<Answer, AskError>>,
    mut unannounced: Option<(Uuid, Arc<str>)>,
) -> Result<(), Closed> {
    let Some(result) = result else {
        return send_failure(ws, &ApiError::internal(&"the answer task failed"));
    };
    match result {
        Ok(answer) => {
            announce(ws, &mut unannounced)?;
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

/// Sends the `answer_start` of the answer begun, if it was not sent yet.
fn announce(ws: &Outbox, unannounced: &mut Option<(Uuid, Arc<str>)>) -> Result<(), Closed> {
    match unannounced.take() {
        Some((message_id, question)) => send(
            ws,
            &ServerFrame::AnswerStart {
                message_id: message_id.to_string(),
                question: &question,
            },
        ),
        None => Ok(()),
    }
}

fn close_reason(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}
