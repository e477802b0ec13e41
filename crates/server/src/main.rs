//! `resume-chat`: runs the server until SIGINT or SIGTERM.

use std::process::ExitCode;

use server::{Application, Settings, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("resume-chat: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_level, settings.log_format());
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
