//! Secrets never reach the log: the real binary at `LOG_LEVEL=trace`, with passwords in the
//! database URL (one holding `@`, one as a query parameter), credentials in the model's base URL
//! and an API key, answering a question.

use fake_llm::FakeLlm;

use crate::binary::Binary;
use crate::helpers::{Backend, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_key_or_credential_reaches_the_log_even_at_trace() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let fake = FakeLlm::builder()
        .answer("She writes Rust.")
        .spawn()
        .await
        .unwrap();
    // Trust authentication takes any password, so the URL works as written.
    let db_url = db.url.replacen(
        "postgres://postgres@",
        "postgres://postgres:p@ss-hunter2@",
        1,
    ) + "?password=hunter3-query";
    let base_url = fake
        .base_url()
        .replacen("http://", "http://llmuser:llm-secret-5@", 1);
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Binary::start(
        &db_url,
        &[
            ("LOG_LEVEL", "trace"),
            ("OPENROUTER_API_KEY", "sk-key-secret-6"),
            ("LLM_BASE_URL", &base_url),
        ],
        Some(log.path()),
    )
    .await;
    let mut ws = server.connect("/ws", &[]).await;
    ws.recv().await;
    let answer = ws.ask("What does she write?").await;
    assert_eq!(answer.response["response"], "She writes Rust.");
    drop(ws);
    server.stop().await;

    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(logged.len() > 10_000, "the trace log was written");
    for secret in [
        "hunter2",
        "hunter3-query",
        "llm-secret-5",
        "sk-key-secret-6",
    ] {
        let line = logged.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "{secret} is in the log: {line:?}");
    }
    assert!(
        logged.contains("postgres:***@"),
        "the redacted URL is logged"
    );
    fake.shutdown().await;
    db.cleanup().await;
}
