//! Limits, shutdown, several instances and metrics, end to end.

use std::time::Duration;

use crate::helpers::{Backend, RecordingLlm, TestApp, TestDb, settings};

async fn start(backend: Backend, extra: &[(&str, &str)]) -> Option<(TestApp, TestDb)> {
    let db = TestDb::new(backend).await?;
    let app = TestApp::spawn(settings(&db.url, extra), None).await;
    Some((app, db))
}

async fn finish(app: TestApp, db: TestDb) {
    app.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_beyond_the_per_client_rate_are_refused_with_when_to_retry() {
    let Some((app, db)) = start(Backend::Sqlite, &[("RATE_LIMIT_PER_MINUTE", "2")]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    ws.ask("one").await;
    ws.ask("two").await;
    ws.ask_start("three").await;
    let error = ws.expect_error("RATE_LIMIT_EXCEEDED").await;
    let retry = error["retry_after"].as_u64().unwrap();
    assert!((1..=30).contains(&retry), "{error}");
    // The limit is per client, not per socket.
    let mut second = app.connect(None).await;
    second.recv().await;
    second.ask_start("four").await;
    second.expect_error("RATE_LIMIT_EXCEEDED").await;
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_beyond_the_per_client_limit_are_closed_with_1008() {
    let Some((app, db)) = start(Backend::Sqlite, &[("MAX_CONNECTIONS_PER_IP", "2")]).await else {
        return;
    };
    let mut a = app.connect(None).await;
    a.recv().await;
    let mut b = app.connect(None).await;
    b.recv().await;
    let mut c = app.connect(None).await;
    assert_eq!(c.recv_close_code().await, Some(1008));
    drop(a);
    // The place is freed when a socket closes.
    let mut d = None;
    for _ in 0..50 {
        let mut ws = app.connect(None).await;
        if ws.recv_close_code_or_hello().await {
            d = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(d.is_some(), "a freed place is given to a new socket");
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_beyond_the_server_limit_are_closed_with_1008() {
    let Some((app, db)) = start(Backend::Sqlite, &[("MAX_CONNECTIONS", "1")]).await else {
        return;
    };
    let mut a = app.connect(None).await;
    a.recv().await;
    let mut b = app.connect(None).await;
    assert_eq!(b.recv_close_code().await, Some(1008));
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_origin_is_closed_with_1008_and_a_listed_one_is_served() {
    let Some((app, db)) = start(
        Backend::Sqlite,
        &[("ALLOWED_ORIGINS", "https://portfolio.example")],
    )
    .await
    else {
        return;
    };
    let mut evil = app.connect_with_origin("https://evil.example").await;
    assert_eq!(evil.recv_close_code().await, Some(1008));
    let mut listed = app.connect_with_origin("https://portfolio.example").await;
    assert_eq!(listed.recv().await["type"], "system");
    let own = format!("http://127.0.0.1:{}", app.port);
    let mut same = app.connect_with_origin(&own).await;
    assert_eq!(same.recv().await["type"], "system");
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_are_closed() {
    let Some((app, db)) = start(Backend::Sqlite, &[("WS_IDLE_TIMEOUT", "1")]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    // The client answers pings (tungstenite does) but sends nothing itself.
    assert_eq!(ws.recv_close_code().await, Some(1000));
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_answer_in_flight_finish_and_stores_it() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let llm = RecordingLlm::new("one two three four five six", Duration::from_millis(100));
    let app = TestApp::spawn(settings(&db.url, &[]), Some(llm)).await;
    let mut ws = app.connect(None).await;
    let session = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    ws.ask_start("count slowly").await;
    ws.first_delta().await;

    let stopper = app.stopper.clone();
    let stopping = tokio::spawn(async move { stopper.stop().await });
    let rest = ws.collect_answer().await;
    assert_eq!(rest.response["finish_reason"], "stop");
    assert_eq!(ws.recv_close_code().await, Some(1001));
    stopping.await.unwrap();
    app.stop().await;

    let app = TestApp::spawn(settings(&db.url, &[]), None).await;
    let messages = app.wait_for_messages(&session, |m| m.len() == 2).await;
    assert_eq!(messages[1]["content"], "one two three four five six");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_started_on_one_instance_resumes_on_another() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let first = TestApp::spawn(settings(&db.url, &[]), None).await;
    let second = TestApp::spawn(settings(&db.url, &[]), None).await;
    let mut ws = first.connect(None).await;
    let session = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    ws.ask("Where does she work?").await;

    let mut ws = second.connect(Some(&session)).await;
    let hello = ws.recv().await;
    assert_eq!(hello["resumed"], true);
    ws.ask("And before that?").await;
    let messages = first.wait_for_messages(&session, |m| m.len() == 4).await;
    assert_eq!(messages[2]["content"], "And before that?");
    first.stop().await;
    second.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_sockets_questions_answers_errors_and_storage() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    ws.ask("What are her skills?").await;
    ws.send_text("not json").await;
    ws.expect_error("VALIDATION_ERROR").await;

    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for needle in [
        "resume_chat_ws_connections",
        "resume_chat_questions_total",
        "resume_chat_answers_total{finish_reason=\"stop\"}",
        "resume_chat_errors_total{code=\"VALIDATION_ERROR\"}",
        "resume_chat_llm_first_token_seconds",
        "resume_chat_db_seconds",
        "resume_chat_db_pool_in_use",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    finish(app, db).await;
}

/// The real binary, a real SIGTERM: the answer being written still arrives, then 1001, then the
/// process exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_to_the_binary_finishes_the_answer_then_closes_with_1001() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = crate::binary::Binary::start(&db.url, &[], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    ws.recv().await;
    ws.ask_start("Tell me everything about her experience")
        .await;
    ws.first_delta().await;

    server.signal("TERM");
    let rest = ws.collect_answer().await;
    assert_eq!(rest.response["finish_reason"], "stop");
    assert_eq!(ws.recv_close_code().await, Some(1001));
    server.stop_signalled().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_carry_security_headers_and_other_methods_get_405() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    for path in ["/", "/health", "/api/resume"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(
            !csp.contains("'unsafe-inline'") || path != "/",
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    let response = app.http.post(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    finish(app, db).await;
}

/// The CSP's `frame-ancestors` directive of a response, and its `X-Frame-Options`.
fn framing_headers(response: &reqwest::Response) -> (String, Option<String>) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ancestors = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("frame-ancestors"))
        .unwrap_or_default()
        .to_owned();
    let xfo = headers
        .get("x-frame-options")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (ancestors, xfo)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_no_site_may_frame_any_response() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    for path in ["/", "/health", "/docs/websocket"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        let (ancestors, xfo) = framing_headers(&response);
        assert_eq!(ancestors, "frame-ancestors 'none'", "{path}");
        assert_eq!(xfo.as_deref(), Some("DENY"), "{path}");
    }
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_ancestors_let_the_listed_sites_frame_the_chat_page_only() {
    let listed = "https://portfolio.example,http://localhost:3000";
    let Some((app, db)) = start(Backend::Sqlite, &[("FRAME_ANCESTORS", listed)]).await else {
        return;
    };
    let page = app.http.get(app.url("/")).send().await.unwrap();
    let (ancestors, xfo) = framing_headers(&page);
    assert_eq!(
        ancestors,
        "frame-ancestors https://portfolio.example http://localhost:3000"
    );
    assert_eq!(xfo, None, "X-Frame-Options would override the allow-list");
    // Everything else still refuses to be framed, by its CSP.
    for path in ["/health", "/api/resume", "/docs/websocket"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        let (ancestors, _) = framing_headers(&response);
        assert_eq!(ancestors, "frame-ancestors 'none'", "{path}");
    }
    finish(app, db).await;
}

#[test]
fn frame_ancestors_that_are_not_origins_stop_the_start() {
    let mut env = std::collections::HashMap::new();
    env.insert(
        "FRAME_ANCESTORS".to_owned(),
        "https://ok.example,*".to_owned(),
    );
    let error = server::Settings::from_sources(None, env)
        .unwrap_err()
        .to_string();
    assert!(error.contains("FRAME_ANCESTORS"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_get_route_answers_head_with_its_headers_and_no_body() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    for path in [
        "/",
        "/health",
        "/ready",
        "/api/resume",
        "/openapi.json",
        "/redoc",
        "/docs",
        "/docs/websocket",
        "/metrics",
        "/static/app.js",
    ] {
        let get = app.http.get(app.url(path)).send().await.unwrap();
        let get_status = get.status();
        let get_type = get.headers().get("content-type").cloned();
        let head = app.http.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get_status, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type").cloned(),
            get_type,
            "HEAD {path}"
        );
        assert_eq!(
            head.headers()["x-content-type-options"],
            "nosniff",
            "HEAD {path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    finish(app, db).await;
}
