//! What the browser tests stand on: the real server on a free port (restartable on the same
//! port, over the same SQLite file), a scripted slow model, and Debian's chromium driven over the
//! DevTools protocol with `chromiumoxide`.
//!
//! Every wait is for a condition, with a generous timeout; nothing asserts how long anything
//! takes. On a timeout the test saves a screenshot and says what it was waiting for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::{
    MediaFeature, SetDeviceMetricsOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::network::EventRequestWillBeSent;
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, EventJavascriptDialogOpening,
    HandleJavaScriptDialogParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, EventExceptionThrown};
use chromiumoxide::page::{Page, ScreenshotParams};
use domain::{FinishReason, LlmError, LlmEvent, LlmPort, LlmRequest, LlmStream, Usage};
use futures::{StreamExt, stream};
use serde::de::DeserializeOwned;
use serde_json::Value;
use server::startup::Stopper;
use server::{Application, Settings};

/// Where Debian puts chromium; `.ci/run` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The longest wait for any condition on the page. Generous: CI machines can be slow, and a
/// passing test never waits this long.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(25);
/// Desktop viewport of every page unless a test asks for a phone.
const DESKTOP: (u32, u32) = (1280, 860);

// ---------------------------------------------------------------------------------------------
// The server

/// The real server over a SQLite file that outlives restarts.
pub struct TestServer {
    pub port: u16,
    db_url: String,
    _db_dir: tempfile::TempDir,
    running: Option<Running>,
}

struct Running {
    stopper: Stopper,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn settings(port: u16, db_url: &str) -> Settings {
    let env: HashMap<String, String> = [
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", port.to_string()),
        ("DATABASE_URL", db_url.to_owned()),
        (
            "RESUME_PATH",
            format!("{}/../../data/resume.json", env!("CARGO_MANIFEST_DIR")),
        ),
        ("LOG_LEVEL", "warn".to_owned()),
        ("SHUTDOWN_GRACE", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Settings::from_sources(None, env).expect("test settings are valid")
}

impl TestServer {
    /// Starts on a free port; `llm` `None` is the built-in offline answerer.
    pub async fn start(llm: Option<Arc<dyn LlmPort>>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = format!("sqlite://{}/chat.db?mode=rwc", dir.path().display());
        let mut server = Self {
            port: 0,
            db_url,
            _db_dir: dir,
            running: None,
        };
        server.run(llm).await;
        server
    }

    async fn run(&mut self, llm: Option<Arc<dyn LlmPort>>) {
        let app = Application::build_with_llm(settings(self.port, &self.db_url), llm)
            .await
            .expect("the server starts");
        self.port = app.port();
        let stopper = app.stopper();
        let task = tokio::spawn(app.serve());
        self.running = Some(Running { stopper, task });
    }

    /// Stops the server as SIGTERM would (sockets are closed with 1001).
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stopper.stop().await;
            let _ = running.task.await;
        }
    }

    /// Starts again on the same port, over the same database.
    pub async fn restart(&mut self, llm: Option<Arc<dyn LlmPort>>) {
        self.stop().await;
        self.run(llm).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn origin(&self) -> String {
        self.url("")
    }
}

// ---------------------------------------------------------------------------------------------
// A scripted model

/// A model that answers every question with the same text, word by word, pausing between
/// words so a browser can watch it stream.
#[derive(Debug)]
pub struct ScriptedLlm {
    answer: String,
    pause: Duration,
}

impl ScriptedLlm {
    pub fn new(answer: &str, pause: Duration) -> Arc<Self> {
        Arc::new(Self {
            answer: answer.to_owned(),
            pause,
        })
    }
}

#[async_trait]
impl LlmPort for ScriptedLlm {
    async fn stream_answer(&self, _request: LlmRequest) -> Result<LlmStream, LlmError> {
        let pieces: Vec<String> = self
            .answer
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect();
        let completion_tokens = u32::try_from(pieces.len()).unwrap_or(u32::MAX);
        let pause = self.pause;
        let deltas = stream::iter(pieces).then(move |piece| async move {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            Ok(LlmEvent::Delta(piece))
        });
        let done = stream::once(async move {
            Ok(LlmEvent::Finished {
                finish_reason: FinishReason::Stop,
                usage: Some(Usage {
                    prompt_tokens: 100,
                    completion_tokens,
                }),
                model: Some("scripted".into()),
            })
        });
        Ok(deltas.chain(done).boxed())
    }

    fn describe(&self) -> String {
        "scripted test model".into()
    }
}

// ---------------------------------------------------------------------------------------------
// The browser

/// Chromium, or `None` when it is missing outside CI (the test then says it skipped).
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{CHROMIUM} is missing; CI must install it (apt-get install chromium)");
    }
    eprintln!(
        "\n==================================================================\n\
         SKIPPED: {CHROMIUM} is missing, so the browser tests did not run.\n\
         Install it with: apt-get install -y chromium\n\
         ==================================================================\n"
    );
    None
}

