//! Why one attempt failed, whether trying again can help, and the message a person reads.

use std::time::Duration;

use domain::LlmError;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// Longest piece of provider text quoted in a message: enough for "Rate limit exceeded:
/// free-models-per-min" or a validation error, short enough for a log line.
const MAX_QUOTED_CHARS: usize = 300;

/// OpenRouter's reset time for a rate limit (milliseconds since the epoch), sent as a header or
/// inside a 429 body's `error.metadata.headers`.
const RATE_LIMIT_RESET_HEADER: &str = "x-ratelimit-reset";

/// One attempt's failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The provider answered with an error status.
    Status {
        status: StatusCode,
        /// The provider's message, cleaned; `None` when the body was not its JSON error.
        detail: Option<String>,
        retry_after: Option<Duration>,
    },
    /// No byte arrived for `stall_timeout`.
    Silent { after: Duration },
    /// An attempt gave no first token within `LLM_TIMEOUT`.
    FirstToken { limit: Duration },
    /// The last resort for the whole call (`LLM_MAX_ANSWER_SECONDS`) ran out.
    Deadline { limit: Duration },
    /// The connection failed or broke.
    Network(String),
    /// The reply could not be read (malformed data, no answer at all).
    BadReply(String),
    /// The provider reported a failure inside a 200 reply (OpenRouter's mid-stream `error`).
    ProviderError {
        code: Option<String>,
        detail: String,
    },
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try the same model again after a backoff.
    Retry,
    /// This model will not do; try the next one.
    OtherModel,
    /// No model can help (the key or account is at fault, or time is up).
    Stop,
}

impl Failure {
    pub(crate) fn next(&self) -> Next {
        match self {
            Failure::Status { status, .. } => match status.as_u16() {
                401 | 402 => Next::Stop,
                408 | 429 => Next::Retry,
                s if s >= 500 => Next::Retry,
                // 400, 403 (moderation), 404 (model), 413 (prompt too big), 422, …: this
                // request will not succeed on this model, another may take it.
                _ => Next::OtherModel,
            },
            Failure::Deadline { .. } => Next::Stop,
            Failure::Silent { .. }
            | Failure::FirstToken { .. }
            | Failure::Network(_)
            | Failure::BadReply(_)
            | Failure::ProviderError { .. } => Next::Retry,
        }
    }

    /// The provider's requested wait, for rate limits.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn is_rate_limit(&self) -> bool {
        matches!(self, Failure::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS)
    }

    /// What went wrong, for a person: the status or cause, what to check, and the provider's own
    /// words when it gave any. `mid_answer` says part of the answer was already delivered.
    pub(crate) fn describe(&self, mid_answer: bool) -> String {
        let cut = if mid_answer {
            "the answer was cut off: "
        } else {
            ""
        };
        let said = |detail: &Option<String>| match detail {
            Some(d) => format!(" (provider said: {d})"),
            None => String::new(),
        };
        match self {
            Failure::Status {
                status,
                detail,
                retry_after,
            } => {
                let code = status.as_u16();
                let what = match code {
                    400 => "the provider rejected the request as invalid (400); check that \
                            LLM_MODEL names a model this provider serves and that the prompt fits \
                            its context"
                        .to_owned(),
                    401 => "the API key was refused (401); check OPENROUTER_API_KEY (is it \
                            complete, not revoked, and meant for this LLM_BASE_URL?)"
                        .to_owned(),
                    402 => "the account has no credits (402); add credits at the provider or \
                            choose a free model in LLM_MODEL"
                        .to_owned(),
                    403 => "the provider refused the request (403); the input may have been \
                            flagged by moderation, or the key may not use this model"
                        .to_owned(),
                    404 => "the model or endpoint was not found (404); check LLM_MODEL and \
                            LLM_BASE_URL"
                        .to_owned(),
                    429 => match retry_after.filter(|wait| !wait.is_zero()) {
                        Some(wait) => format!(
                            "the provider is rate limiting requests (429); it asked to wait {}",
                            seconds(wait)
                        ),
                        None => "the provider is rate limiting requests (429)".to_owned(),
                    },
                    s if s >= 500 => format!(
                        "the provider failed with status {status}; this is usually temporary"
                    ),
                    _ => format!("the provider answered with status {status}"),
                };
                let body = if detail.is_none() && code >= 500 {
                    " (its reply was not an API error message)".to_owned()
                } else {
                    said(detail)
                };
                format!("{cut}{what}{body}")
            }
            Failure::Silent { after } => format!(
                "{cut}the provider sent nothing for {}; it may be overloaded",
                seconds(*after)
            ),
            Failure::FirstToken { limit } => format!(
                "the provider began no answer within LLM_TIMEOUT ({})",
                seconds(*limit)
            ),
            Failure::Deadline { limit } => format!(
                "{cut}no complete answer within LLM_MAX_ANSWER_SECONDS ({})",
                seconds(*limit)
            ),
            Failure::Network(cause) if mid_answer => {
                format!("{cut}the connection to the provider broke ({cause})")
            }
            Failure::Network(cause) => format!(
                "could not talk to the provider ({cause}); check LLM_BASE_URL and the network"
            ),
            Failure::BadReply(what) => format!("{cut}the provider's reply was unusable: {what}"),
            Failure::ProviderError { code, detail } => match code {
                Some(code) => format!("{cut}the provider failed (code {code}): {detail}"),
                None => format!("{cut}the provider failed: {detail}"),
            },
        }
    }

    /// The domain's error for this failure on `model`, as the final outcome of a call that made
    /// `attempts` requests to `models_tried` models.
    pub(crate) fn into_llm_error(
        self,
        model: &str,
        mid_answer: bool,
        attempts: u32,
        models_tried: usize,
    ) -> LlmError {
        let tried = match (attempts, models_tried) {
            (_, m) if m > 1 => format!(" (after {attempts} attempts on {m} models)"),
            (a, _) if a > 1 => format!(" (after {a} attempts)"),
            _ => String::new(),
        };
        let message = format!("model {model}: {}{tried}", self.describe(mid_answer));
        if self.is_rate_limit() && !mid_answer {
            LlmError::RateLimited {
                message,
                retry_after: self.retry_after(),
            }
        } else {
            LlmError::Provider { message }
        }
    }
}

