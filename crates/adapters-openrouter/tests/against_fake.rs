//! The adapter's behaviour through its public API, against `fake-llm` over real HTTP on
//! loopback. Delays are milliseconds; time limits are lower bounds, never speed assertions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use adapters_openrouter::{BuildError, OpenRouterConfig, OpenRouterLlm};
use domain::{
    FinishReason, LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, PromptMessage, Role, Usage,
};
use fake_llm::{FakeLlm, FakeLlmHandle, Fault};
use futures::StreamExt;
use secrecy::SecretString;

/// A key that must never show up in any output.
const KEY: &str = "sk-or-v1-test-0123456789abcdef-never-print-me";

/// Long enough for any loopback event on a loaded machine; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(5);

const ANSWER: &str = "Ada writes Rust, Go and SQL every day.";

fn config(fake: &FakeLlmHandle) -> OpenRouterConfig {
    OpenRouterConfig {
        base_url: fake.base_url(),
        api_key: SecretString::from(KEY),
        model: "test/primary".to_owned(),
        fallback_models: Vec::new(),
        timeout: Duration::from_secs(5),
        max_answer: Duration::from_secs(30),
        max_retries: 3,
        backoff_base: Duration::from_millis(5),
        retry_after_cap: Duration::from_secs(2),
        stall_timeout: Duration::from_secs(1),
        app_url: Some("https://ada.example/resume".to_owned()),
        app_title: Some("Ask Ada's resume".to_owned()),
    }
}

fn adapter(config: OpenRouterConfig) -> OpenRouterLlm {
    OpenRouterLlm::new(config).unwrap()
}

fn request() -> LlmRequest {
    LlmRequest {
        messages: vec![
            PromptMessage {
                role: Role::System,
                content: Arc::from("Answer from the resume only."),
            },
            PromptMessage {
                role: Role::User,
                content: Arc::from("What languages does she know?"),
            },
        ],
        max_tokens: 100,
    }
}

async fn fake(builder: fake_llm::FakeLlmBuilder) -> FakeLlmHandle {
    builder.spawn().await.unwrap()
}

/// What a stream delivered: its deltas, then how it ended.
#[derive(Debug, Default)]
struct Outcome {
    deltas: Vec<String>,
    finished: Option<(FinishReason, Option<Usage>, Option<String>)>,
    error: Option<LlmError>,
}

impl Outcome {
    fn text(&self) -> String {
        self.deltas.concat()
    }
}

async fn drain(mut stream: LlmStream) -> Outcome {
    let mut outcome = Outcome::default();
    while let Some(item) = stream.next().await {
        match item {
            Ok(LlmEvent::Delta(text)) => {
                assert!(outcome.finished.is_none(), "delta after Finished");
                outcome.deltas.push(text);
            }
            Ok(LlmEvent::Finished {
                finish_reason,
                usage,
                model,
            }) => outcome.finished = Some((finish_reason, usage, model)),
            Err(error) => {
                outcome.error = Some(error);
                break;
            }
        }
    }
    outcome
}

async fn ask(llm: &OpenRouterLlm) -> Result<Outcome, LlmError> {
    match llm.stream_answer(request()).await {
        Ok(stream) => Ok(drain(stream).await),
        Err(error) => Err(error),
    }
}

fn provider_message(error: &LlmError) -> &str {
    match error {
        LlmError::Provider { message } => message,
        other => panic!("expected a provider error, got {other:?}"),
    }
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(
        !text.contains("never-print-me"),
        "part of the key leaked: {text}"
    );
}

// ---- streaming -------------------------------------------------------------------------

