//! The chat page in a real browser: Debian's chromium, headless, against the real server on a
//! free port. Each test saves screenshots under `<target>/browser-screenshots/`.
//!
//! Without `/usr/bin/chromium` these tests print SKIPPED and pass, except under `CI`, where they
//! fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod commonmark;
mod first_screen;
mod harness;
mod owner;
mod widget;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::{LlmError, LlmPort, LlmRequest, LlmStream};
use harness::{Chrome, ScriptedLlm, Tab, TestServer};
use serde_json::Value;

/// The last answer in the log: its state, finish reason, visible text and streaming cursor.
const LAST_ANSWER: &str = "(() => {\
    const a = [...document.querySelectorAll('#log .message.assistant')].pop();\
    return a ? { state: a.dataset.state || '', finish: a.dataset.finish || '',\
                 text: a.querySelector('.content').innerText,\
                 cursor: a.querySelector('.cursor') !== null } : null;\
  })()";

const CONNECTED: &str = "document.getElementById('app').dataset.connection === 'connected'";
const ANSWER_DONE: &str = "document.querySelector('#log .message.assistant:last-of-type')\
    ?.dataset.state === 'done'";

fn resume() -> (String, String) {
    let path = format!("{}/../../data/resume.json", env!("CARGO_MANIFEST_DIR"));
    let resume: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (
        resume["name"].as_str().unwrap().to_owned(),
        resume["title"].as_str().unwrap().to_owned(),
    )
}

async fn last_answer(tab: &Tab) -> Value {
    tab.eval::<Value>(LAST_ANSWER).await
}

