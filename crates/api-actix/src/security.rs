//! The security headers of every response, in one place: the strict Content-Security-Policy of
//! the chat page is the default for everything; the API documentation pages replace it with
//! theirs (see `web`), since their bundles inject styles and build workers at run time.

use actix_web::middleware::DefaultHeaders;

/// The chat page, and every response that sets no policy of its own, loads nothing but its own
/// origin; no inline script or style is allowed, so an answer that slipped past the Markdown
/// renderer still could not run.
pub(crate) const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Swagger UI and ReDoc inject styles and build workers from blobs at run time, so inline
/// styles and blob workers are allowed; scripts come from our origin only (both pages load
/// their bundles from files), and images and requests are held to it too (ReDoc's footer would
/// otherwise fetch its logo from a CDN, and Swagger UI would call a remote validator).
pub(crate) const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The headers every response carries unless its handler set them (a page its own CSP).
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", PAGE_CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
}
