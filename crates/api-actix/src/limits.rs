//! Abuse limits at the edge: who the client is, how many sockets it may hold, how often it may
//! ask, and which browser origins may open sockets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keyed limiter entries are pruned after this many checks, so clients that came once do not
/// stay in memory for ever.
const PRUNE_EVERY_CHECKS: u64 = 4096;

/// The limits, read straight from the configuration: each field is named by its variable.
#[serde_with::serde_as]
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    #[serde_as(as = "config_values::Bounded<1, 18446744073709551615>")]
    pub max_connections: usize,
    #[serde_as(as = "config_values::Bounded<1, 18446744073709551615>")]
    pub max_connections_per_ip: usize,
    #[serde(rename = "rate_limit_per_minute")]
    #[serde_as(as = "config_values::Bounded<1, 4294967295>")]
    pub questions_per_minute: u32,
    /// Origins (`scheme://host[:port]`) allowed besides the page's own; `*` allows any.
    #[serde_as(as = "config_values::CommaList")]
    pub allowed_origins: Vec<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    #[serde_as(as = "config_values::CommaList")]
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            // Far above one portfolio's visitors, well below the memory of a small machine
            // (a socket costs tens of KiB).
            max_connections: 10_000,
            // Several tabs, or an office behind one address, without letting one host hold
            // the server.
            max_connections_per_ip: 20,
            // A person reads an answer before asking again; a script does not.
            questions_per_minute: 20,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Why a socket was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionRefused {
    #[error("the server has too many open connections")]
    ServerFull,
    #[error("too many open connections from your address")]
    TooManyFromClient,
    #[error("this origin may not open connections")]
    OriginNotAllowed,
}

impl ConnectionRefused {
    /// A metrics label.
    pub fn label(&self) -> &'static str {
        match self {
            ConnectionRefused::ServerFull => "server_full",
            ConnectionRefused::TooManyFromClient => "too_many_from_client",
            ConnectionRefused::OriginNotAllowed => "origin",
        }
    }
}

/// Shared limit state of the whole server.
pub struct Limits {
    settings: LimitSettings,
    open: Mutex<OpenSockets>,
    questions: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

#[derive(Default)]
struct OpenSockets {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Held while a socket is open; frees its place when dropped.
#[derive(Debug)]
pub struct SocketPermit {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        let mut open = self.limits.lock_open();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Arc<Self> {
        let per_minute = NonZeroU32::new(settings.questions_per_minute).unwrap_or(NonZeroU32::MIN);
        Arc::new(Self {
            questions: RateLimiter::keyed(Quota::per_minute(per_minute)),
            settings,
            open: Mutex::new(OpenSockets::default()),
            checks: AtomicU64::new(0),
        })
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// Open sockets now.
    pub fn open_sockets(&self) -> usize {
        self.lock_open().total
    }

    fn lock_open(&self) -> std::sync::MutexGuard<'_, OpenSockets> {
        // The counters stay consistent even if a holder panicked: take them as they are.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a socket place for `ip`.
    ///
    /// # Errors
    /// [`ConnectionRefused`] when the server or this client is at its limit.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<SocketPermit, ConnectionRefused> {
        let mut open = self.lock_open();
        if open.total >= self.settings.max_connections {
            return Err(ConnectionRefused::ServerFull);
        }
        let for_ip = open.per_ip.entry(ip).or_insert(0);
        if *for_ip >= self.settings.max_connections_per_ip {
            return Err(ConnectionRefused::TooManyFromClient);
        }
        *for_ip += 1;
        open.total += 1;
        Ok(SocketPermit {
            limits: Arc::clone(self),
            ip,
        })
    }

    /// Counts a question against `ip`'s quota.
    ///
    /// # Errors
    /// How long to wait before the next question is allowed.
    pub fn check_question(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY_CHECKS
            == PRUNE_EVERY_CHECKS - 1
        {
            self.questions.retain_recent();
        }
        self.questions
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    /// `X-Forwarded-For` address that is not one.
    ///
    /// Proxies append the address they saw to the header, so only its right end is written by
    /// proxies we trust; anything to the left of the first untrusted address may have been
    /// written by the client itself. When every address is a trusted proxy, the left-most is the
    /// client; an entry that is not an address stops the walk at the last trusted hop.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        let trusted = |ip: &IpAddr| self.settings.trusted_proxies.contains(ip);
        if !trusted(&peer) {
            return peer;
        }
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            let Ok(ip) = entry.parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !trusted(&ip) {
                break;
            }
        }
        client
    }

