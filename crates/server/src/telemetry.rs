//! Logging: `LOG_LEVEL` (a level or a filter), `LOG_FORMAT` pretty or JSON for log shippers.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. A second call (tests build many apps) is a no-op.
pub fn init(settings: &LogSettings) {
    let filter =
        EnvFilter::try_new(settings.log_level.filter()).unwrap_or_else(|_| EnvFilter::new("info"));
    // sea-orm's driver spans record its connect options, database URL and password included,
    // at trace: they never reach the log, whatever LOG_LEVEL says.
    let filter = match "sea_orm::driver=debug".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(true);
    let _ = match settings.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

/// The root span of every HTTP request, as tracing-actix-web's default but with session ids in
/// the target replaced by their log tags: an id grants reading and erasing its conversation, so
/// `/api/sessions/<id>/messages` and `/ws?session_id=<id>` must not reach the log as they are.
#[derive(Debug)]
pub struct RedactedRootSpan;

impl tracing_actix_web::RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let target = request.uri().path_and_query().map_or("", |p| p.as_str());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().unwrap_or_default(),
            http.target = %redact_session_ids(target),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// `target` with every path segment or query value that is a session id replaced by
/// `session:<tag>` (see `SessionId::log_tag`).
pub fn redact_session_ids(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for piece in target.split_inclusive(['/', '?', '&', '=']) {
        let (word, separator) = match piece.char_indices().last() {
            Some((i, '/' | '?' | '&' | '=')) => piece.split_at(i),
            _ => (piece, ""),
        };
        match word.parse::<domain::SessionId>() {
            Ok(id) if !word.is_empty() => {
                out.push_str("session:");
                out.push_str(&id.log_tag().to_string());
            }
            _ => out.push_str(word),
        }
        out.push_str(separator);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_in_paths_and_queries_are_replaced_by_their_tags() {
        let id = "0b9f3a4e-5c1d-4e2f-9a8b-7c6d5e4f3a2b";
        let tag = id
            .parse::<domain::SessionId>()
            .map(|s| s.log_tag().to_string());
        let tag = tag.unwrap_or_default();
        assert_eq!(
            redact_session_ids(&format!("/api/sessions/{id}/messages")),
            format!("/api/sessions/session:{tag}/messages")
        );
        assert_eq!(
            redact_session_ids(&format!("/ws?session_id={id}&after_seq=3")),
            format!("/ws?session_id=session:{tag}&after_seq=3")
        );
        assert_eq!(redact_session_ids("/health"), "/health");
        assert_eq!(redact_session_ids("/"), "/");
        assert!(!redact_session_ids(&format!("/api/sessions/{id}")).contains(id));
    }
}
