//! What the resume's owner reads: the stored conversations, most recently active first, a page
//! at a time. Pages continue from a cursor (keyset pagination), so a conversation stored or
//! erased meanwhile never makes another one appear twice or not at all.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::SessionId;
use crate::ports::RepoError;

/// Where a page of conversations goes on: after the conversation last updated at `updated_at`
/// with this `id`, in the order newest first, then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationCursor {
    pub updated_at: OffsetDateTime,
    pub id: Uuid,
}

impl ConversationCursor {
    /// The cursor as clients hold it: `<unix microseconds>.<id>`, opaque to them.
    pub fn to_token(&self) -> String {
        let micros = self.updated_at.unix_timestamp_nanos() / 1_000;
        format!("{micros}.{}", self.id.simple())
    }

    /// A cursor a client sent back; `None` when it is not one this server made.
    pub fn parse(token: &str) -> Option<Self> {
        let (micros, id) = token.split_once('.')?;
        let micros: i128 = micros.parse().ok()?;
        let updated_at =
            OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()?;
        let id = Uuid::try_parse(id).ok()?;
        Some(Self { updated_at, id })
    }
}

/// One stored conversation, as the owner's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub session_id: SessionId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// How many questions visitors asked in it.
    pub questions: u32,
    /// The first question, which usually says what the visit was about.
    pub first_question: Option<String>,
}

impl ConversationSummary {
    /// The cursor of the page that follows this conversation.
    pub fn cursor(&self) -> ConversationCursor {
        ConversationCursor {
            updated_at: self.updated_at,
            id: self.id,
        }
    }
}

/// The owner's reading of storage.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ArchivePort: Send + Sync + 'static {
    /// Up to `limit` conversations, most recently updated first (then by id, descending),
    /// strictly after `after` when it is given.
    async fn list_conversations(
        &self,
        after: Option<ConversationCursor>,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, RepoError>;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_cursor_survives_its_token() {
        let cursor = ConversationCursor {
            updated_at: OffsetDateTime::from_unix_timestamp_nanos(1_765_000_000_123_456_000)
                .unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(ConversationCursor::parse(&cursor.to_token()), Some(cursor));
    }

    #[test]
    fn tokens_not_made_here_are_refused() {
        for token in [
            "",
            ".",
            "12",
            "abc.0193a0c27f7e7c4e9a431f6a1b2c3d4e",
            "12.not-a-uuid",
            "999999999999999999999999999999999999.0193a0c27f7e7c4e9a431f6a1b2c3d4e",
        ] {
            assert_eq!(ConversationCursor::parse(token), None, "{token:?}");
        }
    }
}
