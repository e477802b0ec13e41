//! The fake's wire formats and faults, seen by a plain HTTP client over loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use fake_llm::{FakeLlm, FakeLlmHandle, Fault};
use futures::StreamExt;
use serde_json::{Value, json};

/// Long enough for any loopback event on a loaded machine; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(5);

fn chat_body(stream: bool) -> Value {
    json!({
        "model": "test/model",
        "stream": stream,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What languages does she know?"}
        ],
    })
}

async fn post(fake: &FakeLlmHandle, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.base_url()))
        .bearer_auth("sk-test")
        .header("X-Title", "Resume chat")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The JSON of each `data:` event, `[DONE]` as a string, comments skipped.
fn data_events(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.to_owned())))
        .collect()
}

#[tokio::test]
async fn streams_sse_like_openrouter() {
    let fake = FakeLlm::builder()
        .answer("Rust,  Go\nand SQL.")
        .token_delay(Duration::from_millis(1))
        .spawn()
        .await
        .unwrap();

    let response = post(&fake, &chat_body(true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let body = response.text().await.unwrap();

    assert!(body.starts_with(": OPENROUTER PROCESSING\n\n"), "{body}");
    assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
    let events = data_events(&body);
    let (done, chunks) = events.split_last().unwrap();
    assert_eq!(done, "[DONE]");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Rust,  Go\nand SQL.");
    assert!(chunks.len() > 2, "streamed word by word");
    let last = chunks.last().unwrap();
    assert_eq!(last["object"], "chat.completion.chunk");
    assert_eq!(last["model"], "test/model");
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["usage"]["completion_tokens"], 4);
    assert_eq!(last["usage"]["prompt_tokens"], 7);
    assert_eq!(last["usage"]["total_tokens"], 11);

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some("Bearer sk-test"));
    assert_eq!(requests[0].header("X-Title"), Some("Resume chat"));
    assert_eq!(requests[0].model(), Some("test/model"));
    assert!(requests[0].is_stream());
}

#[tokio::test]
async fn answers_json_when_not_streaming() {
    let fake = FakeLlm::builder().echo().spawn().await.unwrap();

    let response = post(&fake, &chat_body(false)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();

    assert_eq!(body["object"], "chat.completion");
    assert_eq!(
        body["choices"][0]["message"]["content"],
        "What languages does she know?"
    );
    assert_eq!(body["choices"][0]["finish_reason"], "stop");
    assert_eq!(body["usage"]["completion_tokens"], 5);
}

#[tokio::test]
async fn stops_at_max_tokens_with_length() {
    let fake = FakeLlm::builder()
        .answer("one two three four")
        .spawn()
        .await
        .unwrap();
    let mut body = chat_body(true);
    body["max_tokens"] = json!(2);

    let text = post(&fake, &body).await.text().await.unwrap();
    let events = data_events(&text);
    let last = &events[events.len() - 2];
    assert_eq!(last["choices"][0]["finish_reason"], "length");
    assert_eq!(last["usage"]["completion_tokens"], 2);
}

#[tokio::test]
async fn plays_a_fault_sequence_then_answers() {
    let fake = FakeLlm::builder()
        .answer("fine")
        .faults([
            Fault::rate_limited(Some(2)),
            Fault::status(502),
            Fault::HtmlStatus { code: 503 },
            Fault::status(401),
        ])
        .spawn()
        .await
        .unwrap();

    let first = post(&fake, &chat_body(true)).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "2");
    let error: Value = first.json().await.unwrap();
    assert_eq!(error["error"]["code"], 429);
    assert!(error["error"]["message"].is_string());

    let second = post(&fake, &chat_body(true)).await;
    assert_eq!(second.status(), 502);
    assert_eq!(second.json::<Value>().await.unwrap()["error"]["code"], 502);

    let third = post(&fake, &chat_body(true)).await;
    assert_eq!(third.status(), 503);
    assert!(third.text().await.unwrap().starts_with("<!DOCTYPE html>"));

    assert_eq!(post(&fake, &chat_body(true)).await.status(), 401);

    let fifth = post(&fake, &chat_body(true)).await;
    assert_eq!(fifth.status(), 200);
    assert!(fifth.text().await.unwrap().contains("\"fine\""));
    assert_eq!(fake.request_count(), 5);
}

