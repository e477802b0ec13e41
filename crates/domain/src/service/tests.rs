//! The use case against mocked ports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, stream};
use mockall::{Sequence, predicate};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::*;
use crate::answers::FeedEvent;
use crate::ports::{LlmRequest, LlmStream, MockLlmPort, MockRepoPort};
use crate::prompt::PromptBudget;
use crate::resume::{Resume, ResumeSection};

/// Counts words: easy to reason about in budget tests.
#[derive(Debug)]
struct WordCounter;

impl TokenCounter for WordCounter {
    fn count(&self, text: &str) -> u32 {
        u32::try_from(text.split_whitespace().count()).unwrap()
    }
}

fn resume() -> Resume {
    Resume::from_sections(
        "Ada Example".into(),
        Some("Engineer".into()),
        vec![ResumeSection {
            heading: "Skills".into(),
            facts: vec!["Rust, Go".into()],
        }],
    )
}

fn settings() -> ChatSettings {
    ChatSettings {
        budget: PromptBudget {
            max_context_tokens: 8000,
            max_response_tokens: 1000,
        },
        answer_store_retries: 2,
        answer_store_backoff: Duration::from_millis(1),
    }
}

fn service(repo: MockRepoPort, llm: MockLlmPort) -> ChatService {
    ChatService::new(
        Arc::new(repo),
        Arc::new(llm),
        Arc::new(WordCounter),
        &resume(),
        settings(),
    )
}

fn answer_stream(pieces: &[&str]) -> LlmStream {
    let mut events: Vec<Result<LlmEvent, LlmError>> = pieces
        .iter()
        .map(|p| Ok(LlmEvent::Delta((*p).to_owned())))
        .collect();
    events.push(Ok(LlmEvent::Finished {
        finish_reason: FinishReason::Stop,
        usage: Some(Usage {
            prompt_tokens: 120,
            completion_tokens: 7,
        }),
        model: Some("test-model".into()),
    }));
    stream::iter(events).boxed()
}

