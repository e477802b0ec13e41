//! Writers shared by both schemas: sections, labels, dates, roles and skills.

use domain::ResumeSection;
use serde_json::{Map, Value};

use super::METADATA_KEYS;
use serde::Deserialize;

use crate::lenient::{FromName, SkillGroups, Text};

/// Sections in the order they are pushed; empty ones are left out.
#[derive(Debug, Default)]
pub(super) struct Sections(pub(super) Vec<ResumeSection>);

impl Sections {
    pub(super) fn push(&mut self, heading: &str, facts: impl IntoIterator<Item = String>) {
        let facts: Vec<String> = facts.into_iter().filter(|f| !f.trim().is_empty()).collect();
        if !facts.is_empty() {
            self.0.push(ResumeSection {
                heading: heading.to_owned(),
                facts,
            });
        }
    }

    /// Top-level fields this loader does not know (`"hobbies": [...]`) still hold resume
    /// content, so lists and objects become sections of their own; bare scalars (ids,
    /// versions, timestamps) are left out.
    pub(super) fn push_extras(&mut self, object: &Map<String, Value>, known: &[&str]) {
        for (key, value) in object {
            if known.contains(&key.as_str()) || METADATA_KEYS.contains(&key.as_str()) {
                continue;
            }
            let facts = match value {
                Value::Array(items) => items.iter().map(flat_text).collect(),
                Value::Object(fields) => fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", humanize(k), flat_text(v)))
                    .collect(),
                _ => Vec::new(),
            };
            self.push(&humanize(key), facts);
        }
    }
}

/// One line of text for any JSON value, for fields the loader has no typed view of.
pub(super) fn flat_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(flat_text)
                .filter(|s| !s.is_empty())
                .collect();
            parts.join(", ")
        }
        Value::Object(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| (k, flat_text(v)))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{}: {v}", humanize(k)))
                .collect();
            parts.join("; ")
        }
    }
}

/// `"volunteerWork"` / `"volunteer_work"` → `"Volunteer work"`.
pub(super) fn humanize(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut previous_lower = false;
    for c in key.chars() {
        if c == '_' || c == '-' {
            out.push(' ');
            previous_lower = false;
        } else if c.is_uppercase() && previous_lower {
            out.push(' ');
            out.extend(c.to_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_lowercase();
        }
    }
    let trimmed = out.trim();
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Other".to_owned(),
    }
}

pub(super) fn labelled(label: &str, value: impl Into<Option<String>>) -> Option<String> {
    value.into().map(|value| format!("{label}: {value}"))
}

pub(super) fn append_labelled(fact: &mut String, label: &str, value: impl Into<Option<String>>) {
    if let Some(value) = value.into() {
        fact.push_str("; ");
        fact.push_str(label);
        fact.push_str(": ");
        fact.push_str(&value);
    }
}

pub(super) fn append_description(fact: &mut String, description: &[String]) {
    if let Some(description) = join(description.iter().cloned(), " ") {
        fact.push_str(": ");
        fact.push_str(&description);
    }
}

/// Joins the present, non-empty parts; `None` when there are none.
pub(super) fn join(
    parts: impl IntoIterator<Item = impl Into<Option<String>>>,
    separator: &str,
) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .filter_map(Into::into)
        .filter(|part| !part.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(separator))
}

/// `" (a, b)"` for the present parts, or nothing.
pub(super) fn parenthesized<const N: usize>(parts: [impl Into<Option<String>>; N]) -> String {
    parenthesized_with(parts, ", ")
}

/// Like [`parenthesized`], for parts that contain commas themselves (lists, URLs).
pub(super) fn parenthesized_with<const N: usize>(
    parts: [impl Into<Option<String>>; N],
    separator: &str,
) -> String {
    join(parts, separator).map_or_else(String::new, |inner| format!(" ({inner})"))
}

