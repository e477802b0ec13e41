//! Loads the resume the service answers about from a file and turns it into the domain's
//! [`Resume`](domain::Resume).
//!
//! Six formats are read: the original service's JSON format, a [JSON Resume](https://jsonresume.org/schema)
//! document (detected automatically), Markdown, plain text, PDF and DOCX (their text extracted,
//! see `documents`). JSON formats are rendered into
//! sections of self-contained facts; Markdown and text keep their own text as the prompt text.
//! A broken file gives an error naming the path and, where it applies, the line and column at fault,
//! because the service refuses to start without a usable resume.
//!
//! This crate only knows files, bytes and the domain: it must not depend on HTTP, SQL or any
//! adapter crate, so it can be used (and fuzzed) on its own.

mod contact;
mod documents;
mod json;
mod lenient;
mod markdown;
mod markup;
mod watch;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use domain::Resume;

pub use watch::{ResumeWatcher, watch};

/// The format a file claims by its extension; JSON is further split by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatHint {
    /// `.json`: the original format, or JSON Resume when it has a `basics` object.
    Json,
    /// `.md` / `.markdown`.
    Markdown,
    /// `.pdf`: its text layer, read as plain text.
    Pdf,
    /// `.docx`: a Word document, read as Markdown (its heading styles are headings).
    Docx,
    /// Anything else (`.txt`, no extension, …).
    Text,
}

impl FormatHint {
    /// Picks the format from the file extension, case-insensitively.
    pub fn from_path(path: &Path) -> Self {
        let extension = path
            .extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Self::Json,
            Some("md" | "markdown") => Self::Markdown,
            Some("pdf") => Self::Pdf,
            Some("docx") => Self::Docx,
            _ => Self::Text,
        }
    }
}

/// Which JSON resume format a document was read as; named in shape errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFormat {
    /// The original service's format (`name`, `title`, `contact`, `experience`, …).
    Original,
    /// A JSON Resume document (`basics`, `work`, `education`, …).
    JsonResume,
}

impl fmt::Display for JsonFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Original => "original resume",
            Self::JsonResume => "JSON Resume",
        })
    }
}

/// Why some bytes are not a usable resume. Lines and columns count from 1 (JSON columns are
/// serde_json's, which count bytes; UTF-8 columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace.
    #[error(
        "the file is empty: it must hold a resume (original JSON, JSON Resume, Markdown or plain text)"
    )]
    Empty,
    /// The bytes are not UTF-8; the column counts characters of the valid text before the bad byte.
    #[error(
        "invalid UTF-8 at line {line}, column {column} (byte offset {offset}): save the file as UTF-8"
    )]
    InvalidUtf8 {
        line: usize,
        column: usize,
        offset: usize,
    },
    /// Not JSON at all (or truncated JSON).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    JsonSyntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON whose top level is not an object.
    #[error(
        "the JSON document is {found}, but a resume must be a JSON object (`{{ \"name\": … }}`)"
    )]
    JsonNotAnObject { found: &'static str },
    /// Valid JSON where a field has the wrong type, e.g. `experience` is a string.
    #[error("{format} JSON has the wrong shape at line {line}, column {column}{}: {message}", field_note(.field))]
    JsonShape {
        format: JsonFormat,
        /// The top-level field at fault, when it could be found.
        field: Option<String>,
        line: usize,
        column: usize,
        message: String,
    },
    /// A PDF or DOCX file whose text could not be read.
    #[error("the {kind} file cannot be read: {message}")]
    Document { kind: &'static str, message: String },
    /// A PDF with pages but no text (a scan, or text turned into curves).
    #[error(
        "the PDF has no text layer (is it a scan?): export it again with its text, run it \
         through OCR (e.g. `ocrmypdf in.pdf out.pdf`), or save the resume as Markdown or JSON"
    )]
    PdfWithoutText,
    /// No name: the resume must say whose it is.
    #[error("{format} JSON has no name: add {}", missing_name_hint(*.format))]
    MissingName { format: JsonFormat },
}

fn field_note(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|field| format!(" (in field `{field}`)"))
        .unwrap_or_default()
}

fn missing_name_hint(format: JsonFormat) -> &'static str {
    match format {
        JsonFormat::Original => "a top-level \"name\": \"Full Name\"",
        JsonFormat::JsonResume => "\"basics\": { \"name\": \"Full Name\" }",
    }
}

/// Why a resume file could not be loaded; always names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is missing, is a directory, or cannot be read.
    #[error("resume file {}: cannot read the file ({}): {error}", .path.display(), .error.kind())]
    Read { path: PathBuf, error: io::Error },
    /// The file was read but is not a usable resume.
    #[error("resume file {}: {error}", .path.display())]
    Parse { path: PathBuf, error: ParseError },
}

impl LoadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. } | Self::Parse { path, .. } => path,
        }
    }
}

/// Reads and parses the resume at `path`, choosing the format from its extension and content.
///
/// A Markdown file without a `#` heading is named after the file stem.
pub fn load_resume(path: &Path) -> Result<Resume, LoadError> {
    let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let stem = path.file_stem().and_then(|stem| stem.to_str());
    parse(&bytes, FormatHint::from_path(path), stem).map_err(|error| LoadError::Parse {
        path: path.to_path_buf(),
        error,
    })
}

/// Parses resume bytes whose format is hinted by the file extension (see [`FormatHint::from_path`]).
///
/// Without a file name, a Markdown resume with no `#` heading is named after its first line.
pub fn parse_resume(source: &[u8], kind_hint: FormatHint) -> Result<Resume, ParseError> {
    parse(source, kind_hint, None)
}

fn parse(source: &[u8], hint: FormatHint, stem: Option<&str>) -> Result<Resume, ParseError> {
    match hint {
        FormatHint::Pdf => return Ok(markup::parse_pdf_text(&documents::pdf_text(source)?)),
        FormatHint::Docx => {
            return Ok(markdown::parse_markdown(
                &documents::docx_markdown(source)?,
                stem,
            ));
        }
        FormatHint::Json | FormatHint::Markdown | FormatHint::Text => {}
    }
    let text = decode(source)?;
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    match hint {
        FormatHint::Json => json::parse_with_report(text).map(|(resume, unrecognised)| {
            if !unrecognised.is_empty() {
                tracing::info!(
                    fields = %unrecognised.join(", "),
                    "resume fields with no known place were added to their sections as they are"
                );
            }
            resume
        }),
        FormatHint::Markdown => Ok(markdown::parse_markdown(text, stem)),
        FormatHint::Text | FormatHint::Pdf | FormatHint::Docx => Ok(markup::parse_text(text)),
    }
}

/// UTF-8 text without its byte-order mark, or where the first invalid byte is.
fn decode(source: &[u8]) -> Result<&str, ParseError> {
    let (bom, source) = match source.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, source),
    };
    std::str::from_utf8(source).map_err(|err| {
        let offset = err.valid_up_to();
        // The prefix up to `valid_up_to` is valid by definition, so this cannot fail.
        let valid =
            std::str::from_utf8(source.get(..offset).unwrap_or_default()).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        ParseError::InvalidUtf8 {
            line: valid.matches('\n').count() + 1,
            column: valid.get(line_start..).unwrap_or_default().chars().count() + 1,
            offset: offset + bom,
        }
    })
}

#[cfg(test)]
mod tests;
