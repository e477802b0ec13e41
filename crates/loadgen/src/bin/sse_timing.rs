//! `sse-timing`: the model's own timing, measured straight at an OpenAI-compatible streaming
//! endpoint (fake-llm), so that what the chat server adds can be told from what the model does.
//!
//! ```text
//! sse-timing --url http://127.0.0.1:PORT/v1/chat/completions --requests 20 --ttft-ms 200 --token-ms 20
//! ```
//! Reports how much later than announced the first token and each following token arrive.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use loadgen::startup::parse_http_url;
use loadgen::stats::Latency;

/// Most requests accepted: a bound on the loop.
const MAX_REQUESTS: usize = 1000;
/// Longest one streamed answer may take.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Measures a streaming model's time to first token and gaps between tokens.
#[derive(Debug, Parser)]
#[command(name = "sse-timing", version, about)]
struct Args {
    /// The chat completions URL (http://IP:PORT/v1/chat/completions).
    #[arg(long)]
    url: String,
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Announced time to first token, ms.
    #[arg(long)]
    ttft_ms: f64,
    /// Announced time between tokens, ms.
    #[arg(long)]
    token_ms: f64,
    /// Also append the JSON line to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let url = match parse_http_url(&args.url) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("sse-timing: {e}");
            return ExitCode::from(2);
        }
    };
    if args.requests == 0 || args.requests > MAX_REQUESTS {
        eprintln!("sse-timing: --requests must be 1..={MAX_REQUESTS}");
        return ExitCode::from(2);
    }
    let body =
        r#"{"model":"timing","stream":true,"messages":[{"role":"user","content":"timing"}]}"#;
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAuthorization: Bearer timing\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        url.path,
        url.host,
        body.len()
    );
    let mut first_late = Latency::new();
    let mut gap_late = Latency::new();
    let mut failures = 0u32;
    for _ in 0..args.requests {
        match one(&url.addr, &request) {
            Some(arrivals) if !arrivals.is_empty() => {
                first_late.record_signed_micros((arrivals[0] - args.ttft_ms) * 1000.0);
                for pair in arrivals.windows(2) {
                    gap_late.record_signed_micros((pair[1] - pair[0] - args.token_ms) * 1000.0);
                }
            }
            _ => failures += 1,
        }
    }
    let json = serde_json::json!({
        "tool": "sse-timing",
        "url": args.url,
        "requests": args.requests,
        "failures": failures,
        "ttft_ms": args.ttft_ms,
        "token_ms": args.token_ms,
        "first_token_late_ms": first_late.summary(),
        "token_gap_late_ms": gap_late.summary(),
    })
    .to_string();
    if let (Some(f), Some(g)) = (first_late.summary(), gap_late.summary()) {
        println!(
            "sse-timing: the model itself: first token later than {} ms by p50 {:.2} / p99 {:.2} ms; each gap later than {} ms by p50 {:.2} / p99 {:.2} ms",
            args.ttft_ms, f.p50, f.p99, args.token_ms, g.p50, g.p99
        );
    }
    if !loadgen::report::emit_json_line("sse-timing", &json, args.json_out.as_deref()) {
        return ExitCode::FAILURE;
    }
    if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Sends one request; the arrival time (ms after sending) of each read holding content.
fn one(addr: &std::net::SocketAddr, request: &str) -> Option<Vec<f64>> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_nodelay(true).ok()?;
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    let sent = Instant::now();
    stream.write_all(request.as_bytes()).ok()?;
    let mut arrivals = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&buf[..n]);
        let pieces = text.matches("\"content\":\"").count();
        let at = sent.elapsed().as_secs_f64() * 1000.0;
        // Pieces that came in one read arrived together.
        arrivals.extend(std::iter::repeat_n(at, pieces));
    }
    Some(arrivals)
}
