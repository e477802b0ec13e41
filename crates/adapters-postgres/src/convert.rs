//! Translations at the boundary: domain values to stored values and back, and sea-orm errors to
//! [`RepoError`].

use std::str::FromStr;

use domain::{
    AnswerMetadata, Conversation, FinishReason, Message, RepoError, Role, SessionId, Usage,
};
use sea_orm::sqlx;
use sea_orm::{DbBackend, DbErr, RuntimeErr, Value};
use serde_json::json;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::entity::{conversations, messages};

/// How timestamps are stored as text on SQLite: UTC, always six fractional digits.
///
/// sqlx's own encoding (RFC 3339) drops trailing fractional zeros, so `…:05.1Z` and `…:05.15Z`
/// would sort the wrong way round as text, and SQLite compares these columns as text. A fixed
/// width makes text order time order, and it still parses as RFC 3339 when read back.
const SQLITE_TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A timestamp as stored: in UTC and truncated to whole microseconds, which is what PostgreSQL's
/// `timestamptz` keeps, so both backends give back exactly what they were given.
pub(crate) fn stored_instant(t: OffsetDateTime) -> OffsetDateTime {
    let utc = t.to_offset(UtcOffset::UTC);
    let micros = utc.nanosecond() / 1_000 * 1_000;
    utc.replace_nanosecond(micros).unwrap_or(utc)
}

/// The value to bind for a timestamp column on `backend`.
pub(crate) fn timestamp_value(backend: DbBackend, t: OffsetDateTime) -> Result<Value, RepoError> {
    let t = stored_instant(t);
    match backend {
        DbBackend::Sqlite => t
            .format(SQLITE_TIMESTAMP)
            .map(|text| Value::String(Some(text)))
            .map_err(|e| RepoError::Other(format!("cannot format timestamp {t}: {e}"))),
        _ => Ok(Value::TimeDateTimeWithTimeZone(Some(t))),
    }
}

/// The `metadata` column of an answer.
pub(crate) fn metadata_to_json(metadata: &AnswerMetadata) -> serde_json::Value {
    json!({
        "finish_reason": metadata.finish_reason.as_str(),
        "model": metadata.model,
        "usage": {
            "prompt_tokens": metadata.usage.prompt_tokens,
            "completion_tokens": metadata.usage.completion_tokens,
        },
        "grounded": metadata.grounded,
    })
}

/// Reads a `metadata` column back. Lenient: rows written by other tools or older versions may
/// hold anything, and an answer without readable metadata is still an answer. Without a
/// `finish_reason` string there is no metadata; missing usage counts are zero.
pub(crate) fn metadata_from_json(value: &serde_json::Value) -> Option<AnswerMetadata> {
    let finish_reason = FinishReason::parse_lenient(value.get("finish_reason")?.as_str()?);
    let model = value
        .get("model")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let count = |key: &str| {
        value
            .get("usage")
            .and_then(|usage| usage.get(key))
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0)
    };
    Some(AnswerMetadata {
        finish_reason,
        model,
        // Answers stored before this was recorded count as answered.
        grounded: value
            .get("grounded")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true),
        usage: Usage {
            prompt_tokens: count("prompt_tokens"),
            completion_tokens: count("completion_tokens"),
        },
    })
}

/// Token counts are `integer` columns; counts beyond `i32::MAX` are stored as that.
pub(crate) fn tokens_to_db(tokens: Option<u32>) -> Option<i32> {
    tokens.map(|t| i32::try_from(t).unwrap_or(i32::MAX))
}

