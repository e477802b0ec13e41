//! The original service's format: `name`, `title`, `contact`, `experience`, `skills`, …

use domain::Resume;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::render::{
    Certification, JobFacts, Sections, SpokenLanguage, append_labelled, certification_fact,
    date_range, degree_in, is_true, job_facts, join, labelled, language_fact, named_description,
    parenthesized, parenthesized_with, skill_facts,
};
use crate::lenient::{FromName, OrName, SkillGroups, Text, Texts, entries};
use crate::{JsonFormat, ParseError};

pub(super) const ORIGINAL_KEYS: &[&str] = &[
    "name",
    "title",
    "contact",
    "summary",
    "experience",
    "skills",
    "education",
    "projects",
    "certifications",
    "languages",
];

/// The section each top-level key of the original format is rendered in, for the fields the
/// typed view below does not know (they are added to that section generically).
pub(super) const ORIGINAL_SECTIONS: &[(&str, &str)] = &[
    ("name", "Contact"),
    ("title", "Summary"),
    ("contact", "Contact"),
    ("summary", "Summary"),
    ("experience", "Experience"),
    ("skills", "Skills"),
    ("education", "Education"),
    ("projects", "Projects"),
    ("certifications", "Certifications"),
    ("languages", "Spoken languages"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Original {
    name: Text,
    title: Text,
    contact: Option<Contact>,
    summary: Texts,
    experience: Option<Vec<Job>>,
    skills: SkillGroups,
    education: Option<Vec<Education>>,
    projects: Option<Vec<OrName<Project>>>,
    certifications: Option<Vec<OrName<Certification>>>,
    languages: Option<Vec<OrName<SpokenLanguage>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Contact {
    email: Text,
    phone: Text,
    location: Text,
    linkedin: Text,
    github: Text,
    website: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Job {
    company: Text,
    position: Text,
    /// Older files say `title` instead of `position`.
    title: Text,
    location: Text,
    #[serde(alias = "startDate")]
    start_date: Text,
    #[serde(alias = "endDate")]
    end_date: Text,
    description: Texts,
    achievements: Texts,
    /// The original service's name for achievements.
    responsibilities: Texts,
    technologies: Texts,
    /// The original service's name for technologies.
    tech_stack: Texts,
    /// `true` for the job held now (the original service's flag instead of an end date).
    current: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Education {
    institution: Text,
    degree: Text,
    field: Text,
    location: Text,
    #[serde(alias = "startDate")]
    start_date: Text,
    #[serde(alias = "endDate")]
    end_date: Text,
    /// The original service's end date of a degree.
    graduation_date: Text,
    #[serde(alias = "grade", alias = "score")]
    gpa: Text,
    honors: Texts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Project {
    name: Text,
    description: Texts,
    technologies: Texts,
    url: Text,
}

impl FromName for Project {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

impl Original {
    pub(super) fn into_resume(self, object: &Map<String, Value>) -> Result<Resume, ParseError> {
        let name = self.name.0.ok_or(ParseError::MissingName {
            format: JsonFormat::Original,
        })?;
        let mut sections = Sections::default();

        let contact = self.contact.unwrap_or_default();
        sections.push(
            "Contact",
            [
                labelled("Email", contact.email),
                labelled("Phone", contact.phone),
                labelled("Location", contact.location),
                labelled("LinkedIn", contact.linkedin),
                labelled("GitHub", contact.github),
                labelled("Website", contact.website),
            ]
            .into_iter()
            .flatten(),
        );
        sections.push("Summary", self.summary);

        let mut experience = Vec::new();
        for mut job in self.experience.into_iter().flatten() {
            let position = job.position.0.or(job.title.0);
            let current = job.current.as_ref().is_some_and(is_true);
            job.achievements.append(&mut job.responsibilities);
            job.technologies.append(&mut job.tech_stack);
            experience.extend(job_facts(JobFacts {
                position: position.as_deref(),
                employer: job.company.as_deref(),
                location: job.location.as_deref(),
                dates: date_range(job.start_date.as_deref(), job.end_date.as_deref(), current),
                description: &job.description,
                highlights: job.achievements.0,
                technologies: &job.technologies,
            }));
        }
        sections.push("Experience", experience);
        sections.push("Skills", skill_facts(self.skills));

        let education = self.education.into_iter().flatten().filter_map(|school| {
            let mut fact = join(
                [
                    degree_in(school.degree.as_deref(), school.field.as_deref()),
                    school.institution.0,
                ],
                " at ",
            )?;
            fact.push_str(&parenthesized([
                date_range(
                    school.start_date.as_deref(),
                    school.end_date.0.or(school.graduation_date.0).as_deref(),
                    false,
                ),
                school.location.0,
            ]));
            append_labelled(&mut fact, "GPA", school.gpa);
            append_labelled(&mut fact, "honors", join(school.honors, "; "));
            Some(fact)
        });
        sections.push("Education", education);

        let projects = entries(self.projects).filter_map(|project| {
            let mut fact = named_description(project.name, &project.description)?;
            fact.push_str(&parenthesized_with(
                [
                    labelled("technologies", join(project.technologies, ", ")),
                    project.url.0,
                ],
                "; ",
            ));
            Some(fact)
        });
        sections.push("Projects", projects);
        sections.push(
            "Certifications",
            entries(self.certifications).filter_map(certification_fact),
        );
        sections.push(
            "Spoken languages",
            entries(self.languages).filter_map(language_fact),
        );
        sections.push_extras(object, ORIGINAL_KEYS);

        Ok(Resume::from_sections(name, self.title.0, sections.0))
    }
}
