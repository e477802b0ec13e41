//! Start-up time: from spawning the server to its first `200` on a readiness URL.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long one probe may take to connect or answer: loopback answers in well under this.
const PROBE_TIMEOUT: Duration = Duration::from_millis(200);

/// A plain `http://host:port/path` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    pub addr: SocketAddr,
    pub host: String,
    pub path: String,
}

/// Reads `http://127.0.0.1:8000/ready`; only literal IP addresses (loopback benchmarks).
///
/// # Errors
/// A sentence naming what is wrong.
pub fn parse_http_url(url: &str) -> Result<HttpUrl, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url:?} is not an http:// URL"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr: SocketAddr = host
        .parse()
        .map_err(|_| format!("{host:?} is not an IP address and port"))?;
    Ok(HttpUrl {
        addr,
        host: host.to_owned(),
        path: path.to_owned(),
    })
}

/// The status code of one `GET`, or `None` when nothing answered.
pub fn probe(url: &HttpUrl) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&url.addr, PROBE_TIMEOUT).ok()?;
    stream.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    stream.set_nodelay(true).ok()?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        url.path, url.host
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 32];
    let mut got = 0;
    while got < 12 {
        let n = stream.read(&mut head[got..]).ok()?;
        if n == 0 {
            break;
        }
        got += n;
    }
    status_of(&head[..got])
}

/// The status of an HTTP/1.x status line.
pub fn status_of(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?;
    let mut parts = line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.get(..3)?.parse().ok()
}

/// Polls `url` every `every` until it answers 200, or `limit` passes; the time it took.
pub fn wait_ready(
    url: &HttpUrl,
    began: Instant,
    every: Duration,
    limit: Duration,
) -> Option<Duration> {
    while began.elapsed() < limit {
        if probe(url) == Some(200) {
            return Some(began.elapsed());
        }
        std::thread::sleep(every);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls_and_status_lines() {
        let url = parse_http_url("http://127.0.0.1:8000/ready").expect("valid");
        assert_eq!(url.addr.port(), 8000);
        assert_eq!(url.path, "/ready");
        assert!(parse_http_url("https://x/ready").is_err());
        assert!(parse_http_url("http://localhost:80/").is_err());
        assert_eq!(status_of(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(status_of(b"HTTP/1.1 503 Service"), Some(503));
        assert_eq!(status_of(b"garbage"), None);
    }
}
