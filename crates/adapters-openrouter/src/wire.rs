//! The wire format: requests are built with async-openai's types; replies are read into small
//! lenient structs of our own, because async-openai's chunk type has no `error` field and its
//! `FinishReason` has no `"error"`, so OpenRouter's mid-stream failure would surface only as a
//! vague deserialization error (and a server omitting `created` would fail every chunk).

use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
};
use std::sync::{Arc, Mutex, PoisonError};

use domain::{FinishReason, LlmRequest, PromptMessage, Role, Usage};
use serde::Deserialize;
use serde_json::Value;

/// A message in async-openai's type.
fn message(m: &PromptMessage) -> ChatCompletionRequestMessage {
    let text = m.content.as_ref();
    match m.role {
        Role::System => ChatCompletionRequestSystemMessage::from(text).into(),
        Role::User => ChatCompletionRequestUserMessage::from(text).into(),
        Role::Assistant => ChatCompletionRequestAssistantMessage::from(text).into(),
    }
}

/// The system message's JSON, kept for the resume version it was made from: the rules and the
/// whole resume are the largest part of every request, and the same in each until the resume
/// is reloaded (the domain hands the same `Arc` to every request until then).
#[derive(Debug, Default)]
pub(crate) struct SystemMessageJson {
    kept: Mutex<Option<(Arc<str>, Arc<str>)>>,
}

impl SystemMessageJson {
    fn of(&self, message: &PromptMessage) -> Result<Arc<str>, String> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((content, json)) = kept.as_ref()
            && Arc::ptr_eq(content, &message.content)
        {
            return Ok(Arc::clone(json));
        }
        let json: Arc<str> = serde_json::to_string(&self::message(message))
            .map_err(|e| e.to_string())?
            .into();
        *kept = Some((Arc::clone(&message.content), Arc::clone(&json)));
        Ok(json)
    }
}

/// A request's `messages` array as JSON, made once per call and reused for each model tried;
/// each message is written by async-openai's types, the system message taken from `system`.
///
/// # Errors
/// When a message cannot be serialized (none can fail with these types).
pub(crate) fn messages_json(
    request: &LlmRequest,
    system: &SystemMessageJson,
) -> Result<Vec<u8>, String> {
    let size: usize = request.messages.iter().map(|m| m.content.len() + 32).sum();
    let mut out = Vec::with_capacity(size + 2);
    out.push(b'[');
    for (i, m) in request.messages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if m.role == Role::System {
            out.extend_from_slice(system.of(m)?.as_bytes());
        } else {
            serde_json::to_writer(&mut out, &message(m)).map_err(|e| e.to_string())?;
        }
    }
    out.push(b']');
    Ok(out)
}

/// The JSON body of a streamed chat request for `model`, around `messages` (from
/// [`messages_json`]).
///
/// The other fields come from async-openai's request type, built without messages and
/// serialized; the messages array, already JSON, is written in their place rather than
/// rebuilt and escaped again for each request.
///
/// # Errors
/// When async-openai's builder refuses the request or it cannot be serialized (neither happens
/// with the fields set here).
pub(crate) fn request_body(
    model: &str,
    messages: &[u8],
    max_tokens: u32,
) -> Result<Vec<u8>, String> {
    // `max_tokens` is deprecated by OpenAI in favour of `max_completion_tokens`, but it is the
    // field OpenRouter documents and every OpenAI-compatible server (Ollama, vLLM, llama.cpp)
    // reads.
    #[allow(deprecated)]
    let request = CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages(Vec::<ChatCompletionRequestMessage>::new())
        .max_tokens(max_tokens)
        .stream(true)
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        })
        .build()
        .map_err(|e: OpenAIError| e.to_string())?;
    let Value::Object(mut fields) = serde_json::to_value(&request).map_err(|e| e.to_string())?
    else {
        return Err("the request did not serialize to an object".to_owned());
    };
    fields.remove("messages");
    let mut out = Vec::with_capacity(messages.len() + 256);
    out.extend_from_slice(b"{\"messages\":");
    out.extend_from_slice(messages);
    for (name, value) in &fields {
        out.push(b',');
        serde_json::to_writer(&mut out, name).map_err(|e| e.to_string())?;
        out.push(b':');
        serde_json::to_writer(&mut out, value).map_err(|e| e.to_string())?;
    }
    out.push(b'}');
    Ok(out)
}

/// One `data:` event of a streamed answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Chunk {
    pub model: Option<String>,
    pub choices: Option<Vec<ChunkChoice>>,
    pub usage: Option<WireUsage>,
    pub error: Option<ErrorObject>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChunkChoice {
    pub delta: Option<Delta>,
    /// A whole message, as a non-streamed completion carries it.
    pub message: Option<Delta>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Delta {
    pub content: Option<String>,
}

/// Token counts; any field may be missing on some servers.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WireUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        }
    }
}

/// OpenAI's and OpenRouter's error object (`code` is a number on OpenRouter, a string on
/// OpenAI).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ErrorObject {
    pub code: Option<Value>,
    pub message: Option<String>,
    pub metadata: Option<Value>,
}

