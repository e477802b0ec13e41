//! Server frames as loadgen needs them: kind, text, session id, error code. Lenient, so that
//! the original service's frames (no deltas, fewer fields) read too.

use std::borrow::Cow;

use serde::Deserialize;

/// One server frame, reduced to what is measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFrame {
    /// The greeting: the session id the server gave, and whether it resumed one.
    System {
        session_id: Option<String>,
        resumed: bool,
    },
    /// A piece of the answer.
    Delta(String),
    /// The whole answer.
    Response(String),
    /// An error frame; `code` is `UNKNOWN` when the server gave none.
    Error { code: String },
    /// Any other `type` (kept by name, counted as unexpected).
    Other(String),
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    delta: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    response: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(default)]
    resumed: Option<bool>,
    #[serde(borrow, default)]
    code: Option<Cow<'a, str>>,
}

/// Reads a text frame.
///
/// # Errors
/// The JSON error when the frame is not a JSON object with a string `type`.
pub fn parse(text: &str) -> Result<ServerFrame, serde_json::Error> {
    let wire: Wire<'_> = serde_json::from_str(text)?;
    Ok(match wire.kind.as_ref() {
        "system" => ServerFrame::System {
            session_id: wire.session_id.map(Cow::into_owned),
            resumed: wire.resumed.unwrap_or(false),
        },
        "delta" => ServerFrame::Delta(wire.delta.map(Cow::into_owned).unwrap_or_default()),
        "response" => ServerFrame::Response(wire.response.map(Cow::into_owned).unwrap_or_default()),
        "error" => ServerFrame::Error {
            code: wire
                .code
                .map_or_else(|| "UNKNOWN".to_owned(), Cow::into_owned),
        },
        other => ServerFrame::Other(other.to_owned()),
    })
}

/// The question frame of the protocol.
pub fn question(text: &str) -> String {
    serde_json::json!({ "type": "question", "question": text }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_frame_of_the_protocol() {
        assert_eq!(
            parse(r#"{"type":"system","message":"Connected!","session_id":"abc","resumed":true}"#)
                .ok(),
            Some(ServerFrame::System {
                session_id: Some("abc".into()),
                resumed: true
            })
        );
        assert_eq!(
            parse(r#"{"type":"delta","delta":"Ru\"st"}"#).ok(),
            Some(ServerFrame::Delta("Ru\"st".into()))
        );
        assert_eq!(
            parse(r#"{"type":"response","response":"Rust","message_id":"m","finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":2}}"#).ok(),
            Some(ServerFrame::Response("Rust".into()))
        );
        assert_eq!(
            parse(r#"{"type":"error","error":"slow down","code":"BUSY"}"#).ok(),
            Some(ServerFrame::Error {
                code: "BUSY".into()
            })
        );
    }

    #[test]
    fn reads_the_original_services_leaner_frames() {
        assert_eq!(
            parse(r#"{"type":"system","message":"Connected!"}"#).ok(),
            Some(ServerFrame::System {
                session_id: None,
                resumed: false
            })
        );
        assert_eq!(
            parse(r#"{"type":"error","error":"boom"}"#).ok(),
            Some(ServerFrame::Error {
                code: "UNKNOWN".into()
            })
        );
        assert!(parse("not json").is_err());
    }

    #[test]
    fn writes_a_question_frame() {
        assert_eq!(
            question("a \"b\""),
            r#"{"question":"a \"b\"","type":"question"}"#
        );
    }
}
