//! Every stored conversation as JSON Lines or CSV, streamed: one page of conversations is read,
//! written out and dropped before the next, so the memory an export takes does not grow with
//! the number of conversations.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use domain::{
    ArchivePort, ChatService, ConversationCursor, ConversationQuery, ConversationSummary, Message,
};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::{Owner, area};
use crate::AppState;
use crate::error::ApiError;
use crate::protocol::ErrorBody;

/// Conversations read per step of an export.
const EXPORT_PAGE: u32 = 100;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExportFormat {
    /// One conversation per line, with its messages.
    Jsonl,
    /// One message per row, with its conversation's session id.
    Csv,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `jsonl` (default) or `csv`.
    format: Option<ExportFormat>,
}

/// A conversation as a line of the JSON Lines export.
#[derive(Serialize)]
struct ExportedConversation<'a> {
    session_id: String,
    created_at: String,
    updated_at: String,
    messages: Vec<ExportedMessage<'a>>,
}

#[derive(Serialize)]
struct ExportedMessage<'a> {
    role: &'static str,
    content: &'a str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn exported(message: &Message) -> ExportedMessage<'_> {
    ExportedMessage {
        role: message.role.as_str(),
        content: &message.content,
        created_at: rfc3339(message.created_at),
        finish_reason: message.metadata.as_ref().map(|m| m.finish_reason.as_str()),
        model: message.metadata.as_ref().and_then(|m| m.model.as_deref()),
    }
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
/// first) is written with a leading `'`: visitors' words must not become formulas in the
/// owner's spreadsheet.
fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

const CSV_HEADER: [&str; 7] = [
    "session_id",
    "conversation_created_at",
    "message_created_at",
    "role",
    "content",
    "finish_reason",
    "model",
];

/// Appends one conversation to `out` in `format`.
fn write_conversation(
    out: &mut Vec<u8>,
    format: ExportFormat,
    conversation: &ConversationSummary,
    messages: &[Message],
) -> Result<(), ApiError> {
    match format {
        ExportFormat::Jsonl => {
            let line = ExportedConversation {
                session_id: conversation.session_id.to_string(),
                created_at: rfc3339(conversation.created_at),
                updated_at: rfc3339(conversation.updated_at),
                messages: messages.iter().map(exported).collect(),
            };
            serde_json::to_writer(&mut *out, &line).map_err(|e| ApiError::internal(&e))?;
            out.push(b'\n');
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            let session = conversation.session_id.to_string();
            let started = rfc3339(conversation.created_at);
            for message in messages {
                let m = exported(message);
                writer
                    .write_record([
                        session.as_str(),
                        started.as_str(),
                        m.created_at.as_str(),
                        m.role,
                        &spreadsheet_safe(m.content),
                        m.finish_reason.unwrap_or(""),
                        &spreadsheet_safe(m.model.unwrap_or("")),
                    ])
                    .map_err(|e| ApiError::internal(&e))?;
            }
            writer.flush().map_err(|e| ApiError::internal(&e))?;
        }
    }
    Ok(())
}

/// Where an export stands between two pages.
struct Progress {
    archive: Arc<dyn ArchivePort>,
    chat: ChatService,
    format: ExportFormat,
    after: Option<ConversationCursor>,
    started: bool,
    done: bool,
}

/// The next chunk of an export: one page of conversations, each with its messages.
async fn next_chunk(mut progress: Progress) -> Result<Option<(web::Bytes, Progress)>, ApiError> {
    if progress.done {
        return Ok(None);
    }
    let mut out = Vec::new();
    if !progress.started && progress.format == ExportFormat::Csv {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer
            .write_record(CSV_HEADER)
            .and_then(|()| writer.flush().map_err(Into::into))
            .map_err(|e| ApiError::internal(&e))?;
    }
    progress.started = true;
    let page = progress
        .archive
        .list_conversations(&ConversationQuery::newest(EXPORT_PAGE).after(progress.after))
        .await?;
    for conversation in &page {
        // Erased since the page was read: not part of the export any more.
        let Some(messages) = progress.chat.messages(&conversation.session_id).await? else {
            continue;
        };
        write_conversation(&mut out, progress.format, conversation, &messages)?;
    }
    progress.done = page.len() < EXPORT_PAGE as usize;
    progress.after = page.last().map(ConversationSummary::cursor);
    Ok(Some((web::Bytes::from(out), progress)))
}

/// Every conversation with its messages, newest first, streamed as JSON Lines (one
/// conversation per line) or CSV (one message per row).
#[utoipa::path(
    get,
    path = "/api/admin/export",
    tag = "owner",
    params(ExportQuery),
    security(("owner_token" = []), ("owner_session" = [])),
    responses(
        (status = 200, description = "The export, streamed (`application/x-ndjson`, or \
            `text/csv` for `format=csv`); `Content-Disposition: attachment`",
            content((String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 400, description = "An unknown format (`VALIDATION_ERROR`)", body = ErrorBody),
        (status = 401, description = "No token, or a wrong one (`UNAUTHORIZED`)", body = ErrorBody),
        (status = 404, description = "The owner's area is off (`ADMIN_TOKEN` unset)"),
        (status = 429, description = "Too many wrong tokens from this client (`RATE_LIMIT_EXCEEDED`)", body = ErrorBody),
    ),
)]
pub(crate) async fn export(
    _owner: Owner,
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(ExportFormat::Jsonl);
    let (content_type, name) = match format {
        ExportFormat::Jsonl => ("application/x-ndjson", "conversations.jsonl"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "conversations.csv"),
    };
    let progress = Progress {
        archive: area(&state)?.archive.clone(),
        chat: state.chat.clone(),
        format,
        after: None,
        started: false,
        done: false,
    };
    let body = futures::stream::try_unfold(progress, next_chunk).inspect_err(|error| {
        // The status line is gone already: the client sees a cut-off body.
        tracing::error!(%error, "an export stopped part way");
    });
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_words_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-1+2"), "'-1+2");
        assert_eq!(spreadsheet_safe("What does she do?"), "What does she do?");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
