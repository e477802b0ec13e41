//! The ports: what the domain needs from storage ([`RepoPort`]) and from a language model
//! ([`LlmPort`]). Adapters implement them; tests use the mockall mocks (feature `mocks`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use uuid::Uuid;

use crate::model::{Conversation, FinishReason, Message, Role, SessionId, Usage};

/// Storage of conversations and their messages.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RepoPort: Send + Sync + 'static {
    /// The conversation a session id names, if it exists.
    async fn find_conversation(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<Conversation>, RepoError>;

    /// Stores a new conversation.
    async fn create_conversation(&self, conversation: &Conversation) -> Result<(), RepoError>;

    /// Stores one message and touches its conversation's `updated_at`.
    async fn append_message(&self, message: &Message) -> Result<(), RepoError>;

    /// A conversation's messages, oldest first.
    async fn load_history(&self, conversation_id: Uuid) -> Result<Vec<Message>, RepoError>;

    /// A conversation's latest messages, oldest first, going back until their stored token
    /// counts (a message without one counts as 0) reach `max_tokens`, the message that reaches
    /// it included: what a prompt of that budget can hold, read in one statement without the
    /// rest of a long conversation.
    async fn load_recent_history(
        &self,
        conversation_id: Uuid,
        max_tokens: u32,
    ) -> Result<Vec<Message>, RepoError>;

    /// The id of a conversation's latest message (by `created_at`, then id), if it has any:
    /// one row, against which a history kept in memory is checked.
    async fn latest_message_id(&self, conversation_id: Uuid) -> Result<Option<Uuid>, RepoError>;

    /// Erases a conversation and its messages; false when there was none.
    async fn delete_conversation(&self, session_id: &SessionId) -> Result<bool, RepoError>;

    /// Answers when storage can be reached.
    async fn ping(&self) -> Result<(), RepoError>;
}

/// A storage failure, as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// The database could not be reached or did not answer in time; trying again may work.
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// The conversation a message was stored into no longer exists: it was erased meanwhile.
    #[error("the conversation no longer exists")]
    ConversationGone,
    /// Stored data the domain cannot read (e.g. an unknown role).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other failure of the storage layer.
    #[error("storage failed: {0}")]
    Other(String),
}

/// One message of a prompt. Contents are shared, so the resume text is never copied per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptMessage {
    pub role: Role,
    pub content: Arc<str>,
}

/// What is sent to a model: the messages in order and the answer's token limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmRequest {
    pub messages: Vec<PromptMessage>,
    pub max_tokens: u32,
}

impl LlmRequest {
    /// The last user message: the question being asked.
    pub fn question(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.as_ref())
    }
}

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmEvent {
    /// A piece of the answer, in order.
    Delta(String),
    /// The answer is over. Always the last event of a successful stream.
    Finished {
        finish_reason: FinishReason,
        /// Provider-reported usage, when it gave one.
        usage: Option<Usage>,
        /// The model that actually answered (may differ with fallbacks).
        model: Option<String>,
    },
}

/// A streamed answer. Dropping it stops the answer and releases the upstream request.
pub type LlmStream = BoxStream<'static, Result<LlmEvent, LlmError>>;

/// A language model that streams answers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LlmPort: Send + Sync + 'static {
    /// Starts an answer. Errors before the first event come back here; errors after it come
    /// through the stream.
    async fn stream_answer(&self, request: LlmRequest) -> Result<LlmStream, LlmError>;

    /// A short name for logs and the start-up banner ("offline", a model id, …).
    fn describe(&self) -> String;

    /// The resume was reloaded. Models that read it themselves (the offline answerer) take the
    /// new one from here; the others see it in the prompt.
    fn resume_changed(&self, _resume: &crate::Resume) {}
}

/// A model failure, as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The provider kept refusing for rate limits.
    #[error("the model provider is rate limiting requests: {message}")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The provider failed (status, timeout, network, bad reply).
    #[error("the model provider failed: {message}")]
    Provider { message: String },
}
