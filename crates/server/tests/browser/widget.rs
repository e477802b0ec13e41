//! The widget on a portfolio: `/embed.js` on a page of another origin (another port) whose own
//! Content-Security-Policy allows the chat's origin for scripts and frames and nothing else.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{Chrome, HostSite, ScriptedLlm, Tab, TestServer};

/// The chat page inside the widget's frame.
const FRAME: &str = "/?embed=1";
const LAUNCHER: &str = "document.getElementById('resume-chat-launcher')";
const PANEL: &str = "document.getElementById('resume-chat-panel')";

/// A portfolio page that embeds the widget with one script tag.
fn host_page(chat: &TestServer, attributes: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Maya's portfolio</title>\
         <script src=\"{}\" defer {attributes}></script></head>\
         <body><h1>Maya Lindqvist</h1><p>Engineer. <a href=\"/\">Projects</a></p></body></html>",
        chat.url("/embed.js")
    )
}

/// Nothing but the chat's origin, for scripts and frames; no inline script or style at all.
fn host_csp(chat: &TestServer) -> String {
    let chat = chat.origin();
    format!(
        "default-src 'none'; script-src {chat}; frame-src {chat}; base-uri 'none'; \
         form-action 'none'"
    )
}

async fn panel_shown(tab: &Tab) -> bool {
    tab.eval(&format!("getComputedStyle({PANEL}).display === 'block'"))
        .await
}

async fn wait_closed(tab: &Tab) {
    tab.wait_for(
        "the panel to close",
        &format!(
            "getComputedStyle({PANEL}).display === 'none' \
             && {LAUNCHER}.getAttribute('aria-expanded') === 'false'"
        ),
    )
    .await;
}

async fn wait_open(tab: &Tab) {
    tab.wait_for(
        "the panel to open",
        &format!(
            "getComputedStyle({PANEL}).display === 'block' \
             && {LAUNCHER}.getAttribute('aria-expanded') === 'true'"
        ),
    )
    .await;
    tab.wait_for_in_frame(
        "the chat to connect",
        FRAME,
        "document.getElementById('app').dataset.connection === 'connected'",
    )
    .await;
}

