//! Plain HTTP routes: the page, health, readiness, the resume and stored conversations.

use actix_web::{HttpResponse, web};
use domain::{Message, SessionId};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::AppState;
use crate::error::ApiError;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/api/resume", web::get().to(resume))
        .route(
            "/api/sessions/{id}/messages",
            web::get().to(session_messages),
        )
        .route("/api/sessions/{id}", web::delete().to(delete_session));
}

/// A plain page until the chat page lands: says what the service is and where to connect.
const PLACEHOLDER_PAGE: &str = include_str!("placeholder.html");

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(PLACEHOLDER_PAGE)
}

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "healthy" })
}

async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.chat.repo().ping().await {
        Ok(()) => HttpResponse::Ok().json(Status { status: "ready" }),
        Err(error) => {
            tracing::warn!(%error, "not ready: storage does not answer");
            HttpResponse::ServiceUnavailable().json(Status {
                status: "unavailable",
            })
        }
    }
}

#[derive(Serialize)]
struct ResumeInfo<'a> {
    name: &'a str,
    title: Option<&'a str>,
    sections: Vec<&'a str>,
    /// True when answers come from the built-in offline answerer rather than a model.
    offline: bool,
}

async fn resume(state: web::Data<AppState>) -> HttpResponse {
    let resume = &state.resume;
    HttpResponse::Ok().json(ResumeInfo {
        name: &resume.name,
        title: resume.title.as_deref(),
        sections: resume.sections.iter().map(|s| s.heading.as_str()).collect(),
        offline: state.offline,
    })
}

#[derive(Serialize)]
struct MessageView {
    id: String,
    role: &'static str,
    content: String,
    created_at: String,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.to_string(),
            role: m.role.as_str(),
            content: m.content,
            created_at: m.created_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
struct SessionMessages {
    session_id: String,
    messages: Vec<MessageView>,
}

fn parse_session_id(raw: &str) -> Result<SessionId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Validation("the session id must be a UUID".into()))
}

async fn session_messages(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session_id = parse_session_id(&path)?;
    let messages = state
        .chat
        .messages(&session_id)
        .await
        .map_err(ApiError::Database)?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(SessionMessages {
        session_id: session_id.to_string(),
        messages: messages.into_iter().map(MessageView::from).collect(),
    }))
}

async fn delete_session(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session_id = parse_session_id(&path)?;
    if state
        .chat
        .erase(&session_id)
        .await
        .map_err(ApiError::Database)?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
