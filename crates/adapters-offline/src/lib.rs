//! The built-in offline answerer: an [`LlmPort`] that answers questions about the resume from
//! the resume alone, used when no language-model API key is configured so that a first
//! `cargo run` already gives useful, streamed answers.
//!
//! It ranks the resume's facts for the question (BM25 over the facts, with the words people use
//! routed to the sections that answer them) and writes the best few as a short Markdown list.
//! It never invents anything: what it says is quoted from the resume.
//!
//! This crate depends only on `domain` and async plumbing: no network, no HTTP, no SQL, no
//! model files. Answers are pure functions of the resume, the question and today's date.

mod answer;
mod dates;
mod index;
mod intent;
mod text;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use async_trait::async_trait;
use domain::{
    FinishReason, LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, NOT_IN_RESUME, Resume,
};
use futures::StreamExt;

/// Characters per streamed delta by default: a few words, like a model's tokens arriving in
/// small groups, so the page visibly streams.
pub const DEFAULT_CHARS_PER_CHUNK: usize = 24;

/// Pause between deltas by default: fast enough not to keep anyone waiting (a 600-character
/// answer takes under half a second), slow enough that streaming can be seen.
pub const DEFAULT_DELAY_BETWEEN_CHUNKS: Duration = Duration::from_millis(15);

/// The model name reported in [`LlmEvent::Finished`], and stored with answers.
const MODEL_NAME: &str = "offline";

/// Answers questions about one resume from its facts, with no network.
///
/// Cheap to clone: the index is built once in [`OfflineAnswerer::new`] and shared.
#[derive(Clone)]
pub struct OfflineAnswerer {
    /// Swapped whole when the resume is reloaded.
    answerer: Arc<ArcSwap<answer::Answerer>>,
    chars_per_chunk: usize,
    delay_between_chunks: Duration,
}

impl OfflineAnswerer {
    /// Indexes the resume's facts once; every answer reuses the index.
    pub fn new(resume: &Resume) -> Self {
        Self {
            answerer: Arc::new(ArcSwap::from_pointee(answer::Answerer::new(resume))),
            chars_per_chunk: DEFAULT_CHARS_PER_CHUNK,
            delay_between_chunks: DEFAULT_DELAY_BETWEEN_CHUNKS,
        }
    }

    /// Sets how answers are streamed: about `chars_per_chunk` characters per delta (at least
    /// one), with `delay_between_chunks` between deltas (tests use zero).
    #[must_use]
    pub fn with_chunking(mut self, chars_per_chunk: usize, delay_between_chunks: Duration) -> Self {
        self.chars_per_chunk = chars_per_chunk.max(1);
        self.delay_between_chunks = delay_between_chunks;
        self
    }

    /// The whole answer to `question`, as the stream would deliver it. Never panics; an empty
    /// question gets the help text.
    pub fn answer(&self, question: &str) -> String {
        self.answerer.load().answer(question)
    }
}

/// Short, for logs: whose resume and how it streams, not the whole index.
impl fmt::Debug for OfflineAnswerer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfflineAnswerer")
            .field("resume", &self.answerer.load().name())
            .field("facts", &self.answerer.load().fact_count())
            .field("chars_per_chunk", &self.chars_per_chunk)
            .field("delay_between_chunks", &self.delay_between_chunks)
            .finish()
    }
}

#[async_trait]
impl LlmPort for OfflineAnswerer {
    async fn stream_answer(&self, request: LlmRequest) -> Result<LlmStream, LlmError> {
        let answerer = self.answerer.load();
        let answer = match request.question() {
            // The same marker a model is asked for: the service records the question as one
            // the resume did not answer and takes the marker out.
            Some(question) => match answerer.answer(question) {
                answer if answerer.says_nothing(&answer) => format!("{NOT_IN_RESUME}{answer}"),
                answer => answer,
            },
            None => answerer.help(),
        };
        let chunks: VecDeque<String> = chunk(&answer, self.chars_per_chunk)
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(answer_stream(chunks, self.delay_between_chunks))
    }

    fn describe(&self) -> String {
        "offline answerer".to_owned()
    }

    /// Indexes the new resume and answers from it from the next question on.
    fn resume_changed(&self, resume: &Resume) {
        self.answerer.store(Arc::new(answer::Answerer::new(resume)));
    }
}

/// What the stream still has to send.
struct StreamState {
    chunks: VecDeque<String>,
    delay: Duration,
    sent_any: bool,
    finished: bool,
}

