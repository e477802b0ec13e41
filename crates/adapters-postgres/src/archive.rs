//! The owner's reading of storage ([`ArchivePort`]): conversations newest first, a page at a time.

use async_trait::async_trait;
use domain::{ArchivePort, ConversationCursor, ConversationSummary, RepoError, SessionId};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::convert::repo_error;
use crate::repo::SeaOrmRepo;

/// Each conversation with its number of questions and its first question, read by the
/// (conversation_id, created_at, id) index of messages. Keyset pagination: the page after a
/// cursor is the rows strictly below it in (updated_at, id) order, so no row is read twice or
/// skipped when others are stored or erased between pages.
fn list_sql(placeholder: impl Fn(usize) -> String, with_cursor: bool) -> String {
    let after = if with_cursor {
        format!(
            "WHERE c.updated_at < {t} OR (c.updated_at = {t} AND c.id < {id}) ",
            t = placeholder(1),
            id = placeholder(2)
        )
    } else {
        String::new()
    };
    let limit = placeholder(if with_cursor { 3 } else { 1 });
    format!(
        "SELECT c.id, c.session_id, c.created_at, c.updated_at, \
           (SELECT COUNT(*) FROM messages m \
              WHERE m.conversation_id = c.id AND m.role = 'user') AS questions, \
           (SELECT m.content FROM messages m \
              WHERE m.conversation_id = c.id AND m.role = 'user' \
              ORDER BY m.created_at, m.id LIMIT 1) AS first_question \
         FROM conversations c {after}\
         ORDER BY c.updated_at DESC, c.id DESC LIMIT {limit}"
    )
}

fn summary_from_row(row: &QueryResult) -> Result<ConversationSummary, RepoError> {
    let corrupt = |e: sea_orm::DbErr| RepoError::Corrupt(format!("a conversation row: {e}"));
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let session: String = row.try_get("", "session_id").map_err(corrupt)?;
    let session_id = session.parse::<SessionId>().map_err(|_| {
        RepoError::Corrupt(format!(
            "conversation {id} has a session id that is not a UUID"
        ))
    })?;
    let created_at: OffsetDateTime = row.try_get("", "created_at").map_err(corrupt)?;
    let updated_at: OffsetDateTime = row.try_get("", "updated_at").map_err(corrupt)?;
    let questions: i64 = row.try_get("", "questions").map_err(corrupt)?;
    let first_question: Option<String> = row.try_get("", "first_question").map_err(corrupt)?;
    Ok(ConversationSummary {
        id,
        session_id,
        created_at,
        updated_at,
        questions: u32::try_from(questions).unwrap_or(u32::MAX),
        first_question,
    })
}

#[async_trait]
impl ArchivePort for SeaOrmRepo {
    async fn list_conversations(
        &self,
        after: Option<ConversationCursor>,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, RepoError> {
        let backend = self.connection().get_database_backend();
        let placeholder = |n: usize| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        let mut values: Vec<Value> = Vec::with_capacity(3);
        if let Some(cursor) = after {
            values.push(self.timestamp(cursor.updated_at)?);
            values.push(cursor.id.into());
        }
        values.push(i64::from(limit).into());
        let statement =
            Statement::from_sql_and_values(backend, list_sql(placeholder, after.is_some()), values);
        let rows = self
            .on_live_connection(|| self.connection().query_all_raw(statement.clone()))
            .await
            .map_err(repo_error)?;
        rows.iter().map(summary_from_row).collect()
    }
}
