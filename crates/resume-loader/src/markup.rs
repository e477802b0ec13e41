//! Plain-text resumes (and the text out of a PDF). Their own text is what the model reads; the
//! sections and facts extracted here are a best-effort structure (split on headings, one fact
//! per line or item, contact details labelled).

use domain::{Resume, ResumeSection};

/// Heading for what comes before the first section heading (contact lines, a tagline, …).
pub(crate) const PREAMBLE: &str = "Overview";

/// Fallback name when a resume gives no usable one at all.
pub(crate) const UNNAMED: &str = "Resume";

/// Plain text: the first line names the person, the next plain line is the title, and lines that
/// look like headings (ALL CAPS, or short and ending with `:`) start sections. Every other line is
/// a fact of its own, since plain text has no paragraph syntax to rely on.
pub(crate) fn parse_text(text: &str) -> Resume {
    parse_lines(text, false)
}

/// The text out of a PDF: as plain text, but lines wrap inside paragraphs and bullets (the
/// layout broke them, not the author), so they are joined. In both, bullets under a dated line
/// (a job, a degree) carry it.
pub(crate) fn parse_pdf_text(text: &str) -> Resume {
    parse_lines(text, true)
}

fn parse_lines(text: &str, laid_out: bool) -> Resume {
    let mut facts = Facts::new(laid_out);
    // Bullets under "Mobile Developer, Ribeira Apps (2019 - 2022)" belong to it in any text.
    facts.dated_context = true;
    let mut name = None;
    let mut title = None;
    let mut awaiting_title = false;

    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || is_rule(trimmed) {
            facts.flush();
            continue;
        }
        if name.is_none() {
            let first = clean(list_item(line).unwrap_or(trimmed));
            if !first.is_empty() {
                name = Some(first);
                awaiting_title = true;
                continue;
            }
        }
        let heading = text_heading(trimmed);
        // "– Present" on the line after "… May 2020" is the end of a wrapped date range, not a
        // bullet.
        let item = list_item(line).filter(|_| !ends_a_range(trimmed));
        if std::mem::take(&mut awaiting_title) && heading.is_none() && item.is_none() {
            title = Some(clean(trimmed));
            continue;
        }
        if let Some(heading) = heading {
            facts.start_section(heading);
        } else if let Some(item) = item {
            facts.start_item(item);
        } else if facts.in_item() && (laid_out || line.starts_with(char::is_whitespace)) {
            facts.continue_item(trimmed);
        } else {
            facts.paragraph_line(trimmed);
        }
        if facts.in_contact_section() {
            for fact in crate::contact::contact_facts(trimmed) {
                facts.open_line = false;
                facts.push(fact);
            }
        }
    }

    let name = name.unwrap_or_else(|| UNNAMED.to_owned());
    Resume::with_text(name, title, facts.finish(), text.to_owned())
}

/// Collects facts into sections as lines arrive.
#[derive(Debug)]
struct Facts {
    sections: Vec<ResumeSection>,
    current: Option<ResumeSection>,
    /// Markdown joins a paragraph's lines into one fact; plain text keeps each line.
    join_paragraphs: bool,
    paragraph: Vec<String>,
    item: Option<String>,
    /// Items carry the last dated paragraph of their section ("Data Engineer — Acme (2018 –
    /// 2021)"), so they read on their own.
    dated_context: bool,
    context: Option<String>,
    /// Plain text: the last line fact still open to a wrapped continuation ("Nine years of"
    /// then "teaching, four of …" on the next line).
    open_line: bool,
}

impl Facts {
    fn new(join_paragraphs: bool) -> Self {
        Self {
            sections: Vec::new(),
            current: None,
            join_paragraphs,
            paragraph: Vec::new(),
            item: None,
            dated_context: false,
            context: None,
            open_line: false,
        }
    }

    fn push(&mut self, fact: String) {
        if !fact.is_empty() {
            open_section(&mut self.current).facts.push(fact);
        }
    }

