//! The [`TokenCounter`] port over tiktoken-rs's `cl100k_base`: the tokenizer the prompt budget
//! and the response cap count with.
//!
//! This crate knows the domain's port and the tokenizer; it must not depend on any other
//! adapter, on HTTP or on storage.

use std::fmt;
use std::sync::Arc;

use domain::TokenCounter;
use tiktoken_rs::CoreBPE;

/// `cl100k_base`, the tokenizer of most chat models' families; exact for OpenAI models and
/// within a few percent for Llama-class ones, which is what a budget needs.
#[derive(Clone)]
pub struct TiktokenCounter {
    bpe: Arc<CoreBPE>,
}

impl fmt::Debug for TiktokenCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TiktokenCounter(cl100k_base)")
    }
}

impl TiktokenCounter {
    /// Builds the tokenizer. Takes a few hundred milliseconds: do it once at start.
    ///
    /// # Panics
    /// Never in practice: the vocabulary is compiled into the binary, and a failure to parse it
    /// would be a broken build.
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let bpe = tiktoken_rs::cl100k_base().expect("the embedded cl100k_base vocabulary parses");
        Self { bpe: Arc::new(bpe) }
    }
}

impl Default for TiktokenCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenCounter for TiktokenCounter {
    fn count(&self, text: &str) -> u32 {
        u32::try_from(self.bpe.encode_ordinary(text).len()).unwrap_or(u32::MAX)
    }

    fn truncate<'a>(&self, text: &'a str, max_tokens: u32) -> &'a str {
        let tokens = self.bpe.encode_ordinary(text);
        let keep = usize::try_from(max_tokens).unwrap_or(usize::MAX);
        if tokens.len() <= keep {
            return text;
        }
        // The kept tokens' bytes are a prefix of the text; a token may end inside a character,
        // so step back to the boundary before it.
        let mut end = self
            .bpe
            .decode_bytes(&tokens[..keep])
            .map_or(0, |bytes| bytes.len())
            .min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_tokens_of_plain_english() {
        let counter = TiktokenCounter::new();
        assert_eq!(counter.count(""), 0);
        assert_eq!(counter.count("hello world"), 2);
    }

    #[test]
    fn truncates_to_a_token_budget_at_a_character_boundary() {
        let counter = TiktokenCounter::new();
        assert_eq!(counter.truncate("hello world", 5), "hello world");
        assert_eq!(counter.truncate("hello world again", 2), "hello world");
        assert_eq!(counter.truncate("hello", 0), "");
        // Characters that take several tokens are never split.
        let text = "Zürich 🦀🦀🦀 Bäckerei Müller";
        for max in 0..counter.count(text) {
            let kept = counter.truncate(text, max);
            assert!(text.starts_with(kept));
            assert!(counter.count(kept) <= max, "{max}: {kept:?}");
        }
    }
}
