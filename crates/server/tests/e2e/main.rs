//! End to end: the real server on a free port, a real WebSocket client, SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod binary;
mod cli;
mod faults;
mod helpers;
mod hostile;
mod limits;
mod llm;
mod properties;
mod reload;
mod secrets;

use std::sync::Arc;
use std::time::Duration;

use domain::{LlmPort, Role};
use futures::SinkExt;
use helpers::{Backend, LANGUAGES_QUESTION, RecordingLlm, TestApp, TestDb, settings};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Runs `$body(backend)` once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Backend::Postgres).await;
            }
        }
    };
}

// After the macro, which they use.
mod resumable;
mod retention;

async fn start(
    backend: Backend,
    llm: Option<Arc<dyn LlmPort>>,
    extra: &[(&str, &str)],
) -> Option<(TestApp, TestDb)> {
    let db = TestDb::new(backend).await?;
    let app = TestApp::spawn(settings(&db.url, extra), llm).await;
    Some((app, db))
}

async fn finish(app: TestApp, db: TestDb) {
    app.stop().await;
    db.cleanup().await;
}

fn assert_uuid(value: &Value) -> String {
    let text = value.as_str().expect("a string id");
    uuid::Uuid::parse_str(text).expect("a UUID");
    text.to_owned()
}

on_both_backends!(conversation_streams_is_stored_and_resumes_with_its_history);
async fn conversation_streams_is_stored_and_resumes_with_its_history(backend: Backend) {
    let llm = RecordingLlm::new("She knows Rust, Go and Python.", Duration::ZERO);
    let Some((app, db)) = start(backend, Some(llm.clone()), &[]).await else {
        return;
    };

    let mut ws = app.connect(None).await;
    let hello = ws.recv().await;
    assert_eq!(hello["type"], "system");
    assert_eq!(hello["resumed"], false);
    assert!(hello["message"].as_str().unwrap().starts_with("Connected!"));
    let session_id = assert_uuid(&hello["session_id"]);

    let first = ws.ask(LANGUAGES_QUESTION).await;
    assert!(first.deltas.len() > 1, "the answer streams in pieces");
    assert_eq!(first.deltas.concat(), first.response["response"]);
    assert_eq!(first.response["response"], "She knows Rust, Go and Python.");
    assert_eq!(first.response["finish_reason"], "stop");
    assert_eq!(first.response["usage"]["prompt_tokens"], 42);
    assert_eq!(first.response["usage"]["completion_tokens"], 7);
    let first_id = assert_uuid(&first.response["message_id"]);
    assert_eq!(
        first.started.as_deref(),
        Some(first_id.as_str()),
        "answer_start names the answer's id before its first delta"
    );
    drop(ws);

    let mut ws = app.connect(Some(&session_id)).await;
    let hello = ws.recv().await;
    assert_eq!(hello["resumed"], true);
    assert_eq!(hello["session_id"], session_id.as_str());
    let second = ws.ask("And which one is her favourite?").await;
    assert_eq!(second.deltas.concat(), second.response["response"]);

    let prompt = llm.last_prompt();
    assert_eq!(
        prompt.len(),
        4,
        "system, stored question, stored answer, new question"
    );
    assert_eq!(prompt[0].0, Role::System);
    assert!(
        prompt[0].1.contains("Maya Lindqvist"),
        "the resume is in the prompt"
    );
    assert_eq!(prompt[1], (Role::User, LANGUAGES_QUESTION.to_owned()));
    assert_eq!(
        prompt[2],
        (Role::Assistant, "She knows Rust, Go and Python.".to_owned())
    );
    assert_eq!(
        prompt[3],
        (Role::User, "And which one is her favourite?".to_owned())
    );

    let (status, body) = app
        .get_json(&format!("/api/sessions/{session_id}/messages"))
        .await;
    assert_eq!(status, 200);
    let messages = body["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
    assert_eq!(
        messages[1]["id"],
        first_id.as_str(),
        "message_id names the stored row"
    );
    assert_eq!(messages[1]["content"], "She knows Rust, Go and Python.");

    finish(app, db).await;
}

on_both_backends!(offline_answerer_names_the_languages_of_the_resume);
async fn offline_answerer_names_the_languages_of_the_resume(backend: Backend) {
    let Some((app, db)) = start(backend, None, &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    let exchange = ws.ask(LANGUAGES_QUESTION).await;
    let answer = exchange.response["response"].as_str().unwrap();
    assert_eq!(exchange.deltas.concat(), answer);
    for language in ["Rust", "Go", "Python"] {
        assert!(
            answer.contains(language),
            "{language} missing from {answer:?}"
        );
    }
    let (_, info) = app.get_json("/api/resume").await;
    assert_eq!(info["name"], "Maya Lindqvist");
    assert_eq!(info["offline"], true);
    finish(app, db).await;
}

on_both_backends!(bad_frames_get_their_error_codes_and_the_socket_keeps_working);
async fn bad_frames_get_their_error_codes_and_the_socket_keeps_working(backend: Backend) {
    let llm = RecordingLlm::new("fine", Duration::ZERO);
    let Some((app, db)) = start(backend, Some(llm), &[("MAX_QUESTION_CHARS", "50")]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;

    ws.send_text("this is not json").await;
    ws.expect_error("VALIDATION_ERROR").await;
    ws.send_text(r#"{"type":"dance"}"#).await;
    ws.expect_error("VALIDATION_ERROR").await;
    ws.send_text(r#"{"type":"question"}"#).await;
    ws.expect_error("VALIDATION_ERROR").await;
    ws.send_json(json!({"type": "question", "question": "  \u{0001} \n "}))
        .await;
    ws.expect_error("VALIDATION_ERROR").await;
    ws.send_json(json!({"type": "question", "question": "x".repeat(51)}))
        .await;
    let too_long = ws.expect_error("VALIDATION_ERROR").await;
    assert!(too_long["error"].as_str().unwrap().contains("50"));
    ws.stream
        .send(WsMessage::binary(vec![0u8, 159, 146, 150]))
        .await
        .unwrap();
    ws.expect_error("VALIDATION_ERROR").await;

    let exchange = ws.ask("still there?").await;
    assert_eq!(exchange.response["response"], "fine");
    finish(app, db).await;
}

on_both_backends!(a_question_while_one_streams_is_busy_and_cancel_stops_the_answer);
async fn a_question_while_one_streams_is_busy_and_cancel_stops_the_answer(backend: Backend) {
    let llm = RecordingLlm::new(
        "one two three four five six seven eight nine ten eleven twelve",
        Duration::from_millis(100),
    );
    let Some((app, db)) = start(backend, Some(llm), &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    let hello = ws.recv().await;
    let session_id = hello["session_id"].as_str().unwrap().to_owned();

    ws.ask_start("tell me slowly").await;
    let first = ws.first_delta().await;
    ws.ask_start("and another thing").await;
    ws.expect_error("BUSY").await;

    ws.send_json(json!({"type": "cancel"})).await;
    let mut deltas = vec![first["delta"].as_str().unwrap().to_owned()];
    let response = loop {
        let frame = ws.recv().await;
        match frame["type"].as_str() {
            Some("delta") => deltas.push(frame["delta"].as_str().unwrap().to_owned()),
            Some("response") => break frame,
            _ => panic!("unexpected {frame}"),
        }
    };
    assert_eq!(response["finish_reason"], "cancelled");
    assert_eq!(deltas.concat(), response["response"]);
    assert!(deltas.len() < 12, "the answer stopped early");

    let (_, body) = app
        .get_json(&format!("/api/sessions/{session_id}/messages"))
        .await;
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(
        messages.len(),
        2,
        "question and partial answer stored: {body}"
    );
    assert_eq!(messages[1]["content"], response["response"]);

    // The socket is free again.
    let exchange = ws.ask("next").await;
    assert_eq!(exchange.response["finish_reason"], "stop");
    finish(app, db).await;
}

on_both_backends!(unknown_and_malformed_session_ids_start_new_conversations);
async fn unknown_and_malformed_session_ids_start_new_conversations(backend: Backend) {
    let Some((app, db)) = start(backend, None, &[]).await else {
        return;
    };
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut ws = app.connect(Some(&unknown)).await;
    let hello = ws.recv().await;
    assert_eq!(hello["resumed"], false);
    assert_ne!(
        hello["session_id"],
        unknown.as_str(),
        "clients never choose ids"
    );

    let mut ws = app.connect(Some("not-a-uuid")).await;
    let hello = ws.recv().await;
    assert_eq!(hello["resumed"], false);
    assert_uuid(&hello["session_id"]);
    finish(app, db).await;
}

on_both_backends!(http_routes_answer_health_readiness_and_history_errors);
async fn http_routes_answer_health_readiness_and_history_errors(backend: Backend) {
    let Some((app, db)) = start(backend, None, &[]).await else {
        return;
    };
    assert_eq!(
        app.get_json("/health").await,
        (200, json!({"status": "healthy"}))
    );
    assert_eq!(app.get_json("/ready").await.0, 200);
    let (status, body) = app.get_json("/api/sessions/nope/messages").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "VALIDATION_ERROR");
    let (status, body) = app
        .get_json(&format!("/api/sessions/{}/messages", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    let page = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Resume chat"));
    finish(app, db).await;
}

on_both_backends!(deleting_a_session_erases_its_history);
async fn deleting_a_session_erases_its_history(backend: Backend) {
    let Some((app, db)) = start(backend, None, &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    let id = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    ws.ask("Where does she work?").await;
    let url = app.url(&format!("/api/sessions/{id}"));
    assert_eq!(app.http.delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(app.http.delete(&url).send().await.unwrap().status(), 404);
    let (status, _) = app.get_json(&format!("/api/sessions/{id}/messages")).await;
    assert_eq!(status, 404);
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_the_socket_with_1009() {
    let Some((app, db)) = start(Backend::Sqlite, None, &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    let huge = json!({"type": "question", "question": "x".repeat(200_000)});
    ws.send_json(huge).await;
    assert_eq!(ws.recv_close_code().await, Some(1009));
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_survives_a_restart_of_the_server() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let app = TestApp::spawn(settings(&db.url, &[]), None).await;
    let mut ws = app.connect(None).await;
    let id = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    let before = ws.ask(LANGUAGES_QUESTION).await;
    drop(ws);
    app.stop().await;

    let app = TestApp::spawn(settings(&db.url, &[]), None).await;
    let mut ws = app.connect(Some(&id)).await;
    assert_eq!(ws.recv().await["resumed"], true);
    let (_, body) = app.get_json(&format!("/api/sessions/{id}/messages")).await;
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["content"], before.response["response"]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sockets_with_1001() {
    let Some((app, db)) = start(Backend::Sqlite, None, &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    let stopper = app.stopper.clone();
    let stopping = tokio::spawn(async move { stopper.stop().await });
    assert_eq!(ws.recv_close_code().await, Some(1001));
    stopping.await.unwrap();
    finish(app, db).await;
}