/// Where screenshots go: `<target>/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// One headless chromium with a profile of its own.
pub struct Chrome {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chrome {
    /// `None` when chromium is missing and this is not CI.
    pub async fn launch() -> Option<Self> {
        let executable = chromium()?;
        let profile = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .user_data_dir(profile.path())
            .disable_default_args()
            .no_sandbox()
            .args([
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "no-first-run",
                "disable-quic",
                "disable-dev-shm-usage",
                "disable-default-apps",
                "disable-extensions",
                "disable-features=Translate,MediaRouter,OptimizationHints",
            ])
            .window_size(DESKTOP.0, DESKTOP.1)
            .viewport(None)
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(30))
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("chromium starts");
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    // A message this crate does not know; the connection itself goes on.
                    continue;
                }
            }
        });
        Some(Self {
            browser,
            handler,
            _profile: profile,
        })
    }

    /// A new tab at `url`, watched for dialogs, exceptions, foreign requests and CSP
    /// violations. `name` prefixes its screenshots.
    pub async fn open(&self, name: &str, url: &str) -> Tab {
        let page = self
            .browser
            .new_page("about:blank")
            .await
            .expect("a new tab");
        let tab = Tab::watch(name, page).await;
        tab.goto(url).await;
        tab
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// The colour scheme, and reduced motion: screenshots then show settled colours rather than a
/// transition between schemes.
async fn emulate_media(page: &Page, dark: bool) {
    let scheme = MediaFeature::new("prefers-color-scheme", if dark { "dark" } else { "light" });
    let motion = MediaFeature::new("prefers-reduced-motion", "reduce");
    page.emulate_media_features(vec![scheme, motion])
        .await
        .expect("media features");
}

/// A tab, with what it has seen.
pub struct Tab {
    pub page: Page,
    name: String,
    dialogs: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    exceptions: Arc<Mutex<Vec<String>>>,
}

/// Runs in every document before its own scripts: records CSP violations where a test can read
/// them.
const WATCH_SCRIPT: &str = "window.__cspViolations = [];\
    document.addEventListener('securitypolicyviolation', (e) => {\
      window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);\
    });";

impl Tab {
    async fn watch(name: &str, page: Page) -> Self {
        let dialogs = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let exceptions = Arc::new(Mutex::new(Vec::new()));

        let mut opened = page
            .event_listener::<EventJavascriptDialogOpening>()
            .await
            .expect("dialog events");
        let counter = dialogs.clone();
        let dismiss = page.clone();
        tokio::spawn(async move {
            while let Some(dialog) = opened.next().await {
                eprintln!("a dialog opened: {:?}", dialog.message);
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = dismiss
                    .execute(HandleJavaScriptDialogParams::new(false))
                    .await;
            }
        });

        let mut sent = page
            .event_listener::<EventRequestWillBeSent>()
            .await
            .expect("network events");
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Some(request) = sent.next().await {
                seen.lock().expect("lock").push(request.request.url.clone());
            }
        });

        let mut thrown = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception events");
        let errors = exceptions.clone();
        tokio::spawn(async move {
            while let Some(event) = thrown.next().await {
                let details = &event.exception_details;
                let text = details
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| details.text.clone());
                errors.lock().expect("lock").push(text);
            }
        });

        page.evaluate_on_new_document(AddScriptToEvaluateOnNewDocumentParams::new(WATCH_SCRIPT))
            .await
            .expect("watch script");
        emulate_media(&page, false).await;
        page.execute(
            SetDeviceMetricsOverrideParams::builder()
                .width(DESKTOP.0)
                .height(DESKTOP.1)
                .device_scale_factor(1.0)
                .mobile(false)
                .build()
                .expect("metrics"),
        )
        .await
        .expect("desktop viewport");

        Self {
            page,
            name: name.to_owned(),
            dialogs,
            requests,
            exceptions,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.page.goto(url).await.expect("navigation");
    }

    pub async fn reload(&self) {
        self.assert_no_csp_violations().await;
        self.page.reload().await.expect("reload");
    }

    /// Evaluates `js` (an expression; promises are awaited) and returns its JSON value.
    pub async fn eval<T: DeserializeOwned>(&self, js: &str) -> T {
        let value = self.eval_value(js).await;
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("`{js}` gave {value}, not the expected type: {e}"))
    }

    async fn eval_value(&self, js: &str) -> Value {
        let params = EvaluateParams::builder()
            .expression(js)
            .return_by_value(true)
            .await_promise(true)
            .build()
            .expect("evaluate params");
        match self.page.evaluate_expression(params).await {
            Ok(result) => result.value().cloned().unwrap_or(Value::Null),
            // A page being replaced (reload) has no context for a moment: not an answer yet.
            Err(_) => Value::Null,
        }
    }

    /// Waits until `js` gives a truthy value, and returns it. On timeout: a screenshot, then a
    /// panic naming `what`.
    pub async fn wait_for(&self, what: &str, js: &str) -> Value {
        let start = Instant::now();
        loop {
            let value = self.eval_value(js).await;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(_) | Value::Object(_) => true,
            };
            if truthy {
                return value;
            }
            if start.elapsed() > WAIT_TIMEOUT {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "timed out waiting for {what} (`{js}` gave {value}); screenshot: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    pub async fn click(&self, selector: &str) {
        self.page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("{selector} is on the page: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{selector} can be clicked: {e}"));
    }

    /// Types into the question box and presses Enter, as a person would.
    pub async fn ask(&self, question: &str) {
        self.wait_for(
            "the page to be ready for a question",
            "document.getElementById('app').dataset.connection === 'connected' \
             && !document.getElementById('question').disabled",
        )
        .await;
        let input = self
            .page
            .find_element("#question")
            .await
            .expect("the question box");
        input.click().await.expect("focus the box");
        input.type_str(question).await.expect("type");
        input.press_key("Enter").await.expect("press Enter");
    }

    /// Saves a screenshot of the viewport as `<name>-<label>.png` and returns its path.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let path = screenshot_dir().join(format!("{}-{label}.png", self.name));
        let params = ScreenshotParams::builder().full_page(false).build();
        if let Err(error) = self.page.save_screenshot(params, &path).await {
            eprintln!("screenshot {} failed: {error}", path.display());
        }
        path
    }

    /// Emulates a phone (390×844 CSS pixels) or goes back to the desktop viewport.
    pub async fn phone(&self, on: bool) {
        let (width, height, scale) = if on {
            (390, 844, 2.0)
        } else {
            (DESKTOP.0, DESKTOP.1, 1.0)
        };
        self.page
            .execute(
                SetDeviceMetricsOverrideParams::builder()
                    .width(width)
                    .height(height)
                    .device_scale_factor(scale)
                    .mobile(on)
                    .build()
                    .expect("metrics"),
            )
            .await
            .expect("viewport");
    }

    /// Emulates the dark (or light) colour scheme.
    pub async fn dark(&self, on: bool) {
        emulate_media(&self.page, on).await;
    }

    pub fn dialogs(&self) -> usize {
        self.dialogs.load(Ordering::SeqCst)
    }

    async fn assert_no_csp_violations(&self) {
        self.assert_csp_blocked_only(&[]).await;
    }

    /// Every CSP violation so far is the policy blocking a URL starting with one of `expected`.
    async fn assert_csp_blocked_only(&self, expected: &[&str]) {
        let violations: Vec<String> = self.eval("window.__cspViolations || []").await;
        let unexpected: Vec<&String> = violations
            .iter()
            .filter(|v| {
                !expected.iter().any(|url| {
                    v.split_once(' ')
                        .is_some_and(|(_, blocked)| blocked.starts_with(url))
                })
            })
            .collect();
        assert!(
            unexpected.is_empty(),
            "{}: Content-Security-Policy violations: {unexpected:#?}",
            self.name
        );
    }

    /// The tab broke no rule: no dialog, no uncaught exception, no CSP violation, and no request
    /// left `origin`.
    pub async fn assert_clean(&self, origin: &str) {
        self.assert_clean_but_blocked(origin, &[]).await;
    }

    /// As [`Tab::assert_clean`], where the page tried to load URLs starting with `blocked` and
    /// its Content-Security-Policy stopped them (so they did not leave either).
    pub async fn assert_clean_but_blocked(&self, origin: &str, blocked: &[&str]) {
        assert_eq!(self.dialogs(), 0, "{}: a dialog opened", self.name);
        let exceptions = self.exceptions.lock().expect("lock").clone();
        assert!(
            exceptions.is_empty(),
            "{}: uncaught exceptions: {exceptions:#?}",
            self.name
        );
        self.assert_csp_blocked_only(blocked).await;
        let ws_origin = origin.replacen("http://", "ws://", 1);
        let foreign: Vec<String> = self
            .requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|url| {
                !(url.starts_with(&format!("{origin}/"))
                    || url.starts_with(&format!("{ws_origin}/"))
                    || url.starts_with("data:")
                    || url.starts_with("blob:")
                    || url.as_str() == "about:blank"
                    || blocked.iter().any(|b| url.starts_with(b)))
            })
            .cloned()
            .collect();
        assert!(
            foreign.is_empty(),
            "{}: requests left the server's origin: {foreign:#?}",
            self.name
        );
    }
}
