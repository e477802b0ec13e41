//! The chat page and the API documentation, served from files embedded in the binary: the
//! server needs neither the checkout nor the network to show them.
//!
//! - `/` the chat page (`web/index.html`) and `/static/…` its script (with markdown-it, vendored
//!   under `web/vendor/`), styles and icon;
//! - `/embed.js` the widget a portfolio site adds with one script tag (the chat page in a frame,
//!   `/?embed=1`);
//! - `/openapi.json`, `/docs` (Swagger UI, vendored by `utoipa-swagger-ui`), `/redoc` (ReDoc,
//!   vendored under `web/vendor/` from the npm registry) and `/docs/websocket` (the protocol).
//!
//! Every file is revalidated on each use (`Cache-Control: no-cache` with an `ETag`), so a new
//! release shows at once while an unchanged file costs a `304`.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, middleware, web};
use utoipa_swagger_ui::Config;

use crate::AppState;
use crate::security::{DOCS_CSP, PAGE_CSP};

/// A file of `web/`, as compiled in.
struct Asset {
    /// Its name under `/static/`.
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../../web/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// What `/static/{file}` serves; anything else is a 404.
static ASSETS: &[Asset] = &[
    asset!("app.js", JS),
    asset!("markdown.js", JS),
    asset!("app.css", CSS),
    asset!("docs.css", CSS),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("vendor/redoc.standalone.js", JS),
    asset!("vendor/markdown-it.min.js", JS),
];

const INDEX_HTML: &[u8] = include_bytes!("../../../web/index.html");
const EMBED_JS: &[u8] = include_bytes!("../../../web/embed.js");
const REDOC_HTML: &[u8] = include_bytes!("../../../web/redoc.html");
const SWAGGER_HTML: &[u8] = include_bytes!("../../../web/swagger.html");
const WEBSOCKET_HTML: &[u8] = include_bytes!("../../../web/websocket.html");

/// Swagger UI's settings: our document, no remote validator, the plain layout.
static SWAGGER_CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["/openapi.json"])
            .use_base_layout()
            .validator_url("none")
            .try_it_out_enabled(true)
            .display_request_duration(true),
    )
});

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    // Resources (not `cfg.route`) so that other methods get 405 rather than 404.
    cfg.service(crate::get_or_head("/", index))
        .service(crate::get_or_head("/embed.js", embed_script))
        .service(crate::get_or_head("/redoc", redoc))
        .service(
            web::scope("/static")
                .wrap(middleware::Compress::default())
                .service(crate::get_or_head("/{file:.*}", asset)),
        )
        .service(
            // `NormalizePath::trim` turns `/docs/` into `/docs`; the page's links are absolute,
            // so both work.
            web::scope("/docs")
                .wrap(middleware::Compress::default())
                .service(crate::get_or_head("", swagger_ui))
                .service(crate::get_or_head("/websocket", websocket_docs))
                .service(crate::get_or_head("/{file:.*}", swagger_file)),
        );
}

/// The chat page.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    responses((status = 200, description = "The chat page", content_type = "text/html")),
)]
pub(crate) async fn index(req: HttpRequest) -> HttpResponse {
    // The policy built from `FRAME_ANCESTORS`; the never-framed default where the app has no
    // state (the page served alone, as in this module's tests).
    let csp = req
        .app_data::<web::Data<AppState>>()
        .map_or(PAGE_CSP, |state| state.page_csp.as_str());
    page(&req, INDEX_HTML, csp)
}

/// The chat widget: one `<script src=".../embed.js" defer>` on a portfolio site adds a button
/// and a panel holding the chat page in a frame. Host sites must be in `FRAME_ANCESTORS`.
#[utoipa::path(
    get,
    path = "/embed.js",
    tag = "pages",
    responses(
        (status = 200, description = "The widget's script; `ETag` and `Cache-Control: no-cache`",
            content_type = "text/javascript"),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
    ),
)]
pub(crate) async fn embed_script(req: HttpRequest) -> HttpResponse {
    cached(&req, JS, EMBED_JS)
}

/// The chat page's script, styles and icon, and the vendored markdown-it and ReDoc bundles.
#[utoipa::path(
    get,
    path = "/static/{file}",
    tag = "pages",
    params(("file" = String, Path, description = "e.g. `app.js`, `app.css`")),
    responses(
        (status = 200, description = "The file; `ETag` and `Cache-Control: no-cache`"),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 404, description = "No such file"),
    ),
)]
pub(crate) async fn asset(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == file.as_str()) {
        Some(asset) => cached(&req, asset.content_type, asset.bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// This API description, rendered by Swagger UI.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "pages",
    responses((status = 200, description = "Swagger UI", content_type = "text/html")),
)]
pub(crate) async fn swagger_ui(req: HttpRequest) -> HttpResponse {
    page(&req, SWAGGER_HTML, DOCS_CSP)
}

/// This API description, rendered by ReDoc.
#[utoipa::path(
    get,
    path = "/redoc",
    tag = "pages",
    responses((status = 200, description = "ReDoc", content_type = "text/html")),
)]
pub(crate) async fn redoc(req: HttpRequest) -> HttpResponse {
    page(&req, REDOC_HTML, DOCS_CSP)
}

/// The WebSocket protocol: frames, error codes, close codes, with examples.
#[utoipa::path(
    get,
    path = "/docs/websocket",
    tag = "pages",
    responses((status = 200, description = "The protocol, as a page", content_type = "text/html")),
)]
pub(crate) async fn websocket_docs(req: HttpRequest) -> HttpResponse {
    page(&req, WEBSOCKET_HTML, PAGE_CSP)
}