#[tokio::test]
async fn streams_deltas_that_make_the_answer_with_usage_and_finish_reason() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .token_delay(Duration::from_millis(2)),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert!(outcome.deltas.len() > 1, "streamed in pieces: {outcome:?}");
    assert_eq!(outcome.text(), ANSWER);
    let (reason, usage, model) = outcome.finished.unwrap();
    assert_eq!(reason, FinishReason::Stop);
    let usage = usage.unwrap();
    assert_eq!(usage.completion_tokens, 8);
    assert!(usage.prompt_tokens > 0);
    assert_eq!(model.as_deref(), Some("test/primary"));
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn answer_cut_at_max_tokens_finishes_with_length() {
    let fake = fake(FakeLlm::builder().answer(ANSWER)).await;
    let llm = adapter(config(&fake));
    let mut req = request();
    req.max_tokens = 3;

    let stream = llm.stream_answer(req).await.unwrap();
    let outcome = drain(stream).await;

    assert_eq!(outcome.text(), "Ada writes Rust, ");
    assert_eq!(outcome.finished.unwrap().0, FinishReason::Length);
    assert_eq!(fake.requests()[0].body["max_tokens"], 3);
}

#[tokio::test]
async fn sends_key_and_openrouter_headers_and_a_streaming_body() {
    let fake = fake(FakeLlm::builder()).await;
    let llm = adapter(config(&fake));

    ask(&llm).await.unwrap();

    let recorded = &fake.requests()[0];
    assert_eq!(recorded.path, "/v1/chat/completions");
    assert_eq!(
        recorded.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        recorded.header("http-referer"),
        Some("https://ada.example/resume")
    );
    assert_eq!(recorded.header("x-title"), Some("Ask Ada's resume"));
    assert_eq!(recorded.model(), Some("test/primary"));
    assert!(recorded.is_stream());
    assert_eq!(recorded.body["stream_options"]["include_usage"], true);
    assert_eq!(recorded.body["max_tokens"], 100);
    assert_eq!(recorded.body["messages"][0]["role"], "system");
    assert_eq!(
        recorded.body["messages"][1]["content"],
        "What languages does she know?"
    );
}

#[tokio::test]
async fn empty_key_sends_no_authorization_header() {
    let fake = fake(FakeLlm::builder()).await;
    let mut config = config(&fake);
    config.api_key = SecretString::from("");
    config.app_url = None;
    config.app_title = None;

    ask(&adapter(config)).await.unwrap();

    let recorded = &fake.requests()[0];
    assert_eq!(recorded.header("authorization"), None);
    assert_eq!(recorded.header("x-title"), None);
}

// ---- retries ---------------------------------------------------------------------------

