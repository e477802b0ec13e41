//! The wire protocol, declared once: the JSON frames of the WebSocket (see DESIGN.md), the HTTP
//! error body and the codes both share, and the small enums they carry. Every type here is what
//! goes on the wire, and also the schema `openapi` publishes for it (`utoipa::ToSchema`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The `code` of an HTTP error body or of a WebSocket `error` frame.
///
/// - `VALIDATION_ERROR`: not JSON, unknown `type`, missing, empty or too long question, a binary
///   frame; over HTTP, an id that is not a UUID.
/// - `BUSY`: a question arrived while the conversation's answer was still streaming (asked
///   from this socket or another).
/// - `RATE_LIMIT_EXCEEDED`: this server's per-client limit was hit; the message says when to
///   retry.
/// - `RATE_LIMIT`: the model provider kept answering 429 after retries.
/// - `API_ERROR`: the model provider failed (status, timeout, network) after retries.
/// - `DATABASE_ERROR`: storage failed; the message says whether the answer was saved.
/// - `INTERNAL_ERROR`: anything else; the details are in the server's log.
/// - `NOT_FOUND`: no conversation has this session id; on a socket, the conversation was
///   deleted meanwhile (a `system` frame with the new conversation's id follows).
/// - `SHUTTING_DOWN`: (WebSocket only) the server is restarting; the answer in flight was
///   stopped and saved as it stood, and the socket closes with 1001. Reconnect shortly.
/// - `UNAUTHORIZED`: (HTTP, owner's area only) no token, a wrong one, or an expired sign-in.
/// - `FORBIDDEN`: (HTTP, owner's area only) a change asked by a page of another site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    Busy,
    RateLimitExceeded,
    RateLimit,
    ApiError,
    DatabaseError,
    InternalError,
    NotFound,
    ShuttingDown,
    Unauthorized,
    Forbidden,
}

impl ErrorCode {
    /// The wire spelling, also used as a metrics label.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::Busy => "BUSY",
            ErrorCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorCode::RateLimit => "RATE_LIMIT",
            ErrorCode::ApiError => "API_ERROR",
            ErrorCode::DatabaseError => "DATABASE_ERROR",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ShuttingDown => "SHUTTING_DOWN",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Forbidden => "FORBIDDEN",
        }
    }
}

/// The body of every HTTP error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"error": "no conversation has this session id", "code": "NOT_FOUND"}))]
pub struct ErrorBody {
    /// What went wrong, written for a person.
    pub error: String,
    /// What went wrong, for a program.
    pub code: ErrorCode,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireRole {
    System,
    User,
    Assistant,
}

impl From<domain::Role> for WireRole {
    fn from(role: domain::Role) -> Self {
        match role {
            domain::Role::System => WireRole::System,
            domain::Role::User => WireRole::User,
            domain::Role::Assistant => WireRole::Assistant,
        }
    }
}

/// Why an answer ended: complete (`stop`), cut at the response limit (`length`), stopped by a
/// `cancel` frame or a restart (`cancelled`), or cut short by the model failing (`error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
    Cancelled,
    Error,
}

impl FinishReason {
    /// The wire spelling, also used as a metrics label.
    pub fn as_str(&self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::Cancelled => "cancelled",
            FinishReason::Error => "error",
        }
    }
}

impl From<domain::FinishReason> for FinishReason {
    fn from(reason: domain::FinishReason) -> Self {
        match reason {
            domain::FinishReason::Stop => FinishReason::Stop,
            domain::FinishReason::Length => FinishReason::Length,
            domain::FinishReason::Cancelled => FinishReason::Cancelled,
            domain::FinishReason::Error => FinishReason::Error,
        }
    }
}

/// A frame from the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Ask a question: 1 to `MAX_QUESTION_CHARS` (default 2000) characters once control
    /// characters are removed and whitespace trimmed (the server checks; here it is as sent).
    #[schema(example = json!({"type": "question", "question": "What languages does she know?"}))]
    Question { question: String },
    /// Stop the answer being written. Its `response` frame follows with
    /// `finish_reason: "cancelled"` and the text written so far. Ignored when nothing streams.
    #[schema(example = json!({"type": "cancel"}))]
    Cancel,
}

