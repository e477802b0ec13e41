//! Loading real files: the three sample resumes in `data/`, and each way a file can be broken.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use domain::Resume;
use resume_loader::{LoadError, ParseError, load_resume};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
}

fn facts<'a>(resume: &'a Resume, heading: &str) -> &'a [String] {
    &resume
        .sections
        .iter()
        .find(|section| section.heading == heading)
        .unwrap_or_else(|| panic!("no section {heading:?} in {:?}", resume.sections))
        .facts
}

fn headings(resume: &Resume) -> Vec<&str> {
    resume.sections.iter().map(|s| s.heading.as_str()).collect()
}

/// Writes `bytes` to a file called `name` in a fresh temporary directory.
fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn parse_error(result: Result<Resume, LoadError>) -> (PathBuf, ParseError, String) {
    match result {
        Err(err @ LoadError::Parse { .. }) => {
            let message = err.to_string();
            let LoadError::Parse { path, error } = err else {
                unreachable!()
            };
            (path, error, message)
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn original_format_sample_renders_sections_in_order() {
    let resume = load_resume(&sample("resume.json")).unwrap();

    assert_eq!(resume.name, "Maya Lindqvist");
    assert_eq!(resume.title.as_deref(), Some("Senior Backend Engineer"));
    assert_eq!(
        headings(&resume),
        [
            "Contact",
            "Summary",
            "Experience",
            "Skills",
            "Education",
            "Projects",
            "Certifications",
            "Spoken languages"
        ]
    );
    assert!(facts(&resume, "Contact").contains(&"Email: maya.lindqvist@example.com".to_owned()));
    assert!(
        facts(&resume, "Skills")
            .contains(&"Programming Languages: Rust, Go, Python, TypeScript, SQL".to_owned())
    );
    assert!(facts(&resume, "Experience").iter().any(|fact| {
        fact.starts_with(
        "Senior Backend Engineer at Northwind Logistics (2021-03 – Present, Gothenburg, Sweden): "
    )
    }));
    // `title` is accepted in place of `position`.
    assert!(
        facts(&resume, "Experience")
            .iter()
            .any(|fact| fact.starts_with("Software Engineer at Brightfjord Games"))
    );
    assert!(facts(&resume, "Spoken languages").contains(&"Swedish: Native".to_owned()));

    let text = resume.text();
    assert!(text.starts_with("# Maya Lindqvist\nSenior Backend Engineer\n"));
    assert!(
        text.contains("\n## Skills\n- Programming Languages: Rust, Go, Python, TypeScript, SQL\n")
    );
    assert!(text.contains("At Northwind Logistics: Rewrote the route-optimisation service"));
    assert!(
        text.contains("MSc in Computer Systems and Networks at Västkust Institute of Technology")
    );
    assert!(text.contains("Certified Kubernetes Administrator (CKA), issued by Cloud Native"));
}

#[test]
fn json_resume_sample_is_detected_and_rendered() {
    let resume = load_resume(&sample("jsonresume.json")).unwrap();

    assert_eq!(resume.name, "Tomás Okafor");
    assert_eq!(resume.title.as_deref(), Some("Data Engineer"));
    assert_eq!(
        headings(&resume),
        [
            "Contact",
            "Summary",
            "Experience",
            "Skills",
            "Education",
            "Projects",
            "Certifications",
            "Spoken languages",
            "Volunteering",
            "Awards",
            "Publications",
            "Interests",
            "References"
        ]
    );
    assert!(
        facts(&resume, "Contact").contains(&"Location: Lisbon, Lisbon District, PT".to_owned())
    );
    assert!(facts(&resume, "Experience").iter().any(|fact| {
        fact.starts_with("Senior Data Engineer at Marés Mobility (2022-01-10 – Present): ")
    }));
    assert!(
        facts(&resume, "Skills")
            .contains(&"Programming (Expert): Scala, Python, SQL, Java".to_owned())
    );
    assert!(facts(&resume, "Spoken languages").contains(&"Portuguese: Native speaker".to_owned()));

    let text = resume.text();
    assert!(text.starts_with("# Tomás Okafor\nData Engineer\n"));
    assert!(
        text.contains("At Marés Mobility: Built a Kafka and Spark Structured Streaming pipeline")
    );
    assert!(
        text.contains("Master in Computer Science and Engineering at Universidade Técnica do Tejo")
    );
    assert!(
        !text.contains("lastModified"),
        "metadata must not reach the prompt"
    );
}

#[test]
fn markdown_sample_keeps_its_own_text_and_splits_sections() {
    let path = sample("resume.md");
    let resume = load_resume(&path).unwrap();

    assert_eq!(resume.name, "Priya Raman");
    assert_eq!(resume.title.as_deref(), Some("Frontend Engineer"));
    assert_eq!(
        headings(&resume),
        [
            "Overview",
            "Summary",
            "Experience",
            "Skills",
            "Education",
            "Languages"
        ]
    );
    // A bullet carries the job heading above it, so it reads on its own.
    assert!(facts(&resume, "Experience").contains(
        &"Lead Frontend Engineer — Kolam Health (2022 – Present): Led the rebuild of the patient portal in React and TypeScript, improving Lighthouse performance from 52 to 94"
            .to_owned()
    ));
    // The contact line gives facts that say what they are.
    let overview = facts(&resume, "Overview");
    for fact in [
        "Email: priya.raman@example.net",
        "Website: https://priya-raman.example.net",
        "Location: Bengaluru, India",
    ] {
        assert!(overview.contains(&fact.to_owned()), "{overview:#?}");
    }
    assert!(
        facts(&resume, "Education").contains(
            &"BTech in Information Technology, Deccan Institute of Engineering (2015 – 2019)"
                .to_owned()
        )
    );
    assert_eq!(
        resume.text().as_ref(),
        std::fs::read_to_string(&path).unwrap()
    );
}

#[test]
fn missing_file_names_the_path_and_the_io_error_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.json");

    let err = load_resume(&path).unwrap_err();

    assert_eq!(err.path(), path);
    let LoadError::Read { error, .. } = &err else {
        panic!("expected a read error, got {err:?}");
    };
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "resume file {}: cannot read the file (entity not found)",
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn directory_instead_of_file_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();

    let err = load_resume(dir.path()).unwrap_err();

    assert!(matches!(err, LoadError::Read { .. }), "{err:?}");
}

#[test]
fn invalid_utf8_reports_line_and_column_of_the_first_bad_byte() {
    let (_dir, path) = temp_file(
        "resume.md",
        b"# Ana\n\n## Skills\n- Caf\xC3\xA9 \xFF\xFE latte\n",
    );

    let (error_path, error, message) = parse_error(load_resume(&path));

    assert_eq!(error_path, path);
    assert_eq!(
        error,
        ParseError::InvalidUtf8 {
            line: 4,
            column: 8,
            offset: 25
        }
    );
    assert_eq!(
        message,
        format!(
            "resume file {}: invalid UTF-8 at line 4, column 8 (byte offset 25): save the file as UTF-8",
            path.display()
        )
    );
}

#[test]
fn truncated_json_reports_where_the_file_ends() {
    let (_dir, path) = temp_file(
        "resume.json",
        b"{\n  \"name\": \"Ada Example\",\n  \"experience\": [\n    {\"company\": \"Acme\"",
    );

    let (_, error, message) = parse_error(load_resume(&path));

    let ParseError::JsonSyntax { line, column, .. } = error else {
        panic!("expected a JSON syntax error, got {error:?}");
    };
    assert_eq!((line, column), (4, 22));
    assert!(
        message.starts_with(&format!(
            "resume file {}: invalid JSON at line 4, column 22: EOF while parsing an object",
            path.display()
        )),
        "{message}"
    );
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn json_syntax_error_reports_line_column_and_what_was_expected() {
    let (_dir, path) = temp_file(
        "resume.json",
        b"{\n  \"name\": \"Ada\"\n  \"title\": \"Engineer\"\n}\n",
    );

    let (_, error, message) = parse_error(load_resume(&path));

    assert!(
        matches!(
            error,
            ParseError::JsonSyntax {
                line: 3,
                column: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        message,
        format!(
            "resume file {}: invalid JSON at line 3, column 3: expected `,` or `}}`",
            path.display()
        )
    );
}

#[test]
fn field_of_the_wrong_type_reports_line_column_and_field() {
    let (_dir, path) = temp_file(
        "resume.json",
        b"{\n  \"name\": \"Ada Example\",\n  \"experience\": \"ten years at Acme\",\n  \"skills\": {}\n}\n",
    );

    let (_, error, message) = parse_error(load_resume(&path));

    let ParseError::JsonShape {
        field,
        line,
        column,
        ..
    } = &error
    else {
        panic!("expected a shape error, got {error:?}");
    };
    assert_eq!(field.as_deref(), Some("experience"));
    assert_eq!((*line, *column), (3, 35));
    assert_eq!(
        message,
        format!(
            "resume file {}: original resume JSON has the wrong shape at line 3, column 35 \
             (in field `experience`): invalid type: string \"ten years at Acme\", expected a sequence",
            path.display()
        )
    );
}

#[test]
fn empty_file_is_an_error_naming_the_path() {
    for name in ["resume.json", "resume.md", "resume.txt"] {
        let (_dir, path) = temp_file(name, b"  \n\n\t\n");

        let (error_path, error, message) = parse_error(load_resume(&path));

        assert_eq!(error_path, path);
        assert_eq!(error, ParseError::Empty);
        assert!(
            message.starts_with(&format!(
                "resume file {}: the file is empty",
                path.display()
            )),
            "{message}"
        );
    }
}

#[test]
fn json_without_a_name_says_which_field_to_add() {
    let (_dir, path) = temp_file("resume.json", br#"{"title": "Engineer"}"#);

    let (_, _, message) = parse_error(load_resume(&path));

    assert_eq!(
        message,
        format!(
            "resume file {}: original resume JSON has no name: add a top-level \"name\": \"Full Name\"",
            path.display()
        )
    );
}

#[test]
fn markdown_without_a_heading_is_named_after_the_file() {
    let (_dir, path) = temp_file("Jo Doe.md", b"Plumber\n\n- Fixes pipes\n");

    let resume = load_resume(&path).unwrap();

    assert_eq!(resume.name, "Jo Doe");
    assert_eq!(resume.sections[0].facts, ["Plumber", "Fixes pipes"]);
}

#[test]
fn file_without_extension_is_read_as_plain_text() {
    let (_dir, path) = temp_file(
        "RESUME",
        b"Jo Doe\nPlumber\n\nSKILLS\n- Pipes\nExperience:\nAcme Plumbing, 2019 - 2024\n",
    );

    let resume = load_resume(&path).unwrap();

    assert_eq!(resume.name, "Jo Doe");
    assert_eq!(resume.title.as_deref(), Some("Plumber"));
    assert_eq!(headings(&resume), ["SKILLS", "Experience"]);
    assert_eq!(facts(&resume, "Experience"), ["Acme Plumbing, 2019 - 2024"]);
}

// ---------------------------------------------------------------------------------------------
// Nothing dropped

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Every string and number of a JSON document, except its metadata (`$schema`, `meta`).
fn json_leaves(value: &serde_json::Value, top_level: bool, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            out.push(text.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Number(number) => out.push(number.to_string()),
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| json_leaves(item, false, out))
        }
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                if top_level && (key == "$schema" || key == "meta") {
                    continue;
                }
                json_leaves(field, false, out);
            }
        }
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

#[test]
fn every_text_and_number_of_each_json_resume_reaches_the_prompt() {
    for path in [
        sample("resume.json"),
        sample("jsonresume.json"),
        fixture("original-service.json"),
        fixture("jsonresume-full.json"),
    ] {
        let resume = load_resume(&path).unwrap();
        let prompt = resume
            .text()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let document: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut leaves = Vec::new();
        json_leaves(&document, true, &mut leaves);
        assert!(
            leaves.len() > 20,
            "{}: {} leaves",
            path.display(),
            leaves.len()
        );
        let missing: Vec<&String> = leaves
            .iter()
            .filter(|leaf| !leaf.is_empty() && !prompt.contains(leaf.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: not in the prompt: {missing:?}\n{prompt}",
            path.display()
        );
    }
}

#[test]
fn the_original_services_fields_have_their_proper_place() {
    let resume = load_resume(&fixture("original-service.json")).unwrap();
    let experience = facts(&resume, "Experience");
    assert!(
        experience.iter().any(|f| f
            == "At Lough Leane Telecom: Automated VLAN provisioning across 1,200 access switches with Nornir and NetBox"),
        "{experience:#?}"
    );
    assert!(
        experience.iter().any(|f| f
            .starts_with("Network Automation Engineer at Lough Leane Telecom (2022-01 – Present")),
        "a current job reads as present: {experience:#?}"
    );
    assert!(
        experience
            .iter()
            .any(|f| f == "Technologies used at Lough Leane Telecom: Python, Nornir, NetBox, Ansible, GitLab CI"),
        "{experience:#?}"
    );
    let skills = facts(&resume, "Skills");
    assert!(
        skills.iter().any(|f| f.contains("AWS Transit Gateway")),
        "{skills:#?}"
    );
    let education = facts(&resume, "Education");
    assert!(
        education
            .iter()
            .any(|f| f.contains("2017-06") && f.contains("GPA 3.7") || f.contains("GPA: 3.7")),
        "{education:#?}"
    );
    // An unknown field of a known entry is kept in that entry's section, labelled.
    assert!(
        experience
            .iter()
            .any(|f| f == "Lough Leane Telecom: Team size: 6"),
        "{experience:#?}"
    );
}

#[test]
fn json_resume_work_descriptions_and_urls_reach_the_prompt() {
    let resume = load_resume(&fixture("jsonresume-full.json")).unwrap();
    let experience = facts(&resume, "Experience");
    assert!(
        experience.iter().any(|f| f
            == "About Middle Out Media: Awesome compression company (https://middle-out.example.com)"),
        "{experience:#?}"
    );
    let volunteering = facts(&resume, "Volunteering");
    assert!(
        volunteering
            .iter()
            .any(|f| f.contains("https://codeclub.example.org")),
        "{volunteering:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// PDF and DOCX

fn all_text(resume: &Resume) -> String {
    resume
        .text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_pdf_resume_is_read_from_its_text_layer() {
    let resume = load_resume(&fixture("aoife-brennan.pdf")).unwrap();
    assert_eq!(resume.name, "Aoife Brennan");
    let text = all_text(&resume);
    for expected in [
        "Data Platform Engineer",
        "aoife.brennan@example.com",
        "Manchester, United Kingdom",
        "Moved nightly sales reporting from cron scripts to Airflow",
        "Pennine Grocers",
        "MSc Data Science, University of Leeds (2018)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    let headings = headings(&resume);
    for heading in ["Summary", "Experience", "Skills", "Education"] {
        assert!(
            headings.iter().any(|h| h.eq_ignore_ascii_case(heading)),
            "{headings:?}"
        );
    }
}

#[test]
fn a_docx_resume_is_read_with_its_headings() {
    let resume = load_resume(&fixture("aoife-brennan.docx")).unwrap();
    assert_eq!(resume.name, "Aoife Brennan");
    assert_eq!(resume.title.as_deref(), Some("Data Platform Engineer"));
    let text = all_text(&resume);
    for expected in [
        "aoife.brennan@example.com",
        "Built a Kafka and Flink pipeline that updates shelf stock every minute for 400 stores",
        "Python, SQL, Scala",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    let experience = facts(&resume, "Experience");
    assert!(
        experience
            .iter()
            .any(|f| f.contains("Designed the dbt models")),
        "{experience:#?}"
    );
}

#[test]
fn a_two_column_pdf_keeps_every_word_of_both_columns() {
    let resume = load_resume(&fixture("jonas-weber-two-columns.pdf")).unwrap();
    assert_eq!(resume.name, "Jonas Weber");
    let text = all_text(&resume);
    for expected in [
        "jonas.weber@example.de",
        "Leipzig, Germany",
        "FreeRTOS",
        "German (native), English (fluent)",
        "Saxonia Mobility",
        "battery-management firmware",
        "TU Dresden",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
}

#[test]
fn a_pdf_without_text_says_it_is_probably_a_scan() {
    let (path, error, message) = parse_error(load_resume(&fixture("scanned.pdf")));
    assert_eq!(error, ParseError::PdfWithoutText);
    assert!(message.contains("no text layer"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn a_damaged_pdf_or_docx_is_refused_with_the_path() {
    let (_dir, pdf) = temp_file(
        "cv.pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
    );
    let (_, error, message) = parse_error(load_resume(&pdf));
    assert!(
        matches!(error, ParseError::Document { kind: "PDF", .. }),
        "{message}"
    );
    let (_dir, docx) = temp_file("cv.docx", b"PK\x03\x04 not really a zip");
    let (_, error, message) = parse_error(load_resume(&docx));
    assert!(
        matches!(error, ParseError::Document { kind: "DOCX", .. }),
        "{message}"
    );
}
