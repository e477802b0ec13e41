//! Reading one reply into the domain's events: an SSE stream (the normal case) or a whole JSON
//! completion (servers that ignore `stream: true`), under the call's time limits.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::{FinishReason, LlmEvent, Usage};
use eventsource_stream::{EventStream, EventStreamError};
use futures::{Stream, StreamExt, stream};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::failure::{Failure, clean_provider_text, network_cause};
use crate::wire::{self, Chunk, ErrorBody};

/// The time limits of one call: the silence limit for every wait, the last-resort deadline of
/// the whole call, and, within one attempt until its first token, the first-token deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    deadline: Instant,
    max_answer: Duration,
    stall: Duration,
    /// Set for an attempt that has not yet given its first token.
    first_token: Option<(Instant, Duration)>,
}

impl Limits {
    /// The limits of a call starting now.
    pub(crate) fn start(max_answer: Duration, stall: Duration) -> Self {
        Self {
            deadline: Instant::now() + max_answer,
            max_answer,
            stall,
            first_token: None,
        }
    }

    /// The limits of one attempt starting now, which must give its first token within `wait`.
    pub(crate) fn attempt(&self, wait: Duration) -> Self {
        Self {
            first_token: Some((Instant::now() + wait, wait)),
            ..*self
        }
    }

    /// The limits once tokens flow: silence and the last resort only.
    pub(crate) fn streaming(&self) -> Self {
        Self {
            first_token: None,
            ..*self
        }
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs `future` until it ends, or the silence limit, the first-token deadline or the
    /// last resort passes.
    pub(crate) async fn bound<F: Future>(&self, future: F) -> Result<F::Output, Failure> {
        let silent_at = Instant::now() + self.stall;
        let limit = self
            .first_token
            .map_or(self.deadline, |(at, _)| at.min(self.deadline))
            .min(silent_at);
        tokio::time::timeout_at(limit, future)
            .await
            .map_err(|_| self.expired(limit))
    }

    /// Runs `future` until it ends or the first-token deadline (or the last resort) passes;
    /// silence is left to the reads inside it, which keep-alive bytes reset.
    pub(crate) async fn bound_first<F: Future>(&self, future: F) -> Result<F::Output, Failure> {
        let limit = self
            .first_token
            .map_or(self.deadline, |(at, _)| at.min(self.deadline));
        tokio::time::timeout_at(limit, future)
            .await
            .map_err(|_| self.expired(limit))
    }

    /// Which limit a wait that ended at `limit` ran into.
    fn expired(&self, limit: Instant) -> Failure {
        match self.first_token {
            Some((at, wait)) if at == limit && at < self.deadline => {
                Failure::FirstToken { limit: wait }
            }
            _ if self.deadline == limit => Failure::Deadline {
                limit: self.max_answer,
            },
            _ => Failure::Silent { after: self.stall },
        }
    }
}

/// Why the byte stream under the SSE parser ended early.
#[derive(Debug)]
pub(crate) enum Transport {
    Limit(Failure),
    Http(reqwest::Error),
}

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, Transport>> + Send>>;

/// The reply's body, each read bounded by the limits: silence counts from the last byte of any
/// kind, so keep-alive comments keep a slow answer alive and the deadline still ends it.
fn guarded_bytes(response: reqwest::Response, limits: Limits) -> ByteStream {
    let body = response.bytes_stream().boxed();
    Box::pin(stream::unfold(Some(body), move |state| async move {
        let mut body = state?;
        match limits.bound(body.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(body))),
            Ok(Some(Err(error))) => Some((Err(Transport::Http(error)), None)),
            Ok(None) => None,
            Err(limit) => Some((Err(Transport::Limit(limit)), None)),
        }
    }))
}

