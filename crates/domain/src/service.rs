//! The chat use case: open a conversation, ask a question, stream and store the answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, warn};
use uuid::Uuid;

use crate::answers::{AnswerFeed, AnswerHub, AnswerOutcome, AnswerPublisher, HubError, MemoryHub};
use crate::grounding::MarkerFilter;
use crate::history_cache::HistoryCache;
use crate::model::{
    AnswerMetadata, Conversation, FinishReason, Message, Question, Role, SessionId, Usage,
};
use crate::ports::{LlmError, LlmEvent, LlmPort, RepoError, RepoPort};
use crate::prompt::{HistoryEntry, PromptBudget, SystemPrompt, build_prompt};
use crate::resume::Resume;
use crate::tokens::TokenCounter;

/// Longest conversation title kept, in characters: enough to recognise it in a list.
const TITLE_MAX_CHARS: usize = 80;

/// Extra attempts at storing a question: one, for a pooled connection that died since its last
/// use (a restarted database); a longer outage is reported at once rather than keeping the
/// visitor waiting before the model is even asked.
const QUESTION_STORE_RETRIES: u32 = 1;

/// How far past `max_response_tokens`, by our own count, an answer may run before it is cut.
/// The provider enforces the limit with the model's tokenizer, which can differ from ours by a
/// fifth or so; the slack keeps honest answers whole while still bounding one that ignores it.
const RESPONSE_TOKEN_SLACK_DIVISOR: u32 = 4;

/// Events queued between an answer and its publisher; the publisher only hands them on, so this
/// only smooths bursts.
const ANSWER_EVENT_BUFFER: usize = 64;

/// What an answer sends as it is made, in order: `Started` once, then its pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerEvent {
    /// The answer has begun (its question is stored); it will be stored under `message_id`.
    Started { message_id: Uuid },
    /// The next piece of the answer, numbered 1, 2, 3, … within it, so that a client can say
    /// which pieces it has.
    Delta { seq: u64, text: String },
}

/// Tunables of the use case, read straight from the configuration: the budget's settings
/// (`MAX_CONTEXT_TOKENS`, `MAX_RESPONSE_TOKENS`); the store retries are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatSettings {
    pub budget: PromptBudget,
    /// Extra attempts at storing an answer before reporting it unsaved.
    pub answer_store_retries: u32,
    /// Wait before the first retry; doubled after each.
    pub answer_store_backoff: Duration,
}

impl<'de> serde::Deserialize<'de> for ChatSettings {
    /// The budget is read from the same fields (not nested), the rest keeps its defaults. It
    /// hands the deserializer on rather than flattening, so a bad value still names its field.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let budget = PromptBudget::deserialize(deserializer)?;
        Ok(Self {
            budget,
            ..Self::default()
        })
    }
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            budget: PromptBudget::default(),
            // 100 + 200 + 400 ms ride out a database fail-over or a lock held by a checkpoint,
            // and still tell the visitor within a second that the answer was not saved.
            answer_store_retries: 3,
            answer_store_backoff: Duration::from_millis(100),
        }
    }
}

/// One visitor's conversation as a connection holds it. Its history is not held: each
/// question reads it from storage (with the token counts stored beside each message, so
/// nothing is re-tokenised), because another tab or another instance may have added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSession {
    conversation: Conversation,
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

    /// True once the conversation is stored (its first question was asked).
    pub fn is_stored(&self) -> bool {
        self.stored
    }

    /// A session as another instance described it (a hub shared between instances).
    pub fn from_parts(conversation: Conversation, stored: bool) -> Self {
        Self {
            conversation,
            stored,
        }
    }

    /// Starts over with a new, not yet stored conversation under a fresh id (the old one was
    /// erased while this session held it).
    fn restart(&mut self) {
        self.conversation = Conversation::new(SessionId::generate());
        self.stored = false;
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

/// Why a question could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The session is already answering (from this socket or another).
    #[error("the session is already answering")]
    Busy,
    /// The answers in flight could not be reached.
    #[error("{0}")]
    Hub(HubError),
}

