//! `RETENTION_DAYS`: the server erases, at start, the conversations not updated for that long.

use std::time::Duration;

use adapters_postgres::{ConnectOptions, SeaOrmRepo};
use domain::{Conversation, Message, RepoPort, Role, SessionId};

use crate::helpers::{Backend, TestApp, TestDb, settings};

/// A conversation with one message, both stamped `age` ago, stored straight into `url`'s
/// database (migrated first).
async fn stored_conversation(url: &str, age: Duration) -> SessionId {
    let repo = SeaOrmRepo::connect(url, ConnectOptions::default())
        .await
        .unwrap();
    repo.migrate().await.unwrap();
    let fresh = Conversation::new(SessionId::generate());
    let at = fresh.updated_at - age;
    let conversation = Conversation {
        created_at: at,
        updated_at: at,
        ..fresh
    };
    repo.create_conversation(&conversation).await.unwrap();
    let message = Message {
        created_at: at,
        ..Message::new(conversation.id, Role::User, "Where did she study?".into())
    };
    repo.append_message(&message).await.unwrap();
    repo.connection().close_by_ref().await.unwrap();
    conversation.session_id
}

const DAY: Duration = Duration::from_secs(86_400);

on_both_backends!(conversations_older_than_retention_days_are_erased_at_start);
async fn conversations_older_than_retention_days_are_erased_at_start(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let old = stored_conversation(&db.url, 31 * DAY).await;
    let recent = stored_conversation(&db.url, 29 * DAY).await;

    let app = TestApp::spawn(settings(&db.url, &[("RETENTION_DAYS", "30")]), None).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _) = app.get_json(&format!("/api/sessions/{old}/messages")).await;
        if status == 404 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old conversation was never erased"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = app
        .get_json(&format!("/api/sessions/{recent}/messages"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(1), "{body}");

    // The page's notice says how long conversations are kept.
    let (_, resume) = app.get_json("/api/resume").await;
    assert_eq!(resume["retention_days"], 30, "{resume}");

    app.stop().await;
    db.cleanup().await;
}
