//! `fake-llm` binary: serves a scripted OpenAI-compatible model on loopback, for benchmarks and
//! trying the chat service by hand without a provider account.
//!
//! ```text
//! fake-llm [--port 8080] [--ttft-ms 200] [--token-ms 20] [--answer "text" | --echo]
//! ```

use std::process::ExitCode;
use std::time::Duration;

use fake_llm::FakeLlm;

/// The port when none is given: a fixed one, so a server configured once keeps finding it.
const DEFAULT_PORT: u16 = 8089;

const USAGE: &str =
    "usage: fake-llm [--port N] [--ttft-ms N] [--token-ms N] [--answer TEXT | --echo]

Serves an OpenAI-compatible API on http://127.0.0.1:PORT/v1 that streams the answer word by word.
  --port N       port to listen on (default 8089; 0 = any free port)
  --ttft-ms N    milliseconds before the first word (default 0)
  --token-ms N   milliseconds between words (default 0)
  --answer TEXT  the answer to every question (default: a fixed sentence)
  --echo         answer each question with the question itself";

#[derive(Debug)]
struct Args {
    port: u16,
    ttft: Duration,
    token: Duration,
    answer: Option<String>,
    echo: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: DEFAULT_PORT,
        ttft: Duration::ZERO,
        token: Duration::ZERO,
        answer: None,
        echo: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                parsed.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?;
            }
            "--ttft-ms" => parsed.ttft = millis("--ttft-ms", &value("--ttft-ms")?)?,
            "--token-ms" => parsed.token = millis("--token-ms", &value("--token-ms")?)?,
            "--answer" => parsed.answer = Some(value("--answer")?),
            "--echo" => parsed.echo = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(parsed))
}

fn millis(name: &str, value: &str) -> Result<Duration, String> {
    value
        .parse()
        .map(Duration::from_millis)
        .map_err(|e| format!("{name}: {e}"))
}

/// jemalloc, as the chat server uses: parsing each request's prompt allocates hundreds of
/// values, and glibc's malloc took a third of the fake's CPU in the benchmarks.
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("fake-llm: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // A process of its own serves benchmarks and manual runs: nobody reads its record.
    let mut builder = FakeLlm::builder()
        .without_recording()
        .port(args.port)
        .time_to_first_token(args.ttft)
        .token_delay(args.token);
    if let Some(answer) = args.answer {
        builder = builder.answer(answer);
    }
    if args.echo {
        builder = builder.echo();
    }
    let fake = match builder.spawn().await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("fake-llm: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        base_url = %fake.base_url(),
        ttft_ms = args.ttft.as_millis() as u64,
        token_ms = args.token.as_millis() as u64,
        "fake-llm listening; set LLM_BASE_URL to the base_url (any API key works)"
    );

    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::error!(%error, "cannot wait for Ctrl-C; stopping");
    }
    tracing::info!("fake-llm stopping");
    fake.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_all_flags() {
        let args = parse(&[
            "--port",
            "0",
            "--ttft-ms",
            "200",
            "--token-ms",
            "20",
            "--answer",
            "hi there",
        ])
        .ok()
        .flatten();
        let Some(args) = args else {
            panic!("flags should parse");
        };
        assert_eq!(args.port, 0);
        assert_eq!(args.ttft, Duration::from_millis(200));
        assert_eq!(args.token, Duration::from_millis(20));
        assert_eq!(args.answer.as_deref(), Some("hi there"));
    }

    #[test]
    fn refuses_unknown_and_incomplete_flags() {
        assert!(parse(&["--nope"]).is_err());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
    }
}
