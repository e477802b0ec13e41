//! The storage adapter's behaviour, through its public API, against real databases: every
//! behaviour runs on SQLite (`sqlite::<name>`) and on PostgreSQL (`postgres::<name>`).
//!
//! Each test gets a database of its own: a file in a fresh temporary directory, or a PostgreSQL
//! database `test_<uuid>` created on `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards. When PostgreSQL cannot
//! be reached its tests are skipped with a message, except when `CI` is set: there they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod support;

use std::time::Duration;

use adapters_postgres::{ConnectError, ConnectOptions, SeaOrmRepo};
use domain::{
    AnswerMetadata, ArchivePort, Conversation, ConversationCursor, ConversationQuery, FinishReason,
    Message, RepoError, RepoPort, Role, SessionId, Usage,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use support::{Backend, Ctx, admin_postgres, admin_url, options, run, with_database};

on_both_backends!(
    migrations_are_idempotent,
    migrations_roll_back_and_apply_again,
    creates_and_finds_a_conversation_by_session_id,
    unknown_session_is_none,
    duplicate_session_id_is_refused,
    history_comes_back_in_order,
    recent_history_goes_back_until_the_token_budget_is_reached,
    messages_stamped_in_the_same_instant_keep_id_order,
    history_is_ordered_by_time_before_id,
    tokens_and_metadata_round_trip,
    appending_touches_the_conversation,
    appending_the_same_message_twice_stores_it_once,
    concurrent_appends_are_all_stored,
    writes_of_many_sockets_at_once_are_all_stored,
    one_refused_write_among_many_fails_alone,
    latest_message_id_is_the_newest_message,
    message_of_unknown_conversation_is_refused,
    a_message_after_its_conversation_was_erased_is_refused_as_gone,
    deleting_a_conversation_deletes_its_messages,
    deleting_an_unknown_session_returns_false,
    ping_answers,
    unknown_role_in_storage_is_corrupt,
    role_check_rejects_unknown_roles,
    closed_pool_is_unavailable,
    conversations_are_listed_newest_first_with_their_questions,
    keyset_pages_return_each_conversation_exactly_once,
    search_finds_the_conversations_with_every_word,
    answers_marked_not_grounded_list_their_questions,
);

// ---------------------------------------------------------------------------------------------
// Helpers

/// A timestamp as both backends give it back: UTC, whole microseconds.
fn stored(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap()
}

fn stored_message(m: &Message) -> Message {
    Message {
        created_at: stored(m.created_at),
        ..m.clone()
    }
}

fn stored_conversation(c: &Conversation) -> Conversation {
    Conversation {
        created_at: stored(c.created_at),
        updated_at: stored(c.updated_at),
        ..c.clone()
    }
}

async fn new_conversation(repo: &SeaOrmRepo) -> Conversation {
    let mut conversation = Conversation::new(SessionId::generate());
    conversation.title = Some("What languages does she know?".into());
    repo.create_conversation(&conversation).await.unwrap();
    conversation
}

/// `conversation` as stored now.
async fn find(ctx: &Ctx, conversation: &Conversation) -> Conversation {
    ctx.repo
        .find_conversation(&conversation.session_id)
        .await
        .unwrap()
        .unwrap()
}

async fn count_messages(ctx: &Ctx) -> i64 {
    let row = ctx
        .repo
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            ctx.repo.connection().get_database_backend(),
            "SELECT COUNT(*) AS n FROM messages",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Behaviours

async fn migrations_are_idempotent(ctx: Ctx) {
    // The harness migrated once already.
    ctx.repo.migrate().await.unwrap();
    ctx.repo.migrate().await.unwrap();
    let pending = Migrator::get_pending_migrations(ctx.repo.connection())
        .await
        .unwrap();
    assert!(pending.is_empty());
    let conversation = new_conversation(&ctx.repo).await;
    assert!(
        ctx.repo
            .find_conversation(&conversation.session_id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn migrations_roll_back_and_apply_again(ctx: Ctx) {
    new_conversation(&ctx.repo).await;
    Migrator::down(ctx.repo.connection(), None).await.unwrap();
    let gone = ctx.repo.find_conversation(&SessionId::generate()).await;
    assert!(
        matches!(gone, Err(RepoError::Other(_))),
        "tables are gone: {gone:?}"
    );
    ctx.repo.migrate().await.unwrap();
    assert_eq!(
        ctx.repo
            .find_conversation(&SessionId::generate())
            .await
            .unwrap(),
        None
    );
    let conversation = new_conversation(&ctx.repo).await;
    let message = Message::new(conversation.id, Role::User, "again".into());
    ctx.repo.append_message(&message).await.unwrap();
    assert_eq!(
        ctx.repo.load_history(conversation.id).await.unwrap().len(),
        1
    );
}

async fn creates_and_finds_a_conversation_by_session_id(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let found = ctx
        .repo
        .find_conversation(&conversation.session_id)
        .await
        .unwrap();
    assert_eq!(found, Some(stored_conversation(&conversation)));

    let untitled = Conversation::new(SessionId::generate());
    ctx.repo.create_conversation(&untitled).await.unwrap();
    let found = ctx
        .repo
        .find_conversation(&untitled.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.title, None);
    assert_eq!(found.id, untitled.id);
}

async fn unknown_session_is_none(ctx: Ctx) {
    new_conversation(&ctx.repo).await;
    assert_eq!(
        ctx.repo
            .find_conversation(&SessionId::generate())
            .await
            .unwrap(),
        None
    );
}

async fn duplicate_session_id_is_refused(ctx: Ctx) {
    let first = new_conversation(&ctx.repo).await;
    let second = Conversation::new(first.session_id);
    let refused = ctx.repo.create_conversation(&second).await;
    assert!(matches!(refused, Err(RepoError::Other(_))), "{refused:?}");
}

async fn history_comes_back_in_order(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let other = new_conversation(&ctx.repo).await;
    let mut sent = Vec::new();
    for i in 0..60 {
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        let message = Message::new(conversation.id, role, format!("message {i}"));
        ctx.repo.append_message(&message).await.unwrap();
        sent.push(stored_message(&message));
        ctx.repo
            .append_message(&Message::new(other.id, Role::User, format!("other {i}")))
            .await
            .unwrap();
    }
    let history = ctx.repo.load_history(conversation.id).await.unwrap();
    assert_eq!(history, sent);
    assert!(
        ctx.repo
            .load_history(Uuid::now_v7())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn recent_history_goes_back_until_the_token_budget_is_reached(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let other = new_conversation(&ctx.repo).await;
    let mut sent = Vec::new();
    for i in 0..40 {
        // 10 tokens each, but one stored without a count (it counts as 0).
        let tokens = if i == 35 { None } else { Some(10) };
        let message = Message {
            tokens,
            ..Message::new(conversation.id, Role::User, format!("message {i}"))
        };
        ctx.repo.append_message(&message).await.unwrap();
        sent.push(stored_message(&message));
        ctx.repo
            .append_message(&Message::new(other.id, Role::User, format!("other {i}")))
            .await
            .unwrap();
    }
    let recent = |max| ctx.repo.load_recent_history(conversation.id, max);
    // Newest first: 39, 38, 37, 36 make 40 tokens, 35 adds none, 34 reaches 50 ≥ 45 and is
    // the last one read.
    assert_eq!(recent(45).await.unwrap(), sent[34..]);
    assert_eq!(recent(1).await.unwrap(), sent[39..], "at least the newest");
    // More than the first page (16 rows, 150 tokens) holds: read again, further back.
    assert_eq!(recent(300).await.unwrap(), sent[9..]);
    assert_eq!(recent(100_000).await.unwrap(), sent, "all, oldest first");
    assert!(
        ctx.repo
            .load_recent_history(Uuid::now_v7(), 100)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn messages_stamped_in_the_same_instant_keep_id_order(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let instant = OffsetDateTime::now_utc();
    let messages: Vec<Message> = (0..30)
        .map(|i| Message {
            created_at: instant,
            ..Message::new(conversation.id, Role::User, format!("same instant {i}"))
        })
        .collect();
    // Stored newest first: the order must come from the ids, not from insertion.
    for message in messages.iter().rev() {
        ctx.repo.append_message(message).await.unwrap();
    }
    let history = ctx.repo.load_history(conversation.id).await.unwrap();
    let expected: Vec<Message> = messages.iter().map(stored_message).collect();
    assert_eq!(history, expected);
}

async fn history_is_ordered_by_time_before_id(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let second = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
    // Instants whose plain RFC 3339 texts sort differently from the instants themselves
    // ("…:40Z" > "…:40.15Z" > "…:40.1Z"), in another time zone for good measure.
    let at = |millis: u64| {
        (second + Duration::from_millis(millis)).to_offset(UtcOffset::from_hms(2, 0, 0).unwrap())
    };
    // Created (so ids ascend) in the reverse of their time order.
    let messages: Vec<Message> = [1_000, 150, 100, 0]
        .into_iter()
        .map(|millis| Message {
            created_at: at(millis),
            ..Message::new(conversation.id, Role::User, format!("at +{millis} ms"))
        })
        .collect();
    for message in &messages {
        ctx.repo.append_message(message).await.unwrap();
    }
    let history = ctx.repo.load_history(conversation.id).await.unwrap();
    let expected: Vec<Message> = messages.iter().rev().map(stored_message).collect();
    assert_eq!(history, expected);
}

async fn tokens_and_metadata_round_trip(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let mut system = Message::new(conversation.id, Role::System, "rules".into());
    system.tokens = None;
    let mut question = Message::new(conversation.id, Role::User, "Ünïcödé? 日本語 ✓".into());
    question.tokens = Some(7);
    let mut answer = Message::new(conversation.id, Role::Assistant, "Rust and Go.".into());
    answer.tokens = Some(5);
    answer.metadata = Some(AnswerMetadata {
        finish_reason: FinishReason::Stop,
        model: Some("meta-llama/llama-3.2-3b-instruct:free".into()),
        usage: Usage {
            prompt_tokens: 1234,
            completion_tokens: 5,
        },
        grounded: true,
    });
    let mut cut = Message::new(conversation.id, Role::Assistant, "Part".into());
    cut.tokens = Some(u32::MAX);
    cut.metadata = Some(AnswerMetadata {
        finish_reason: FinishReason::Cancelled,
        model: None,
        usage: Usage::default(),
        grounded: false,
    });
    for message in [&system, &question, &answer, &cut] {
        ctx.repo.append_message(message).await.unwrap();
    }
    let history = ctx.repo.load_history(conversation.id).await.unwrap();
    let mut expected_cut = stored_message(&cut);
    expected_cut.tokens = Some(i32::MAX as u32); // the column is a 32-bit integer
    assert_eq!(
        history,
        vec![
            stored_message(&system),
            stored_message(&question),
            stored_message(&answer),
            expected_cut,
        ]
    );
}

async fn appending_touches_the_conversation(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let mut message = Message::new(conversation.id, Role::User, "hello".into());
    message.created_at = conversation.created_at + Duration::from_secs(90);
    ctx.repo.append_message(&message).await.unwrap();
    let found = find(&ctx, &conversation).await;
    assert_eq!(found.updated_at, stored(message.created_at));
    assert_eq!(found.created_at, stored(conversation.created_at));

    // A late message from earlier does not move it back.
    let mut late = Message::new(conversation.id, Role::Assistant, "late".into());
    late.created_at = conversation.created_at + Duration::from_secs(10);
    ctx.repo.append_message(&late).await.unwrap();
    let found = ctx
        .repo
        .find_conversation(&conversation.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.updated_at, stored(message.created_at));
}

async fn appending_the_same_message_twice_stores_it_once(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let message = Message::new(conversation.id, Role::Assistant, "answer".into());
    ctx.repo.append_message(&message).await.unwrap();
    ctx.repo.append_message(&message).await.unwrap();
    assert_eq!(
        ctx.repo.load_history(conversation.id).await.unwrap(),
        vec![stored_message(&message)]
    );
}

async fn concurrent_appends_are_all_stored(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let repo = ctx.repo.clone();
            let message = Message::new(conversation.id, Role::User, format!("parallel {i}"));
            tokio::spawn(async move { repo.append_message(&message).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let history = ctx.repo.load_history(conversation.id).await.unwrap();
    assert_eq!(history.len(), 40);
    let mut keys: Vec<_> = history.iter().map(|m| (m.created_at, m.id)).collect();
    let in_order = keys.clone();
    keys.sort();
    assert_eq!(keys, in_order, "history is ordered by (created_at, id)");
}

/// Many sockets storing at once: their writes are gathered into batches (group commit); each
/// conversation, question and answer is stored, and each conversation is touched by its newest
/// message.
async fn writes_of_many_sockets_at_once_are_all_stored(ctx: Ctx) {
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let repo = ctx.repo.clone();
            tokio::spawn(async move {
                let conversation = Conversation::new(SessionId::generate());
                repo.create_conversation(&conversation).await?;
                let question = Message::new(conversation.id, Role::User, format!("q{i}"));
                repo.append_message(&question).await?;
                let answer = Message::new(conversation.id, Role::Assistant, format!("a{i}"));
                repo.append_message(&answer).await?;
                Ok::<_, RepoError>((conversation, answer))
            })
        })
        .collect();
    for task in tasks {
        let (conversation, answer) = task.await.unwrap().unwrap();
        let found = find(&ctx, &conversation).await;
        assert_eq!(found.updated_at, stored(answer.created_at));
        let history = ctx.repo.load_history(conversation.id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1], stored_message(&answer));
    }
    assert_eq!(count_messages(&ctx).await, 120);
}

/// A message whose conversation is gone, sent among many good ones: it alone is refused.
async fn one_refused_write_among_many_fails_alone(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let repo = ctx.repo.clone();
        let conversation_id = if i == 20 {
            Uuid::now_v7()
        } else {
            conversation.id
        };
        let message = Message::new(conversation_id, Role::User, format!("m{i}"));
        tasks.push(tokio::spawn(
            async move { repo.append_message(&message).await },
        ));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    for (i, outcome) in outcomes.iter().enumerate() {
        if i == 20 {
            assert_eq!(outcome, &Err(RepoError::ConversationGone));
        } else {
            assert_eq!(outcome, &Ok(()), "message {i}");
        }
    }
    assert_eq!(count_messages(&ctx).await, 39);
    ctx.repo.ping().await.unwrap();
}

async fn latest_message_id_is_the_newest_message(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    assert_eq!(
        ctx.repo.latest_message_id(conversation.id).await.unwrap(),
        None
    );
    let mut last = None;
    for i in 0..3 {
        let message = Message::new(conversation.id, Role::User, format!("q{i}"));
        ctx.repo.append_message(&message).await.unwrap();
        last = Some(message.id);
    }
    assert_eq!(
        ctx.repo.latest_message_id(conversation.id).await.unwrap(),
        last
    );
}

async fn message_of_unknown_conversation_is_refused(ctx: Ctx) {
    let orphan = Message::new(Uuid::now_v7(), Role::User, "orphan".into());
    let refused = ctx.repo.append_message(&orphan).await;
    assert_eq!(
        refused,
        Err(RepoError::ConversationGone),
        "foreign keys are enforced and reported as the conversation being gone"
    );
    assert_eq!(count_messages(&ctx).await, 0);
    // A refused message says nothing about storage: it is still ready.
    ctx.repo.ping().await.unwrap();
}

async fn a_message_after_its_conversation_was_erased_is_refused_as_gone(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    assert!(
        ctx.repo
            .delete_conversation(&conversation.session_id)
            .await
            .unwrap()
    );
    let late = Message::new(conversation.id, Role::Assistant, "late answer".into());
    assert_eq!(
        ctx.repo.append_message(&late).await,
        Err(RepoError::ConversationGone)
    );
}

async fn deleting_a_conversation_deletes_its_messages(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let kept = new_conversation(&ctx.repo).await;
    for i in 0..3 {
        let message = Message::new(conversation.id, Role::User, format!("q{i}"));
        ctx.repo.append_message(&message).await.unwrap();
    }
    let kept_message = Message::new(kept.id, Role::User, "stays".into());
    ctx.repo.append_message(&kept_message).await.unwrap();
    assert_eq!(count_messages(&ctx).await, 4);

    assert!(
        ctx.repo
            .delete_conversation(&conversation.session_id)
            .await
            .unwrap()
    );

    assert_eq!(
        ctx.repo
            .find_conversation(&conversation.session_id)
            .await
            .unwrap(),
        None
    );
    assert!(
        ctx.repo
            .load_history(conversation.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(count_messages(&ctx).await, 1, "messages went by cascade");
    assert_eq!(
        ctx.repo.load_history(kept.id).await.unwrap(),
        vec![stored_message(&kept_message)]
    );
    assert!(
        !ctx.repo
            .delete_conversation(&conversation.session_id)
            .await
            .unwrap()
    );
}

async fn deleting_an_unknown_session_returns_false(ctx: Ctx) {
    new_conversation(&ctx.repo).await;
    assert!(
        !ctx.repo
            .delete_conversation(&SessionId::generate())
            .await
            .unwrap()
    );
}

async fn conversations_are_listed_newest_first_with_their_questions(ctx: Ctx) {
    let start = OffsetDateTime::now_utc() - Duration::from_secs(3600);
    let mut ids = Vec::new();
    for (minute, questions) in [(1_u64, 2_usize), (3, 0), (2, 1)] {
        let mut conversation = Conversation::new(SessionId::generate());
        conversation.created_at = start;
        // Its messages move it on; one without any stays where it was made.
        conversation.updated_at = if questions == 0 {
            start + Duration::from_secs(minute * 60)
        } else {
            start
        };
        ctx.repo.create_conversation(&conversation).await.unwrap();
        for n in 0..questions {
            let mut question = Message::new(
                conversation.id,
                Role::User,
                format!("question {n} of {minute}"),
            );
            question.created_at = start + Duration::from_secs(minute * 60 + n as u64);
            let mut answer = Message::new(conversation.id, Role::Assistant, "an answer".into());
            answer.created_at = question.created_at + Duration::from_millis(500);
            ctx.repo.append_message(&question).await.unwrap();
            ctx.repo.append_message(&answer).await.unwrap();
        }
        ids.push((minute, conversation));
    }

    let listed = ctx
        .repo
        .list_conversations(&ConversationQuery::newest(10))
        .await
        .unwrap();
    let order: Vec<Uuid> = listed.iter().map(|c| c.id).collect();
    let by_minute = |m: u64| ids.iter().find(|(minute, _)| *minute == m).unwrap().1.id;
    assert_eq!(order, [by_minute(3), by_minute(2), by_minute(1)]);
    let counts: Vec<u32> = listed.iter().map(|c| c.questions).collect();
    assert_eq!(counts, [0, 1, 2]);
    assert_eq!(listed[0].first_question, None);
    assert_eq!(listed[2].first_question.as_deref(), Some("question 0 of 1"));
    assert_eq!(listed[2].created_at, stored(start));
    assert_eq!(listed[2].session_id, ids[0].1.session_id);

    // A page of one, then the rest after it.
    let first = ctx
        .repo
        .list_conversations(&ConversationQuery::newest(1))
        .await
        .unwrap();
    let rest = ctx
        .repo
        .list_conversations(&ConversationQuery::newest(10).after(Some(first[0].cursor())))
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[0].id, by_minute(2));
}

async fn keyset_pages_return_each_conversation_exactly_once(ctx: Ctx) {
    // 1,000 conversations, ten at each instant: ties are broken by id.
    let start = OffsetDateTime::now_utc() - Duration::from_secs(86_400);
    let conversations: Vec<Conversation> = (0..1_000_u64)
        .map(|i| {
            let mut c = Conversation::new(SessionId::generate());
            c.created_at = start + Duration::from_secs(i / 10);
            c.updated_at = c.created_at;
            c
        })
        .collect();
    for chunk in conversations.chunks(100) {
        let writes = chunk.iter().map(|c| ctx.repo.create_conversation(c));
        for result in futures::future::join_all(writes).await {
            result.unwrap();
        }
    }

    let mut seen = std::collections::HashMap::new();
    let mut after: Option<ConversationCursor> = None;
    let mut pages = 0;
    loop {
        let page = ctx
            .repo
            .list_conversations(&ConversationQuery::newest(37).after(after))
            .await
            .unwrap();
        pages += 1;
        if pages == 3 {
            // Meanwhile a new conversation begins (newer than every page read so far) and one
            // not yet reached is erased: neither repeats nor hides any other.
            ctx.repo
                .create_conversation(&Conversation::new(SessionId::generate()))
                .await
                .unwrap();
            assert!(
                ctx.repo
                    .delete_conversation(&conversations[0].session_id)
                    .await
                    .unwrap()
            );
        }
        for summary in &page {
            *seen.entry(summary.id).or_insert(0) += 1;
        }
        match page.last() {
            Some(last) if page.len() == 37 => after = Some(last.cursor()),
            _ => break,
        }
    }
    assert_eq!(pages, 1_000 / 37 + 1);
    assert!(
        seen.values().all(|&n| n == 1),
        "a conversation was listed twice"
    );
    for conversation in &conversations[1..] {
        assert_eq!(seen.get(&conversation.id), Some(&1), "{}", conversation.id);
    }
    assert_eq!(
        seen.len(),
        999,
        "the erased one is gone, the new one was not reached"
    );
}

async fn search_finds_the_conversations_with_every_word(ctx: Ctx) {
    let mut sessions = Vec::new();
    for question in [
        "Does Maya know Kubernetes?",
        "Which languages does Maya speak?",
        "Has she run Kubernetes in production, with PostgreSQL?",
        "What is 100% of her time spent on? (snake_case)",
    ] {
        let conversation = new_conversation(&ctx.repo).await;
        let message = Message::new(conversation.id, Role::User, question.into());
        ctx.repo.append_message(&message).await.unwrap();
        sessions.push(conversation.session_id);
    }
    let found = |text: &'static str| {
        let repo = ctx.repo.clone();
        async move {
            let mut ids: Vec<SessionId> = repo
                .list_conversations(&ConversationQuery::newest(50).searching(text))
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.session_id)
                .collect();
            ids.sort_by_key(ToString::to_string);
            ids
        }
    };
    let sorted = |mut ids: Vec<SessionId>| {
        ids.sort_by_key(ToString::to_string);
        ids
    };
    // Any case; every word must be in one message.
    assert_eq!(
        found("kubernetes").await,
        sorted(vec![sessions[0], sessions[2]])
    );
    assert_eq!(found("KUBERNETES postgresql").await, vec![sessions[2]]);
    assert_eq!(found("languages").await, vec![sessions[1]]);
    assert!(found("python").await.is_empty());
    // LIKE's wildcards are only characters.
    assert!(found("_").await.iter().all(|s| *s == sessions[3]));
    assert!(found("%").await.iter().all(|s| *s == sessions[3]));
    // No words: everything.
    assert_eq!(found("  ").await.len(), 4);
}

async fn answers_marked_not_grounded_list_their_questions(ctx: Ctx) {
    let start = OffsetDateTime::now_utc() - Duration::from_secs(600);
    let conversation = new_conversation(&ctx.repo).await;
    let exchanges = [
        ("Which languages does she know?", true),
        ("What is her favourite pizza?", false),
        ("Is she married?", false),
    ];
    for (i, (question, grounded)) in exchanges.into_iter().enumerate() {
        let at = start + Duration::from_secs(10 * i as u64);
        let mut asked = Message::new(conversation.id, Role::User, question.into());
        asked.created_at = at;
        let mut answer = Message::new(conversation.id, Role::Assistant, "…".into());
        answer.created_at = at + Duration::from_secs(1);
        answer.metadata = Some(AnswerMetadata {
            finish_reason: FinishReason::Stop,
            model: None,
            usage: Usage::default(),
            grounded,
        });
        ctx.repo.append_message(&asked).await.unwrap();
        ctx.repo.append_message(&answer).await.unwrap();
    }
    let unanswered = ctx.repo.unanswered_questions(10).await.unwrap();
    let questions: Vec<&str> = unanswered.iter().map(|u| u.question.as_str()).collect();
    assert_eq!(
        questions,
        ["Is she married?", "What is her favourite pizza?"]
    );
    assert_eq!(unanswered[0].session_id, conversation.session_id);
    assert_eq!(
        unanswered[1].asked_at,
        stored(start + Duration::from_secs(10))
    );
    assert_eq!(ctx.repo.unanswered_questions(1).await.unwrap().len(), 1);
    assert_eq!(
        ctx.repo.recent_questions(2).await.unwrap(),
        ["Is she married?", "What is her favourite pizza?"]
    );
}

async fn ping_answers(ctx: Ctx) {
    ctx.repo.ping().await.unwrap();
}

/// Makes every stored message's role `admin`, going around the CHECK constraint.
async fn corrupt_roles(ctx: &Ctx) {
    let db = ctx.repo.connection();
    match ctx.backend {
        Backend::Postgres => {
            db.execute_unprepared("ALTER TABLE messages DROP CONSTRAINT chk_messages_role")
                .await
                .unwrap();
            db.execute_unprepared("UPDATE messages SET role = 'admin'")
                .await
                .unwrap();
        }
        Backend::Sqlite => {
            // The pragma is per connection: a transaction keeps all three on one.
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("PRAGMA ignore_check_constraints = ON")
                .await
                .unwrap();
            txn.execute_unprepared("UPDATE messages SET role = 'admin'")
                .await
                .unwrap();
            txn.execute_unprepared("PRAGMA ignore_check_constraints = OFF")
                .await
                .unwrap();
            txn.commit().await.unwrap();
        }
    }
}

async fn unknown_role_in_storage_is_corrupt(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let message = Message::new(conversation.id, Role::User, "hi".into());
    ctx.repo.append_message(&message).await.unwrap();
    corrupt_roles(&ctx).await;
    let loaded = ctx.repo.load_history(conversation.id).await;
    assert!(matches!(loaded, Err(RepoError::Corrupt(_))), "{loaded:?}");
}

async fn role_check_rejects_unknown_roles(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    let message = Message::new(conversation.id, Role::User, "hi".into());
    ctx.repo.append_message(&message).await.unwrap();
    let refused = ctx
        .repo
        .connection()
        .execute_unprepared("UPDATE messages SET role = 'admin'")
        .await;
    assert!(refused.is_err(), "the CHECK constraint holds");
    assert_eq!(
        ctx.repo.load_history(conversation.id).await.unwrap(),
        vec![stored_message(&message)]
    );
}

async fn closed_pool_is_unavailable(ctx: Ctx) {
    let conversation = new_conversation(&ctx.repo).await;
    ctx.repo.connection().close_by_ref().await.unwrap();
    let message = Message::new(conversation.id, Role::User, "too late".into());
    assert!(matches!(
        ctx.repo.ping().await,
        Err(RepoError::Unavailable(_))
    ));
    assert!(matches!(
        ctx.repo.find_conversation(&conversation.session_id).await,
        Err(RepoError::Unavailable(_))
    ));
    assert!(matches!(
        ctx.repo.append_message(&message).await,
        Err(RepoError::Unavailable(_))
    ));
    assert!(matches!(
        ctx.repo.load_history(conversation.id).await,
        Err(RepoError::Unavailable(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Backend-specific behaviours

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_dropped_under_the_repo_is_unavailable() {
    run(Backend::Postgres, |ctx: Ctx| async move {
        let conversation = new_conversation(&ctx.repo).await;
        ctx.repo.ping().await.unwrap();
        let name = ctx
            .repo
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_database() AS name",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "name")
            .unwrap();
        let admin = admin_postgres().await.unwrap();
        admin
            .connection()
            .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await
            .unwrap();
        admin.connection().close_by_ref().await.unwrap();

        // First the pooled connections fail (terminated), then new ones cannot be opened.
        for _ in 0..6 {
            let pinged = ctx.repo.ping().await;
            assert!(
                matches!(pinged, Err(RepoError::Unavailable(_))),
                "{pinged:?}"
            );
        }
        let found = ctx.repo.find_conversation(&conversation.session_id).await;
        assert!(matches!(found, Err(RepoError::Unavailable(_))), "{found:?}");
    })
    .await;
}

#[tokio::test]
async fn sqlite_connect_creates_missing_directories_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/deeper/chat.db");
    // No `mode=`: created when missing all the same.
    let url = format!("sqlite://{}", file.display());
    let repo = SeaOrmRepo::connect(&url, options()).await.unwrap();
    repo.migrate().await.unwrap();
    repo.ping().await.unwrap();
    assert!(file.exists());
    repo.connection().close_by_ref().await.unwrap();
}

#[tokio::test]
async fn sqlite_data_survives_reconnecting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/chat.db?mode=rwc", dir.path().display());
    let repo = SeaOrmRepo::connect(&url, options()).await.unwrap();
    repo.migrate().await.unwrap();
    let conversation = new_conversation(&repo).await;
    let message = Message::new(conversation.id, Role::User, "persisted".into());
    repo.append_message(&message).await.unwrap();
    repo.connection().close_by_ref().await.unwrap();

    let repo = SeaOrmRepo::connect(&url, options()).await.unwrap();
    repo.migrate().await.unwrap();
    assert_eq!(
        repo.load_history(conversation.id).await.unwrap(),
        vec![stored_message(&message)]
    );
    repo.connection().close_by_ref().await.unwrap();
}

#[tokio::test]
async fn sqlite_file_removed_under_the_repo_fails_writes_and_readiness() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}/chat.db?mode=rwc", data.display());
    let repo = SeaOrmRepo::connect(&url, options()).await.unwrap();
    repo.migrate().await.unwrap();
    let conversation = new_conversation(&repo).await;
    repo.ping().await.unwrap();

    std::fs::remove_dir_all(&data).unwrap();
    // The open descriptors would take the write; it is lost with the file, so it is refused.
    let message = Message::new(conversation.id, Role::User, "into the void".into());
    let written = repo.append_message(&message).await;
    assert!(
        matches!(&written, Err(RepoError::Unavailable(m)) if m.contains("removed")),
        "{written:?}"
    );
    let pinged = repo.ping().await;
    assert!(
        matches!(pinged, Err(RepoError::Unavailable(_))),
        "{pinged:?}"
    );
    repo.connection().close_by_ref().await.unwrap();
}

#[tokio::test]
async fn sqlite_read_only_url_to_missing_file_fails_to_connect() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/missing.db?mode=ro", dir.path().display());
    let error = SeaOrmRepo::connect(&url, options()).await.unwrap_err();
    assert!(matches!(error, ConnectError::Connect { .. }), "{error}");
}

#[tokio::test]
async fn connect_error_redacts_the_password() {
    // Port 1 on loopback: nothing listens there, so this fails fast.
    let url = "postgres://app:hunter2@127.0.0.1:1/chat";
    let quick = ConnectOptions {
        acquire_timeout: Duration::from_millis(500),
        ..options()
    };
    let error = SeaOrmRepo::connect(url, quick).await.unwrap_err();
    let message = error.to_string();
    assert!(!message.contains("hunter2"), "{message}");
    assert!(
        message.contains("postgres://app:***@127.0.0.1:1/chat"),
        "{message}"
    );
    assert!(!format!("{error:?}").contains("hunter2"));
}

#[tokio::test]
async fn unsupported_url_is_refused_with_a_hint() {
    let error = SeaOrmRepo::connect("mysql://root:pw@localhost/chat", options())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ConnectError::UnsupportedUrl { .. }));
    assert!(
        message.contains("mysql://root:***@localhost/chat"),
        "{message}"
    );
    assert!(message.contains("sqlite://"), "{message}");
}

#[test]
fn test_database_url_is_derived_from_the_admin_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "test_x"),
        "postgres://postgres@127.0.0.1:5432/test_x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t"),
        "postgres://u:p@h/t?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "t"),
        "postgres://h:5432/t"
    );
}

#[tokio::test]
async fn connect_to_a_missing_postgres_database_says_which() {
    let Some(admin) = admin_postgres().await else {
        return;
    };
    admin.connection().close_by_ref().await.unwrap();
    let name = format!("missing_{}", Uuid::new_v4().simple());
    let url = with_database(&admin_url(), &name);
    let error = SeaOrmRepo::connect(&url, options()).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ConnectError::Connect { .. }), "{message}");
    assert!(message.contains(&name), "{message}");
    assert!(message.contains("does not exist"), "{message}");
}
