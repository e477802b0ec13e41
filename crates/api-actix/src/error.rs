//! Errors at the edge of the HTTP API: one enum, rendered as the protocol's `ErrorBody`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::protocol::{ErrorBody, ErrorCode};

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

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Validation(_) => ErrorCode::ValidationError,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::Database(_) => ErrorCode::DatabaseError,
        }
    }
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
            code: self.code(),
        })
    }
}
