//! Markdown resumes, read with pulldown-cmark (CommonMark with tables): the first level-1
//! heading names the person, a plain paragraph right after it is the title, level-2 headings
//! (and later level-1 ones) start sections, and every paragraph, list item, table row and code
//! line is a fact. Items under a level-3+ heading (a job, a degree) carry that heading, so each
//! reads on its own; contact lines also give labelled facts (`Email: …`, `Phone: …`).
//! The file's own text is what the model reads.

use domain::{Resume, ResumeSection};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::contact::{contact_facts, title_and_places};
use crate::markup::{PREAMBLE, UNNAMED, has_year, open_section};

/// Sections whose lines are read for contact details.
const CONTACT_HEADINGS: &[&str] = &[
    PREAMBLE,
    "Contact",
    "Contact details",
    "Contact information",
];

pub(crate) fn parse_markdown(text: &str, stem: Option<&str>) -> Resume {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    let mut reader = Reader {
        name_from_first_line: stem.is_none(),
        ..Reader::default()
    };
    for event in Parser::new_ext(text, options) {
        reader.event(event);
    }
    let Reader {
        name,
        title,
        mut sections,
        current,
        ..
    } = reader;
    sections.extend(current);
    sections.retain(|s| !s.facts.is_empty());
    let name = name
        .or_else(|| {
            stem.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| UNNAMED.to_owned());
    Resume::with_text(name, title, sections, text.to_owned())
}

#[derive(Default)]
struct Reader {
    /// With no `#` heading and no file name, the first line names the person.
    name_from_first_line: bool,
    name: Option<String>,
    title: Option<String>,
    /// Right after the name: the next plain paragraph is the title.
    awaiting_title: bool,
    sections: Vec<ResumeSection>,
    current: Option<ResumeSection>,
    /// The level-3+ heading, or bold role line, the facts below it belong to.
    context: Option<String>,
    /// The level-3+ heading above, which a bold role line under it extends ("### Acme" then
    /// "**Staff Engineer** · 2021 – present").
    heading_context: Option<String>,
    /// Text of the block being read (heading, paragraph, cell, code).
    text: String,
    /// Open list items, innermost last, each with its text so far.
    items: Vec<String>,
    /// Cells of the table row being read.
    cells: Vec<String>,
    /// Link targets of the open links, to keep URLs whose text hides them.
    links: Vec<String>,
    in_heading: Option<HeadingLevel>,
    in_code: bool,
    /// The paragraph being read opened with bold text (`**Staff Engineer** | Acme | 2020`).
    bold_lead: Option<bool>,
}

impl Reader {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => {
                if self.in_code {
                    for line in text.lines() {
                        self.push_fact(line.trim().to_owned());
                    }
                } else {
                    self.buffer().push_str(&text);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let visible = strip_tags(&html);
                self.buffer().push_str(&visible);
            }
            // Kept as line ends until the block is done: a first line can be a name.
            Event::SoftBreak | Event::HardBreak => self.buffer().push('\n'),
            Event::TaskListMarker(_) | Event::Rule | Event::FootnoteReference(_) => {}
        }
    }

    /// Where inline text goes: the open list item, or the block being read.
    fn buffer(&mut self) -> &mut String {
        match self.items.last_mut() {
            Some(item) if self.in_heading.is_none() => item,
            _ => &mut self.text,
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.text.clear();
                self.in_heading = Some(level);
            }
            Tag::Paragraph if self.items.is_empty() => {
                self.text.clear();
                self.bold_lead = None;
            }
            Tag::TableCell if self.items.is_empty() => self.text.clear(),
            Tag::Strong if self.bold_lead.is_none() && self.text.trim().is_empty() => {
                self.bold_lead = Some(true);
            }
            Tag::Item => {
                if let Some(parent) = self.items.last_mut() {
                    // A nested list ends the text that belongs to its parent item.
                    let parent_text = std::mem::take(parent);
                    let fact = self.with_context(&parent_text);
                    self.push_fact(fact);
                }
                self.items.push(String::new());
            }
            Tag::CodeBlock(_) => self.in_code = true,
            Tag::Link { dest_url, .. } => self.links.push(dest_url.into_string()),
            Tag::TableHead | Tag::TableRow => self.cells.clear(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                self.in_heading = None;
                let heading = tidy(&std::mem::take(&mut self.text));
                self.on_heading(level, heading);
            }
            TagEnd::Paragraph => {
                if self.items.is_empty() {
                    let paragraph = std::mem::take(&mut self.text);
                    self.on_paragraph(&paragraph);
                } else if let Some(item) = self.items.last_mut() {
                    item.push(' ');
                }
            }
            TagEnd::Item => {
                let item = tidy(&self.items.pop().unwrap_or_default());
                self.awaiting_title = false;
                if !item.is_empty() {
                    let fact = self.with_context(&item);
                    self.push_contacts(&item);
                    self.push_fact(fact);
                }
            }
            TagEnd::CodeBlock => self.in_code = false,
            TagEnd::Link => {
                if let Some(url) = self.links.pop() {
                    let buffer = self.buffer();
                    if !url.is_empty() && !buffer.contains(&url) && !url.starts_with('#') {
                        let shown = url.strip_prefix("mailto:").unwrap_or(&url).to_owned();
                        if !buffer.contains(&shown) {
                            buffer.push_str(&format!(" ({shown})"));
                        }
                    }
                }
            }
            TagEnd::TableCell => {
                let cell = tidy(&std::mem::take(&mut self.text));
                self.cells.push(cell);
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                let cells: Vec<String> = std::mem::take(&mut self.cells)
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect();
                if !cells.is_empty() {
                    let row = cells.join(" | ");
                    let fact = self.with_context(&row);
                    self.push_fact(fact);
                }
                self.awaiting_title = false;
            }
            _ => {}
        }
    }

    fn on_heading(&mut self, level: HeadingLevel, heading: String) {
        if heading.is_empty() {
            return;
        }
        if level == HeadingLevel::H1 && self.name.is_none() {
            self.name = Some(heading);
            self.awaiting_title = true;
            return;
        }
        self.awaiting_title = false;
        if level <= HeadingLevel::H2 {
            self.sections.extend(self.current.take());
            self.current = Some(ResumeSection {
                heading,
                facts: Vec::new(),
            });
            self.context = None;
            self.heading_context = None;
        } else {
            self.push_fact(heading.clone());
            self.context = Some(heading.clone());
            self.heading_context = Some(heading);
        }
    }

    fn on_paragraph(&mut self, raw: &str) {
        let mut raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        if self.name_from_first_line && self.name.is_none() && self.current.is_none() {
            // No heading: the first line names the person (`**Ada Example**`), the rest may be
            // the title.
            let (first, rest) = raw.split_once('\n').unwrap_or((raw, ""));
            self.name = Some(tidy(first));
            self.awaiting_title = true;
            raw = rest.trim();
            if raw.is_empty() {
                return;
            }
        }
        let mut paragraph = tidy(raw);
        if std::mem::take(&mut self.awaiting_title) {
            if contact_facts(&paragraph).is_empty() {
                self.title = Some(paragraph);
                return;
            }
            // "Clinical Research Nurse · Hamburg, Germany" on the line above the contact
            // details: the title, and where the person is.
            if let Some((first, rest)) = raw.split_once('\n')
                && contact_facts(first).is_empty()
                && !contact_facts(rest).is_empty()
            {
                let (title, places) = title_and_places(&tidy(first));
                self.title = Some(title);
                for place in places {
                    self.push_fact(place);
                }
                paragraph = tidy(rest);
            }
        }
        self.push_contacts(&paragraph);
        if self.bold_lead.take() == Some(true) && !raw.contains('\n') && self.current.is_some() {
            // A one-line paragraph that opens in bold heads what follows, as a heading would;
            // under a company heading it names the role there, and replaces the bare heading.
            let line = match &self.heading_context {
                Some(heading) => {
                    if let Some(section) = self.current.as_mut()
                        && section.facts.last() == Some(heading)
                    {
                        section.facts.pop();
                    }
                    format!("{heading}: {paragraph}")
                }
                None => paragraph,
            };
            self.push_fact(line.clone());
            self.context = Some(line);
            return;
        }
        // "### Study Nurse — Charité" then "*March 2016 – December 2018*": one headline with
        // its dates, not a bare heading and a second line.
        if let Some(context) = &self.context
            && paragraph.chars().count() <= 60
            && has_year(&paragraph)
            && let Some(section) = self.current.as_mut()
            && section.facts.last() == Some(context)
        {
            section.facts.pop();
        }
        let fact = self.with_context(&paragraph);
        self.push_fact(fact);
    }

    /// Labelled facts for the contact details of a line in the preamble or a contact section.
    fn push_contacts(&mut self, line: &str) {
        let heading = self
            .current
            .as_ref()
            .map_or(PREAMBLE, |s| s.heading.as_str());
        if CONTACT_HEADINGS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(heading))
        {
            for fact in contact_facts(line) {
                self.push_fact(fact);
            }
        }
    }

    fn with_context(&self, text: &str) -> String {
        match &self.context {
            Some(context) if !text.is_empty() => format!("{context}: {text}"),
            _ => text.to_owned(),
        }
    }

    fn push_fact(&mut self, fact: String) {
        let fact = tidy(&fact);
        if !fact.is_empty() {
            open_section(&mut self.current).facts.push(fact);
        }
    }
}

