//! The owner's area: `/admin` (a page, with its sign-in form) and `/api/admin/…` (what the page
//! reads, also open to API clients with the token as a bearer header). Registered only when
//! `ADMIN_TOKEN` is set: otherwise these paths are as unknown as any other, a bare 404.
//!
//! Every response here says `Cache-Control: no-store`: visitors' words must not stay in a
//! shared cache or the browser's history.

mod access;
pub(crate) mod export;

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use domain::{
    ArchivePort, ConversationCursor, ConversationQuery, ConversationSummary, QuestionGroup,
    TopicCount, group_by_wording, top_topics,
};
use futures::future::{Ready, ready};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

pub use access::{AccessError, MIN_TOKEN_CHARS, OwnerAccess};
pub(crate) use export::export;

use crate::AppState;
use crate::error::{ApiError, Missing};
use crate::http::{SessionMessages, erase_conversation, stored_conversation};
use crate::protocol::ErrorBody;
use crate::security::PAGE_CSP;
use access::{Proof, same_site_request};

/// The owner's area: who may enter, and what they read.
#[derive(Clone)]
pub struct OwnerArea {
    pub access: Arc<OwnerAccess>,
    pub archive: Arc<dyn ArchivePort>,
}

impl std::fmt::Debug for OwnerArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnerArea")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

const ADMIN_HTML: &[u8] = include_bytes!("../../../../web/admin.html");
const ADMIN_JS: &[u8] = include_bytes!("../../../../web/admin.js");
const ADMIN_CSS: &[u8] = include_bytes!("../../../../web/admin.css");

/// How many of the latest questions the topics are counted from.
const TOPICS_READ: u32 = 1000;
/// How many of the latest unanswered questions are grouped.
const UNANSWERED_READ: u32 = 500;
/// A page of conversations: the default, and the most one request may ask for.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;
/// The longest search, in characters.
const MAX_SEARCH_CHARS: usize = 200;
/// The first question as the list shows it, in characters.
const FIRST_QUESTION_CHARS: usize = 200;

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    let no_store = || DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store"));
    cfg.service(
        web::scope("/admin")
            .wrap(no_store())
            .service(crate::get_or_head("", page))
            .service(crate::get_or_head("/static/{file}", page_file))
            .service(web::resource("/sign-in").post(sign_in))
            .service(web::resource("/sign-out").post(sign_out)),
    )
    .service(
        web::scope("/api/admin")
            .wrap(no_store())
            .service(crate::get_or_head("/conversations", list_conversations))
            .service(
                web::resource("/conversations/{id}")
                    .route(
                        web::route()
                            .guard(
                                actix_web::guard::Any(actix_web::guard::Get())
                                    .or(actix_web::guard::Head()),
                            )
                            .to(transcript),
                    )
                    .delete(delete_conversation),
            )
            .service(crate::get_or_head("/export", export))
            .service(crate::get_or_head("/unanswered", unanswered))
            .service(crate::get_or_head("/topics", topics)),
    );
}

// ---------------------------------------------------------------------------------------------
// Who asks

/// Proof that a request is the owner's. A request that changes something on the strength of
/// the session cookie must also come from this site.
pub(crate) struct Owner;

impl FromRequest for Owner {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(owner_of(req))
    }
}

fn owner_of(req: &HttpRequest) -> Result<Owner, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(ApiError::NotFound(Missing::Route))?;
    let area = state
        .owner
        .as_ref()
        .ok_or(ApiError::NotFound(Missing::Route))?;
    let proof = area.access.check(req, state)?;
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if proof == Proof::Cookie && changes && !same_site_request(req) {
        return Err(ApiError::Forbidden);
    }
    Ok(Owner)
}

fn area(state: &AppState) -> Result<&OwnerArea, ApiError> {
    state
        .owner
        .as_ref()
        .ok_or(ApiError::NotFound(Missing::Route))
}

// ---------------------------------------------------------------------------------------------
// The page and signing in

/// The owner's page: the sign-in form, or the conversations once signed in.
#[utoipa::path(
    get,
    path = "/admin",
    tag = "owner",
    responses(
        (status = 200, description = "The owner's page", content_type = "text/html"),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
    ),
)]
pub(crate) async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .body(ADMIN_HTML)
}

