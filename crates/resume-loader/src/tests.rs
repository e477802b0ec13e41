//! Parsing bytes: format detection, leniency, Markdown and text structure, and robustness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn parse_json(json: &str) -> Resume {
    parse_resume(json.as_bytes(), FormatHint::Json).unwrap()
}

fn section<'a>(resume: &'a Resume, heading: &str) -> &'a [String] {
    &resume
        .sections
        .iter()
        .find(|section| section.heading == heading)
        .unwrap_or_else(|| panic!("no section {heading:?} in {:?}", resume.sections))
        .facts
}

#[test]
fn format_hint_follows_the_extension_case_insensitively() {
    assert_eq!(
        FormatHint::from_path(Path::new("a/resume.JSON")),
        FormatHint::Json
    );
    assert_eq!(
        FormatHint::from_path(Path::new("cv.md")),
        FormatHint::Markdown
    );
    assert_eq!(
        FormatHint::from_path(Path::new("cv.Markdown")),
        FormatHint::Markdown
    );
    assert_eq!(FormatHint::from_path(Path::new("cv.txt")), FormatHint::Text);
    assert_eq!(FormatHint::from_path(Path::new("cv")), FormatHint::Text);
}

#[test]
fn original_format_accepts_numbers_single_strings_and_title_for_position() {
    let resume = parse_json(
        r#"{
            "name": "Ada Example", "title": "Engineer",
            "experience": [{"company": "Acme", "title": "Developer", "start_date": 2019,
                            "end_date": null, "technologies": "Rust", "achievements": ["Shipped"]}],
            "skills": ["Rust", "SQL"],
            "education": [{"institution": "Uni", "degree": "BSc", "gpa": 3.9}],
            "languages": ["Swedish", {"language": "English", "proficiency": "Fluent"}],
            "unknown": 1
        }"#,
    );

    assert_eq!(
        section(&resume, "Experience"),
        [
            "Developer at Acme (from 2019)",
            "At Acme: Shipped",
            "Technologies used at Acme: Rust"
        ]
    );
    assert_eq!(section(&resume, "Skills"), ["Skills: Rust, SQL"]);
    assert_eq!(section(&resume, "Education"), ["BSc at Uni; GPA: 3.9"]);
    assert_eq!(
        section(&resume, "Spoken languages"),
        ["Swedish", "English: Fluent"]
    );
}

#[test]
fn original_format_keeps_skill_categories_in_document_order() {
    let resume = parse_json(
        r#"{"name": "A", "skills": {"Zig things": ["Zig"], "Apple things": ["Swift"]}}"#,
    );

    assert_eq!(
        section(&resume, "Skills"),
        ["Zig things: Zig", "Apple things: Swift"]
    );
}

#[test]
fn unknown_top_level_fields_become_their_own_sections_after_known_ones() {
    let resume = parse_json(
        r#"{"name": "A", "hobbies": ["chess", "climbing"], "volunteer_work": {"role": "Coach"},
            "id": 42, "summary": "Hi"}"#,
    );

    let headings: Vec<&str> = resume.sections.iter().map(|s| s.heading.as_str()).collect();
    // Nothing is dropped, a bare number included.
    assert_eq!(headings, ["Summary", "Hobbies", "Volunteer work", "Id"]);
    assert_eq!(section(&resume, "Volunteer work"), ["Role: Coach"]);
    assert_eq!(section(&resume, "Id"), ["42"]);
}

