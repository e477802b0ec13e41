//! `relay`: loadgen's relay mode. The chat WebSocket protocol answered straight from an
//! OpenAI-compatible model (fake-llm), with no storage, no prompt and no limits, so that every
//! benchmark figure can be printed beside what this machine and the load client can carry at
//! all: the instrument's ceiling.
//!
//! ```text
//! relay --port 9000 --model-url http://127.0.0.1:PORT/v1/chat/completions
//! loadgen --url ws://127.0.0.1:9000/ws ...
//! ```
//!
//! Per socket: a `system` greeting with a fresh session id; per question: one streamed model
//! request, `answer_start`, one `delta` per model chunk (numbered), then `response`. The model
//! is read with the same HTTP client and SSE parser as the server's adapter (reqwest,
//! eventsource-stream), so the relay pays what any chat server must pay and no more.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Parser;
use eventsource_stream::Eventsource;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// Serves the chat protocol from a model, without storage.
#[derive(Debug, Parser)]
#[command(name = "relay", version, about)]
struct Args {
    /// Loopback port to listen on.
    #[arg(long)]
    port: u16,
    /// The model's chat completions URL.
    #[arg(long)]
    model_url: String,
}

/// The part of a streamed chunk the relay reads.
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Question {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    question: String,
}

struct Relay {
    http: reqwest::Client,
    model_url: String,
    next_id: AtomicU64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("relay: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::from(2);
        }
    };
    let relay = Arc::new(Relay {
        http: reqwest::Client::new(),
        model_url: args.model_url,
        next_id: AtomicU64::new(1),
    });
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("relay: accept failed: {e}");
                continue;
            }
        };
        let relay = Arc::clone(&relay);
        tokio::spawn(async move {
            if let Err(e) = relay.serve(stream).await {
                eprintln!("relay: socket ended: {e}");
            }
        });
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

impl Relay {
    async fn serve(&self, stream: TcpStream) -> Result<(), Failure> {
        stream.set_nodelay(true)?;
        let mut ws = tokio_tungstenite::accept_async(stream).await?;
        let session = self.next_id.fetch_add(1, Ordering::Relaxed);
        let greeting = json!({"type": "system", "message": "Connected!",
            "session_id": format!("relay-{session}"), "resumed": false});
        ws.send(Message::text(greeting.to_string())).await?;
        while let Some(message) = ws.next().await {
            let text = match message? {
                Message::Text(text) => text,
                Message::Close(_) => break,
                _ => continue,
            };
            let question: Question = match serde_json::from_str::<Question>(text.as_str()) {
                Ok(q) if q.kind == "question" => q,
                _ => {
                    let error = json!({"type": "error", "error": "not a question",
                        "code": "INVALID_MESSAGE"});
                    ws.send(Message::text(error.to_string())).await?;
                    continue;
                }
            };
            let answer_id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let start = json!({"type": "answer_start", "message_id": format!("relay-{answer_id}"),
                "question": question.question});
            ws.feed(Message::text(start.to_string())).await?;
            let answer = match self.ask(&question.question, &mut ws).await {
                Ok(answer) => answer,
                Err(e) => {
                    let error = json!({"type": "error", "error": e.to_string(),
                        "code": "LLM_ERROR"});
                    ws.send(Message::text(error.to_string())).await?;
                    continue;
                }
            };
            let response = json!({"type": "response", "response": answer,
                "message_id": format!("relay-{answer_id}"), "finish_reason": "stop"});
            ws.send(Message::text(response.to_string())).await?;
        }
        Ok(())
    }

    /// Streams one answer to `ws` as delta frames; returns the whole answer.
    async fn ask<S>(&self, question: &str, ws: &mut S) -> Result<String, Failure>
    where
        S: futures::Sink<Message> + Unpin,
        S::Error: std::error::Error + Send + Sync + 'static,
    {
        let body = json!({"model": "relay", "stream": true,
            "messages": [{"role": "user", "content": question}]});
        let response = self
            .http
            .post(&self.model_url)
            .bearer_auth("relay")
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        let mut events = response.bytes_stream().eventsource();
        let mut answer = String::new();
        let mut seq = 0u64;
        while let Some(event) = events.next().await {
            let event = event?;
            if event.data == "[DONE]" {
                break;
            }
            // Read to the end even past `finish_reason` (usage follows), so that the model's
            // connection goes back to the client's pool instead of being dropped.
            let chunk: Chunk = serde_json::from_str(&event.data)?;
            for choice in chunk.choices {
                if let Some(text) = choice.delta.and_then(|d| d.content)
                    && !text.is_empty()
                {
                    seq += 1;
                    answer.push_str(&text);
                    let delta = json!({"type": "delta", "delta": text, "seq": seq});
                    ws.send(Message::text(delta.to_string())).await?;
                }
            }
        }
        Ok(answer)
    }
}
