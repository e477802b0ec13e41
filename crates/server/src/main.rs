//! `resume-chat`: runs the server until SIGINT or SIGTERM. `resume-chat --print-resume` prints
//! the resume text the model will see, as read from `RESUME_PATH`, and exits.

use std::process::ExitCode;

use server::{Application, Settings, telemetry};

const USAGE: &str = "usage: resume-chat [--print-resume]

Serves the resume chat (configured by environment variables, .env or resume-chat.toml).
  --print-resume  print the resume text the model will see, as read from RESUME_PATH, and exit";

/// jemalloc, not the system's malloc: an answer allocates and frees hundreds of small buffers
/// across threads, where glibc's malloc spent a fifth of the server's CPU (BENCHMARKS.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let print_resume = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--print-resume"] => true,
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("resume-chat: {err}");
            return ExitCode::from(2);
        }
    };
    if print_resume {
        return match resume_loader::load_resume(&settings.server.resume_path) {
            Ok(resume) => {
                println!("{}", resume.text());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("resume-chat: {err}");
                ExitCode::FAILURE
            }
        };
    }
    telemetry::init(&settings.log);
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("resume-chat: {err}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("resume-chat: {err}");
            ExitCode::FAILURE
        }
    }
}