#[tokio::test]
async fn stream_error_chunk_follows_partial_answer() {
    let fake = FakeLlm::builder()
        .answer("a b c d")
        .always(Fault::StreamError { after_tokens: 2 })
        .spawn()
        .await
        .unwrap();

    let text = post(&fake, &chat_body(true)).await.text().await.unwrap();
    let events = data_events(&text);
    assert_eq!(events.len(), 4, "{text}");
    assert_eq!(events[0]["choices"][0]["delta"]["content"], "a ");
    assert_eq!(events[1]["choices"][0]["delta"]["content"], "b ");
    assert_eq!(events[2]["error"]["code"], 502);
    assert_eq!(events[2]["choices"][0]["finish_reason"], "error");
    assert_eq!(events[3], "[DONE]");
}

#[tokio::test]
async fn malformed_and_empty_choices_streams() {
    let fake = FakeLlm::builder()
        .answer("a b")
        .faults([Fault::Malformed { after_tokens: 1 }, Fault::EmptyChoices])
        .spawn()
        .await
        .unwrap();

    let malformed = post(&fake, &chat_body(true)).await.text().await.unwrap();
    let events = data_events(&malformed);
    assert_eq!(events[0]["choices"][0]["delta"]["content"], "a ");
    assert!(
        events[1].is_string(),
        "second event is not JSON: {malformed}"
    );

    let empty = post(&fake, &chat_body(true)).await.text().await.unwrap();
    let events = data_events(&empty);
    assert!(
        events[..events.len() - 1]
            .iter()
            .all(|c| c["choices"] == json!([]))
    );
    assert_eq!(events.last().unwrap(), "[DONE]");
}

#[tokio::test]
async fn disconnect_breaks_the_body_without_done() {
    let fake = FakeLlm::builder()
        .answer("a b c")
        .always(Fault::Disconnect { after_tokens: 1 })
        .spawn()
        .await
        .unwrap();

    let response = post(&fake, &chat_body(true)).await;
    let mut body = response.bytes_stream();
    let mut received = Vec::new();
    let mut failed = false;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    let received = String::from_utf8(received).unwrap();
    assert!(failed, "the body should end in an error: {received}");
    assert!(!received.contains("[DONE]"));
    assert_eq!(fake.connections_closed_early(), 0, "the server closed it");
}

#[tokio::test]
async fn counts_a_stalled_stream_the_client_dropped() {
    let fake = FakeLlm::builder()
        .answer("a b c")
        .always(Fault::Stall { after_tokens: 1 })
        .spawn()
        .await
        .unwrap();

    let response = post(&fake, &chat_body(true)).await;
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    assert_eq!(fake.connections_closed_early(), 0);
    drop(body);

    assert!(fake.wait_for_closed_early(1, PATIENCE).await);
}

#[tokio::test]
async fn counts_a_hanging_request_the_client_gave_up_on() {
    let fake = FakeLlm::builder()
        .always(Fault::Hang)
        .spawn()
        .await
        .unwrap();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let result = client
        .post(format!("{}/chat/completions", fake.base_url()))
        .json(&chat_body(true))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert!(fake.wait_for_closed_early(1, PATIENCE).await);
}

#[tokio::test]
async fn lists_models_and_refuses_unknown_paths() {
    let fake = FakeLlm::builder().model("fake/one").spawn().await.unwrap();
    let client = reqwest::Client::new();

    let models: Value = client
        .get(format!("{}/models", fake.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], "fake/one");

    let missing = client
        .get(format!("{}/nope", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let fake = FakeLlm::builder().spawn().await.unwrap();
    let url = format!("{}/models", fake.base_url());
    fake.shutdown().await;

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(client.get(url).send().await.is_err());
}
