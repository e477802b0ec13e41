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
use chromiumoxide::cdp::browser_protocol::browser::{
    SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::emulation::{
    MediaFeature, SetDeviceMetricsOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, InsertTextParams,
};
use chromiumoxide::cdp::browser_protocol::network::EventRequestWillBeSent;
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, EventJavascriptDialogOpening,
    HandleJavaScriptDialogParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    EvaluateParams, EventExceptionThrown, ExecutionContextId,
};
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
    /// Settings beyond the defaults, e.g. `FRAME_ANCESTORS`.
    extra: Vec<(&'static str, String)>,
    _db_dir: tempfile::TempDir,
    running: Option<Running>,
}

struct Running {
    stopper: Stopper,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn settings(port: u16, db_url: &str, extra: &[(&str, String)]) -> Settings {
    let mut env: HashMap<String, String> = [
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
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Settings::from_sources(None, env).expect("test settings are valid")
}

impl TestServer {
    /// Starts on a free port; `llm` `None` is the built-in offline answerer.
    pub async fn start(llm: Option<Arc<dyn LlmPort>>) -> Self {
        Self::start_with(llm, &[]).await
    }

    /// As [`TestServer::start`], with more settings.
    pub async fn start_with(
        llm: Option<Arc<dyn LlmPort>>,
        extra: &[(&'static str, String)],
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = format!("sqlite://{}/chat.db?mode=rwc", dir.path().display());
        let mut server = Self {
            port: 0,
            db_url,
            extra: extra.to_vec(),
            _db_dir: dir,
            running: None,
        };
        server.run(llm).await;
        server
    }

    async fn run(&mut self, llm: Option<Arc<dyn LlmPort>>) {
        let app = Application::build_with_llm(settings(self.port, &self.db_url, &self.extra), llm)
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
// A second site

/// Another site on another port: the portfolio that embeds the widget. It answers every `GET`
/// with one page and that page's own Content-Security-Policy (favicon requests get a 404).
pub struct HostSite {
    pub port: u16,
    /// (Content-Security-Policy, HTML)
    page: Arc<Mutex<(String, String)>>,
    task: tokio::task::JoinHandle<()>,
}

impl HostSite {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the host site");
        let port = listener.local_addr().expect("its address").port();
        let page = Arc::new(Mutex::new((String::new(), String::new())));
        let served = page.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (csp, html) = served.lock().expect("lock").clone();
                tokio::spawn(answer_one_request(stream, csp, html));
            }
        });
        Self { port, page, task }
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// The page every later request gets.
    pub fn serve(&self, csp: &str, html: &str) {
        *self.page.lock().expect("lock") = (csp.to_owned(), html.to_owned());
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer_one_request(mut stream: tokio::net::TcpStream, csp: String, html: String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut request = Vec::new();
    let mut buffer = [0_u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65_536 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let first_line = String::from_utf8_lossy(&request);
    let response = if first_line.starts_with("GET / ") || first_line.starts_with("GET /?") {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Security-Policy: {csp}\r\nCache-Control: no-store\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{html}",
            html.len()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
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

    /// Lets pages download files into `dir` (headless chromium refuses downloads otherwise).
    pub async fn allow_downloads(&self, dir: &Path) {
        self.browser
            .execute(
                SetDownloadBehaviorParams::builder()
                    .behavior(SetDownloadBehaviorBehavior::Allow)
                    .download_path(dir.display().to_string())
                    .build()
                    .expect("download behaviour"),
            )
            .await
            .expect("downloads allowed");
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

/// JavaScript's truthiness, for the values a test waits on.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
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
        self.eval_where(None, js).await
    }

    /// As [`Tab::eval`], inside the frame whose URL contains `url_part` (same-site frames share
    /// the page's process, so the page's session reaches them).
    pub async fn eval_in_frame<T: DeserializeOwned>(&self, url_part: &str, js: &str) -> T {
        self.eval_where(Some(url_part), js).await
    }

    async fn eval_where<T: DeserializeOwned>(&self, frame: Option<&str>, js: &str) -> T {
        let value = self.eval_value(frame, js).await;
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("`{js}` gave {value}, not the expected type: {e}"))
    }

    /// `js`'s value in the page, or in the frame whose URL contains `frame`; `null` while that
    /// frame is missing.
    async fn eval_value(&self, frame: Option<&str>, js: &str) -> Value {
        let mut params = EvaluateParams::builder()
            .expression(js)
            .return_by_value(true)
            .await_promise(true);
        if let Some(url_part) = frame {
            let Some(context) = self.frame_context(url_part).await else {
                return Value::Null;
            };
            params = params.context_id(context);
        }
        let params = params.build().expect("evaluate params");
        match self.page.evaluate_expression(params).await {
            Ok(result) => result.value().cloned().unwrap_or(Value::Null),
            // A page being replaced (reload) has no context for a moment: not an answer yet.
            Err(_) => Value::Null,
        }
    }

    /// Waits until `js` gives a truthy value, and returns it. On timeout: a screenshot, then a
    /// panic naming `what`.
    pub async fn wait_for(&self, what: &str, js: &str) -> Value {
        self.wait_where(what, None, js).await
    }

    /// As [`Tab::wait_for`], inside the frame whose URL contains `url_part`.
    pub async fn wait_for_in_frame(&self, what: &str, url_part: &str, js: &str) -> Value {
        self.wait_where(what, Some(url_part), js).await
    }

    async fn wait_where(&self, what: &str, frame: Option<&str>, js: &str) -> Value {
        let start = Instant::now();
        loop {
            let value = self.eval_value(frame, js).await;
            if truthy(&value) {
                return value;
            }
            if start.elapsed() > WAIT_TIMEOUT {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "timed out waiting for {what} in {} (`{js}` gave {value}); screenshot: {}",
                    frame.unwrap_or("the page"),
                    shot.display()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// The execution context of the frame whose URL contains `url_part`, once it has one.
    async fn frame_context(&self, url_part: &str) -> Option<ExecutionContextId> {
        for frame in self.page.frames().await.ok()? {
            let url = self.page.frame_url(frame.clone()).await.ok().flatten();
            if url.is_some_and(|u| u.contains(url_part)) {
                return self
                    .page
                    .frame_execution_context(frame)
                    .await
                    .ok()
                    .flatten();
            }
        }
        None
    }

    /// The URLs of the page's frames, its own first.
    pub async fn frame_urls(&self) -> Vec<String> {
        let mut urls = Vec::new();
        for frame in self.page.frames().await.unwrap_or_default() {
            if let Ok(Some(url)) = self.page.frame_url(frame).await {
                urls.push(url);
            }
        }
        urls
    }

    /// Waits until a frame's URL starts with `prefix`, and returns it.
    pub async fn wait_for_frame_url(&self, prefix: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(url) = self
                .frame_urls()
                .await
                .into_iter()
                .find(|u| u.starts_with(prefix))
            {
                return url;
            }
            if start.elapsed() > WAIT_TIMEOUT {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "timed out waiting for a frame at {prefix} (frames: {:?}); screenshot: {}",
                    self.frame_urls().await,
                    shot.display()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Presses one key (`Enter`, `Tab`, `Escape`) wherever the focus is, frames included.
    pub async fn press(&self, key: &str) {
        let (key_code, text) = match key {
            "Enter" => (13, Some("\r")),
            "Tab" => (9, None),
            "Escape" => (27, None),
            other => panic!("no key code for {other}"),
        };
        for kind in [DispatchKeyEventType::KeyDown, DispatchKeyEventType::KeyUp] {
            let mut event = DispatchKeyEventParams::builder()
                .r#type(kind.clone())
                .key(key)
                .code(key)
                .windows_virtual_key_code(key_code)
                .native_virtual_key_code(key_code);
            if let (DispatchKeyEventType::KeyDown, Some(text)) = (&kind, text) {
                event = event.text(text);
            }
            self.page
                .execute(event.build().expect("key event"))
                .await
                .expect("key pressed");
        }
    }

    /// Types `text` wherever the focus is, frames included, as a keyboard would insert it.
    pub async fn type_text(&self, text: &str) {
        self.page
            .execute(InsertTextParams::new(text))
            .await
            .expect("text typed");
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
        self.assert_clean_within(&[origin], blocked).await;
    }

    /// As [`Tab::assert_clean_but_blocked`], where requests may go to any of `origins` (a host
    /// page and the chat it embeds).
    pub async fn assert_clean_within(&self, origins: &[&str], blocked: &[&str]) {
        assert_eq!(self.dialogs(), 0, "{}: a dialog opened", self.name);
        let exceptions = self.exceptions.lock().expect("lock").clone();
        assert!(
            exceptions.is_empty(),
            "{}: uncaught exceptions: {exceptions:#?}",
            self.name
        );
        self.assert_csp_blocked_only(blocked).await;
        let allowed: Vec<String> = origins
            .iter()
            .flat_map(|origin| {
                [
                    format!("{origin}/"),
                    format!("{}/", origin.replacen("http://", "ws://", 1)),
                ]
            })
            .collect();
        let foreign: Vec<String> = self
            .requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|url| {
                !(allowed.iter().any(|prefix| url.starts_with(prefix))
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