/// Set when the stream it is moved into is dropped.
struct DropFlag(Arc<std::sync::atomic::AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// [`answer_stream`], and a flag that says whether the stream was dropped.
fn watched_answer_stream(pieces: &[&str]) -> (LlmStream, Arc<std::sync::atomic::AtomicBool>) {
    let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = DropFlag(Arc::clone(&dropped));
    let stream = answer_stream(pieces)
        .map(move |event| {
            let _alive = &flag;
            event
        })
        .boxed();
    (stream, dropped)
}

fn question(text: &str) -> Question {
    Question::new(text, 2000).unwrap()
}

fn stored_message(
    conversation_id: Uuid,
    role: Role,
    content: &str,
    tokens: Option<u32>,
) -> Message {
    Message {
        tokens,
        ..Message::new(conversation_id, role, content.to_owned())
    }
}

fn existing_conversation() -> Conversation {
    Conversation {
        id: Uuid::now_v7(),
        session_id: SessionId::generate(),
        title: Some("old".into()),
        created_at: OffsetDateTime::now_utc(),
        updated_at: OffsetDateTime::now_utc(),
    }
}

async fn ask_collecting(
    service: &ChatService,
    session: &mut ChatSession,
    text: &str,
) -> (Result<Answer, AskError>, Vec<String>) {
    let (tx, mut rx) = mpsc::channel(64);
    let result = service
        .ask(session, question(text), tx, CancellationToken::new())
        .await;
    let mut deltas = Vec::new();
    let mut started = None;
    while let Ok(event) = rx.try_recv() {
        match event {
            AnswerEvent::Started { message_id } => {
                assert!(
                    started.is_none() && deltas.is_empty(),
                    "Started comes first, once"
                );
                started = Some(message_id);
            }
            AnswerEvent::Delta { seq, text } => {
                assert_eq!(
                    seq,
                    deltas.len() as u64 + 1,
                    "pieces are numbered 1, 2, 3, …"
                );
                deltas.push(text);
            }
        }
    }
    if let (Some(started), Ok(answer)) = (started, &result) {
        assert_eq!(
            started, answer.message_id,
            "the announced id is the stored one"
        );
    }
    (result, deltas)
}

#[tokio::test]
async fn new_session_gets_a_fresh_id_and_touches_no_storage() {
    // No expectations: any repo call would panic.
    let service = service(MockRepoPort::new(), MockLlmPort::new());
    let (_session, resumed) = service.open(None).await.unwrap();
    assert!(!resumed);
}

#[tokio::test]
async fn unknown_session_starts_a_new_conversation_with_another_id() {
    let mut repo = MockRepoPort::new();
    repo.expect_find_conversation().returning(|_| Ok(None));
    let service = service(repo, MockLlmPort::new());
    let presented = SessionId::generate();
    let (session, resumed) = service.open(Some(presented)).await.unwrap();
    assert!(!resumed);
    assert_ne!(session.session_id(), presented, "clients never choose ids");
}

#[tokio::test]
async fn each_question_reads_the_stored_history_and_counts_missing_tokens() {
    let conversation = existing_conversation();
    let cid = conversation.id;
    let sid = conversation.session_id;
    let mut repo = MockRepoPort::new();
    repo.expect_find_conversation()
        .with(predicate::eq(sid))
        .returning(move |_| Ok(Some(conversation.clone())));
    repo.expect_latest_message_id()
        .with(predicate::eq(cid))
        .returning(|_| Ok(Some(Uuid::now_v7())));
    repo.expect_load_recent_history()
        .with(predicate::eq(cid), predicate::eq(7000))
        .returning(move |_, _| {
            Ok(vec![
                stored_message(cid, Role::User, "what languages", Some(2)),
                stored_message(cid, Role::Assistant, "Rust and Go mostly", None),
            ])
        });
    let service = service(repo, MockLlmPort::new());
    let (session, resumed) = service.open(Some(sid)).await.unwrap();
    assert!(resumed);
    assert_eq!(session.session_id(), sid);
    let tokens: Vec<u32> = service
        .history(cid)
        .await
        .unwrap()
        .0
        .iter()
        .map(|e| e.tokens)
        .collect();
    assert_eq!(
        tokens,
        vec![2, 4],
        "stored counts are used, missing ones counted"
    );
}

#[tokio::test]
async fn open_reports_storage_failure() {
    let mut repo = MockRepoPort::new();
    repo.expect_find_conversation()
        .returning(|_| Err(RepoError::Unavailable("down".into())));
    let service = service(repo, MockLlmPort::new());
    let err = service.open(Some(SessionId::generate())).await.unwrap_err();
    assert_eq!(
        err,
        OpenError::Storage(RepoError::Unavailable("down".into()))
    );
}

#[tokio::test]
async fn question_is_stored_before_the_model_is_called_and_answer_before_it_is_returned() {
    let mut seq = Sequence::new();
    let mut repo = MockRepoPort::new();
    let mut llm = MockLlmPort::new();
    let stored_answer_id = Arc::new(Mutex::new(None));

    repo.expect_create_conversation()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|c| c.title.as_deref() == Some("What languages?"))
        .returning(|_| Ok(()));
    repo.expect_append_message()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|m| m.role == Role::User && m.content == "What languages?" && m.tokens == Some(2))
        .returning(|_| Ok(()));
    // Asked while the question is stored, so not in the storage sequence.
    llm.expect_stream_answer()
        .times(1)
        .returning(|_| Ok(answer_stream(&["Rust ", "and ", "Go."])));
    let seen = Arc::clone(&stored_answer_id);
    repo.expect_append_message()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|m| {
            // The stored count is ours (3 words), not the provider's 7.
            m.role == Role::Assistant
                && m.content == "Rust and Go."
                && m.tokens == Some(3)
                && m.metadata
                    == Some(AnswerMetadata {
                        finish_reason: FinishReason::Stop,
                        model: Some("test-model".into()),
                        usage: Usage {
                            prompt_tokens: 120,
                            completion_tokens: 7,
                        },
                        grounded: true,
                    })
        })
        .returning(move |m| {
            *seen.lock().unwrap() = Some(m.id);
            Ok(())
        });

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "  What languages?  ").await;
    let answer = result.unwrap();

    assert_eq!(deltas.concat(), answer.content);
    assert_eq!(answer.content, "Rust and Go.");
    assert_eq!(Some(answer.message_id), *stored_answer_id.lock().unwrap());
    assert_eq!(answer.finish_reason, FinishReason::Stop);
    assert_eq!(answer.store_error, None);
}