/// Reads a whole (small) body, bounded by the limits and by `max_bytes`.
pub(crate) async fn read_body(
    response: reqwest::Response,
    limits: Limits,
    max_bytes: usize,
) -> Result<Vec<u8>, Failure> {
    let mut body = guarded_bytes(response, limits);
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(transport_failure)?;
        if bytes.len() + chunk.len() > max_bytes {
            return Err(Failure::BadReply(format!(
                "the reply was larger than {max_bytes} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn transport_failure(transport: Transport) -> Failure {
    match transport {
        Transport::Limit(failure) => failure,
        Transport::Http(error) => Failure::Network(network_cause(error)),
    }
}

/// Turns an SSE reply into events, one `next_event` at a time.
pub(crate) struct AnswerReader {
    events: EventStream<ByteStream>,
    secret: Arc<SecretString>,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    model: Option<String>,
    delivered: bool,
    done: bool,
}

impl std::fmt::Debug for AnswerReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerReader")
            .field("finish", &self.finish)
            .field("model", &self.model)
            .field("delivered", &self.delivered)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl AnswerReader {
    pub(crate) fn new(
        response: reqwest::Response,
        limits: Limits,
        secret: Arc<SecretString>,
    ) -> Self {
        Self {
            events: EventStream::new(guarded_bytes(response, limits)),
            secret,
            finish: None,
            usage: None,
            model: None,
            delivered: false,
            done: false,
        }
    }

    /// The next event: a delta, then at last `Finished`; `None` after that.
    ///
    /// # Errors
    /// The failure that ended the reply early.
    pub(crate) async fn next_event(&mut self) -> Result<Option<LlmEvent>, Failure> {
        if self.done {
            return Ok(None);
        }
        loop {
            let event = match self.events.next().await {
                None => return self.end(false),
                Some(Ok(event)) => event,
                Some(Err(EventStreamError::Transport(transport))) => {
                    // An answer whose finish reason arrived is complete, even if the usage chunk
                    // or `[DONE]` never does.
                    if self.finish.is_some() {
                        return self.end(true);
                    }
                    self.done = true;
                    return Err(transport_failure(transport));
                }
                Some(Err(EventStreamError::Utf8(_))) => {
                    self.done = true;
                    return Err(Failure::BadReply(
                        "the stream was not valid UTF-8".to_owned(),
                    ));
                }
                Some(Err(EventStreamError::Parser(_))) => {
                    self.done = true;
                    return Err(Failure::BadReply(
                        "the stream was not valid server-sent events".to_owned(),
                    ));
                }
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                return self.end(true);
            }
            if data.is_empty() {
                continue;
            }
            match self.read_chunk(&event.event, data) {
                Ok(Some(text)) => {
                    self.delivered = true;
                    return Ok(Some(LlmEvent::Delta(text)));
                }
                Ok(None) => {}
                Err(failure) => {
                    self.done = true;
                    return Err(failure);
                }
            }
        }
    }

    /// Takes in one chunk; the text it adds to the answer, if any.
    fn read_chunk(&mut self, event_type: &str, data: &str) -> Result<Option<String>, Failure> {
        if event_type == "error" {
            let detail = serde_json::from_str::<ErrorBody>(data)
                .map(|b| b.error.text())
                .unwrap_or_else(|_| data.to_owned());
            return Err(self.provider_error(None, &detail));
        }
        let chunk: Chunk = serde_json::from_str(data)
            .map_err(|e| Failure::BadReply(format!("a stream event was not valid JSON ({e})")))?;
        if let Some(error) = chunk.error {
            return Err(self.provider_error(error.code_text(), &error.text()));
        }
        if let Some(model) = chunk.model.filter(|m| !m.is_empty()) {
            self.model = Some(model);
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage.into());
        }
        let mut text = String::new();
        // One answer is asked for (`n` = 1): only the first choice counts.
        if let Some(choice) = chunk.choices.unwrap_or_default().into_iter().next() {
            if let Some(content) = choice.delta.and_then(|d| d.content) {
                text.push_str(&content);
            }
            if let Some(reason) = choice.finish_reason {
                match wire::finish_reason(&reason) {
                    Some(reason) => self.finish = Some(reason),
                    None => {
                        return Err(self.provider_error(
                            None,
                            "the provider ended the answer with finish_reason \"error\"",
                        ));
                    }
                }
            }
        }
        Ok((!text.is_empty()).then_some(text))
    }

    fn provider_error(&self, code: Option<String>, detail: &str) -> Failure {
        Failure::ProviderError {
            code,
            detail: clean_provider_text(detail, self.secret.expose_secret())
                .unwrap_or_else(|| "no details given".to_owned()),
        }
    }

    /// The reply ended, with `[DONE]` (`clean`) or without.
    fn end(&mut self, clean: bool) -> Result<Option<LlmEvent>, Failure> {
        self.done = true;
        let finish_reason = match (self.finish, clean, self.delivered) {
            (Some(reason), _, _) => reason,
            // Some servers send no finish reason; `[DONE]` after text is a normal end.
            (None, true, true) => FinishReason::Stop,
            (None, true, false) => {
                return Err(Failure::BadReply(
                    "the stream ended without any answer (no choices)".to_owned(),
                ));
            }
            (None, false, _) => {
                return Err(Failure::Network(
                    "the connection closed before the answer ended".to_owned(),
                ));
            }
        };
        Ok(Some(LlmEvent::Finished {
            finish_reason,
            usage: self.usage,
            model: self.model.take(),
        }))
    }
}

/// The events of a whole JSON completion: its text as one delta, then `Finished`.
///
/// # Errors
/// A provider error inside the body, or a body that is not a completion with a choice.
pub(crate) fn whole_reply(body: &[u8], secret: &SecretString) -> Result<Vec<LlmEvent>, Failure> {
    let chunk: Chunk = serde_json::from_slice(body)
        .map_err(|e| Failure::BadReply(format!("the reply was not valid JSON ({e})")))?;
    if let Some(error) = chunk.error {
        return Err(Failure::ProviderError {
            code: error.code_text(),
            detail: clean_provider_text(&error.text(), secret.expose_secret())
                .unwrap_or_else(|| "no details given".to_owned()),
        });
    }
    let choice = chunk
        .choices
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or_else(|| Failure::BadReply("the reply had no choices".to_owned()))?;
    let finish_reason = match choice.finish_reason.as_deref() {
        None => FinishReason::Stop,
        Some(reason) => wire::finish_reason(reason).ok_or_else(|| Failure::ProviderError {
            code: None,
            detail: "the provider ended the answer with finish_reason \"error\"".to_owned(),
        })?,
    };
    let text = choice
        .message
        .or(choice.delta)
        .and_then(|m| m.content)
        .unwrap_or_default();
    let mut events = Vec::new();
    if !text.is_empty() {
        events.push(LlmEvent::Delta(text));
    }
    events.push(LlmEvent::Finished {
        finish_reason,
        usage: chunk.usage.map(Into::into),
        model: chunk.model.filter(|m| !m.is_empty()),
    });
    Ok(events)
}
