//! The chat use case: open a conversation, ask a question, stream and store the answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};
use uuid::Uuid;

use crate::model::{
    AnswerMetadata, Conversation, FinishReason, Message, Question, Role, SessionId, Usage,
};
use crate::ports::{LlmError, LlmEvent, LlmPort, RepoError, RepoPort};
use crate::prompt::{HistoryEntry, PromptBudget, SystemPrompt, build_prompt};
use crate::resume::Resume;
use crate::tokens::TokenCounter;

/// Longest conversation title kept, in characters: enough to recognise it in a list.
const TITLE_MAX_CHARS: usize = 80;

/// Tunables of the use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatSettings {
    pub budget: PromptBudget,
    /// Extra attempts at storing an answer before reporting it unsaved.
    pub answer_store_retries: u32,
    /// Wait before the first retry; doubled after each.
    pub answer_store_backoff: Duration,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            budget: PromptBudget {
                max_context_tokens: 8000,
                max_response_tokens: 1000,
            },
            answer_store_retries: 3,
            answer_store_backoff: Duration::from_millis(100),
        }
    }
}

/// One visitor's conversation as a connection holds it: the conversation and its history with
/// token counts, loaded once when the connection opens and kept up to date as it goes, so a
/// question never re-reads or re-tokenises the whole history.
#[derive(Debug, Clone)]
pub struct ChatSession {
    conversation: Conversation,
    history: Vec<HistoryEntry>,
    /// False until the first question stores the conversation: visitors who never ask leave
    /// nothing behind.
    stored: bool,
}

impl ChatSession {
    pub fn session_id(&self) -> SessionId {
        self.conversation.session_id
    }

    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    pub fn history(&self) -> &[HistoryEntry] {
        &self.history
    }
}

/// A finished answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The stored message's id (the id it was meant to have when `store_error` is set).
    pub message_id: Uuid,
    pub content: String,
    pub finish_reason: FinishReason,
    pub usage: Usage,
    pub model: Option<String>,
    /// Set when the answer could not be stored even after retries; it was still produced.
    pub store_error: Option<RepoError>,
}

/// Why a conversation could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("could not look up the conversation: {0}")]
    Storage(#[from] RepoError),
}

/// Why a question got no complete answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// The question could not be stored, so the model was not asked.
    #[error("the question could not be stored: {0}")]
    QuestionNotStored(RepoError),
    /// The model failed. `partial` is the part of the answer that was streamed before the
    /// failure, stored with finish reason `error`, when there was any.
    #[error("the model failed: {error}")]
    Llm {
        error: LlmError,
        partial: Option<Box<Answer>>,
    },
}

/// The chat use case over a storage port and a model port.
///
/// Ports are trait objects because which adapters run is chosen at start from configuration.
#[derive(Clone)]
pub struct ChatService {
    repo: Arc<dyn RepoPort>,
    llm: Arc<dyn LlmPort>,
    counter: Arc<dyn TokenCounter>,
    system: SystemPrompt,
    settings: ChatSettings,
}

