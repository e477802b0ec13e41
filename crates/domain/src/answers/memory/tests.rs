//! The in-process hub: pieces reach every follower once and in order, late followers catch
//! up from where they say they are, one answer per session, cancel from anywhere, orphans
//! stopped after the timeout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::*;

fn hub(orphan_secs: u64) -> MemoryHub {
    MemoryHub::new(HubSettings {
        orphan_answer_timeout: Duration::from_secs(orphan_secs),
    })
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

#[tokio::test]
async fn every_follower_gets_every_piece_once_in_order() {
    let hub = hub(120);
    let session = SessionId::generate();
    let mut first = hub.follow(&session, 0).await.unwrap();
    let mut second = hub.follow(&session, 0).await.unwrap();
    let id = Uuid::now_v7();
    let mut publisher = hub.claim(&session, id, "Q?".into()).await.unwrap();
    publisher.started().await;
    publisher.delta(1, "a").await;
    publisher.delta(2, "b").await;
    publisher.finish(AnswerOutcome::died()).await;

    for feed in [&mut first, &mut second] {
        assert_eq!(
            next(feed).await,
            FeedEvent::Started {
                message_id: id,
                question: "Q?".into()
            }
        );
        assert_eq!(next(feed).await, delta(1, "a"));
        assert_eq!(next(feed).await, delta(2, "b"));
        assert!(matches!(next(feed).await, FeedEvent::Finished(_)));
    }
}

#[tokio::test]
async fn a_late_follower_catches_up_after_the_pieces_it_has() {
    let hub = hub(120);
    let session = SessionId::generate();
    let id = Uuid::now_v7();
    let mut publisher = hub.claim(&session, id, "Q?".into()).await.unwrap();
    publisher.started().await;
    for (seq, text) in [(1, "one "), (2, "two "), (3, "three ")] {
        publisher.delta(seq, text).await;
    }

    let mut resumed = hub.follow(&session, 1).await.unwrap();
    assert_eq!(
        resumed.answering(),
        Some(Answering {
            message_id: id,
            seq: 3,
            catch_up: "two three ".into()
        })
    );
    let whole = hub.follow(&session, 0).await.unwrap();
    assert_eq!(whole.answering().unwrap().catch_up, "one two three ");
    let beyond = hub.follow(&session, 99).await.unwrap();
    assert_eq!(
        beyond.answering().unwrap().catch_up,
        "one two three ",
        "a seq past the latest belongs to another answer: everything is sent"
    );

    publisher.delta(4, "four").await;
    assert_eq!(
        next(&mut resumed).await,
        delta(4, "four"),
        "no repeat, no gap"
    );
}

#[tokio::test]
async fn a_session_has_one_answer_in_flight_at_a_time() {
    let hub = hub(120);
    let session = SessionId::generate();
    let _feed = hub.follow(&session, 0).await.unwrap();
    let publisher = hub
        .claim(&session, Uuid::now_v7(), "Q".into())
        .await
        .unwrap();
    assert_eq!(
        hub.claim(&session, Uuid::now_v7(), "Q".into()).await.err(),
        Some(HubError::Busy)
    );
    let other = SessionId::generate();
    assert!(hub.claim(&other, Uuid::now_v7(), "Q".into()).await.is_ok());
    publisher.finish(AnswerOutcome::died()).await;
    assert!(
        hub.claim(&session, Uuid::now_v7(), "Q".into())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_publisher_that_dies_frees_its_session() {
    let hub = hub(120);
    let session = SessionId::generate();
    let mut feed = hub.follow(&session, 0).await.unwrap();
    drop(
        hub.claim(&session, Uuid::now_v7(), "Q".into())
            .await
            .unwrap(),
    );
    match next(&mut feed).await {
        FeedEvent::Finished(outcome) => assert_eq!(*outcome, AnswerOutcome::died()),
        other => panic!("expected the end, got {other:?}"),
    }
    assert!(
        hub.claim(&session, Uuid::now_v7(), "Q".into())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn cancel_reaches_the_publisher_from_any_follower() {
    let hub = hub(120);
    let session = SessionId::generate();
    let _feed = hub.follow(&session, 0).await.unwrap();
    assert!(!hub.cancel(&session).await.unwrap(), "nothing in flight");
    let publisher = hub
        .claim(&session, Uuid::now_v7(), "Q".into())
        .await
        .unwrap();
    assert!(hub.cancel(&session).await.unwrap());
    assert!(publisher.cancelled().is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn an_answer_nobody_follows_is_stopped_after_the_orphan_timeout() {
    let hub = hub(120);
    let session = SessionId::generate();
    let feed = hub.follow(&session, 0).await.unwrap();
    let publisher = hub
        .claim(&session, Uuid::now_v7(), "Q".into())
        .await
        .unwrap();
    drop(feed);
    tokio::time::sleep(Duration::from_secs(119)).await;
    assert!(!publisher.cancelled().is_cancelled());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(publisher.cancelled().is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn a_follower_who_comes_back_in_time_keeps_the_answer_going() {
    let hub = hub(120);
    let session = SessionId::generate();
    let feed = hub.follow(&session, 0).await.unwrap();
    let publisher = hub
        .claim(&session, Uuid::now_v7(), "Q".into())
        .await
        .unwrap();
    drop(feed);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let back = hub.follow(&session, 0).await.unwrap();
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert!(
        !publisher.cancelled().is_cancelled(),
        "followed again in time"
    );
    drop(back);
    tokio::time::sleep(Duration::from_secs(121)).await;
    assert!(publisher.cancelled().is_cancelled(), "then left for good");
}

#[tokio::test]
async fn rooms_are_forgotten_when_nobody_follows_and_nothing_is_in_flight() {
    let hub = hub(120);
    let session = SessionId::generate();
    let feed = hub.follow(&session, 0).await.unwrap();
    let publisher = hub
        .claim(&session, Uuid::now_v7(), "Q".into())
        .await
        .unwrap();
    drop(feed);
    assert_eq!(hub.rooms(), 1, "the answer in flight keeps its room");
    publisher.finish(AnswerOutcome::died()).await;
    assert_eq!(hub.rooms(), 0);
}

#[tokio::test]
async fn cancel_all_stops_every_answer() {
    let hub = hub(120);
    let publishers = futures::future::join_all((0..3).map(|_| {
        let hub = hub.clone();
        async move {
            hub.claim(&SessionId::generate(), Uuid::now_v7(), "Q".into())
                .await
                .unwrap()
        }
    }))
    .await;
    hub.cancel_all();
    assert!(publishers.iter().all(|p| p.cancelled().is_cancelled()));
}
