//! The owner's page in the browser: sign in with the token, read the list, open a transcript,
//! delete it.

use std::time::Duration;

use crate::harness::{Chrome, ScriptedLlm, TestServer};

const TOKEN: &str = "owner-token-0123456789abcdef-0123456789abcdef";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_signs_in_reads_and_deletes_a_conversation() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start_with(
        Some(ScriptedLlm::new(
            "Maya speaks **Swedish** and English.",
            Duration::from_millis(5),
        )),
        &[("ADMIN_TOKEN", TOKEN.to_owned())],
    )
    .await;

    // Two visitors' conversations.
    let chat = chrome.open("owner-visitor", &server.url("/")).await;
    chat.ask("Which languages does Maya speak?").await;
    chat.wait_for(
        "the first answer",
        "document.querySelector('.message.assistant')?.dataset.state === 'done'",
    )
    .await;
    let first_session: String = chat
        .eval("localStorage.getItem('resume-chat.session-id')")
        .await;
    chat.click("#new-conversation").await;
    chat.ask("Where did Maya study?").await;
    chat.wait_for(
        "the second answer",
        "document.querySelector('.message.assistant')?.dataset.state === 'done'",
    )
    .await;

    // A wrong token is refused on the form.
    let owner = chrome.open("owner", &server.url("/admin")).await;
    owner
        .wait_for(
            "the sign-in form",
            "!document.getElementById('sign-in').hidden",
        )
        .await;
    owner.click("#token").await;
    owner.type_text("not-the-token").await;
    owner.press("Enter").await;
    owner
        .wait_for(
            "the refusal",
            "location.search === '?signin=failed' \
             && document.getElementById('sign-in-message').textContent.includes('not the owner')",
        )
        .await;
    owner.screenshot("sign-in-refused").await;

    owner.click("#token").await;
    owner.type_text(TOKEN).await;
    owner.press("Enter").await;
    owner
        .wait_for(
            "the list of conversations",
            "document.querySelectorAll('#rows tr').length === 2",
        )
        .await;
    let first_questions: Vec<String> = owner
        .eval("[...document.querySelectorAll('#rows .open-conversation')].map(b => b.textContent)")
        .await;
    assert_eq!(
        first_questions,
        ["Where did Maya study?", "Which languages does Maya speak?"],
        "newest first"
    );
    // Every question so far was answered from the resume.
    owner
        .wait_for(
            "the unanswered list",
            "!document.getElementById('unanswered-empty').hidden",
        )
        .await;
    owner.screenshot("list").await;

    // A search keeps the conversations with the word.
    owner.click("#q").await;
    owner.type_text("languages").await;
    owner.press("Enter").await;
    owner
        .wait_for(
            "the search's result",
            "document.querySelectorAll('#rows tr').length === 1 && document.querySelector('#rows \
             .open-conversation').textContent === 'Which languages does Maya speak?'",
        )
        .await;

    // The found conversation's transcript, then delete it.
    owner
        .click("#rows tr:nth-child(1) .open-conversation")
        .await;
    owner
        .wait_for(
            "the transcript",
            "!document.getElementById('transcript').hidden \
             && document.querySelector('#transcript-messages .assistant strong')?.textContent \
                === 'Swedish'",
        )
        .await;
    owner.screenshot("transcript").await;
    owner.click("#delete").await;
    owner.click("#delete-yes").await;
    owner
        .wait_for(
            "the conversation to go",
            "document.querySelectorAll('#rows tr').length === 0 \
             && document.getElementById('transcript').hidden \
             && document.getElementById('status').textContent.includes('deleted')",
        )
        .await;
    let status: u16 = owner
        .eval(&format!(
            "fetch('/api/sessions/{first_session}/messages').then(r => r.status)"
        ))
        .await;
    assert_eq!(status, 404, "deleted from storage");

    // Signing out shows the form again.
    owner.click(".owner-actions button[type=submit]").await;
    owner
        .wait_for(
            "the sign-in form again",
            "!document.getElementById('sign-in').hidden",
        )
        .await;

    owner.assert_clean(&server.origin()).await;
    chat.assert_clean(&server.origin()).await;
    chrome.close().await;
}