    /// Checks a browser's `Origin` against the page's own origin and `ALLOWED_ORIGINS`.
    /// Clients that send no `Origin` (not browsers) are allowed.
    ///
    /// # Errors
    /// [`ConnectionRefused::OriginNotAllowed`].
    pub fn check_origin(&self, req: &HttpRequest) -> Result<(), ConnectionRefused> {
        let Some(origin) = req.headers().get(header::ORIGIN) else {
            return Ok(());
        };
        let Ok(origin) = origin.to_str() else {
            return Err(ConnectionRefused::OriginNotAllowed);
        };
        let origin = origin.trim_end_matches('/');
        if self
            .settings
            .allowed_origins
            .iter()
            .any(|allowed| allowed == "*" || allowed.trim_end_matches('/') == origin)
        {
            return Ok(());
        }
        // Same origin: the page served by this server (its Host header, behind any scheme).
        // The raw header, not a forwarded one: a browser cannot forge Host, but any client can
        // send X-Forwarded-Host.
        let Some(host) = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
        else {
            return Err(ConnectionRefused::OriginNotAllowed);
        };
        let same = origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
        if same {
            Ok(())
        } else {
            Err(ConnectionRefused::OriginNotAllowed)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::test::TestRequest;

    use super::*;

    fn limits(settings: LimitSettings) -> Arc<Limits> {
        Limits::new(settings)
    }

    #[test]
    fn admits_up_to_the_per_client_limit_and_frees_places() {
        let limits = limits(LimitSettings {
            max_connections_per_ip: 2,
            ..LimitSettings::default()
        });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = limits.admit(ip).unwrap();
        let _b = limits.admit(ip).unwrap();
        assert_eq!(
            limits.admit(ip).unwrap_err(),
            ConnectionRefused::TooManyFromClient
        );
        assert!(limits.admit("10.0.0.2".parse().unwrap()).is_ok());
        drop(a);
        assert!(limits.admit(ip).is_ok());
    }

    #[test]
    fn refuses_when_the_server_is_full() {
        let limits = limits(LimitSettings {
            max_connections: 1,
            ..LimitSettings::default()
        });
        let _a = limits.admit("10.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(
            limits.admit("10.0.0.2".parse().unwrap()).unwrap_err(),
            ConnectionRefused::ServerFull
        );
        assert_eq!(limits.open_sockets(), 1);
    }

    #[test]
    fn questions_beyond_the_quota_say_when_to_retry() {
        let limits = limits(LimitSettings {
            questions_per_minute: 2,
            ..LimitSettings::default()
        });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(limits.check_question(ip).is_ok());
        assert!(limits.check_question(ip).is_ok());
        let wait = limits.check_question(ip).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(30));
        assert!(limits.check_question("10.0.0.2".parse().unwrap()).is_ok());
    }

    fn client_behind(trusted: &[&str], forwarded: &[&str]) -> IpAddr {
        let limits = limits(LimitSettings {
            trusted_proxies: trusted.iter().map(|ip| ip.parse().unwrap()).collect(),
            ..LimitSettings::default()
        });
        let mut req = TestRequest::default().peer_addr("127.0.0.1:5000".parse().unwrap());
        for value in forwarded {
            req = req.append_header(("X-Forwarded-For", *value));
        }
        limits.client_ip(&req.to_http_request())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        assert_eq!(
            client_behind(&["127.0.0.1"], &["203.0.113.9"]),
            ip("203.0.113.9")
        );
        assert_eq!(client_behind(&[], &["203.0.113.9"]), ip("127.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        // The client forged the first address; the proxy appended the real one.
        assert_eq!(
            client_behind(&["127.0.0.1"], &["198.51.100.1, 203.0.113.9"]),
            ip("203.0.113.9")
        );
        // Two trusted proxies in a row, and the header split over two lines.
        assert_eq!(
            client_behind(
                &["127.0.0.1", "10.0.0.2"],
                &["198.51.100.1, 203.0.113.9", "10.0.0.2"]
            ),
            ip("203.0.113.9")
        );
        // Only trusted hops: the left-most is the client.
        assert_eq!(
            client_behind(&["127.0.0.1", "10.0.0.2"], &["10.0.0.2"]),
            ip("10.0.0.2")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_behind(
                &["127.0.0.1", "10.0.0.2"],
                &["203.0.113.9, bogus, 10.0.0.2"]
            ),
            ip("10.0.0.2")
        );
        assert_eq!(client_behind(&["127.0.0.1"], &["bogus"]), ip("127.0.0.1"));
    }

    #[test]
    fn origins_same_or_listed_are_allowed() {
        let limits = limits(LimitSettings {
            allowed_origins: vec!["https://portfolio.example".into()],
            ..LimitSettings::default()
        });
        let request = |origin: Option<&str>| {
            let mut req = TestRequest::default().insert_header(("Host", "chat.example:8000"));
            if let Some(origin) = origin {
                req = req.insert_header(("Origin", origin));
            }
            req.to_http_request()
        };
        assert!(limits.check_origin(&request(None)).is_ok());
        assert!(
            limits
                .check_origin(&request(Some("http://chat.example:8000")))
                .is_ok()
        );
        assert!(
            limits
                .check_origin(&request(Some("https://portfolio.example")))
                .is_ok()
        );
        assert_eq!(
            limits.check_origin(&request(Some("https://evil.example"))),
            Err(ConnectionRefused::OriginNotAllowed)
        );
    }
}