/// "1.5 s", "30 s", "250 ms".
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Makes provider text safe to show and log: never the key, no control characters, no markup,
/// bounded length. `None` when nothing readable is left.
pub(crate) fn clean_provider_text(text: &str, secret: &str) -> Option<String> {
    let text = if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "[redacted]")
    };
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() || flat.starts_with('<') {
        return None;
    }
    if flat.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = flat.chars().take(MAX_QUOTED_CHARS).collect();
        Some(format!("{cut}…"))
    } else {
        Some(flat)
    }
}

/// The wait a rate-limited reply asks for: `Retry-After` (seconds or an HTTP date), else
/// OpenRouter's `X-RateLimit-Reset` (epoch milliseconds) from the headers or the body.
pub(crate) fn retry_after(
    headers: &HeaderMap,
    body_reset_ms: Option<i64>,
    now: OffsetDateTime,
) -> Option<Duration> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(value) = header(RETRY_AFTER.as_str()) {
        let value = value.trim();
        if let Ok(secs) = value.parse::<f64>() {
            return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
        }
        if let Ok(at) = OffsetDateTime::parse(value, &Rfc2822) {
            return Some(until(at, now));
        }
    }
    let reset_ms = header(RATE_LIMIT_RESET_HEADER)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(body_reset_ms)?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(reset_ms) * 1_000_000).ok()?;
    Some(until(at, now))
}

fn until(at: OffsetDateTime, now: OffsetDateTime) -> Duration {
    Duration::try_from(at - now).unwrap_or(Duration::ZERO)
}

/// A reqwest error as a short cause, with its sources (reqwest's own text is "error sending
/// request", the useful part is underneath). Without the URL, never with headers.
pub(crate) fn network_cause(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.dedup();
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_dates_and_openrouter_reset() {
        let now = OffsetDateTime::from_unix_timestamp(1_000_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, None, now), None);

        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(
            retry_after(&headers, None, now),
            Some(Duration::from_secs(2))
        );

        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 09 Sep 2001 01:46:50 GMT"),
        );
        assert_eq!(
            retry_after(&headers, None, now),
            Some(Duration::from_secs(10))
        );

        let mut headers = HeaderMap::new();
        assert_eq!(
            retry_after(&headers, Some(1_000_000_003_000), now),
            Some(Duration::from_secs(3))
        );
        headers.insert(
            RATE_LIMIT_RESET_HEADER,
            HeaderValue::from_static("1000000001500"),
        );
        assert_eq!(
            retry_after(&headers, None, now),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn provider_text_is_cleaned() {
        assert_eq!(
            clean_provider_text("bad key sk-secret\n given", "sk-secret").as_deref(),
            Some("bad key [redacted] given")
        );
        assert_eq!(
            clean_provider_text("<html><body>502</body></html>", ""),
            None
        );
        assert_eq!(clean_provider_text("  \n", ""), None);
        let long = "x".repeat(1000);
        let cleaned = clean_provider_text(&long, "").unwrap_or_default();
        assert_eq!(cleaned.chars().count(), MAX_QUOTED_CHARS + 1);
    }

    #[test]
    fn statuses_decide_what_comes_next() {
        let status = |code| Failure::Status {
            status: StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT),
            detail: None,
            retry_after: None,
        };
        for code in [429, 408, 500, 502, 503, 504] {
            assert_eq!(status(code).next(), Next::Retry, "{code}");
        }
        for code in [401, 402] {
            assert_eq!(status(code).next(), Next::Stop, "{code}");
        }
        for code in [400, 403, 404, 422] {
            assert_eq!(status(code).next(), Next::OtherModel, "{code}");
        }
    }

    #[test]
    fn a_missed_first_token_is_retried_and_the_last_resort_is_final() {
        let limit = Duration::from_secs(1);
        assert_eq!(Failure::FirstToken { limit }.next(), Next::Retry);
        assert_eq!(Failure::Deadline { limit }.next(), Next::Stop);
    }

    #[test]
    fn persisting_429_is_a_rate_limit_error() {
        let failure = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: Some("slow down".to_owned()),
            retry_after: Some(Duration::from_secs(5)),
        };
        match failure.into_llm_error("m", false, 1, 1) {
            LlmError::RateLimited {
                message,
                retry_after,
            } => {
                assert_eq!(retry_after, Some(Duration::from_secs(5)));
                assert!(message.contains("slow down"), "{message}");
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
    }
}