impl fmt::Debug for ChatService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatService")
            .field("llm", &self.llm.describe())
            .field("system_prompt_tokens", &self.system.tokens)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ChatService {
    pub fn new(
        repo: Arc<dyn RepoPort>,
        llm: Arc<dyn LlmPort>,
        counter: Arc<dyn TokenCounter>,
        resume: &Resume,
        settings: ChatSettings,
    ) -> Self {
        let system = SystemPrompt::new(resume, counter.as_ref());
        Self {
            repo,
            llm,
            counter,
            system,
            settings,
        }
    }

    pub fn repo(&self) -> &Arc<dyn RepoPort> {
        &self.repo
    }

    pub fn llm(&self) -> &Arc<dyn LlmPort> {
        &self.llm
    }

    /// Opens the conversation `requested` names, or a new one with a fresh id when it names
    /// none (absent, not a UUID, or unknown). The flag says whether an existing one was resumed.
    ///
    /// # Errors
    /// [`OpenError::Storage`] when storage cannot be read.
    #[tracing::instrument(skip(self), err)]
    pub async fn open(&self, requested: Option<&str>) -> Result<(ChatSession, bool), OpenError> {
        if let Some(session_id) = requested.and_then(|s| s.parse::<SessionId>().ok())
            && let Some(conversation) = self.repo.find_conversation(&session_id).await?
        {
            let messages = self.repo.load_history(conversation.id).await?;
            let history = messages
                .into_iter()
                .filter(|m| m.role != Role::System)
                .map(|m| self.history_entry(m.role, m.content.into(), m.tokens))
                .collect();
            let session = ChatSession {
                conversation,
                history,
                stored: true,
            };
            return Ok((session, true));
        }
        let session = ChatSession {
            conversation: Conversation::new(SessionId::generate()),
            history: Vec::new(),
            stored: false,
        };
        Ok((session, false))
    }

    /// Asks `question` in `session`: stores the question, streams the answer's pieces into
    /// `deltas` as they come, stores the answer, and returns it.
    ///
    /// Cancelling `cancel`, or dropping the receiver of `deltas`, stops the answer: the model
    /// request is dropped and the partial answer is stored with finish reason `cancelled`.
    ///
    /// # Errors
    /// - [`AskError::QuestionNotStored`]: storage refused the question; the model was not asked.
    /// - [`AskError::Llm`]: the model failed; any partial answer was stored.
    ///
    /// An answer that cannot be stored is not an error: it comes back with `store_error` set.
    #[tracing::instrument(skip_all, fields(session_id = %session.session_id()))]
    pub async fn ask(
        &self,
        session: &mut ChatSession,
        question: Question,
        deltas: mpsc::Sender<String>,
        cancel: CancellationToken,
    ) -> Result<Answer, AskError> {
        if !session.stored {
            session.conversation.title = Some(title_from(question.as_str()));
            self.repo
                .create_conversation(&session.conversation)
                .await
                .map_err(AskError::QuestionNotStored)?;
            session.stored = true;
        }

        let question_text = question.into_string();
        let question_tokens = self.counter.count(&question_text);
        let question_entry = HistoryEntry {
            role: Role::User,
            content: question_text.as_str().into(),
            tokens: question_tokens,
        };
        let prompt = build_prompt(
            &self.system,
            &session.history,
            &question_entry,
            self.settings.budget,
        );
        debug!(
            prompt_tokens = prompt.prompt_tokens,
            dropped = prompt.dropped_messages,
            "prompt built"
        );

        let mut stored_question = Message::new(session.conversation.id, Role::User, question_text);
        stored_question.tokens = Some(question_tokens);
        self.repo
            .append_message(&stored_question)
            .await
            .map_err(AskError::QuestionNotStored)?;
        session.history.push(question_entry);

        let outcome = self.stream(prompt.request, &deltas, &cancel).await;
        let (content, finish_reason, usage, model, failure) = match outcome {
            Streamed::Done {
                content,
                finish_reason,
                usage,
                model,
            } => (content, finish_reason, usage, model, None),
            Streamed::Failed { content, error } => {
                if content.is_empty() {
                    return Err(AskError::Llm {
                        error,
                        partial: None,
                    });
                }
                (content, FinishReason::Error, None, None, Some(error))
            }
        };

        let completion_tokens = self.counter.count(&content);
        let usage = usage.unwrap_or(Usage {
            prompt_tokens: prompt.prompt_tokens,
            completion_tokens,
        });
        let mut stored_answer =
            Message::new(session.conversation.id, Role::Assistant, content.clone());
        stored_answer.tokens = Some(usage.completion_tokens);
        stored_answer.metadata = Some(AnswerMetadata {
            finish_reason,
            model: model.clone(),
            usage,
        });
        let store_error = self.store_answer(&stored_answer).await.err();
        session.history.push(HistoryEntry {
            role: Role::Assistant,
            content: content.as_str().into(),
            tokens: completion_tokens,
        });

        let answer = Answer {
            message_id: stored_answer.id,
            content,
            finish_reason,
            usage,
            model,
            store_error,
        };
        match failure {
            Some(error) => Err(AskError::Llm {
                error,
                partial: Some(Box::new(answer)),
            }),
            None => Ok(answer),
        }
    }

    /// A conversation's stored messages, oldest first; `None` when the session is unknown.
    ///
    /// # Errors
    /// The storage failure, when there is one.
    pub async fn messages(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<Vec<Message>>, RepoError> {
        match self.repo.find_conversation(session_id).await? {
            Some(conversation) => Ok(Some(self.repo.load_history(conversation.id).await?)),
            None => Ok(None),
        }
    }

    /// Erases a conversation; false when it did not exist.
    ///
    /// # Errors
    /// The storage failure, when there is one.
    pub async fn erase(&self, session_id: &SessionId) -> Result<bool, RepoError> {
        self.repo.delete_conversation(session_id).await
    }

    fn history_entry(&self, role: Role, content: Arc<str>, tokens: Option<u32>) -> HistoryEntry {
        let tokens = tokens.unwrap_or_else(|| self.counter.count(&content));
        HistoryEntry {
            role,
            content,
            tokens,
        }
    }

    async fn stream(
        &self,
        request: crate::ports::LlmRequest,
        deltas: &mpsc::Sender<String>,
        cancel: &CancellationToken,
    ) -> Streamed {
        let mut content = String::new();
        let started = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            started = self.llm.stream_answer(request) => Some(started),
        };
        let mut stream = match started {
            None => return Streamed::cancelled(content),
            Some(Err(error)) => return Streamed::Failed { content, error },
            Some(Ok(stream)) => stream,
        };
        loop {
            let event = tokio::select! {
                biased;
                () = cancel.cancelled() => return Streamed::cancelled(content),
                event = stream.next() => event,
            };
            match event {
                Some(Ok(LlmEvent::Delta(delta))) => {
                    if delta.is_empty() {
                        continue;
                    }
                    content.push_str(&delta);
                    if deltas.send(delta).await.is_err() {
                        debug!("delta receiver gone; stopping the answer");
                        return Streamed::cancelled(content);
                    }
                }
                Some(Ok(LlmEvent::Finished {
                    finish_reason,
                    usage,
                    model,
                })) => {
                    return Streamed::Done {
                        content,
                        finish_reason,
                        usage,
                        model,
                    };
                }
                Some(Err(error)) => return Streamed::Failed { content, error },
                None => {
                    return Streamed::Failed {
                        content,
                        error: LlmError::Provider {
                            message: "the answer stream ended before it was finished".into(),
                        },
                    };
                }
            }
        }
    }

    async fn store_answer(&self, message: &Message) -> Result<(), RepoError> {
        let mut wait = self.settings.answer_store_backoff;
        let mut attempt = 0;
        loop {
            match self.repo.append_message(message).await {
                Ok(()) => return Ok(()),
                Err(error) if attempt < self.settings.answer_store_retries => {
                    attempt += 1;
                    warn!(%error, attempt, "storing the answer failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// How streaming an answer ended.
enum Streamed {
    Done {
        content: String,
        finish_reason: FinishReason,
        usage: Option<Usage>,
        model: Option<String>,
    },
    Failed {
        content: String,
        error: LlmError,
    },
}

impl Streamed {
    fn cancelled(content: String) -> Self {
        Streamed::Done {
            content,
            finish_reason: FinishReason::Cancelled,
            usage: None,
            model: None,
        }
    }
}

fn title_from(question: &str) -> String {
    let line = question.lines().next().unwrap_or(question);
    match line.char_indices().nth(TITLE_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests;
