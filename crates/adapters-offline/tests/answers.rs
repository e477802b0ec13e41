//! The offline answerer on the sample resumes in `data/`, loaded through `resume-loader` as the
//! server loads them: each row is a question and what the answer must (and must not) say.
//! Expected values are taken from the files themselves.

use std::path::{Path, PathBuf};
use std::time::Duration;

use adapters_offline::OfflineAnswerer;
use domain::{LlmEvent, LlmPort, LlmRequest, PromptMessage, Role};
use futures::StreamExt;

const MAYA: &str = "resume.json";
const TOMAS: &str = "jsonresume.json";
const PRIYA: &str = "resume.md";

/// The start of the answer to a question the resume has nothing on.
const DOES_NOT_SAY: &str = "The resume does not say anything about that.";

struct Row {
    file: &'static str,
    question: &'static str,
    must: &'static [&'static str],
    must_not: &'static [&'static str],
}

const fn row(
    file: &'static str,
    question: &'static str,
    must: &'static [&'static str],
    must_not: &'static [&'static str],
) -> Row {
    Row {
        file,
        question,
        must,
        must_not,
    }
}

const ROWS: &[Row] = &[
    // Maya Lindqvist: the original JSON format.
    row(
        MAYA,
        "What programming languages does this person know?",
        &["Rust", "Go", "Python", "TypeScript", "SQL"],
        &[DOES_NOT_SAY, "Swedish"],
    ),
    row(
        MAYA,
        "Which languages can she code in?",
        &["Programming Languages: Rust, Go, Python, TypeScript, SQL"],
        &[],
    ),
    row(
        MAYA,
        "What's their tech stack?",
        &["Rust", "Tokio", "Axum", "PostgreSQL", "Kubernetes", "Kafka"],
        &[DOES_NOT_SAY],
    ),
    row(
        MAYA,
        "What databases has she used?",
        &["Databases: PostgreSQL, MySQL, Redis, MongoDB, ClickHouse"],
        &["Frameworks:"],
    ),
    row(
        MAYA,
        "Where did she study?",
        &[
            "Västkust Institute of Technology",
            "MSc in Computer Systems and Networks",
            "BSc in Computer Engineering",
        ],
        &["Northwind"],
    ),
    row(MAYA, "What degree does she have?", &["MSc", "BSc"], &[]),
    row(
        MAYA,
        "Where does she work now?",
        &["Senior Backend Engineer at Northwind Logistics", "Present"],
        &["Saltvik", "Brightfjord", "Kvarnby"],
    ),
    row(
        MAYA,
        "Who is her current employer?",
        &["Northwind Logistics"],
        &["Saltvik", "Kvarnby"],
    ),
    row(
        MAYA,
        "Where has she worked?",
        &[
            "Northwind Logistics",
            "Saltvik Payments",
            "Brightfjord Games",
            "Kvarnby Systems",
        ],
        &[],
    ),
    row(
        MAYA,
        "How many years of experience?",
        &[
            "says nine years of experience",
            "about ",
            " years (since 2015)",
        ],
        &[],
    ),
    row(MAYA, "Is she senior?", &["(since 2015)"], &[]),
    row(
        MAYA,
        "How can I contact them?",
        &[
            "maya.lindqvist@example.com",
            "+46 70 555 01 23",
            "linkedin.com/in/maya-lindqvist-example",
        ],
        &[],
    ),
    row(
        MAYA,
        "What's her email address?",
        &["maya.lindqvist@example.com"],
        &["+46"],
    ),
    row(MAYA, "Where is she based?", &["Gothenburg, Sweden"], &[]),
    row(
        MAYA,
        "What projects has she built?",
        &[
            "tidewater",
            "pgshadow",
            "Bike-share availability forecaster",
        ],
        &[],
    ),
    row(
        MAYA,
        "Any certifications?",
        &[
            "AWS Certified Solutions Architect",
            "Certified Kubernetes Administrator",
            "PostgreSQL 14 Associate",
        ],
        &[],
    ),
    row(
        MAYA,
        "Does she speak Swedish?",
        &["Swedish: Native"],
        &["does not mention"],
    ),
    row(
        MAYA,
        "What languages does she speak?",
        &[
            "Swedish: Native",
            "English: Fluent (C2)",
            "German: Intermediate (B1)",
        ],
        &["Rust"],
    ),
    row(
        MAYA,
        "Tell me about Maya",
        &[
            "Maya Lindqvist — Senior Backend Engineer",
            "Backend engineer with about nine years",
            "Northwind Logistics",
        ],
        &[],
    ),
    row(
        MAYA,
        "Who is she?",
        &["Senior Backend Engineer"],
        &[DOES_NOT_SAY],
    ),
    row(
        MAYA,
        "Has she worked with Kafka?",
        &["Kafka"],
        &[DOES_NOT_SAY, "Kvarnby"],
    ),
    row(
        MAYA,
        "Any awards?",
        &["awarded best thesis of the year"],
        &[],
    ),
    row(MAYA, "Does she know Haskell?", &[DOES_NOT_SAY], &["- "]),
    row(
        MAYA,
        "What's the weather like today?",
        &[DOES_NOT_SAY, "Maya Lindqvist's experience"],
        &["- "],
    ),
    row(
        MAYA,
        "Give me a recipe for pancakes",
        &[DOES_NOT_SAY],
        &["- "],
    ),
    row(MAYA, "Who won the World Cup?", &[DOES_NOT_SAY], &["- "]),
    row(MAYA, "Write me a poem", &[DOES_NOT_SAY], &["- "]),
    row(
        MAYA,
        "What is the capital of France?",
        &[DOES_NOT_SAY],
        &["- "],
    ),
    row(
        MAYA,
        "Hi!",
        &["Hello!", "Maya Lindqvist"],
        &[DOES_NOT_SAY, "- "],
    ),
    row(
        MAYA,
        "Thanks, that helps!",
        &["You're welcome"],
        &[DOES_NOT_SAY, "- "],
    ),
    // Tomás Okafor: a JSON Resume document.
    row(
        TOMAS,
        "What programming languages does this person know?",
        &["Scala", "Python", "SQL", "Java"],
        &[DOES_NOT_SAY],
    ),
    row(
        TOMAS,
        "What's their tech stack?",
        &[
            "Scala",
            "Apache Spark",
            "Airflow",
            "Delta Lake",
            "AWS, GCP, Terraform",
        ],
        &[],
    ),
    row(
        TOMAS,
        "Where did he study?",
        &["Master in Computer Science and Engineering at Universidade Técnica do Tejo"],
        &[],
    ),
    row(
        TOMAS,
        "Where does he work now?",
        &["Senior Data Engineer at Marés Mobility"],
        &["Azulejo", "Banco Atlântico"],
    ),
    row(
        TOMAS,
        "How many years of experience does he have?",
        &[
            "says seven years of experience",
            "about ",
            " years (since 2017)",
        ],
        &[],
    ),
    row(
        TOMAS,
        "How can I contact him?",
        &["tomas.okafor@example.org", "+351 912 555 014"],
        &[],
    ),
    row(
        TOMAS,
        "What's his GitHub?",
        &["github.com/tokafor-example"],
        &["+351"],
    ),
    row(
        TOMAS,
        "What projects has he built?",
        &["sparkcheck", "Lisbon air-quality dashboard"],
        &[],
    ),
    row(
        TOMAS,
        "Is he certified?",
        &[
            "Databricks Certified Data Engineer Professional",
            "Confluent Certified Developer for Apache Kafka",
        ],
        &[],
    ),
    row(
        TOMAS,
        "Does he speak Swedish?",
        &["does not mention Swedish", "Portuguese: Native speaker"],
        &[],
    ),
    row(
        TOMAS,
        "Tell me about Tomás",
        &[
            "Tomás Okafor — Data Engineer",
            "seven years of experience",
            "Marés Mobility",
        ],
        &[],
    ),
    row(
        TOMAS,
        "What does he do in his free time?",
        &["Surfing", "Open data"],
        &[],
    ),
    row(
        TOMAS,
        "Has he won any awards?",
        &["Data Team of the Year"],
        &[],
    ),
    row(
        TOMAS,
        "Has he published anything?",
        &["Late data is still data"],
        &[],
    ),
    row(TOMAS, "Does he volunteer?", &["Data Saturdays Lisbon"], &[]),
    row(
        TOMAS,
        "Who won the World Cup?",
        &[DOES_NOT_SAY, "Tomás Okafor's experience"],
        &["- "],
    ),
    row(
        TOMAS,
        "Recommend a good pizza place",
        &[DOES_NOT_SAY],
        &["- "],
    ),
    row(TOMAS, "hello there", &["Hello!", "Tomás Okafor"], &["- "]),
    // Priya Raman: Markdown, sections taken from its headings.
    row(
        PRIYA,
        "What programming languages does she know?",
        &["TypeScript, JavaScript, HTML, CSS"],
        &[],
    ),
    row(
        PRIYA,
        "Where does she work now?",
        &["Kolam Health"],
        &["Chai & Code"],
    ),
    row(
        PRIYA,
        "How can I contact her?",
        &["priya.raman@example.net"],
        &[],
    ),
];

