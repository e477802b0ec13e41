//! Plain HTTP routes: health, readiness, the resume and stored conversations. The page and the
//! API documentation are served by `web`; every handler here is described in `openapi`.

use actix_web::{HttpResponse, web};
use domain::{Message, SessionId};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, Missing};
use crate::protocol::{ErrorBody, FinishReason, WireRole};

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    // Resources (not `cfg.route`) so that other methods get 405 rather than 404.
    cfg.service(crate::get_or_head("/health", health))
        .service(crate::get_or_head("/ready", ready))
        .service(crate::get_or_head("/api/resume", resume))
        .service(crate::get_or_head(
            "/api/sessions/{id}/messages",
            session_messages,
        ))
        .service(web::resource("/api/sessions/{id}").delete(delete_session));
}

/// The state of the service.
#[derive(Serialize, ToSchema)]
pub(crate) struct Status {
    /// `healthy` (`/health`); `ready` or `unavailable` (`/ready`).
    #[schema(example = "healthy")]
    status: &'static str,
    /// What works only in part (`/ready`): answers in flight kept on this instance alone
    /// while the store shared with the other instances (Redis) cannot be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    degraded: Option<String>,
}

impl Status {
    fn new(status: &'static str) -> Self {
        Self {
            status,
            degraded: None,
        }
    }
}

/// Liveness: the process answers HTTP.
#[utoipa::path(
    get,
    path = "/health",
    tag = "service",
    responses((status = 200, description = "The server is running", body = Status,
        example = json!({"status": "healthy"}))),
)]
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status::new("healthy"))
}

/// Readiness: the server can reach its storage.
#[utoipa::path(
    get,
    path = "/ready",
    tag = "service",
    responses(
        (status = 200, description = "Storage answers (`degraded` says what works only in \
            part)", body = Status, example = json!({"status": "ready"})),
        (status = 503, description = "Storage does not answer", body = Status,
            example = json!({"status": "unavailable"})),
    ),
)]
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.chat.ready().await {
        Ok(()) => HttpResponse::Ok().json(Status {
            degraded: state.chat.answers_health().err(),
            ..Status::new("ready")
        }),
        Err(error) => {
            tracing::warn!(%error, "not ready: storage does not answer");
            HttpResponse::ServiceUnavailable().json(Status {
                degraded: state.chat.answers_health().err(),
                ..Status::new("unavailable")
            })
        }
    }
}

/// Who the resume is about, as the chat page's header shows it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "name": "Ada Example",
    "title": "Staff Software Engineer",
    "sections": ["Summary", "Experience", "Skills", "Education"],
    "section_facts": [{"heading": "Summary", "facts": 1}, {"heading": "Experience", "facts": 12},
        {"heading": "Skills", "facts": 4}, {"heading": "Education", "facts": 1}],
    "offline": true
}))]
pub(crate) struct ResumeInfo<'a> {
    /// The person's name.
    name: &'a str,
    /// Their headline or current title, when the resume has one.
    title: Option<&'a str>,
    /// The resume's section headings, in order.
    sections: Vec<&'a str>,
    /// Each section with how many facts were read into it, to check what a file gave.
    section_facts: Vec<SectionFacts<'a>>,
    /// True when answers come from the built-in offline answerer rather than a model.
    offline: bool,
    /// Conversations are erased this many days after their last message (`RETENTION_DAYS`);
    /// absent when they are kept until erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_days: Option<u32>,
}

/// A section of the loaded resume and the number of facts in it.
#[derive(Serialize, ToSchema)]
pub(crate) struct SectionFacts<'a> {
    #[schema(example = "Experience")]
    heading: &'a str,
    #[schema(example = 12)]
    facts: usize,
}

/// The loaded resume: name, title, section headings, and whether answers are offline.
#[utoipa::path(
    get,
    path = "/api/resume",
    tag = "resume",
    responses((status = 200, description = "The resume being answered about", body = ResumeInfo<'_>)),
)]
pub(crate) async fn resume(state: web::Data<AppState>) -> HttpResponse {
    let resume = state.chat.resume();
    HttpResponse::Ok().json(ResumeInfo {
        name: &resume.name,
        title: resume.title.as_deref(),
        sections: resume.sections.iter().map(|s| s.heading.as_str()).collect(),
        section_facts: resume
            .sections
            .iter()
            .map(|s| SectionFacts {
                heading: &s.heading,
                facts: s.facts.len(),
            })
            .collect(),
        offline: state.offline,
        retention_days: state.retention_days,
    })
}