/// Why a client frame was refused; the `Display` is written for the person at the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the message is not valid JSON: {0}")]
    NotJson(String),
    #[error("the message needs a \"type\" field (\"question\" or \"cancel\")")]
    MissingType,
    #[error("unknown message type {0:?}; expected \"question\" or \"cancel\"")]
    UnknownType(String),
    #[error("a question message needs a \"question\" text field")]
    MissingQuestion,
}

#[derive(Deserialize)]
struct RawFrame {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    question: Option<serde_json::Value>,
}

/// Reads one text frame from a client.
///
/// # Errors
/// A [`FrameError`] naming what is wrong.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    // serde would read a JSON array into the struct field by field; only objects are frames.
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => FrameError::NotJson("expected a JSON object".into()),
            Err(e) => FrameError::NotJson(e.to_string()),
        });
    }
    let raw: RawFrame = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            // Valid JSON that is not an object (a number, an array, …).
            FrameError::NotJson("expected a JSON object".into())
        } else {
            FrameError::NotJson(e.to_string())
        }
    })?;
    match raw.kind {
        None | Some(serde_json::Value::Null) => Err(FrameError::MissingType),
        Some(serde_json::Value::String(kind)) => match kind.as_str() {
            "question" => match raw.question {
                Some(serde_json::Value::String(question)) => Ok(ClientFrame::Question { question }),
                _ => Err(FrameError::MissingQuestion),
            },
            "cancel" => Ok(ClientFrame::Cancel),
            _ => Err(FrameError::UnknownType(truncate(&kind, 40))),
        },
        Some(other) => Err(FrameError::UnknownType(truncate(&other.to_string(), 40))),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Token counts of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// The answer a session has in flight when a socket joins it (`system.answering`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AnsweringFrame {
    /// The id the answer will be stored under (its `response` frame's `message_id`).
    #[schema(format = Uuid)]
    pub message_id: String,
    /// The latest piece written so far (0: none yet).
    pub seq: u64,
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// Always the first frame of a socket; again when the socket's conversation was deleted and
    /// a new one started.
    #[schema(example = json!({"type": "system",
        "message": "Connected! Ask me anything about Ada Example's resume.",
        "session_id": "0193a0c2-7f7e-7c4e-9a43-1f6a1b2c3d4e", "resumed": false}))]
    System {
        /// A greeting for a person.
        message: &'a str,
        /// The conversation's id: keep it, and reconnect with `/ws?session_id=…` to resume.
        #[schema(format = Uuid)]
        session_id: String,
        /// True only when the requested session existed and was resumed.
        resumed: bool,
        /// Present when the session has an answer in flight: its id and latest `seq`. The
        /// pieces after the client's `after_seq` follow at once in one `delta`, then the live
        /// ones and the `response`.
        #[serde(skip_serializing_if = "Option::is_none")]
        answering: Option<AnsweringFrame>,
    },
    /// An accepted question's answer has begun: it will be stored under `message_id` (the same
    /// id as its `response` frame's). Clients that do not know this frame ignore it.
    #[schema(example = json!({"type": "answer_start",
        "message_id": "0193a0c2-8a11-7d2f-b1e0-5c4d3e2f1a0b",
        "question": "Which languages does she use?"}))]
    AnswerStart {
        #[schema(format = Uuid)]
        message_id: String,
        /// The question being answered, for the session's other sockets (tabs) to show.
        question: &'a str,
    },
    /// The next piece of the answer being written.
    #[schema(example = json!({"type": "delta", "delta": "She writes Rust", "seq": 1}))]
    Delta {
        delta: &'a str,
        /// 1, 2, 3, … within the answer.
        #[schema(minimum = 1)]
        seq: u64,
    },
    /// The end of an answer: exactly one per accepted question. `response` equals the
    /// concatenated deltas.
    #[schema(example = json!({"type": "response", "response": "She writes Rust and Go.",
        "message_id": "0193a0c2-8a11-7d2f-b1e0-5c4d3e2f1a0b", "finish_reason": "stop",
        "usage": {"prompt_tokens": 812, "completion_tokens": 40}}))]
    Response {
        /// The whole answer, in Markdown.
        response: &'a str,
        /// The id of the stored answer (see `/api/sessions/{id}/messages`).
        #[schema(format = Uuid)]
        message_id: String,
        finish_reason: FinishReason,
        usage: Usage,
    },
    /// Something went wrong; the socket stays open.
    #[schema(example = json!({"type": "error",
        "error": "You are asking too quickly. Please wait 12 seconds.",
        "code": "RATE_LIMIT_EXCEEDED", "retry_after": 12}))]
    Error {
        /// What went wrong, written for a person.
        #[schema(value_type = String)]
        error: Cow<'a, str>,
        code: ErrorCode,
        /// Seconds to wait before asking again; only with `RATE_LIMIT_EXCEEDED` and
        /// `RATE_LIMIT`, and only when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 0)]
        retry_after: Option<u64>,
    },
}

