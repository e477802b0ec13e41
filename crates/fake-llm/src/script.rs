//! What the fake answers and which faults it injects: the script a test writes before (or
//! while) the server runs.

use std::collections::VecDeque;
use std::time::Duration;

/// A failure the fake can inject into one request.
///
/// Token counts (`after_tokens`) count the answer's streamed pieces; a count at or past the end
/// of the answer puts the fault after the last piece, before the final chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// No fault: answer normally. Lets a sequence start with good requests.
    None,
    /// An HTTP error status with an OpenRouter-style JSON body `{"error":{"code","message"}}`;
    /// `retry_after_secs` adds a `Retry-After` header (meant for 429).
    Status {
        code: u16,
        retry_after_secs: Option<u64>,
    },
    /// An HTTP error status with an HTML body, as a proxy or load balancer in front of a provider
    /// sends: clients must not show it to anyone.
    HtmlStatus { code: u16 },
    /// Accepts the request and never answers (no status line), until the client gives up.
    Hang,
    /// Streams `after_tokens` pieces, then goes silent without closing the connection.
    Stall { after_tokens: usize },
    /// Streams `after_tokens` pieces, then drops the connection without the final chunk or
    /// `[DONE]`.
    Disconnect { after_tokens: usize },
    /// Streams `after_tokens` pieces, then a `data:` line that is not JSON (streaming), or
    /// answers with a truncated JSON body (non-streaming).
    Malformed { after_tokens: usize },
    /// Streams `after_tokens` pieces, then OpenRouter's mid-stream failure: a chunk with an
    /// `error` object (code 502, "Provider returned error") and `finish_reason: "error"`, then
    /// `[DONE]`.
    StreamError { after_tokens: usize },
    /// Answers with chunks (or a completion) whose `choices` array is empty, and no finish
    /// reason.
    EmptyChoices,
}

impl Fault {
    /// An error status with a JSON body and no `Retry-After`.
    pub fn status(code: u16) -> Self {
        Fault::Status {
            code,
            retry_after_secs: None,
        }
    }

    /// A 429, with a `Retry-After` header of this many seconds when given.
    pub fn rate_limited(retry_after_secs: Option<u64>) -> Self {
        Fault::Status {
            code: 429,
            retry_after_secs,
        }
    }
}

/// Where answers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerSource {
    /// The same text for every request.
    Fixed(String),
    /// One text per request, in order; the last one repeats once the others are used.
    Queue(VecDeque<String>),
    /// The last user message, word for word.
    Echo,
}

/// The mutable part of the fake: answers, timing and faults. Shared by all requests; a test can
/// change it while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub answers: AnswerSource,
    pub time_to_first_token: Duration,
    pub token_delay: Duration,
    pub keep_alive: Option<Duration>,
    pub model: Option<String>,
    pub faults: VecDeque<Fault>,
    pub always: Option<Fault>,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            answers: AnswerSource::Fixed(DEFAULT_ANSWER.to_owned()),
            time_to_first_token: Duration::ZERO,
            token_delay: Duration::ZERO,
            keep_alive: None,
            model: None,
            faults: VecDeque::new(),
            always: None,
        }
    }
}

/// The answer when a test sets none: a short sentence of several words, so streaming shows.
pub const DEFAULT_ANSWER: &str = "Hello from fake-llm! This answer streams word by word.";

impl Script {
    /// The fault for the next request: the next of the sequence, else the standing one.
    pub fn next_fault(&mut self) -> Fault {
        self.faults
            .pop_front()
            .or_else(|| self.always.clone())
            .unwrap_or(Fault::None)
    }

    /// The answer text for the next request, given its last user message.
    pub fn next_answer(&mut self, last_user_message: Option<&str>) -> String {
        match &mut self.answers {
            AnswerSource::Fixed(text) => text.clone(),
            AnswerSource::Queue(queue) => {
                if queue.len() > 1 {
                    queue.pop_front().unwrap_or_default()
                } else {
                    queue.front().cloned().unwrap_or_default()
                }
            }
            AnswerSource::Echo => last_user_message.unwrap_or_default().to_owned(),
        }
    }
}

/// Splits a text into the pieces the fake streams: each word with the whitespace after it.
/// Leading whitespace is a piece of its own. The pieces concatenate to the text exactly.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut in_space = false;
    for c in text.chars() {
        let space = c.is_whitespace();
        if !space && in_space && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        in_space = space;
        current.push(c);
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_concatenate_to_the_text() {
        for text in ["", "one", "Hello  big\nworld ", "  lead", "a b c"] {
            assert_eq!(tokenize(text).concat(), text);
        }
        assert_eq!(tokenize("Hello  big\nworld"), ["Hello  ", "big\n", "world"]);
        assert_eq!(tokenize("  lead"), ["  ", "lead"]);
    }

    #[test]
    fn fault_sequence_then_standing_fault() {
        let mut script = Script {
            faults: [Fault::status(500)].into(),
            always: Some(Fault::Hang),
            ..Script::default()
        };
        assert_eq!(script.next_fault(), Fault::status(500));
        assert_eq!(script.next_fault(), Fault::Hang);
        assert_eq!(script.next_fault(), Fault::Hang);
    }

    #[test]
    fn queue_repeats_its_last_answer() {
        let mut script = Script {
            answers: AnswerSource::Queue(["a".to_owned(), "b".to_owned()].into()),
            ..Script::default()
        };
        assert_eq!(script.next_answer(None), "a");
        assert_eq!(script.next_answer(None), "b");
        assert_eq!(script.next_answer(None), "b");
    }
}
