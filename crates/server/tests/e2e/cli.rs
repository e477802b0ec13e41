//! The binary's command line: `--print-resume` shows what was read from each kind of file.

use std::process::Command;

fn print_resume(path: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_resume-chat"))
        .arg("--print-resume")
        .env("RESUME_PATH", path)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs")
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../resume-loader/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn print_resume_shows_the_text_the_model_will_see_for_every_format() {
    for (path, expected) in [
        (crate::helpers::resume_path(), "Maya Lindqvist"),
        (
            fixture("aoife-brennan.pdf"),
            "Moved nightly sales reporting",
        ),
        (fixture("aoife-brennan.docx"), "Designed the dbt models"),
        (
            fixture("original-service.json"),
            "Automated VLAN provisioning",
        ),
    ] {
        let output = print_resume(&path);
        assert!(output.status.success(), "{path}: {output:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(expected), "{path}:\n{text}");
    }
}

#[test]
fn print_resume_of_a_scan_says_why_it_cannot_be_read() {
    let output = print_resume(&fixture("scanned.pdf"));
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("no text layer"), "{message}");
}

#[test]
fn an_unknown_argument_prints_the_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_resume-chat"))
        .arg("--frobnicate")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--print-resume"));
}

#[test]
fn a_bad_retention_days_stops_the_start_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for value in ["abc", "0"] {
        let output = Command::new(env!("CARGO_BIN_EXE_resume-chat"))
            .env("RETENTION_DAYS", value)
            .env("RESUME_PATH", crate::helpers::resume_path())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/chat.db?mode=rwc", dir.path().display()),
            )
            // Were the value accepted, the server would start and serve until stopped: make it
            // fail instead, on an address it cannot listen on.
            .env("HOST", "192.0.2.1")
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2), "{value:?}: {output:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains("RETENTION_DAYS must be a whole number from 1 to 36500"),
            "{value:?}: {message}"
        );
    }
}