/// Deltas with a pause between them, then `Finished`. Everything lives in the stream itself
/// (no spawned task), so dropping the stream stops the answer at once.
fn answer_stream(chunks: VecDeque<String>, delay: Duration) -> LlmStream {
    let state = StreamState {
        chunks,
        delay,
        sent_any: false,
        finished: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        if let Some(chunk) = state.chunks.pop_front() {
            if state.sent_any && !state.delay.is_zero() {
                tokio::time::sleep(state.delay).await;
            }
            state.sent_any = true;
            Some((Ok(LlmEvent::Delta(chunk)), state))
        } else if !state.finished {
            state.finished = true;
            let done = LlmEvent::Finished {
                finish_reason: FinishReason::Stop,
                usage: None,
                model: Some(MODEL_NAME.to_owned()),
            };
            Some((Ok(done), state))
        } else {
            None
        }
    })
    .boxed()
}

/// Splits `text` into pieces of about `chars_per_chunk` characters, on character boundaries,
/// preferably just after whitespace so words arrive whole. The pieces concatenate to `text`.
fn chunk(text: &str, chars_per_chunk: usize) -> Vec<&str> {
    let size = chars_per_chunk.max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        // Byte offset just after the `size`-th character, or the whole rest.
        let mut end = rest.len();
        let mut last_break = None;
        for (count, (i, c)) in rest.char_indices().enumerate() {
            if count == size {
                end = i;
                break;
            }
            // Breaking after whitespace in the second half keeps chunks near `size`.
            if c.is_whitespace() && count + 1 >= size.div_ceil(2) {
                last_break = Some(i + c.len_utf8());
            }
        }
        if end < rest.len()
            && let Some(brk) = last_break
        {
            end = brk;
        }
        let (piece, tail) = rest.split_at(end);
        out.push(piece);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{PromptMessage, ResumeSection, Role};

    fn sample_resume() -> Resume {
        let section = |heading: &str, facts: &[&str]| ResumeSection {
            heading: heading.to_owned(),
            facts: facts.iter().map(|f| (*f).to_owned()).collect(),
        };
        Resume::from_sections(
            "Ada Example".to_owned(),
            Some("Staff Engineer".to_owned()),
            vec![
                section(
                    "Contact",
                    &[
                        "Email: ada@example.com",
                        "Location: Malmö, Sweden",
                        "GitHub: https://github.com/ada",
                    ],
                ),
                section("Summary", &["Engineer who builds compilers and databases."]),
                section(
                    "Experience",
                    &[
                        "Staff Engineer at Lumen (2019-04 – Present, Malmö): leads the query engine team.",
                        "At Lumen: Built a vectorised executor in Rust",
                        "Engineer at Oresund Data (2014-09 – 2019-03): storage engines.",
                        "At Oresund Data: Wrote a B-tree in C++",
                    ],
                ),
                section(
                    "Skills",
                    &[
                        "Programming Languages: Rust, C++, C#, Python",
                        "Databases: PostgreSQL, SQLite",
                    ],
                ),
                section(
                    "Education",
                    &["MSc in Computer Science at Lund University (2009-09 – 2014-06)"],
                ),
                section(
                    "Spoken languages",
                    &[
                        "Swedish: Native",
                        "English: Fluent",
                        "Français: Intermediate",
                    ],
                ),
                section(
                    "Projects",
                    &["quill: a tiny SQL parser (technologies: Rust)"],
                ),
                section(
                    "Certifications",
                    &["Certified Kubernetes Administrator, issued by CNCF (2022-11)"],
                ),
            ],
        )
    }

    fn answerer() -> OfflineAnswerer {
        OfflineAnswerer::new(&sample_resume()).with_chunking(8, Duration::ZERO)
    }

    fn request(question: Option<&str>) -> LlmRequest {
        let mut messages = vec![PromptMessage {
            role: Role::System,
            content: "rules".into(),
        }];
        if let Some(q) = question {
            messages.push(PromptMessage {
                role: Role::User,
                content: q.into(),
            });
        }
        LlmRequest {
            messages,
            max_tokens: 100,
        }
    }

    async fn collect(stream: LlmStream) -> (String, Vec<LlmEvent>) {
        let events: Vec<LlmEvent> = stream
            .map(|e| e.expect("offline answers never fail"))
            .collect()
            .await;
        let text = events
            .iter()
            .filter_map(|e| match e {
                LlmEvent::Delta(d) => Some(d.as_str()),
                LlmEvent::Finished { .. } => None,
            })
            .collect();
        (text, events)
    }

    #[test]
    fn chunks_concatenate_to_the_text() {
        let text = "From the resume of Ada Example:\n\n- Programming Languages: Rust, C++";
        for size in [0, 1, 2, 5, 8, 24, 1000] {
            let chunks = chunk(text, size);
            assert_eq!(chunks.concat(), text, "size {size}");
            assert!(chunks.iter().all(|c| !c.is_empty()));
        }
        assert!(chunk("", 10).is_empty());
    }

    #[test]
    fn chunks_respect_multibyte_characters() {
        let text = "Tomás Okafor 🙂 Malmö — 日本語のテキスト 👩‍💻 naïve café";
        for size in 1..12 {
            let chunks = chunk(text, size);
            assert_eq!(chunks.concat(), text);
            for c in &chunks {
                assert!(c.chars().count() <= size.max(1), "{c:?} longer than {size}");
            }
        }
    }

    #[test]
    fn chunks_prefer_breaking_after_whitespace() {
        let chunks = chunk("alpha beta gamma delta epsilon", 8);
        assert_eq!(
            chunks,
            vec!["alpha ", "beta ", "gamma ", "delta ", "epsilon"]
        );
    }

    #[test]
    fn answers_from_the_right_section() {
        let a = answerer();
        let langs = a.answer("What programming languages does she know?");
        assert!(langs.contains("Rust, C++, C#, Python"), "{langs}");
        let study = a.answer("Where did she study?");
        assert!(study.contains("Lund University"), "{study}");
        let now = a.answer("Where does she work now?");
        assert!(now.contains("Lumen"), "{now}");
        assert!(!now.contains("Oresund"), "{now}");
        let contact = a.answer("How can I reach her?");
        assert!(contact.contains("ada@example.com"), "{contact}");
        let cert = a.answer("Is she certified?");
        assert!(cert.contains("Kubernetes"), "{cert}");
    }

    #[test]
    fn counts_years_of_experience() {
        let a = answerer();
        let years = a.answer("How many years of experience does she have?");
        assert!(years.starts_with("About "), "{years}");
        assert!(years.contains("(since 2014)"), "{years}");
    }

    #[test]
    fn says_so_when_the_resume_is_silent() {
        let a = answerer();
        for q in [
            "What's the weather like?",
            "recipe for pancakes",
            "Write me a poem",
        ] {
            assert!(a.answer(q).starts_with("The resume does not say"), "{q}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let a = answerer();
        let long = "Rust ".repeat(2000) + &"🙂".repeat(5000);
        for q in [
            "",
            "   ",
            "🙂",
            "?!?",
            "\u{0}\u{7}",
            long.as_str(),
            "c++ c# .net node.js",
            "+++###",
        ] {
            let answer = a.answer(q);
            assert!(!answer.is_empty());
        }
        assert_eq!(a.answer(""), a.answerer.load().help());
    }

    #[tokio::test]
    async fn stream_concatenates_to_the_answer_then_finishes() {
        let a = answerer();
        let question = "What programming languages does she know?";
        let stream = a
            .stream_answer(request(Some(question)))
            .await
            .expect("stream");
        let (text, events) = collect(stream).await;
        assert_eq!(text, a.answer(question));
        assert!(events.len() > 2, "answer should stream in several deltas");
        assert_eq!(
            events.last(),
            Some(&LlmEvent::Finished {
                finish_reason: FinishReason::Stop,
                usage: None,
                model: Some("offline".to_owned()),
            })
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, LlmEvent::Finished { .. }))
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn no_question_streams_the_help_text() {
        let a = answerer();
        let (text, _) = collect(a.stream_answer(request(None)).await.expect("stream")).await;
        assert_eq!(text, a.answerer.load().help());
        assert!(text.contains("Ada Example"));
    }

    #[tokio::test(start_paused = true)]
    async fn deltas_are_paced_by_the_delay() {
        let a = OfflineAnswerer::new(&sample_resume()).with_chunking(10, Duration::from_millis(15));
        let question = "Where did she study?";
        let deltas = chunk(&a.answer(question), 10).len();
        let start = tokio::time::Instant::now();
        let (text, _) = collect(
            a.stream_answer(request(Some(question)))
                .await
                .expect("stream"),
        )
        .await;
        assert_eq!(text, a.answer(question));
        let expected = Duration::from_millis(15) * u32::try_from(deltas - 1).expect("small");
        assert_eq!(start.elapsed(), expected);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_stream_early_is_fine() {
        let a = OfflineAnswerer::new(&sample_resume()).with_chunking(4, Duration::from_secs(1));
        let mut stream = a
            .stream_answer(request(Some("Tell me about Ada")))
            .await
            .expect("stream");
        let first = stream.next().await;
        assert!(matches!(first, Some(Ok(LlmEvent::Delta(_)))));
        // Take one more delta (it waits on the delay), then drop mid-answer.
        let second = stream.next().await;
        assert!(matches!(second, Some(Ok(LlmEvent::Delta(_)))));
        drop(stream);
        // Nothing was left running: the answerer is still usable and time moves on freely.
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!a.answer("Tell me about Ada").is_empty());
    }

    #[test]
    fn describes_itself() {
        let a = answerer();
        assert_eq!(a.describe(), "offline answerer");
        let debug = format!("{a:?}");
        assert!(
            debug.contains("Ada Example") && debug.contains("facts: 16"),
            "{debug}"
        );
    }
}