impl ServerFrame<'_> {
    /// The frame as JSON text. Serialising these plain structs cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","error":"internal error","code":"INTERNAL_ERROR"}"#.to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_question() {
        assert_eq!(
            parse_client_frame(r#"{"type":"question","question":"hi"}"#),
            Ok(ClientFrame::Question {
                question: "hi".into()
            })
        );
    }

    #[test]
    fn reads_cancel_and_ignores_extra_fields() {
        assert_eq!(
            parse_client_frame(r#"{"type":"cancel","extra":1}"#),
            Ok(ClientFrame::Cancel)
        );
    }

    #[test]
    fn refuses_what_is_not_a_json_object() {
        for text in ["not json", "", "[1,2]", "42", "{\"type\":"] {
            assert!(
                matches!(parse_client_frame(text), Err(FrameError::NotJson(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_missing_or_unknown_types() {
        assert_eq!(
            parse_client_frame(r#"{"question":"hi"}"#),
            Err(FrameError::MissingType)
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"dance"}"#),
            Err(FrameError::UnknownType("dance".into()))
        );
        assert!(matches!(
            parse_client_frame(r#"{"type":7}"#),
            Err(FrameError::UnknownType(_))
        ));
    }

    #[test]
    fn refuses_a_question_without_text() {
        assert_eq!(
            parse_client_frame(r#"{"type":"question"}"#),
            Err(FrameError::MissingQuestion)
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"question","question":5}"#),
            Err(FrameError::MissingQuestion)
        );
    }

    #[test]
    fn writes_frames_as_the_protocol_says() {
        let frame = ServerFrame::Response {
            response: "Rust",
            message_id: "id".into(),
            finish_reason: FinishReason::Stop,
            usage: Usage {
                prompt_tokens: 1,
                completion_tokens: 2,
            },
        };
        assert_eq!(
            frame.to_json(),
            r#"{"type":"response","response":"Rust","message_id":"id","finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":2}}"#
        );
        assert_eq!(
            ServerFrame::Error {
                error: "x".into(),
                code: ErrorCode::RateLimitExceeded,
                retry_after: Some(3),
            }
            .to_json(),
            r#"{"type":"error","error":"x","code":"RATE_LIMIT_EXCEEDED","retry_after":3}"#
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_text_is_parsed_or_refused_without_panicking(text in any::<String>()) {
            let _ = parse_client_frame(&text);
        }

        #[test]
        fn json_shaped_text_is_parsed_or_refused_without_panicking(
            text in r#"\{("(type|question|x)"\s*:\s*("[a-z]{0,8}"|[0-9]{1,3}|null|true|\[\]|\{\})\s*,?\s*){0,4}\}"#
        ) {
            let _ = parse_client_frame(&text);
        }

        #[test]
        fn every_question_text_comes_back_as_sent(question in any::<String>()) {
            let frame = serde_json::json!({"type": "question", "question": question}).to_string();
            prop_assert_eq!(parse_client_frame(&frame), Ok(ClientFrame::Question { question }));
        }
    }
}
