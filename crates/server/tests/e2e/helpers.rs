//! Spawning the real server on a free port with a fresh database, and a WebSocket client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use domain::{FinishReason, LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, Role, Usage};
use futures::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use server::startup::Stopper;
use server::{Application, Settings};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest wait for any frame: a test that would hang fails instead.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// The servers' log, once for all tests, into the test harness's capture: a failing test shows
/// what its server logged. `TEST_LOG=debug` (any filter) says how much; warnings by default.
static TRACING: std::sync::LazyLock<()> = std::sync::LazyLock::new(|| {
    let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_test_writer()
        .try_init();
});

pub const LANGUAGES_QUESTION: &str = "What programming languages does this person know?";

pub fn resume_path() -> String {
    format!("{}/../../data/resume.json", env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test: a temp SQLite file, or a fresh PostgreSQL database.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{db}")
}

impl TestDb {
    /// `None` when PostgreSQL is unreachable outside CI (the test then says it skipped).
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/chat.db?mode=rwc", dir.path().display());
                Some(Self {
                    url,
                    _dir: Some(dir),
                    pg_name: None,
                })
            }
            Backend::Postgres => {
                use sea_orm::{ConnectionTrait, Database};
                let admin = match Database::connect(pg_admin_url()).await {
                    Ok(db) => db,
                    Err(err) if std::env::var_os("CI").is_none() => {
                        eprintln!(
                            "SKIPPED: PostgreSQL is unreachable ({err}); set TEST_DATABASE_URL"
                        );
                        return None;
                    }
                    Err(err) => panic!("PostgreSQL is required in CI: {err}"),
                };
                let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                Some(Self {
                    url: pg_url_for(&name),
                    _dir: None,
                    pg_name: Some(name),
                })
            }
        }
    }

    /// Drops a PostgreSQL test database (best effort).
    pub async fn cleanup(&self) {
        use sea_orm::{ConnectionTrait, Database};
        if let Some(name) = &self.pg_name
            && let Ok(admin) = Database::connect(pg_admin_url()).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}

pub fn settings(db_url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("PORT".into(), "0".into());
    env.insert("DATABASE_URL".into(), db_url.into());
    env.insert("RESUME_PATH".into(), resume_path());
    env.insert("LOG_LEVEL".into(), "warn".into());
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    Settings::from_sources(None, env).expect("test settings are valid")
}

