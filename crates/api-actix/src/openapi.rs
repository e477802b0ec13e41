//! The OpenAPI description of the service, served at `/openapi.json` and rendered at `/docs`
//! (Swagger UI) and `/redoc`.
//!
//! HTTP handlers carry their own `#[utoipa::path]`; this module gathers them with the schemas of
//! `protocol` (the wire types themselves), describes the WebSocket at `/ws`, and serves the
//! document.

use actix_web::{HttpRequest, HttpResponse, web as actix};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::protocol::{
    AnsweringFrame, ClientFrame, ErrorBody, ErrorCode, FinishReason, ServerFrame, Usage, WireRole,
};
use crate::{admin, http, web};

pub(crate) fn routes(cfg: &mut actix::ServiceConfig) {
    cfg.service(crate::get_or_head("/openapi.json", serve));
}

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
        web::embed_script,
        web::asset,
        serve,
        web::swagger_ui,
        web::redoc,
        web::websocket_docs,
        admin::page,
        admin::sign_in,
        admin::sign_out,
        admin::list_conversations,
        admin::transcript,
        admin::delete_conversation,
        admin::export::export,
        admin::unanswered,
        admin::topics,
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
        ServerFrame<'_>,
        AnsweringFrame,
        FinishReason,
        Usage,
        admin::ConversationPage,
        admin::ConversationView,
        admin::SignIn,
        admin::export::ExportFormat,
        admin::UnansweredList,
        admin::UnansweredView,
        admin::TopicList,
        admin::TopicView,
    )),
    modifiers(&OwnerSecurity),
    tags(
        (name = "chat", description = "The real-time chat: a WebSocket of JSON frames. \
            The full protocol: [/docs/websocket](/docs/websocket)."),
        (name = "resume", description = "The resume the answers are about."),
        (name = "conversations", description = "Stored conversations, by session id."),
        (name = "service", description = "Health and readiness, for orchestrators."),
        (name = "pages", description = "The chat page and this documentation."),
        (name = "owner", description = "The resume owner's area: what visitors asked. Only \
            when `ADMIN_TOKEN` is set (404 otherwise); the token as a bearer header, or the \
            session cookie `/admin/sign-in` sets."),
    ),
)]
pub struct ApiDoc;

/// How the owner's routes are entered: the token as a bearer header, or the signed session
/// cookie of the sign-in form.
struct OwnerSecurity;

impl Modify for OwnerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "owner_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`ADMIN_TOKEN`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "owner_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "resume_chat_owner",
                "Set by `POST /admin/sign-in`; signed, expires after 12 hours",
            ))),
        );
    }
}

/// This API description (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "pages",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")),
)]
pub(crate) async fn serve(req: HttpRequest) -> HttpResponse {
    web::cached(&req, "application/json", openapi_json().as_bytes())
}

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
/// socket open. Close codes: 1001 the server is shutting down, 1007 text that is not UTF-8,
/// 1008 origin not allowed or too many connections, 1009 a message over 64 KiB, 1011 the
/// conversation could not be loaded, 1002 other protocol errors.
#[allow(dead_code)]
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
            sends a `system` frame first", body = ServerFrame<'_>),
        (status = 400, description = "Not a WebSocket upgrade request"),
    ),
)]
async fn websocket() {}

// Documentation only: the handler is in `prometheus`.
/// Prometheus metrics, in the text exposition format.
#[allow(dead_code)]
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use actix_web::ResponseError;
    use actix_web::body::MessageBody;
    use serde_json::Value;

    use super::*;
    use crate::protocol::{self, FinishReason as WireFinish};

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
        let usage = Usage {
            prompt_tokens: 1,
            completion_tokens: 2,
        };
        let frames = [
            protocol::ServerFrame::System {
                message: "hi",
                session_id: "id".into(),
                resumed: true,
                answering: Some(protocol::AnsweringFrame {
                    message_id: "id".into(),
                    seq: 3,
                }),
            },
            protocol::ServerFrame::AnswerStart {
                message_id: "id".into(),
                question: "q",
            },
            protocol::ServerFrame::Delta { delta: "a", seq: 1 },
            protocol::ServerFrame::Response {
                response: "a",
                message_id: "id".into(),
                finish_reason: WireFinish::Stop,
                usage,
            },
            protocol::ServerFrame::Error {
                error: "e".into(),
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
            protocol::parse_client_frame(&example)
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
            | Real::ShuttingDown
            | Real::Unauthorized
            | Real::Forbidden => code,
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
            Real::Unauthorized,
            Real::Forbidden,
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
            crate::ApiError::NotFound(crate::error::Missing::Session),
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
