//! Answers that outlive their sockets: reconnecting mid-answer, several tabs on one session,
//! cancel from any of them, and answers nobody follows any more.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, RecordingLlm, TestApp, TestDb, WsClient, settings, stored_rows};

/// Twelve words, one every 150 ms: long enough to drop and come back in the middle.
const SLOW_ANSWER: &str = "one two three four five six seven eight nine ten eleven twelve";

async fn start(backend: Backend, extra: &[(&str, &str)]) -> Option<(TestApp, TestDb)> {
    let db = TestDb::new(backend).await?;
    let llm = RecordingLlm::new(SLOW_ANSWER, Duration::from_millis(150));
    let app = TestApp::spawn(settings(&db.url, extra), Some(llm)).await;
    Some((app, db))
}

async fn finish(app: TestApp, db: TestDb) {
    app.stop().await;
    db.cleanup().await;
}

/// A socket on a new session that has asked and read the answer's first `n` deltas.
async fn asked_and_read(app: &TestApp, n: u64) -> (WsClient, String, Vec<(u64, String)>) {
    let mut ws = app.connect(None).await;
    let session = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    ws.ask_start("count slowly").await;
    let start = ws.recv().await;
    assert_eq!(start["type"], "answer_start", "{start}");
    assert_eq!(start["question"], "count slowly", "{start}");
    let mut deltas = Vec::new();
    while (deltas.len() as u64) < n {
        let frame = ws.recv().await;
        assert_eq!(frame["type"], "delta", "{frame}");
        deltas.push((frame["seq"].as_u64().unwrap(), text(&frame)));
    }
    (ws, session, deltas)
}

fn text(frame: &Value) -> String {
    frame["delta"].as_str().unwrap().to_owned()
}

/// The frames after a resuming socket's `system` frame up to the `response`: the catch-up
/// delta and the live ones as `(seq, text)`, and the response.
async fn rest_of_answer(ws: &mut WsClient) -> (Vec<(u64, String)>, Value) {
    let mut deltas = Vec::new();
    loop {
        let frame = ws.recv().await;
        match frame["type"].as_str() {
            Some("delta") => deltas.push((frame["seq"].as_u64().unwrap(), text(&frame))),
            Some("response") => return (deltas, frame),
            _ => panic!("unexpected frame while resuming: {frame}"),
        }
    }
}

/// Reads past the live deltas of an answer to the next frame, which must be a `BUSY` error.
async fn expect_busy_among_deltas(ws: &mut WsClient) {
    let frame = loop {
        let frame = ws.recv().await;
        if frame["type"] != "delta" {
            break frame;
        }
    };
    assert_eq!(frame["code"], "BUSY", "{frame}");
}

/// Checks that `received` (with the catch-up as its first entry) continues `had` with no
/// piece lost or repeated: each seq is above the previous, the first after `had`'s last, and
/// the text joined is the stored answer.
fn assert_continues(had: &[(u64, String)], received: &[(u64, String)], response: &Value) {
    let mut last = had.last().map_or(0, |(seq, _)| *seq);
    for (seq, _) in received {
        assert!(*seq > last, "seq {seq} after {last}: {received:?}");
        last = *seq;
    }
    let live = &received[1..];
    for pair in live.windows(2) {
        assert_eq!(
            pair[1].0,
            pair[0].0 + 1,
            "live deltas are numbered one by one"
        );
    }
    let joined: String = had
        .iter()
        .chain(received)
        .map(|(_, text)| text.as_str())
        .collect();
    assert_eq!(joined, response["response"].as_str().unwrap());
    assert_eq!(joined, SLOW_ANSWER);
}