/// Whitespace folded.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of an HTML fragment without its tags.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section<'a>(resume: &'a Resume, heading: &str) -> &'a [String] {
        resume
            .sections
            .iter()
            .find(|s| s.heading == heading)
            .map_or(&[], |s| s.facts.as_slice())
    }

    #[test]
    fn bold_role_lines_nested_lists_and_tables_give_self_contained_facts() {
        let source = "Ada Example\n===\n\nStaff Engineer\n\nWork\n---\n\n\
                      **Staff Engineer** | Acme | 2020 – Present\n\n\
                      - Led the platform team\n  - Hired four engineers\n\n\
                      ## Skills\n\n| Skill | Years |\n|---|---|\n| Rust | 5 |\n";
        let resume = parse_markdown(source, None);
        assert_eq!(resume.name, "Ada Example");
        assert_eq!(resume.title.as_deref(), Some("Staff Engineer"));
        assert_eq!(
            section(&resume, "Work"),
            [
                "Staff Engineer | Acme | 2020 – Present",
                "Staff Engineer | Acme | 2020 – Present: Led the platform team",
                "Staff Engineer | Acme | 2020 – Present: Hired four engineers",
            ]
        );
        assert_eq!(section(&resume, "Skills"), ["Skill | Years", "Rust | 5"]);
    }

    #[test]
    fn a_title_line_above_the_contacts_and_dates_under_a_role_heading() {
        let source = "# Ada Example\n\nStaff Nurse · Hamburg, Germany  \n\
                      ada@example.de · +49 151 2345 6789\n\n## Work\n\n\
                      ### Study Nurse — Charité, Berlin\n*March 2016 – December 2018*\n\n\
                      - Ran dosing days\n";
        let resume = parse_markdown(source, None);
        assert_eq!(resume.title.as_deref(), Some("Staff Nurse"));
        let overview = section(&resume, PREAMBLE);
        assert!(
            overview.contains(&"Location: Hamburg, Germany".to_owned()),
            "{overview:?}"
        );
        assert!(
            overview.contains(&"Email: ada@example.de".to_owned()),
            "{overview:?}"
        );
        assert_eq!(
            section(&resume, "Work"),
            [
                "Study Nurse — Charité, Berlin: March 2016 – December 2018",
                "Study Nurse — Charité, Berlin: Ran dosing days",
            ]
        );
    }

    #[test]
    fn a_bold_role_line_under_a_company_heading_names_both() {
        let source = "# Ada\n\n## Work\n\n### Acme — Berlin\n\n\
                      **Staff Engineer** · *2021 – present*\n\n- Led the platform team\n\n\
                      **Engineer** · *2018 – 2021*\n\n- Built the API\n";
        let resume = parse_markdown(source, None);
        assert_eq!(
            section(&resume, "Work"),
            [
                "Acme — Berlin: Staff Engineer · 2021 – present",
                "Acme — Berlin: Staff Engineer · 2021 – present: Led the platform team",
                "Acme — Berlin: Engineer · 2018 – 2021",
                "Acme — Berlin: Engineer · 2018 – 2021: Built the API",
            ]
        );
    }

    #[test]
    fn links_keep_their_address_and_html_its_text() {
        let source = "# Ada\n\n## Links\n\n- [My site](https://ada.example) and <b>bold</b>\n- <https://ada.example/blog>\n";
        let resume = parse_markdown(source, None);
        assert_eq!(
            section(&resume, "Links"),
            [
                "My site (https://ada.example) and bold",
                "https://ada.example/blog"
            ]
        );
    }
}