#[tokio::test]
async fn retries_429_then_streams() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .faults([Fault::rate_limited(None)]),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn retries_500_502_503_then_streams() {
    let fake = fake(FakeLlm::builder().answer(ANSWER).faults([
        Fault::status(500),
        Fault::status(502),
        Fault::status(503),
    ]))
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn honours_retry_after_between_attempts() {
    let fake = fake(FakeLlm::builder().faults([Fault::rate_limited(Some(1))])).await;
    let llm = adapter(config(&fake));

    ask(&llm).await.unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(gap >= Duration::from_secs(1), "retried after only {gap:?}");
}

#[tokio::test]
async fn persistent_429_becomes_rate_limited_after_all_retries() {
    let fake = fake(FakeLlm::builder().always(Fault::rate_limited(Some(0)))).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    match &error {
        LlmError::RateLimited {
            message,
            retry_after,
        } => {
            assert_eq!(*retry_after, Some(Duration::ZERO));
            assert!(message.contains("429"), "{message}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(fake.request_count(), 4, "one try and three retries");
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_not_waited_for() {
    let fake = fake(FakeLlm::builder().always(Fault::rate_limited(Some(120)))).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    assert!(matches!(
        error,
        LlmError::RateLimited { retry_after: Some(wait), .. } if wait > Duration::from_secs(100)
    ));
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn refused_key_401_is_not_retried_and_says_what_to_check() {
    let fake = fake(FakeLlm::builder().always(Fault::status(401))).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(message.contains("API key was refused (401)"), "{message}");
    assert!(message.contains("OPENROUTER_API_KEY"), "{message}");
    assert_no_key(&error.to_string());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn no_credits_402_is_not_retried_and_says_so() {
    let fake = fake(FakeLlm::builder().always(Fault::status(402))).await;
    let mut config = config(&fake);
    config.fallback_models = vec!["test/second".to_owned()];
    let llm = adapter(config);

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(message.contains("no credits (402)"), "{message}");
    assert_eq!(
        fake.request_count(),
        1,
        "not even the fallback: the account is out"
    );
}

#[tokio::test]
async fn bad_request_400_is_not_retried() {
    let fake = fake(FakeLlm::builder().always(Fault::status(400))).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(message.contains("(400)"), "{message}");
    assert!(message.contains("LLM_MODEL"), "{message}");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn html_error_pages_are_retried_and_never_shown() {
    let fake = fake(FakeLlm::builder().always(Fault::HtmlStatus { code: 502 })).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(message.contains("502"), "{message}");
    assert!(!message.contains('<'), "HTML in the message: {message}");
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    let gone = fake(FakeLlm::builder()).await;
    let mut config = config(&gone);
    gone.shutdown().await;
    config.max_retries = 1;
    let llm = adapter(config);

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(
        message.contains("could not talk to the provider"),
        "{message}"
    );
    assert_no_key(message);
}

// ---- faults mid-answer -----------------------------------------------------------------

#[tokio::test]
async fn a_hang_is_cut_at_the_first_token_timeout_and_retried() {
    let fake = fake(FakeLlm::builder().always(Fault::Hang)).await;
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(300);
    config.stall_timeout = Duration::from_secs(2);
    let retries = config.max_retries;
    let llm = adapter(config);

    let started = std::time::Instant::now();
    let error = ask(&llm).await.unwrap_err();

    // Each attempt waited its whole first-token limit, and the full retry ladder was taken.
    assert!(started.elapsed() >= Duration::from_millis(300) * (retries + 1));
    let message = provider_message(&error);
    assert!(message.contains("LLM_TIMEOUT"), "{message}");
    assert_eq!(fake.request_count(), retries as usize + 1);
    assert!(fake.wait_for_closed_early(1, PATIENCE).await);
}

#[tokio::test]
async fn silent_server_before_the_answer_is_cut_and_retried() {
    let fake = fake(FakeLlm::builder().answer(ANSWER).faults([Fault::Hang])).await;
    let mut config = config(&fake);
    config.stall_timeout = Duration::from_millis(500);
    let llm = adapter(config);

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn stall_mid_stream_is_cut_after_the_partial_answer() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .always(Fault::Stall { after_tokens: 2 }),
    )
    .await;
    let mut config = config(&fake);
    config.stall_timeout = Duration::from_millis(500);
    let llm = adapter(config);

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), "Ada writes ");
    assert!(outcome.finished.is_none());
    let message = provider_message(outcome.error.as_ref().unwrap());
    assert!(message.contains("cut off"), "{message}");
    assert!(message.contains("sent nothing for 500 ms"), "{message}");
    assert_eq!(fake.request_count(), 1);
    assert!(fake.wait_for_closed_early(1, PATIENCE).await);
}

/// A slow local model: it starts within `LLM_TIMEOUT` and then streams, at a steady pace, for
/// far longer than `LLM_TIMEOUT`. Only silence or the last resort may cut it.
#[tokio::test]
async fn a_steady_answer_longer_than_the_first_token_timeout_is_not_cut() {
    let answer = "word ".repeat(40);
    let fake = fake(
        FakeLlm::builder()
            .answer(answer.clone())
            .token_delay(Duration::from_millis(40)),
    )
    .await;
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(300);
    let llm = adapter(config);

    let started = std::time::Instant::now();
    let outcome = ask(&llm).await.unwrap();

    assert!(started.elapsed() > Duration::from_millis(300) * 2);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.finished.is_some());
    assert_eq!(outcome.text().trim(), answer.trim());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn the_last_resort_cuts_an_answer_that_streams_for_ever() {
    let fake = fake(
        FakeLlm::builder()
            .answer("word ".repeat(50))
            .token_delay(Duration::from_millis(40)),
    )
    .await;
    let mut config = config(&fake);
    config.max_answer = Duration::from_millis(700);
    let llm = adapter(config);

    let outcome = ask(&llm).await.unwrap();

    assert!(!outcome.deltas.is_empty());
    assert!(outcome.finished.is_none());
    let message = provider_message(outcome.error.as_ref().unwrap());
    assert!(message.contains("LLM_MAX_ANSWER_SECONDS"), "{message}");
    assert!(fake.wait_for_closed_early(1, PATIENCE).await);
}

#[tokio::test]
async fn keep_alive_comments_count_as_signs_of_life() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .time_to_first_token(Duration::from_millis(1200))
            .keep_alive(Duration::from_millis(100)),
    )
    .await;
    let mut config = config(&fake);
    config.stall_timeout = Duration::from_millis(600);
    let llm = adapter(config);

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn connection_closed_mid_stream_errs_after_the_partial_answer() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .always(Fault::Disconnect { after_tokens: 2 }),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), "Ada writes ");
    assert!(outcome.finished.is_none());
    let message = provider_message(outcome.error.as_ref().unwrap());
    assert!(message.contains("cut off"), "{message}");
    assert!(
        message.contains("connection to the provider broke"),
        "{message}"
    );
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn never_retries_once_a_delta_was_handed_on() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .faults([Fault::Disconnect { after_tokens: 1 }]),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    assert_eq!(outcome.text(), "Ada ");
    assert!(outcome.error.is_some());
    assert_eq!(fake.request_count(), 1, "the answer must not start over");
}

#[tokio::test]
async fn malformed_event_mid_stream_errs_after_the_partial_answer() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .always(Fault::Malformed { after_tokens: 2 }),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), "Ada writes ");
    let message = provider_message(outcome.error.as_ref().unwrap());
    assert!(message.contains("not valid JSON"), "{message}");
}

