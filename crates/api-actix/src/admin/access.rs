//! Who may enter the owner's area: the holder of `ADMIN_TOKEN`, as a bearer header (API
//! clients) or as the signed session cookie the sign-in form sets (the page).
//!
//! - The token is compared in constant time.
//! - Every wrong token (at sign-in or as a bearer header) takes one unit of a per-client budget;
//!   the failure past it blocks the client for a minute, during which every token it presents,
//!   even the right one, is refused unread. Guessing is held to about one try a second, while
//!   the owner's own scripts, which present the right token, are never slowed.
//! - The cookie is `Secure`, `HttpOnly`, `SameSite=Strict`, signed with a key derived from the
//!   token (a new token signs everyone out) and carries its own expiry.
//! - A request that changes something on the strength of the cookie must come from this site:
//!   its `Origin` (or, without one, its `Sec-Fetch-Site`) is checked. Bearer requests are not
//!   sent by browsers on their own, so they need no such check.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::http::header;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "resume_chat_owner";
/// How long a sign-in lasts.
const SESSION: Duration = Duration::from_secs(12 * 3600);
/// The shortest token accepted: 32 characters of a random secret are beyond guessing, and the
/// cookie key is derived from at least 32 bytes.
pub const MIN_TOKEN_CHARS: usize = 32;
/// Wrong tokens per client: a burst of this many…
const FAILURE_BURST: u32 = 60;
/// …then one more every this long: about 3,600 guesses an hour at most, against 16^32 tokens.
const FAILURE_EVERY: Duration = Duration::from_secs(1);
/// How long a client that ran out of failures is refused.
const BLOCKED_FOR: Duration = Duration::from_secs(60);
/// Blocked clients remembered at most; expired ones are dropped first.
const MAX_BLOCKED: usize = 10_000;

/// Why the owner's area could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "ADMIN_TOKEN is {0} characters long; it must be at least {MIN_TOKEN_CHARS} (a long \
         random secret, e.g. the output of `openssl rand -hex 32`)"
    )]
    TokenTooShort(usize),
}

/// The key to the owner's area.
pub struct OwnerAccess {
    token: SecretString,
    cookie_key: Key,
    failures: DefaultKeyedRateLimiter<IpAddr>,
    /// Clients refused until the instant given.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl fmt::Debug for OwnerAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerAccess")
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// How a request proved it is the owner's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    Bearer,
    Cookie,
}