#[tokio::test]
async fn prompt_carries_rules_resume_history_then_question() {
    let conversation = existing_conversation();
    let cid = conversation.id;
    let sid = conversation.session_id;
    let mut repo = MockRepoPort::new();
    repo.expect_find_conversation()
        .returning(move |_| Ok(Some(conversation.clone())));
    repo.expect_latest_message_id()
        .returning(|_| Ok(Some(Uuid::now_v7())));
    repo.expect_load_recent_history().returning(move |_, _| {
        Ok(vec![
            stored_message(cid, Role::User, "first question", Some(2)),
            stored_message(cid, Role::Assistant, "first answer", Some(2)),
        ])
    });
    repo.expect_append_message().returning(|_| Ok(()));
    let seen: Arc<Mutex<Option<LlmRequest>>> = Arc::default();
    let record = Arc::clone(&seen);
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(move |request| {
        *record.lock().unwrap() = Some(request);
        Ok(answer_stream(&["ok"]))
    });

    let service = service(repo, llm);
    let (mut session, resumed) = service.open(Some(sid)).await.unwrap();
    assert!(resumed);
    let (result, _) = ask_collecting(&service, &mut session, "second question").await;
    result.unwrap();

    let request = seen.lock().unwrap().clone().unwrap();
    let shape: Vec<(Role, String)> = request
        .messages
        .iter()
        .map(|m| (m.role, m.content.to_string()))
        .collect();
    assert_eq!(shape.len(), 4);
    assert_eq!(shape[0].0, Role::System);
    assert!(shape[0].1.contains("Answer only from the resume"));
    assert!(shape[0].1.contains("# Ada Example") && shape[0].1.contains("- Rust, Go"));
    assert_eq!(shape[1], (Role::User, "first question".to_owned()));
    assert_eq!(shape[2], (Role::Assistant, "first answer".to_owned()));
    assert_eq!(shape[3], (Role::User, "second question".to_owned()));
    assert_eq!(request.max_tokens, 1000);
}

#[tokio::test]
async fn question_not_stored_means_the_model_request_is_dropped_unread() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    // The first attempt and one retry; no answer is stored.
    repo.expect_append_message()
        .times(2)
        .returning(|_| Err(RepoError::Unavailable("gone".into())));
    let (stream, dropped) = watched_answer_stream(&["never ", "sent"]);
    let stream = Mutex::new(Some(stream));
    let mut llm = MockLlmPort::new();
    // Asked while the question is being stored.
    llm.expect_stream_answer()
        .times(0..=1)
        .returning(move |_| Ok(stream.lock().unwrap().take().unwrap()));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "hello?").await;
    assert_eq!(
        result.unwrap_err(),
        AskError::QuestionNotStored(RepoError::Unavailable("gone".into()))
    );
    assert!(
        deltas.is_empty(),
        "nothing of the answer is sent: {deltas:?}"
    );
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn conversation_not_stored_means_no_answer() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation()
        .returning(|_| Err(RepoError::Other("constraint".into())));
    repo.expect_append_message().never();
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .times(0..=1)
        .returning(|_| Ok(answer_stream(&["never sent"])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "hello?").await;
    assert!(matches!(result, Err(AskError::QuestionNotStored(_))));
    assert!(deltas.is_empty());
}

