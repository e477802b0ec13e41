//! The resume the service answers about, in the one shape every source format is turned into.

use std::sync::Arc;

/// A loaded resume: who it is about, its sections, and the whole text given to the model.
///
/// The text is behind an `Arc` so building a prompt never copies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    pub name: String,
    pub title: Option<String>,
    pub sections: Vec<ResumeSection>,
    text: Arc<str>,
}

/// One part of a resume ("Experience", "Skills", …) and its facts, one per line item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeSection {
    pub heading: String,
    /// Self-contained statements, each readable on its own ("Rust, Go, Python (languages)").
    pub facts: Vec<String>,
}

impl Resume {
    /// Builds a resume whose prompt text is rendered from its sections.
    pub fn from_sections(
        name: String,
        title: Option<String>,
        sections: Vec<ResumeSection>,
    ) -> Self {
        let text = render(&name, title.as_deref(), &sections);
        Self {
            name,
            title,
            sections,
            text: text.into(),
        }
    }

    /// Builds a resume whose prompt text is given as is (Markdown or plain text files).
    pub fn with_text(
        name: String,
        title: Option<String>,
        sections: Vec<ResumeSection>,
        text: String,
    ) -> Self {
        Self {
            name,
            title,
            sections,
            text: text.into(),
        }
    }

    /// The whole resume as one clean text, as the model sees it.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }
}

fn render(name: &str, title: Option<&str>, sections: &[ResumeSection]) -> String {
    let mut out = String::new();
    out.push_str("# ");
    out.push_str(name);
    out.push('\n');
    if let Some(title) = title {
        out.push_str(title);
        out.push('\n');
    }
    for section in sections {
        out.push_str("\n## ");
        out.push_str(&section.heading);
        out.push('\n');
        for fact in &section.facts {
            out.push_str("- ");
            out.push_str(fact);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sections_as_markdown() {
        let resume = Resume::from_sections(
            "Ada Example".into(),
            Some("Engineer".into()),
            vec![ResumeSection {
                heading: "Skills".into(),
                facts: vec!["Rust".into(), "SQL".into()],
            }],
        );
        assert_eq!(
            resume.text().as_ref(),
            "# Ada Example\nEngineer\n\n## Skills\n- Rust\n- SQL\n"
        );
    }
}
