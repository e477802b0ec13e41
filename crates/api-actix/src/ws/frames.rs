//! The JSON frames of the WebSocket protocol (see DESIGN.md), parsed and written here only.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// A frame from the client, once understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    /// A question, not yet cleaned or checked for length.
    Question(String),
    Cancel,
}

/// Why a client frame was refused; the `Display` is written for the person at the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the message is not valid JSON: {0}")]
    NotJson(String),
    #[error("the message needs a \"type\" field (\"question\" or \"cancel\")")]
    MissingType,
    #[error("unknown message type {0:?}; expected \"question\" or \"cancel\"")]
    UnknownType(String),
    #[error("a question message needs a \"question\" text field")]
    MissingQuestion,
}

#[derive(Deserialize)]
struct RawFrame {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    question: Option<serde_json::Value>,
}

/// Reads one text frame from a client.
///
/// # Errors
/// A [`FrameError`] naming what is wrong.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    // serde would read a JSON array into the struct field by field; only objects are frames.
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => FrameError::NotJson("expected a JSON object".into()),
            Err(e) => FrameError::NotJson(e.to_string()),
        });
    }
    let raw: RawFrame = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            // Valid JSON that is not an object (a number, an array, …).
            FrameError::NotJson("expected a JSON object".into())
        } else {
            FrameError::NotJson(e.to_string())
        }
    })?;
    match raw.kind {
        None | Some(serde_json::Value::Null) => Err(FrameError::MissingType),
        Some(serde_json::Value::String(kind)) => match kind.as_str() {
            "question" => match raw.question {
                Some(serde_json::Value::String(q)) => Ok(ClientFrame::Question(q)),
                _ => Err(FrameError::MissingQuestion),
            },
            "cancel" => Ok(ClientFrame::Cancel),
            _ => Err(FrameError::UnknownType(truncate(&kind, 40))),
        },
        Some(other) => Err(FrameError::UnknownType(truncate(&other.to_string(), 40))),
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Token counts of an answer, as sent to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WireUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// A frame to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    System {
        message: &'a str,
        session_id: String,
        resumed: bool,
    },
    Delta {
        delta: &'a str,
    },
    Response {
        response: &'a str,
        message_id: String,
        finish_reason: &'static str,
        usage: WireUsage,
    },
    Error {
        error: &'a str,
        code: ErrorCode,
        /// Seconds to wait before asking again, with `RATE_LIMIT_EXCEEDED` and `RATE_LIMIT`.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

impl ServerFrame<'_> {
    /// The frame as JSON text. Serialising these plain structs cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","error":"internal error","code":"INTERNAL_ERROR"}"#.to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_question() {
        assert_eq!(
            parse_client_frame(r#"{"type":"question","question":"hi"}"#),
            Ok(ClientFrame::Question("hi".into()))
        );
    }

    #[test]
    fn reads_cancel_and_ignores_extra_fields() {
        assert_eq!(
            parse_client_frame(r#"{"type":"cancel","extra":1}"#),
            Ok(ClientFrame::Cancel)
        );
    }

    #[test]
    fn refuses_what_is_not_a_json_object() {
        for text in ["not json", "", "[1,2]", "42", "{\"type\":"] {
            assert!(
                matches!(parse_client_frame(text), Err(FrameError::NotJson(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_missing_or_unknown_types() {
        assert_eq!(
            parse_client_frame(r#"{"question":"hi"}"#),
            Err(FrameError::MissingType)
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"dance"}"#),
            Err(FrameError::UnknownType("dance".into()))
        );
        assert!(matches!(
            parse_client_frame(r#"{"type":7}"#),
            Err(FrameError::UnknownType(_))
        ));
    }

    #[test]
    fn refuses_a_question_without_text() {
        assert_eq!(
            parse_client_frame(r#"{"type":"question"}"#),
            Err(FrameError::MissingQuestion)
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"question","question":5}"#),
            Err(FrameError::MissingQuestion)
        );
    }

    #[test]
    fn writes_frames_as_the_protocol_says() {
        let frame = ServerFrame::Response {
            response: "Rust",
            message_id: "id".into(),
            finish_reason: "stop",
            usage: WireUsage {
                prompt_tokens: 1,
                completion_tokens: 2,
            },
        };
        assert_eq!(
            frame.to_json(),
            r#"{"type":"response","response":"Rust","message_id":"id","finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":2}}"#
        );
        assert_eq!(
            ServerFrame::Error {
                error: "x",
                code: ErrorCode::RateLimitExceeded,
                retry_after: Some(3),
            }
            .to_json(),
            r#"{"type":"error","error":"x","code":"RATE_LIMIT_EXCEEDED","retry_after":3}"#
        );
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_text_is_parsed_or_refused_without_panicking(text in any::<String>()) {
            let _ = parse_client_frame(&text);
        }

        #[test]
        fn json_shaped_text_is_parsed_or_refused_without_panicking(
            text in r#"\{("(type|question|x)"\s*:\s*("[a-z]{0,8}"|[0-9]{1,3}|null|true|\[\]|\{\})\s*,?\s*){0,4}\}"#
        ) {
            let _ = parse_client_frame(&text);
        }

        #[test]
        fn every_question_text_comes_back_as_sent(question in any::<String>()) {
            let frame = serde_json::json!({"type": "question", "question": question}).to_string();
            prop_assert_eq!(parse_client_frame(&frame), Ok(ClientFrame::Question(question)));
        }
    }
}