#[tokio::test]
async fn model_failing_before_any_delta_stores_no_answer() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .times(1)
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(|_| {
        Err(LlmError::RateLimited {
            message: "slow down".into(),
            retry_after: Some(Duration::from_secs(3)),
        })
    });

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    match result.unwrap_err() {
        AskError::Llm { error, partial } => {
            assert!(matches!(error, LlmError::RateLimited { .. }));
            assert!(partial.is_none());
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn model_failing_mid_answer_stores_the_partial_answer_as_an_error() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    repo.expect_append_message()
        .times(1)
        .withf(|m| {
            m.role == Role::Assistant
                && m.content == "Partial "
                && m.metadata.as_ref().map(|x| x.finish_reason) == Some(FinishReason::Error)
        })
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(|_| {
        Ok(stream::iter(vec![
            Ok(LlmEvent::Delta("Partial ".into())),
            Err(LlmError::Provider {
                message: "upstream error".into(),
            }),
        ])
        .boxed())
    });

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "hello?").await;
    assert_eq!(deltas, vec!["Partial "]);
    match result.unwrap_err() {
        AskError::Llm {
            error: LlmError::Provider { .. },
            partial: Some(partial),
        } => {
            assert_eq!(partial.content, "Partial ");
            assert_eq!(partial.finish_reason, FinishReason::Error);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn stream_that_ends_without_finishing_is_a_provider_error() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message().returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .returning(|_| Ok(stream::iter(vec![Ok(LlmEvent::Delta("cut".into()))]).boxed()));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    assert!(matches!(
        result,
        Err(AskError::Llm {
            error: LlmError::Provider { .. },
            partial: Some(_)
        })
    ));
}

#[tokio::test]
async fn answer_that_cannot_be_stored_is_still_returned_with_the_failure() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    // One attempt plus two retries.
    repo.expect_append_message()
        .times(3)
        .withf(|m| m.role == Role::Assistant)
        .returning(|_| Err(RepoError::Unavailable("disk full".into())));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .returning(|_| Ok(answer_stream(&["fine"])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    let answer = result.unwrap();
    assert_eq!(answer.content, "fine");
    assert_eq!(
        answer.store_error,
        Some(RepoError::Unavailable("disk full".into()))
    );
}

#[tokio::test]
async fn answer_store_recovers_on_retry() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    let attempts = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&attempts);
    repo.expect_append_message()
        .withf(|m| m.role == Role::Assistant)
        .returning(move |_| {
            let mut n = counted.lock().unwrap();
            *n += 1;
            if *n == 1 {
                Err(RepoError::Unavailable("blip".into()))
            } else {
                Ok(())
            }
        });
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .returning(|_| Ok(answer_stream(&["fine"])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    assert_eq!(result.unwrap().store_error, None);
    assert_eq!(*attempts.lock().unwrap(), 2);
}

#[tokio::test]
async fn cancel_stops_the_answer_and_stores_what_was_said() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    repo.expect_append_message()
        .times(1)
        .withf(|m| {
            m.role == Role::Assistant
                && m.content == "Half an"
                && m.metadata.as_ref().map(|x| x.finish_reason) == Some(FinishReason::Cancelled)
        })
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(|_| {
        Ok(stream::iter(vec![Ok(LlmEvent::Delta("Half an".into()))])
            .chain(stream::pending())
            .boxed())
    });

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (tx, mut rx) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let (result, ()) = tokio::join!(
        service.ask(&mut session, question("go on"), tx, cancel.clone()),
        async {
            assert!(matches!(rx.recv().await, Some(AnswerEvent::Started { .. })));
            assert_eq!(
                rx.recv().await,
                Some(AnswerEvent::Delta {
                    seq: 1,
                    text: "Half an".into()
                })
            );
            cancel.cancel();
        }
    );
    let answer = result.unwrap();
    assert_eq!(answer.finish_reason, FinishReason::Cancelled);
    assert_eq!(answer.content, "Half an");
}

#[tokio::test]
async fn a_listener_that_goes_away_cancels_the_answer() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message().returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(|_| {
        Ok(stream::iter(vec![Ok(LlmEvent::Delta("a".into()))])
            .chain(stream::pending())
            .boxed())
    });
    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (tx, rx) = mpsc::channel(8);
    drop(rx);
    let answer = service
        .ask(&mut session, question("hi"), tx, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(answer.finish_reason, FinishReason::Cancelled);
}

/// A repository over a list of messages: what one question stores the next one reads back,
/// and `foreign` adds a message as another instance would. Counts history reads.
fn listed_repo(stored: &Arc<Mutex<Vec<Message>>>, reads: &Arc<Mutex<usize>>) -> MockRepoPort {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation()
        .times(1)
        .returning(|_| Ok(()));
    let append = Arc::clone(stored);
    repo.expect_append_message().returning(move |m| {
        append.lock().unwrap().push(m.clone());
        Ok(())
    });
    let latest = Arc::clone(stored);
    repo.expect_latest_message_id()
        .returning(move |_| Ok(latest.lock().unwrap().last().map(|m| m.id)));
    let read = Arc::clone(stored);
    let counted = Arc::clone(reads);
    repo.expect_load_recent_history().returning(move |_, _| {
        *counted.lock().unwrap() += 1;
        Ok(read.lock().unwrap().clone())
    });
    repo
}

/// A model answering "answer" to everything, and the requests it got.
fn recording_llm() -> (MockLlmPort, Arc<Mutex<Vec<LlmRequest>>>) {
    let requests: Arc<Mutex<Vec<LlmRequest>>> = Arc::default();
    let record = Arc::clone(&requests);
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(move |r| {
        record.lock().unwrap().push(r);
        Ok(answer_stream(&["answer"]))
    });
    (llm, requests)
}

/// Asks each question in turn in one session; returns the requests the model got.
async fn ask_in_turn(repo: MockRepoPort, questions: &[&str]) -> Vec<LlmRequest> {
    let (llm, requests) = recording_llm();
    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    for question in questions {
        ask_collecting(&service, &mut session, question)
            .await
            .0
            .unwrap();
    }
    requests.lock().unwrap().clone()
}

fn history_of(request: &LlmRequest) -> Vec<String> {
    request
        .messages
        .iter()
        .skip(1)
        .map(|m| m.content.to_string())
        .collect()
}

#[tokio::test]
async fn the_next_prompt_comes_from_the_kept_history_while_storage_ends_where_it_did() {
    let stored: Arc<Mutex<Vec<Message>>> = Arc::default();
    let reads = Arc::new(Mutex::new(0));
    let requests = ask_in_turn(listed_repo(&stored, &reads), &["one", "two", "three"]).await;
    assert_eq!(requests[0].messages.len(), 2);
    assert_eq!(history_of(&requests[1]), ["one", "answer", "two"]);
    assert_eq!(
        history_of(&requests[2]),
        ["one", "answer", "two", "answer", "three"]
    );
    assert_eq!(*reads.lock().unwrap(), 0, "storage's history was not read");
    assert_eq!(stored.lock().unwrap().len(), 6);
}

#[tokio::test]
async fn a_message_stored_elsewhere_makes_the_next_prompt_read_storage() {
    let stored: Arc<Mutex<Vec<Message>>> = Arc::default();
    let reads = Arc::new(Mutex::new(0));
    let (llm, requests) = recording_llm();
    let service = service(listed_repo(&stored, &reads), llm);
    let (mut session, _) = service.open(None).await.unwrap();
    ask_collecting(&service, &mut session, "one")
        .await
        .0
        .unwrap();
    // Another instance (or tab on one) adds a question and its answer.
    let cid = session.conversation().id;
    for (role, text) in [(Role::User, "elsewhere"), (Role::Assistant, "reply")] {
        stored
            .lock()
            .unwrap()
            .push(stored_message(cid, role, text, Some(1)));
    }
    ask_collecting(&service, &mut session, "two")
        .await
        .0
        .unwrap();
    ask_collecting(&service, &mut session, "three")
        .await
        .0
        .unwrap();
    let requests = requests.lock().unwrap();
    assert_eq!(
        history_of(&requests[1]),
        ["one", "answer", "elsewhere", "reply", "two"]
    );
    assert_eq!(
        history_of(&requests[2]),
        [
            "one",
            "answer",
            "elsewhere",
            "reply",
            "two",
            "answer",
            "three"
        ]
    );
    assert_eq!(*reads.lock().unwrap(), 1, "read once, then kept again");
}

#[tokio::test]
async fn question_store_is_retried_once_after_a_dead_connection() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    let attempts = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&attempts);
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(move |_| {
            let mut n = counted.lock().unwrap();
            *n += 1;
            if *n == 1 {
                Err(RepoError::Unavailable("connection reset".into()))
            } else {
                Ok(())
            }
        });
    repo.expect_append_message()
        .withf(|m| m.role == Role::Assistant)
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .returning(|_| Ok(answer_stream(&["fine"])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    assert_eq!(result.unwrap().content, "fine");
    assert_eq!(*attempts.lock().unwrap(), 2);
}

#[tokio::test]
async fn an_erased_conversation_starts_a_new_one_and_the_question_is_not_asked() {
    let conversation = existing_conversation();
    let old_id = conversation.session_id;
    let mut repo = MockRepoPort::new();
    repo.expect_find_conversation()
        .returning(move |_| Ok(Some(conversation.clone())));
    repo.expect_latest_message_id()
        .returning(|_| Ok(Some(Uuid::now_v7())));
    repo.expect_load_recent_history()
        .returning(|_, _| Ok(Vec::new()));
    // Not retried: the conversation will not come back.
    repo.expect_append_message()
        .times(1)
        .returning(|_| Err(RepoError::ConversationGone));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .times(0..=1)
        .returning(|_| Ok(answer_stream(&["never sent"])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(Some(old_id)).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "still there?").await;
    assert_eq!(result.unwrap_err(), AskError::ConversationGone);
    assert!(deltas.is_empty());
    assert_ne!(session.session_id(), old_id);
}

#[tokio::test]
async fn a_conversation_erased_mid_answer_reports_the_answer_unsaved_and_starts_over() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation()
        .times(2)
        .returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    repo.expect_append_message()
        .times(1)
        .withf(|m| m.role == Role::Assistant && m.content == "fine")
        .returning(|_| Err(RepoError::ConversationGone));
    repo.expect_append_message()
        .withf(|m| m.role == Role::Assistant && m.content == "again")
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    let mut answers = vec!["again", "fine"];
    llm.expect_stream_answer()
        .returning(move |_| Ok(answer_stream(&[answers.pop().unwrap()])));

    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();
    let first_id = session.session_id();
    let (result, _) = ask_collecting(&service, &mut session, "hello?").await;
    let answer = result.unwrap();
    assert_eq!(answer.store_error, Some(RepoError::ConversationGone));
    let second_id = session.session_id();
    assert_ne!(second_id, first_id);
    // The next question stores a new conversation under the new id.
    let (result, _) = ask_collecting(&service, &mut session, "hello again?").await;
    assert_eq!(result.unwrap().store_error, None);
    assert_eq!(session.session_id(), second_id);
}

#[tokio::test]
async fn an_answer_past_the_response_budget_is_cut_by_our_own_count() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message()
        .withf(|m| m.role == Role::User)
        .returning(|_| Ok(()));
    // A budget of 4 words, plus a quarter of slack: 5 words are kept, and counted by us.
    repo.expect_append_message()
        .times(1)
        .withf(|m| {
            m.role == Role::Assistant
                && m.content == "one two three four five "
                && m.tokens == Some(5)
                && m.metadata.as_ref().map(|d| d.finish_reason) == Some(FinishReason::Length)
        })
        .returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().returning(|_| {
        Ok(answer_stream(&[
            "one two ",
            "three ",
            "four five six ",
            "seven ",
            "eight",
        ]))
    });
    let service = ChatService::new(
        Arc::new(repo),
        Arc::new(llm),
        Arc::new(WordCounter),
        &resume(),
        ChatSettings {
            budget: PromptBudget {
                max_context_tokens: 8000,
                max_response_tokens: 4,
            },
            ..settings()
        },
    );
    let (mut session, _) = service.open(None).await.unwrap();
    let (result, deltas) = ask_collecting(&service, &mut session, "count").await;
    let answer = result.unwrap();
    assert_eq!(answer.finish_reason, FinishReason::Length);
    assert_eq!(answer.content, "one two three four five ");
    assert_eq!(deltas.concat(), answer.content);
}

/// The events a follower gets until the answer's end.
async fn follow_to_the_end(feed: &mut Box<dyn AnswerFeed>) -> (Vec<FeedEvent>, Arc<AnswerOutcome>) {
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), feed.next())
            .await
            .expect("an event within 5 s");
        if let FeedEvent::Finished(outcome) = event {
            return (events, outcome);
        }
        events.push(event);
    }
}