/// One stored message of a conversation.
#[derive(Serialize, ToSchema)]
pub(crate) struct MessageView {
    /// The message's id; for answers, the `message_id` of their `response` frame.
    #[schema(format = Uuid, example = "0193a0c2-7f7e-7c4e-9a43-1f6a1b2c3d4e")]
    id: String,
    /// Who wrote it: the visitor (`user`) or the answerer (`assistant`).
    role: WireRole,
    /// The text: a question, or an answer in Markdown.
    content: String,
    /// When it was stored (RFC 3339).
    #[schema(format = DateTime, example = "2026-01-15T10:31:05.123Z")]
    created_at: String,
    /// Answers only: how the answer ended, as its `response` frame said. `stop` is a whole
    /// answer; `length`, `cancelled` and `error` mark one that was cut short. Absent for
    /// questions and for answers stored without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_reason: Option<FinishReason>,
    /// Answers only: the model that wrote it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "meta-llama/llama-3.2-3b-instruct:free")]
    model: Option<String>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        let (finish_reason, model) = match m.metadata {
            Some(metadata) => (Some(metadata.finish_reason.into()), metadata.model),
            None => (None, None),
        };
        Self {
            id: m.id.to_string(),
            role: m.role.into(),
            content: m.content,
            created_at: m.created_at.format(&Rfc3339).unwrap_or_default(),
            finish_reason,
            model,
        }
    }
}

/// A stored conversation.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionMessages {
    /// The session id the conversation is stored under.
    #[schema(format = Uuid)]
    pub(crate) session_id: String,
    /// Its messages, oldest first.
    pub(crate) messages: Vec<MessageView>,
}

pub(crate) fn parse_session_id(raw: &str) -> Result<SessionId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Validation("the session id must be a UUID".into()))
}

/// A conversation's stored messages, oldest first.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/messages",
    tag = "conversations",
    params(("id" = String, Path, format = Uuid,
        description = "The session id from the socket's `system` frame")),
    responses(
        (status = 200, description = "The conversation, oldest message first", body = SessionMessages),
        (status = 400, description = "The id is not a UUID (`VALIDATION_ERROR`)", body = ErrorBody,
            example = json!({"error": "the session id must be a UUID", "code": "VALIDATION_ERROR"})),
        (status = 404, description = "No conversation has this id (`NOT_FOUND`)", body = ErrorBody,
            example = json!({"error": "no conversation has this session id", "code": "NOT_FOUND"})),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody,
            example = json!({"error": "storage is unavailable; please try again shortly", "code": "DATABASE_ERROR"})),
    ),
)]
pub(crate) async fn session_messages(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    stored_conversation(&state, &path).await
}

/// The conversation stored under the session id `raw_id`, as JSON (also the owner's
/// transcript).
pub(crate) async fn stored_conversation(
    state: &AppState,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    let session_id = parse_session_id(raw_id)?;
    let messages = state
        .chat
        .messages(&session_id)
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::NotFound(Missing::Session))?;
    Ok(HttpResponse::Ok().json(SessionMessages {
        session_id: session_id.to_string(),
        messages: messages.into_iter().map(MessageView::from).collect(),
    }))
}

/// Erases a conversation and all its messages.
#[utoipa::path(
    delete,
    path = "/api/sessions/{id}",
    tag = "conversations",
    params(("id" = String, Path, format = Uuid, description = "The session id to erase")),
    responses(
        (status = 204, description = "Erased"),
        (status = 400, description = "The id is not a UUID (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 404, description = "No conversation has this id (`NOT_FOUND`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_session(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    erase_conversation(&state, &path)
        .await
        .map(|_| HttpResponse::NoContent().finish())
}

/// Erases the conversation stored under the session id `raw_id`; returns that id.
pub(crate) async fn erase_conversation(
    state: &AppState,
    raw_id: &str,
) -> Result<SessionId, ApiError> {
    let session_id = parse_session_id(raw_id)?;
    if state
        .chat
        .erase(&session_id)
        .await
        .map_err(ApiError::from)?
    {
        Ok(session_id)
    } else {
        Err(ApiError::NotFound(Missing::Session))
    }
}
