//! The one error of the edge: every failure the service reports, over HTTP (through
//! `ResponseError`, as the protocol's `ErrorBody`) or on a socket (as an `error` frame), with
//! its wire code, HTTP status, retry hint and a message written for a person. The domain's
//! errors become it through `From`; nothing else turns an error into words for a client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::{AskError, LlmError, OpenError, QuestionError, RepoError};
use uuid::Uuid;

use crate::protocol::{ErrorBody, ErrorCode, FrameError, ServerFrame};

/// What became of the part of an answer already sent when the model failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialAnswer {
    /// Nothing had been sent.
    None,
    Saved,
    NotSaved,
}

/// Which storage failure, as the client is told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFailure {
    /// A socket could not load its conversation.
    NotLoaded,
    /// The question was not stored, so the model was not asked.
    QuestionNotSaved,
    /// The answer was sent but could not be stored.
    AnswerNotSaved,
    /// An HTTP request could not reach storage.
    Unavailable,
}

/// What could not be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No conversation has the session id (HTTP).
    Session,
    /// The socket's conversation was deleted before the question could be stored.
    DeletedBeforeQuestion,
    /// The socket's conversation was deleted while the answer was being written.
    DeletedDuringAnswer,
    /// A route that is not served here (the owner's area while it is off).
    Route,
}

/// A failure at the edge; its `Display` is what the client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Validation(String),
    #[error(
        "An answer is still being written. Wait for it, or send {{\"type\":\"cancel\"}} to stop it."
    )]
    Busy,
    #[error(
        "You are asking questions too quickly. Please wait {retry_after} seconds before the next one."
    )]
    RateLimited { retry_after: u64 },
    #[error("{}{}", provider_rate_limit(*.retry_after), partial_note(*.partial))]
    ProviderRateLimited {
        retry_after: Option<u64>,
        partial: PartialAnswer,
    },
    #[error("The AI provider could not answer: {message}{}", partial_note(*.partial))]
    Provider {
        message: String,
        partial: PartialAnswer,
    },
    #[error("{}", storage_message(*.0))]
    Storage(StorageFailure),
    #[error("{}", missing_message(*.0))]
    NotFound(Missing),
    /// The owner's area without the token (or with a wrong one, or an expired sign-in).
    #[error("sign in with the owner's token first")]
    Unauthorized,
    /// A request of the owner's area made by a page of another site.
    #[error("this request must come from this site's own pages")]
    Forbidden,
    #[error("Something went wrong. Please try again. (Request {request_id}.)")]
    Internal { request_id: Uuid },
    #[error(
        "The server is restarting, so this answer was stopped and saved as it stood. Reconnect \
         in a moment to go on."
    )]
    ShuttingDown,
}

fn provider_rate_limit(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(seconds) => format!(
            "The AI provider is rate limiting requests. Please try again in {seconds} seconds."
        ),
        None => {
            "The AI provider is rate limiting requests. Please try again in a minute.".to_owned()
        }
    }
}

fn partial_note(partial: PartialAnswer) -> &'static str {
    match partial {
        PartialAnswer::None => "",
        PartialAnswer::Saved => " The part of the answer already sent was saved.",
        PartialAnswer::NotSaved => " The part of the answer already sent could not be saved.",
    }
}

fn storage_message(failure: StorageFailure) -> &'static str {
    match failure {
        StorageFailure::NotLoaded => {
            "The conversation could not be loaded because storage is unavailable. Please \
             reconnect in a moment."
        }
        StorageFailure::QuestionNotSaved => {
            "Your question could not be saved, so it was not asked. Please try again in a moment."
        }
        StorageFailure::AnswerNotSaved => {
            "The answer above could not be saved, so it will be missing from this \
             conversation's history."
        }
        StorageFailure::Unavailable => "storage is unavailable; please try again shortly",
    }
}

fn missing_message(missing: Missing) -> &'static str {
    match missing {
        Missing::Session => "no conversation has this session id",
        Missing::DeletedBeforeQuestion => {
            "This conversation was deleted, so your question was not asked. Please ask it again \
             to start a new conversation."
        }
        Missing::DeletedDuringAnswer => {
            "This conversation was deleted while the answer above was being written, so the \
             answer was not saved."
        }
        Missing::Route => "not found",
    }
}

impl ApiError {
    /// An internal failure: `detail` goes to the log under a new request id, which is all the
    /// client is told.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        let request_id = Uuid::new_v4();
        tracing::error!(%request_id, error = %detail, "internal error");
        ApiError::Internal { request_id }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation(_) => ErrorCode::ValidationError,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::RateLimited { .. } => ErrorCode::RateLimitExceeded,
            ApiError::ProviderRateLimited { .. } => ErrorCode::RateLimit,
            ApiError::Provider { .. } => ErrorCode::ApiError,
            ApiError::Storage(_) => ErrorCode::DatabaseError,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::Internal { .. } => ErrorCode::InternalError,
            ApiError::ShuttingDown => ErrorCode::ShuttingDown,
        }
    }

    /// Seconds to wait before asking again, when the error says so.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after } => Some(*retry_after),
            ApiError::ProviderRateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The failure of an answer that was sent but not stored.
    pub fn answer_not_stored(error: &RepoError) -> Self {
        match error {
            RepoError::ConversationGone => ApiError::NotFound(Missing::DeletedDuringAnswer),
            _ => ApiError::Storage(StorageFailure::AnswerNotSaved),
        }
    }
}

