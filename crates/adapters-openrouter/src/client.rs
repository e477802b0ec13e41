//! [`OpenRouterLlm`]: the port implementation, with its retry and fallback policy.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use domain::{LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream};
use futures::{StreamExt, stream};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use crate::answer::{AnswerReader, Limits, read_body, whole_reply};
use crate::config::{BuildError, OpenRouterConfig};
use crate::failure::{Failure, Next, clean_provider_text, network_cause, retry_after};
use crate::wire::{self, ErrorBody};

/// Largest error body read: API errors are a few hundred bytes; an HTML page from a proxy may be
/// more, and is not shown anyway.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Largest whole (non-streamed) completion read: far above `MAX_RESPONSE_TOKENS` worth of text.
const MAX_WHOLE_REPLY_BYTES: usize = 8 * 1024 * 1024;

/// How long an idle pooled connection is kept: long enough to reuse it between the questions of
/// a conversation, short enough not to hold sockets the provider has closed.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Sent as `User-Agent`, so the provider's logs say who calls.
const USER_AGENT: &str = concat!("resume-chat/", env!("CARGO_PKG_VERSION"));

/// A language model behind OpenRouter or any OpenAI-compatible server.
///
/// Cheap to clone: clones share one HTTP client (and its connection pool).
#[derive(Clone)]
pub struct OpenRouterLlm {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    secret: Arc<SecretString>,
    config: OpenRouterConfig,
    system_json: wire::SystemMessageJson,
}

impl std::fmt::Debug for OpenRouterLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Field by field, so neither the key nor the headers carrying it can ever be printed.
        let config = &self.inner.config;
        f.debug_struct("OpenRouterLlm")
            .field("url", &self.inner.url)
            .field("model", &config.model)
            .field("fallback_models", &config.fallback_models)
            .field("timeout", &config.timeout)
            .field("max_retries", &config.max_retries)
            .field("stall_timeout", &config.stall_timeout)
            .finish_non_exhaustive()
    }
}

impl OpenRouterLlm {
    /// Checks the configuration and builds the one HTTP client all calls share.
    ///
    /// # Errors
    /// A [`BuildError`] naming what to fix: a base URL that is not http(s), an empty model,
    /// a key or header value that cannot be sent, a zero duration.
    pub fn new(config: OpenRouterConfig) -> Result<Self, BuildError> {
        let base = config.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base).map_err(|e| BuildError::InvalidBaseUrl {
            url: config.base_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(BuildError::InvalidBaseUrl {
                url: config.base_url.clone(),
                reason: "it must start with http:// or https://".to_owned(),
            });
        }
        if config.model.trim().is_empty() {
            return Err(BuildError::MissingModel);
        }
        for (name, value) in [
            ("LLM_TIMEOUT", config.timeout),
            ("LLM_MAX_ANSWER_SECONDS", config.max_answer),
            ("the stall timeout", config.stall_timeout),
        ] {
            if value.is_zero() {
                return Err(BuildError::ZeroDuration { name });
            }
        }

        let headers = headers(&config)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .user_agent(USER_AGENT)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .connect_timeout(config.stall_timeout)
            .build()
            .map_err(|e| BuildError::HttpClient(network_cause(e)))?;

        Ok(Self {
            inner: Arc::new(Inner {
                http,
                url: format!("{base}/chat/completions"),
                headers,
                secret: Arc::new(config.api_key.clone()),
                config,
                system_json: wire::SystemMessageJson::default(),
            }),
        })
    }

    /// One request to one model: `Ok` once the answer has begun (its first event is in hand),
    /// so every failure before any text can still be retried.
    async fn attempt(
        &self,
        model: &str,
        body: Bytes,
        limits: Limits,
    ) -> Result<LlmStream, Failure> {
        let inner = &self.inner;
        let send = inner
            .http
            .post(&inner.url)
            .headers(inner.headers.clone())
            .body(body)
            .send();
        let response = limits
            .bound(send)
            .await?
            .map_err(|e| Failure::Network(network_cause(e)))?;

        let status = response.status();
        if !status.is_success() {
            return Err(self.status_failure(response, limits).await);
        }

        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if is_json {
            // A server that ignored `stream: true`: the whole answer at once.
            let body = read_body(response, limits, MAX_WHOLE_REPLY_BYTES).await?;
            let events = whole_reply(&body, &inner.secret)?;
            return Ok(stream::iter(events.into_iter().map(Ok)).boxed());
        }

        // The reads are bounded by silence and the last resort; the first delta also by the
        // attempt's first-token deadline.
        let mut reader = AnswerReader::new(response, limits.streaming(), Arc::clone(&inner.secret));
        let first = limits
            .bound_first(reader.next_event())
            .await??
            .ok_or_else(|| Failure::BadReply("the stream ended without any event".to_owned()))?;
        let model = model.to_owned();
        let rest = stream::unfold(Some(reader), move |state| {
            let model = model.clone();
            async move {
                let mut reader = state?;
                match reader.next_event().await {
                    Ok(Some(event)) => Some((Ok(event), Some(reader))),
                    Ok(None) => None,
                    Err(failure) => {
                        tracing::warn!(
                            model = %model,
                            error = %failure.describe(true),
                            "LLM answer failed mid-stream"
                        );
                        Some((Err(failure.into_llm_error(&model, true, 1, 1)), None))
                    }
                }
            }
        });
        Ok(stream::once(async move { Ok::<LlmEvent, LlmError>(first) })
            .chain(rest)
            .boxed())
    }

