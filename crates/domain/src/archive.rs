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

/// A question the resume did not answer (its answer began with the marker of
/// [`crate::grounding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredQuestion {
    pub question: String,
    pub asked_at: OffsetDateTime,
    pub session_id: SessionId,
}

/// Questions asked in much the same words, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionGroup {
    /// The newest wording.
    pub question: String,
    /// How many times it was asked.
    pub count: u32,
    pub last_asked: OffsetDateTime,
}

/// Words that do not tell two questions apart.
const FILLER_WORDS: &[&str] = &[
    "a", "about", "an", "and", "any", "are", "at", "be", "can", "could", "did", "do", "does",
    "ever", "for", "has", "have", "he", "her", "his", "how", "i", "in", "is", "it", "me", "of",
    "on", "or", "please", "she", "tell", "the", "their", "they", "to", "was", "what", "when",
    "where", "which", "who", "why", "with", "you", "your",
];

/// What two questions share when they are asked in much the same words: their other words,
/// lowercased, without punctuation or a plural `s`, in order, once each.
fn wording(question: &str) -> Vec<String> {
    let mut words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !FILLER_WORDS.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.chars().count() > 2 && !stem.ends_with('s') => stem.to_owned(),
            _ => w,
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Groups `questions` (newest first) by their wording; groups come newest first.
pub fn group_by_wording(questions: &[UnansweredQuestion]) -> Vec<QuestionGroup> {
    let mut groups: Vec<(Vec<String>, QuestionGroup)> = Vec::new();
    for asked in questions {
        let key = wording(&asked.question);
        let key = if key.is_empty() {
            vec![asked.question.trim().to_lowercase()]
        } else {
            key
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.count += 1,
            None => groups.push((
                key,
                QuestionGroup {
                    question: asked.question.clone(),
                    count: 1,
                    last_asked: asked.asked_at,
                },
            )),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
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

    /// The latest `limit` questions whose answers said the resume does not answer them,
    /// newest first.
    async fn unanswered_questions(&self, limit: u32) -> Result<Vec<UnansweredQuestion>, RepoError>;

    /// The latest `limit` questions visitors asked, newest first.
    async fn recent_questions(&self, limit: u32) -> Result<Vec<String>, RepoError>;
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

    fn asked(question: &str, minute: i64) -> UnansweredQuestion {
        UnansweredQuestion {
            question: question.into(),
            asked_at: OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute),
            session_id: SessionId::generate(),
        }
    }

    #[test]
    fn questions_in_much_the_same_words_are_counted_together() {
        let newest_first = [
            asked("What is her favourite pizza?", 9),
            asked("Does she have a salary expectation?", 8),
            asked("what is her FAVOURITE pizza", 7),
            asked("Favourite pizzas?", 6),
            asked("Is she married?", 5),
            asked("???", 4),
        ];
        let groups = group_by_wording(&newest_first);
        let summary: Vec<(&str, u32)> = groups
            .iter()
            .map(|g| (g.question.as_str(), g.count))
            .collect();
        assert_eq!(
            summary,
            [
                ("What is her favourite pizza?", 3),
                ("Does she have a salary expectation?", 1),
                ("Is she married?", 1),
                ("???", 1),
            ]
        );
        assert_eq!(groups[0].last_asked, newest_first[0].asked_at);
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