on_both_backends!(a_dropped_socket_resumes_after_the_last_delta_it_had);
async fn a_dropped_socket_resumes_after_the_last_delta_it_had(backend: Backend) {
    let Some((app, db)) = start(backend, &[]).await else {
        return;
    };
    let (ws, session, had) = asked_and_read(&app, 3).await;
    assert_eq!(had.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [1, 2, 3]);
    drop(ws);
    // Some pieces are written while nobody listens.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut ws = app
        .connect_query(&format!("session_id={session}&after_seq=3"))
        .await;
    let hello = ws.recv().await;
    assert_eq!(hello["resumed"], true, "{hello}");
    let answering = &hello["answering"];
    assert!(answering["message_id"].as_str().is_some(), "{hello}");
    let latest = answering["seq"].as_u64().unwrap();
    assert!(latest > 3, "pieces were written meanwhile: {hello}");
    let (received, response) = rest_of_answer(&mut ws).await;
    assert_eq!(received[0].0, latest, "the catch-up carries the latest seq");
    assert_continues(&had, &received, &response);
    assert_eq!(response["message_id"], answering["message_id"]);
    assert_eq!(response["finish_reason"], "stop");

    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].1, SLOW_ANSWER, "stored whole, once");
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_without_after_seq_gets_the_whole_answer_so_far() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    let (ws, session, _) = asked_and_read(&app, 2).await;
    drop(ws);
    let mut ws = app.connect(Some(&session)).await;
    let hello = ws.recv().await;
    assert!(hello["answering"].is_object(), "{hello}");
    let (received, response) = rest_of_answer(&mut ws).await;
    assert_continues(&[], &received, &response);
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_with_nothing_in_flight_gets_no_answering() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    let (mut ws, session, _) = asked_and_read(&app, 1).await;
    rest_of_answer(&mut ws).await;
    let mut other = app
        .connect_query(&format!("session_id={session}&after_seq=5"))
        .await;
    let hello = other.recv().await;
    assert_eq!(hello["resumed"], true);
    assert!(hello.get("answering").is_none(), "{hello}");
    // Nothing else arrives: the next frame is the answer to a new question.
    let exchange = other.ask("again").await;
    assert_eq!(exchange.response["response"], SLOW_ANSWER);
    finish(app, db).await;
}

