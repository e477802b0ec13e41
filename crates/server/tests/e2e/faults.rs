//! A database that goes away and comes back, on a private PostgreSQL cluster of the test's own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::helpers::{TestApp, settings};

/// A throw-away PostgreSQL cluster (`initdb` + `pg_ctl`) on a free port, run as the `postgres`
/// user when the test runs as root (PostgreSQL refuses to run as root).
struct PrivateCluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run_as_postgres(program: &Path, args: &[&str]) -> bool {
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

impl PrivateCluster {
    fn start_new() -> Option<Self> {
        let bin = postgres_bin()?;
        let dir = tempfile::tempdir().ok()?;
        if is_root() {
            // The postgres user must own the cluster's folder.
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .ok()?;
        }
        let data = dir.path().join("data");
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let data_str = data.to_str()?;
        if !run_as_postgres(
            &bin.join("initdb"),
            &["-D", data_str, "-A", "trust", "-U", "postgres", "--no-sync"],
        ) {
            return None;
        }
        let cluster = Self {
            bin,
            data,
            port,
            _dir: dir,
        };
        cluster.start().then_some(cluster)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) -> bool {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.display()
        );
        run_as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                self.data.to_str().unwrap_or(""),
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    fn stop(&self) -> bool {
        run_as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                self.data.to_str().unwrap_or(""),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn wait_for_ready(app: &TestApp, status: u16) {
    for _ in 0..200 {
        if app.get_json("/ready").await.0 == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/ready never answered {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_is_reported_then_survived_without_a_restart_of_the_server() {
    let Some(cluster) = PrivateCluster::start_new() else {
        if std::env::var_os("CI").is_some() {
            panic!("a private PostgreSQL cluster is required in CI (initdb, pg_ctl)");
        }
        eprintln!("SKIPPED: cannot start a private PostgreSQL cluster (initdb/pg_ctl)");
        return;
    };
    let app = TestApp::spawn(settings(&cluster.url(), &[]), None).await;
    let mut ws = app.connect(None).await;
    let session = ws.recv().await["session_id"].as_str().unwrap().to_owned();
    ws.ask("Where does she work?").await;

    assert!(cluster.stop(), "the cluster stops");
    wait_for_ready(&app, 503).await;
    ws.ask_start("Still there?").await;
    let error = ws.expect_error("DATABASE_ERROR").await;
    assert!(
        error["error"].as_str().unwrap().contains("not asked"),
        "{error}"
    );
    // A socket opened while storage is down cannot load its conversation: it is told so.
    let mut late = app.connect(Some(&session)).await;
    let frame = late.recv().await;
    assert_eq!(frame["code"], "DATABASE_ERROR", "{frame}");

    assert!(cluster.start(), "the cluster starts again");
    wait_for_ready(&app, 200).await;
    let exchange = ws.ask("And now?").await;
    assert_eq!(exchange.response["finish_reason"], "stop");
    let mut resumed = app.connect(Some(&session)).await;
    assert_eq!(resumed.recv().await["resumed"], true);
    let messages = app.wait_for_messages(&session, |m| m.len() == 4).await;
    assert_eq!(messages[2]["content"], "And now?");
    app.stop().await;
}