async fn wait_focus_in_question_box(tab: &Tab) {
    tab.wait_for_in_frame(
        "the focus in the question box",
        FRAME,
        "document.hasFocus() && document.activeElement?.id === 'question'",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_chats_on_a_strict_host_page_by_keyboard_alone() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let host = HostSite::start().await;
    let llm = ScriptedLlm::new(
        "Maya builds **reliable** systems for payments and search, and she leads a team of \
         six engineers who ship every day.",
        Duration::from_millis(40),
    );
    let chat = TestServer::start_with(Some(llm), &[("FRAME_ANCESTORS", host.origin())]).await;
    host.serve(
        &host_csp(&chat),
        &host_page(
            &chat,
            "data-greeting=\"Hi! Ask me anything about Maya.\" data-accent=\"#0f766e\"",
        ),
    );
    let tab = chrome.open("widget", &host.url("/")).await;

    tab.wait_for("the launcher", &format!("{LAUNCHER} !== null"))
        .await;
    let name: String = tab
        .eval(&format!("{LAUNCHER}.getAttribute('aria-label')"))
        .await;
    assert_eq!(name, "Ask about my resume", "the button says what it does");
    assert!(!panel_shown(&tab).await, "the panel starts closed");
    tab.screenshot("closed").await;

    // Keyboard only: Tab reaches the button (after the page's own link); Enter opens the panel
    // and puts the focus in the question box.
    for _ in 0..6 {
        let on_launcher: bool = tab
            .eval("document.activeElement?.id === 'resume-chat-launcher'")
            .await;
        if on_launcher {
            break;
        }
        tab.press("Tab").await;
    }
    let on_launcher: bool = tab
        .eval("document.activeElement?.id === 'resume-chat-launcher'")
        .await;
    assert!(on_launcher, "Tab reaches the launcher");
    tab.press("Enter").await;
    wait_open(&tab).await;
    wait_focus_in_question_box(&tab).await;
    let role: String = tab.eval(&format!("{PANEL}.getAttribute('role')")).await;
    assert_eq!(role, "dialog");
    let greeting: String = tab
        .eval_in_frame(FRAME, "document.getElementById('welcome-text').textContent")
        .await;
    assert_eq!(greeting, "Hi! Ask me anything about Maya.");
    let accent: String = tab
        .eval_in_frame(
            FRAME,
            "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()",
        )
        .await;
    assert_eq!(accent, "#0f766e", "the host's accent reaches the chat");
    tab.screenshot("open").await;

    tab.type_text("What does Maya build?").await;
    tab.press("Enter").await;
    tab.wait_for_in_frame(
        "the answer to stream in",
        FRAME,
        "document.querySelector('.message.assistant[data-state=streaming]') !== null",
    )
    .await;
    tab.wait_for_in_frame(
        "the answer to finish",
        FRAME,
        "[...document.querySelectorAll('.message.assistant')].pop()?.dataset.state === 'done'",
    )
    .await;
    let answer: Value = tab
        .eval_in_frame(
            FRAME,
            "(() => { const a = [...document.querySelectorAll('.message.assistant')].pop(); \
             return { text: a.querySelector('.content').textContent, \
                      strong: a.querySelector('.content strong')?.textContent }; })()",
        )
        .await;
    assert!(
        answer["text"]
            .as_str()
            .is_some_and(|t| t.contains("ship every day")),
        "{answer}"
    );
    assert_eq!(
        answer["strong"], "reliable",
        "the answer's Markdown renders"
    );

    // Escape closes the panel and gives the focus back to the button.
    tab.press("Escape").await;
    wait_closed(&tab).await;
    tab.wait_for(
        "the focus back on the launcher",
        "document.activeElement?.id === 'resume-chat-launcher'",
    )
    .await;

    // An answer that finishes while the panel is closed shows an unread badge.
    tab.press("Enter").await;
    wait_open(&tab).await;
    wait_focus_in_question_box(&tab).await;
    tab.type_text("Who does Maya lead?").await;
    tab.press("Enter").await;
    tab.wait_for_in_frame(
        "the second answer to begin",
        FRAME,
        "document.querySelectorAll('.message.assistant').length === 2",
    )
    .await;
    tab.press("Escape").await;
    wait_closed(&tab).await;
    tab.wait_for(
        "the unread badge",
        &format!(
            "(() => {{ const b = {LAUNCHER}.querySelector('[data-role=unread]'); \
             return b.textContent === '1' && getComputedStyle(b).display !== 'none'; }})()"
        ),
    )
    .await;
    let name: String = tab
        .eval(&format!("{LAUNCHER}.getAttribute('aria-label')"))
        .await;
    assert_eq!(name, "Ask about my resume (1 new answer)");
    tab.screenshot("badge").await;

    // The host page's own API opens it again: the badge goes, the conversation is there.
    let _: Value = tab
        .eval("window.postMessage({ type: 'resume-chat:open' }, location.origin), true")
        .await;
    wait_open(&tab).await;
    let badge_hidden: bool = tab
        .eval(&format!(
            "getComputedStyle({LAUNCHER}.querySelector('[data-role=unread]')).display === 'none'"
        ))
        .await;
    assert!(badge_hidden, "opening reads the new answer");
    let done: usize = tab
        .eval_in_frame(
            FRAME,
            "document.querySelectorAll('.message.assistant[data-state=done]').length",
        )
        .await;
    assert_eq!(done, 2, "both answers are in the panel");
    let _: Value = tab
        .eval("window.postMessage({ type: 'resume-chat:close' }, location.origin), true")
        .await;
    wait_closed(&tab).await;

    // A reload of the host page keeps this site's conversation.
    tab.reload().await;
    tab.wait_for(
        "the launcher after the reload",
        &format!("{LAUNCHER} !== null"),
    )
    .await;
    tab.click("#resume-chat-launcher").await;
    wait_open(&tab).await;
    tab.wait_for_in_frame(
        "the stored conversation",
        FRAME,
        "document.querySelectorAll('.message.user').length === 2 \
         && document.querySelectorAll('.message.assistant[data-state=done]').length === 2",
    )
    .await;

    // On a phone the panel takes the whole screen, and the chat's own button closes it.
    tab.phone(true).await;
    tab.wait_for(
        "the panel to fill the phone's screen",
        &format!(
            "(() => {{ const r = {PANEL}.getBoundingClientRect(); \
             return r.left === 0 && r.top === 0 && r.width === innerWidth \
                 && r.height === innerHeight; }})()"
        ),
    )
    .await;
    tab.wait_for_in_frame(
        "the chat's close button",
        FRAME,
        "!document.getElementById('close-embed').hidden",
    )
    .await;
    tab.screenshot("phone").await;
    let _: Value = tab
        .eval_in_frame(
            FRAME,
            "document.getElementById('close-embed').click(), true",
        )
        .await;
    wait_closed(&tab).await;
    tab.phone(false).await;

    let frame_violations: Vec<String> = tab
        .eval_in_frame(FRAME, "window.__cspViolations || []")
        .await;
    assert!(frame_violations.is_empty(), "{frame_violations:?}");
    tab.assert_clean_within(&[&host.origin(), &chat.origin()], &[])
        .await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_not_in_frame_ancestors_cannot_frame_the_chat() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let host = HostSite::start().await;
    // One server lists another site; the other lists none (the default).
    let listing_another = TestServer::start_with(
        None,
        &[("FRAME_ANCESTORS", "https://portfolio.example".to_owned())],
    )
    .await;
    let listing_none = TestServer::start(None).await;

    for (label, chat) in [
        ("another-site", &listing_another),
        ("default", &listing_none),
    ] {
        host.serve(&host_csp(chat), &host_page(chat, "data-open=\"true\""));
        let tab = chrome
            .open(&format!("widget-refused-{label}"), &host.url("/"))
            .await;
        tab.wait_for(
            "the panel to open at start",
            &format!("getComputedStyle({PANEL}).display === 'block'"),
        )
        .await;
        // The browser replaces a refused frame with its error page.
        tab.wait_for(
            "the browser to refuse the frame",
            "document.querySelector('#resume-chat-panel iframe') !== null",
        )
        .await;
        let refused = tab.wait_for_frame_url("chrome-error://").await;
        assert!(refused.starts_with("chrome-error://"), "{label}: {refused}");
        let ready: Value = tab.eval(&format!("{LAUNCHER}.dataset.ready ?? null")).await;
        assert_eq!(
            ready,
            Value::Null,
            "{label}: the chat never ran in the frame"
        );
        let chat_frames: Vec<String> = tab.frame_urls().await;
        assert!(
            !chat_frames.iter().any(|url| url.contains(FRAME)),
            "{label}: {chat_frames:?}"
        );
        tab.screenshot("refused").await;
    }
    chrome.close().await;
}