fn data_file(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(file)
}

fn answerer(file: &str) -> OfflineAnswerer {
    let resume = resume_loader::load_resume(&data_file(file))
        .unwrap_or_else(|err| panic!("sample resume {file} loads: {err}"));
    OfflineAnswerer::new(&resume).with_chunking(24, Duration::ZERO)
}

#[test]
fn answers_the_table_of_questions_from_the_sample_resumes() {
    let answerers = [MAYA, TOMAS, PRIYA].map(|file| (file, answerer(file)));
    let mut failures = Vec::new();
    for row in ROWS {
        let Some((_, a)) = answerers.iter().find(|(file, _)| *file == row.file) else {
            panic!("no answerer for {}", row.file);
        };
        let answer = a.answer(row.question);
        for expected in row.must {
            if !answer.contains(expected) {
                failures.push(format!(
                    "{} | {:?}: missing {expected:?} in\n{answer}\n",
                    row.file, row.question
                ));
            }
        }
        for unwanted in row.must_not {
            if answer.contains(unwanted) {
                failures.push(format!(
                    "{} | {:?}: unwanted {unwanted:?} in\n{answer}\n",
                    row.file, row.question
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn years_of_experience_follow_the_calendar() {
    // Maya's first role starts 2015-01 and her current one runs to the present: the count is
    // the whole span, rounded to the nearest year, after what her summary says.
    let now = time::OffsetDateTime::now_utc();
    let months = (i64::from(now.year()) - 2015) * 12 + i64::from(u8::from(now.month()));
    let expected = (months + 6) / 12;
    let answer = answerer(MAYA).answer("How many years of experience does she have?");
    assert!(
        answer.starts_with(&format!(
            "Maya Lindqvist's resume says nine years of experience; going by the dates of its \
             roles, about {expected} years (since 2015)"
        )),
        "{answer}"
    );
}

#[test]
fn answers_are_short_and_never_repeat_a_fact() {
    for file in [MAYA, TOMAS, PRIYA] {
        let a = answerer(file);
        for row in ROWS.iter().filter(|r| r.file == file) {
            let answer = a.answer(row.question);
            let bullets: Vec<&str> = answer.lines().filter(|l| l.starts_with("- ")).collect();
            assert!(bullets.len() <= 5, "{file} {:?}: {answer}", row.question);
            let mut unique = bullets.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(
                unique.len(),
                bullets.len(),
                "{file} {:?}: {answer}",
                row.question
            );
        }
    }
}

#[tokio::test]
async fn streamed_answers_equal_the_whole_answers() {
    for file in [MAYA, TOMAS, PRIYA] {
        let a = answerer(file);
        for row in ROWS.iter().filter(|r| r.file == file) {
            let request = LlmRequest {
                messages: vec![
                    PromptMessage {
                        role: Role::System,
                        content: "rules".into(),
                    },
                    PromptMessage {
                        role: Role::User,
                        content: row.question.into(),
                    },
                ],
                max_tokens: 1000,
            };
            let events: Vec<LlmEvent> = a
                .stream_answer(request)
                .await
                .expect("the offline answerer always starts")
                .map(|event| event.expect("the offline answerer never fails mid-stream"))
                .collect()
                .await;
            let mut text = String::new();
            for event in &events[..events.len() - 1] {
                match event {
                    LlmEvent::Delta(delta) => text.push_str(delta),
                    LlmEvent::Finished { .. } => panic!("Finished before the last event"),
                }
            }
            assert!(matches!(events.last(), Some(LlmEvent::Finished { .. })));
            // An answer the resume has nothing for carries the marker the service takes out.
            let whole = a.answer(row.question);
            let expected = if whole.starts_with("The resume does not say") {
                format!("{}{whole}", domain::NOT_IN_RESUME)
            } else {
                whole
            };
            assert_eq!(text, expected, "{file} {:?}", row.question);
        }
    }
}
