//! A BM25 index over the resume's facts: each fact is one document, indexed with the words of
//! its section heading so that "education" finds the facts under "Education".
//!
//! The heading is a field of its own (as in BM25F): a heading word counts the same for every
//! fact of the section, whatever the fact's length, so facts that only share the heading keep
//! their resume order instead of being reordered by length.

use std::collections::{HashMap, HashSet};

use crate::text;

/// BM25 term-frequency saturation. 1.2 is the usual default; facts are short, so the exact
/// value matters little.
const K1: f32 = 1.2;

/// What a heading word counts for, relative to one occurrence in the fact itself at average
/// length: the heading says what the fact is about as surely as the fact's own words.
const HEADING_WEIGHT: f32 = 1.0;

/// BM25 length normalisation. 0.75 is the usual default: a long experience fact should not
/// win just because it repeats more words.
const B: f32 = 0.75;

/// One indexed fact.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// Position of its section in the resume.
    pub(crate) section: usize,
    pub(crate) fact: String,
    /// Term → count in the fact.
    tf: HashMap<String, u32>,
    /// Terms of the section heading.
    heading: HashSet<String>,
    /// Terms in the fact.
    len: u32,
}

/// The index: documents, their document frequencies and average length.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub(crate) docs: Vec<Doc>,
    df: HashMap<String, u32>,
    avg_len: f32,
}

impl Index {
    /// Indexes `(section position, heading, facts)` triples.
    pub(crate) fn build<'a>(
        sections: impl IntoIterator<Item = (usize, &'a str, &'a [String])>,
    ) -> Self {
        let mut docs = Vec::new();
        for (section, heading, facts) in sections {
            let heading: HashSet<String> = text::terms(heading).into_iter().collect();
            for fact in facts {
                if fact.trim().is_empty() {
                    continue;
                }
                let mut tf: HashMap<String, u32> = HashMap::new();
                let mut len = 0;
                for term in text::terms(fact) {
                    *tf.entry(term).or_default() += 1;
                    len += 1;
                }
                docs.push(Doc {
                    section,
                    fact: fact.trim().to_owned(),
                    tf,
                    heading: heading.clone(),
                    len,
                });
            }
        }
        let mut df: HashMap<String, u32> = HashMap::new();
        for doc in &docs {
            for term in doc
                .tf
                .keys()
                .chain(doc.heading.iter().filter(|t| !doc.tf.contains_key(*t)))
            {
                *df.entry(term.clone()).or_default() += 1;
            }
        }
        let total: u32 = docs.iter().map(|d| d.len).sum();
        let avg_len = if docs.is_empty() {
            1.0
        } else {
            (total as f32 / docs.len() as f32).max(1.0)
        };
        Self { docs, df, avg_len }
    }

    /// How many facts contain `term` (in the fact or its heading).
    pub(crate) fn doc_freq(&self, term: &str) -> u32 {
        self.df.get(term).copied().unwrap_or(0)
    }

    /// Inverse document frequency, in the always-positive form of Lucene's BM25.
    fn idf(&self, term: &str) -> f32 {
        let n = self.docs.len() as f32;
        let df = self.doc_freq(term) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The BM25 score of every document for weighted query terms, in document order.
    pub(crate) fn scores(&self, query: &[(String, f32)]) -> Vec<f32> {
        let weighted: Vec<(&str, f32)> = query
            .iter()
            .filter(|(term, _)| self.doc_freq(term) > 0)
            .map(|(term, weight)| (term.as_str(), weight * self.idf(term)))
            .collect();
        self.docs
            .iter()
            .map(|doc| {
                let norm = K1 * (1.0 - B + B * doc.len as f32 / self.avg_len);
                weighted
                    .iter()
                    .map(|(term, w)| {
                        let tf = doc.tf.get(*term).copied().unwrap_or(0) as f32;
                        let in_fact = if tf == 0.0 {
                            0.0
                        } else {
                            tf * (K1 + 1.0) / (tf + norm)
                        };
                        let in_heading = if doc.heading.contains(*term) {
                            HEADING_WEIGHT
                        } else {
                            0.0
                        };
                        w * (in_fact + in_heading)
                    })
                    .sum()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn query(words: &[&str]) -> Vec<(String, f32)> {
        words.iter().map(|w| (text::term(w), 1.0)).collect()
    }

    fn sample() -> Index {
        let skills = facts(&[
            "Programming Languages: Rust, Go, Python",
            "Tools: Kafka, Docker",
        ]);
        let work = facts(&[
            "Senior Engineer at Northwind (2021-03 – Present): led the Rust rewrite",
            "Backend Engineer at Saltvik (2018-09 – 2021-02): built a ledger in Go",
        ]);
        let education = facts(&["MSc Computer Systems, Västkust Institute of Technology"]);
        Index::build([
            (0, "Skills", skills.as_slice()),
            (1, "Experience", work.as_slice()),
            (2, "Education", education.as_slice()),
        ])
    }

    fn best(index: &Index, words: &[&str]) -> usize {
        let scores = index.scores(&query(words));
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        order[0]
    }

    #[test]
    fn rare_terms_rank_their_fact_first() {
        let index = sample();
        assert_eq!(
            index.docs[best(&index, &["kafka"])].fact,
            "Tools: Kafka, Docker"
        );
        assert!(
            index.docs[best(&index, &["ledger"])]
                .fact
                .contains("Saltvik")
        );
    }

    #[test]
    fn heading_words_are_indexed() {
        let index = sample();
        assert!(
            index.docs[best(&index, &["education"])]
                .fact
                .contains("MSc")
        );
        assert_eq!(index.doc_freq(&crate::text::stem("experience")), 2);
    }

    #[test]
    fn heading_words_score_the_same_whatever_the_fact_length() {
        let index = sample();
        let scores = index.scores(&query(&["experience"]));
        assert!(scores[2] > 0.0);
        assert_eq!(scores[2], scores[3]);
    }

    #[test]
    fn more_matching_terms_score_higher() {
        let index = sample();
        let scores = index.scores(&query(&["rust", "programming"]));
        // Skills fact has both words; the Northwind fact only "rust".
        assert!(scores[0] > scores[2], "{scores:?}");
        assert!(scores[2] > 0.0);
        assert_eq!(scores[4], 0.0);
    }

    #[test]
    fn unknown_terms_and_empty_index_score_zero() {
        let index = sample();
        assert!(
            index
                .scores(&query(&["pancakes"]))
                .iter()
                .all(|s| *s == 0.0)
        );
        let empty = Index::build(std::iter::empty());
        assert!(empty.scores(&query(&["rust"])).is_empty());
    }
}