impl OwnerAccess {
    /// # Errors
    /// [`AccessError::TokenTooShort`].
    pub fn new(token: SecretString) -> Result<Self, AccessError> {
        let chars = token.expose_secret().chars().count();
        if chars < MIN_TOKEN_CHARS {
            return Err(AccessError::TokenTooShort(chars));
        }
        let cookie_key = Key::derive_from(token.expose_secret().as_bytes());
        let quota = Quota::with_period(FAILURE_EVERY)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(FAILURE_BURST).unwrap_or(NonZeroU32::MIN));
        Ok(Self {
            token,
            cookie_key,
            failures: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
        })
    }

    /// Checks a token `client` presented (`None`: a malformed one).
    ///
    /// # Errors
    /// [`ApiError::RateLimited`] while the client is blocked (the token is not even looked
    /// at), or for the wrong token that ran out its budget; [`ApiError::Unauthorized`] for
    /// another wrong one.
    pub(crate) fn verify(&self, client: IpAddr, presented: Option<&str>) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(until) = blocked.get(&client).copied() {
            if until > now {
                return Err(ApiError::RateLimited {
                    retry_after: (until - now).as_secs().max(1),
                });
            }
            blocked.remove(&client);
        }
        if presented.is_some_and(|token| self.is_token(token)) {
            return Ok(());
        }
        if self.failures.check_key(&client).is_ok() {
            return Err(ApiError::Unauthorized);
        }
        if blocked.len() >= MAX_BLOCKED {
            blocked.retain(|_, until| *until > now);
        }
        if blocked.len() < MAX_BLOCKED {
            blocked.insert(client, now + BLOCKED_FOR);
        }
        Err(ApiError::RateLimited {
            retry_after: BLOCKED_FOR.as_secs(),
        })
    }

    /// Whether `presented` is the token (constant time in its content).
    pub(crate) fn is_token(&self, presented: &str) -> bool {
        self.token
            .expose_secret()
            .as_bytes()
            .ct_eq(presented.as_bytes())
            .into()
    }

    /// A fresh session cookie, signed.
    pub(crate) fn session_cookie(&self) -> Cookie<'static> {
        let expires = OffsetDateTime::now_utc() + SESSION;
        let cookie = Cookie::build(COOKIE, expires.unix_timestamp().to_string())
            .path("/")
            .secure(true)
            .http_only(true)
            .same_site(SameSite::Strict)
            .max_age(time::Duration::seconds(
                i64::try_from(SESSION.as_secs()).unwrap_or(i64::MAX),
            ))
            .finish();
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.cookie_key).add(cookie);
        jar.get(COOKIE)
            .cloned()
            .unwrap_or_else(|| Cookie::new(COOKIE, ""))
    }

    /// The cookie that signs out.
    pub(crate) fn removal_cookie() -> Cookie<'static> {
        let mut cookie = Cookie::build(COOKIE, "")
            .path("/")
            .secure(true)
            .http_only(true)
            .same_site(SameSite::Strict)
            .finish();
        cookie.make_removal();
        cookie
    }

    /// Whether the request carries a session cookie this server signed that has not expired.
    fn has_session(&self, req: &HttpRequest) -> bool {
        let Some(presented) = req.cookie(COOKIE) else {
            return false;
        };
        let mut jar = CookieJar::new();
        jar.add_original(presented);
        jar.signed(&self.cookie_key)
            .get(COOKIE)
            .and_then(|cookie| cookie.value().parse::<i64>().ok())
            .is_some_and(|expires| expires > OffsetDateTime::now_utc().unix_timestamp())
    }

    /// The owner's proof, from a bearer header first, else the session cookie.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`], or [`ApiError::RateLimited`] for a client over its budget of
    /// token attempts.
    pub(crate) fn check(&self, req: &HttpRequest, state: &AppState) -> Result<Proof, ApiError> {
        if let Some(authorization) = req.headers().get(header::AUTHORIZATION) {
            let presented = authorization
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim);
            return self
                .verify(state.limits.client_ip(req), presented)
                .map(|()| Proof::Bearer);
        }
        if self.has_session(req) {
            Ok(Proof::Cookie)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// Whether a request that changes something came from a page of this site (or from no browser
/// at all): a browser always sends `Origin` on a cross-site POST or DELETE, and
/// `Sec-Fetch-Site` when it knows where the request came from.
///
/// Our pages say `Referrer-Policy: no-referrer`, so their own form posts carry `Origin: null`;
/// then `Sec-Fetch-Site` decides, and without it an opaque origin (a sandboxed frame, a
/// `data:` page) is refused.
pub(crate) fn same_site_request(req: &HttpRequest) -> bool {
    let fetch_site = req
        .headers()
        .get("sec-fetch-site")
        .map(|site| matches!(site.to_str(), Ok("same-origin" | "none")));
    match req.headers().get(header::ORIGIN).map(|o| o.to_str().ok()) {
        Some(Some("null")) => fetch_site.unwrap_or(false),
        Some(Some(origin)) => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            host.is_some_and(|host| {
                origin
                    .split_once("://")
                    .is_some_and(|(_, rest)| rest.trim_end_matches('/').eq_ignore_ascii_case(host))
            }) && fetch_site.unwrap_or(true)
        }
        Some(None) => false,
        None => fetch_site.unwrap_or(true),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use actix_web::test::TestRequest;

    use super::*;

    fn access() -> OwnerAccess {
        OwnerAccess::new(SecretString::from("a".repeat(40))).unwrap()
    }

    #[test]
    fn a_short_token_is_refused_and_a_long_one_hidden() {
        let short = OwnerAccess::new(SecretString::from("x".repeat(31)));
        assert_eq!(short.err(), Some(AccessError::TokenTooShort(31)));
        let shown = format!("{:?}", access());
        assert!(!shown.contains("aaaa"), "{shown}");
    }

    #[test]
    fn only_the_token_itself_matches() {
        let access = access();
        assert!(access.is_token(&"a".repeat(40)));
        assert!(!access.is_token(&"a".repeat(39)));
        assert!(!access.is_token(&"a".repeat(41)));
        assert!(!access.is_token(""));
    }

    #[test]
    fn the_session_cookie_is_strict_and_verifiable() {
        let access = access();
        let cookie = access.session_cookie();
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        let signed_in = TestRequest::default()
            .cookie(cookie.clone())
            .to_http_request();
        assert!(access.has_session(&signed_in));

        // Another token's key, an edited value, or no cookie: no session.
        let other = OwnerAccess::new(SecretString::from("b".repeat(40))).unwrap();
        assert!(!other.has_session(&signed_in));
        let forged = Cookie::new(COOKIE, format!("{}9", cookie.value()));
        let forged = TestRequest::default().cookie(forged).to_http_request();
        assert!(!access.has_session(&forged));
        assert!(!access.has_session(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn wrong_tokens_run_out_per_client_and_then_even_the_right_one_waits() {
        let access = access();
        let token = "a".repeat(40);
        let client: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..FAILURE_BURST {
            assert_eq!(
                access.verify(client, Some("guess")),
                Err(ApiError::Unauthorized)
            );
            // The right token is never slowed while the budget lasts.
            assert_eq!(access.verify(client, Some(&token)), Ok(()));
        }
        assert!(matches!(
            access.verify(client, Some("guess")),
            Err(ApiError::RateLimited { .. })
        ));
        assert!(matches!(
            access.verify(client, Some(&token)),
            Err(ApiError::RateLimited { .. })
        ));
        // Another client is not blocked.
        assert_eq!(access.verify([192, 0, 2, 2].into(), Some(&token)), Ok(()));
        assert_eq!(
            access.verify([192, 0, 2, 2].into(), None),
            Err(ApiError::Unauthorized)
        );
    }

    #[test]
    fn cross_site_requests_are_told_apart() {
        let same = TestRequest::default()
            .insert_header((header::HOST, "chat.example"))
            .insert_header((header::ORIGIN, "https://chat.example"))
            .to_http_request();
        assert!(same_site_request(&same));
        let cross = TestRequest::default()
            .insert_header((header::HOST, "chat.example"))
            .insert_header((header::ORIGIN, "https://evil.example"))
            .to_http_request();
        assert!(!same_site_request(&cross));
        let fetched_cross = TestRequest::default()
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(!same_site_request(&fetched_cross));
        let not_a_browser = TestRequest::default().to_http_request();
        assert!(same_site_request(&not_a_browser));
        // Our own form under `Referrer-Policy: no-referrer`, and an opaque origin elsewhere.
        let own_form = TestRequest::default()
            .insert_header((header::ORIGIN, "null"))
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_http_request();
        assert!(same_site_request(&own_form));
        let opaque = TestRequest::default()
            .insert_header((header::ORIGIN, "null"))
            .to_http_request();
        assert!(!same_site_request(&opaque));
        let opaque_cross = TestRequest::default()
            .insert_header((header::ORIGIN, "null"))
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(!same_site_request(&opaque_cross));
    }
}
