//! The server with `LLM_BASE_URL` pointing at fake-llm: streaming, faults, cancel, disconnect.

use std::time::Duration;

use fake_llm::{FakeLlm, FakeLlmHandle, Fault};
use serde_json::json;

use crate::helpers::{Backend, TestApp, TestDb, settings, stored_rows};

const SECRET_KEY: &str = "sk-or-test-very-secret-key";

async fn start_with(fake: &FakeLlmHandle, backend: Backend) -> Option<(TestApp, TestDb)> {
    start_with_env(fake, backend, &[]).await
}

/// As [`start_with`], with `extra` variables set over the test model's.
async fn start_with_env(
    fake: &FakeLlmHandle,
    backend: Backend,
    extra: &[(&str, &str)],
) -> Option<(TestApp, TestDb)> {
    let db = TestDb::new(backend).await?;
    let base_url = fake.base_url();
    let mut env = vec![
        ("OPENROUTER_API_KEY", SECRET_KEY),
        ("LLM_BASE_URL", &base_url),
        ("LLM_MODEL", "test/primary"),
        ("LLM_MAX_RETRIES", "1"),
        ("LLM_BACKOFF_BASE", "0.01"),
        ("LLM_TIMEOUT", "5"),
        ("LLM_STALL_TIMEOUT", "1"),
        ("LLM_APP_TITLE", "Resume chat tests"),
    ];
    env.extend_from_slice(extra);
    let app = TestApp::spawn(settings(&db.url, &env), None).await;
    Some((app, db))
}

async fn session_of(ws: &mut crate::helpers::WsClient) -> String {
    ws.recv().await["session_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_answer_streams_as_deltas_and_both_sides_are_stored_in_postgres() {
    let fake = FakeLlm::builder()
        .answer("Maya writes Rust and Go, and some Python for tooling.")
        .token_delay(Duration::from_millis(2))
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with(&fake, Backend::Postgres).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    let session = session_of(&mut ws).await;
    let exchange = ws.ask("Which languages does she use?").await;
    assert!(
        exchange.deltas.len() > 3,
        "token by token: {:?}",
        exchange.deltas
    );
    assert_eq!(exchange.deltas.concat(), exchange.response["response"]);
    assert_eq!(
        exchange.response["response"],
        "Maya writes Rust and Go, and some Python for tooling."
    );
    assert_eq!(exchange.response["finish_reason"], "stop");
    let completion = exchange.response["usage"]["completion_tokens"]
        .as_u64()
        .unwrap();
    assert!(completion > 0);

    let request = &fake.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(request.header("x-title"), Some("Resume chat tests"));
    assert_eq!(request.model(), Some("test/primary"));
    let system = request.body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Maya Lindqvist"));

    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "user");
    assert!(rows[0].2.is_some(), "the question's token count is stored");
    assert_eq!(rows[1].0, "assistant");
    assert_eq!(rows[1].1, exchange.response["response"].as_str().unwrap());
    // `tokens` is our own count (what later prompts are budgeted with); the provider's count
    // is kept in the metadata.
    assert!(rows[1].2.is_some_and(|n| n > 0), "{:?}", rows[1].2);
    let metadata: serde_json::Value = serde_json::from_str(rows[1].3.as_deref().unwrap()).unwrap();
    assert_eq!(
        metadata["usage"]["completion_tokens"], completion,
        "{metadata}"
    );
    assert_eq!(metadata["finish_reason"], "stop", "{metadata}");
    assert_eq!(metadata["model"], "test/primary", "{metadata}");
    finish(app, db, fake).await;
}

