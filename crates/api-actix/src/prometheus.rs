//! `GET /metrics`: the Prometheus text exposition of what the server counts.

use std::sync::Arc;

use actix_web::{HttpResponse, web};

use crate::AppState;

/// Renders the metrics text. The server installs the recorder and hands this in, so this crate
/// depends only on the `metrics` facade, not on an exporter.
#[derive(Clone)]
pub struct MetricsRender(pub Arc<dyn Fn() -> String + Send + Sync>);

impl std::fmt::Debug for MetricsRender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsRender")
    }
}

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::get_or_head("/metrics", render));
}

async fn render(state: web::Data<AppState>) -> HttpResponse {
    match &state.metrics {
        Some(MetricsRender(render)) => {
            metrics::gauge!("resume_chat_ws_open_sockets").set(state.limits.open_sockets() as f64);
            HttpResponse::Ok()
                .content_type("text/plain; version=0.0.4; charset=utf-8")
                .body(render())
        }
        None => HttpResponse::NotFound().finish(),
    }
}