#[test]
fn json_resume_is_detected_by_basics() {
    let resume = parse_json(r#"{"basics": {"name": "Bo", "label": "Analyst"}, "skills": []}"#);

    assert_eq!(resume.name, "Bo");
    assert_eq!(resume.title.as_deref(), Some("Analyst"));
}

#[test]
fn json_resume_is_detected_by_a_work_list_without_experience() {
    let err = parse_resume(br#"{"work": [{"name": "Acme"}]}"#, FormatHint::Json).unwrap_err();

    assert_eq!(
        err,
        ParseError::MissingName {
            format: JsonFormat::JsonResume
        }
    );
}

#[test]
fn json_resume_current_role_reads_present() {
    let resume = parse_json(
        r#"{"basics": {"name": "Bo"}, "work": [{"name": "Acme", "position": "Dev", "startDate": "2020-01"}]}"#,
    );

    assert_eq!(
        section(&resume, "Experience"),
        ["Dev at Acme (2020-01 – Present)"]
    );
}

#[test]
fn json_resume_shape_error_names_the_nested_top_level_field() {
    let err = parse_resume(
        b"{\"basics\": {\"name\": \"Bo\", \"profiles\": \"github\"}}",
        FormatHint::Json,
    )
    .unwrap_err();

    let ParseError::JsonShape {
        format,
        field,
        line,
        column,
        ..
    } = err
    else {
        panic!("expected a shape error, got {err:?}");
    };
    assert_eq!(format, JsonFormat::JsonResume);
    assert_eq!(field.as_deref(), Some("basics"));
    assert_eq!((line, column), (1, 46));
}

#[test]
fn json_top_level_must_be_an_object() {
    let err = parse_resume(b"[1, 2]", FormatHint::Json).unwrap_err();

    assert_eq!(err, ParseError::JsonNotAnObject { found: "an array" });
}

#[test]
fn blank_name_counts_as_missing() {
    let err = parse_resume(br#"{"name": "  "}"#, FormatHint::Json).unwrap_err();

    assert_eq!(
        err,
        ParseError::MissingName {
            format: JsonFormat::Original
        }
    );
}

#[test]
fn byte_order_mark_is_ignored() {
    let resume = parse_resume(b"\xEF\xBB\xBF{\"name\": \"Ada\"}", FormatHint::Json).unwrap();

    assert_eq!(resume.name, "Ada");
}

#[test]
fn invalid_utf8_column_counts_characters_not_bytes() {
    let err = parse_resume(
        "# Åsa\nÄÖ"
            .bytes()
            .chain([0x80])
            .collect::<Vec<_>>()
            .as_slice(),
        FormatHint::Markdown,
    )
    .unwrap_err();

    assert_eq!(
        err,
        ParseError::InvalidUtf8 {
            line: 2,
            column: 3,
            offset: 11
        }
    );
}

#[test]
fn markdown_strips_markers_and_joins_paragraph_lines() {
    let source = "# **Ada Example**\nStaff Engineer\n\n## Summary\nWrites Rust\nand SQL.\n\n\
                  ## Skills\n* **Rust**\n+ Go\n2) SQL\n- [x] Tasks\n- long item\n  continued here\n\
                  ### Acme (2020)\n> quoted [site](https://a.example)\n";

    let resume = parse_resume(source.as_bytes(), FormatHint::Markdown).unwrap();

    assert_eq!(resume.name, "Ada Example");
    assert_eq!(resume.title.as_deref(), Some("Staff Engineer"));
    assert_eq!(section(&resume, "Summary"), ["Writes Rust and SQL."]);
    assert_eq!(
        section(&resume, "Skills"),
        [
            "Rust",
            "Go",
            "SQL",
            "Tasks",
            "long item continued here",
            "Acme (2020)",
            // What follows a job heading carries it, so it reads on its own.
            "Acme (2020): quoted site (https://a.example)"
        ]
    );
    assert_eq!(resume.text().as_ref(), source);
}

#[test]
fn markdown_setext_headings_and_later_top_level_headings_split_sections() {
    let source = "Ada Example\n===========\n\nIntro line\n\nWork\n----\n- Acme\n\n# Extra\nMore\n";

    let resume = parse_resume(source.as_bytes(), FormatHint::Markdown).unwrap();

    assert_eq!(resume.name, "Ada Example");
    assert_eq!(resume.title.as_deref(), Some("Intro line"));
    let headings: Vec<&str> = resume.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["Work", "Extra"]);
}

#[test]
fn markdown_title_is_not_taken_from_a_bullet() {
    let resume = parse_resume(b"# Ada\n- Rust\n", FormatHint::Markdown).unwrap();

    assert_eq!(resume.title, None);
    assert_eq!(section(&resume, "Overview"), ["Rust"]);
}

#[test]
fn markdown_without_heading_or_file_name_uses_the_first_line() {
    let resume = parse_resume(b"\n**Ada Example**\nEngineer\n", FormatHint::Markdown).unwrap();

    assert_eq!(resume.name, "Ada Example");
}

#[test]
fn plain_text_splits_on_caps_and_colon_headings() {
    let source = "ADA EXAMPLE\nStaff Engineer\nada@example.com\n\nEXPERIENCE\n\
                  • Acme, 2020 – 2024\n   led the platform team\nSkills:\nRust, SQL\nAWS, GCP\n";

    let resume = parse_resume(source.as_bytes(), FormatHint::Text).unwrap();

    assert_eq!(resume.name, "ADA EXAMPLE");
    assert_eq!(resume.title.as_deref(), Some("Staff Engineer"));
    assert_eq!(
        section(&resume, "Overview"),
        ["ada@example.com", "Email: ada@example.com"]
    );
    assert_eq!(
        section(&resume, "EXPERIENCE"),
        ["Acme, 2020 – 2024 led the platform team"]
    );
    assert_eq!(section(&resume, "Skills"), ["Rust, SQL", "AWS, GCP"]);
    assert_eq!(resume.text().as_ref(), source);
}

#[test]
fn pdf_text_joins_a_wrapped_date_range_and_knows_catch_all_headings() {
    let source = "Ada Example\nController\n\nExperience\n\
                  Financial Controller — Acme, Toledo — May 2020\n– Present\n\
                  • Shortened the close\n\nAdditional information\nNotice period: two months\n";

    let resume = crate::markup::parse_pdf_text(source);

    assert_eq!(
        section(&resume, "Experience"),
        [
            "Financial Controller — Acme, Toledo — May 2020 – Present",
            "Financial Controller — Acme, Toledo — May 2020 – Present: Shortened the close",
        ]
    );
    assert_eq!(
        section(&resume, "Additional information"),
        ["Notice period: two months"]
    );
}

#[test]
fn plain_text_joins_a_line_its_author_wrapped() {
    let source = "Ada Example\nTeacher\n\nSUMMARY\nNine years of\nteaching, four of design.\n\
                  Measures learning.\nnot a continuation after a full stop\n";

    let resume = parse_resume(source.as_bytes(), FormatHint::Text).unwrap();

    assert_eq!(
        section(&resume, "SUMMARY"),
        [
            "Nine years of teaching, four of design.",
            "Measures learning.",
            "not a continuation after a full stop"
        ]
    );
}

/// A cheap stand-in for the fuzzer: many odd inputs through every format, none may panic.
#[test]
fn odd_inputs_never_panic() {
    const PIECES: &[&str] = &[
        "#",
        "# ",
        "##",
        "###### x",
        "\n",
        "\r\n",
        " ",
        "\t",
        "-",
        "- ",
        "* ",
        "1. ",
        "1)",
        "**",
        "__",
        "[",
        "](",
        ")",
        "!",
        ">",
        "|",
        "---",
        "===",
        "```",
        "~~~",
        ":",
        "A",
        "ÅÄÖ",
        "é",
        "•",
        "{",
        "}",
        "[",
        "]",
        "\"",
        ",",
        "\"name\"",
        "\"basics\"",
        "\"work\"",
        "\"skills\"",
        "\"experience\"",
        "null",
        "1e999",
        "-0",
        "true",
        "\\u0000",
        "\u{FEFF}",
        "\u{200B}",
        "😀",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..4000 {
        let mut input = Vec::new();
        for _ in 0..(next() % 40) {
            let piece = PIECES[(next() % PIECES.len() as u64) as usize];
            input.extend_from_slice(piece.as_bytes());
        }
        if next() % 7 == 0 {
            let at = (next() as usize) % (input.len() + 1);
            input.insert(at, 0xC3);
        }
        for hint in [FormatHint::Json, FormatHint::Markdown, FormatHint::Text] {
            if let Ok(resume) = parse_resume(&input, hint) {
                assert!(!resume.name.is_empty());
            }
        }
    }
    let deep = format!(
        "{{\"name\": \"A\", \"x\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(parse_resume(deep.as_bytes(), FormatHint::Json).is_err());
}