/// The owner's page's script and styles.
async fn page_file(file: web::Path<String>) -> HttpResponse {
    let (content_type, bytes) = match file.as_str() {
        "admin.js" => ("text/javascript; charset=utf-8", ADMIN_JS),
        "admin.css" => ("text/css; charset=utf-8", ADMIN_CSS),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok().content_type(content_type).body(bytes)
}

/// The sign-in form's fields.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SignIn {
    /// `ADMIN_TOKEN`.
    token: String,
}

/// Signs in with the token: sets the session cookie and goes back to `/admin`.
///
/// A wrong token goes back to `/admin?signin=failed`; too many attempts from one client to
/// `/admin?signin=wait`. Only a form of this site may sign in.
#[utoipa::path(
    post,
    path = "/admin/sign-in",
    tag = "owner",
    request_body(content = SignIn, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Back to `/admin`; signed in (a `Set-Cookie`), or with \
            `?signin=failed` or `?signin=wait`"),
        (status = 400, description = "Not a sign-in form (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 403, description = "A form of another site (`FORBIDDEN`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
    ),
)]
pub(crate) async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignIn>,
) -> Result<HttpResponse, ApiError> {
    let access = &area(&state)?.access;
    if !same_site_request(&req) {
        return Err(ApiError::Forbidden);
    }
    let client = state.limits.client_ip(&req);
    match access.verify(client, Some(&form.token)) {
        Ok(()) => {}
        Err(ApiError::RateLimited { .. }) => {
            tracing::warn!(%client, "owner sign-in refused: too many wrong tokens");
            return Ok(see_other("/admin?signin=wait"));
        }
        Err(_) => {
            tracing::warn!(%client, "owner sign-in with a wrong token");
            return Ok(see_other("/admin?signin=failed"));
        }
    }
    tracing::info!(%client, "owner signed in");
    let mut response = see_other("/admin");
    response
        .add_cookie(&access.session_cookie())
        .map_err(|e| ApiError::internal(&e))?;
    Ok(response)
}

/// Signs out: the session cookie is removed.
#[utoipa::path(
    post,
    path = "/admin/sign-out",
    tag = "owner",
    responses(
        (status = 303, description = "Back to `/admin`, signed out"),
        (status = 403, description = "A form of another site (`FORBIDDEN`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
    ),
)]
pub(crate) async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    area(&state)?;
    if !same_site_request(&req) {
        return Err(ApiError::Forbidden);
    }
    let mut response = see_other("/admin");
    response
        .add_cookie(&OwnerAccess::removal_cookie())
        .map_err(|e| ApiError::internal(&e))?;
    Ok(response)
}

fn see_other(location: &'static str) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::SEE_OTHER);
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
}

// ---------------------------------------------------------------------------------------------
// Conversations

/// Which page of conversations.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// The `next` of the previous page; absent for the newest.
    #[param(pattern = r"^-?[0-9]{1,16}\.[0-9a-f]{32}$")]
    after: Option<String>,
    /// Only conversations with a message holding each of these words (at most 8 are used).
    #[param(max_length = 200)]
    q: Option<String>,
}

/// One conversation in the owner's list.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationView {
    #[schema(format = Uuid)]
    session_id: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// When its last message was stored.
    #[schema(format = DateTime)]
    updated_at: String,
    /// How many questions were asked in it.
    questions: u32,
    /// Its first question (its first 200 characters).
    first_question: Option<String>,
}

impl From<ConversationSummary> for ConversationView {
    fn from(c: ConversationSummary) -> Self {
        Self {
            session_id: c.session_id.to_string(),
            created_at: c.created_at.format(&Rfc3339).unwrap_or_default(),
            updated_at: c.updated_at.format(&Rfc3339).unwrap_or_default(),
            questions: c.questions,
            first_question: c
                .first_question
                .map(|q| q.chars().take(FIRST_QUESTION_CHARS).collect()),
        }
    }
}

/// A page of conversations, most recently active first.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConversationPage {
    conversations: Vec<ConversationView>,
    /// Pass as `after` for the next page; absent on the last one.
    next: Option<String>,
}

