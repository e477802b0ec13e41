//! Metrics around the ports: decorators that time every storage call and every model answer,
//! so adapters stay free of metrics code and the numbers are the same whichever adapter runs.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use async_trait::async_trait;
use domain::{
    Conversation, LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, Message, RepoError, RepoPort,
    SessionId,
};
use futures::StreamExt;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use uuid::Uuid;

/// Histogram buckets in seconds: from a fast local statement to a slow model answer.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// Installs the Prometheus recorder once per process (tests build many servers) and returns
/// the handle that renders it.
pub fn prometheus() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets(LATENCY_BUCKETS).ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "metrics recorder not installed");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!("resume_chat_ws_connections", "Open WebSocket connections");
    describe_counter!("resume_chat_questions_total", "Questions accepted");
    describe_counter!(
        "resume_chat_answers_total",
        "Answers sent, by finish reason"
    );
    describe_counter!("resume_chat_errors_total", "Error frames sent, by code");
    describe_counter!(
        "resume_chat_ws_refused_total",
        "Sockets refused by a limit, by reason"
    );
    describe_histogram!(
        "resume_chat_llm_seconds",
        Unit::Seconds,
        "Model answer time, start to end of stream"
    );
    describe_histogram!(
        "resume_chat_llm_first_token_seconds",
        Unit::Seconds,
        "Time from asking the model to its first delta"
    );
    describe_counter!(
        "resume_chat_llm_tokens_total",
        "Tokens reported by the model, by kind"
    );
    describe_counter!(
        "resume_chat_llm_failures_total",
        "Model calls that failed, by kind"
    );
    describe_histogram!(
        "resume_chat_db_seconds",
        Unit::Seconds,
        "Storage call time, by operation"
    );
    describe_counter!(
        "resume_chat_db_failures_total",
        "Storage calls that failed, by operation"
    );
    describe_gauge!(
        "resume_chat_db_pool_in_use",
        "Database pool connections in use"
    );
}

/// A [`RepoPort`] that times each call of the one it wraps.
#[derive(Debug)]
pub struct MeteredRepo<R> {
    inner: R,
}

impl<R: RepoPort> MeteredRepo<R> {
    pub fn new(inner: R) -> Self {
        Self { inner }
    }
}

async fn timed<T>(
    operation: &'static str,
    call: impl Future<Output = Result<T, RepoError>>,
) -> Result<T, RepoError> {
    let started = Instant::now();
    let result = call.await;
    metrics::histogram!("resume_chat_db_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
    if result.is_err() {
        metrics::counter!("resume_chat_db_failures_total", "operation" => operation).increment(1);
    }
    result
}

#[async_trait]
impl<R: RepoPort> RepoPort for MeteredRepo<R> {
    async fn find_conversation(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<Conversation>, RepoError> {
        timed(
            "find_conversation",
            self.inner.find_conversation(session_id),
        )
        .await
    }

    async fn create_conversation(&self, conversation: &Conversation) -> Result<(), RepoError> {
        timed(
            "create_conversation",
            self.inner.create_conversation(conversation),
        )
        .await
    }

    async fn append_message(&self, message: &Message) -> Result<(), RepoError> {
        timed("append_message", self.inner.append_message(message)).await
    }

    async fn load_history(&self, conversation_id: Uuid) -> Result<Vec<Message>, RepoError> {
        timed("load_history", self.inner.load_history(conversation_id)).await
    }

    async fn load_recent_history(
        &self,
        conversation_id: Uuid,
        max_tokens: u32,
    ) -> Result<Vec<Message>, RepoError> {
        timed(
            "load_recent_history",
            self.inner.load_recent_history(conversation_id, max_tokens),
        )
        .await
    }

    async fn latest_message_id(&self, conversation_id: Uuid) -> Result<Option<Uuid>, RepoError> {
        timed(
            "latest_message_id",
            self.inner.latest_message_id(conversation_id),
        )
        .await
    }

    async fn delete_conversation(&self, session_id: &SessionId) -> Result<bool, RepoError> {
        timed(
            "delete_conversation",
            self.inner.delete_conversation(session_id),
        )
        .await
    }

    async fn ping(&self) -> Result<(), RepoError> {
        timed("ping", self.inner.ping()).await
    }
}

/// An [`LlmPort`] that measures time to first token, answer time, tokens and failures.
pub struct MeteredLlm {
    inner: Arc<dyn LlmPort>,
}

impl std::fmt::Debug for MeteredLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredLlm")
            .field("inner", &self.inner.describe())
            .finish()
    }
}

impl MeteredLlm {
    pub fn new(inner: Arc<dyn LlmPort>) -> Self {
        Self { inner }
    }
}

fn count_failure(error: &LlmError) {
    let kind = match error {
        LlmError::RateLimited { .. } => "rate_limited",
        LlmError::Provider { .. } => "provider",
    };
    metrics::counter!("resume_chat_llm_failures_total", "kind" => kind).increment(1);
}

#[async_trait]
impl LlmPort for MeteredLlm {
    async fn stream_answer(&self, request: LlmRequest) -> Result<LlmStream, LlmError> {
        let started = Instant::now();
        let stream = self
            .inner
            .stream_answer(request)
            .await
            .inspect_err(count_failure)?;
        let mut first = true;
        let metered = stream.inspect(move |event| match event {
            Ok(LlmEvent::Delta(_)) if first => {
                first = false;
                metrics::histogram!("resume_chat_llm_first_token_seconds")
                    .record(started.elapsed().as_secs_f64());
            }
            Ok(LlmEvent::Delta(_)) => {}
            Ok(LlmEvent::Finished { usage, .. }) => {
                metrics::histogram!("resume_chat_llm_seconds")
                    .record(started.elapsed().as_secs_f64());
                if let Some(usage) = usage {
                    metrics::counter!("resume_chat_llm_tokens_total", "kind" => "prompt")
                        .increment(u64::from(usage.prompt_tokens));
                    metrics::counter!("resume_chat_llm_tokens_total", "kind" => "completion")
                        .increment(u64::from(usage.completion_tokens));
                }
            }
            Err(error) => count_failure(error),
        });
        Ok(metered.boxed())
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn resume_changed(&self, resume: &domain::Resume) {
        self.inner.resume_changed(resume);
    }
}
