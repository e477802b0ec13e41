//! The security headers of every response, in one place: the strict Content-Security-Policy of
//! the chat page is the default for everything; the API documentation pages replace it with
//! theirs (see `web`), since their bundles inject styles and build workers at run time. Only
//! the chat page itself may be framed, and only by the sites `FRAME_ANCESTORS` names.

use actix_web::middleware::DefaultHeaders;
use serde::Deserialize;

/// The chat page's policy before its `frame-ancestors` directive: it loads nothing but its own
/// origin, and no inline script or style is allowed, so an answer that slipped past the
/// Markdown renderer still could not run.
const PAGE_CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'";

/// Every response that sets no policy of its own (and the protocol's documentation page): the
/// page's policy, never framed.
pub(crate) const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Who may show the chat page in a frame (`FRAME_ANCESTORS`): the origins of the sites that
/// embed it. Empty (the default): no site, not even this one.
#[serde_with::serde_as]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct FramingSettings {
    /// Origins, `https://host[:port]` (or `http://` for a local site).
    #[serde_as(as = "config_values::CommaList")]
    pub frame_ancestors: Vec<String>,
}

impl FramingSettings {
    /// Checks that each entry is an origin and nothing more: a path, a wildcard or another
    /// scheme would be read by browsers in ways an owner would not expect.
    ///
    /// # Errors
    /// A message naming `FRAME_ANCESTORS` and the entry.
    pub fn check(&self) -> Result<(), String> {
        for origin in &self.frame_ancestors {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let host_port = rest.map(|r| r.trim_end_matches('/'));
            let valid = host_port.is_some_and(|h| {
                !h.is_empty()
                    && h.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                    })
            });
            if !valid {
                return Err(format!(
                    "FRAME_ANCESTORS: {origin:?} is not an origin; give each site that embeds \
                     the chat as scheme://host[:port], e.g. https://portfolio.example"
                ));
            }
        }
        Ok(())
    }

    /// Whether any site may frame the chat page.
    pub fn allows_framing(&self) -> bool {
        !self.frame_ancestors.is_empty()
    }

    /// The chat page's Content-Security-Policy, with these sites as its frame ancestors.
    pub fn page_csp(&self) -> String {
        if !self.allows_framing() {
            return PAGE_CSP.to_owned();
        }
        let sources: Vec<&str> = self
            .frame_ancestors
            .iter()
            .map(|o| o.trim_end_matches('/'))
            .collect();
        format!("{PAGE_CSP_BASE}; frame-ancestors {}", sources.join(" "))
    }
}

/// Swagger UI and ReDoc inject styles and build workers from blobs at run time, so inline
/// styles and blob workers are allowed; scripts come from our origin only (both pages load
/// their bundles from files), and images and requests are held to it too (ReDoc's footer would
/// otherwise fetch its logo from a CDN, and Swagger UI would call a remote validator).
pub(crate) const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The headers every response carries unless its handler set them (a page its own CSP).
/// `X-Frame-Options: DENY` is left out when some site may frame the chat page: it has no
/// allow-list and would override the page's `frame-ancestors` in older browsers; every other
/// response still refuses framing through its CSP.
pub fn security_headers(framing: &FramingSettings) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", PAGE_CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    if framing.allows_framing() {
        headers
    } else {
        headers.add(("X-Frame-Options", "DENY"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(origins: &[&str]) -> FramingSettings {
        FramingSettings {
            frame_ancestors: origins.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    #[test]
    fn by_default_nothing_may_frame_the_page() {
        let none = framing(&[]);
        assert!(!none.allows_framing());
        assert!(none.page_csp().ends_with("frame-ancestors 'none'"));
        assert_eq!(none.check(), Ok(()));
    }

    #[test]
    fn listed_origins_become_the_pages_frame_ancestors() {
        let two = framing(&["https://portfolio.example", "http://localhost:3000/"]);
        assert_eq!(two.check(), Ok(()));
        let csp = two.page_csp();
        assert!(
            csp.ends_with("; frame-ancestors https://portfolio.example http://localhost:3000"),
            "{csp}"
        );
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self';"),
            "{csp}"
        );
        assert_eq!(csp.matches("frame-ancestors").count(), 1);
    }

    #[test]
    fn entries_that_are_not_origins_are_refused_by_name() {
        for bad in [
            "*",
            "portfolio.example",
            "https://portfolio.example/path",
            "javascript:alert(1)",
            "https://",
            "https://a.example; script-src *",
            "'self'",
        ] {
            let error = framing(&[bad]).check().err().unwrap_or_default();
            assert!(error.starts_with("FRAME_ANCESTORS:"), "{bad}: {error}");
        }
    }
}