/// The stored conversations, most recently active first, a page at a time (keyset pagination:
/// a conversation stored or erased meanwhile never repeats or hides another), optionally only
/// those with a message holding every word of `q` (whole words on PostgreSQL, parts of words on
/// SQLite).
#[utoipa::path(
    get,
    path = "/api/admin/conversations",
    tag = "owner",
    params(ListQuery),
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationPage),
        (status = 400, description = "A bad `limit`, `after` or `q` (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn list_conversations(
    _owner: Owner,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Validation(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let after = match query.after.as_deref() {
        None => None,
        Some(token) => Some(ConversationCursor::parse(token).ok_or_else(|| {
            ApiError::Validation("after must be the `next` of a previous page".into())
        })?),
    };
    let search = query.q.as_deref().unwrap_or("");
    if search.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::Validation(format!(
            "q must be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let page = area(&state)?
        .archive
        .list_conversations(
            &ConversationQuery::newest(limit)
                .after(after)
                .searching(search),
        )
        .await?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(|c| c.cursor().to_token()))
        .flatten();
    Ok(HttpResponse::Ok().json(ConversationPage {
        conversations: page.into_iter().map(ConversationView::from).collect(),
        next,
    }))
}

/// One conversation, every message, oldest first.
#[utoipa::path(
    get,
    path = "/api/admin/conversations/{id}",
    tag = "owner",
    params(("id" = String, Path, format = Uuid, description = "The conversation's session id")),
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 200, description = "The conversation", body = SessionMessages),
        (status = 400, description = "The id is not a UUID (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 404, description = "No conversation has this id (`NOT_FOUND`), or the owner's area is off"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn transcript(
    _owner: Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    stored_conversation(&state, &path).await
}

/// Erases one conversation.
#[utoipa::path(
    delete,
    path = "/api/admin/conversations/{id}",
    tag = "owner",
    params(("id" = String, Path, format = Uuid, description = "The conversation's session id")),
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 400, description = "The id is not a UUID (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 403, description = "Asked by a page of another site (`FORBIDDEN`)", body = ErrorBody),
        (status = 404, description = "No conversation has this id (`NOT_FOUND`), or the owner's area is off"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_conversation(
    _owner: Owner,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let session_id = erase_conversation(&state, &path).await?;
    tracing::info!(session = %session_id.log_tag(), "the owner erased a conversation");
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// What the resume did not answer

/// Questions asked in much the same words, that the resume did not answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct UnansweredView {
    /// The newest wording.
    question: String,
    /// How many times it was asked.
    count: u32,
    #[schema(format = DateTime)]
    last_asked: String,
}

impl From<QuestionGroup> for UnansweredView {
    fn from(g: QuestionGroup) -> Self {
        Self {
            question: g.question,
            count: g.count,
            last_asked: g.last_asked.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// The questions the resume did not answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct UnansweredList {
    /// Grouped by wording, the most recently asked first (from the latest 500).
    questions: Vec<UnansweredView>,
}

/// The questions the resume did not answer (the answerer said so), grouped by similar wording,
/// newest first, with how often each was asked: what to add to the resume next.
#[utoipa::path(
    get,
    path = "/api/admin/unanswered",
    tag = "owner",
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 200, description = "The unanswered questions", body = UnansweredList),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn unanswered(
    _owner: Owner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let questions = area(&state)?
        .archive
        .unanswered_questions(UNANSWERED_READ)
        .await?;
    Ok(HttpResponse::Ok().json(UnansweredList {
        questions: group_by_wording(&questions)
            .into_iter()
            .map(UnansweredView::from)
            .collect(),
    }))
}

/// A resume section and how many questions were about it.
#[derive(Serialize, ToSchema)]
pub(crate) struct TopicView {
    #[schema(example = "Experience")]
    section: String,
    questions: u32,
}

impl From<TopicCount> for TopicView {
    fn from(t: TopicCount) -> Self {
        Self {
            section: t.section,
            questions: t.questions,
        }
    }
}

/// What visitors ask about.
#[derive(Serialize, ToSchema)]
pub(crate) struct TopicList {
    /// Sections by how many of the latest 1,000 questions matched them, most first; a
    /// question that matches no section is not counted.
    topics: Vec<TopicView>,
}

/// The resume sections visitors ask about most: each of the latest questions counted for the
/// section it shares the most words with (heading, the cue words of that kind of section,
/// facts).
#[utoipa::path(
    get,
    path = "/api/admin/topics",
    tag = "owner",
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 200, description = "The topics", body = TopicList),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
        (status = 503, description = "Storage is unavailable (`DATABASE_ERROR`)", body = ErrorBody),
    ),
)]
pub(crate) async fn topics(
    _owner: Owner,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let questions = area(&state)?.archive.recent_questions(TOPICS_READ).await?;
    let topics = top_topics(&state.chat.resume(), &questions);
    Ok(HttpResponse::Ok().json(TopicList {
        topics: topics.into_iter().map(TopicView::from).collect(),
    }))
}
