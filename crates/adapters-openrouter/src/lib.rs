//! The language-model adapter: an [`LlmPort`](domain::LlmPort) that streams answers from
//! OpenRouter or any OpenAI-compatible server (Ollama, vLLM, llama.cpp, OpenAI) at a configured
//! base URL, with retries, fallback models, time limits, and errors a person can act on.
//!
//! How the work is split between crates, and why:
//! - **async-openai** (types only, feature `chat-completion-types`) builds the request body:
//!   messages, `max_tokens`, `stream`, `stream_options.include_usage`. Its HTTP client is not
//!   used, because (as of 0.43) it drops the response headers of an error reply, so a 429's
//!   `Retry-After` is lost; it puts a 5xx body (possibly an HTML page) verbatim into the error
//!   message; and its chunk type has no `error` field and its `FinishReason` no `"error"`, so
//!   OpenRouter's mid-stream failure (a chunk with `error` and `finish_reason: "error"`) comes
//!   out as an unexplained deserialization error. Not using its client also means it never
//!   reads `OPENAI_API_KEY` / `OPENAI_BASE_URL` from the environment: the key and base URL come
//!   only from [`OpenRouterConfig`].
//! - **reqwest** (one shared client, rustls over ring with Mozilla's roots) sends the request;
//!   dropping the answer stream drops the response, which closes the upstream connection.
//! - **eventsource-stream** parses the SSE framing (comments such as `: OPENROUTER PROCESSING`
//!   are skipped there).
//! - Hand-written here: the lenient chunk struct (see `wire`), the retry/fallback policy, the
//!   whole-call deadline and the silence cut, and the error messages.
//!
//! Retries happen only before the first delta is handed on, so an answer never repeats itself;
//! a failure after that ends the stream with an `Err` item after the partial answer.
//!
//! This crate must not depend on the API layer, the storage adapters or the server crate; it
//! knows the domain's port and the OpenAI wire format, nothing else.

mod answer;
mod client;
mod config;
mod failure;
mod wire;

pub use client::OpenRouterLlm;
pub use config::{
    BuildError, DEFAULT_BACKOFF_BASE, DEFAULT_MAX_ANSWER, DEFAULT_MAX_RETRIES, DEFAULT_MODEL,
    DEFAULT_RETRY_AFTER_CAP, DEFAULT_STALL_TIMEOUT, DEFAULT_TIMEOUT, OPENROUTER_BASE_URL,
    OpenRouterConfig,
};
