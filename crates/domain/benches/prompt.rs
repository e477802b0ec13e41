//! Micro-benchmarks of the chat use case's hot pure work: building and pruning the prompt,
//! counting tokens, and (history) resuming a 500-message conversation and asking in it over an
//! in-memory repository and an instant model, so only the domain's own work is timed.
//!
//! `cargo bench -p domain --bench prompt` (or `just bench-micro`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Mutex};

use adapters_tiktoken::TiktokenCounter;
use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use domain::prompt::{HistoryEntry, PromptBudget, SystemPrompt, build_prompt};
use domain::{
    ChatService, ChatSettings, Conversation, FinishReason, LlmError, LlmEvent, LlmPort, LlmRequest,
    LlmStream, Message, Question, RepoError, RepoPort, Resume, Role, SessionId, TokenCounter,
};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A question and an answer of the sizes seen in practice (a sentence; a short paragraph).
const QUESTION: &str = "What programming languages does she know, and which did she use most?";
const ANSWER: &str = "From the resume: she works mostly in TypeScript and React on the front end, \
with some Node.js for build tooling and a little Python for data scripts. Her current role at \
Kolam Health is TypeScript and React; earlier roles used JavaScript and Angular.";

fn resume() -> Resume {
    let text = include_str!("../../../data/resume.md").repeat(3);
    Resume::with_text("Priya Raman".into(), None, Vec::new(), text)
}

fn budget() -> PromptBudget {
    PromptBudget {
        max_context_tokens: 8000,
        max_response_tokens: 1000,
    }
}

fn history(counter: &TiktokenCounter, n: usize) -> Vec<HistoryEntry> {
    let q = counter.count(QUESTION);
    let a = counter.count(ANSWER);
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                HistoryEntry {
                    role: Role::User,
                    content: QUESTION.into(),
                    tokens: q,
                }
            } else {
                HistoryEntry {
                    role: Role::Assistant,
                    content: ANSWER.into(),
                    tokens: a,
                }
            }
        })
        .collect()
}

fn prompt_building(c: &mut Criterion) {
    let counter = TiktokenCounter::new();
    let system = SystemPrompt::new(&resume(), &counter);
    let question = HistoryEntry {
        role: Role::User,
        content: QUESTION.into(),
        tokens: counter.count(QUESTION),
    };
    let mut group = c.benchmark_group("build_prompt");
    for n in [0usize, 10, 100, 500] {
        let h = history(&counter, n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &h, |b, h| {
            b.iter(|| build_prompt(black_box(&system), black_box(h), &question, budget()));
        });
    }
    group.finish();
}

fn token_counting(c: &mut Criterion) {
    let counter = TiktokenCounter::new();
    let mut group = c.benchmark_group("count_tokens");
    group.bench_function("question", |b| {
        b.iter(|| counter.count(black_box(QUESTION)))
    });
    group.bench_function("answer", |b| b.iter(|| counter.count(black_box(ANSWER))));
    let text = resume().text().to_string();
    group.bench_function("resume_x3", |b| b.iter(|| counter.count(black_box(&text))));
    group.finish();
}

/// Storage in memory: a map of conversations and their messages.
#[derive(Debug, Default)]
struct MemoryRepo {
    conversations: Mutex<HashMap<SessionId, Conversation>>,
    messages: Mutex<HashMap<Uuid, Vec<Message>>>,
}