impl ErrorObject {
    pub fn code_text(&self) -> Option<String> {
        match &self.code {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }

    /// OpenRouter's `metadata.headers["X-RateLimit-Reset"]` in a 429 body.
    pub fn rate_limit_reset_ms(&self) -> Option<i64> {
        let reset = self
            .metadata
            .as_ref()?
            .get("headers")?
            .get("X-RateLimit-Reset")?;
        match reset {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The message, with the upstream provider's name when OpenRouter gives it.
    pub fn text(&self) -> String {
        let message = self.message.clone().unwrap_or_default();
        let provider = self
            .metadata
            .as_ref()
            .and_then(|m| m.get("provider_name"))
            .and_then(Value::as_str);
        match provider {
            Some(p) => format!("{message} [upstream: {p}]"),
            None => message,
        }
    }
}

/// An error reply's body: `{"error": {...}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorObject,
}

/// How a provider's finish reason maps onto the domain's. `None` for `"error"`, which is a
/// failure, not an ending.
pub(crate) fn finish_reason(reason: &str) -> Option<FinishReason> {
    match reason {
        "error" => None,
        "length" => Some(FinishReason::Length),
        // "stop", "eos", "content_filter", "tool_calls", …: the model ended its answer.
        _ => Some(FinishReason::Stop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_body_streams_with_usage_and_max_tokens() {
        let request = LlmRequest {
            messages: vec![
                PromptMessage {
                    role: Role::System,
                    content: Arc::from("rules"),
                },
                PromptMessage {
                    role: Role::User,
                    content: Arc::from("question?"),
                },
            ],
            max_tokens: 77,
        };
        let system = SystemMessageJson::default();
        let messages = messages_json(&request, &system).unwrap_or_default();
        let body = request_body("some/model", &messages, 77).unwrap_or_default();
        let json: Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(json["model"], "some/model");
        assert_eq!(json["stream"], true);
        assert_eq!(json["stream_options"]["include_usage"], true);
        assert_eq!(json["max_tokens"], 77);
        assert_eq!(json["messages"][0]["role"], "system");
        assert_eq!(json["messages"][0]["content"], "rules");
        assert_eq!(json["messages"][1]["role"], "user");
    }

    #[test]
    fn the_body_is_the_request_async_openai_would_send_whole() {
        let request = LlmRequest {
            messages: vec![
                PromptMessage {
                    role: Role::System,
                    content: Arc::from("rules\n\"quoted\" ünïcode \u{1F600} \\ </script>"),
                },
                PromptMessage {
                    role: Role::User,
                    content: Arc::from("first?"),
                },
                PromptMessage {
                    role: Role::Assistant,
                    content: Arc::from("an\tanswer"),
                },
                PromptMessage {
                    role: Role::User,
                    content: Arc::from("second?"),
                },
            ],
            max_tokens: 50,
        };
        let system = SystemMessageJson::default();
        let messages = messages_json(&request, &system).unwrap_or_default();
        let body = request_body("a/model", &messages, 50).unwrap_or_default();
        #[allow(deprecated)]
        let whole = CreateChatCompletionRequestArgs::default()
            .model("a/model")
            .messages(request.messages.iter().map(message).collect::<Vec<_>>())
            .max_tokens(50u32)
            .stream(true)
            .stream_options(ChatCompletionStreamOptions {
                include_usage: Some(true),
                include_obfuscation: None,
            })
            .build()
            .ok();
        let expected = serde_json::to_value(&whole).unwrap_or_default();
        let sent: Value = serde_json::from_slice(&body).unwrap_or_default();
        assert!(expected.is_object());
        assert_eq!(sent, expected);
    }

    #[test]
    fn the_system_message_is_serialized_once_per_resume_version() {
        let system = SystemMessageJson::default();
        let v1 = PromptMessage {
            role: Role::System,
            content: Arc::from("resume v1"),
        };
        let first = system.of(&v1).unwrap_or_default();
        let same_version = PromptMessage {
            role: Role::System,
            content: Arc::clone(&v1.content),
        };
        let again = system.of(&same_version).unwrap_or_default();
        assert!(Arc::ptr_eq(&first, &again), "served from what was kept");
        let v2 = PromptMessage {
            role: Role::System,
            content: Arc::from("resume v2"),
        };
        let reloaded = system.of(&v2).unwrap_or_default();
        assert!(reloaded.contains("resume v2") && !reloaded.contains("v1"));
    }

    #[test]
    fn reads_openrouter_error_chunk_and_lenient_chunks() {
        let chunk: Chunk = serde_json::from_str(
            r#"{"id":"x","object":"chat.completion.chunk","error":{"code":502,"message":"Provider returned error"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#,
        )
        .unwrap_or_default();
        let error = chunk.error.unwrap_or_default();
        assert_eq!(error.code_text().as_deref(), Some("502"));
        assert_eq!(error.message.as_deref(), Some("Provider returned error"));

        let minimal: Chunk =
            serde_json::from_str(r#"{"choices":[{"delta":{"content":"hi"}}]}"#).unwrap_or_default();
        let choices = minimal.choices.unwrap_or_default();
        assert_eq!(
            choices[0].delta.as_ref().and_then(|d| d.content.as_deref()),
            Some("hi")
        );

        let null_choices: Result<Chunk, _> = serde_json::from_str(r#"{"choices":null}"#);
        assert!(null_choices.is_ok());
    }

    #[test]
    fn reads_rate_limit_reset_from_429_body() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"message":"Rate limit exceeded","code":429,"metadata":{"headers":{"X-RateLimit-Reset":"1741305600000"}}}}"#,
        )
        .unwrap_or(ErrorBody {
            error: ErrorObject::default(),
        });
        assert_eq!(body.error.rate_limit_reset_ms(), Some(1_741_305_600_000));
    }
}
