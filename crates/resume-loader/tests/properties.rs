//! No input makes a loader panic: arbitrary bytes, and JSON built from the formats' own fields.

use proptest::prelude::*;
use resume_loader::{FormatHint, parse_resume};

fn hints() -> impl Strategy<Value = FormatHint> {
    prop_oneof![
        Just(FormatHint::Json),
        Just(FormatHint::Markdown),
        Just(FormatHint::Text),
        Just(FormatHint::Pdf),
        Just(FormatHint::Docx)
    ]
}

/// JSON values whose keys are the fields the two JSON formats know, nested a few levels.
fn resume_like_json() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("name"),
        Just("title"),
        Just("contact"),
        Just("summary"),
        Just("experience"),
        Just("skills"),
        Just("education"),
        Just("projects"),
        Just("certifications"),
        Just("languages"),
        Just("basics"),
        Just("work"),
        Just("position"),
        Just("company"),
        Just("startDate"),
        Just("endDate"),
        Just("highlights"),
        Just("keywords"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|pairs| {
                serde_json::Value::Object(
                    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), hint in hints()) {
        let _ = parse_resume(&bytes, hint);
    }

    #[test]
    fn resume_shaped_json_never_panics(value in resume_like_json()) {
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        let _ = parse_resume(&bytes, FormatHint::Json);
    }

    #[test]
    fn markdown_like_text_never_panics(text in r"(#{0,3} ?[\w ]{0,20}\n|[-*] [\w ]{0,20}\n|\d\. \*\*[\w ]{0,10}\*\*\n|\n){0,20}") {
        let _ = parse_resume(text.as_bytes(), FormatHint::Markdown);
        let _ = parse_resume(text.as_bytes(), FormatHint::Text);
    }
}
