//! What visitors ask about, by resume section: each question goes to the section it shares the
//! most words with (its heading's words, the cue words of that kind of section, and its facts'
//! words), and the owner sees how many questions each section drew.

use std::collections::HashSet;

use crate::resume::Resume;

/// Questions that matched one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicCount {
    pub section: String,
    pub questions: u32,
}

/// Words a question about a kind of section uses without naming it: "where did she study?" is
/// about Education.
const CUES: &[(&str, &[&str])] = &[
    (
        "experience",
        &[
            "work", "worked", "job", "jobs", "role", "company", "employer", "career", "position",
        ],
    ),
    (
        "work",
        &[
            "job", "jobs", "role", "company", "employer", "career", "position",
        ],
    ),
    (
        "education",
        &[
            "study",
            "studied",
            "degree",
            "university",
            "school",
            "college",
            "graduate",
            "thesis",
        ],
    ),
    (
        "skill",
        &[
            "know",
            "knows",
            "technology",
            "technologies",
            "stack",
            "tools",
            "programming",
        ],
    ),
    (
        "project",
        &["built", "build", "side", "open", "source", "github"],
    ),
    (
        "certif",
        &[
            "certified",
            "certificate",
            "certification",
            "certifications",
            "license",
        ],
    ),
    ("language", &["speak", "speaks", "spoken", "fluent"]),
    (
        "contact",
        &["email", "phone", "reach", "contact", "linkedin"],
    ),
    (
        "summary",
        &["who", "about", "summary", "overview", "introduce"],
    ),
];

/// A match on a heading or cue word counts this many fact words.
const HEADING_WEIGHT: usize = 3;

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
        .map(str::to_lowercase)
}

struct SectionWords {
    heading: String,
    /// The heading's words and the cues of its kind.
    named: HashSet<String>,
    facts: HashSet<String>,
}

impl SectionWords {
    fn score(&self, question: &HashSet<String>) -> usize {
        let named = question.intersection(&self.named).count();
        let facts = question.intersection(&self.facts).count();
        named * HEADING_WEIGHT + facts
    }
}

/// How many of `questions` each section of `resume` drew, most asked first (then in the
/// resume's order); questions that match no section are left out.
pub fn top_topics(resume: &Resume, questions: &[String]) -> Vec<TopicCount> {
    let sections: Vec<SectionWords> = resume
        .sections
        .iter()
        .map(|section| {
            let heading = section.heading.to_lowercase();
            let mut named: HashSet<String> = words(&heading).collect();
            for (kind, cues) in CUES {
                if heading.contains(kind) {
                    named.extend(cues.iter().map(|c| (*c).to_owned()));
                }
            }
            SectionWords {
                heading: section.heading.clone(),
                named,
                facts: section.facts.iter().flat_map(|f| words(f)).collect(),
            }
        })
        .collect();
    let mut counts = vec![0_u32; sections.len()];
    for question in questions {
        let asked: HashSet<String> = words(question).collect();
        let best = sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.score(&asked), i))
            .filter(|(score, _)| *score > 0)
            // The highest score; between equals, the earlier section.
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, i)) = best {
            counts[i] += 1;
        }
    }
    let mut topics: Vec<(usize, TopicCount)> = sections
        .into_iter()
        .zip(counts)
        .enumerate()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(i, (s, n))| {
            (
                i,
                TopicCount {
                    section: s.heading,
                    questions: n,
                },
            )
        })
        .collect();
    topics.sort_by(|a, b| b.1.questions.cmp(&a.1.questions).then(a.0.cmp(&b.0)));
    topics.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resume::ResumeSection;

    fn resume() -> Resume {
        let section = |heading: &str, facts: &[&str]| ResumeSection {
            heading: heading.into(),
            facts: facts.iter().map(|f| (*f).to_owned()).collect(),
        };
        Resume::from_sections(
            "Maya Lindqvist".into(),
            None,
            vec![
                section(
                    "Experience",
                    &["Staff engineer at Northwind, payments platform"],
                ),
                section("Skills", &["Rust, Go, Kubernetes, PostgreSQL"]),
                section("Education", &["MSc Computer Systems, Västkust Institute"]),
                section("Languages", &["Swedish (native), English (fluent)"]),
            ],
        )
    }

    #[test]
    fn each_question_goes_to_the_section_it_is_about() {
        let questions: Vec<String> = [
            "Where did she study?",
            "Does she know Kubernetes?",
            "Which technologies does she use?",
            "What was her role at Northwind?",
            "Does she speak English?",
            "Has she worked with Rust?",
            "What is her favourite pizza?",
        ]
        .iter()
        .map(|q| (*q).to_owned())
        .collect();
        let topics = top_topics(&resume(), &questions);
        let summary: Vec<(&str, u32)> = topics
            .iter()
            .map(|t| (t.section.as_str(), t.questions))
            .collect();
        assert_eq!(
            summary,
            [
                ("Experience", 2),
                ("Skills", 2),
                ("Education", 1),
                ("Languages", 1)
            ]
        );
    }

    #[test]
    fn no_questions_no_topics() {
        assert!(top_topics(&resume(), &[]).is_empty());
    }
}