/// `"MSc in Computer Science"`, or whichever of the two is given.
pub(super) fn degree_in(degree: Option<&str>, field: Option<&str>) -> Option<String> {
    match (degree, field) {
        (Some(degree), Some(field)) => Some(format!("{degree} in {field}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// `"2021-03 – Present"`. JSON Resume leaves `endDate` out for a current role (`open_is_present`);
/// the original format writes "Present" itself, so there a missing end just reads "from …".
pub(super) fn date_range(
    start: Option<&str>,
    end: Option<&str>,
    open_is_present: bool,
) -> Option<String> {
    match (start, end) {
        (Some(start), Some(end)) => Some(format!("{start} – {end}")),
        (Some(start), None) if open_is_present => Some(format!("{start} – Present")),
        (Some(start), None) => Some(format!("from {start}")),
        (None, Some(end)) => Some(format!("until {end}")),
        (None, None) => None,
    }
}

pub(super) fn named_description(
    name: impl Into<Option<String>>,
    description: &[String],
) -> Option<String> {
    let description = join(description.iter().cloned(), " ");
    match (name.into(), description) {
        (Some(name), Some(description)) => Some(format!("{name}: {description}")),
        (Some(only), None) | (None, Some(only)) => Some(only),
        (None, None) => None,
    }
}

pub(super) struct JobFacts<'a> {
    pub(super) position: Option<&'a str>,
    pub(super) employer: Option<&'a str>,
    pub(super) location: Option<&'a str>,
    pub(super) dates: Option<String>,
    pub(super) description: &'a [String],
    pub(super) highlights: Vec<String>,
    pub(super) technologies: &'a [String],
}

/// A headline fact for the role, then one fact per highlight that names the employer again so
/// it reads on its own ("At Northwind Logistics: …").
pub(super) fn job_facts(job: JobFacts<'_>) -> Vec<String> {
    let mut facts = Vec::new();
    let role = join(
        [
            job.position.map(str::to_owned),
            job.employer.map(str::to_owned),
        ],
        " at ",
    );
    let place = job.employer.or(job.position);
    if let Some(mut headline) = role {
        headline.push_str(&parenthesized([job.dates, job.location.map(str::to_owned)]));
        append_description(&mut headline, job.description);
        facts.push(headline);
    } else if let Some(description) = join(job.description.iter().cloned(), " ") {
        facts.push(description);
    }
    facts.extend(job.highlights.into_iter().map(|highlight| match place {
        Some(place) => format!("At {place}: {highlight}"),
        None => highlight,
    }));
    if let Some(technologies) = join(job.technologies.iter().cloned(), ", ") {
        facts.push(match place {
            Some(place) => format!("Technologies used at {place}: {technologies}"),
            None => format!("Technologies used: {technologies}"),
        });
    }
    facts
}

/// `"Databases: PostgreSQL, Redis"`; skills listed without a category share one `"Skills: …"` fact.
pub(super) fn skill_facts(skills: SkillGroups) -> Vec<String> {
    let mut facts = Vec::new();
    let mut uncategorized = Vec::new();
    for group in skills.0 {
        let keywords = join(group.keywords, ", ");
        match (group.name.0, group.level) {
            (Some(name), level) => {
                let mut fact = name;
                fact.push_str(&parenthesized([level]));
                if let Some(keywords) = keywords {
                    fact.push_str(": ");
                    fact.push_str(&keywords);
                }
                facts.push(fact);
            }
            (None, _) => uncategorized.extend(keywords),
        }
    }
    if let Some(skills) = join(uncategorized, ", ") {
        facts.push(format!("Skills: {skills}"));
    }
    facts
}

pub(super) fn certification_fact(certification: Certification) -> Option<String> {
    let mut fact = join(
        [
            certification.name.0,
            certification
                .issuer
                .0
                .map(|issuer| format!("issued by {issuer}")),
        ],
        ", ",
    )?;
    fact.push_str(&parenthesized_with(
        [certification.date, certification.url],
        "; ",
    ));
    Some(fact)
}

pub(super) fn language_fact(language: SpokenLanguage) -> Option<String> {
    let level = language.proficiency.0.or(language.fluency.0);
    match (language.language.0, level) {
        (Some(language), Some(level)) => Some(format!("{language}: {level}")),
        (Some(language), None) => Some(language),
        (None, _) => None,
    }
}

/// Shared by both formats (`certifications` in the original, `certificates` in JSON Resume).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Certification {
    name: Text,
    issuer: Text,
    date: Text,
    url: Text,
}

impl FromName for Certification {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

/// Shared by both formats: the original says `proficiency`, JSON Resume says `fluency`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SpokenLanguage {
    language: Text,
    proficiency: Text,
    fluency: Text,
}

impl FromName for SpokenLanguage {
    fn from_name(name: String) -> Self {
        Self {
            language: Text(Some(name)),
            ..Self::default()
        }
    }
}

/// A JSON flag that says yes: `true`, or `"true"` / `"yes"` as some files write it.
pub(super) fn is_true(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::String(text) => matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "yes"),
        _ => false,
    }
}

/// What an organisation is and where it is on the web, as its own fact.
pub(super) fn about_organisation(
    name: Option<&str>,
    description: &[String],
    url: Option<String>,
) -> Option<String> {
    let description = join(description.iter().cloned(), " ");
    let about = match (description, url) {
        (Some(description), Some(url)) => format!("{description} ({url})"),
        (Some(description), None) => description,
        (None, Some(url)) => format!("website {url}"),
        (None, None) => return None,
    };
    Some(match name {
        Some(name) => format!("About {name}: {about}"),
        None => about,
    })
}