#[async_trait]
impl RepoPort for MemoryRepo {
    async fn find_conversation(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<Conversation>, RepoError> {
        Ok(self.conversations.lock().unwrap().get(session_id).cloned())
    }
    async fn create_conversation(&self, conversation: &Conversation) -> Result<(), RepoError> {
        self.conversations
            .lock()
            .unwrap()
            .insert(conversation.session_id, conversation.clone());
        Ok(())
    }
    async fn append_message(&self, _message: &Message) -> Result<(), RepoError> {
        // Not kept: asking in the benchmark must not grow the stored conversation.
        Ok(())
    }
    async fn load_history(&self, conversation_id: Uuid) -> Result<Vec<Message>, RepoError> {
        Ok(self
            .messages
            .lock()
            .unwrap()
            .get(&conversation_id)
            .cloned()
            .unwrap_or_default())
    }
    async fn load_recent_history(
        &self,
        conversation_id: Uuid,
        _max_tokens: u32,
    ) -> Result<Vec<Message>, RepoError> {
        // The whole history: the benchmark measures pruning it.
        self.load_history(conversation_id).await
    }
    async fn latest_message_id(&self, conversation_id: Uuid) -> Result<Option<Uuid>, RepoError> {
        // The seeded history's end: what is asked here is not kept, so every question reads
        // (and prunes) the whole history, as the benchmark means to measure.
        Ok(self
            .messages
            .lock()
            .unwrap()
            .get(&conversation_id)
            .and_then(|messages| messages.last().map(|m| m.id)))
    }
    async fn delete_conversation(&self, _session_id: &SessionId) -> Result<bool, RepoError> {
        Ok(false)
    }
    async fn ping(&self) -> Result<(), RepoError> {
        Ok(())
    }
}

/// A model that answers at once with one delta.
#[derive(Debug)]
struct InstantModel;

#[async_trait]
impl LlmPort for InstantModel {
    async fn stream_answer(&self, _request: LlmRequest) -> Result<LlmStream, LlmError> {
        let events = vec![
            Ok(LlmEvent::Delta(ANSWER.to_owned())),
            Ok(LlmEvent::Finished {
                finish_reason: FinishReason::Stop,
                usage: None,
                model: None,
            }),
        ];
        Ok(futures::stream::iter(events).boxed())
    }
    fn describe(&self) -> String {
        "instant".into()
    }
}

/// A service whose repo holds one conversation of `n` messages; token counts stored or not.
fn service_with_history(n: usize, stored_counts: bool) -> (ChatService, SessionId) {
    let counter = TiktokenCounter::new();
    let repo = MemoryRepo::default();
    let conversation = Conversation::new(SessionId::generate());
    let session_id = conversation.session_id;
    let messages: Vec<Message> = (0..n)
        .map(|i| {
            let (role, text) = if i % 2 == 0 {
                (Role::User, QUESTION)
            } else {
                (Role::Assistant, ANSWER)
            };
            let mut m = Message::new(conversation.id, role, text.to_owned());
            m.tokens = stored_counts.then(|| counter.count(text));
            m
        })
        .collect();
    repo.messages
        .lock()
        .unwrap()
        .insert(conversation.id, messages);
    repo.conversations
        .lock()
        .unwrap()
        .insert(session_id, conversation);
    let service = ChatService::new(
        Arc::new(repo),
        Arc::new(InstantModel),
        Arc::new(counter),
        &resume(),
        ChatSettings {
            budget: budget(),
            ..ChatSettings::default()
        },
    );
    (service, session_id)
}

fn history_500(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("history_500");
    for (name, stored) in [("open_counts_stored", true), ("open_counts_missing", false)] {
        let (service, id) = service_with_history(500, stored);
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(service.open(Some(black_box(id)))).unwrap());
        });
    }
    let (service, id) = service_with_history(500, true);
    let (session, resumed) = rt.block_on(service.open(Some(id))).unwrap();
    assert!(resumed);
    group.bench_function("ask_instant_model", |b| {
        b.iter(|| {
            let mut s = session.clone();
            let (tx, mut rx) = mpsc::channel(64);
            let answer = rt.block_on(async {
                let asking = service.ask(
                    &mut s,
                    Question::new(QUESTION, 2000).unwrap(),
                    tx,
                    CancellationToken::new(),
                );
                let draining = async { while rx.recv().await.is_some() {} };
                let (answer, ()) = tokio::join!(asking, draining);
                answer
            });
            black_box(answer.unwrap())
        });
    });
    group.bench_function("clone_session", |b| b.iter(|| black_box(session.clone())));
    group.finish();
}

criterion_group!(benches, prompt_building, token_counting, history_500);
criterion_main!(benches);
