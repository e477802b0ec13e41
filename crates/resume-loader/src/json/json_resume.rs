//! JSON Resume (https://jsonresume.org/schema): `basics`, `work`, `education`, …

use domain::Resume;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::render::{
    Certification, JobFacts, Sections, SpokenLanguage, about_organisation, append_description,
    append_labelled, certification_fact, date_range, degree_in, job_facts, join, labelled,
    language_fact, named_description, parenthesized, parenthesized_with, skill_facts,
};
use crate::lenient::{FromName, OrName, SkillGroups, Text, Texts, entries};
use crate::{JsonFormat, ParseError};

pub(super) const JSON_RESUME_KEYS: &[&str] = &[
    "basics",
    "work",
    "volunteer",
    "education",
    "awards",
    "certificates",
    "publications",
    "skills",
    "languages",
    "interests",
    "references",
    "projects",
];

/// As [`ORIGINAL_SECTIONS`], for JSON Resume.
pub(super) const JSON_RESUME_SECTIONS: &[(&str, &str)] = &[
    ("basics", "Contact"),
    ("work", "Experience"),
    ("volunteer", "Volunteering"),
    ("education", "Education"),
    ("awards", "Awards"),
    ("certificates", "Certifications"),
    ("publications", "Publications"),
    ("skills", "Skills"),
    ("languages", "Spoken languages"),
    ("interests", "Interests"),
    ("references", "References"),
    ("projects", "Projects"),
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct JsonResume {
    basics: Option<Basics>,
    work: Option<Vec<Work>>,
    volunteer: Option<Vec<Volunteer>>,
    education: Option<Vec<JsonResumeEducation>>,
    awards: Option<Vec<OrName<Award>>>,
    certificates: Option<Vec<OrName<Certification>>>,
    publications: Option<Vec<OrName<Publication>>>,
    skills: SkillGroups,
    languages: Option<Vec<OrName<SpokenLanguage>>>,
    interests: Option<Vec<OrName<Interest>>>,
    references: Option<Vec<OrName<Reference>>>,
    projects: Option<Vec<OrName<JsonResumeProject>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Basics {
    name: Text,
    label: Text,
    email: Text,
    phone: Text,
    url: Text,
    summary: Texts,
    location: Option<Location>,
    profiles: Option<Vec<Profile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Location {
    address: Text,
    city: Text,
    region: Text,
    postal_code: Text,
    country_code: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Profile {
    network: Text,
    username: Text,
    url: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Work {
    name: Text,
    /// Before schema 1.0 the employer was `company`.
    company: Text,
    position: Text,
    location: Text,
    start_date: Text,
    end_date: Text,
    summary: Texts,
    /// What the employer is ("Awesome compression company").
    description: Texts,
    url: Text,
    highlights: Texts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Volunteer {
    organization: Text,
    position: Text,
    url: Text,
    start_date: Text,
    end_date: Text,
    summary: Texts,
    highlights: Texts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct JsonResumeEducation {
    institution: Text,
    area: Text,
    study_type: Text,
    start_date: Text,
    end_date: Text,
    score: Text,
    courses: Texts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Award {
    title: Text,
    date: Text,
    awarder: Text,
    summary: Texts,
}

impl FromName for Award {
    fn from_name(name: String) -> Self {
        Self {
            title: Text(Some(name)),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Publication {
    name: Text,
    publisher: Text,
    release_date: Text,
    url: Text,
    summary: Texts,
}

impl FromName for Publication {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Interest {
    name: Text,
    keywords: Texts,
}

impl FromName for Interest {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reference {
    name: Text,
    reference: Texts,
}

impl FromName for Reference {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct JsonResumeProject {
    name: Text,
    description: Texts,
    highlights: Texts,
    keywords: Texts,
    roles: Texts,
    start_date: Text,
    end_date: Text,
    url: Text,
}

impl FromName for JsonResumeProject {
    fn from_name(name: String) -> Self {
        Self {
            name: Text(Some(name)),
            ..Self::default()
        }
    }
}

impl JsonResume {
    pub(super) fn into_resume(self, object: &Map<String, Value>) -> Result<Resume, ParseError> {
        let basics = self.basics.unwrap_or_default();
        let name = basics.name.0.ok_or(ParseError::MissingName {
            format: JsonFormat::JsonResume,
        })?;
        let mut sections = Sections::default();

        let location = basics.location.unwrap_or_default();
        let location = join(
            [
                location.address,
                location.city,
                location.region,
                location.postal_code,
                location.country_code,
            ],
            ", ",
        );
        let profiles = basics.profiles.into_iter().flatten().filter_map(|profile| {
            let label = profile.network.0.unwrap_or_else(|| "Profile".to_owned());
            match (profile.username.0, profile.url.0) {
                (Some(user), Some(url)) => Some(format!("{label}: {user} ({url})")),
                (Some(only), None) | (None, Some(only)) => Some(format!("{label}: {only}")),
                (None, None) => None,
            }
        });
        sections.push(
            "Contact",
            [
                labelled("Email", basics.email),
                labelled("Phone", basics.phone),
                labelled("Location", location),
                labelled("Website", basics.url),
            ]
            .into_iter()
            .flatten()
            .chain(profiles),
        );
        sections.push("Summary", basics.summary);

        let mut experience = Vec::new();
        for job in self.work.into_iter().flatten() {
            let employer = job.name.0.or(job.company.0);
            let mut facts = job_facts(JobFacts {
                position: job.position.as_deref(),
                employer: employer.as_deref(),
                location: job.location.as_deref(),
                dates: date_range(job.start_date.as_deref(), job.end_date.as_deref(), true),
                description: &job.summary,
                highlights: job.highlights.0,
                technologies: &[],
            });
            facts.extend(about_organisation(
                employer.as_deref(),
                &job.description,
                job.url.0,
            ));
            experience.extend(facts);
        }
        sections.push("Experience", experience);
        sections.push("Skills", skill_facts(self.skills));

        let education = self.education.into_iter().flatten().filter_map(|school| {
            let mut fact = join(
                [
                    degree_in(school.study_type.as_deref(), school.area.as_deref()),
                    school.institution.0,
                ],
                " at ",
            )?;
            fact.push_str(&parenthesized([date_range(
                school.start_date.as_deref(),
                school.end_date.as_deref(),
                false,
            )]));
            append_labelled(&mut fact, "score", school.score);
            append_labelled(&mut fact, "courses", join(school.courses, ", "));
            Some(fact)
        });
        sections.push("Education", education);

        let mut projects = Vec::new();
        for project in entries(self.projects) {
            let dates = date_range(
                project.start_date.as_deref(),
                project.end_date.as_deref(),
                false,
            );
            let label = project
                .name
                .0
                .clone()
                .unwrap_or_else(|| "Project".to_owned());
            if let Some(mut fact) = named_description(project.name, &project.description) {
                fact.push_str(&parenthesized_with(
                    [
                        dates,
                        labelled("technologies", join(project.keywords, ", ")),
                        project.url.0,
                    ],
                    "; ",
                ));
                projects.push(fact);
            }
            if let Some(roles) = join(project.roles, ", ") {
                projects.push(format!("Roles in {label}: {roles}"));
            }
            projects.extend(
                project
                    .highlights
                    .into_iter()
                    .map(|h| format!("{label}: {h}")),
            );
        }
        sections.push("Projects", projects);
        sections.push(
            "Certifications",
            entries(self.certificates).filter_map(certification_fact),
        );
        sections.push(
            "Spoken languages",
            entries(self.languages).filter_map(language_fact),
        );

        let mut volunteering = Vec::new();
        for role in self.volunteer.into_iter().flatten() {
            volunteering.extend(job_facts(JobFacts {
                position: role.position.as_deref(),
                employer: role.organization.as_deref(),
                location: None,
                dates: date_range(role.start_date.as_deref(), role.end_date.as_deref(), true),
                description: &role.summary,
                highlights: role.highlights.0,
                technologies: &[],
            }));
            volunteering.extend(about_organisation(
                role.organization.as_deref(),
                &[],
                role.url.0,
            ));
        }
        sections.push("Volunteering", volunteering);

        let awards = entries(self.awards).filter_map(|award| {
            let mut fact = join(
                [
                    award.title.0,
                    award.awarder.0.map(|by| format!("awarded by {by}")),
                ],
                ", ",
            )?;
            fact.push_str(&parenthesized([award.date]));
            append_description(&mut fact, &award.summary);
            Some(fact)
        });
        sections.push("Awards", awards);

        let publications = entries(self.publications).filter_map(|publication| {
            let mut fact = join(
                [
                    publication.name.0.map(|name| format!("\"{name}\"")),
                    publication
                        .publisher
                        .0
                        .map(|by| format!("published by {by}")),
                ],
                ", ",
            )?;
            fact.push_str(&parenthesized_with(
                [publication.release_date, publication.url],
                "; ",
            ));
            append_description(&mut fact, &publication.summary);
            Some(fact)
        });
        sections.push("Publications", publications);

        let interests = entries(self.interests).filter_map(|interest| {
            match (interest.name.0, join(interest.keywords, ", ")) {
                (Some(name), Some(keywords)) => Some(format!("{name}: {keywords}")),
                (Some(only), None) | (None, Some(only)) => Some(only),
                (None, None) => None,
            }
        });
        sections.push("Interests", interests);

        let references = entries(self.references).filter_map(|reference| {
            match (reference.name.0, join(reference.reference, " ")) {
                (Some(name), Some(text)) => Some(format!("Reference from {name}: {text}")),
                (Some(name), None) => Some(format!("Reference: {name}")),
                (None, Some(text)) => Some(format!("Reference: {text}")),
                (None, None) => None,
            }
        });
        sections.push("References", references);
        sections.push_extras(object, JSON_RESUME_KEYS);

        Ok(Resume::from_sections(name, basics.label.0, sections.0))
    }
}
