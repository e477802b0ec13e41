//! Building and running the application; `main` and the end-to-end tests build the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, middleware};
use adapters_offline::OfflineAnswerer;
use adapters_postgres::{ConnectOptions, SeaOrmRepo};
use api_actix::{AppState, WsSettings};
use domain::prompt::PromptBudget;
use domain::{ChatService, ChatSettings, LlmPort, RepoPort, TiktokenCounter};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{Settings, Summary};

/// How long to wait for the database at start before giving up with a clear error.
const DATABASE_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request waits for a pooled connection before storage counts as unavailable.
const DATABASE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Server pings keep NAT and proxies from dropping quiet sockets; well under common 60 s limits.
const WS_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(20);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Resume(#[from] resume_loader::LoadError),
    #[error("{0}")]
    Database(String),
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
    shutdown: CancellationToken,
    grace: Duration,
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

        let resume = Arc::new(resume_loader::load_resume(&settings.resume_path)?);
        info!(name = %resume.name, sections = resume.sections.len(), "resume loaded");

        let repo = SeaOrmRepo::connect(
            settings.database_url.expose_secret(),
            ConnectOptions {
                pool_size: settings.database_pool_size,
                connect_timeout: DATABASE_CONNECT_TIMEOUT,
                acquire_timeout: DATABASE_ACQUIRE_TIMEOUT,
            },
        )
        .await
        .map_err(|e| StartError::Database(e.to_string()))?;
        repo.migrate()
            .await
            .map_err(|e| StartError::Database(e.to_string()))?;
        info!(database = %settings.database_url_redacted(), "storage ready, migrations applied");

        let (llm, offline): (Arc<dyn LlmPort>, bool) = match llm {
            Some(llm) => (llm, false),
            None => choose_llm(&settings, &resume),
        };
        info!(answerer = %llm.describe(), "answers come from {}", llm.describe());

        let chat = ChatService::new(
            Arc::new(repo) as Arc<dyn RepoPort>,
            llm,
            Arc::new(TiktokenCounter::new()),
            &resume,
            ChatSettings {
                budget: PromptBudget {
                    max_context_tokens: settings.max_context_tokens,
                    max_response_tokens: settings.max_response_tokens,
                },
                ..ChatSettings::default()
            },
        );
        let shutdown = CancellationToken::new();
        let state = AppState {
            chat,
            resume,
            ws: WsSettings {
                max_question_chars: settings.max_question_chars,
                idle_timeout: settings.ws_idle_timeout(),
                heartbeat_interval: WS_HEARTBEAT_INTERVAL.min(settings.ws_idle_timeout()),
                ..WsSettings::default()
            },
            shutdown: shutdown.clone(),
            offline,
        };

        let address = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartError::Bind {
                address: address.clone(),
                source,
            })?
            .port();
        let grace = settings.shutdown_grace();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::NormalizePath::trim())
                .configure(api_actix::configure(state.clone()))
        })
        .listen(listener)
        .map_err(|source| StartError::Bind {
            address: address.clone(),
            source,
        })?
        .disable_signals()
        .shutdown_timeout(grace.as_secs().max(1))
        .run();

        info!(
            port,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ready: http://{}:{port}/",
            settings.host
        );
        Ok(Self {
            port,
            server,
            shutdown,
            grace,
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
        }
    }

    /// Serves until SIGINT or SIGTERM (or a [`Stopper`]); then stops accepting, lets answers in
    /// flight finish, closes sockets with 1001 and returns.
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
}

impl Stopper {
    pub async fn stop(&self) {
        self.shutdown.cancel();
        self.handle.stop(true).await;
    }
}

fn choose_llm(settings: &Settings, resume: &domain::Resume) -> (Arc<dyn LlmPort>, bool) {
    if settings.api_key().is_some() {
        warn!(
            "OPENROUTER_API_KEY is set, but this build has no model adapter yet; \
             answering with the offline answerer"
        );
    } else {
        info!("OPENROUTER_API_KEY is not set: answering with the built-in offline answerer");
    }
    (Arc::new(OfflineAnswerer::new(resume)), true)
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