    fn flush(&mut self) {
        self.open_line = false;
        if let Some(item) = self.item.take() {
            let item = match &self.context {
                Some(context) if !item.is_empty() => format!("{context}: {item}"),
                _ => item,
            };
            self.push(item);
        }
        if !self.paragraph.is_empty() {
            let paragraph = std::mem::take(&mut self.paragraph).join(" ");
            if self.dated_context && paragraph.chars().count() <= 150 && has_year(&paragraph) {
                self.context = Some(paragraph.clone());
            }
            self.push(paragraph);
        }
    }

    fn start_section(&mut self, heading: String) {
        self.flush();
        self.context = None;
        if let Some(section) = self.current.take() {
            self.sections.push(section);
        }
        self.current = Some(ResumeSection {
            heading,
            facts: Vec::new(),
        });
    }

    fn line_fact(&mut self, line: &str) {
        let fact = clean(line);
        // A line that starts in lower case after one that did not end a sentence is the rest
        // of it, wrapped by the author's editor.
        if self.open_line
            && fact.starts_with(char::is_lowercase)
            && let Some(last) = self.current.as_mut().and_then(|s| s.facts.last_mut())
            && !last.ends_with(['.', '!', '?', ':'])
        {
            last.push(' ');
            last.push_str(&fact);
            return;
        }
        self.flush();
        self.open_line = true;
        if self.dated_context && fact.chars().count() <= 150 && has_year(&fact) {
            self.context = Some(fact.clone());
        }
        self.push(fact);
    }

    fn paragraph_line(&mut self, line: &str) {
        if self.join_paragraphs {
            if let Some(item) = self.item.take() {
                self.push(item);
            }
            let line = clean(line);
            if !line.is_empty() {
                self.paragraph.push(line);
            }
        } else {
            self.line_fact(line);
        }
    }

    fn start_item(&mut self, item: &str) {
        self.flush();
        self.item = Some(clean(item));
    }

    fn in_item(&self) -> bool {
        self.item.is_some()
    }

    /// Before the first heading, or under one that says "Contact".
    fn in_contact_section(&self) -> bool {
        self.current.as_ref().is_none_or(|s| {
            s.heading == PREAMBLE || s.heading.to_lowercase().starts_with("contact")
        })
    }

    fn continue_item(&mut self, line: &str) {
        let line = clean(line);
        if let Some(item) = &mut self.item
            && !line.is_empty()
        {
            if !item.is_empty() {
                item.push(' ');
            }
            item.push_str(&line);
        }
    }

    fn finish(mut self) -> Vec<ResumeSection> {
        self.flush();
        if let Some(section) = self.current.take() {
            self.sections.push(section);
        }
        self.sections.retain(|section| !section.facts.is_empty());
        self.sections
    }
}

/// The section being filled, or the preamble when no heading came yet.
pub(crate) fn open_section(current: &mut Option<ResumeSection>) -> &mut ResumeSection {
    current.get_or_insert_with(|| ResumeSection {
        heading: PREAMBLE.to_owned(),
        facts: Vec::new(),
    })
}

/// Whether `text` holds a year (1950–2099), as the headline of a job or a degree does.
pub(crate) fn has_year(text: &str) -> bool {
    text.as_bytes().windows(4).enumerate().any(|(i, w)| {
        let digits = w.iter().all(u8::is_ascii_digit);
        let before = i.checked_sub(1).and_then(|b| text.as_bytes().get(b));
        let after = text.as_bytes().get(i + 4);
        let alone =
            !before.is_some_and(u8::is_ascii_digit) && !after.is_some_and(u8::is_ascii_digit);
        digits && alone && matches!(&w[..2], b"19" | b"20") && (w[..2] != *b"19" || w[2] >= b'5')
    })
}

/// A line that is the end of a date range a layout wrapped: a dash, then "Present" or a date.
fn ends_a_range(trimmed: &str) -> bool {
    let Some(rest) = trimmed
        .strip_prefix(['–', '—', '-'])
        .map(|rest| rest.trim().trim_end_matches(['.', ')']))
    else {
        return false;
    };
    let lower = rest.to_lowercase();
    let now = ["present", "current", "now", "today", "date"]
        .iter()
        .any(|word| lower == *word);
    now || (rest.chars().count() <= 20 && has_year(rest))
}