impl<'a> From<&'a ApiError> for ServerFrame<'a> {
    /// The `error` frame a socket sends for `err`: the same words and code as over HTTP.
    fn from(err: &'a ApiError) -> Self {
        ServerFrame::Error {
            error: err.to_string().into(),
            code: err.code(),
            retry_after: err.retry_after(),
        }
    }
}

impl From<FrameError> for ApiError {
    fn from(err: FrameError) -> Self {
        ApiError::Validation(format!("Invalid message: {err}."))
    }
}

impl From<QuestionError> for ApiError {
    fn from(err: QuestionError) -> Self {
        ApiError::Validation(match err {
            QuestionError::Empty => "Please type a question first.".to_owned(),
            QuestionError::TooLong { chars, max } => format!(
                "Your question is {chars} characters long; please keep it under {max} characters."
            ),
        })
    }
}

impl From<OpenError> for ApiError {
    fn from(_: OpenError) -> Self {
        ApiError::Storage(StorageFailure::NotLoaded)
    }
}

impl From<RepoError> for ApiError {
    /// A storage failure of an HTTP request; stored data the service cannot read is an internal
    /// error, not an outage.
    fn from(err: RepoError) -> Self {
        match err {
            RepoError::Corrupt(_) => ApiError::internal(&err),
            _ => {
                tracing::error!(error = %err, "storage failed while serving a request");
                ApiError::Storage(StorageFailure::Unavailable)
            }
        }
    }
}

impl From<AskError> for ApiError {
    fn from(err: AskError) -> Self {
        match err {
            AskError::QuestionNotStored(_) => ApiError::Storage(StorageFailure::QuestionNotSaved),
            AskError::ConversationGone => ApiError::NotFound(Missing::DeletedBeforeQuestion),
            AskError::Llm { error, partial } => {
                let partial = match partial {
                    None => PartialAnswer::None,
                    Some(answer) if answer.store_error.is_none() => PartialAnswer::Saved,
                    Some(_) => PartialAnswer::NotSaved,
                };
                match error {
                    LlmError::RateLimited { retry_after, .. } => ApiError::ProviderRateLimited {
                        retry_after: retry_after.map(|wait| wait.as_secs().max(1)),
                        partial,
                    },
                    LlmError::Provider { message } => ApiError::Provider { message, partial },
                }
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::Busy => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ProviderRateLimited { .. } | ApiError::Provider { .. } => {
                StatusCode::BAD_GATEWAY
            }
            ApiError::Storage(_) | ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized) {
            // RFC 9110: a 401 says how to authenticate.
            response.insert_header((
                actix_web::http::header::WWW_AUTHENTICATE,
                "Bearer realm=\"resume-chat owner\"",
            ));
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            error: self.to_string(),
            code: self.code(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_code_status_and_words() {
        let cases = [
            (
                ApiError::RateLimited { retry_after: 12 },
                ErrorCode::RateLimitExceeded,
                StatusCode::TOO_MANY_REQUESTS,
                "wait 12 seconds",
            ),
            (
                ApiError::Storage(StorageFailure::QuestionNotSaved),
                ErrorCode::DatabaseError,
                StatusCode::SERVICE_UNAVAILABLE,
                "not asked",
            ),
            (
                ApiError::NotFound(Missing::Session),
                ErrorCode::NotFound,
                StatusCode::NOT_FOUND,
                "no conversation",
            ),
            (
                ApiError::ProviderRateLimited {
                    retry_after: Some(3),
                    partial: PartialAnswer::Saved,
                },
                ErrorCode::RateLimit,
                StatusCode::BAD_GATEWAY,
                "already sent was saved",
            ),
        ];
        for (error, code, status, words) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.status_code(), status);
            assert!(error.to_string().contains(words), "{error}");
        }
    }

    #[test]
    fn an_internal_error_tells_only_its_request_id() {
        let error = ApiError::from(RepoError::Corrupt("role 'robot' in row 7".into()));
        assert_eq!(error.code(), ErrorCode::InternalError);
        let message = error.to_string();
        assert!(!message.contains("robot"), "{message}");
        assert!(message.contains("Request "), "{message}");
    }

    #[test]
    fn a_model_failure_says_what_became_of_the_partial_answer() {
        let error = ApiError::from(AskError::Llm {
            error: LlmError::Provider {
                message: "the provider returned 502".into(),
            },
            partial: None,
        });
        assert_eq!(error.code(), ErrorCode::ApiError);
        assert_eq!(
            error.to_string(),
            "The AI provider could not answer: the provider returned 502"
        );
    }
}
