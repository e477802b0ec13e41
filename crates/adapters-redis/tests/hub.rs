//! Two hubs on one Redis, as two instances would be: answers cross between them, BUSY and
//! cancel hold across them, orphans are found, and a Redis that goes away costs the local
//! sockets nothing. Each test uses its own key prefix; Redis is `TEST_REDIS_URL` or
//! 127.0.0.1:6379 (CI starts it), and one test runs its own `redis-server` to stop it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use adapters_redis::RedisHub;
use domain::{
    AnswerFeed, AnswerHub, AnswerOutcome, AnswerPublisher, FeedEvent, HubError, HubSettings,
    SessionId,
};
use uuid::Uuid;

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Two instances on the shared Redis, or `None` (skipped, outside CI) when it is not running.
async fn two_hubs(orphan_secs: f64) -> Option<(RedisHub, RedisHub)> {
    let prefix = format!("test-{}", Uuid::new_v4());
    let settings = HubSettings {
        orphan_answer_timeout: Duration::from_secs_f64(orphan_secs),
    };
    match RedisHub::connect(&redis_url(), &prefix, settings).await {
        Ok(a) => {
            let b = RedisHub::connect(&redis_url(), &prefix, settings)
                .await
                .unwrap();
            Some((a, b))
        }
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: Redis is not running ({error}); start it to run these tests");
            None
        }
        Err(error) => panic!("CI must start Redis: {error}"),
    }
}

async fn next(feed: &mut Box<dyn AnswerFeed>) -> FeedEvent {
    tokio::time::timeout(Duration::from_secs(5), feed.next())
        .await
        .expect("an event within 5 s")
}

fn delta(seq: u64, text: &str) -> FeedEvent {
    FeedEvent::Delta {
        seq,
        text: text.into(),
    }
}

