//! Token counting for the prompt budget.

use std::fmt;
use std::sync::Arc;

use tiktoken_rs::CoreBPE;

/// Counts tokens of a text the way the model's tokenizer would (near enough for a budget).
pub trait TokenCounter: Send + Sync + fmt::Debug + 'static {
    fn count(&self, text: &str) -> u32;
}

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
}