/// Separator lines: `---`, `***`, `___`, `====`, `~~~~` (possibly spaced out).
fn is_rule(trimmed: &str) -> bool {
    let marks = trimmed.chars().filter(|c| !c.is_whitespace()).count();
    marks >= 3
        && ['-', '*', '_', '=', '~']
            .iter()
            .any(|&mark| trimmed.chars().all(|c| c == mark || c == ' ' || c == '\t'))
}

/// The text of a list item (`- x`, `* x`, `+ x`, `• x`, `1. x`, `2) x`), without its marker.
fn list_item(line: &str) -> Option<&str> {
    let text = line.trim_start();
    let rest = ["- ", "* ", "+ ", "– "]
        .iter()
        .find_map(|marker| text.strip_prefix(marker))
        .or_else(|| {
            ['•', '·', '▪', '◦', '‣', '●']
                .iter()
                .find_map(|marker| text.strip_prefix(*marker))
        })
        .or_else(|| {
            let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if !(1..=9).contains(&digits) {
                return None;
            }
            let after = text.get(digits..)?;
            after
                .strip_prefix(". ")
                .or_else(|| after.strip_prefix(") "))
        })
        .or_else(|| (text == "-" || text == "*" || text == "+").then_some(""))?;
    let rest = rest.trim();
    // Task lists: `- [ ] item`, `- [x] item`.
    Some(
        ["[ ] ", "[x] ", "[X] "]
            .iter()
            .find_map(|marker| rest.strip_prefix(marker))
            .unwrap_or(rest),
    )
}

/// A plain-text heading: a short ALL CAPS line, or a short line ending with `:`.
/// Section names resumes use, for plain text (and text out of a PDF) where nothing but the
/// words marks a heading.
const SECTION_NAMES: &[&str] = &[
    "about",
    "about me",
    "achievements",
    "additional information",
    "availability",
    "awards",
    "career history",
    "certificates",
    "certifications",
    "certifications and memberships",
    "contact",
    "contact details",
    "core competencies",
    "courses",
    "education",
    "employment",
    "employment history",
    "experience",
    "hobbies",
    "interests",
    "key skills",
    "languages",
    "memberships",
    "other",
    "other information",
    "personal details",
    "personal information",
    "profile",
    "professional experience",
    "professional summary",
    "projects",
    "publications",
    "qualifications",
    "references",
    "skills",
    "summary",
    "technical skills",
    "training",
    "volunteer experience",
    "volunteering",
    "work experience",
    "work history",
];

fn text_heading(trimmed: &str) -> Option<String> {
    if list_item(trimmed).is_some() {
        return None;
    }
    let bare = trimmed.trim_end_matches(':').trim();
    if SECTION_NAMES.contains(&bare.to_lowercase().as_str()) {
        return Some(clean(bare));
    }
    let short = trimmed.chars().count() <= 40;
    if let Some(head) = trimmed.strip_suffix(':') {
        let head = head.trim();
        if short && !head.is_empty() && !head.contains(':') {
            return Some(clean(head));
        }
    }
    let uppercase = trimmed.chars().filter(|c| c.is_uppercase()).count();
    let all_caps = uppercase >= 3 && !trimmed.chars().any(char::is_lowercase);
    (short && all_caps && !trimmed.contains([',', '@', '|']))
        .then(|| clean(trimmed.trim_end_matches(':')))
}

/// Strips inline Markdown that only adds noise to a fact: quote markers, `**`/`__` emphasis and
/// link syntax (`[text](url)` becomes `text (url)`).
fn clean(text: &str) -> String {
    let mut text = text.trim();
    while let Some(rest) = text.strip_prefix('>') {
        text = rest.trim_start();
    }
    let text = text.replace("**", "").replace("__", "");
    unlink(&text).trim().to_owned()
}

fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('[') {
        if let Some((label, tail)) = after.split_once("](")
            && !label.contains(['[', ']'])
            && let Some((url, remaining)) = tail.split_once(')')
        {
            out.push_str(before.strip_suffix('!').unwrap_or(before));
            let label = label.trim();
            let url = url.trim();
            if label.is_empty() || label == url {
                out.push_str(url);
            } else {
                out.push_str(label);
                out.push_str(" (");
                out.push_str(url);
                out.push(')');
            }
            rest = remaining;
        } else {
            out.push_str(before);
            out.push('[');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
