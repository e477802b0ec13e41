//! Hostile clients and unlucky operators, against the real binary: oversized and malformed
//! frames, a full disk, clients that stop reading, a deploy mid-answer, forged forwarding
//! headers, and the smaller cases around them.

use std::time::Duration;

use fake_llm::{FakeLlm, FakeLlmHandle};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::binary::{Binary, RawSocket, frame, frame_header};
use crate::helpers::{Backend, TestDb, WsClient, stored_rows};

/// Words of a long answer, streamed one by one.
fn long_answer(words: usize) -> String {
    (0..words)
        .map(|i| format!("word{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn slow_model(words: usize, token_delay: Duration) -> FakeLlmHandle {
    FakeLlm::builder()
        .answer(long_answer(words))
        .token_delay(token_delay)
        .spawn()
        .await
        .expect("fake model starts")
}

fn model_env(fake: &FakeLlmHandle) -> Vec<(&'static str, String)> {
    vec![
        ("OPENROUTER_API_KEY", "test-key".to_owned()),
        ("LLM_BASE_URL", fake.base_url()),
        ("LLM_MODEL", "test/model".to_owned()),
    ]
}

fn as_env<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn session_of(ws: &mut WsClient) -> String {
    let hello = ws.recv().await;
    assert_eq!(hello["type"], "system", "{hello}");
    hello["session_id"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Frames

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_announcing_a_terabyte_is_refused_at_its_header_with_1009() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[], None).await;
    let socket = RawSocket::connect(server.port).await;
    let (mut reader, mut writer) = socket.stream.into_split();
    let mut reader = RawSocket {
        stream: &mut reader,
    };
    assert_eq!(
        reader.next_frame().await.unwrap().0,
        0x1,
        "the system frame"
    );
    let before = server.rss_kib();

    // The header announces 2^40 bytes; then 64 MiB of payload follow, as fast as it is taken.
    let blaster = tokio::spawn(async move {
        let mut sent = 0usize;
        if writer
            .write_all(&frame_header(true, 0x1, 1 << 40))
            .await
            .is_err()
        {
            return sent;
        }
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..64 {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    assert_eq!(reader.close_code().await, Some(1009));
    let sent = tokio::time::timeout(Duration::from_secs(30), blaster)
        .await
        .expect("the sender finishes")
        .unwrap();
    let after = server.rss_kib();
    assert!(
        after < before + 32 * 1024,
        "memory stays flat: {before} KiB before, {after} KiB after {sent} bytes of payload"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_continuation_frames_past_the_limit_closes_with_1009() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[], None).await;
    let mut socket = RawSocket::connect(server.port).await;
    socket.next_frame().await.unwrap();
    let piece = vec![b'a'; 40 * 1024];
    socket.send(&frame(false, 0x1, &piece)).await;
    socket.send(&frame(false, 0x0, &piece)).await;
    assert_eq!(socket.close_code().await, Some(1009));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_that_is_not_utf8_closes_with_1007() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[], None).await;
    let mut socket = RawSocket::connect(server.port).await;
    socket.next_frame().await.unwrap();
    socket
        .send(&frame(
            true,
            0x1,
            b"{\"type\":\"question\",\"question\":\"\xff\xfe\"}",
        ))
        .await;
    assert_eq!(socket.close_code().await, Some(1007));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// A full disk

/// A tmpfs of `size` mounted on a fresh directory; unmounted when dropped.
struct SmallDisk {
    mount: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self { mount, _dir: dir })
    }

    /// Writes a file until the disk refuses another byte.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.mount.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        // The last partial block: down to the byte.
        while file.write_all(&[0u8]).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount)
            .status();
    }
}

/// What became of one question on a full disk.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Answered, and reported saved: the answer's id.
    Saved(String),
    /// Answered, but the answer was reported not saved.
    AnswerNotSaved,
    /// Refused: the question was reported not saved.
    QuestionNotSaved,
}