/// A running server.
pub struct TestApp {
    pub port: u16,
    pub stopper: Stopper,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    pub async fn spawn(settings: Settings, llm: Option<Arc<dyn LlmPort>>) -> Self {
        std::sync::LazyLock::force(&TRACING);
        let app = Application::build_with_llm(settings, llm)
            .await
            .expect("the app builds");
        let port = app.port();
        let stopper = app.stopper();
        let task = tokio::spawn(app.serve());
        Self {
            port,
            stopper,
            http: reqwest::Client::new(),
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn connect(&self, session_id: Option<&str>) -> WsClient {
        match session_id {
            Some(id) => self.connect_query(&format!("session_id={id}")).await,
            None => self.connect_query("").await,
        }
    }

    /// Opens `/ws?{query}`.
    pub async fn connect_query(&self, query: &str) -> WsClient {
        let url = format!("ws://127.0.0.1:{}/ws?{query}", self.port);
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket connects");
        WsClient { stream }
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn stop(self) {
        self.stopper.stop().await;
        let _ = self.task.await;
    }
}

pub struct WsClient {
    pub stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// The frames of one answered question.
#[derive(Debug)]
pub struct Exchange {
    /// The `message_id` of the answer's `answer_start`, when it was read here.
    pub started: Option<String>,
    pub deltas: Vec<String>,
    pub response: Value,
}

impl WsClient {
    /// The next JSON frame, skipping pings; panics after [`FRAME_TIMEOUT`].
    pub async fn recv(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame within the timeout")
                .expect("the socket is open")
                .expect("a valid frame");
            match next {
                WsMessage::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("frames are JSON");
                }
                WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The close frame's code, skipping anything before it.
    pub async fn recv_close_code(&mut self) -> Option<u16> {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame within the timeout");
            match next {
                Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn send_json(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(WsMessage::text(text)).await.expect("send");
    }

    pub async fn ask_start(&mut self, question: &str) {
        self.send_json(json!({"type": "question", "question": question}))
            .await;
    }

    /// Asks and collects deltas until the `response` frame.
    pub async fn ask(&mut self, question: &str) -> Exchange {
        self.ask_start(question).await;
        self.collect_answer().await
    }

    /// The rest of an answer, up to its `response`. Checks the protocol on the way: at most
    /// one `answer_start`, before any delta, naming the id the `response` names; deltas
    /// numbered 1, 2, 3, … with none missing or repeated.
    pub async fn collect_answer(&mut self) -> Exchange {
        let mut deltas = Vec::new();
        let mut started: Option<Value> = None;
        let mut last_seq: Option<u64> = None;
        loop {
            let frame = self.recv().await;
            match frame["type"].as_str() {
                Some("answer_start") => {
                    assert!(started.is_none() && deltas.is_empty(), "{frame}");
                    started = Some(frame["message_id"].clone());
                }
                Some("delta") => {
                    let seq = frame["seq"].as_u64().expect("a seq");
                    match last_seq {
                        Some(last) => assert_eq!(seq, last + 1, "{frame}"),
                        None if started.is_some() => assert_eq!(seq, 1, "{frame}"),
                        None => {}
                    }
                    last_seq = Some(seq);
                    deltas.push(frame["delta"].as_str().expect("text").to_owned());
                }
                Some("response") => {
                    if let Some(id) = &started {
                        assert_eq!(&frame["message_id"], id, "{frame}");
                    }
                    return Exchange {
                        started: started.and_then(|id| id.as_str().map(str::to_owned)),
                        deltas,
                        response: frame,
                    };
                }
                _ => panic!("unexpected frame while answering: {frame}"),
            }
        }
    }

    /// The first delta of an answer just asked for, after its `answer_start`.
    pub async fn first_delta(&mut self) -> Value {
        let start = self.recv().await;
        assert_eq!(start["type"], "answer_start", "{start}");
        assert!(start["message_id"].as_str().is_some(), "{start}");
        let delta = self.recv().await;
        assert_eq!(delta["type"], "delta", "{delta}");
        assert_eq!(delta["seq"], 1, "{delta}");
        delta
    }

    /// Expects an error frame with `code`.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], "error", "{frame}");
        assert_eq!(frame["code"], code, "{frame}");
        assert!(
            frame["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{frame}"
        );
        frame
    }
}

/// A model that records each request and answers with a scripted text, word by word, with an
/// optional pause between words.
#[derive(Debug)]
pub struct RecordingLlm {
    pub requests: Mutex<Vec<LlmRequest>>,
    answer: String,
    pause: Duration,
}

impl RecordingLlm {
    pub fn new(answer: &str, pause: Duration) -> Arc<Self> {
        Arc::new(Self {
            requests: Mutex::new(Vec::new()),
            answer: answer.to_owned(),
            pause,
        })
    }

    pub fn requests(&self) -> Vec<LlmRequest> {
        self.requests.lock().expect("lock").clone()
    }

    /// (role, content) of each message of the last request.
    pub fn last_prompt(&self) -> Vec<(Role, String)> {
        self.requests()
            .last()
            .expect("a request was made")
            .messages
            .iter()
            .map(|m| (m.role, m.content.to_string()))
            .collect()
    }
}

#[async_trait]
impl LlmPort for RecordingLlm {
    async fn stream_answer(&self, request: LlmRequest) -> Result<LlmStream, LlmError> {
        self.requests.lock().expect("lock").push(request);
        let pieces: Vec<String> = self
            .answer
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect();
        let pause = self.pause;
        let deltas = stream::iter(pieces).then(move |piece| async move {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            Ok(LlmEvent::Delta(piece))
        });
        let done = stream::once(async {
            Ok(LlmEvent::Finished {
                finish_reason: FinishReason::Stop,
                usage: Some(Usage {
                    prompt_tokens: 42,
                    completion_tokens: 7,
                }),
                model: Some("recording".into()),
            })
        });
        Ok(deltas.chain(done).boxed())
    }

    fn describe(&self) -> String {
        "recording test model".into()
    }
}

impl TestApp {
    /// Opens a socket sending `Origin: origin`.
    pub async fn connect_with_origin(&self, origin: &str) -> WsClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://127.0.0.1:{}/ws", self.port)
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("Origin", origin.parse().expect("header value"));
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        WsClient { stream }
    }

    /// The stored messages of a session (role, content), polled until `ready` holds or 10 s.
    pub async fn wait_for_messages(
        &self,
        session_id: &str,
        ready: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = self
                .get_json(&format!("/api/sessions/{session_id}/messages"))
                .await;
            let messages = body["messages"].as_array().cloned().unwrap_or_default();
            if status == 200 && ready(&messages) {
                return messages;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "messages never became ready: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `(role, content, tokens, metadata)` of a session's stored messages, read with SQL as an
/// operator's tool would.
pub async fn stored_rows(
    db_url: &str,
    session_id: &str,
) -> Vec<(String, String, Option<i64>, Option<String>)> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(db_url).await.expect("connect");
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT m.role, m.content, m.tokens::bigint AS tokens, m.metadata::text AS metadata \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.session_id = $1 ORDER BY m.created_at, m.id"
        }
        _ => {
            "SELECT m.role, m.content, m.tokens AS tokens, CAST(m.metadata AS TEXT) AS metadata \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.session_id = $1 ORDER BY m.created_at, m.id"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [session_id.into()],
        ))
        .await
        .expect("query");
    let out = rows
        .iter()
        .map(|row| {
            (
                row.try_get::<String>("", "role").expect("role"),
                row.try_get::<String>("", "content").expect("content"),
                row.try_get::<Option<i64>>("", "tokens").expect("tokens"),
                row.try_get::<Option<String>>("", "metadata")
                    .expect("metadata"),
            )
        })
        .collect();
    let _ = db.close().await;
    out
}

impl WsClient {
    /// True when the server greets the socket, false when it closes it at once.
    pub async fn recv_close_code_or_hello(&mut self) -> bool {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame within the timeout");
            match next {
                Some(Ok(WsMessage::Text(_))) => return true,
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return false,
                Some(Ok(_)) => {}
            }
        }
    }
}
