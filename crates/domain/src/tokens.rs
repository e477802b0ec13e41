//! Token counting for the prompt budget: the port. The tokenizer itself is an adapter
//! (`adapters-tiktoken`), so the domain carries no vocabulary.

use std::fmt;

/// Counts tokens of a text the way the model's tokenizer would (near enough for a budget).
pub trait TokenCounter: Send + Sync + fmt::Debug + 'static {
    fn count(&self, text: &str) -> u32;

    /// The longest prefix of `text` that is at most `max_tokens` tokens, cut at a character
    /// boundary. The default cuts by counting, for counters that cannot do better.
    fn truncate<'a>(&self, text: &'a str, max_tokens: u32) -> &'a str {
        if self.count(text) <= max_tokens {
            return text;
        }
        // Binary search over character boundaries: counts grow with the prefix.
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let (mut fits, mut over) = (0, bounds.len());
        while over - fits > 1 {
            let mid = (fits + over) / 2;
            if self.count(&text[..bounds[mid]]) <= max_tokens {
                fits = mid;
            } else {
                over = mid;
            }
        }
        &text[..bounds[fits]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts one token per character: the default `truncate` must agree with it.
    #[derive(Debug)]
    struct PerChar;

    impl TokenCounter for PerChar {
        fn count(&self, text: &str) -> u32 {
            text.chars().count() as u32
        }
    }

    #[test]
    fn the_default_truncation_keeps_the_longest_prefix_that_fits() {
        assert_eq!(PerChar.truncate("abcdef", 3), "abc");
        assert_eq!(PerChar.truncate("äöü", 2), "äö");
        assert_eq!(PerChar.truncate("abc", 9), "abc");
        assert_eq!(PerChar.truncate("abc", 0), "");
    }
}
