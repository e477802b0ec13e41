//! Building and running the application; `main` and the end-to-end tests build the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, middleware};
use adapters_offline::OfflineAnswerer;
use adapters_openrouter::{OpenRouterConfig, OpenRouterLlm};
use adapters_postgres::SeaOrmRepo;
use adapters_redis::RedisHub;
use adapters_tiktoken::TiktokenCounter;
use api_actix::{AppState, Limits, MetricsRender, OwnerAccess, OwnerArea};
use domain::{AnswerHub, ArchivePort, ChatService, LlmPort, MemoryHub, RepoPort};
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::{info, warn};
use tracing_actix_web::TracingLogger;

use crate::config::{Settings, Summary};
use crate::metered::{self, MeteredLlm, MeteredRepo};
use crate::retention;
use crate::telemetry::RedactedRootSpan;

/// How long past `SHUTDOWN_GRACE` the server waits for the answers it stopped then to be stored
/// (with their retries, well under a second) and their clients told, before it exits anyway.
const SHUTDOWN_STORE_MARGIN: Duration = Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Resume(#[from] resume_loader::LoadError),
    #[error("{0}")]
    Database(String),
    #[error("the model adapter could not be set up: {0}")]
    Llm(String),
    #[error("{0}")]
    Watch(String),
    #[error("{0}")]
    Redis(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("could not listen on {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

/// A built server, bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    /// Reloads the resume when its file is edited, for as long as the server lives.
    _watcher: resume_loader::ResumeWatcher,
    /// Stops the retention task (`RETENTION_DAYS`) when the server is dropped; the shutdown
    /// stops it first.
    _retention: Option<DropGuard>,
    shutdown: CancellationToken,
    shutdown_deadline: CancellationToken,
    grace: Duration,
    chat: ChatService,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Loads the resume, connects and migrates storage, picks the answerer, binds the port.
    ///
    /// # Errors
    /// [`StartError`] saying what to fix.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        Self::build_with_llm(settings, None).await
    }

    /// As [`Application::build`], with the model port given instead of chosen from the
    /// configuration (tests record prompts this way).
    ///
    /// # Errors
    /// [`StartError`] saying what to fix.
    pub async fn build_with_llm(
        settings: Settings,
        llm: Option<Arc<dyn LlmPort>>,
    ) -> Result<Self, StartError> {
        let started = Instant::now();
        info!("starting: {}", Summary(&settings));

        let resume = Arc::new(resume_loader::load_resume(&settings.server.resume_path)?);
        info!(name = %resume.name, sections = resume.sections.len(), "resume loaded");

        let repo = SeaOrmRepo::connect(settings.database_url.expose(), settings.storage)
            .await
            .map_err(|e| StartError::Database(e.to_string()))?;
        repo.migrate()
            .await
            .map_err(|e| StartError::Database(e.to_string()))?;
        info!(database = %settings.database_url.redacted(), "storage ready, migrations applied");

        let (llm, offline): (Arc<dyn LlmPort>, bool) = match llm {
            Some(llm) => (llm, false),
            None => choose_llm(&settings, &resume)?,
        };
        let llm: Arc<dyn LlmPort> = Arc::new(MeteredLlm::new(llm));
        info!(answerer = %llm.describe(), "answers come from {}", llm.describe());

        let metrics = metered::prometheus().map(|handle| {
            let repo = repo.clone();
            MetricsRender(Arc::new(move || {
                metrics::gauge!("resume_chat_db_pool_in_use").set(repo.pool_in_use() as f64);
                handle.render()
            }))
        });
        let limits = Limits::new(settings.limits.clone());
        let storage = repo.clone();

        let archive = repo.clone();
        let chat = ChatService::new(
            Arc::new(MeteredRepo::new(repo)) as Arc<dyn RepoPort>,
            llm,
            Arc::new(TiktokenCounter::new()),
            &resume,
            settings.chat,
        )
        .with_hub(answer_hub(&settings).await?);
        let shutdown = CancellationToken::new();
        let shutdown_deadline = CancellationToken::new();
        let retention = settings.retention.policy().map(|policy| {
            let stop = shutdown.child_token();
            retention::spawn(
                policy,
                Arc::new(storage),
                retention::SWEEP_EVERY,
                stop.clone(),
            );
            stop.drop_guard()
        });
        let watcher = {
            let chat = chat.clone();
            resume_loader::watch(&settings.server.resume_path, move |resume| {
                chat.replace_resume(resume)
            })
            .map_err(|e| {
                StartError::Watch(format!(
                    "cannot watch the resume file {} for edits: {e}",
                    settings.server.resume_path.display()
                ))
            })?
        };
        let owner = match settings.owner.token() {
            Some(token) => Some(OwnerArea {
                access: Arc::new(
                    OwnerAccess::new(token.clone())
                        .map_err(|e| StartError::Config(e.to_string()))?,
                ),
                archive: Arc::new(archive) as Arc<dyn ArchivePort>,
            }),
            None => None,
        };
        let state = AppState {
            chat: chat.clone(),
            ws: settings.socket,
            shutdown: shutdown.clone(),
            shutdown_deadline: shutdown_deadline.clone(),
            offline,
            limits,
            metrics,
            page_csp: settings.framing.page_csp(),
            owner,
            retention_days: settings.retention.retention_days,
        };

        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = listen(&address, settings.server.listen_backlog).map_err(|source| {
            StartError::Bind {
                address: address.clone(),
                source,
            }
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                address: address.clone(),
                source,
            })?
            .port();
        let grace = settings.server.shutdown_grace;
        let framing = settings.framing.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(api_actix::security_headers(&framing))
                .wrap(middleware::NormalizePath::trim())
                .wrap(TracingLogger::<RedactedRootSpan>::new())
                .configure(api_actix::configure(state.clone()))
        })
        // A chat streams many small frames: without this, Nagle's algorithm holds a delta
        // until the previous one is acknowledged (up to 40 ms with delayed ACKs).
        .tcp_nodelay(true)
        .listen(listener)
        .map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?
        .disable_signals()
        .shutdown_timeout((grace + SHUTDOWN_STORE_MARGIN).as_secs())
        .run();

        info!(
            port,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ready: http://{}:{port}/",
            settings.server.host
        );
        Ok(Self {
            port,
            server,
            _watcher: watcher,
            _retention: retention,
            shutdown,
            shutdown_deadline,
            grace,
            chat,
        })
    }

    /// The port actually bound (tests bind port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server as SIGTERM would.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            handle: self.server.handle(),
            shutdown: self.shutdown.clone(),
            shutdown_deadline: self.shutdown_deadline.clone(),
            grace: self.grace,
            chat: self.chat.clone(),
        }
    }

    /// Serves until SIGINT or SIGTERM (or a [`Stopper`]); then stops accepting, lets answers in
    /// flight finish for up to `SHUTDOWN_GRACE`, stops and stores those still running then
    /// (telling their clients), closes sockets with 1001 and returns.
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopper = self.stopper();
        let grace = self.grace;
        tokio::spawn(async move {
            wait_for_signal().await;
            info!(grace_secs = grace.as_secs(), "shutting down");
            stopper.stop().await;
            info!("stopped");
        });
        self.server.await
    }

    /// Serves until a [`Stopper`] stops it, leaving the process's signals alone (for tests and
    /// embedding).
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn serve(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Stops a running [`Application`] gracefully.
#[derive(Debug, Clone)]
pub struct Stopper {
    handle: ServerHandle,
    shutdown: CancellationToken,
    shutdown_deadline: CancellationToken,
    grace: Duration,
    chat: ChatService,
}

impl Stopper {
    /// Stops accepting, closes idle sockets with 1001, lets answers in flight finish for up to
    /// the grace, then stops those still running (they are stored as they stand and their
    /// clients told), and returns once every connection is closed.
    pub async fn stop(&self) {
        let began = Instant::now();
        self.shutdown.cancel();
        let deadline = self.shutdown_deadline.clone();
        let grace = self.grace;
        let chat = self.chat.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            warn!(
                grace_secs = grace.as_secs(),
                "the shutdown grace ran out: stopping the answers still in flight"
            );
            deadline.cancel();
            // Answers no socket follows any more are stopped too, and stored as they stand.
            chat.cancel_answers();
        });
        self.handle.stop(true).await;
        // Every socket is closed; answers whose visitors left still finish within the grace.
        let patience = (grace + SHUTDOWN_STORE_MARGIN).saturating_sub(began.elapsed());
        self.chat.wait_for_answers(patience).await;
        timer.abort();
    }
}

