//! The two JSON formats: the original service's format and JSON Resume, rendered into sections
//! of self-contained facts so that each fact still makes sense when quoted alone.

use domain::{Resume, ResumeSection};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::lenient::{FromName, OrName, SkillGroups, entries, text, texts};
use crate::{JsonFormat, ParseError};

/// Top-level keys that are metadata, never resume content.
const METADATA_KEYS: &[&str] = &["$schema", "meta"];

const ORIGINAL_KEYS: &[&str] = &[
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
const ORIGINAL_SECTIONS: &[(&str, &str)] = &[
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

/// As [`ORIGINAL_SECTIONS`], for JSON Resume.
const JSON_RESUME_SECTIONS: &[(&str, &str)] = &[
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

const JSON_RESUME_KEYS: &[&str] = &[
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
    let map = if is_json_resume(object) {
        JSON_RESUME_SECTIONS
    } else {
        ORIGINAL_SECTIONS
    };
    Ok(cover_everything(resume, object, map))
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

// ---------------------------------------------------------------------------------------------
// Original format

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Original {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    title: Option<String>,
    contact: Option<Contact>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
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
    #[serde(deserialize_with = "text")]
    email: Option<String>,
    #[serde(deserialize_with = "text")]
    phone: Option<String>,
    #[serde(deserialize_with = "text")]
    location: Option<String>,
    #[serde(deserialize_with = "text")]
    linkedin: Option<String>,
    #[serde(deserialize_with = "text")]
    github: Option<String>,
    #[serde(deserialize_with = "text")]
    website: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Job {
    #[serde(deserialize_with = "text")]
    company: Option<String>,
    #[serde(deserialize_with = "text")]
    position: Option<String>,
    /// Older files say `title` instead of `position`.
    #[serde(deserialize_with = "text")]
    title: Option<String>,
    #[serde(deserialize_with = "text")]
    location: Option<String>,
    #[serde(deserialize_with = "text", alias = "startDate")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text", alias = "endDate")]
    end_date: Option<String>,
    #[serde(deserialize_with = "texts")]
    description: Vec<String>,
    #[serde(deserialize_with = "texts")]
    achievements: Vec<String>,
    /// The original service's name for achievements.
    #[serde(deserialize_with = "texts")]
    responsibilities: Vec<String>,
    #[serde(deserialize_with = "texts")]
    technologies: Vec<String>,
    /// The original service's name for technologies.
    #[serde(deserialize_with = "texts")]
    tech_stack: Vec<String>,
    /// `true` for the job held now (the original service's flag instead of an end date).
    current: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Education {
    #[serde(deserialize_with = "text")]
    institution: Option<String>,
    #[serde(deserialize_with = "text")]
    degree: Option<String>,
    #[serde(deserialize_with = "text")]
    field: Option<String>,
    #[serde(deserialize_with = "text")]
    location: Option<String>,
    #[serde(deserialize_with = "text", alias = "startDate")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text", alias = "endDate")]
    end_date: Option<String>,
    /// The original service's end date of a degree.
    #[serde(deserialize_with = "text")]
    graduation_date: Option<String>,
    #[serde(deserialize_with = "text", alias = "grade", alias = "score")]
    gpa: Option<String>,
    #[serde(deserialize_with = "texts")]
    honors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Project {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "texts")]
    description: Vec<String>,
    #[serde(deserialize_with = "texts")]
    technologies: Vec<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
}

impl FromName for Project {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

/// Shared by both formats (`certifications` in the original, `certificates` in JSON Resume).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Certification {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    issuer: Option<String>,
    #[serde(deserialize_with = "text")]
    date: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
}

impl FromName for Certification {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

/// Shared by both formats: the original says `proficiency`, JSON Resume says `fluency`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SpokenLanguage {
    #[serde(deserialize_with = "text")]
    language: Option<String>,
    #[serde(deserialize_with = "text")]
    proficiency: Option<String>,
    #[serde(deserialize_with = "text")]
    fluency: Option<String>,
}

impl FromName for SpokenLanguage {
    fn from_name(name: String) -> Self {
        Self {
            language: Some(name),
            ..Self::default()
        }
    }
}

impl Original {
    fn into_resume(self, object: &Map<String, Value>) -> Result<Resume, ParseError> {
        let name = self.name.ok_or(ParseError::MissingName {
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
            let position = job.position.or(job.title);
            let current = job.current.as_ref().is_some_and(is_true);
            job.achievements.append(&mut job.responsibilities);
            job.technologies.append(&mut job.tech_stack);
            experience.extend(job_facts(JobFacts {
                position: position.as_deref(),
                employer: job.company.as_deref(),
                location: job.location.as_deref(),
                dates: date_range(job.start_date.as_deref(), job.end_date.as_deref(), current),
                description: &job.description,
                highlights: job.achievements,
                technologies: &job.technologies,
            }));
        }
        sections.push("Experience", experience);
        sections.push("Skills", skill_facts(self.skills));

        let education = self.education.into_iter().flatten().filter_map(|school| {
            let mut fact = join(
                [
                    degree_in(school.degree.as_deref(), school.field.as_deref()),
                    school.institution,
                ],
                " at ",
            )?;
            fact.push_str(&parenthesized([
                date_range(
                    school.start_date.as_deref(),
                    school.end_date.or(school.graduation_date).as_deref(),
                    false,
                ),
                school.location,
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
                    project.url,
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

        Ok(Resume::from_sections(name, self.title, sections.0))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Resume (https://jsonresume.org/schema)

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct JsonResume {
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
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    label: Option<String>,
    #[serde(deserialize_with = "text")]
    email: Option<String>,
    #[serde(deserialize_with = "text")]
    phone: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
    location: Option<Location>,
    profiles: Option<Vec<Profile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Location {
    #[serde(deserialize_with = "text")]
    address: Option<String>,
    #[serde(deserialize_with = "text")]
    city: Option<String>,
    #[serde(deserialize_with = "text")]
    region: Option<String>,
    #[serde(deserialize_with = "text")]
    postal_code: Option<String>,
    #[serde(deserialize_with = "text")]
    country_code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Profile {
    #[serde(deserialize_with = "text")]
    network: Option<String>,
    #[serde(deserialize_with = "text")]
    username: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Work {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    /// Before schema 1.0 the employer was `company`.
    #[serde(deserialize_with = "text")]
    company: Option<String>,
    #[serde(deserialize_with = "text")]
    position: Option<String>,
    #[serde(deserialize_with = "text")]
    location: Option<String>,
    #[serde(deserialize_with = "text")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text")]
    end_date: Option<String>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
    /// What the employer is ("Awesome compression company").
    #[serde(deserialize_with = "texts")]
    description: Vec<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "texts")]
    highlights: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Volunteer {
    #[serde(deserialize_with = "text")]
    organization: Option<String>,
    #[serde(deserialize_with = "text")]
    position: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "text")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text")]
    end_date: Option<String>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
    #[serde(deserialize_with = "texts")]
    highlights: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct JsonResumeEducation {
    #[serde(deserialize_with = "text")]
    institution: Option<String>,
    #[serde(deserialize_with = "text")]
    area: Option<String>,
    #[serde(deserialize_with = "text")]
    study_type: Option<String>,
    #[serde(deserialize_with = "text")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text")]
    end_date: Option<String>,
    #[serde(deserialize_with = "text")]
    score: Option<String>,
    #[serde(deserialize_with = "texts")]
    courses: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Award {
    #[serde(deserialize_with = "text")]
    title: Option<String>,
    #[serde(deserialize_with = "text")]
    date: Option<String>,
    #[serde(deserialize_with = "text")]
    awarder: Option<String>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
}

impl FromName for Award {
    fn from_name(name: String) -> Self {
        Self {
            title: Some(name),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Publication {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "text")]
    publisher: Option<String>,
    #[serde(deserialize_with = "text")]
    release_date: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
    #[serde(deserialize_with = "texts")]
    summary: Vec<String>,
}

impl FromName for Publication {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Interest {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "texts")]
    keywords: Vec<String>,
}

impl FromName for Interest {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reference {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "texts")]
    reference: Vec<String>,
}

impl FromName for Reference {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct JsonResumeProject {
    #[serde(deserialize_with = "text")]
    name: Option<String>,
    #[serde(deserialize_with = "texts")]
    description: Vec<String>,
    #[serde(deserialize_with = "texts")]
    highlights: Vec<String>,
    #[serde(deserialize_with = "texts")]
    keywords: Vec<String>,
    #[serde(deserialize_with = "texts")]
    roles: Vec<String>,
    #[serde(deserialize_with = "text")]
    start_date: Option<String>,
    #[serde(deserialize_with = "text")]
    end_date: Option<String>,
    #[serde(deserialize_with = "text")]
    url: Option<String>,
}

impl FromName for JsonResumeProject {
    fn from_name(name: String) -> Self {
        Self {
            name: Some(name),
            ..Self::default()
        }
    }
}

impl JsonResume {
    fn into_resume(self, object: &Map<String, Value>) -> Result<Resume, ParseError> {
        let basics = self.basics.unwrap_or_default();
        let name = basics.name.ok_or(ParseError::MissingName {
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
            let label = profile.network.unwrap_or_else(|| "Profile".to_owned());
            match (profile.username, profile.url) {
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
            let employer = job.name.or(job.company);
            let mut facts = job_facts(JobFacts {
                position: job.position.as_deref(),
                employer: employer.as_deref(),
                location: job.location.as_deref(),
                dates: date_range(job.start_date.as_deref(), job.end_date.as_deref(), true),
                description: &job.summary,
                highlights: job.highlights,
                technologies: &[],
            });
            facts.extend(about_organisation(
                employer.as_deref(),
                &job.description,
                job.url,
            ));
            experience.extend(facts);
        }
        sections.push("Experience", experience);
        sections.push("Skills", skill_facts(self.skills));

        let education = self.education.into_iter().flatten().filter_map(|school| {
            let mut fact = join(
                [
                    degree_in(school.study_type.as_deref(), school.area.as_deref()),
                    school.institution,
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
            let label = project.name.clone().unwrap_or_else(|| "Project".to_owned());
            if let Some(mut fact) = named_description(project.name, &project.description) {
                fact.push_str(&parenthesized_with(
                    [
                        dates,
                        labelled("technologies", join(project.keywords, ", ")),
                        project.url,
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
                highlights: role.highlights,
                technologies: &[],
            }));
            volunteering.extend(about_organisation(
                role.organization.as_deref(),
                &[],
                role.url,
            ));
        }
        sections.push("Volunteering", volunteering);

        let awards = entries(self.awards).filter_map(|award| {
            let mut fact = join(
                [
                    award.title,
                    award.awarder.map(|by| format!("awarded by {by}")),
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
                    publication.name.map(|name| format!("\"{name}\"")),
                    publication.publisher.map(|by| format!("published by {by}")),
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
            match (interest.name, join(interest.keywords, ", ")) {
                (Some(name), Some(keywords)) => Some(format!("{name}: {keywords}")),
                (Some(only), None) | (None, Some(only)) => Some(only),
                (None, None) => None,
            }
        });
        sections.push("Interests", interests);

        let references = entries(self.references).filter_map(|reference| {
            match (reference.name, join(reference.reference, " ")) {
                (Some(name), Some(text)) => Some(format!("Reference from {name}: {text}")),
                (Some(name), None) => Some(format!("Reference: {name}")),
                (None, Some(text)) => Some(format!("Reference: {text}")),
                (None, None) => None,
            }
        });
        sections.push("References", references);
        sections.push_extras(object, JSON_RESUME_KEYS);

        Ok(Resume::from_sections(name, basics.label, sections.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing dropped

/// `resume` with every text and number of `object` that its facts do not already hold added
/// to the section its top-level key belongs to (`map`), as "Entry: Field: value" facts, and the
/// paths of those fields (`experience[].responsibilities`), deduplicated.
///
/// The typed views above know the fields of each format; this pass is what keeps the promise
/// that nothing in the file is dropped, whatever fields a file adds.
fn cover_everything(
    resume: Resume,
    object: &Map<String, Value>,
    map: &[(&str, &str)],
) -> (Resume, Vec<String>) {
    let rendered = normalize(resume.text());
    let mut sections = resume.sections;
    let mut unrecognised: Vec<String> = Vec::new();
    for (key, value) in object {
        if METADATA_KEYS.contains(&key.as_str()) {
            continue;
        }
        let heading = map
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| humanize(key), |(_, h)| (*h).to_owned());
        let mut leaves = Vec::new();
        collect_leaves(value, &mut Vec::new(), key, &mut leaves);
        let mut missing = Vec::new();
        for leaf in leaves {
            if leaf.text.is_empty() || contains_whole(&rendered, &normalize(&leaf.text)) {
                continue;
            }
            if !unrecognised.contains(&leaf.path) {
                unrecognised.push(leaf.path.clone());
            }
            let mut fact = leaf.labels.join(": ");
            if !fact.is_empty() {
                fact.push_str(": ");
            }
            fact.push_str(&leaf.text);
            missing.push(fact);
        }
        if missing.is_empty() {
            continue;
        }
        match sections.iter_mut().find(|s| s.heading == heading) {
            Some(section) => section.facts.extend(missing),
            None => sections.push(ResumeSection {
                heading,
                facts: missing,
            }),
        }
    }
    (
        Resume::from_sections(resume.name, resume.title, sections),
        unrecognised,
    )
}

/// A text or number of the document, with the labels that say what it is.
struct Leaf {
    /// The entry's name and the humanized keys down to the leaf (`["Northwind", "Responsibilities"]`).
    labels: Vec<String>,
    /// Where it is, for the log: `experience[].responsibilities`.
    path: String,
    text: String,
}

fn collect_leaves(value: &Value, labels: &mut Vec<String>, path: &str, out: &mut Vec<Leaf>) {
    match value {
        Value::String(text) => out.push(Leaf {
            labels: labels.clone(),
            path: path.to_owned(),
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        }),
        Value::Number(number) => out.push(Leaf {
            labels: labels.clone(),
            path: path.to_owned(),
            text: number.to_string(),
        }),
        // Flags are rendered where they mean something (a current job); null is nothing.
        Value::Bool(_) | Value::Null => {}
        Value::Array(items) => {
            for item in items {
                let named = entry_name(item);
                if let Some(name) = &named {
                    labels.push(name.clone());
                }
                collect_leaves(item, labels, &format!("{path}[]"), out);
                if named.is_some() {
                    labels.pop();
                }
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                labels.push(humanize(key));
                collect_leaves(field, labels, &format!("{path}.{key}"), out);
                labels.pop();
            }
        }
    }
}

/// What an entry of a list is called, to label its fields: its name, employer, title, …
fn entry_name(item: &Value) -> Option<String> {
    const NAME_KEYS: &[&str] = &[
        "name",
        "company",
        "organization",
        "institution",
        "title",
        "position",
        "network",
        "language",
    ];
    let fields = item.as_object()?;
    NAME_KEYS
        .iter()
        .find_map(|key| fields.get(*key).and_then(Value::as_str))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

/// Whether `needle` stands in `haystack` as a whole: not inside a longer word or number ("6"
/// is not in "2018-06", "Go" is not in "Google").
fn contains_whole(haystack: &str, needle: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
        let ends_word = needle
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let glued = (starts_word && is_word(before)) || (ends_word && is_word(after));
        !glued
    })
}

/// Whitespace folded, for "is this text already in the facts" checks.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A JSON flag that says yes: `true`, or `"true"` / `"yes"` as some files write it.
fn is_true(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::String(text) => matches!(text.trim().to_ascii_lowercase().as_str(), "true" | "yes"),
        _ => false,
    }
}

/// What an organisation is and where it is on the web, as its own fact.
fn about_organisation(
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

// ---------------------------------------------------------------------------------------------
// Rendering helpers

/// Sections in the order they are pushed; empty ones are left out.
#[derive(Debug, Default)]
struct Sections(Vec<ResumeSection>);

impl Sections {
    fn push(&mut self, heading: &str, facts: impl IntoIterator<Item = String>) {
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
    fn push_extras(&mut self, object: &Map<String, Value>, known: &[&str]) {
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
fn flat_text(value: &Value) -> String {
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
fn humanize(key: &str) -> String {
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

fn labelled(label: &str, value: Option<String>) -> Option<String> {
    value.map(|value| format!("{label}: {value}"))
}

fn append_labelled(fact: &mut String, label: &str, value: Option<String>) {
    if let Some(value) = value {
        fact.push_str("; ");
        fact.push_str(label);
        fact.push_str(": ");
        fact.push_str(&value);
    }
}

fn append_description(fact: &mut String, description: &[String]) {
    if let Some(description) = join(description.iter().cloned(), " ") {
        fact.push_str(": ");
        fact.push_str(&description);
    }
}

/// Joins the present, non-empty parts; `None` when there are none.
fn join(
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
fn parenthesized<const N: usize>(parts: [Option<String>; N]) -> String {
    parenthesized_with(parts, ", ")
}

/// Like [`parenthesized`], for parts that contain commas themselves (lists, URLs).
fn parenthesized_with<const N: usize>(parts: [Option<String>; N], separator: &str) -> String {
    join(parts, separator).map_or_else(String::new, |inner| format!(" ({inner})"))
}

/// `"MSc in Computer Science"`, or whichever of the two is given.
fn degree_in(degree: Option<&str>, field: Option<&str>) -> Option<String> {
    match (degree, field) {
        (Some(degree), Some(field)) => Some(format!("{degree} in {field}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// `"2021-03 – Present"`. JSON Resume leaves `endDate` out for a current role (`open_is_present`);
/// the original format writes "Present" itself, so there a missing end just reads "from …".
fn date_range(start: Option<&str>, end: Option<&str>, open_is_present: bool) -> Option<String> {
    match (start, end) {
        (Some(start), Some(end)) => Some(format!("{start} – {end}")),
        (Some(start), None) if open_is_present => Some(format!("{start} – Present")),
        (Some(start), None) => Some(format!("from {start}")),
        (None, Some(end)) => Some(format!("until {end}")),
        (None, None) => None,
    }
}

fn named_description(name: Option<String>, description: &[String]) -> Option<String> {
    let description = join(description.iter().cloned(), " ");
    match (name, description) {
        (Some(name), Some(description)) => Some(format!("{name}: {description}")),
        (Some(only), None) | (None, Some(only)) => Some(only),
        (None, None) => None,
    }
}

struct JobFacts<'a> {
    position: Option<&'a str>,
    employer: Option<&'a str>,
    location: Option<&'a str>,
    dates: Option<String>,
    description: &'a [String],
    highlights: Vec<String>,
    technologies: &'a [String],
}

/// A headline fact for the role, then one fact per highlight that names the employer again so
/// it reads on its own ("At Northwind Logistics: …").
fn job_facts(job: JobFacts<'_>) -> Vec<String> {
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
fn skill_facts(skills: SkillGroups) -> Vec<String> {
    let mut facts = Vec::new();
    let mut uncategorized = Vec::new();
    for group in skills.0 {
        let keywords = join(group.keywords, ", ");
        match (group.name, group.level) {
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

fn certification_fact(certification: Certification) -> Option<String> {
    let mut fact = join(
        [
            certification.name,
            certification
                .issuer
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

fn language_fact(language: SpokenLanguage) -> Option<String> {
    let level = language.proficiency.or(language.fluency);
    match (language.language, level) {
        (Some(language), Some(level)) => Some(format!("{language}: {level}")),
        (Some(language), None) => Some(language),
        (None, _) => None,
    }
}
