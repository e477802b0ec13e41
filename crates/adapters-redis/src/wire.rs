//! What instances tell each other about an answer, as JSON in a Redis Stream entry and a
//! pub/sub message. The domain's types carry no serde: these mirror them, and convert both ways.

use std::time::Duration;

use domain::{
    Answer, AnswerOutcome, AskError, ChatSession, Conversation, FinishReason, LlmError, RepoError,
    SessionId, Usage,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One event, with the instance that wrote it (an instance ignores its own).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Envelope {
    /// The writing instance.
    pub i: Uuid,
    pub e: Event,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub(crate) enum Event {
    /// An answer was claimed for the session: `m` is its message id, `q` its question.
    Claimed { m: Uuid, q: String },
    /// Its question is stored; the answer begins.
    Started { m: Uuid },
    /// Piece `s` of the answer.
    Delta { m: Uuid, s: u64, t: String },
    /// The answer is over.
    Finished { m: Uuid, o: Box<Outcome> },
    /// A follower on another instance asked to stop the session's answer (pub/sub only).
    Cancel,
}

impl Event {
    pub fn message_id(&self) -> Option<Uuid> {
        match self {
            Event::Claimed { m, .. }
            | Event::Started { m }
            | Event::Delta { m, .. }
            | Event::Finished { m, .. } => Some(*m),
            Event::Cancel => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Outcome {
    session: Option<Session>,
    result: Option<Result<WireAnswer, WireAskError>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    id: Uuid,
    session_id: Uuid,
    title: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    stored: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireAnswer {
    message_id: Uuid,
    content: String,
    finish_reason: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    model: Option<String>,
    store_error: Option<WireRepoError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WireRepoError {
    Unavailable(String),
    ConversationGone,
    Corrupt(String),
    Other(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WireAskError {
    QuestionNotStored(WireRepoError),
    ConversationGone,
    Llm {
        error: WireLlmError,
        partial: Option<Box<WireAnswer>>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum WireLlmError {
    RateLimited {
        message: String,
        retry_after_ms: Option<u64>,
    },
    Provider {
        message: String,
    },
}

impl From<&AnswerOutcome> for Outcome {
    fn from(outcome: &AnswerOutcome) -> Self {
        Self {
            session: outcome.session.as_ref().map(|s| {
                let c = s.conversation();
                Session {
                    id: c.id,
                    session_id: c.session_id.as_uuid(),
                    title: c.title.clone(),
                    created_at: c.created_at,
                    updated_at: c.updated_at,
                    stored: s.is_stored(),
                }
            }),
            result: outcome.result.as_ref().map(|result| match result {
                Ok(answer) => Ok(WireAnswer::from(answer)),
                Err(err) => Err(WireAskError::from(err)),
            }),
        }
    }
}

impl From<Outcome> for AnswerOutcome {
    fn from(outcome: Outcome) -> Self {
        Self {
            session: outcome.session.map(|s| {
                ChatSession::from_parts(
                    Conversation {
                        id: s.id,
                        session_id: SessionId::from_uuid(s.session_id),
                        title: s.title,
                        created_at: s.created_at,
                        updated_at: s.updated_at,
                    },
                    s.stored,
                )
            }),
            result: outcome.result.map(|result| match result {
                Ok(answer) => Ok(answer.into()),
                Err(err) => Err(err.into()),
            }),
        }
    }
}

impl From<&Answer> for WireAnswer {
    fn from(a: &Answer) -> Self {
        Self {
            message_id: a.message_id,
            content: a.content.clone(),
            finish_reason: a.finish_reason.as_str().to_owned(),
            prompt_tokens: a.usage.prompt_tokens,
            completion_tokens: a.usage.completion_tokens,
            model: a.model.clone(),
            store_error: a.store_error.as_ref().map(WireRepoError::from),
        }
    }
}

impl From<WireAnswer> for Answer {
    fn from(a: WireAnswer) -> Self {
        Self {
            message_id: a.message_id,
            content: a.content,
            finish_reason: FinishReason::parse_lenient(&a.finish_reason),
            usage: Usage {
                prompt_tokens: a.prompt_tokens,
                completion_tokens: a.completion_tokens,
            },
            model: a.model,
            store_error: a.store_error.map(RepoError::from),
        }
    }
}

impl From<&RepoError> for WireRepoError {
    fn from(e: &RepoError) -> Self {
        match e {
            RepoError::Unavailable(m) => Self::Unavailable(m.clone()),
            RepoError::ConversationGone => Self::ConversationGone,
            RepoError::Corrupt(m) => Self::Corrupt(m.clone()),
            RepoError::Other(m) => Self::Other(m.clone()),
        }
    }
}

impl From<WireRepoError> for RepoError {
    fn from(e: WireRepoError) -> Self {
        match e {
            WireRepoError::Unavailable(m) => Self::Unavailable(m),
            WireRepoError::ConversationGone => Self::ConversationGone,
            WireRepoError::Corrupt(m) => Self::Corrupt(m),
            WireRepoError::Other(m) => Self::Other(m),
        }
    }
}

impl From<&AskError> for WireAskError {
    fn from(e: &AskError) -> Self {
        match e {
            AskError::QuestionNotStored(r) => Self::QuestionNotStored(r.into()),
            AskError::ConversationGone => Self::ConversationGone,
            AskError::Llm { error, partial } => Self::Llm {
                error: match error {
                    LlmError::RateLimited {
                        message,
                        retry_after,
                    } => WireLlmError::RateLimited {
                        message: message.clone(),
                        retry_after_ms: retry_after
                            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    },
                    LlmError::Provider { message } => WireLlmError::Provider {
                        message: message.clone(),
                    },
                },
                partial: partial.as_deref().map(|a| Box::new(a.into())),
            },
        }
    }
}

impl From<WireAskError> for AskError {
    fn from(e: WireAskError) -> Self {
        match e {
            WireAskError::QuestionNotStored(r) => Self::QuestionNotStored(r.into()),
            WireAskError::ConversationGone => Self::ConversationGone,
            WireAskError::Llm { error, partial } => Self::Llm {
                error: match error {
                    WireLlmError::RateLimited {
                        message,
                        retry_after_ms,
                    } => LlmError::RateLimited {
                        message,
                        retry_after: retry_after_ms.map(Duration::from_millis),
                    },
                    WireLlmError::Provider { message } => LlmError::Provider { message },
                },
                partial: partial.map(|a| Box::new((*a).into())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn an_outcome_crosses_instances_unchanged() {
        let session = ChatSession::from_parts(Conversation::new(SessionId::generate()), true);
        let answer = Answer {
            message_id: Uuid::now_v7(),
            content: "She writes Rust.".into(),
            finish_reason: FinishReason::Length,
            usage: Usage {
                prompt_tokens: 12,
                completion_tokens: 4,
            },
            model: Some("m".into()),
            store_error: Some(RepoError::Unavailable("down".into())),
        };
        let outcomes = [
            AnswerOutcome {
                session: Some(session.clone()),
                result: Some(Ok(answer.clone())),
            },
            AnswerOutcome {
                session: Some(session),
                result: Some(Err(AskError::Llm {
                    error: LlmError::RateLimited {
                        message: "429".into(),
                        retry_after: Some(Duration::from_secs(3)),
                    },
                    partial: Some(Box::new(answer)),
                })),
            },
            AnswerOutcome::died(),
        ];
        for outcome in outcomes {
            let json = serde_json::to_string(&Outcome::from(&outcome)).unwrap();
            let back: Outcome = serde_json::from_str(&json).unwrap();
            assert_eq!(AnswerOutcome::from(back), outcome);
        }
    }
}
