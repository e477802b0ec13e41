//! The first screen: questions suggested from the resume's sections, the download of the
//! conversation, and the notice that it is stored, with a way to erase it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::{Chrome, ScriptedLlm, TestServer};

const ANSWER: &str = "Maya led the **payments** rebuild at Northwind.";

/// The Markdown file the page saved into `dir`, once it is whole.
async fn downloaded_markdown(dir: &Path) -> PathBuf {
    let start = Instant::now();
    loop {
        let found = std::fs::read_dir(dir)
            .expect("download folder")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|e| e == "md"));
        if let Some(path) = found {
            return path;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no Markdown file was downloaded into {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_ask_and_the_conversation_downloads_and_erases() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let downloads = tempfile::tempdir().expect("download folder");
    chrome.allow_downloads(downloads.path()).await;
    let server = TestServer::start(Some(ScriptedLlm::new(ANSWER, Duration::from_millis(5)))).await;
    let tab = chrome.open("first-screen", &server.url("/")).await;

    // data/resume.json has Summary, Experience, Skills, Education, Projects, …: the four most
    // telling sections give the questions, in that order.
    tab.wait_for(
        "the suggested questions",
        "document.querySelectorAll('#suggestions .chip:not(:disabled)').length > 0 \
         && document.getElementById('person-name').textContent !== 'Resume chat'",
    )
    .await;
    let chips: Vec<String> = tab
        .eval("[...document.querySelectorAll('#suggestions .chip')].map(c => c.textContent)")
        .await;
    assert_eq!(
        chips,
        [
            "What has Maya worked on most recently?",
            "Which skills does Maya use most?",
            "Which projects has Maya built?",
            "Where did Maya study?",
        ]
    );
    let notice: String = tab
        .eval("document.getElementById('stored-notice').textContent.replace(/\\s+/g, ' ')")
        .await;
    assert!(notice.contains("Conversations are stored"), "{notice}");
    let can_download: bool = tab
        .eval("!document.getElementById('download').disabled")
        .await;
    assert!(!can_download, "nothing to download before a question");
    tab.screenshot("suggestions").await;

    // A suggestion asks at once.
    tab.click("#suggestions .chip:nth-child(3)").await;
    tab.wait_for(
        "the suggested question's answer",
        "document.querySelector('.message.user .bubble')?.textContent === \
         'Which projects has Maya built?' \
         && document.querySelector('.message.assistant')?.dataset.state === 'done'",
    )
    .await;
    let session: String = tab
        .eval("localStorage.getItem('resume-chat.session-id')")
        .await;

    // The download holds the question and the answer as written.
    tab.click("#download").await;
    let file = downloaded_markdown(downloads.path()).await;
    let markdown = std::fs::read_to_string(&file).expect("the downloaded file");
    assert!(
        file.file_name().is_some_and(|n| n
            .to_string_lossy()
            .starts_with("conversation-maya-lindqvist-")),
        "{}",
        file.display()
    );
    assert!(
        markdown.starts_with("# Conversation about Maya Lindqvist\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("> Which projects has Maya built?\n"),
        "{markdown}"
    );
    assert!(markdown.contains(ANSWER), "{markdown}");

    // Erase asks once more, then the stored conversation is gone and a new one begins.
    tab.click("#erase").await;
    tab.wait_for(
        "the confirmation",
        "!document.getElementById('erase-confirm').hidden",
    )
    .await;
    tab.screenshot("erase-confirm").await;
    tab.click("#erase-yes").await;
    tab.wait_for(
        "a new, empty conversation",
        &format!(
            "document.querySelectorAll('.message').length === 0 \
             && !document.getElementById('welcome').hidden \
             && document.getElementById('app').dataset.connection === 'connected' \
             && localStorage.getItem('resume-chat.session-id') !== '{session}' \
             && document.getElementById('stored-text').textContent.includes('erased')"
        ),
    )
    .await;
    let status: u16 = tab
        .eval(&format!(
            "fetch('/api/sessions/{session}/messages').then(r => r.status)"
        ))
        .await;
    assert_eq!(status, 404, "the erased conversation is gone from storage");

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}
