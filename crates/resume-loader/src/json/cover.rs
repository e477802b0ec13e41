//! Nothing dropped: every text and number of the document that the typed views did not render
//! is added to the section its key belongs to.

use domain::{Resume, ResumeSection};
use serde_json::{Map, Value};

use super::METADATA_KEYS;
use super::render::humanize;

/// `resume` with every text and number of `object` that its facts do not already hold added
/// to the section its top-level key belongs to (`map`), as "Entry: Field: value" facts, and the
/// paths of those fields (`experience[].responsibilities`), deduplicated.
///
/// The typed views above know the fields of each format; this pass is what keeps the promise
/// that nothing in the file is dropped, whatever fields a file adds.
pub(super) fn cover_everything(
    resume: Resume,
    object: &Map<String, Value>,
    map: &[(&str, &str)],
) -> (Resume, Vec<String>) {
    let rendered = normalize(resume.text());
    let mut sections = resume.sections;
    let mut unrecognised: Vec<String> = Vec::new();
    for (key, value) in object {
        if METADATA_KEYS.contains(&key.as_str()) {
            continue;
        }
        let heading = map
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| humanize(key), |(_, h)| (*h).to_owned());
        let mut leaves = Vec::new();
        collect_leaves(value, &mut Vec::new(), key, &mut leaves);
        let mut missing = Vec::new();
        for leaf in leaves {
            if leaf.text.is_empty() || contains_whole(&rendered, &normalize(&leaf.text)) {
                continue;
            }
            if !unrecognised.contains(&leaf.path) {
                unrecognised.push(leaf.path.clone());
            }
            let mut fact = leaf.labels.join(": ");
            if !fact.is_empty() {
                fact.push_str(": ");
            }
            fact.push_str(&leaf.text);
            missing.push(fact);
        }
        if missing.is_empty() {
            continue;
        }
        match sections.iter_mut().find(|s| s.heading == heading) {
            Some(section) => section.facts.extend(missing),
            None => sections.push(ResumeSection {
                heading,
                facts: missing,
            }),
        }
    }
    (
        Resume::from_sections(resume.name, resume.title, sections),
        unrecognised,
    )
}

/// A text or number of the document, with the labels that say what it is.
struct Leaf {
    /// The entry's name and the humanized keys down to the leaf (`["Northwind", "Responsibilities"]`).
    labels: Vec<String>,
    /// Where it is, for the log: `experience[].responsibilities`.
    path: String,
    text: String,
}

fn collect_leaves(value: &Value, labels: &mut Vec<String>, path: &str, out: &mut Vec<Leaf>) {
    match value {
        Value::String(text) => out.push(Leaf {
            labels: labels.clone(),
            path: path.to_owned(),
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        }),
        Value::Number(number) => out.push(Leaf {
            labels: labels.clone(),
            path: path.to_owned(),
            text: number.to_string(),
        }),
        // Flags are rendered where they mean something (a current job); null is nothing.
        Value::Bool(_) | Value::Null => {}
        Value::Array(items) => {
            for item in items {
                let named = entry_name(item);
                if let Some(name) = &named {
                    labels.push(name.clone());
                }
                collect_leaves(item, labels, &format!("{path}[]"), out);
                if named.is_some() {
                    labels.pop();
                }
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                labels.push(humanize(key));
                collect_leaves(field, labels, &format!("{path}.{key}"), out);
                labels.pop();
            }
        }
    }
}

/// What an entry of a list is called, to label its fields: its name, employer, title, …
fn entry_name(item: &Value) -> Option<String> {
    const NAME_KEYS: &[&str] = &[
        "name",
        "company",
        "organization",
        "institution",
        "title",
        "position",
        "network",
        "language",
    ];
    let fields = item.as_object()?;
    NAME_KEYS
        .iter()
        .find_map(|key| fields.get(*key).and_then(Value::as_str))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

/// Whether `needle` stands in `haystack` as a whole: not inside a longer word or number ("6"
/// is not in "2018-06", "Go" is not in "Google").
fn contains_whole(haystack: &str, needle: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
        let ends_word = needle
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let glued = (starts_word && is_word(before)) || (ends_word && is_word(after));
        !glued
    })
}

/// Whitespace folded, for "is this text already in the facts" checks.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
