//! Property: no sequence of client frames makes the server panic, hang or lose a message.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::helpers::{Backend, TestApp, TestDb, settings};

/// No frame for this long means the server has nothing more to say.
const QUIET: Duration = Duration::from_millis(700);

#[derive(Debug, Clone)]
enum Action {
    Question(String),
    Raw(String),
    Binary(Vec<u8>),
    Cancel,
    Pause(u64),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => prop_oneof![
            Just("What languages does she know?".to_owned()),
            Just("Where did she study?".to_owned()),
            Just("".to_owned()),
            Just(" \u{0007} ".to_owned()),
            "x{2001}".prop_map(|s| s),
            ".{1,40}",
        ]
        .prop_map(Action::Question),
        2 => prop_oneof![
            Just(r#"{"type":"dance"}"#.to_owned()),
            Just("[1,2,3]".to_owned()),
            Just(r#"{"type":"question","question":7}"#.to_owned()),
            ".{0,30}",
        ]
        .prop_map(Action::Raw),
        1 => prop::collection::vec(any::<u8>(), 0..32).prop_map(Action::Binary),
        2 => Just(Action::Cancel),
        1 => (0u64..120).prop_map(Action::Pause),
    ]
}

/// Reads frames until the server is quiet; returns them.
async fn drain(stream: &mut crate::helpers::WsClient) -> Result<Vec<Value>, TestCaseError> {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(QUIET, stream.stream.next()).await {
            Err(_) => return Ok(frames),
            Ok(Some(Ok(WsMessage::Text(text)))) => {
                let value: Value = serde_json::from_str(text.as_str())
                    .map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
                frames.push(value);
            }
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => {}
            Ok(other) => return Err(TestCaseError::fail(format!("socket ended: {other:?}"))),
        }
    }
}

#[test]
fn no_sequence_of_frames_breaks_the_server_or_loses_a_message() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, _db) = runtime.block_on(async {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let app = TestApp::spawn(
            settings(
                &db.url,
                &[
                    ("RATE_LIMIT_PER_MINUTE", "100000"),
                    ("MAX_QUESTION_CHARS", "2000"),
                ],
            ),
            None,
        )
        .await;
        (app, db)
    });

    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(action(), 1..10), |actions| {
        runtime.block_on(async {
            let mut ws = app.connect(None).await;
            let hello = ws.recv().await;
            let session = hello["session_id"].as_str().unwrap().to_owned();
            for action in &actions {
                let sent = match action {
                    Action::Question(q) => {
                        ws.stream
                            .send(WsMessage::text(
                                json!({"type": "question", "question": q}).to_string(),
                            ))
                            .await
                    }
                    Action::Raw(text) => ws.stream.send(WsMessage::text(text.as_str())).await,
                    Action::Binary(bytes) => ws.stream.send(WsMessage::binary(bytes.clone())).await,
                    Action::Cancel => {
                        ws.stream
                            .send(WsMessage::text(r#"{"type":"cancel"}"#))
                            .await
                    }
                    Action::Pause(ms) => {
                        tokio::time::sleep(Duration::from_millis(*ms)).await;
                        Ok(())
                    }
                };
                prop_assert!(sent.is_ok(), "the socket stays open");
            }
            let mut frames = drain(&mut ws).await?;

            // Still answering afterwards.
            ws.ask_start("Where does she work?").await;
            frames.extend(drain(&mut ws).await?);
            let responses: Vec<&Value> =
                frames.iter().filter(|f| f["type"] == "response").collect();
            prop_assert!(
                responses
                    .last()
                    .is_some_and(|r| r["finish_reason"] == "stop"),
                "the last question is answered: {frames:?}"
            );
            for frame in &frames {
                prop_assert!(
                    ["answer_start", "delta", "response", "error"]
                        .contains(&frame["type"].as_str().unwrap_or("")),
                    "unexpected frame {frame}"
                );
                if frame["type"] == "error" {
                    let code = frame["code"].as_str().unwrap_or("");
                    prop_assert!(
                        code == "VALIDATION_ERROR" || code == "BUSY",
                        "unexpected error {frame}"
                    );
                }
            }

            // Every answer sent was stored, each after its question.
            let stored = app
                .wait_for_messages(&session, |m| m.len() >= 2 * responses.len())
                .await;
            prop_assert_eq!(stored.len(), 2 * responses.len(), "{:?}", stored);
            for (pair, response) in stored.chunks(2).zip(&responses) {
                prop_assert_eq!(&pair[0]["role"], "user");
                prop_assert_eq!(&pair[1]["role"], "assistant");
                prop_assert_eq!(&pair[1]["id"], &response["message_id"]);
                prop_assert_eq!(&pair[1]["content"], &response["response"]);
            }
            Ok(())
        })
    });
    runtime.block_on(app.stop());
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
