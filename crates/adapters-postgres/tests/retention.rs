//! Retention against real databases: conversations not updated since the cutoff are erased with
//! their messages, the rest kept, a batch at a time; on PostgreSQL, instances sweeping at once
//! never erase a conversation twice, and one skips while another holds the sweep.
//!
//! Every behaviour runs on SQLite (`sqlite::<name>`) and PostgreSQL (`postgres::<name>`), each on
//! a database of its own (see `support`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod support;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Mutex;

use adapters_postgres::{ConnectOptions, RETENTION_LOCK_KEY, SeaOrmRepo};
use async_trait::async_trait;
use domain::{
    BatchOutcome, Conversation, Message, RepoError, RepoPort, RetentionPolicy, RetentionPort, Role,
    SessionId, SweepSummary,
};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use support::{Backend, Ctx, run};

on_both_backends!(
    erases_exactly_the_conversations_older_than_the_cutoff,
    erases_a_backlog_in_several_batches,
    a_sweep_with_nothing_old_erases_nothing,
    the_index_retention_reads_exists,
    a_sweep_without_a_database_is_an_error,
);

// ---------------------------------------------------------------------------------------------
// Helpers

const DAYS: u32 = 30;

fn policy(batch: u32) -> RetentionPolicy {
    RetentionPolicy::new(NonZeroU32::new(DAYS).unwrap()).with_batch(NonZeroU32::new(batch).unwrap())
}

/// A conversation last updated at `at`, with a question and an answer stamped then.
async fn conversation_updated_at(repo: &SeaOrmRepo, at: OffsetDateTime) -> Conversation {
    let conversation = Conversation {
        created_at: at - Duration::minutes(5),
        updated_at: at,
        ..Conversation::new(SessionId::generate())
    };
    repo.create_conversation(&conversation).await.unwrap();
    for (role, content) in [
        (Role::User, "Where did she work?"),
        (Role::Assistant, "At Acme."),
    ] {
        let message = Message {
            created_at: at,
            ..Message::new(conversation.id, role, content.into())
        };
        repo.append_message(&message).await.unwrap();
    }
    conversation
}

async fn conversations_updated_at(
    repo: &SeaOrmRepo,
    at: OffsetDateTime,
    count: usize,
) -> Vec<Conversation> {
    let mut made = Vec::with_capacity(count);
    for _ in 0..count {
        made.push(conversation_updated_at(repo, at).await);
    }
    made
}

/// The ids of the stored conversations.
async fn stored_ids(repo: &SeaOrmRepo) -> HashSet<Uuid> {
    let backend = repo.connection().get_database_backend();
    repo.connection()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM conversations",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<Uuid>("", "id").unwrap())
        .collect()
}

/// The conversation ids the stored messages belong to, with repeats.
async fn message_owners(repo: &SeaOrmRepo) -> Vec<Uuid> {
    let backend = repo.connection().get_database_backend();
    repo.connection()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT conversation_id FROM messages",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<Uuid>("", "conversation_id").unwrap())
        .collect()
}

fn ids(conversations: &[Conversation]) -> HashSet<Uuid> {
    conversations.iter().map(|c| c.id).collect()
}

/// Exactly `kept` are stored, each with its two messages.
async fn only_these_are_stored(repo: &SeaOrmRepo, kept: &[Conversation]) {
    assert_eq!(stored_ids(repo).await, ids(kept));
    let mut owners = message_owners(repo).await;
    owners.sort();
    let mut expected: Vec<Uuid> = kept.iter().flat_map(|c| [c.id, c.id]).collect();
    expected.sort();
    assert_eq!(
        owners, expected,
        "the messages of erased conversations went with them"
    );
}

/// A [`RetentionPort`] that records what each batch did.
struct Recording {
    inner: SeaOrmRepo,
    batches: Mutex<Vec<BatchOutcome>>,
}