async fn finish(app: TestApp, db: TestDb, fake: FakeLlmHandle) {
    app.stop().await;
    db.cleanup().await;
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_keeps_answering_429_is_reported_as_rate_limit() {
    let fake = FakeLlm::builder()
        .always(Fault::rate_limited(Some(1)))
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with(&fake, Backend::Sqlite).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("hello?").await;
    let error = ws.expect_error("RATE_LIMIT").await;
    assert!(error["retry_after"].as_u64().is_some(), "{error}");
    assert_eq!(fake.request_count(), 2, "one retry, then the error");
    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 1, "the question is stored, no answer invented");
    finish(app, db, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_is_an_api_error_that_never_shows_the_key() {
    let fake = FakeLlm::builder()
        .faults([Fault::status(401)])
        .answer("Recovered.")
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with(&fake, Backend::Sqlite).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    session_of(&mut ws).await;
    ws.ask_start("hello?").await;
    let error = ws.expect_error("API_ERROR").await;
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains(SECRET_KEY), "{message}");
    assert_eq!(fake.request_count(), 1, "401 is not retried");

    let exchange = ws.ask("and now?").await;
    assert_eq!(exchange.response["response"], "Recovered.");
    finish(app, db, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_mid_answer_is_an_api_error_after_the_stored_partial() {
    let fake = FakeLlm::builder()
        .answer("one two three four five six")
        .faults([Fault::StreamError { after_tokens: 2 }])
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with(&fake, Backend::Sqlite).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("count").await;
    let mut partial = String::new();
    let error = loop {
        let frame = ws.recv().await;
        match frame["type"].as_str() {
            Some("answer_start") => assert!(partial.is_empty(), "{frame}"),
            Some("delta") => partial.push_str(frame["delta"].as_str().unwrap()),
            Some("error") => break frame,
            _ => panic!("unexpected {frame}"),
        }
    };
    assert_eq!(error["code"], "API_ERROR");
    assert!(!partial.is_empty());
    assert!(error["error"].as_str().unwrap().contains("was saved"));
    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].1, partial);
    let metadata: serde_json::Value = serde_json::from_str(rows[1].3.as_deref().unwrap()).unwrap();
    assert_eq!(metadata["finish_reason"], "error", "{metadata}");
    assert_eq!(fake.request_count(), 1, "no retry once deltas were sent");
    finish(app, db, fake).await;
}

/// A server whose model writes a long answer slowly, and a socket with that answer under way
/// (its first delta received).
async fn mid_long_answer(
    backend: Backend,
) -> Option<(
    FakeLlmHandle,
    TestApp,
    TestDb,
    crate::helpers::WsClient,
    String,
)> {
    mid_long_answer_with(backend, &[]).await
}

/// As [`mid_long_answer`], with `extra` variables for the server.
async fn mid_long_answer_with(
    backend: Backend,
    extra: &[(&str, &str)],
) -> Option<(
    FakeLlmHandle,
    TestApp,
    TestDb,
    crate::helpers::WsClient,
    String,
)> {
    let fake = FakeLlm::builder()
        .answer("word ".repeat(200))
        .token_delay(Duration::from_millis(20))
        .spawn()
        .await
        .unwrap();
    let (app, db) = start_with_env(&fake, backend, extra).await?;
    let mut ws = app.connect(None).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("talk a lot").await;
    ws.first_delta().await;
    Some((fake, app, db, ws, session))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_drops_the_upstream_request_and_stores_the_partial_answer() {
    let Some((fake, app, db, mut ws, session)) = mid_long_answer(Backend::Postgres).await else {
        return;
    };
    ws.send_json(json!({"type": "cancel"})).await;
    let rest = ws.collect_answer().await;
    assert_eq!(rest.response["finish_reason"], "cancelled");
    assert!(
        fake.wait_for_closed_early(1, Duration::from_secs(5)).await,
        "the upstream connection was closed"
    );
    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].1, rest.response["response"].as_str().unwrap());
    finish(app, db, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_mid_answer_leaves_the_upstream_request_to_finish() {
    let Some((fake, app, db, ws, session)) = mid_long_answer(Backend::Sqlite).await else {
        return;
    };
    drop(ws);
    let messages = app.wait_for_messages(&session, |m| m.len() == 2).await;
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"], "word ".repeat(200));
    assert_eq!(messages[1]["finish_reason"], "stop");
    assert_eq!(fake.connections_closed_early(), 0, "the answer was not cut");
    finish(app, db, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphaned_answer_drops_the_upstream_request() {
    let Some((fake, app, db, ws, session)) =
        mid_long_answer_with(Backend::Sqlite, &[("ORPHAN_ANSWER_TIMEOUT", "0.5")]).await
    else {
        return;
    };
    drop(ws);
    assert!(fake.wait_for_closed_early(1, Duration::from_secs(5)).await);
    let messages = app.wait_for_messages(&session, |m| m.len() == 2).await;
    assert_eq!(messages[1]["finish_reason"], "cancelled");
    assert!(!messages[1]["content"].as_str().unwrap().is_empty());
    finish(app, db, fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_provider_is_cut_and_retried_without_blocking_other_clients() {
    let fake = FakeLlm::builder()
        .faults([Fault::Hang])
        .answer("I am fine.")
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with(&fake, Backend::Sqlite).await else {
        return;
    };
    let mut stuck = app.connect(None).await;
    session_of(&mut stuck).await;
    stuck.ask_start("hello?").await;
    assert!(fake.wait_for_requests(1, Duration::from_secs(5)).await);

    // While the first visitor's request hangs, another visitor is answered.
    let mut other = app.connect(None).await;
    session_of(&mut other).await;
    let exchange = other.ask("are you there?").await;
    assert_eq!(exchange.response["response"], "I am fine.");

    // The hung request is cut by the silence limit and retried.
    let recovered = stuck.collect_answer().await;
    assert_eq!(recovered.response["response"], "I am fine.");
    assert_eq!(fake.request_count(), 3);
    finish(app, db, fake).await;
}

/// A slow self-hosted model (5–15 tokens/s): it starts within `LLM_TIMEOUT`, then streams at a
/// steady pace for several times `LLM_TIMEOUT`. The answer reaches the visitor whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_answer_longer_than_llm_timeout_is_not_cut() {
    let answer = "Maya has led platform teams for six years. ".repeat(4);
    let fake = FakeLlm::builder()
        .answer(answer.clone())
        .token_delay(Duration::from_millis(40))
        .spawn()
        .await
        .unwrap();
    let Some((app, db)) = start_with_env(&fake, Backend::Sqlite, &[("LLM_TIMEOUT", "0.5")]).await
    else {
        return;
    };
    let mut ws = app.connect(None).await;
    session_of(&mut ws).await;
    let started = std::time::Instant::now();
    let exchange = ws.ask("How long has she led teams?").await;

    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the answer was not slow"
    );
    assert_eq!(exchange.response["finish_reason"], "stop");
    assert_eq!(exchange.response["response"], answer.as_str());
    assert_eq!(exchange.deltas.concat(), answer);
    assert_eq!(fake.request_count(), 1);
    finish(app, db, fake).await;
}