/// Asks and classifies the outcome. A ping after the answer is the marker that every frame of
/// the answer has come: an error frame about storing it comes before the pong.
async fn ask_and_classify(ws: &mut WsClient, question: &str) -> Outcome {
    ws.ask_start(question).await;
    let mut response: Option<Value> = None;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), ws.stream.next())
            .await
            .expect("a frame")
            .expect("open")
            .expect("valid");
        match next {
            WsMessage::Text(text) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                match frame["type"].as_str() {
                    Some("answer_start" | "delta") => {}
                    Some("response") => {
                        response = Some(frame);
                        ws.stream
                            .send(WsMessage::Ping(b"mark".to_vec().into()))
                            .await
                            .unwrap();
                    }
                    Some("error") => {
                        assert_eq!(frame["code"], "DATABASE_ERROR", "{frame}");
                        return if response.is_some() {
                            assert!(
                                frame["error"]
                                    .as_str()
                                    .unwrap()
                                    .contains("could not be saved")
                            );
                            Outcome::AnswerNotSaved
                        } else {
                            assert!(frame["error"].as_str().unwrap().contains("not asked"));
                            Outcome::QuestionNotSaved
                        };
                    }
                    _ => panic!("unexpected frame {frame}"),
                }
            }
            WsMessage::Pong(bytes) if bytes.as_ref() == b"mark" => {
                let response = response.expect("the pong follows the response");
                return Outcome::Saved(response["message_id"].as_str().unwrap().to_owned());
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_reports_every_unsaved_answer_and_recovers_when_space_returns() {
    let Some(disk) = SmallDisk::mount("1m") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs for the full-disk test"
        );
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let url = format!("sqlite://{}/chat.db?mode=rwc", disk.mount.display());
    let server = Binary::start(&url, &[], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    let mut outcomes = vec![ask_and_classify(&mut ws, "Where does she work?").await];
    assert!(matches!(outcomes[0], Outcome::Saved(_)), "{outcomes:?}");

    let filler = disk.fill();
    let mut saw_not_ready = false;
    for i in 0..14 {
        outcomes.push(ask_and_classify(&mut ws, &format!("What are her skills? ({i})")).await);
        if server.status("/ready").await == Some(503) {
            saw_not_ready = true;
        }
    }
    let failures = outcomes
        .iter()
        .filter(|o| !matches!(o, Outcome::Saved(_)))
        .count();
    assert!(failures > 0, "the full disk refused writes: {outcomes:?}");
    assert!(saw_not_ready, "/ready said 503 while writes failed");

    std::fs::remove_file(filler).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while server.status("/ready").await != Some(200) {
        assert!(tokio::time::Instant::now() < deadline, "/ready recovers");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = ask_and_classify(&mut ws, "And her education?").await;
    assert!(matches!(recovered, Outcome::Saved(_)), "{recovered:?}");
    outcomes.push(recovered);
    drop(ws);
    server.stop().await;

    // Every answer reported saved is there after the server is gone, and writes work for
    // other processes too: the file is not left locked.
    let rows = stored_rows(&url, &session).await;
    let saved: Vec<&String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Saved(id) => Some(id),
            _ => None,
        })
        .collect();
    let answers = rows.iter().filter(|r| r.0 == "assistant").count();
    assert!(
        answers >= saved.len(),
        "{answers} answers stored, {} reported saved",
        saved.len()
    );
    let ids = stored_ids(&url).await;
    for id in saved {
        assert!(
            ids.contains(id),
            "answer {id} was reported saved but is missing"
        );
    }
    let writable = Binary::start(&url, &[], None).await;
    let mut ws = writable
        .connect(&format!("/ws?session_id={session}"), &[])
        .await;
    assert_eq!(ws.recv().await["resumed"], true);
    assert!(matches!(
        ask_and_classify(&mut ws, "Still here?").await,
        Outcome::Saved(_)
    ));
    drop(ws);
    writable.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_directory_removed_under_the_server_is_reported_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}/chat.db?mode=rwc", data.display());
    let server = Binary::start(&url, &[], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    session_of(&mut ws).await;
    assert!(matches!(
        ask_and_classify(&mut ws, "Where does she work?").await,
        Outcome::Saved(_)
    ));

    std::fs::remove_dir_all(&data).unwrap();
    // Nothing written now would survive a restart, so nothing is reported saved.
    for question in ["What are her skills?", "And her education?"] {
        let outcome = ask_and_classify(&mut ws, question).await;
        assert_eq!(outcome, Outcome::QuestionNotSaved);
    }
    assert_eq!(server.status("/ready").await, Some(503));
    drop(ws);
    server.stop().await;
}

