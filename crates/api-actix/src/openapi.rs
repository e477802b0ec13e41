//! The OpenAPI description of the service, served at `/openapi.json` and rendered at `/docs`
//! (Swagger UI) and `/redoc`.
//!
//! HTTP handlers carry their own `#[utoipa::path]`; this module gathers them, and describes what
//! OpenAPI has no words for: the WebSocket at `/ws` and its JSON frames. The frame and error
//! schemas here are written for the documentation only; the tests at the bottom hold them to the
//! types that really go on the wire (`ServerFrame`, `ErrorCode`, `ApiError`).

// The schema types and the two handler stubs below exist to be described, never used.
#![allow(dead_code)]

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::{http, web};

/// The whole API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Resume chat",
        description = include_str!("openapi.md"),
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        websocket,
        http::resume,
        http::session_messages,
        http::delete_session,
        http::health,
        http::ready,
        metrics,
        web::index,
        web::asset,
        web::openapi_json,
        web::swagger_ui,
        web::redoc,
        web::websocket_docs,
    ),
    components(schemas(
        http::ResumeInfo<'_>,
        http::SectionFacts<'_>,
        http::SessionMessages,
        http::MessageView,
        http::Status,
        ErrorBody,
        ErrorCode,
        WireRole,
        ClientFrame,
        ServerFrame,
        FinishReason,
        Usage,
    )),
    tags(
        (name = "chat", description = "The real-time chat: a WebSocket of JSON frames. \
            The full protocol: [/docs/websocket](/docs/websocket)."),
        (name = "resume", description = "The resume the answers are about."),
        (name = "conversations", description = "Stored conversations, by session id."),
        (name = "service", description = "Health and readiness, for orchestrators."),
        (name = "pages", description = "The chat page and this documentation."),
    ),
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON text (built once: it never changes while the server runs).
pub fn openapi_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

// Documentation only: the handler is `ws::connect`.
/// The chat, over a WebSocket.
///
/// Upgrade with a normal WebSocket handshake. Every frame, both ways, is a JSON text frame; see
/// the `ClientFrame` and `ServerFrame` schemas, and [/docs/websocket](/docs/websocket) for the
/// whole protocol with examples.
///
/// The first server frame is always `system`, carrying the `session_id` to keep. Then send
/// `question` frames; each is answered by zero or more `delta` frames and exactly one `response`
/// frame (or an `error` frame). Send `cancel` to stop the answer being written. Errors keep the
/// socket open. Close codes: 1001 the server is shutting down, 1008 origin not allowed or too
/// many connections, 1009 a frame over 64 KiB, 1011 the conversation could not be loaded.
#[utoipa::path(
    get,
    path = "/ws",
    tag = "chat",
    operation_id = "chat_websocket",
    params(("session_id" = Option<String>, Query, format = Uuid,
        description = "Resume this conversation. An unknown or malformed id starts a new one \
                       (the `system` frame then says `resumed: false` and carries the new id).")),
    responses(
        (status = 101, description = "Switching Protocols: the socket is open; the server \
            sends a `system` frame first", body = ServerFrame),
        (status = 400, description = "Not a WebSocket upgrade request"),
    ),
)]
async fn websocket() {}

// Documentation only: the handler is in `prometheus`.
/// Prometheus metrics, in the text exposition format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4"),
        (status = 404, description = "Metrics are turned off"),
    ),
)]
async fn metrics() {}

/// The body of every HTTP error.
#[derive(ToSchema)]
#[schema(example = json!({"error": "no conversation has this session id", "code": "NOT_FOUND"}))]
pub(crate) struct ErrorBody {
    /// What went wrong, written for a person.
    error: String,
    /// What went wrong, for a program.
    code: ErrorCode,
}

/// The `code` of an HTTP error body or of a WebSocket `error` frame.
///
/// - `VALIDATION_ERROR`: not JSON, unknown `type`, missing, empty or too long question, a binary
///   frame; over HTTP, an id that is not a UUID.
/// - `BUSY`: a question arrived while this socket's previous answer was still streaming.
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
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ErrorCode {
    ValidationError,
    Busy,
    RateLimitExceeded,
    RateLimit,
    ApiError,
    DatabaseError,
    InternalError,
    NotFound,
    ShuttingDown,
}

/// Who wrote a message.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WireRole {
    System,
    User,
    Assistant,
}

/// A frame from the client.
#[derive(ToSchema, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ClientFrame {
    /// Ask a question: 1 to `MAX_QUESTION_CHARS` (default 2000) characters once control
    /// characters are removed and whitespace trimmed.
    #[schema(example = json!({"type": "question", "question": "What languages does she know?"}))]
    Question { question: String },
    /// Stop the answer being written. Its `response` frame follows with
    /// `finish_reason: "cancelled"` and the text written so far. Ignored when nothing streams.
    #[schema(example = json!({"type": "cancel"}))]
    Cancel,
}

