//! Watching the resume file: an edit is loaded and handed over without a restart; a broken
//! edit is logged (path, line, column) and the previous version kept.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use domain::Resume;
use notify::{RecursiveMode, Watcher};

use crate::load_resume;

/// Editors write a file in several steps (truncate, write, rename over it): wait until the
/// events have been quiet this long before reading it.
const SETTLE: Duration = Duration::from_millis(150);

/// Keeps the file watched while it lives.
pub struct ResumeWatcher {
    _watcher: notify::RecommendedWatcher,
}

impl std::fmt::Debug for ResumeWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResumeWatcher")
    }
}

/// Watches `path` and calls `on_change` with each edit that loads. The directory is watched,
/// not the file, so that editors that save by renaming a new file over the old one are seen.
///
/// # Errors
/// The watcher could not be set up (no inotify instances left, the directory is missing).
pub fn watch(
    path: &Path,
    on_change: impl Fn(Resume) + Send + 'static,
) -> Result<ResumeWatcher, notify::Error> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let directory = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let (events, received) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events)?;
    watcher.watch(&directory, RecursiveMode::NonRecursive)?;
    let mut last = std::fs::read(&path).ok();
    std::thread::Builder::new()
        .name("resume-watch".into())
        .spawn(move || {
            while let Ok(event) = received.recv() {
                let mut touched = is_about(&event, &path);
                // Let the writer finish; take every event that comes meanwhile.
                loop {
                    match received.recv_timeout(SETTLE) {
                        Ok(more) => touched |= is_about(&more, &path),
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
                if !touched {
                    continue;
                }
                let now = std::fs::read(&path).ok();
                if now.is_none() || now == last {
                    continue;
                }
                last = now;
                match load_resume(&path) {
                    Ok(resume) => {
                        tracing::info!(path = %path.display(), name = %resume.name, sections = resume.sections.len(), "resume reloaded");
                        on_change(resume);
                    }
                    Err(error) => tracing::error!(
                        %error,
                        "the edited resume could not be loaded; still answering from the previous version"
                    ),
                }
            }
        })
        .map_err(notify::Error::io)?;
    Ok(ResumeWatcher { _watcher: watcher })
}

fn is_about(event: &notify::Result<notify::Event>, path: &Path) -> bool {
    match event {
        Ok(event) => event.paths.iter().any(|p| {
            p == path || (p.file_name() == path.file_name() && p.parent() == path.parent())
        }),
        Err(_) => false,
    }
}
