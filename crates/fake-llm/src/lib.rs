//! `fake-llm`: an OpenAI-compatible model server that answers from a script, for tests and
//! benchmarks of anything that talks to OpenRouter or another OpenAI-style API.
//!
//! It serves `POST /v1/chat/completions` (a JSON completion, or with `"stream": true` an SSE
//! stream shaped like OpenRouter's: `: OPENROUTER PROCESSING` comments, `data: {chunk}` events,
//! a final chunk with `finish_reason` and `usage`, then `data: [DONE]`) and `GET /v1/models`.
//! Answers are fixed texts, a queue of texts, or an echo of the question, streamed word by word
//! with a settable time to first token and delay between words. Faults ([`Fault`]) are injected
//! per request in sequence or always: error statuses (with `Retry-After`), HTML error pages,
//! hangs, stalls, dropped connections, malformed data, OpenRouter's mid-stream `error` chunk and
//! empty `choices`. The handle records every request and counts responses the client abandoned.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fake_llm::FakeLlmError> {
//! use std::time::Duration;
//! use fake_llm::{FakeLlm, Fault};
//!
//! let fake = FakeLlm::builder()
//!     .answer("She writes Rust and Go.")
//!     .token_delay(Duration::from_millis(5))
//!     .faults([Fault::rate_limited(Some(1)), Fault::status(502)])
//!     .spawn()
//!     .await?;
//! let base_url = fake.base_url(); // http://127.0.0.1:PORT/v1
//! # let _ = base_url; Ok(()) }
//! ```
//!
//! The server runs on a thread and tokio runtime of its own, so it works inside any
//! `#[tokio::test]` and stops when its handle is dropped.
//!
//! This crate must not depend on any crate of this workspace: it stands for the outside world,
//! and knows only the OpenAI/OpenRouter wire format.

mod script;
mod server;
mod wire;

pub use script::{AnswerSource, DEFAULT_ANSWER, Fault, tokenize};
pub use server::{FakeLlmBuilder, FakeLlmError, FakeLlmHandle, RecordedRequest};

/// Entry point: `FakeLlm::builder()…spawn().await`.
#[derive(Debug)]
pub struct FakeLlm;

impl FakeLlm {
    /// A builder with the default answer ([`DEFAULT_ANSWER`]), no delays and no faults.
    pub fn builder() -> FakeLlmBuilder {
        FakeLlmBuilder::default()
    }
}