async fn claim(hub: &RedisHub, session: &SessionId) -> (Uuid, Box<dyn AnswerPublisher>) {
    let id = Uuid::now_v7();
    let publisher = hub.claim(session, id, "Q?".into()).await.unwrap();
    (id, publisher)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_written_on_one_instance_reaches_a_follower_on_another() {
    let Some((a, b)) = two_hubs(120.0).await else {
        return;
    };
    let session = SessionId::generate();
    let mut on_b = b.follow(&session, 0).await.unwrap();
    let (id, mut publisher) = claim(&a, &session).await;
    publisher.started().await;
    publisher.delta(1, "Rust ").await;
    publisher.delta(2, "and Go.").await;
    publisher.finish(AnswerOutcome::died()).await;

    assert_eq!(
        next(&mut on_b).await,
        FeedEvent::Started {
            message_id: id,
            question: "Q?".into()
        }
    );
    assert_eq!(next(&mut on_b).await, delta(1, "Rust "));
    assert_eq!(next(&mut on_b).await, delta(2, "and Go."));
    match next(&mut on_b).await {
        FeedEvent::Finished(outcome) => assert_eq!(*outcome, AnswerOutcome::died()),
        other => panic!("expected the end, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_joining_another_instance_mid_answer_catches_up() {
    let Some((a, b)) = two_hubs(120.0).await else {
        return;
    };
    let session = SessionId::generate();
    let _asker = a.follow(&session, 0).await.unwrap();
    let (id, mut publisher) = claim(&a, &session).await;
    publisher.started().await;
    for (seq, text) in [(1, "one "), (2, "two "), (3, "three ")] {
        publisher.delta(seq, text).await;
    }

    // Pieces reach Redis a moment after they are written: joining through the stream before
    // they do and through the mirror after they do must both catch up.
    let mut early = b.follow(&session, 0).await.unwrap();
    let mut seen = early.answering().map_or(0, |answering| answering.seq);
    while seen < 3 {
        if let FeedEvent::Delta { seq, .. } = next(&mut early).await {
            seen = seq;
        }
    }
    let mut resumed = b.follow(&session, 1).await.unwrap();
    let answering = resumed.answering().expect("the answer in flight");
    assert_eq!(answering.message_id, id);
    assert_eq!(answering.seq, 3);
    assert_eq!(answering.catch_up, "two three ");
    publisher.delta(4, "four").await;
    assert_eq!(
        next(&mut resumed).await,
        delta(4, "four"),
        "no gap, no repeat"
    );
    publisher.finish(AnswerOutcome::died()).await;
    assert!(matches!(next(&mut resumed).await, FeedEvent::Finished(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_cancel_hold_across_instances() {
    let Some((a, b)) = two_hubs(120.0).await else {
        return;
    };
    let session = SessionId::generate();
    let _on_a = a.follow(&session, 0).await.unwrap();
    let mut on_b = b.follow(&session, 0).await.unwrap();
    let (_, mut publisher) = claim(&a, &session).await;
    publisher.started().await;
    assert!(matches!(next(&mut on_b).await, FeedEvent::Started { .. }));

    assert_eq!(
        b.claim(&session, Uuid::now_v7(), "me too".into())
            .await
            .err(),
        Some(HubError::Busy)
    );
    assert!(b.cancel(&session).await.unwrap());
    let cancelled = publisher.cancelled();
    tokio::time::timeout(Duration::from_secs(5), cancelled.cancelled())
        .await
        .expect("the cancel reached the writing instance");
    publisher.finish(AnswerOutcome::died()).await;
    assert!(matches!(next(&mut on_b).await, FeedEvent::Finished(_)));
    // The session is free again, from either instance.
    let (_, again) = claim(&b, &session).await;
    again.finish(AnswerOutcome::died()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_followed_only_on_another_instance_is_not_orphaned_but_one_followed_nowhere_is() {
    let Some((a, b)) = two_hubs(2.0).await else {
        return;
    };
    let followed = SessionId::generate();
    let on_b = b.follow(&followed, 0).await.unwrap();
    let (_, kept) = claim(&a, &followed).await;
    let nobody = SessionId::generate();
    let (_, dropped) = claim(&a, &nobody).await;

    tokio::time::timeout(Duration::from_secs(8), dropped.cancelled().cancelled())
        .await
        .expect("the answer nobody follows is stopped");
    assert!(
        !kept.cancelled().is_cancelled(),
        "a follower on the other instance keeps it going"
    );
    drop(on_b);
    tokio::time::timeout(Duration::from_secs(10), kept.cancelled().cancelled())
        .await
        .expect("once its follower left, it is stopped too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_may_ask_again_the_moment_its_answer_ends() {
    let Some((a, b)) = two_hubs(120.0).await else {
        return;
    };
    let session = SessionId::generate();
    let mut on_a = a.follow(&session, 0).await.unwrap();
    for round in 0..20 {
        let (_, publisher) = claim(&a, &session).await;
        publisher.finish(AnswerOutcome::died()).await;
        loop {
            if let FeedEvent::Finished(_) = next(&mut on_a).await {
                break;
            }
        }
        // What a client does on `response`: ask again, here or through another instance.
        let hub = if round % 2 == 0 { &a } else { &b };
        let (_, again) = claim(hub, &session).await;
        again.finish(AnswerOutcome::died()).await;
        loop {
            if let FeedEvent::Finished(_) = next(&mut on_a).await {
                break;
            }
        }
    }
}

/// A `redis-server` of this test's own, on a free port.
struct OwnRedis {
    child: Child,
    url: String,
}

impl OwnRedis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        Some(Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        })
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_mid_answer_costs_the_local_follower_nothing() {
    let Some(mut redis) = OwnRedis::start() else {
        assert!(std::env::var_os("CI").is_none(), "CI has redis-server");
        eprintln!("SKIPPED: redis-server is not installed");
        return;
    };
    let mut hub = None;
    for _ in 0..50 {
        match RedisHub::connect(&redis.url, "own", HubSettings::default()).await {
            Ok(connected) => {
                hub = Some(connected);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let hub = hub.expect("our redis-server answers");
    assert_eq!(hub.health(), Ok(()));
    let session = SessionId::generate();
    let mut feed = hub.follow(&session, 0).await.unwrap();
    let (_, mut publisher) = claim(&hub, &session).await;
    publisher.started().await;
    publisher.delta(1, "before ").await;

    let _ = redis.child.kill();
    let _ = redis.child.wait();
    publisher.delta(2, "after").await;
    publisher.finish(AnswerOutcome::died()).await;
    assert!(matches!(next(&mut feed).await, FeedEvent::Started { .. }));
    assert_eq!(next(&mut feed).await, delta(1, "before "));
    assert_eq!(next(&mut feed).await, delta(2, "after"));
    assert!(matches!(next(&mut feed).await, FeedEvent::Finished(_)));
    let degraded = hub.health().expect_err("Redis is gone");
    assert!(degraded.contains("this instance"), "{degraded}");

    // Questions still work on this instance while Redis is away.
    let other = SessionId::generate();
    let (_, local_only) = claim(&hub, &other).await;
    assert_eq!(
        hub.claim(&other, Uuid::now_v7(), "again".into())
            .await
            .err(),
        Some(HubError::Busy),
        "BUSY still holds here"
    );
    local_only.finish(AnswerOutcome::died()).await;

    // Redis comes back on the same port: the hub recovers by itself.
    let port = redis.url.rsplit(':').next().unwrap().to_owned();
    let restarted = Command::new("redis-server")
        .args(["--port", &port, "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    redis.child = restarted;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while hub.health().is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "recovered: {:?}",
            hub.health()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    hub.close();
}
