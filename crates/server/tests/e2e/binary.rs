//! The real `resume-chat` binary on a free port, and a WebSocket client that writes raw frames
//! (for frames no well-behaved client library will send).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::helpers::{WsClient, resume_path};

/// Longest wait for the binary to answer `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server process, killed when dropped.
pub struct Binary {
    pub port: u16,
    pub child: Child,
    pub http: reqwest::Client,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Binary {
    /// Starts the binary with `DATABASE_URL` and `env` (offline answers unless `env` sets a key);
    /// its log goes to `log_file` when given.
    pub async fn start(
        db_url: &str,
        env: &[(&str, &str)],
        log_file: Option<&std::path::Path>,
    ) -> Self {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_resume-chat"));
        command
            .env("PORT", port.to_string())
            .env("DATABASE_URL", db_url)
            .env("RESUME_PATH", resume_path())
            .env("LOG_LEVEL", "warn")
            .env("RATE_LIMIT_PER_MINUTE", "1000")
            .env_remove("OPENROUTER_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        // The log goes to standard output; errors at start to standard error.
        match log_file {
            Some(path) => {
                let file = std::fs::File::create(path).expect("log file");
                command.stderr(file.try_clone().expect("log file"));
                command.stdout(file);
            }
            None => {
                command.stderr(Stdio::null());
            }
        }
        let child = command.spawn().expect("the binary starts");
        let binary = Self {
            port,
            child,
            http: reqwest::Client::new(),
        };
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        while binary.status("/health").await != Some(200) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the binary never answered /health"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        binary
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn status(&self, path: &str) -> Option<u16> {
        self.http
            .get(self.url(path))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// A WebSocket client on `path_and_query` (e.g. `/ws?session_id=…`), with extra headers.
    pub async fn connect(&self, path_and_query: &str, headers: &[(&str, &str)]) -> WsClient {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://127.0.0.1:{}{path_and_query}", self.port)
            .into_client_request()
            .expect("request");
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                value.parse().expect("header value"),
            );
        }
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket connects");
        WsClient { stream }
    }

    pub fn pid(&self) -> String {
        self.child.id().expect("still running").to_string()
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.pid()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    /// SIGTERM, then waits for a clean exit.
    pub async fn stop(self) {
        self.signal("TERM");
        self.stop_signalled().await;
    }

    /// Waits for a clean exit after a signal was sent.
    pub async fn stop_signalled(mut self) {
        let status = tokio::time::timeout(Duration::from_secs(40), self.child.wait())
            .await
            .expect("the server exits")
            .expect("wait");
        assert!(status.success(), "clean exit: {status}");
    }
}

/// A WebSocket client speaking frames by hand over TCP.
pub struct RawSocket<S> {
    pub stream: S,
}

impl RawSocket<TcpStream> {
    /// Opens `/ws` on `stream` (already connected) and reads the upgrade response.
    pub async fn open(mut stream: TcpStream, port: u16) -> Self {
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            let n = stream.read(&mut byte).await.expect("read");
            assert_eq!(n, 1, "the server closed during the upgrade");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        Self { stream }
    }

    pub async fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        Self::open(stream, port).await
    }
}

/// A client frame header (masked with a zero key, so the payload goes as it is).
pub fn frame_header(fin: bool, opcode: u8, length: u64) -> Vec<u8> {
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    if length < 126 {
        out.push(0x80 | length as u8);
    } else if length <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(length as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&length.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

pub fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = frame_header(fin, opcode, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

impl<S: AsyncWrite + Unpin> RawSocket<S> {
    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }
}

impl<S: AsyncRead + Unpin> RawSocket<S> {
    /// The next server frame: (opcode, payload); `None` at EOF.
    pub async fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.stream.read_exact(&mut head).await.ok()?;
        let length = match head[1] & 0x7F {
            126 => {
                let mut ext = [0u8; 2];
                self.stream.read_exact(&mut ext).await.ok()?;
                u64::from(u16::from_be_bytes(ext))
            }
            127 => {
                let mut ext = [0u8; 8];
                self.stream.read_exact(&mut ext).await.ok()?;
                u64::from_be_bytes(ext)
            }
            short => u64::from(short),
        };
        let mut payload = vec![0u8; usize::try_from(length).ok()?];
        self.stream.read_exact(&mut payload).await.ok()?;
        Some((head[0] & 0x0F, payload))
    }

    /// The close code the server sends, skipping other frames; `None` when it closes without
    /// one. Fails the test after 15 s.
    pub async fn close_code(&mut self) -> Option<u16> {
        tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                match self.next_frame().await {
                    Some((0x8, payload)) if payload.len() >= 2 => {
                        return Some(u16::from_be_bytes([payload[0], payload[1]]));
                    }
                    Some((0x8, _)) | None => return None,
                    Some(_) => {}
                }
            }
        })
        .await
        .expect("the server closes within 15 s")
    }
}