async fn stored_ids(db_url: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(db_url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM messages",
        ))
        .await
        .unwrap();
    let ids = rows
        .iter()
        .map(|row| row.try_get::<uuid::Uuid>("", "id").unwrap().to_string())
        .collect();
    let _ = db.close().await;
    ids
}

// ---------------------------------------------------------------------------------------------
// Clients that stop reading

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_clients_that_stop_reading_are_cut_off_and_their_orphaned_answers_stopped() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let fake = slow_model(60_000, Duration::from_millis(1)).await;
    let mut env = model_env(&fake);
    env.extend([
        ("WS_IDLE_TIMEOUT", "3".to_owned()),
        // A socket cut off leaves its answer to be resumed; nobody comes back for these.
        ("ORPHAN_ANSWER_TIMEOUT", "1".to_owned()),
        ("MAX_CONNECTIONS", "10".to_owned()),
        ("MAX_RESPONSE_TOKENS", "1000000".to_owned()),
        ("MAX_CONTEXT_TOKENS", "2000000".to_owned()),
    ]);
    let server = Binary::start(&db.url, &as_env(&env), None).await;

    let mut sockets = Vec::new();
    for _ in 0..10 {
        let tcp = tokio::net::TcpSocket::new_v4().unwrap();
        tcp.set_recv_buffer_size(4096).unwrap();
        let stream = tcp
            .connect(([127, 0, 0, 1], server.port).into())
            .await
            .unwrap();
        let mut socket = RawSocket::open(stream, server.port).await;
        assert_eq!(socket.next_frame().await.unwrap().0, 0x1);
        let question = json!({"type": "question", "question": "Tell me everything"}).to_string();
        socket.send(&frame(true, 0x1, question.as_bytes())).await;
        // … and never read again.
        sockets.push(socket);
    }
    // Patience only: on two busy cores ten prompts can take a while to reach the model.
    assert!(fake.wait_for_requests(10, Duration::from_secs(30)).await);
    assert!(
        fake.wait_for_closed_early(10, Duration::from_secs(40))
            .await,
        "every upstream request was dropped ({} of 10)",
        fake.connections_closed_early()
    );
    // Their connection slots are free again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut ws = server.connect("/ws", &[]).await;
        if ws.recv_close_code_or_hello().await {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "a slot was freed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(sockets);
    server.stop().await;
    fake.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// A deploy mid-answer

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_past_the_grace_stores_the_answer_as_it_stood_and_tells_the_client() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let fake = slow_model(300, Duration::from_millis(100)).await;
    let mut env = model_env(&fake);
    env.push(("SHUTDOWN_GRACE", "3".to_owned()));
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Binary::start(&db.url, &as_env(&env), Some(log.path())).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("Tell me everything").await;
    let mut deltas = Vec::new();
    while deltas.len() < 20 {
        let frame = ws.recv().await;
        if frame["type"] == "delta" {
            deltas.push(frame["delta"].as_str().unwrap().to_owned());
        }
    }

    server.signal("TERM");
    let rest = ws.collect_answer().await;
    deltas.extend(rest.deltas);
    assert_eq!(
        rest.response["finish_reason"], "cancelled",
        "{}",
        rest.response
    );
    assert_eq!(rest.response["response"], deltas.concat());
    let notice = ws.expect_error("SHUTTING_DOWN").await;
    assert!(
        notice["error"].as_str().unwrap().contains("restarting"),
        "{notice}"
    );
    assert_eq!(ws.recv_close_code().await, Some(1001));
    server.stop_signalled().await;

    let rows = stored_rows(&db.url, &session).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].1, deltas.concat(), "what the client saw is stored");
    assert!(rows[1].3.as_deref().unwrap().contains("cancelled"));
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(logged.contains("shutdown grace ran out"), "{logged}");
    fake.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Behind a proxy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_behind_an_appending_proxy_does_not_dodge_the_limits() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let env = [
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("MAX_CONNECTIONS_PER_IP", "2"),
        ("RATE_LIMIT_PER_MINUTE", "2"),
    ];
    let server = Binary::start(&db.url, &env, None).await;
    // The client writes a new first address each time; the proxy appends the real one.
    let forged = |i: u8| format!("198.51.100.{i}, 203.0.113.7");
    let mut a = server
        .connect("/ws", &[("X-Forwarded-For", &forged(1))])
        .await;
    session_of(&mut a).await;
    let mut b = server
        .connect("/ws", &[("X-Forwarded-For", &forged(2))])
        .await;
    session_of(&mut b).await;
    let mut c = server
        .connect("/ws", &[("X-Forwarded-For", &forged(3))])
        .await;
    assert_eq!(
        c.recv_close_code().await,
        Some(1008),
        "the socket cap holds"
    );

    a.ask("Where does she work?").await;
    b.ask("What are her skills?").await;
    a.ask_start("And her education?").await;
    a.expect_error("RATE_LIMIT_EXCEEDED").await;

    // A different real client behind the same proxy is not affected.
    let mut other = server
        .connect("/ws", &[("X-Forwarded-For", "198.51.100.1, 203.0.113.8")])
        .await;
    session_of(&mut other).await;
    other.ask("Where does she work?").await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Cut answers after a reload, and the smaller items

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_body_says_how_each_answer_ended() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let fake = slow_model(200, Duration::from_millis(20)).await;
    let server = Binary::start(&db.url, &as_env(&model_env(&fake)), None).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("Tell me everything").await;
    ws.first_delta().await;
    ws.send_json(json!({"type": "cancel"})).await;
    let cut = ws.collect_answer().await;
    assert_eq!(cut.response["finish_reason"], "cancelled");
    fake.set_answer("Short and whole.");
    let whole = ws.ask("Anything else?").await;
    assert_eq!(whole.response["finish_reason"], "stop");

    let (status, body) = server
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 200);
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4, "{body}");
    assert!(messages[0].get("finish_reason").is_none(), "{body}");
    assert_eq!(messages[1]["finish_reason"], "cancelled", "{body}");
    assert_eq!(messages[3]["finish_reason"], "stop", "{body}");
    assert_eq!(messages[3]["model"], "test/model", "{body}");
    server.stop().await;
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_deleted_mid_answer_goes_on_as_a_new_one() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let fake = slow_model(40, Duration::from_millis(25)).await;
    let server = Binary::start(&db.url, &as_env(&model_env(&fake)), None).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    ws.ask_start("Tell me everything").await;
    ws.first_delta().await;
    let deleted = server
        .http
        .delete(server.url(&format!("/api/sessions/{session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    ws.collect_answer().await;
    let error = ws.expect_error("NOT_FOUND").await;
    assert!(
        error["error"].as_str().unwrap().contains("not saved"),
        "{error}"
    );
    let hello = ws.recv().await;
    assert_eq!(hello["type"], "system", "{hello}");
    assert_eq!(hello["resumed"], false);
    let new_session = hello["session_id"].as_str().unwrap().to_owned();
    assert_ne!(new_session, session);

    fake.set_answer("Answered in the new conversation.");
    let answer = ws.ask("Where does she work?").await;
    assert_eq!(answer.response["finish_reason"], "stop");
    let (status, body) = server
        .get_json(&format!("/api/sessions/{new_session}/messages"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["messages"].as_array().unwrap().len(), 2, "{body}");
    server.stop().await;
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_session_id_parameter_is_treated_as_unknown() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    ws.ask("Where does she work?").await;
    drop(ws);
    let mut twice = server
        .connect(
            &format!("/ws?session_id={session}&session_id={session}"),
            &[],
        )
        .await;
    let hello = twice.recv().await;
    assert_eq!(hello["resumed"], false, "{hello}");
    assert_ne!(hello["session_id"], session.as_str());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_questions_do_not_spend_the_rate_quota() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[("RATE_LIMIT_PER_MINUTE", "1")], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    session_of(&mut ws).await;
    for empty in ["", "   ", "\u{0007}\n"] {
        ws.ask_start(empty).await;
        ws.expect_error("VALIDATION_ERROR").await;
    }
    let answer = ws.ask("Where does she work?").await;
    assert_eq!(answer.response["finish_reason"], "stop");
    ws.ask_start("And now?").await;
    ws.expect_error("RATE_LIMIT_EXCEEDED").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_past_the_response_limit_is_cut_and_stored_cut() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    // The model keeps to its limit in its own words, but each word is several tokens of ours.
    let fake = FakeLlm::builder()
        .answer(vec!["antidisestablishmentarianism"; 400].join(" "))
        .spawn()
        .await
        .unwrap();
    let mut env = model_env(&fake);
    env.push(("MAX_RESPONSE_TOKENS", "40".to_owned()));
    let server = Binary::start(&db.url, &as_env(&env), None).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    let answer = ws.ask("Say it").await;
    assert_eq!(
        answer.response["finish_reason"], "length",
        "{}",
        answer.response
    );
    assert_eq!(answer.deltas.concat(), answer.response["response"]);
    let rows = stored_rows(&db.url, &session).await;
    let tokens = rows[1].2.unwrap();
    assert!(
        (1..=50).contains(&tokens),
        "kept within 40 tokens and a quarter: {tokens}"
    );
    assert!(rows[1].1.len() < 400, "{}", rows[1].1);
    server.stop().await;
    fake.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_stored_after_the_database_dropped_its_connections() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let server = Binary::start(&db.url, &[], None).await;
    let mut ws = server.connect("/ws", &[]).await;
    session_of(&mut ws).await;
    ws.ask("Where does she work?").await;
    // Every pooled connection of the server dies, as in a database restart.
    {
        use sea_orm::{ConnectionTrait, Database, Statement};
        let name = db.url.rsplit('/').next().unwrap().to_owned();
        let admin = Database::connect(&db.url).await.unwrap();
        admin
            .execute_raw(Statement::from_sql_and_values(
                admin.get_database_backend(),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                [name.into()],
            ))
            .await
            .unwrap();
        let _ = admin.close().await;
    }
    let answer = ws.ask("What are her skills?").await;
    assert_eq!(answer.response["finish_reason"], "stop");
    drop(ws);
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listen_backlog_is_configurable() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[("LISTEN_BACKLOG", "1000")], None).await;
    let output = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{}", server.port)])
        .output()
        .expect("ss (iproute2) is installed");
    let listing = String::from_utf8_lossy(&output.stdout);
    // State, Recv-Q, Send-Q (the backlog of a listening socket), …
    let backlog: Vec<&str> = listing.split_whitespace().collect();
    assert_eq!(backlog.get(2), Some(&"1000"), "{listing}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documentation_pages_send_a_script_src() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = Binary::start(&db.url, &[], None).await;
    for path in ["/docs", "/docs/", "/redoc"] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        if response.status() == 404 {
            continue;
        }
        let csp = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_never_reach_the_log() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Binary::start(&db.url, &[("LOG_LEVEL", "debug")], Some(log.path())).await;
    let mut ws = server.connect("/ws", &[]).await;
    let session = session_of(&mut ws).await;
    ws.ask("Where does she work?").await;
    drop(ws);
    let mut again = server
        .connect(&format!("/ws?session_id={session}"), &[])
        .await;
    assert_eq!(again.recv().await["resumed"], true);
    drop(again);
    let (status, _) = server
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.stop().await;
    let logged = std::fs::read_to_string(log.path()).unwrap();
    assert!(logged.contains("socket opened"), "the log is written");
    assert!(
        !logged.contains(&session),
        "the session id is in the log:\n{logged}"
    );
    let tag = session
        .parse::<domain::SessionId>()
        .unwrap()
        .log_tag()
        .to_string();
    assert!(
        logged.contains(&tag),
        "its tag is, to follow a session:\n{logged}"
    );
}
