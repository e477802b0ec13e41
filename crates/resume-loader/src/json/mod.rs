//! The two JSON formats, rendered into sections of self-contained facts so that each fact still
//! makes sense when quoted alone: detection and errors here; each schema in its own module
//! (`original`, `json_resume`), the pass that keeps every field (`cover`) and the shared
//! writers (`render`).

mod cover;
mod json_resume;
mod original;
mod render;

use domain::Resume;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{JsonFormat, ParseError};
use cover::cover_everything;
use json_resume::{JSON_RESUME_KEYS, JSON_RESUME_SECTIONS, JsonResume};
use original::{ORIGINAL_KEYS, ORIGINAL_SECTIONS, Original};

/// Top-level keys that are metadata, never resume content.
pub(super) const METADATA_KEYS: &[&str] = &["$schema", "meta"];

/// A parsed JSON resume, and the paths of the fields the loader had no place for (rendered
/// generically all the same), for the start-up log.
pub(crate) fn parse_with_report(source: &str) -> Result<(Resume, Vec<String>), ParseError> {
    let value: Value = serde_json::from_str(source).map_err(|err| ParseError::JsonSyntax {
        line: err.line().max(1),
        column: err.column().max(1),
        message: syntax_message(&err),
    })?;
    let resume = parse(source)?;
    let Value::Object(object) = &value else {
        return Ok((resume, Vec::new()));
    };
    let (map, known) = if is_json_resume(object) {
        (JSON_RESUME_SECTIONS, JSON_RESUME_KEYS)
    } else {
        (ORIGINAL_SECTIONS, ORIGINAL_KEYS)
    };
    // Top-level fields of no known key became sections of their own (`push_extras`); fields
    // inside known entries that the typed views missed were added by `cover_everything`.
    let mut unrecognised: Vec<String> = object
        .keys()
        .filter(|key| !known.contains(&key.as_str()) && !METADATA_KEYS.contains(&key.as_str()))
        .cloned()
        .collect();
    let (resume, missed) = cover_everything(resume, object, map);
    unrecognised.extend(missed);
    Ok((resume, unrecognised))
}

pub(crate) fn parse(source: &str) -> Result<Resume, ParseError> {
    let value: Value = serde_json::from_str(source).map_err(|err| ParseError::JsonSyntax {
        line: err.line().max(1),
        column: err.column().max(1),
        message: syntax_message(&err),
    })?;
    let Value::Object(object) = &value else {
        return Err(ParseError::JsonNotAnObject {
            found: kind_of(&value),
        });
    };
    if is_json_resume(object) {
        let document: JsonResume = typed(source, object, JsonFormat::JsonResume)?;
        document.into_resume(object)
    } else {
        let document: Original = typed(source, object, JsonFormat::Original)?;
        document.into_resume(object)
    }
}

/// JSON Resume has a `basics` object; a `work` list in place of `experience` also gives it away.
fn is_json_resume(object: &Map<String, Value>) -> bool {
    object.contains_key("basics")
        || (object.get("work").is_some_and(Value::is_array) && !object.contains_key("experience"))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its " at line L column C" suffix (we report those separately).
fn bare_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

fn syntax_message(err: &serde_json::Error) -> String {
    let message = bare_message(err);
    if err.is_eof() {
        format!("{message} (the file ends too early: is it truncated?)")
    } else {
        message
    }
}

/// Deserializes straight from the text so shape errors keep their line and column, and names the
/// top-level field at fault by re-checking each field alone.
fn typed<T: DeserializeOwned>(
    source: &str,
    object: &Map<String, Value>,
    format: JsonFormat,
) -> Result<T, ParseError> {
    serde_json::from_str(source).map_err(|err| {
        let message = bare_message(&err);
        ParseError::JsonShape {
            format,
            field: field_at_fault::<T>(object, &message),
            line: err.line().max(1),
            column: err.column().max(1),
            message,
        }
    })
}

fn field_at_fault<T: DeserializeOwned>(
    object: &Map<String, Value>,
    message: &str,
) -> Option<String> {
    let mut first_failing = None;
    for (key, value) in object {
        let alone = Map::from_iter([(key.clone(), value.clone())]);
        if let Err(err) = serde_json::from_value::<T>(Value::Object(alone)) {
            if err.to_string() == message {
                return Some(key.clone());
            }
            first_failing.get_or_insert_with(|| key.clone());
        }
    }
    first_failing
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_report_names_every_field_it_had_no_place_for() {
        let source = r#"{"name": "A", "hobbies": ["chess"], "$schema": "x",
            "experience": [{"company": "Acme", "team_size": 6}]}"#;
        let (_, unrecognised) = parse_with_report(source).unwrap();
        assert_eq!(unrecognised, ["hobbies", "experience[].team_size"]);
    }
}