/// Swagger UI's own files (`swagger-ui-bundle.js`, …), from the vendored distribution.
async fn swagger_file(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    match utoipa_swagger_ui::serve(&file, SWAGGER_CONFIG.clone()) {
        Ok(Some(found)) => {
            let content_type = if found.content_type.starts_with("text/")
                || found.content_type == "application/javascript"
            {
                format!("{}; charset=utf-8", found.content_type)
            } else {
                found.content_type
            };
            let mut response = cached(&req, &content_type, &found.bytes);
            if found.gzpipped {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(error) => {
            tracing::error!(%error, file = %file, "Swagger UI file could not be served");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// An HTML page with its Content-Security-Policy.
fn page(req: &HttpRequest, bytes: &'static [u8], csp: &str) -> HttpResponse {
    let mut response = cached(req, HTML, bytes);
    // Our own constants, or a policy built from origins `FramingSettings::check` accepted.
    if let Ok(value) = HeaderValue::from_str(csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `bytes` with an `ETag`, or `304 Not Modified` when the client already has them.
pub(crate) fn cached(req: &HttpRequest, content_type: &str, bytes: &[u8]) -> HttpResponse {
    let etag = etag(bytes);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // Weak comparison (RFC 9110 13.1.2): `W/` does not matter.
            let ours = etag.trim_start_matches("W/");
            v.split(',')
                .map(|t| t.trim())
                .any(|t| t == "*" || t.trim_start_matches("W/") == ours)
        });
    let mut builder = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        builder.finish()
    } else {
        builder.content_type(content_type).body(bytes.to_vec())
    }
}

/// A validator for `bytes`: the same build always serves the same tags. Weak, because the
/// `Compress` middleware may send the same content gzipped.
fn etag(bytes: &[u8]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("W/\"{:016x}-{:x}\"", hasher.finish(), bytes.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use actix_web::App;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;

    use super::*;

    async fn get(uri: &str, if_none_match: Option<&str>) -> actix_web::dev::ServiceResponse {
        let app = actix_test::init_service(
            App::new()
                .configure(routes)
                .configure(crate::openapi::routes),
        )
        .await;
        let mut req = actix_test::TestRequest::get().uri(uri);
        if let Some(tag) = if_none_match {
            req = req.insert_header((header::IF_NONE_MATCH, tag));
        }
        actix_test::call_service(&app, req.to_request()).await
    }

    fn header_of(response: &actix_web::dev::ServiceResponse, name: header::HeaderName) -> String {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    #[actix_web::test]
    async fn serves_the_page_with_a_strict_policy() {
        let response = get("/", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_of(&response, header::CONTENT_TYPE), HTML);
        let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("script-src 'self';"), "{csp}");
        let body = actix_test::read_body(response).await;
        let body = std::str::from_utf8(&body).unwrap();
        assert!(body.contains("/static/app.js"));
    }

    #[actix_web::test]
    async fn serves_assets_with_types_and_revalidation() {
        for (uri, content_type) in [
            ("/static/app.js", JS),
            ("/static/app.css", CSS),
            ("/static/markdown.js", JS),
            ("/embed.js", JS),
            ("/static/vendor/redoc.standalone.js", JS),
            ("/static/vendor/markdown-it.min.js", JS),
            ("/static/favicon.svg", "image/svg+xml"),
        ] {
            let response = get(uri, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type);
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
            let tag = header_of(&response, header::ETAG);
            assert!(tag.starts_with("W/\""), "{uri}: {tag}");
            let again = get(uri, Some(&tag)).await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{uri}");
        }
        assert_eq!(
            get("/static/../Cargo.toml", None).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("/static/nothing.js", None).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    #[actix_web::test]
    async fn serves_the_documentation_offline() {
        let spec = get("/openapi.json", None).await;
        assert_eq!(spec.status(), StatusCode::OK);
        let spec: serde_json::Value =
            serde_json::from_slice(&actix_test::read_body(spec).await).unwrap();
        assert_eq!(spec["info"]["title"], "Resume chat");

        for uri in ["/docs", "/redoc", "/docs/websocket"] {
            let response = get(uri, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), HTML, "{uri}");
        }
        for uri in [
            "/docs/swagger-ui-bundle.js",
            "/docs/swagger-ui.css",
            "/docs/swagger-initializer.js",
        ] {
            let response = get(uri, None).await;
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
        }
        let init = actix_test::read_body(get("/docs/swagger-initializer.js", None).await).await;
        let init = std::str::from_utf8(&init).unwrap();
        assert!(init.contains("/openapi.json"), "{init}");
        assert!(!init.contains("petstore"), "{init}");
    }

    /// True when `html` has an attribute like ` onclick=`.
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name_len = rest.chars().take_while(char::is_ascii_lowercase).count();
            name_len > 0 && rest[name_len..].starts_with('=')
        })
    }

    #[test]
    fn pages_are_self_contained_and_have_no_inline_code() {
        for page in [INDEX_HTML, REDOC_HTML, SWAGGER_HTML, WEBSOCKET_HTML] {
            let page = std::str::from_utf8(page).unwrap();
            for needle in ["src=\"http", "href=\"http", "<script>", "<style", "style="] {
                assert!(!page.contains(needle), "{needle:?} in a page:\n{page}");
            }
            assert!(!has_inline_handler(page), "an inline handler in:\n{page}");
        }
        assert!(has_inline_handler("<a onclick=\"x\">"));
    }
}