#[tokio::test]
async fn malformed_reply_before_any_text_is_retried_then_reported() {
    let fake = fake(FakeLlm::builder().always(Fault::Malformed { after_tokens: 0 })).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();

    assert!(provider_message(&error).contains("unusable"), "{error}");
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn error_object_in_the_stream_errs_after_the_partial_answer() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .always(Fault::StreamError { after_tokens: 2 }),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), "Ada writes ");
    assert!(
        outcome.finished.is_none(),
        "an error chunk is not a success"
    );
    let message = provider_message(outcome.error.as_ref().unwrap());
    assert!(message.contains("Provider returned error"), "{message}");
    assert!(message.contains("502"), "{message}");
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn error_object_before_any_text_is_retried() {
    let fake = fake(
        FakeLlm::builder()
            .answer(ANSWER)
            .faults([Fault::StreamError { after_tokens: 0 }]),
    )
    .await;
    let llm = adapter(config(&fake));

    let outcome = ask(&llm).await.unwrap();

    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn empty_choices_are_an_error_not_a_panic_and_are_retried() {
    let fake = fake(FakeLlm::builder().always(Fault::EmptyChoices)).await;
    let llm = adapter(config(&fake));

    let error = ask(&llm).await.unwrap_err();
    assert!(provider_message(&error).contains("no choices"), "{error}");
    assert_eq!(fake.request_count(), 4);

    fake.set_always(None);
    fake.set_faults([Fault::EmptyChoices]);
    let outcome = ask(&llm).await.unwrap();
    assert!(outcome.finished.is_some());
    assert_eq!(fake.request_count(), 6);
}

// ---- fallback models -------------------------------------------------------------------

#[tokio::test]
async fn fallback_models_are_tried_in_order() {
    let fake = fake(FakeLlm::builder().answer(ANSWER).faults([
        Fault::status(404),
        Fault::status(500),
        Fault::status(503),
    ]))
    .await;
    let mut config = config(&fake);
    config.max_retries = 1;
    config.fallback_models = vec!["test/second".to_owned(), "test/third".to_owned()];
    let llm = adapter(config);

    let outcome = ask(&llm).await.unwrap();

    let models: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.model().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        models,
        ["test/primary", "test/second", "test/second", "test/third"]
    );
    assert_eq!(outcome.text(), ANSWER);
    assert_eq!(outcome.finished.unwrap().2.as_deref(), Some("test/third"));
}