impl From<HubError> for StartError {
    fn from(err: HubError) -> Self {
        match err {
            HubError::Busy => StartError::Busy,
            other => StartError::Hub(other),
        }
    }
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
    /// The conversation was erased while the session held it, so the question was not asked.
    /// The session has started a new conversation under a new id.
    #[error("the conversation was erased; a new one was started")]
    ConversationGone,
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
    /// Answers in flight, followed by every socket of their session.
    hub: Arc<dyn AnswerHub>,
    /// The answer tasks, so that a shutdown can wait for them to be stored.
    tasks: TaskTracker,
    counter: Arc<dyn TokenCounter>,
    /// The resume and the system prompt built from it, swapped together when it is reloaded.
    current: Arc<ArcSwap<Current>>,
    settings: ChatSettings,
    /// Recent histories of the conversations asked in, checked against storage per question.
    history: Arc<HistoryCache>,
}

/// The resume being answered about, and its system prompt.
#[derive(Debug)]
struct Current {
    resume: Arc<Resume>,
    system: SystemPrompt,
}

impl fmt::Debug for ChatService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatService")
            .field("llm", &self.llm.describe())
            .field("system_prompt_tokens", &self.current.load().system.tokens)
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
        let current = Current {
            resume: Arc::new(resume.clone()),
            system: SystemPrompt::new(resume, counter.as_ref()),
        };
        Self {
            repo,
            llm,
            hub: Arc::new(MemoryHub::default()),
            tasks: TaskTracker::new(),
            counter,
            current: Arc::new(ArcSwap::from_pointee(current)),
            settings,
            history: Arc::new(HistoryCache::new(history_room(settings.budget))),
        }
    }

    /// The same service with its answers in flight kept by `hub` instead of in this process
    /// with the default orphan timeout.
    #[must_use]
    pub fn with_hub(mut self, hub: Arc<dyn AnswerHub>) -> Self {
        self.hub = hub;
        self
    }

    /// The resume being answered about now.
    pub fn resume(&self) -> Arc<Resume> {
        Arc::clone(&self.current.load().resume)
    }

    /// Answers from `resume` from the next question on (and tells the model port): the prompt
    /// text, the sections and the offline index change together. Answers being written finish
    /// with the resume they started with.
    pub fn replace_resume(&self, resume: Resume) {
        let system = SystemPrompt::new(&resume, self.counter.as_ref());
        self.llm.resume_changed(&resume);
        self.current.store(Arc::new(Current {
            resume: Arc::new(resume),
            system,
        }));
    }

    /// Answers when storage takes requests (and writes, when they were failing): readiness.
    ///
    /// # Errors
    /// The storage failure, when there is one.
    pub async fn ready(&self) -> Result<(), RepoError> {
        self.repo.ping().await
    }

    /// Whether the answers in flight are shared as configured; `Err` says what is degraded.
    ///
    /// # Errors
    /// A sentence saying what is degraded.
    pub fn answers_health(&self) -> Result<(), String> {
        self.hub.health()
    }

    /// Opens the conversation `requested` names, or a new one with a fresh id when it names
    /// none (absent, or unknown; an id that is not a UUID is no id, and the edge passes none).
    /// The flag says whether an existing one was resumed.
    ///
    /// # Errors
    /// [`OpenError::Storage`] when storage cannot be read.
    #[tracing::instrument(skip_all, err)]
    pub async fn open(
        &self,
        requested: Option<SessionId>,
    ) -> Result<(ChatSession, bool), OpenError> {
        if let Some(session_id) = requested
            && let Some(conversation) = self.repo.find_conversation(&session_id).await?
        {
            let session = ChatSession {
                conversation,
                stored: true,
            };
            return Ok((session, true));
        }
        let session = ChatSession {
            conversation: Conversation::new(SessionId::generate()),
            stored: false,
        };
        Ok((session, false))
    }

    /// Asks `question` in `session`: stores the question, sends [`AnswerEvent::Started`] with
    /// the id the answer will be stored under, streams the answer's pieces into `events` as
    /// they come, stores the answer, and returns it.
    ///
    /// Cancelling `cancel`, or dropping the receiver of `events`, stops the answer: the model
    /// request is dropped and the partial answer is stored with finish reason `cancelled`. An
    /// answer longer than the response budget (counted here, not trusting the provider) is cut
    /// with finish reason `length`.
    ///
    /// # Errors
    /// - [`AskError::QuestionNotStored`]: storage refused the question; the model was not asked.
    /// - [`AskError::ConversationGone`]: the conversation was erased meanwhile; the model was
    ///   not asked, and `session` now holds a new conversation under a new id.
    /// - [`AskError::Llm`]: the model failed; any partial answer was stored.
    ///
    /// An answer that cannot be stored is not an error: it comes back with `store_error` set
    /// (and, when the conversation was erased meanwhile, `session` starts a new one).
    #[tracing::instrument(skip_all, fields(session = %session.session_id().log_tag()))]
    pub async fn ask(
        &self,
        session: &mut ChatSession,
        question: Question,
        events: mpsc::Sender<AnswerEvent>,
        cancel: CancellationToken,
    ) -> Result<Answer, AskError> {
        self.ask_as(session, question, Uuid::now_v7(), events, cancel)
            .await
    }

    /// [`ChatService::ask`], storing the answer under `answer_id`.
    async fn ask_as(
        &self,
        session: &mut ChatSession,
        question: Question,
        answer_id: Uuid,
        events: mpsc::Sender<AnswerEvent>,
        cancel: CancellationToken,
    ) -> Result<Answer, AskError> {
        // Read now, not held: another tab or instance may have asked since this one last did.
        let (history, latest) = if session.stored {
            self.history(session.conversation.id)
                .await
                .map_err(AskError::QuestionNotStored)?
        } else {
            (Vec::new(), None)
        };

        let question_text = question.into_string();
        let question_tokens = self.counter.count(&question_text);
        let question_entry = HistoryEntry {
            role: Role::User,
            content: question_text.as_str().into(),
            tokens: question_tokens,
        };
        let current = self.current.load_full();
        let prompt = build_prompt(
            &current.system,
            &history,
            &question_entry,
            self.settings.budget,
        );
        debug!(
            prompt_tokens = prompt.prompt_tokens,
            dropped = prompt.dropped_messages,
            "prompt built"
        );

        // The model is asked while the question is stored: its time to first token hides the
        // write. Nothing of the answer is sent before the question is stored; if it cannot be,
        // the model request is dropped.
        let mut stored_question = Message::new(session.conversation.id, Role::User, question_text);
        stored_question.tokens = Some(question_tokens);
        let mut asking = self.llm.stream_answer(prompt.request);
        let mut started = None;
        {
            let mut storing = std::pin::pin!(self.store_question(session, &stored_question));
            let stored = loop {
                tokio::select! {
                    stored = &mut storing => break stored,
                    result = &mut asking, if started.is_none() => started = Some(result),
                }
            };
            stored?;
        }
        let conversation_id = session.conversation.id;
        match latest {
            Some(after) => {
                self.history
                    .append(conversation_id, after, stored_question.id, question_entry)
            }
            None => self
                .history
                .start(conversation_id, stored_question.id, question_entry),
        }

        let outcome = if events
            .send(AnswerEvent::Started {
                message_id: answer_id,
            })
            .await
            .is_err()
        {
            debug!("event receiver gone before the answer began");
            Streamed::cancelled(String::new())
        } else {
            let started = match started {
                Some(started) => Some(started),
                None => tokio::select! {
                    biased;
                    () = cancel.cancelled() => None,
                    started = &mut asking => Some(started),
                },
            };
            match started {
                None => Streamed::cancelled(String::new()),
                Some(Err(error)) => Streamed::Failed {
                    content: String::new(),
                    error,
                },
                Some(Ok(stream)) => self.stream(stream, &events, &cancel).await,
            }
        };
        let (content, finish_reason, usage, model, grounded, failure) = match outcome {
            Streamed::Done {
                content,
                finish_reason,
                usage,
                model,
                grounded,
            } => (content, finish_reason, usage, model, grounded, None),
            Streamed::Failed { content, error } => {
                if content.is_empty() {
                    return Err(AskError::Llm {
                        error,
                        partial: None,
                    });
                }
                (content, FinishReason::Error, None, None, true, Some(error))
            }
        };

        let completion_tokens = self.counter.count(&content);
        let usage = usage.unwrap_or(Usage {
            prompt_tokens: prompt.prompt_tokens,
            completion_tokens,
        });
        let mut stored_answer =
            Message::new(session.conversation.id, Role::Assistant, content.clone());
        stored_answer.id = answer_id;
        // Our own count, not the provider's: it is what later prompts are budgeted with.
        stored_answer.tokens = Some(completion_tokens);
        stored_answer.metadata = Some(AnswerMetadata {
            finish_reason,
            model: model.clone(),
            usage,
            grounded,
        });
        let store_error = self
            .store_message(&stored_answer, self.settings.answer_store_retries)
            .await
            .err();
        if store_error.is_none() {
            let entry = HistoryEntry {
                role: Role::Assistant,
                content: stored_answer.content.as_str().into(),
                tokens: completion_tokens,
            };
            self.history
                .append(conversation_id, stored_question.id, stored_answer.id, entry);
        } else {
            self.history.forget(conversation_id);
        }
        if store_error == Some(RepoError::ConversationGone) {
            session.restart();
        }

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

    /// Starts answering `question` in `session` in a task of its own, which outlives the
    /// socket that asked: its events reach every follower of the session
    /// ([`ChatService::follow`]), ending with the [`AnswerOutcome`] (the answer, stored, or why
    /// there is none). Only [`ChatService::cancel`], the orphan timeout or the end of the
    /// shutdown grace stop it.
    ///
    /// # Errors
    /// - [`StartError::Busy`]: the session is already answering.
    /// - [`StartError::Hub`]: the answers in flight cannot be reached.
    pub async fn start(&self, session: &ChatSession, question: Question) -> Result<(), StartError> {
        let answer_id = Uuid::now_v7();
        let publisher = self
            .hub
            .claim(&session.session_id(), answer_id, question.as_str().into())
            .await?;
        let service = self.clone();
        let session = session.clone();
        self.tasks.spawn(
            async move {
                service
                    .answer(session, question, answer_id, publisher)
                    .await
            }
            .in_current_span(),
        );
        Ok(())
    }

    /// The body of an answer task: asks, publishes each event, then the outcome.
    async fn answer(
        &self,
        mut session: ChatSession,
        question: Question,
        answer_id: Uuid,
        mut publisher: Box<dyn AnswerPublisher>,
    ) {
        let (sender, mut receiver) = mpsc::channel(ANSWER_EVENT_BUFFER);
        let cancel = publisher.cancelled();
        let asking = self.ask_as(&mut session, question, answer_id, sender, cancel);
        let publishing = async {
            while let Some(event) = receiver.recv().await {
                match event {
                    AnswerEvent::Started { .. } => publisher.started().await,
                    AnswerEvent::Delta { seq, text } => publisher.delta(seq, &text).await,
                }
            }
        };
        let (result, ()) = tokio::join!(asking, publishing);
        publisher
            .finish(AnswerOutcome {
                session: Some(session),
                result: Some(result),
            })
            .await;
    }

    /// Follows `session`'s answers: the one in flight from after its piece `after_seq`, then
    /// those asked from any socket.
    ///
    /// # Errors
    /// [`HubError::Unavailable`] when the answers in flight cannot be reached.
    pub async fn follow(
        &self,
        session: &SessionId,
        after_seq: u64,
    ) -> Result<Box<dyn AnswerFeed>, HubError> {
        self.hub.follow(session, after_seq).await
    }

    /// Stops `session`'s answer in flight, from whichever socket asks; false when none was.
    ///
    /// # Errors
    /// [`HubError::Unavailable`] when the answers in flight cannot be reached.
    pub async fn cancel(&self, session: &SessionId) -> Result<bool, HubError> {
        self.hub.cancel(session).await
    }

    /// Stops every answer this process is generating; each is stored as it stands.
    pub fn cancel_answers(&self) {
        self.hub.cancel_all();
    }

    /// Waits up to `patience` for the answers in flight in this process to be stored (at a
    /// shutdown, once no new question can come). Returns how many were still running.
    pub async fn wait_for_answers(&self, patience: Duration) -> usize {
        self.tasks.close();
        if tokio::time::timeout(patience, self.tasks.wait())
            .await
            .is_err()
        {
            warn!(
                answers = self.tasks.len(),
                "answers were still being written when the server stopped"
            );
        }
        self.tasks.len()
    }

    /// The answer tasks running in this process.
    pub fn answers_in_flight(&self) -> usize {
        self.tasks.len()
    }

    /// A conversation's history for a prompt, oldest first, counting the tokens of messages
    /// stored without a count (by older versions), and the id of the latest message in it.
    /// Only the latest messages that the prompt's budget can hold are read: a long conversation
    /// costs no more per question than a short one, and the prompt is the same as from the
    /// whole history (pruned from the oldest end, within less room than this, since the system
    /// prompt and the question take some). A history kept from the last question is used when
    /// storage still ends where it did, which costs one row instead of a prompt's worth.
    async fn history(
        &self,
        conversation_id: Uuid,
    ) -> Result<(Vec<HistoryEntry>, Option<Uuid>), RepoError> {
        let Some(latest) = self.repo.latest_message_id(conversation_id).await? else {
            return Ok((Vec::new(), None));
        };
        if let Some(entries) = self.history.get(conversation_id, latest) {
            return Ok((entries, Some(latest)));
        }
        let room = history_room(self.settings.budget);
        let messages = self.repo.load_recent_history(conversation_id, room).await?;
        // What was read ends with its newest message, which may be newer than `latest`.
        let newest = messages.last().map(|m| m.id);
        let entries: Vec<HistoryEntry> = messages
            .into_iter()
            .filter(|m| m.role != Role::System)
            .map(|m| {
                let tokens = m.tokens.unwrap_or_else(|| self.counter.count(&m.content));
                HistoryEntry {
                    role: m.role,
                    content: m.content.into(),
                    tokens,
                }
            })
            .collect();
        if let Some(newest) = newest {
            self.history.put(conversation_id, newest, entries.clone());
        }
        Ok((entries, newest))
    }

    /// Reads the model's answer from `stream` into `events`, until it ends, fails, is cut at
    /// the response budget, or `cancel` stops it.
    async fn stream(
        &self,
        mut stream: crate::ports::LlmStream,
        events: &mpsc::Sender<AnswerEvent>,
        cancel: &CancellationToken,
    ) -> Streamed {
        let mut seq: u64 = 0;
        let max_tokens = self.settings.budget.max_response_tokens;
        let mut cap =
            ResponseCap::new(max_tokens.saturating_add(max_tokens / RESPONSE_TOKEN_SLACK_DIVISOR));
        let mut content = String::new();
        // The marker of an answer not in the resume is taken out before anything is sent.
        let mut marker = MarkerFilter::default();
        loop {
            let event = tokio::select! {
                biased;
                () = cancel.cancelled() => return Streamed::cancelled(content),
                event = stream.next() => event,
            };
            match event {
                Some(Ok(LlmEvent::Delta(delta))) => {
                    let mut delta = marker.feed(delta);
                    if delta.is_empty() {
                        continue;
                    }
                    let before = content.len();
                    content.push_str(&delta);
                    let over = cap.cut(&content, self.counter.as_ref());
                    if let Some(keep) = over {
                        content.truncate(keep.max(before));
                        delta = content[before..].to_owned();
                    }
                    if !delta.is_empty() {
                        seq += 1;
                        let event = AnswerEvent::Delta { seq, text: delta };
                        if events.send(event).await.is_err() {
                            debug!("event receiver gone; stopping the answer");
                            return Streamed::cancelled(content);
                        }
                    }
                    if over.is_some() {
                        warn!(
                            max_tokens,
                            "the model went past the response limit; the answer was cut"
                        );
                        return Streamed::Done {
                            content,
                            finish_reason: FinishReason::Length,
                            usage: None,
                            model: None,
                            grounded: marker.grounded(),
                        };
                    }
                }
                Some(Ok(LlmEvent::Finished {
                    finish_reason,
                    usage,
                    model,
                })) => {
                    // A short answer that only looked like the start of the marker.
                    let rest = marker.finish();
                    if !rest.is_empty() {
                        content.push_str(&rest);
                        seq += 1;
                        let event = AnswerEvent::Delta { seq, text: rest };
                        if events.send(event).await.is_err() {
                            return Streamed::cancelled(content);
                        }
                    }
                    return Streamed::Done {
                        content,
                        finish_reason,
                        usage,
                        model,
                        grounded: marker.grounded(),
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

    /// Stores the conversation (at its first question, titled after it) and then `question`.
    /// A conversation erased meanwhile makes `session` start a new one.
    async fn store_question(
        &self,
        session: &mut ChatSession,
        question: &Message,
    ) -> Result<(), AskError> {
        if !session.stored {
            session.conversation.title = Some(title_from(&question.content));
            self.repo
                .create_conversation(&session.conversation)
                .await
                .map_err(AskError::QuestionNotStored)?;
            session.stored = true;
        }
        match self.store_message(question, QUESTION_STORE_RETRIES).await {
            Ok(()) => Ok(()),
            Err(RepoError::ConversationGone) => {
                session.restart();
                Err(AskError::ConversationGone)
            }
            Err(error) => Err(AskError::QuestionNotStored(error)),
        }
    }

    /// Stores `message`, trying again up to `retries` times after failures that may pass.
    async fn store_message(&self, message: &Message, retries: u32) -> Result<(), RepoError> {
        let mut wait = self.settings.answer_store_backoff;
        let mut attempt = 0;
        loop {
            match self.repo.append_message(message).await {
                Ok(()) => return Ok(()),
                Err(error @ (RepoError::ConversationGone | RepoError::Corrupt(_))) => {
                    return Err(error);
                }
                Err(error) if attempt < retries => {
                    attempt += 1;
                    warn!(%error, attempt, role = message.role.as_str(), "storing a message failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Holds an answer to a token budget by our own count, counting only when it could be over:
/// a token is at least one byte, so a text of `n` bytes under a count of `c` has room for at
/// least `max - c` more bytes. An answer well within the budget is counted once or twice.
struct ResponseCap {
    max_tokens: u32,
    /// Texts up to this many bytes are known to fit.
    fits_up_to: usize,
}

impl ResponseCap {
    fn new(max_tokens: u32) -> Self {
        Self {
            max_tokens,
            fits_up_to: usize::try_from(max_tokens).unwrap_or(usize::MAX),
        }
    }

    /// `None` while `text` fits; otherwise the byte length of its longest prefix that does.
    fn cut(&mut self, text: &str, counter: &dyn TokenCounter) -> Option<usize> {
        if text.len() <= self.fits_up_to {
            return None;
        }
        let tokens = counter.count(text);
        if tokens <= self.max_tokens {
            let room = usize::try_from(self.max_tokens - tokens).unwrap_or(usize::MAX);
            self.fits_up_to = text.len().saturating_add(room);
            return None;
        }
        Some(counter.truncate(text, self.max_tokens).len())
    }
}

/// How streaming an answer ended.
enum Streamed {
    Done {
        content: String,
        finish_reason: FinishReason,
        usage: Option<Usage>,
        model: Option<String>,
        /// False when the answerer marked the answer as not in the resume.
        grounded: bool,
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
            grounded: true,
        }
    }
}

/// The tokens of history a prompt within `budget` can hold at most.
fn history_room(budget: PromptBudget) -> u32 {
    budget
        .max_context_tokens
        .saturating_sub(budget.max_response_tokens)
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