/// A listening socket on `address` with room for `backlog` pending connections.
fn listen(address: &str, backlog: u32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    use std::net::ToSocketAddrs;

    let addr = address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            "the host name resolves to no address",
        )
    })?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std does: a restarted server can bind while old connections linger in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// Where answers in flight live: Redis when `REDIS_URL` is set (several instances), else
/// this process.
async fn answer_hub(settings: &Settings) -> Result<Arc<dyn AnswerHub>, StartError> {
    let Some(url) = settings.sharing.redis_url.expose() else {
        return Ok(Arc::new(MemoryHub::new(settings.answers)));
    };
    let hub = RedisHub::connect(url, &settings.sharing.redis_key_prefix, settings.answers)
        .await
        .map_err(|e| {
            StartError::Redis(format!(
                "REDIS_URL={}: {}",
                adapters_postgres::redact_url(url),
                adapters_postgres::scrub(e.to_string(), url)
            ))
        })?;
    Ok(Arc::new(hub))
}

/// A key set → the OpenAI-compatible adapter at `LLM_BASE_URL`; no key → the offline answerer.
fn choose_llm(
    settings: &Settings,
    resume: &domain::Resume,
) -> Result<(Arc<dyn LlmPort>, bool), StartError> {
    let Some(key) = settings.api_key() else {
        info!("OPENROUTER_API_KEY is not set: answering with the built-in offline answerer");
        return Ok((Arc::new(OfflineAnswerer::new(resume)), true));
    };
    let config = OpenRouterConfig {
        api_key: key.clone(),
        ..settings.model.clone()
    };
    let llm = OpenRouterLlm::new(config).map_err(|e| {
        StartError::Llm(adapters_postgres::scrub(
            e.to_string(),
            &settings.model.base_url,
        ))
    })?;
    Ok((Arc::new(llm), false))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