#[tokio::test]
async fn when_every_model_fails_the_error_names_the_last() {
    let fake = fake(FakeLlm::builder().always(Fault::status(503))).await;
    let mut config = config(&fake);
    config.max_retries = 0;
    config.fallback_models = vec!["test/second".to_owned()];
    let llm = adapter(config);

    let error = ask(&llm).await.unwrap_err();

    let message = provider_message(&error);
    assert!(message.contains("model test/second"), "{message}");
    assert!(
        message.contains("after 2 attempts on 2 models"),
        "{message}"
    );
    assert_eq!(fake.request_count(), 2);
}

// ---- cancellation ----------------------------------------------------------------------

#[tokio::test]
async fn dropping_the_stream_closes_the_upstream_request() {
    let fake = fake(
        FakeLlm::builder()
            .answer("word ".repeat(100))
            .token_delay(Duration::from_millis(20)),
    )
    .await;
    let llm = adapter(config(&fake));

    let mut stream = llm.stream_answer(request()).await.unwrap();
    for _ in 0..2 {
        assert!(matches!(stream.next().await, Some(Ok(LlmEvent::Delta(_)))));
    }
    assert_eq!(fake.connections_closed_early(), 0);
    drop(stream);

    assert!(
        fake.wait_for_closed_early(1, PATIENCE).await,
        "fake-llm never saw the connection close"
    );
}

// ---- secrets and configuration ---------------------------------------------------------

#[tokio::test]
async fn the_key_never_appears_in_debug_or_errors() {
    let fake = fake(FakeLlm::builder().faults([
        Fault::status(401),
        Fault::status(500),
        Fault::StreamError { after_tokens: 1 },
    ]))
    .await;
    let mut cfg = config(&fake);
    cfg.max_retries = 0;
    let llm = adapter(cfg.clone());

    assert_no_key(&format!("{llm:?}"));
    assert_no_key(&format!("{cfg:?}"));
    assert_no_key(&format!("{:?}", llm.clone()));
    for _ in 0..2 {
        let error = ask(&llm).await.unwrap_err();
        assert_no_key(&error.to_string());
        assert_no_key(&format!("{error:?}"));
    }
    let outcome = ask(&llm).await.unwrap();
    let error = outcome.error.unwrap();
    assert_no_key(&error.to_string());
    assert_no_key(&format!("{error:?}"));

    let mut bad = config(&fake);
    bad.base_url = "ftp://nowhere".to_owned();
    let build_error = OpenRouterLlm::new(bad).unwrap_err();
    assert_no_key(&build_error.to_string());
    assert_no_key(&format!("{build_error:?}"));
}

#[tokio::test]
async fn bad_configuration_is_refused_with_a_reason() {
    let fake = fake(FakeLlm::builder()).await;

    let mut no_url = config(&fake);
    no_url.base_url = "not a url".to_owned();
    assert!(matches!(
        OpenRouterLlm::new(no_url),
        Err(BuildError::InvalidBaseUrl { .. })
    ));

    let mut no_model = config(&fake);
    no_model.model = " ".to_owned();
    assert_eq!(
        OpenRouterLlm::new(no_model).unwrap_err(),
        BuildError::MissingModel
    );

    let mut bad_key = config(&fake);
    bad_key.api_key = SecretString::from("line\nbreak");
    assert_eq!(
        OpenRouterLlm::new(bad_key).unwrap_err(),
        BuildError::InvalidApiKey
    );
}

#[tokio::test]
async fn describes_itself_by_model_id_and_accepts_a_trailing_slash() {
    let fake = fake(FakeLlm::builder()).await;
    let mut config = config(&fake);
    config.base_url = format!("{}/", fake.base_url());
    let llm = adapter(config);

    assert_eq!(llm.describe(), "test/primary");
    ask(&llm).await.unwrap();
    assert_eq!(fake.requests()[0].path, "/v1/chat/completions");
}