fn text_of(answer: &Value) -> String {
    answer["text"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_shows_the_person_and_the_offline_badge() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(None).await;
    let tab = chrome.open("page-loads", &server.url("/")).await;
    let (name, title) = resume();

    tab.wait_for(
        "the person's name in the header",
        &format!("document.getElementById('person-name').textContent === {name:?}"),
    )
    .await;
    let shown_title: String = tab
        .eval("document.getElementById('person-title').textContent")
        .await;
    assert_eq!(shown_title, title);
    let badge: bool = tab
        .eval("!document.getElementById('offline-badge').hidden")
        .await;
    assert!(badge, "the offline answerer is active, so the badge shows");
    tab.wait_for("the socket to connect", CONNECTED).await;
    let chips: u32 = tab
        .eval("document.querySelectorAll('#suggestions .chip:not(:disabled)').length")
        .await;
    assert!(chips >= 2, "suggested first questions are offered");
    let live: String = tab
        .eval("document.getElementById('log').getAttribute('aria-live')")
        .await;
    assert_eq!(live, "polite");
    tab.screenshot("desktop-light").await;

    tab.dark(true).await;
    tab.screenshot("desktop-dark").await;
    tab.phone(true).await;
    tab.screenshot("phone-dark").await;
    tab.dark(false).await;
    tab.screenshot("phone-light").await;
    let overflow: bool = tab
        .eval("document.documentElement.scrollWidth > window.innerWidth")
        .await;
    assert!(!overflow, "nothing overflows a phone-sized screen sideways");

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

const MARKDOWN_ANSWER: &str = "Maya works mostly in **Rust** and *Go*:\n\n\
    - Rust with `tokio` for the routing platform\n\
    - Go for payment services\n\
    - Python for data tooling\n\n\
    Her public work is on [GitHub](https://github.com/maya-lindqvist-example).";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_streams_in_as_it_is_written() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let llm = ScriptedLlm::new(MARKDOWN_ANSWER, Duration::from_millis(120));
    let server = TestServer::start(Some(llm)).await;
    let tab = chrome.open("streaming", &server.url("/")).await;

    tab.ask("Which languages does Maya use?").await;
    let partial = tab
        .wait_for(
            "part of the answer, still streaming",
            &format!(
                "(() => {{ const a = {LAST_ANSWER}; \
                 return a && a.state === 'streaming' && a.cursor && a.text.trim().length > 0 \
                 ? a : null; }})()"
            ),
        )
        .await;
    let busy: bool = tab
        .eval("document.getElementById('question').disabled && !document.getElementById('stop').hidden")
        .await;
    assert!(
        busy,
        "while an answer streams the box is disabled and Stop shows"
    );
    tab.screenshot("partial").await;

    tab.wait_for("the whole answer", ANSWER_DONE).await;
    let done = last_answer(&tab).await;
    let (partial, whole) = (text_of(&partial), text_of(&done));
    assert!(
        partial.len() < whole.len(),
        "the page showed part of the answer before the rest: {partial:?} then {whole:?}"
    );
    assert!(
        whole.starts_with("Maya works mostly in Rust and Go"),
        "{whole:?}"
    );
    assert_eq!(
        done["cursor"], false,
        "the cursor goes when the answer ends"
    );

    let rendered: Value = tab
        .eval(
            "(() => { const c = [...document.querySelectorAll('#log .assistant .content')].pop();\
             const a = c.querySelector('a');\
             return { strong: c.querySelectorAll('strong').length, em: c.querySelectorAll('em').length,\
                      items: c.querySelectorAll('li').length, code: c.querySelectorAll('code').length,\
                      href: a && a.href, rel: a && a.rel, target: a && a.target,\
                      copy: c.closest('.message').querySelector('.copy-button') !== null }; })()",
        )
        .await;
    assert_eq!(rendered["strong"], 1, "{rendered}");
    assert_eq!(rendered["em"], 1, "{rendered}");
    assert_eq!(rendered["items"], 3, "{rendered}");
    assert_eq!(rendered["code"], 1, "{rendered}");
    assert_eq!(
        rendered["href"],
        "https://github.com/maya-lindqvist-example"
    );
    assert_eq!(rendered["rel"], "noopener noreferrer");
    assert_eq!(rendered["target"], "_blank");
    assert_eq!(rendered["copy"], true, "answers have a copy button");
    let ready: bool = tab
        .eval("!document.getElementById('question').disabled && document.getElementById('stop').hidden")
        .await;
    assert!(ready, "the box is back once the answer is done");
    tab.screenshot("done").await;

    // The same conversation in the other schemes and sizes, for people to look at.
    tab.dark(true).await;
    tab.screenshot("done-dark").await;
    tab.phone(true).await;
    tab.screenshot("done-phone-dark").await;
    tab.dark(false).await;
    tab.screenshot("done-phone-light").await;

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_shows_the_stored_history() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(None).await;
    let tab = chrome.open("history", &server.url("/")).await;

    let question = "What programming languages does Maya know?";
    tab.ask(question).await;
    tab.wait_for("the answer", ANSWER_DONE).await;
    let answer = text_of(&last_answer(&tab).await);
    assert!(!answer.is_empty());
    let session: String = tab
        .eval("localStorage.getItem('resume-chat.session-id')")
        .await;
    uuid::Uuid::parse_str(&session).expect("the page keeps the session id");

    tab.reload().await;
    tab.wait_for("the socket to reconnect", CONNECTED).await;
    let log: Value = tab
        .eval(
            "[...document.querySelectorAll('#log .message')].map(m => ({\
               role: m.classList.contains('user') ? 'user' : 'assistant',\
               text: (m.querySelector('.content') || m.querySelector('.bubble')).innerText.trim() }))",
        )
        .await;
    assert_eq!(
        log,
        serde_json::json!([
            {"role": "user", "text": question},
            {"role": "assistant", "text": answer},
        ]),
        "the reloaded page shows the stored conversation"
    );
    let after: String = tab
        .eval("localStorage.getItem('resume-chat.session-id')")
        .await;
    assert_eq!(after, session, "the same conversation was resumed");
    tab.screenshot("after-reload").await;

    tab.click("#new-conversation").await;
    tab.wait_for(
        "a new conversation",
        &format!(
            "{CONNECTED} && localStorage.getItem('resume-chat.session-id') !== {session:?} \
         && document.querySelectorAll('#log .message').length === 0 \
         && !document.getElementById('welcome').hidden"
        ),
    )
    .await;
    tab.screenshot("new-conversation").await;

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_the_answer_with_what_was_written() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let long_answer = "word ".repeat(400);
    let llm = ScriptedLlm::new(long_answer.trim_end(), Duration::from_millis(100));
    let server = TestServer::start(Some(llm)).await;
    let tab = chrome.open("stop", &server.url("/")).await;

    tab.ask("Tell me everything.").await;
    tab.wait_for(
        "a few words of the answer",
        &format!(
            "(() => {{ const a = {LAST_ANSWER}; \
             return a && a.state === 'streaming' && a.text.split(/\\s+/).length >= 3; }})()"
        ),
    )
    .await;
    tab.screenshot("streaming").await;
    tab.click("#stop").await;

    tab.wait_for(
        "the answer to stop",
        "document.querySelector('#log .message.assistant:last-of-type')?.dataset.finish === 'cancelled'",
    )
    .await;
    let stopped = last_answer(&tab).await;
    let words = text_of(&stopped).split_whitespace().count();
    assert!(
        (3..400).contains(&words),
        "the partial answer stays, shorter than the whole: {words} words"
    );
    let after: Value = tab
        .eval(
            "({ note: document.querySelector('#log .message.assistant:last-of-type .note')?.textContent,\
                input: !document.getElementById('question').disabled,\
                stop: document.getElementById('stop').hidden })",
        )
        .await;
    assert_eq!(
        after,
        serde_json::json!({"note": "Stopped", "input": true, "stop": true})
    );
    tab.screenshot("stopped").await;

    // The partial answer was stored as it was shown.
    tab.reload().await;
    tab.wait_for(
        "the history",
        &format!(
            "{CONNECTED} && document.querySelectorAll('#log .message.assistant').length === 1"
        ),
    )
    .await;
    let stored = text_of(&last_answer(&tab).await);
    assert_eq!(stored.split_whitespace().count(), words);
    // … and is still marked as stopped, as it was live.
    let reloaded: Value = tab
        .eval(
            "({ note: document.querySelector('#log .message.assistant:last-of-type .note')?.textContent,\
                finish: document.querySelector('#log .message.assistant:last-of-type')?.dataset.finish })",
        )
        .await;
    assert_eq!(
        reloaded,
        serde_json::json!({"note": "Stopped", "finish": "cancelled"}),
        "a cut answer keeps its mark after a reload"
    );
    tab.screenshot("stopped-after-reload").await;

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_reconnects_and_recovers() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let mut server = TestServer::start(None).await;
    let origin = server.origin();
    let tab = chrome.open("reconnect", &server.url("/")).await;
    tab.ask("Where does Maya work?").await;
    tab.wait_for("the first answer", ANSWER_DONE).await;

    server.stop().await;
    tab.wait_for(
        "the page to show it is reconnecting",
        "document.getElementById('app').dataset.connection === 'reconnecting' \
         && document.getElementById('connection-text').textContent.includes('Reconnecting')",
    )
    .await;
    let send_disabled: bool = tab.eval("document.getElementById('send').disabled").await;
    assert!(send_disabled, "nothing can be sent while disconnected");
    tab.screenshot("reconnecting").await;

    server.restart(None).await;
    assert_eq!(
        server.origin(),
        origin,
        "the server came back on the same port"
    );
    tab.wait_for("the page to reconnect", CONNECTED).await;
    let messages: u32 = tab
        .eval("document.querySelectorAll('#log .message').length")
        .await;
    assert_eq!(messages, 2, "the conversation is still on screen");

    tab.ask("What did Maya study?").await;
    tab.wait_for(
        "the answer after reconnecting",
        "document.querySelectorAll('#log .message.assistant[data-state=\"done\"]').length === 2",
    )
    .await;
    tab.screenshot("recovered").await;

    tab.assert_clean(&origin).await;
    chrome.close().await;
}

/// Thirty words, one every 150 ms: an answer long enough to reload the page in the middle of.
fn slow_answer() -> String {
    (1..=30)
        .map(|n| format!("word{n} "))
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// The last answer is being written and shows some text.
const STREAMING_WITH_TEXT: &str = "(() => { const a = [...document.querySelectorAll('#log .message.assistant')].pop();\
    return a && a.dataset.state === 'streaming' && a.querySelector('.content').innerText.trim().length > 0; })()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_mid_answer_shows_it_so_far_and_sees_it_finish() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let answer = slow_answer();
    let server =
        TestServer::start(Some(ScriptedLlm::new(&answer, Duration::from_millis(150)))).await;
    let tab = chrome.open("reload-mid-answer", &server.url("/")).await;
    tab.ask("Tell me everything slowly").await;
    tab.wait_for("part of the answer", STREAMING_WITH_TEXT)
        .await;

    tab.reload().await;
    tab.wait_for("the answer so far, after the reload", STREAMING_WITH_TEXT)
        .await;
    tab.screenshot("resumed").await;
    tab.wait_for("the answer to finish", ANSWER_DONE).await;
    let done = last_answer(&tab).await;
    assert_eq!(text_of(&done), answer, "every word, once, in order");
    assert_eq!(done["finish"], "stop");
    let counts: Value = tab
        .eval(
            "({ user: document.querySelectorAll('#log .message.user').length,\
                assistant: document.querySelectorAll('#log .message.assistant').length })",
        )
        .await;
    assert_eq!(
        counts,
        serde_json::json!({"user": 1, "assistant": 1}),
        "the question once, from the stored history, and its answer once"
    );
    tab.screenshot("finished").await;
    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_tab_follows_the_answer_and_can_stop_it() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let answer = slow_answer();
    let server =
        TestServer::start(Some(ScriptedLlm::new(&answer, Duration::from_millis(150)))).await;
    let first = chrome.open("first-tab", &server.url("/")).await;
    first.ask("Tell me everything slowly").await;
    first
        .wait_for("part of the answer", STREAMING_WITH_TEXT)
        .await;

    // Same browser, same stored session: the second tab joins the conversation mid-answer.
    let second = chrome.open("second-tab", &server.url("/")).await;
    second
        .wait_for("the answer in the second tab", STREAMING_WITH_TEXT)
        .await;
    second.click("#stop").await;
    for tab in [&first, &second] {
        tab.wait_for("the answer to stop", ANSWER_DONE).await;
        let done = last_answer(tab).await;
        assert_eq!(done["finish"], "cancelled", "{done}");
        assert!(text_of(&done).len() < answer.len(), "{done}");
    }
    assert_eq!(
        text_of(&last_answer(&first).await),
        text_of(&last_answer(&second).await),
        "both tabs show the same stored text"
    );
    first.screenshot("stopped-from-the-other-tab").await;
    first.assert_clean(&server.origin()).await;
    second.assert_clean(&server.origin()).await;
    chrome.close().await;
}

/// Markup and script an answer might carry, from a confused or manipulated model.
const HOSTILE_ANSWER: &str = "Careful: <img src=x onerror=alert(1)> and \
    [click](javascript:alert(1)) and [also](JaVaScRiPt:alert(2)) and \
    <script>alert(3)</script> and ![pic](javascript:alert(4)) but [safe](https://example.com/) \
    <a href=\"javascript:alert(5)\">raw</a>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_render_inert() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let llm = ScriptedLlm::new(HOSTILE_ANSWER, Duration::ZERO);
    let server = TestServer::start(Some(llm)).await;
    let tab = chrome.open("hostile", &server.url("/")).await;

    tab.ask("Say something risky.").await;
    tab.wait_for("the answer", ANSWER_DONE).await;

    let inspect = "(() => { const log = document.getElementById('log');\
        return { img: log.querySelectorAll('img').length,\
                 script: log.querySelectorAll('script').length,\
                 hrefs: [...log.querySelectorAll('a[href]')].map(a => a.href),\
                 handlers: [...log.querySelectorAll('*')].filter(e =>\
                   [...e.attributes].some(at => at.name.startsWith('on'))).length,\
                 text: log.querySelector('.assistant .content').textContent }; })()";
    for moment in ["live", "from history"] {
        let seen: Value = tab.eval(inspect).await;
        assert_eq!(seen["img"], 0, "{moment}: no image element: {seen}");
        assert_eq!(seen["script"], 0, "{moment}: no script element: {seen}");
        assert_eq!(
            seen["handlers"], 0,
            "{moment}: no event handler attribute: {seen}"
        );
        assert_eq!(
            seen["hrefs"],
            serde_json::json!(["https://example.com/"]),
            "{moment}: only the safe link is a link: {seen}"
        );
        let text = seen["text"].as_str().unwrap();
        assert!(
            text.contains("<img src=x onerror=alert(1)>") && text.contains("<script>"),
            "{moment}: markup shows as text: {text:?}"
        );
        assert_eq!(tab.dialogs(), 0, "{moment}: no dialog opened");
        if moment == "live" {
            tab.screenshot("live").await;
            tab.reload().await;
            tab.wait_for("the history", &format!(
                "{CONNECTED} && document.querySelectorAll('#log .message.assistant').length === 1"
            ))
            .await;
        }
    }
    tab.screenshot("from-history").await;

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

/// A model whose provider always fails.
#[derive(Debug)]
struct FailingLlm;

#[async_trait]
impl LlmPort for FailingLlm {
    async fn stream_answer(&self, _request: LlmRequest) -> Result<LlmStream, LlmError> {
        Err(LlmError::Provider {
            message: "the test provider is down".into(),
        })
    }

    fn describe(&self) -> String {
        "failing test model".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_answer_shows_the_error_and_gives_the_question_back() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(Some(Arc::new(FailingLlm))).await;
    let tab = chrome.open("error", &server.url("/")).await;

    let question = "Will this work?";
    tab.ask(question).await;
    let shown: Value = tab
        .wait_for(
            "the error",
            "(() => { const e = document.querySelector('#log .inline-error');\
             return e && { text: e.textContent, box: document.getElementById('question').value,\
                           disabled: document.getElementById('question').disabled }; })()",
        )
        .await;
    assert!(
        shown["text"].as_str().unwrap().contains("API_ERROR"),
        "the error and its code show inline: {shown}"
    );
    assert_eq!(shown["box"], question, "the question is back in the box");
    assert_eq!(shown["disabled"], false);
    tab.screenshot("inline-error").await;

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_docs_render_offline() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(None).await;

    let swagger = chrome.open("docs-swagger", &server.url("/docs")).await;
    swagger
        .wait_for(
            "Swagger UI to render the API",
            "document.querySelector('.swagger-ui .info .title')?.textContent.includes('Resume chat') \
             && document.querySelectorAll('.swagger-ui .opblock').length >= 8",
        )
        .await;
    swagger.screenshot("swagger").await;
    swagger.assert_clean(&server.origin()).await;

    let redoc = chrome.open("docs-redoc", &server.url("/redoc")).await;
    redoc
        .wait_for(
            "ReDoc to render the API",
            "[...document.querySelectorAll('h1')].some(h => h.textContent.includes('Resume chat')) \
             && document.querySelectorAll('[data-item-id]').length >= 8",
        )
        .await;
    redoc.screenshot("redoc").await;
    // ReDoc's footer always tries to show a logo from its CDN; the page's policy blocks it.
    redoc
        .assert_clean_but_blocked(&server.origin(), &["https://cdn.redoc.ly/"])
        .await;

    let protocol = chrome
        .open("docs-websocket", &server.url("/docs/websocket"))
        .await;
    protocol
        .wait_for(
            "the protocol page",
            "document.querySelector('h1')?.textContent === 'The WebSocket protocol'",
        )
        .await;
    protocol.screenshot("websocket").await;
    protocol.assert_clean(&server.origin()).await;

    chrome.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_renderer_builds_safe_elements() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(None).await;
    let tab = chrome.open("markdown", &server.url("/")).await;

    // (Markdown, the HTML the renderer's nodes serialise to.)
    let cases: &[(&str, &str)] = &[
        (
            "**bold** *it* _it_ ~~gone~~ `a<b>`",
            "<p><strong>bold</strong> <em>it</em> <em>it</em> <del>gone</del> <code>a&lt;b&gt;</code></p>",
        ),
        (
            "snake_case_name and 2 * 3 * 4",
            "<p>snake_case_name and 2 * 3 * 4</p>",
        ),
        ("line one\nline two", "<p>line one<br>line two</p>"),
        (
            "- a\n- b\n  - c\n\n1. x\n2. y",
            "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><ol><li>x</li><li>y</li></ol>",
        ),
        (
            "3. third\n4. fourth",
            "<ol start=\"3\"><li>third</li><li>fourth</li></ol>",
        ),
        (
            "```rust\nfn main() {}\n<b>\n```",
            "<pre data-language=\"rust\"><code>fn main() {}\n&lt;b&gt;</code></pre>",
        ),
        (
            "```\nstill streaming",
            "<pre><code>still streaming</code></pre>",
        ),
        (
            "## Title\n> quoted",
            "<h4>Title</h4><blockquote><p>quoted</p></blockquote>",
        ),
        (
            "| a | b |\n|---|--:|\n| 1 | 2 |",
            "<div class=\"table-wrap\"><table><thead><tr><th>a</th><th class=\"align-right\">b</th></tr></thead>\
             <tbody><tr><td>1</td><td class=\"align-right\">2</td></tr></tbody></table></div>",
        ),
        (
            // An autolink shows its URL as written, `mailto:` included (CommonMark, example 597).
            "[ok](https://example.com/a?b=1&c=2) <mailto:maya@example.com>",
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" target=\"_blank\" rel=\"noopener noreferrer\" \
             referrerpolicy=\"no-referrer\" title=\"https://example.com/a?b=1&amp;c=2\">ok</a> \
             <a href=\"mailto:maya@example.com\" target=\"_blank\" rel=\"noopener noreferrer\" \
             referrerpolicy=\"no-referrer\">mailto:maya@example.com</a></p>",
        ),
        (
            "see https://example.com/x.",
            "<p>see <a href=\"https://example.com/x\" target=\"_blank\" rel=\"noopener noreferrer\" \
             referrerpolicy=\"no-referrer\">https://example.com/x</a>.</p>",
        ),
        (
            // CommonMark: a link destination holds a tab only inside `<…>`, so `[c](java\t…)` is
            // not a link at all and stays text; `[c2](<java\t…>)` is one, refused. `<scheme:…>`
            // is an autolink whatever the scheme, so `<javascript:…>` is a refused link too.
            "[a](javascript:alert(1)) [b]( JAVASCRIPT:alert(1)) [c](java\tscript:alert(1)) \
             [c2](<java\tscript:alert(1)>) \
             [d](data:text/html,<script>alert(1)</script>) [e](vbscript:x) [f](/relative) \
             [g](//evil.example) <javascript:alert(1)>",
            "<p><span class=\"unsafe-link\">a</span> <span class=\"unsafe-link\">b</span> \
             [c](java\tscript:alert(1)) <span class=\"unsafe-link\">c2</span> \
             <span class=\"unsafe-link\">d</span> \
             <span class=\"unsafe-link\">e</span> <span class=\"unsafe-link\">f</span> \
             <span class=\"unsafe-link\">g</span> <span class=\"unsafe-link\">javascript:alert(1)</span></p>",
        ),
        (
            "![x](https://example.com/i.png) <img src=x onerror=alert(1)><b>raw</b>",
            "<p><a href=\"https://example.com/i.png\" target=\"_blank\" rel=\"noopener noreferrer\" \
             referrerpolicy=\"no-referrer\" class=\"image-link\" title=\"https://example.com/i.png\">x</a> \
             &lt;img src=x onerror=alert(1)&gt;&lt;b&gt;raw&lt;/b&gt;</p>",
        ),
    ];
    let inputs: Vec<&str> = cases.iter().map(|(markdown, _)| *markdown).collect();
    let rendered: Vec<String> = tab
        .eval(&format!(
            "import('/static/markdown.js').then(m => {}.map(source => {{\
               const box = document.createElement('div'); m.renderMarkdown(source, box);\
               return box.innerHTML; }}))",
            serde_json::to_string(&inputs).unwrap()
        ))
        .await;
    assert_eq!(rendered.len(), cases.len());
    for ((markdown, expected), got) in cases.iter().zip(&rendered) {
        assert_eq!(got, expected, "rendering {markdown:?}");
    }

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}
