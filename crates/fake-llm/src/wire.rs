//! The JSON the fake sends, shaped like OpenRouter's (which is OpenAI's with a few additions).

use bytes::Bytes;
use serde_json::{Value, json};

/// The SSE comment OpenRouter sends while it waits for the upstream provider.
pub const KEEP_ALIVE_COMMENT: &str = ": OPENROUTER PROCESSING\n\n";

/// The SSE line that ends every well-formed stream.
pub const DONE_LINE: &str = "data: [DONE]\n\n";

/// What every chunk of one answer shares.
#[derive(Debug, Clone)]
pub struct ChunkHeader {
    pub id: String,
    pub model: String,
    pub created: u64,
}

/// Token counts in OpenAI's shape.
#[derive(Debug, Clone, Copy)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl TokenUsage {
    fn to_json(self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        })
    }
}

/// One SSE event carrying a JSON value.
pub fn sse(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

/// A chunk carrying one piece of the answer.
pub fn delta_chunk(header: &ChunkHeader, content: &str) -> Value {
    json!({
        "id": header.id,
        "provider": "fake-llm",
        "model": header.model,
        "object": "chat.completion.chunk",
        "created": header.created,
        "choices": [{
            "index": 0,
            "delta": {"role": "assistant", "content": content},
            "finish_reason": null,
            "native_finish_reason": null,
            "logprobs": null,
        }],
    })
}

/// The last chunk: finish reason and usage together, as OpenRouter sends them.
pub fn final_chunk(header: &ChunkHeader, finish_reason: &str, usage: TokenUsage) -> Value {
    json!({
        "id": header.id,
        "provider": "fake-llm",
        "model": header.model,
        "object": "chat.completion.chunk",
        "created": header.created,
        "choices": [{
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": finish_reason,
            "native_finish_reason": finish_reason,
            "logprobs": null,
        }],
        "usage": usage.to_json(),
    })
}

/// A chunk with no choices at all.
pub fn empty_choices_chunk(header: &ChunkHeader) -> Value {
    json!({
        "id": header.id,
        "provider": "fake-llm",
        "model": header.model,
        "object": "chat.completion.chunk",
        "created": header.created,
        "choices": [],
    })
}

/// OpenRouter's mid-stream failure: an `error` object and `finish_reason: "error"`.
pub fn error_chunk(header: &ChunkHeader, code: u16, message: &str) -> Value {
    json!({
        "id": header.id,
        "object": "chat.completion.chunk",
        "created": header.created,
        "model": header.model,
        "provider": "fake-llm",
        "error": {"code": code, "message": message},
        "choices": [{
            "index": 0,
            "delta": {"content": ""},
            "finish_reason": "error",
            "native_finish_reason": "error",
        }],
    })
}

/// A whole (non-streamed) completion.
pub fn completion(
    header: &ChunkHeader,
    content: Option<&str>,
    finish_reason: &str,
    usage: TokenUsage,
) -> Value {
    let choices = match content {
        Some(content) => json!([{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "finish_reason": finish_reason,
            "native_finish_reason": finish_reason,
            "logprobs": null,
        }]),
        None => json!([]),
    };
    json!({
        "id": header.id,
        "provider": "fake-llm",
        "model": header.model,
        "object": "chat.completion",
        "created": header.created,
        "choices": choices,
        "usage": usage.to_json(),
    })
}

/// OpenRouter's error body.
pub fn error_body(code: u16, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// The message OpenRouter gives with each status, near enough.
pub fn status_message(code: u16) -> &'static str {
    match code {
        400 => "Invalid request: the request body could not be used",
        401 => "No auth credentials found",
        402 => "Insufficient credits. Add more credits to your account",
        403 => "Your input was flagged by moderation",
        404 => "No endpoints found for this model",
        408 => "Request timed out",
        429 => "Rate limit exceeded: free-models-per-min",
        500 => "Internal Server Error",
        502 => "Provider returned error",
        503 => "No available model provider that meets your routing requirements",
        _ => "Error",
    }
}

/// An HTML error page such as a proxy sends.
pub fn html_error_page(code: u16) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>{code} Error</title></head>\
         <body><h1>{code}</h1><p>The upstream server returned an error.</p></body></html>"
    )
}

/// The models list.
pub fn models(model: &str, created: u64) -> Value {
    json!({
        "object": "list",
        "data": [{
            "id": model,
            "object": "model",
            "created": created,
            "owned_by": "fake-llm",
        }],
    })
}
