//! Errors at the edge: one enum for the HTTP API, and the wire codes shared with the WebSocket
//! protocol.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The `code` of an error frame or an HTTP error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    Busy,
    RateLimitExceeded,
    RateLimit,
    ApiError,
    DatabaseError,
    InternalError,
    NotFound,
    /// The server is restarting; reconnect shortly.
    ShuttingDown,
}

/// An HTTP API failure; its `Display` is what the client reads.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Validation(String),
    #[error("no conversation has this session id")]
    NotFound,
    #[error("storage is unavailable; please try again shortly")]
    Database(#[source] domain::RepoError),
}

impl ErrorCode {
    /// The wire spelling, also used as a metrics label.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::Busy => "BUSY",
            ErrorCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorCode::RateLimit => "RATE_LIMIT",
            ErrorCode::ApiError => "API_ERROR",
            ErrorCode::DatabaseError => "DATABASE_ERROR",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ShuttingDown => "SHUTTING_DOWN",
        }
    }
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation(_) => ErrorCode::ValidationError,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::Database(_) => ErrorCode::DatabaseError,
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: String,
    code: &'a ErrorCode,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Database(source) = self {
            tracing::error!(error = %source, "storage failed while serving a request");
        }
        HttpResponse::build(self.status_code()).json(ErrorBody {
            error: self.to_string(),
            code: &self.code(),
        })
    }
}
