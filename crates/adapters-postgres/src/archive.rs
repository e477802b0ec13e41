//! The owner's reading of storage ([`ArchivePort`]): conversations newest first, a page at a time.

use async_trait::async_trait;
use domain::{
    ArchivePort, ConversationQuery, ConversationSummary, RepoError, SessionId, UnansweredQuestion,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::convert::repo_error;
use crate::repo::SeaOrmRepo;

/// Each conversation with its number of questions and its first question, read by the
/// (conversation_id, created_at, id) index of messages. Keyset pagination: the page after a
/// cursor is the rows strictly below it in (updated_at, id) order, so no row is read twice or
/// skipped when others are stored or erased between pages.
///
/// A search keeps the conversations with a message holding every word: whole words through the
/// full-text index on PostgreSQL (`simple` configuration), parts of words with `LIKE` on SQLite.
fn list_statement(
    backend: DbBackend,
    query: &ConversationQuery,
    cursor: Option<Value>,
) -> Statement {
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |value: Value| {
        values.push(value);
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => format!("?{}", values.len()),
        }
    };
    let mut conditions = Vec::new();
    if let (Some(at), Some(after)) = (cursor, query.after) {
        let at = bind(at);
        let id = bind(after.id.into());
        conditions.push(format!(
            "(c.updated_at < {at} OR (c.updated_at = {at} AND c.id < {id}))"
        ));
    }
    if !query.words.is_empty() {
        let matches = match backend {
            DbBackend::Postgres => {
                let words = bind(query.words.join(" ").into());
                format!("to_tsvector('simple', m.content) @@ plainto_tsquery('simple', {words})")
            }
            _ => query
                .words
                .iter()
                .map(|word| {
                    let pattern = bind(format!("%{}%", escape_like(word)).into());
                    format!("m.content LIKE {pattern} ESCAPE '\\'")
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        };
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND {matches})"
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {} ", conditions.join(" AND "))
    };
    let limit = bind(i64::from(query.limit).into());
    let sql = format!(
        "SELECT c.id, c.session_id, c.created_at, c.updated_at, \
           (SELECT COUNT(*) FROM messages m \
              WHERE m.conversation_id = c.id AND m.role = 'user') AS questions, \
           (SELECT m.content FROM messages m \
              WHERE m.conversation_id = c.id AND m.role = 'user' \
              ORDER BY m.created_at, m.id LIMIT 1) AS first_question \
         FROM conversations c {filter}\
         ORDER BY c.updated_at DESC, c.id DESC LIMIT {limit}"
    );
    Statement::from_sql_and_values(backend, sql, values)
}

/// `word` with LIKE's wildcards (and the escape character itself) taken literally.
fn escape_like(word: &str) -> String {
    let mut escaped = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
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
        query: &ConversationQuery,
    ) -> Result<Vec<ConversationSummary>, RepoError> {
        let backend = self.connection().get_database_backend();
        let cursor = match query.after {
            Some(after) => Some(self.timestamp(after.updated_at)?),
            None => None,
        };
        let statement = list_statement(backend, query, cursor);
        let rows = self
            .on_live_connection(|| self.connection().query_all_raw(statement.clone()))
            .await
            .map_err(repo_error)?;
        rows.iter().map(summary_from_row).collect()
    }

    async fn unanswered_questions(&self, limit: u32) -> Result<Vec<UnansweredQuestion>, RepoError> {
        let backend = self.connection().get_database_backend();
        let statement = Statement::from_sql_and_values(
            backend,
            unanswered_sql(backend),
            [i64::from(limit).into()],
        );
        let rows = self
            .on_live_connection(|| self.connection().query_all_raw(statement.clone()))
            .await
            .map_err(repo_error)?;
        rows.iter().map(unanswered_from_row).collect()
    }

    async fn recent_questions(&self, limit: u32) -> Result<Vec<String>, RepoError> {
        let backend = self.connection().get_database_backend();
        let sql = format!(
            "SELECT content FROM messages WHERE role = 'user' \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            match backend {
                DbBackend::Postgres => "$1",
                _ => "?1",
            }
        );
        let statement = Statement::from_sql_and_values(backend, sql, [i64::from(limit).into()]);
        let rows = self
            .on_live_connection(|| self.connection().query_all_raw(statement.clone()))
            .await
            .map_err(repo_error)?;
        rows.iter()
            .map(|row| {
                row.try_get::<String>("", "content")
                    .map_err(|e| RepoError::Corrupt(format!("a question: {e}")))
            })
            .collect()
    }
}

/// Each answer stored as not grounded (`"grounded": false` in its metadata), with the question
/// just before it in its conversation, newest first.
fn unanswered_sql(backend: DbBackend) -> String {
    let (not_grounded, limit) = match backend {
        DbBackend::Postgres => ("a.metadata->>'grounded' = 'false'", "$1"),
        _ => ("json_extract(a.metadata, '$.grounded') = 0", "?1"),
    };
    format!(
        "SELECT c.session_id, q.content AS question, q.created_at AS asked_at \
         FROM messages a \
         JOIN conversations c ON c.id = a.conversation_id \
         JOIN messages q ON q.id = ( \
           SELECT q2.id FROM messages q2 \
           WHERE q2.conversation_id = a.conversation_id AND q2.role = 'user' \
             AND (q2.created_at < a.created_at OR (q2.created_at = a.created_at AND q2.id < a.id)) \
           ORDER BY q2.created_at DESC, q2.id DESC LIMIT 1) \
         WHERE a.role = 'assistant' AND {not_grounded} \
         ORDER BY a.created_at DESC, a.id DESC LIMIT {limit}"
    )
}

fn unanswered_from_row(row: &QueryResult) -> Result<UnansweredQuestion, RepoError> {
    let corrupt = |e: sea_orm::DbErr| RepoError::Corrupt(format!("an unanswered question: {e}"));
    let session: String = row.try_get("", "session_id").map_err(corrupt)?;
    let session_id = session
        .parse::<SessionId>()
        .map_err(|_| RepoError::Corrupt("a session id that is not a UUID".into()))?;
    Ok(UnansweredQuestion {
        question: row.try_get("", "question").map_err(corrupt)?,
        asked_at: row.try_get("", "asked_at").map_err(corrupt)?,
        session_id,
    })
}