#[tokio::test]
async fn a_started_answer_reaches_every_follower_and_ends_with_its_outcome() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message().returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer()
        .returning(|_| Ok(answer_stream(&["Rust ", "and Go."])));
    let service = service(repo, llm);
    let (session, _) = service.open(None).await.unwrap();
    let mut asker = service.follow(&session.session_id(), 0).await.unwrap();
    let mut other_tab = service.follow(&session.session_id(), 0).await.unwrap();

    service
        .start(&session, question("Languages?"))
        .await
        .unwrap();

    for feed in [&mut asker, &mut other_tab] {
        let (events, outcome) = follow_to_the_end(feed).await;
        let answer = outcome.result.clone().unwrap().unwrap();
        assert_eq!(
            events.first(),
            Some(&FeedEvent::Started {
                message_id: answer.message_id,
                question: "Languages?".into()
            })
        );
        let deltas: Vec<(u64, String)> = events[1..]
            .iter()
            .map(|e| match e {
                FeedEvent::Delta { seq, text } => (*seq, text.to_string()),
                other => panic!("expected a delta, got {other:?}"),
            })
            .collect();
        assert_eq!(
            deltas,
            vec![(1, "Rust ".to_owned()), (2, "and Go.".to_owned())]
        );
        assert_eq!(answer.content, "Rust and Go.");
        let after = outcome.session.clone().unwrap();
        assert_eq!(after.session_id(), session.session_id());
        assert!(after.stored, "the conversation is stored once asked in");
    }
    assert_eq!(service.wait_for_answers(Duration::from_secs(5)).await, 0);
}