on_both_backends!(two_tabs_see_the_same_answer_and_either_may_stop_it);
async fn two_tabs_see_the_same_answer_and_either_may_stop_it(backend: Backend) {
    let Some((app, db)) = start(backend, &[]).await else {
        return;
    };
    // The first answer makes the conversation exist, so a second tab can join it.
    let (mut first, session, _) = asked_and_read(&app, 0).await;
    rest_of_answer(&mut first).await;
    let mut second = app.connect(Some(&session)).await;
    assert_eq!(second.recv().await["resumed"], true);

    first.ask_start("and again").await;
    let a = first.collect_answer().await;
    let b = second.collect_answer().await;
    assert_eq!(a.deltas, b.deltas, "both tabs receive every delta");
    assert_eq!(a.response, b.response);
    assert_eq!(a.started, b.started);
    assert_eq!(a.deltas.concat(), SLOW_ANSWER);

    // A question from the other tab while one answers is BUSY; its cancel stops it.
    first.ask_start("one more").await;
    let start = second.recv().await;
    assert_eq!(start["type"], "answer_start", "{start}");
    assert_eq!(start["question"], "one more");
    second.ask_start("me too").await;
    expect_busy_among_deltas(&mut second).await;
    second.send_json(json!({"type": "cancel"})).await;
    let stopped = first.collect_answer().await;
    assert_eq!(stopped.response["finish_reason"], "cancelled");
    assert!(stopped.deltas.concat().len() < SLOW_ANSWER.len());
    let (_, seen_by_second) = rest_of_answer(&mut second).await;
    assert_eq!(seen_by_second, stopped.response);

    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 6, "three questions, three answers: {rows:?}");
    assert_eq!(rows[5].1, stopped.response["response"].as_str().unwrap());
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_nobody_follows_is_stopped_after_the_orphan_timeout_and_stored() {
    let Some((app, db)) = start(Backend::Sqlite, &[("ORPHAN_ANSWER_TIMEOUT", "0.4")]).await else {
        return;
    };
    let (ws, session, had) = asked_and_read(&app, 1).await;
    drop(ws);
    let messages = app.wait_for_messages(&session, |m| m.len() == 2).await;
    let answer = messages[1]["content"].as_str().unwrap();
    assert!(answer.starts_with(&had[0].1), "{answer:?}");
    assert!(
        answer.len() < SLOW_ANSWER.len(),
        "cut before the end: {answer:?}"
    );
    assert_eq!(messages[1]["finish_reason"], "cancelled");
    finish(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_whose_socket_left_is_finished_and_stored_whole() {
    let Some((app, db)) = start(Backend::Sqlite, &[]).await else {
        return;
    };
    let (ws, session, _) = asked_and_read(&app, 1).await;
    drop(ws);
    let messages = app.wait_for_messages(&session, |m| m.len() == 2).await;
    assert_eq!(messages[1]["content"], SLOW_ANSWER);
    assert_eq!(messages[1]["finish_reason"], "stop");
    finish(app, db).await;
}

/// Two instances on one database and one Redis, as behind a load balancer; `None` (skipped
/// outside CI) when Redis is not running.
async fn two_instances(backend: Backend) -> Option<(TestApp, TestApp, TestDb)> {
    let db = TestDb::new(backend).await?;
    let redis = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("test-{}", uuid::Uuid::new_v4());
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
    ];
    if tokio::net::TcpStream::connect("127.0.0.1:6379")
        .await
        .is_err()
        && std::env::var_os("TEST_REDIS_URL").is_none()
    {
        assert!(std::env::var_os("CI").is_none(), "CI must start Redis");
        eprintln!("SKIPPED: Redis is not running on 127.0.0.1:6379");
        return None;
    }
    let spawn = |env: &[(&str, &str)]| {
        let llm = RecordingLlm::new(SLOW_ANSWER, Duration::from_millis(150));
        TestApp::spawn(settings(&db.url, env), Some(llm))
    };
    let a = spawn(&env).await;
    let b = spawn(&env).await;
    Some((a, b, db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_started_on_one_instance_is_resumed_and_cancelled_on_another() {
    let Some((a, b, db)) = two_instances(Backend::Postgres).await else {
        return;
    };
    // Asked on A; the visitor's network changes and the load balancer sends it to B.
    let (ws, session, had) = asked_and_read(&a, 2).await;
    drop(ws);
    let mut on_b = b
        .connect_query(&format!("session_id={session}&after_seq=2"))
        .await;
    let hello = on_b.recv().await;
    assert_eq!(hello["resumed"], true, "{hello}");
    assert!(hello["answering"]["seq"].as_u64().unwrap() >= 2, "{hello}");
    let (received, response) = rest_of_answer(&mut on_b).await;
    assert_continues(&had, &received, &response);

    // BUSY holds across instances, and B stops an answer A is writing.
    let mut on_a = a.connect(Some(&session)).await;
    assert_eq!(on_a.recv().await["resumed"], true);
    on_a.ask_start("again, slowly").await;
    let start = on_b.recv().await;
    assert_eq!(
        start["type"], "answer_start",
        "B sees A's answer begin: {start}"
    );
    assert_eq!(start["question"], "again, slowly");
    on_b.ask_start("me too").await;
    expect_busy_among_deltas(&mut on_b).await;
    on_b.send_json(json!({"type": "cancel"})).await;
    let stopped = on_a.collect_answer().await;
    assert_eq!(stopped.response["finish_reason"], "cancelled");
    let (_, seen_on_b) = rest_of_answer(&mut on_b).await;
    assert_eq!(seen_on_b, stopped.response);

    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[1].1, SLOW_ANSWER);
    assert_eq!(rows[3].1, stopped.response["response"].as_str().unwrap());
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}

/// A `redis-server` of one test's own on a free port, so that the test may stop it.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
}

impl OwnRedis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        Some(Self { child, port })
    }

    async fn wait_ready(&self) {
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start");
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_answer_leaves_the_answer_to_its_own_instance() {
    let Some(mut redis) = OwnRedis::start() else {
        assert!(std::env::var_os("CI").is_none(), "CI has redis-server");
        eprintln!("SKIPPED: redis-server is not installed");
        return;
    };
    redis.wait_ready().await;
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let Some((app, db)) = start(Backend::Sqlite, &[("REDIS_URL", url.as_str())]).await else {
        return;
    };
    let (_, ready) = app.get_json("/ready").await;
    assert!(ready.get("degraded").is_none(), "{ready}");

    let (mut ws, session, had) = asked_and_read(&app, 2).await;
    redis.stop();
    let (rest, response) = rest_of_answer(&mut ws).await;
    assert_continues(&had, &rest, &response);
    assert_eq!(response["finish_reason"], "stop");
    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows[1].1, SLOW_ANSWER);

    // Still serving, and saying what is degraded.
    let (status, ready) = app.get_json("/ready").await;
    assert_eq!(status, 200);
    let degraded = ready["degraded"].as_str().unwrap_or_default();
    assert!(degraded.contains("Redis"), "{ready}");
    let again = ws.ask("and now?").await;
    assert_eq!(again.response["response"], SLOW_ANSWER);
    finish(app, db).await;
}
