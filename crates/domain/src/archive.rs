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

/// Which conversations a page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationQuery {
    /// Strictly after this one, in the list's order; `None` for the newest.
    pub after: Option<ConversationCursor>,
    /// At most this many.
    pub limit: u32,
    /// Only conversations with a message holding every one of these words.
    pub words: Vec<String>,
}

impl ConversationQuery {
    /// The most words a search keeps, and the longest word.
    pub const MAX_WORDS: usize = 8;
    pub const MAX_WORD_CHARS: usize = 64;

    /// The newest `limit` conversations.
    pub fn newest(limit: u32) -> Self {
        Self {
            after: None,
            limit,
            words: Vec::new(),
        }
    }

    /// Searches for the words of `text` (split at whitespace; the first
    /// [`Self::MAX_WORDS`], each cut to [`Self::MAX_WORD_CHARS`] characters).
    #[must_use]
    pub fn searching(mut self, text: &str) -> Self {
        self.words = text
            .split_whitespace()
            .take(Self::MAX_WORDS)
            .map(|word| word.chars().take(Self::MAX_WORD_CHARS).collect())
            .collect();
        self
    }

    #[must_use]
    pub fn after(mut self, cursor: Option<ConversationCursor>) -> Self {
        self.after = cursor;
        self
    }
}

/// The owner's reading of storage.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ArchivePort: Send + Sync + 'static {
    /// The conversations `query` asks for, most recently updated first (then by id,
    /// descending).
    async fn list_conversations(
        &self,
        query: &ConversationQuery,
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
    fn a_search_keeps_a_bounded_number_of_words() {
        let query = ConversationQuery::newest(10).searching("  rust   kubernetes\tpostgres ");
        assert_eq!(query.words, ["rust", "kubernetes", "postgres"]);
        let long = ConversationQuery::newest(10).searching(&"word ".repeat(20));
        assert_eq!(long.words.len(), ConversationQuery::MAX_WORDS);
        let huge = ConversationQuery::newest(10).searching(&"x".repeat(500));
        assert_eq!(
            huge.words[0].chars().count(),
            ConversationQuery::MAX_WORD_CHARS
        );
        assert!(
            ConversationQuery::newest(10)
                .searching(" ")
                .words
                .is_empty()
        );
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