#[tokio::test]
async fn a_second_question_while_answering_is_busy_and_cancel_stops_the_first() {
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    repo.expect_append_message().returning(|_| Ok(()));
    let mut llm = MockLlmPort::new();
    // An answer that never ends by itself.
    llm.expect_stream_answer().returning(|_| {
        Ok(stream::iter([Ok(LlmEvent::Delta("thinking".into()))])
            .chain(stream::pending())
            .boxed())
    });
    let service = service(repo, llm);
    let (session, _) = service.open(None).await.unwrap();
    let mut feed = service.follow(&session.session_id(), 0).await.unwrap();
    service.start(&session, question("one")).await.unwrap();
    assert_eq!(
        service.start(&session, question("two")).await,
        Err(StartError::Busy)
    );
    // Wait for the first piece, so the cancel lands mid-answer.
    loop {
        if let FeedEvent::Delta { .. } = feed.next().await {
            break;
        }
    }
    assert!(service.cancel(&session.session_id()).await.unwrap());
    let (_, outcome) = follow_to_the_end(&mut feed).await;
    let answer = outcome.result.clone().unwrap().unwrap();
    assert_eq!(answer.finish_reason, FinishReason::Cancelled);
    assert_eq!(answer.content, "thinking");
}

#[tokio::test]
async fn an_answer_goes_on_when_its_follower_leaves() {
    let stored: Arc<Mutex<Vec<Message>>> = Arc::default();
    let mut repo = MockRepoPort::new();
    repo.expect_create_conversation().returning(|_| Ok(()));
    let append = Arc::clone(&stored);
    repo.expect_append_message().returning(move |m| {
        append.lock().unwrap().push(m.clone());
        Ok(())
    });
    let mut llm = MockLlmPort::new();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let released = Arc::new(Mutex::new(Some(released)));
    llm.expect_stream_answer().returning(move |_| {
        let released = released.lock().unwrap().take().unwrap();
        Ok(stream::once(async move {
            let _ = released.await;
            Ok(LlmEvent::Delta("the whole answer".into()))
        })
        .chain(answer_stream(&[]))
        .boxed())
    });
    let service = service(repo, llm);
    let (session, _) = service.open(None).await.unwrap();
    let feed = service.follow(&session.session_id(), 0).await.unwrap();
    service.start(&session, question("long one")).await.unwrap();
    drop(feed);
    release.send(()).unwrap();
    for _ in 0..500 {
        if service.answers_in_flight() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answers: Vec<Message> = stored
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .cloned()
        .collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].content, "the whole answer");
}

