//! The core of resume chat: what a conversation is, the ports through which the outside world
//! (storage, language models) is reached, and the [`ChatService`] use case that ties them.
//!
//! This crate must not depend on HTTP, SQL or JSON wire formats, nor on any adapter crate:
//! adapters depend on it, never the other way round.

pub mod answers;
pub mod archive;
pub mod grounding;
mod history_cache;
pub mod model;
pub mod ports;
pub mod prompt;
pub mod resume;
pub mod retention;
pub mod service;
pub mod tokens;
pub mod topics;

pub use answers::{
    AnswerFeed, AnswerHub, AnswerOutcome, AnswerPublisher, Answering, FeedEvent, HubError,
    HubSettings, MemoryHub,
};
pub use archive::{
    ArchivePort, ConversationCursor, ConversationQuery, ConversationSummary, QuestionGroup,
    UnansweredQuestion, group_by_wording,
};
pub use grounding::NOT_IN_RESUME;
pub use model::{
    AnswerMetadata, Conversation, FinishReason, Message, Question, QuestionError, Role, SessionId,
    SessionIdError, SessionTag, Usage,
};
pub use ports::{
    LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, PromptMessage, RepoError, RepoPort,
};
pub use resume::{Resume, ResumeSection};
pub use retention::{
    BatchOutcome, DEFAULT_RETENTION_BATCH, RetentionPolicy, RetentionPort, RetentionSettings,
    SweepSummary,
};
pub use service::{
    Answer, AnswerEvent, AskError, ChatService, ChatSession, ChatSettings, OpenError, StartError,
};
pub use tokens::TokenCounter;
pub use topics::{TopicCount, top_topics};