    /// The failure an error status stands for, with the provider's message and wait.
    async fn status_failure(&self, response: reqwest::Response, limits: Limits) -> Failure {
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response, limits, MAX_ERROR_BODY_BYTES)
            .await
            .unwrap_or_default();
        let error = serde_json::from_slice::<ErrorBody>(&body)
            .ok()
            .map(|b| b.error);
        let reset_ms = error.as_ref().and_then(|e| e.rate_limit_reset_ms());
        let detail = error
            .as_ref()
            .and_then(|e| clean_provider_text(&e.text(), self.inner.secret.expose_secret()));
        Failure::Status {
            status,
            detail,
            retry_after: retry_after(&headers, reset_ms, OffsetDateTime::now_utc()),
        }
    }
}

/// The headers every request carries. The key's header is marked sensitive, so even a debug
/// print of a request shows no key.
fn headers(config: &OpenRouterConfig) -> Result<HeaderMap, BuildError> {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
    let key = config.api_key.expose_secret().trim();
    if !key.is_empty() {
        let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| BuildError::InvalidApiKey)?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    for (name, header, value) in [
        ("LLM_APP_URL", "http-referer", &config.app_url),
        ("LLM_APP_TITLE", "x-title", &config.app_title),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            let value = HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeader {
                name,
                value: value.to_owned(),
            })?;
            headers.insert(HeaderName::from_static(header), value);
        }
    }
    Ok(headers)
}

/// TLS with rustls over ring (as sqlx uses) and Mozilla's root certificates (webpki-roots):
/// nothing to install on the host, no OpenSSL and no CA bundle, so a slim container image works.
fn tls_config() -> Result<rustls::ClientConfig, BuildError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| BuildError::HttpClient(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[async_trait]
impl LlmPort for OpenRouterLlm {
    /// Tries the model, then each fallback model, each up to `max_retries` more times on
    /// retryable failures (429, 408, 5xx, silence, network, unusable or empty replies), waiting
    /// `backoff_base · 2^n` or the provider's `Retry-After` (up to `retry_after_cap`) between
    /// tries. 401 and 402 stop at once (no model can help); other 4xx skip to the next model.
    /// Everything happens before the first delta is handed on, so an answer never repeats. Each
    /// attempt must reach its first token within `timeout`; once tokens flow, only silence
    /// (`stall_timeout`) and the provider's token limit end the answer, and `max_answer` is
    /// the last resort for the whole call.
    ///
    /// # Errors
    /// [`LlmError::RateLimited`] when the last failure was a 429, [`LlmError::Provider`]
    /// otherwise, with a message saying what failed and what to check.
    async fn stream_answer(&self, request: LlmRequest) -> Result<LlmStream, LlmError> {
        let config = &self.inner.config;
        let limits = Limits::start(config.max_answer, config.stall_timeout);
        let messages = wire::messages_json(&request, &self.inner.system_json).map_err(|e| {
            LlmError::Provider {
                message: format!("could not build the request: {e}"),
            }
        })?;
        let models: Vec<&str> = std::iter::once(config.model.as_str())
            .chain(config.fallback_models.iter().map(String::as_str))
            .filter(|m| !m.trim().is_empty())
            .collect();

        let mut last: Option<(&str, Failure)> = None;
        let mut models_tried = 0;
        let mut attempts: u32 = 0;
        'models: for model in models {
            models_tried += 1;
            let body = wire::request_body(model, &messages, request.max_tokens)
                .map(Bytes::from)
                .map_err(|e| LlmError::Provider {
                    message: format!("model {model}: could not build the request: {e}"),
                })?;
            let mut attempt: u32 = 0;
            loop {
                tracing::debug!(model, attempt, "LLM request");
                attempts += 1;
                let attempt_limits = limits.attempt(config.timeout);
                let failure = match self.attempt(model, body.clone(), attempt_limits).await {
                    Ok(stream) => return Ok(stream),
                    Err(failure) => failure,
                };
                let message = failure.describe(false);
                let next = failure.next();
                let wait = match next {
                    Next::Retry if attempt < config.max_retries => {
                        let backoff = config
                            .backoff_base
                            .saturating_mul(2u32.saturating_pow(attempt));
                        match failure.retry_after() {
                            Some(asked) if asked > config.retry_after_cap => None,
                            Some(asked) => Some(backoff.max(asked)),
                            None => Some(backoff),
                        }
                    }
                    _ => None,
                }
                .filter(|wait| *wait < limits.remaining());
                last = Some((model, failure));
                match (next, wait) {
                    (Next::Stop, _) => {
                        tracing::warn!(model, attempt, error = %message, "LLM request failed; not retrying");
                        break 'models;
                    }
                    (_, Some(wait)) => {
                        tracing::warn!(
                            model,
                            attempt,
                            error = %message,
                            retry_in_ms = wait.as_millis() as u64,
                            "LLM request failed; retrying"
                        );
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                    }
                    (_, None) => {
                        tracing::warn!(model, attempt, error = %message, "LLM request failed; giving up on this model");
                        continue 'models;
                    }
                }
            }
        }

        Err(match last {
            Some((model, failure)) => failure.into_llm_error(model, false, attempts, models_tried),
            None => LlmError::Provider {
                message: "no model is configured: set LLM_MODEL".to_owned(),
            },
        })
    }

    fn describe(&self) -> String {
        self.inner.config.model.clone()
    }
}