pub(crate) fn conversation_from_model(
    model: conversations::Model,
) -> Result<Conversation, RepoError> {
    let session_id = SessionId::from_str(&model.session_id).map_err(|_| {
        RepoError::Corrupt(format!(
            "conversation {} has session id {:?}, which is not a UUID",
            model.id, model.session_id
        ))
    })?;
    Ok(Conversation {
        id: model.id,
        session_id,
        title: model.title,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

pub(crate) fn message_from_model(model: messages::Model) -> Result<Message, RepoError> {
    let role = Role::from_str(&model.role)
        .map_err(|e| RepoError::Corrupt(format!("message {} has an {e}", model.id)))?;
    Ok(Message {
        id: model.id,
        conversation_id: model.conversation_id,
        role,
        content: model.content,
        created_at: model.created_at,
        // A negative count is no count.
        tokens: model.tokens.and_then(|t| u32::try_from(t).ok()),
        metadata: model.metadata.as_ref().and_then(metadata_from_json),
    })
}

/// A sea-orm error as the domain sees it: [`RepoError::Unavailable`] when the database could not
/// be reached or did not answer in time (trying again may work), [`RepoError::Other`] otherwise.
///
/// Messages come from sea-orm and sqlx, which do not repeat connection URLs.
pub(crate) fn repo_error(err: DbErr) -> RepoError {
    let message = err.to_string();
    if is_foreign_key_violation(&err) {
        // The only foreign key is a message's conversation: it was erased meanwhile.
        RepoError::ConversationGone
    } else if is_unavailable(&err) {
        RepoError::Unavailable(message)
    } else {
        RepoError::Other(message)
    }
}

/// Whether `err` says the pooled connection used had died (a restarted or failed-over database
/// kills every idle connection): another connection may well work.
pub(crate) fn is_dead_connection(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match &**e {
                sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
                // 57P01 admin shutdown, 57P02 crash shutdown: the server ended this connection.
                sqlx::Error::Database(db) => db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some_and(|pg| matches!(pg.code(), "57P01" | "57P02")),
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_foreign_key_violation(err: &DbErr) -> bool {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(&**e, sqlx::Error::Database(db)
                if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
        }
        _ => false,
    }
}

fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                transient_sqlstate(pg.code())
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                db.code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(transient_sqlite_code)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs that mean "not now" rather than "not this": class 08 connection
/// exception, class 53 insufficient resources (too many connections, disk full), 57P01–57P03
/// shutdown / cannot connect now, 40001 serialization failure, 40P01 deadlock.
fn transient_sqlstate(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(code, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
}

/// SQLite result codes that mean "not now": BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN. sqlx
/// reports the extended code; the primary code is its low byte.
fn transient_sqlite_code(code: i32) -> bool {
    matches!(code & 0xff, 5 | 6 | 7 | 10 | 13 | 14)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_timestamps_have_a_fixed_width_and_parse_back() {
        let t = time::macros::datetime!(2026-11-25 10:00:05.1 +02:00);
        let Value::String(Some(text)) = timestamp_value(DbBackend::Sqlite, t).expect("formats")
        else {
            panic!("a string value")
        };
        assert_eq!(text, "2026-11-25T08:00:05.100000Z");
        let back = OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
        assert_eq!(back, t);
    }

    #[test]
    fn stored_instants_are_truncated_to_microseconds() {
        let t = time::macros::datetime!(2026-11-25 10:00:05.123456789 UTC);
        assert_eq!(
            stored_instant(t),
            time::macros::datetime!(2026-11-25 10:00:05.123456 UTC)
        );
    }

    #[test]
    fn metadata_round_trips() {
        let metadata = AnswerMetadata {
            finish_reason: FinishReason::Length,
            model: Some("m".into()),
            usage: Usage {
                prompt_tokens: 12,
                completion_tokens: 34,
            },
            grounded: false,
        };
        let stored = metadata_to_json(&metadata);
        assert_eq!(
            stored,
            json!({"finish_reason":"length","model":"m","usage":{"prompt_tokens":12,"completion_tokens":34},"grounded":false})
        );
        assert_eq!(metadata_from_json(&stored), Some(metadata));
    }

    #[test]
    fn odd_metadata_reads_as_none_or_defaults() {
        assert_eq!(metadata_from_json(&json!(null)), None);
        assert_eq!(metadata_from_json(&json!([1, 2])), None);
        assert_eq!(metadata_from_json(&json!({"model": "m"})), None);
        assert_eq!(
            metadata_from_json(&json!({"finish_reason": "weird", "model": 3, "usage": "x"})),
            Some(AnswerMetadata {
                finish_reason: FinishReason::Stop,
                model: None,
                usage: Usage::default(),
                grounded: true,
            })
        );
    }

    #[test]
    fn transient_codes_are_recognised() {
        for code in ["08006", "08P01", "53300", "57P01", "40001", "40P01"] {
            assert!(transient_sqlstate(code), "{code}");
        }
        for code in ["23505", "23503", "23514", "42P01", "3D000"] {
            assert!(!transient_sqlstate(code), "{code}");
        }
        // BUSY, BUSY_SNAPSHOT, IOERR, IOERR_SHORT_READ, CANTOPEN
        for code in [5, 517, 10, 522, 14] {
            assert!(transient_sqlite_code(code), "{code}");
        }
        // CONSTRAINT, CONSTRAINT_UNIQUE, ERROR, CORRUPT
        for code in [19, 2067, 1, 11] {
            assert!(!transient_sqlite_code(code), "{code}");
        }
    }
}
