//! PDF and Word (DOCX) resumes: their text, extracted by well-kept crates, then read as the
//! plain-text and Markdown loaders read theirs.
//!
//! - PDF: `pdf-extract` (over `lopdf`) lays the text out line by line; a PDF with no text
//!   layer (a scan) is refused with a message saying so. `pdf-extract` panics on some malformed
//!   files, so it runs under `catch_unwind` and a panic is reported as an unreadable PDF.
//! - DOCX: a zip of XML parts; `word/document.xml` is read with `quick-xml` and written out as
//!   Markdown: the Title and Heading styles as `#` headings, numbered and bulleted paragraphs as
//!   `-` items, every other paragraph as a line.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::ParseError;

/// Largest `word/document.xml` read, uncompressed: a resume is a few hundred KiB at most, and
/// a zip bomb must not take the memory of the server.
const MAX_DOCX_XML_BYTES: u64 = 32 * 1024 * 1024;

/// The text of a PDF, line by line.
pub(crate) fn pdf_text(bytes: &[u8]) -> Result<String, ParseError> {
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    let text = match extracted {
        Ok(Ok(text)) => text,
        Ok(Err(error)) => {
            return Err(ParseError::Document {
                kind: "PDF",
                message: error.to_string(),
            });
        }
        Err(_) => {
            return Err(ParseError::Document {
                kind: "PDF",
                message: "the file is damaged or uses features the PDF reader does not support"
                    .to_owned(),
            });
        }
    };
    if text.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(ParseError::PdfWithoutText);
    }
    // pdf-extract marks page breaks with form feeds and pads lines; keep plain lines.
    let lines: Vec<&str> = text.split(['\n', '\u{c}']).map(str::trim_end).collect();
    Ok(lines.join("\n"))
}

/// The text of a DOCX file as Markdown.
pub(crate) fn docx_markdown(bytes: &[u8]) -> Result<String, ParseError> {
    let unreadable = |message: String| ParseError::Document {
        kind: "DOCX",
        message,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| unreadable(format!("not a DOCX (zip) file: {e}")))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|_| unreadable("the file has no word/document.xml part".to_owned()))?;
    let mut xml = Vec::new();
    part.take(MAX_DOCX_XML_BYTES)
        .read_to_end(&mut xml)
        .map_err(|e| unreadable(format!("cannot unpack word/document.xml: {e}")))?;
    let markdown = paragraphs_as_markdown(&xml).map_err(unreadable)?;
    if markdown.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(markdown)
}

/// One paragraph of a Word document as it is read.
#[derive(Default)]
struct Paragraph {
    text: String,
    /// `Title`, `Heading1`, … when the paragraph has such a style.
    style: Option<String>,
    /// Part of a numbered or bulleted list.
    listed: bool,
    /// A paragraph in the Title style came before.
    after_title: bool,
}

impl Paragraph {
    fn markdown(&self) -> Option<String> {
        let text = self.text.trim();
        if text.is_empty() {
            return None;
        }
        let style = self
            .style
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // With a Title paragraph, Heading 1 is a section; without one, it names the person.
        let shift = usize::from(self.after_title);
        let prefix = if style == "title" {
            "# "
        } else if let Some(level) = style.strip_prefix("heading") {
            match level.trim().parse::<usize>() {
                Ok(level @ 1..=3) => ["# ", "## ", "### ", "#### "][level - 1 + shift],
                Ok(_) => "#### ",
                Err(_) => "",
            }
        } else if self.listed || style.contains("list") {
            "- "
        } else {
            ""
        };
        Some(format!("{prefix}{text}"))
    }
}

fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_owned()
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn paragraphs_as_markdown(xml: &[u8]) -> Result<String, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buffer = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let mut paragraph: Option<Paragraph> = None;
    let mut in_text = false;
    let mut seen_title = false;
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|e| format!("word/document.xml is not valid XML: {e}"))?;
        match event {
            Event::Start(element) | Event::Empty(element) => {
                let name = local_name(&element);
                match name.as_str() {
                    "p" => {
                        paragraph = Some(Paragraph {
                            after_title: seen_title,
                            ..Paragraph::default()
                        });
                    }
                    "pStyle" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.style = attribute(&element, "val");
                            if p.style
                                .as_deref()
                                .is_some_and(|s| s.eq_ignore_ascii_case("title"))
                            {
                                seen_title = true;
                            }
                        }
                    }
                    "numPr" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.listed = true;
                        }
                    }
                    "t" => in_text = true,
                    "tab" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.text.push('\t');
                        }
                    }
                    "br" | "cr" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.text.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) if in_text => {
                if let Some(p) = paragraph.as_mut() {
                    p.text.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) if in_text => {
                if let Some(p) = paragraph.as_mut() {
                    let entity = format!("&{};", reference.xml10_content());
                    if let Ok(text) = quick_xml::escape::unescape(&entity) {
                        p.text.push_str(&text);
                    }
                }
            }
            Event::End(element) => match element.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    if let Some(line) = paragraph.take().and_then(|p| p.markdown()) {
                        // A blank line between blocks, so each paragraph stands alone.
                        // List items stay together.
                        let same_list = line.starts_with("- ")
                            && lines.last().is_some_and(|l| l.starts_with("- "));
                        if !lines.is_empty() && !same_list {
                            lines.push(String::new());
                        }
                        lines.push(line);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn word_styles_become_markdown() {
        let xml = br#"<?xml version="1.0"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Ada Example</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Staff </w:t></w:r><w:r><w:t>Engineer &amp; mentor</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Experience</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:t>Built things</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:t>Fixed things</w:t></w:r></w:p>
<w:p/>
</w:body></w:document>"#;
        assert_eq!(
            paragraphs_as_markdown(xml).unwrap(),
            "# Ada Example\n\nStaff Engineer & mentor\n\n## Experience\n\n- Built things\n- Fixed things"
        );
    }

    #[test]
    fn what_is_not_a_docx_or_pdf_is_refused_with_a_reason() {
        assert!(matches!(
            docx_markdown(b"plain text"),
            Err(ParseError::Document { kind: "DOCX", .. })
        ));
        assert!(matches!(
            pdf_text(b"%PDF-1.4 but nothing else"),
            Err(ParseError::Document { kind: "PDF", .. })
        ));
    }
}