/// A frame from the server.
#[derive(ToSchema, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ServerFrame {
    /// Always the first frame of a socket.
    #[schema(example = json!({"type": "system",
        "message": "Connected! Ask me anything about Ada Example's resume.",
        "session_id": "0193a0c2-7f7e-7c4e-9a43-1f6a1b2c3d4e", "resumed": false}))]
    System {
        /// A greeting for a person.
        message: String,
        /// The conversation's id: keep it, and reconnect with `/ws?session_id=…` to resume.
        #[schema(format = Uuid)]
        session_id: String,
        /// True only when the requested session existed and was resumed.
        resumed: bool,
    },
    /// The next piece of the answer being written.
    #[schema(example = json!({"type": "delta", "delta": "She writes Rust"}))]
    Delta { delta: String },
    /// The end of an answer: exactly one per accepted question. `response` equals the
    /// concatenated deltas.
    #[schema(example = json!({"type": "response", "response": "She writes Rust and Go.",
        "message_id": "0193a0c2-8a11-7d2f-b1e0-5c4d3e2f1a0b", "finish_reason": "stop",
        "usage": {"prompt_tokens": 812, "completion_tokens": 40}}))]
    Response {
        /// The whole answer, in Markdown.
        response: String,
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
        error: String,
        code: ErrorCode,
        /// Seconds to wait before asking again; only with `RATE_LIMIT_EXCEEDED` and
        /// `RATE_LIMIT`, and only when known.
        #[schema(minimum = 0)]
        retry_after: Option<u64>,
    },
}

/// Why an answer ended: complete (`stop`), cut at `MAX_RESPONSE_TOKENS` (`length`), or stopped
/// by a `cancel` frame (`cancelled`).
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FinishReason {
    Stop,
    Length,
    Cancelled,
}

/// Token counts of an answer.
#[derive(ToSchema, Serialize)]
pub(crate) struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use actix_web::ResponseError;
    use actix_web::body::MessageBody;
    use serde_json::Value;

    use super::*;
    use crate::ws::frames::{self, WireUsage};

    fn spec() -> Value {
        serde_json::from_str(openapi_json()).unwrap()
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    /// The properties of the `oneOf` branch of `schema` whose `type` is `kind`.
    fn branch_properties(spec: &Value, schema: &str, kind: &str) -> BTreeSet<String> {
        let branches = spec["components"]["schemas"][schema]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} is a oneOf"));
        let branch = branches
            .iter()
            .find(|b| b["properties"]["type"]["enum"][0] == kind)
            .unwrap_or_else(|| panic!("{schema} documents {kind}"));
        keys(&branch["properties"])
    }

    fn enum_values(spec: &Value, schema: &str) -> BTreeSet<String> {
        spec["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} is an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn documents_every_route() {
        let spec = spec();
        let paths = keys(&spec["paths"]);
        for path in [
            "/",
            "/ws",
            "/health",
            "/ready",
            "/metrics",
            "/api/resume",
            "/api/sessions/{id}/messages",
            "/api/sessions/{id}",
            "/openapi.json",
            "/docs",
            "/docs/websocket",
            "/redoc",
            "/static/{file}",
        ] {
            assert!(paths.contains(path), "{path} is documented: {paths:?}");
        }
    }

    #[test]
    fn documented_server_frames_match_the_wire() {
        let spec = spec();
        let usage = WireUsage {
            prompt_tokens: 1,
            completion_tokens: 2,
        };
        let frames = [
            frames::ServerFrame::System {
                message: "hi",
                session_id: "id".into(),
                resumed: false,
            },
            frames::ServerFrame::Delta { delta: "a" },
            frames::ServerFrame::Response {
                response: "a",
                message_id: "id".into(),
                finish_reason: "stop",
                usage,
            },
            frames::ServerFrame::Error {
                error: "e",
                code: crate::ErrorCode::RateLimitExceeded,
                retry_after: Some(3),
            },
        ];
        for frame in frames {
            let wire: Value = serde_json::from_str(&frame.to_json()).unwrap();
            let kind = wire["type"].as_str().unwrap();
            assert_eq!(
                keys(&wire),
                branch_properties(&spec, "ServerFrame", kind),
                "{kind}"
            );
        }
        let usage_doc = keys(&spec["components"]["schemas"]["Usage"]["properties"]);
        assert_eq!(keys(&serde_json::to_value(usage).unwrap()), usage_doc);
    }

    #[test]
    fn documented_client_frames_parse() {
        let spec = spec();
        let branches = spec["components"]["schemas"]["ClientFrame"]["oneOf"]
            .as_array()
            .unwrap();
        assert_eq!(branches.len(), 2, "question and cancel");
        for branch in branches {
            let example = branch["example"].to_string();
            frames::parse_client_frame(&example)
                .unwrap_or_else(|e| panic!("documented example {example} parses: {e}"));
        }
    }

    #[test]
    fn documented_error_codes_are_the_real_ones() {
        use crate::ErrorCode as Real;
        // A new code fails to compile here until it is documented.
        let all = |code: Real| match code {
            Real::ValidationError
            | Real::Busy
            | Real::RateLimitExceeded
            | Real::RateLimit
            | Real::ApiError
            | Real::DatabaseError
            | Real::InternalError
            | Real::NotFound
            | Real::ShuttingDown => code,
        };
        let real: BTreeSet<String> = [
            Real::ValidationError,
            Real::Busy,
            Real::RateLimitExceeded,
            Real::RateLimit,
            Real::ApiError,
            Real::DatabaseError,
            Real::InternalError,
            Real::NotFound,
            Real::ShuttingDown,
        ]
        .into_iter()
        .map(|code| serde_json::to_value(all(code)).unwrap())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
        assert_eq!(real, enum_values(&spec(), "ErrorCode"));
    }

    #[test]
    fn documented_http_error_body_is_what_errors_send() {
        let spec = spec();
        let documented = keys(&spec["components"]["schemas"]["ErrorBody"]["properties"]);
        for error in [
            crate::ApiError::NotFound,
            crate::ApiError::Validation("the session id must be a UUID".into()),
        ] {
            let response = error.error_response();
            let body = response.into_body().try_into_bytes().unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(keys(&body), documented, "{body}");
            assert!(enum_values(&spec, "ErrorCode").contains(body["code"].as_str().unwrap()));
        }
    }
}
