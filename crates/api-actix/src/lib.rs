//! The HTTP and WebSocket edge of resume chat: routes, the WebSocket protocol, limits, and the
//! mapping of domain errors to wire codes.
//!
//! This crate speaks to the outside only through `domain` types and the [`ChatService`]; it must
//! not depend on storage or model adapters (the `server` binary wires those in).

mod admin;
mod error;
mod http;
pub mod limits;
pub mod openapi;
mod prometheus;
pub mod protocol;
mod security;
mod web;
pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::{
    Data, FormConfig, JsonConfig, PathConfig, PayloadConfig, QueryConfig, ServiceConfig, resource,
};
use domain::ChatService;
use tokio_util::sync::CancellationToken;

pub use admin::{AccessError, MIN_TOKEN_CHARS, OwnerAccess, OwnerArea};
pub use error::ApiError;
pub use limits::{LimitSettings, Limits};
pub use prometheus::MetricsRender;
pub use protocol::{ClientFrame, ErrorCode, FrameError, ServerFrame, parse_client_frame};
pub use security::{FramingSettings, security_headers};

/// Largest WebSocket frame accepted, in bytes. A question is at most a few thousand characters
/// (4 bytes each at worst) plus a little JSON; anything far larger is abuse, closed with 1009.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024;

/// The longest one frame may wait for a client that reads nothing before the client is cut
/// off: longer than a mobile network's usual stall, well short of holding a connection slot and
/// an upstream model request for nothing.
const MAX_SEND_WAIT: Duration = Duration::from_secs(30);

/// Limits of one WebSocket connection, read straight from the configuration
/// (`MAX_QUESTION_CHARS`, `WS_IDLE_TIMEOUT`); the rest are fixed.
#[serde_with::serde_as]
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(default)]
pub struct WsSettings {
    #[serde_as(as = "config_values::Bounded<1, 1000000>")]
    pub max_question_chars: usize,
    #[serde(skip)]
    pub max_frame_bytes: usize,
    /// A socket with no frame from the client for this long is closed.
    #[serde(rename = "ws_idle_timeout")]
    #[serde_as(as = "config_values::Seconds<86400>")]
    pub idle_timeout: Duration,
    /// How often the server pings; also how often idleness is checked.
    #[serde(skip)]
    pub heartbeat_interval: Duration,
}

impl WsSettings {
    /// How long one frame may wait for the client to read: [`MAX_SEND_WAIT`], or the idle
    /// timeout when that is shorter (a socket that takes nothing for that long is idle too).
    pub fn send_timeout(&self) -> Duration {
        MAX_SEND_WAIT.min(self.idle_timeout)
    }

    /// How often the server pings: the heartbeat interval, or the idle timeout when that is
    /// shorter (idleness is checked on each beat).
    pub fn heartbeat(&self) -> Duration {
        self.heartbeat_interval.min(self.idle_timeout)
    }
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            // A long, detailed question is a few hundred words; more is pasted text.
            max_question_chars: 2000,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            // Five minutes of nothing: the visitor has left the tab, not paused to think.
            idle_timeout: Duration::from_secs(300),
            // Pings keep NAT and proxies from dropping quiet sockets: well under the 60 s most
            // of them allow an idle connection.
            heartbeat_interval: Duration::from_secs(20),
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use case; it also holds the resume being answered about (reloaded when edited).
    pub chat: ChatService,
    pub ws: WsSettings,
    /// Cancelled when the server begins to shut down: sockets finish the answer in flight,
    /// then close with 1001.
    pub shutdown: CancellationToken,
    /// Cancelled when the shutdown grace runs out: answers still in flight are stopped and
    /// stored as they stand, and their clients told the server is restarting.
    pub shutdown_deadline: CancellationToken,
    /// True when answers come from the built-in offline answerer.
    pub offline: bool,
    /// Connection and question limits, shared by every worker.
    pub limits: Arc<limits::Limits>,
    /// Renders `/metrics`; `None` serves 404 there.
    pub metrics: Option<MetricsRender>,
    /// The chat page's Content-Security-Policy: its `frame-ancestors` are the sites that may
    /// embed it (`FRAME_ANCESTORS`).
    pub page_csp: String,
    /// The owner's area (`/admin`, `/api/admin/…`), when `ADMIN_TOKEN` is set.
    pub owner: Option<OwnerArea>,
    /// How long conversations are kept after their last message (`RETENTION_DAYS`), for the
    /// page's notice; `None`: until erased.
    pub retention_days: Option<u32>,
}

/// A resource that answers GET, and HEAD with the same status and headers and no body
/// (actix-http leaves out the body of a response to HEAD). Uptime monitors, link checkers and
/// `curl -I` use HEAD.
pub(crate) fn get_or_head<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    use actix_web::guard;
    resource(path).route(
        actix_web::web::route()
            .guard(guard::Any(guard::Get()).or(guard::Head()))
            .to(handler),
    )
}

/// Registers every route of the service.
pub fn configure(state: AppState) -> impl FnOnce(&mut ServiceConfig) {
    move |cfg| {
        // Without `ADMIN_TOKEN` the owner's routes are not registered at all: a bare 404, as for
        // any path that does not exist.
        if state.owner.is_some() {
            cfg.configure(admin::routes);
        }
        cfg.app_data(Data::new(state))
            .app_data(
                JsonConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|err, _| ApiError::Validation(err.to_string()).into()),
            )
            // No route takes a body larger than this; anything bigger is refused with 413.
            .app_data(PayloadConfig::new(64 * 1024))
            .app_data(
                PathConfig::default()
                    .error_handler(|err, _| ApiError::Validation(err.to_string()).into()),
            )
            .app_data(
                QueryConfig::default()
                    .error_handler(|err, _| ApiError::Validation(err.to_string()).into()),
            )
            .app_data(
                FormConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|err, _| ApiError::Validation(err.to_string()).into()),
            )
            .service(resource("/ws").get(ws::connect))
            .configure(http::routes)
            .configure(prometheus::routes)
            .configure(openapi::routes)
            .configure(web::routes);
    }
}