#[tokio::test]
async fn an_answer_marked_not_in_the_resume_is_stored_as_such_without_the_marker() {
    let stored: Arc<Mutex<Vec<Message>>> = Arc::default();
    let reads = Arc::new(Mutex::new(0));
    let repo = listed_repo(&stored, &reads);
    let mut llm = MockLlmPort::new();
    llm.expect_stream_answer().times(2).returning(|r| {
        let pieces: &[&str] = if r.question() == Some("Her favourite pizza?") {
            &["[NOT_", "IN_RESUME] ", "The resume ", "does not say."]
        } else {
            &["[Rust](https://www.rust-lang.org) and Go."]
        };
        Ok(answer_stream(pieces))
    });
    let service = service(repo, llm);
    let (mut session, _) = service.open(None).await.unwrap();

    let (answer, deltas) = ask_collecting(&service, &mut session, "Her favourite pizza?").await;
    assert_eq!(answer.unwrap().content, "The resume does not say.");
    assert_eq!(
        deltas.concat(),
        "The resume does not say.",
        "no client sees the marker"
    );
    let (answer, deltas) = ask_collecting(&service, &mut session, "Languages?").await;
    let expected = "[Rust](https://www.rust-lang.org) and Go.";
    assert_eq!(answer.unwrap().content, expected);
    assert_eq!(deltas.concat(), expected);

    let grounded: Vec<(String, bool)> = stored
        .lock()
        .unwrap()
        .iter()
        .filter_map(|m| {
            m.metadata
                .as_ref()
                .map(|md| (m.content.clone(), md.grounded))
        })
        .collect();
    assert_eq!(
        grounded,
        [
            ("The resume does not say.".to_owned(), false),
            (expected.to_owned(), true)
        ]
    );
}
