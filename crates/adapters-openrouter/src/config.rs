//! What the adapter needs to know, and what can be wrong with it.

use std::time::Duration;

use config_values::{Bounded, CommaList, NonBlank, OptionalText, Seconds};
use secrecy::SecretString;
use serde::Deserialize;
use serde_with::serde_as;

/// OpenRouter's API base: the default when no `LLM_BASE_URL` is set.
pub const OPENROUTER_BASE_URL: &str = "https://openrouter.ai/api/v1";

/// The model asked for by default (`LLM_MODEL`): a free one, so a new key works without credits.
pub const DEFAULT_MODEL: &str = "meta-llama/llama-3.2-3b-instruct:free";

/// Wait for the first token of each attempt by default (`LLM_TIMEOUT`): a minute covers a cold
/// free model or a local one loading its weights; a visitor waiting longer for a first word has
/// given up anyway.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The last resort for one whole call by default (`LLM_MAX_ANSWER_SECONDS`). Once tokens flow,
/// silence (`LLM_STALL_TIMEOUT`) and the token limit end an answer, not a clock: a local model
/// on a CPU at 5 tokens/s needs over three minutes for 1,000 tokens. Ten minutes only stops a
/// model that streams for ever.
pub const DEFAULT_MAX_ANSWER: Duration = Duration::from_secs(600);

/// Retries per model by default (`LLM_MAX_RETRIES`): with 1, 2, 4 s of backoff they ride out a
/// short outage and still fit well inside the whole-call limit.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// First backoff delay by default; doubles per retry (1, 2, 4 s).
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(1);

/// Longest `Retry-After` honoured by default: a provider asking for more than this will not be
/// ready within one visitor's patience, so the next model (or a rate-limit error) is better.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(30);

/// Silence that cuts a stream by default: OpenRouter sends keep-alive comments every few
/// seconds while a provider thinks, so 30 s without a byte means the stream is dead.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How the adapter reaches the model.
///
/// Read straight from the configuration: each field is named by the variable that sets it, and
/// a missing one takes [`OpenRouterConfig::default`].
#[serde_as]
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct OpenRouterConfig {
    /// OpenAI-compatible API base, e.g. `https://openrouter.ai/api/v1` or
    /// `http://localhost:11434/v1`; `/chat/completions` is appended.
    #[serde(rename = "llm_base_url")]
    pub base_url: String,
    /// Sent as `Authorization: Bearer …`; an empty key sends no `Authorization` header (local
    /// servers need none).
    #[serde(rename = "openrouter_api_key")]
    pub api_key: SecretString,
    /// The model id asked for first.
    #[serde(rename = "llm_model")]
    #[serde_as(as = "NonBlank")]
    pub model: String,
    /// Models tried in order once `model` has failed.
    #[serde(rename = "llm_fallback_models")]
    #[serde_as(as = "CommaList")]
    pub fallback_models: Vec<String>,
    /// How long each attempt may take to its first token (connecting, the reply's head, and the
    /// first delta); a miss is retried like any timeout.
    #[serde(rename = "llm_timeout")]
    #[serde_as(as = "Seconds<3600>")]
    pub timeout: Duration,
    /// Limit on the whole call, retries and the streamed answer included: the last resort.
    #[serde(rename = "llm_max_answer_seconds")]
    #[serde_as(as = "Seconds<86400>")]
    pub max_answer: Duration,
    /// Retries per model after the first attempt.
    #[serde(rename = "llm_max_retries")]
    #[serde_as(as = "Bounded<0, 10>")]
    pub max_retries: u32,
    /// Backoff before retry n (0-based) is `backoff_base · 2^n`.
    #[serde(rename = "llm_backoff_base")]
    #[serde_as(as = "Seconds<3600>")]
    pub backoff_base: Duration,
    /// A `Retry-After` up to this long is waited for; a longer one ends the model's retries.
    #[serde(skip)]
    pub retry_after_cap: Duration,
    /// Silence (no byte at all, keep-alives count as bytes) after which a request or stream is
    /// cut.
    #[serde(rename = "llm_stall_timeout")]
    #[serde_as(as = "Seconds<3600>")]
    pub stall_timeout: Duration,
    /// Sent as OpenRouter's `HTTP-Referer` (app attribution) when set.
    #[serde(rename = "llm_app_url")]
    #[serde_as(as = "OptionalText")]
    pub app_url: Option<String>,
    /// Sent as OpenRouter's `X-Title` when set.
    #[serde(rename = "llm_app_title")]
    #[serde_as(as = "OptionalText")]
    pub app_title: Option<String>,
}

impl Default for OpenRouterConfig {
    /// OpenRouter, [`DEFAULT_MODEL`], and no key (which the server takes as "answer offline").
    fn default() -> Self {
        Self::new(OPENROUTER_BASE_URL, SecretString::from(""), DEFAULT_MODEL)
    }
}

impl OpenRouterConfig {
    /// A configuration with the production defaults for everything but where and what to ask.
    pub fn new(
        base_url: impl Into<String>,
        api_key: SecretString,
        model: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            model: model.into(),
            fallback_models: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            max_answer: DEFAULT_MAX_ANSWER,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF_BASE,
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            app_url: None,
            app_title: None,
        }
    }
}

/// The adapter could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("LLM base URL {url:?} is not usable: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("no model is configured: set LLM_MODEL to a model id")]
    MissingModel,
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    #[error("{name} {value:?} cannot be sent as an HTTP header")]
    InvalidHeader { name: &'static str, value: String },
    #[error("{name} must be more than zero")]
    ZeroDuration { name: &'static str },
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}