#[async_trait]
impl RetentionPort for Recording {
    async fn erase_older_than(
        &self,
        cutoff: OffsetDateTime,
        batch: NonZeroU32,
    ) -> Result<BatchOutcome, RepoError> {
        let outcome = self.inner.erase_older_than(cutoff, batch).await?;
        self.batches.lock().unwrap().push(outcome);
        Ok(outcome)
    }
}

/// Another instance's connection pool on the same database.
async fn another_instance(ctx: &Ctx) -> SeaOrmRepo {
    SeaOrmRepo::connect(&ctx.url, support::options())
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Behaviours

async fn erases_exactly_the_conversations_older_than_the_cutoff(ctx: Ctx) {
    let now = OffsetDateTime::now_utc();
    let cutoff = policy(10).cutoff(now).unwrap();
    assert_eq!(cutoff, now - Duration::days(i64::from(DAYS)));
    let old = vec![
        conversation_updated_at(&ctx.repo, cutoff - Duration::days(400)).await,
        conversation_updated_at(&ctx.repo, cutoff - Duration::minutes(1)).await,
        conversation_updated_at(&ctx.repo, cutoff - Duration::milliseconds(1)).await,
    ];
    let kept = vec![
        // Updated at the cutoff itself: not older than it.
        conversation_updated_at(&ctx.repo, cutoff).await,
        conversation_updated_at(&ctx.repo, cutoff + Duration::minutes(1)).await,
        conversation_updated_at(&ctx.repo, now).await,
        // Created long ago, but updated recently: it is the last update that counts.
        {
            let c = conversation_updated_at(&ctx.repo, cutoff - Duration::days(90)).await;
            let late = Message::new(c.id, Role::User, "Still there?".into());
            ctx.repo.append_message(&late).await.unwrap();
            c
        },
    ];

    let summary = policy(10).sweep(&ctx.repo, now).await.unwrap();

    assert_eq!(
        summary,
        SweepSummary {
            erased: old.len() as u64,
            another_instance_sweeps: false
        }
    );
    assert_eq!(stored_ids(&ctx.repo).await, ids(&kept));
    for c in &old {
        assert_eq!(
            ctx.repo.find_conversation(&c.session_id).await.unwrap(),
            None
        );
        assert!(ctx.repo.load_history(c.id).await.unwrap().is_empty());
    }
    for c in &kept[..3] {
        assert_eq!(ctx.repo.load_history(c.id).await.unwrap().len(), 2);
    }
    assert_eq!(ctx.repo.load_history(kept[3].id).await.unwrap().len(), 3);
}

async fn erases_a_backlog_in_several_batches(ctx: Ctx) {
    let now = OffsetDateTime::now_utc();
    let cutoff = policy(10).cutoff(now).unwrap();
    let mut old = Vec::new();
    for days in 1..=25 {
        old.push(conversation_updated_at(&ctx.repo, cutoff - Duration::days(days)).await);
    }
    let kept = conversations_updated_at(&ctx.repo, now - Duration::days(1), 5).await;
    let port = Recording {
        inner: ctx.repo.clone(),
        batches: Mutex::new(Vec::new()),
    };

    let summary = policy(10).sweep(&port, now).await.unwrap();

    assert_eq!(summary.erased, 25);
    assert!(!summary.another_instance_sweeps);
    assert_eq!(
        *port.batches.lock().unwrap(),
        [10, 10, 5].map(BatchOutcome::Erased)
    );
    only_these_are_stored(&ctx.repo, &kept).await;
}

async fn a_sweep_with_nothing_old_erases_nothing(ctx: Ctx) {
    let now = OffsetDateTime::now_utc();
    let kept = conversations_updated_at(&ctx.repo, now - Duration::days(29), 3).await;
    let summary = policy(10).sweep(&ctx.repo, now).await.unwrap();
    assert_eq!(summary, SweepSummary::default());
    only_these_are_stored(&ctx.repo, &kept).await;
}

async fn the_index_retention_reads_exists(ctx: Ctx) {
    let sql = match ctx.backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master \
             WHERE type = 'index' AND name = 'idx_conversations_updated_at'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_indexes \
             WHERE tablename = 'conversations' AND indexname = 'idx_conversations_updated_at'"
        }
    };
    let backend = ctx.repo.connection().get_database_backend();
    let n = ctx
        .repo
        .connection()
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(n, 1);
}

async fn a_sweep_without_a_database_is_an_error(ctx: Ctx) {
    conversation_updated_at(&ctx.repo, OffsetDateTime::now_utc() - Duration::days(400)).await;
    ctx.repo.connection().close_by_ref().await.unwrap();
    let swept = policy(10).sweep(&ctx.repo, OffsetDateTime::now_utc()).await;
    assert!(matches!(swept, Err(RepoError::Unavailable(_))), "{swept:?}");
}

// ---------------------------------------------------------------------------------------------
// Several instances (PostgreSQL: on SQLite one file has one writer at a time by nature)

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_sweeping_at_once_erase_each_old_conversation_once() {
    run(Backend::Postgres, |ctx: Ctx| async move {
        let a = ctx.repo.clone();
        let b = another_instance(&ctx).await;
        let now = OffsetDateTime::now_utc();
        let cutoff = policy(5).cutoff(now).unwrap();
        let kept = conversations_updated_at(&a, now, 5).await;
        // Several rounds, so that the instances meet at different points of their sweeps.
        for round in 0..5 {
            let old = conversations_updated_at(&a, cutoff - Duration::days(1), 40).await;
            let policy = policy(5);
            let (by_a, by_b) = tokio::join!(policy.sweep(&a, now), policy.sweep(&b, now));
            let (by_a, by_b) = (by_a.unwrap(), by_b.unwrap());
            assert_eq!(
                by_a.erased + by_b.erased,
                old.len() as u64,
                "round {round}: no conversation counted twice or left behind: {by_a:?} {by_b:?}"
            );
            only_these_are_stored(&a, &kept).await;
        }
        // Neither instance keeps the sweep once its own is over.
        for instance in [&a, &b] {
            conversations_updated_at(&a, cutoff - Duration::days(1), 3).await;
            let summary = policy(5).sweep(instance, now).await.unwrap();
            assert_eq!(
                summary,
                SweepSummary {
                    erased: 3,
                    another_instance_sweeps: false
                }
            );
        }
        only_these_are_stored(&a, &kept).await;
        b.connection().close_by_ref().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_sweep_skips_while_another_instance_holds_the_sweep() {
    run(Backend::Postgres, |ctx: Ctx| async move {
        let now = OffsetDateTime::now_utc();
        let cutoff = policy(10).cutoff(now).unwrap();
        let old = conversations_updated_at(&ctx.repo, cutoff - Duration::days(1), 12).await;
        let kept = conversations_updated_at(&ctx.repo, now, 2).await;
        let all: Vec<Conversation> = old.iter().chain(&kept).cloned().collect();

        // Another instance in the middle of a batch: its transaction holds the lock.
        let other = SeaOrmRepo::connect(
            &ctx.url,
            ConnectOptions {
                pool_size: 1,
                ..support::options()
            },
        )
        .await
        .unwrap();
        let batch = other.connection().begin().await.unwrap();
        batch
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [RETENTION_LOCK_KEY.into()],
            ))
            .await
            .unwrap();

        let summary = policy(10).sweep(&ctx.repo, now).await.unwrap();
        assert_eq!(
            summary,
            SweepSummary {
                erased: 0,
                another_instance_sweeps: true
            }
        );
        only_these_are_stored(&ctx.repo, &all).await;

        // That instance's transaction ends: the next sweep does the work.
        batch.rollback().await.unwrap();
        let summary = policy(10).sweep(&ctx.repo, now).await.unwrap();
        assert_eq!(
            summary,
            SweepSummary {
                erased: old.len() as u64,
                another_instance_sweeps: false
            }
        );
        only_these_are_stored(&ctx.repo, &kept).await;
        other.connection().close_by_ref().await.unwrap();
    })
    .await;
}
