//! Configuration: defaults → optional config file → `.env` → environment, parsed at start into
//! the types that use each setting, with messages a person can act on. Variable names are those
//! of the original service.
//!
//! The `config` crate layers the sources into one table; each owner's type is then deserialised
//! from that table by itself — the chat use case's [`ChatSettings`], the socket's [`WsSettings`],
//! the edge's [`LimitSettings`], the model adapter's [`OpenRouterConfig`], the storage's
//! [`ConnectOptions`], retention's [`RetentionSettings`], and the few settings of the server
//! itself below. Each field is named by
//! its variable and typed (a `Duration`, a bounded number, a list of IP addresses), with its
//! default written once, in its owner's `Default`. An invalid value is an error naming its
//! variable; every one is listed, not only the first.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use adapters_openrouter::OpenRouterConfig;
use adapters_postgres::{ConnectOptions, redact_url};
use api_actix::{AccessError, FramingSettings, LimitSettings, MIN_TOKEN_CHARS, WsSettings};
use config::{Config, Environment, File, FileFormat, Map, Value, ValueKind};
use config_values::{Bounded, Seconds};
use domain::{ChatSettings, HubSettings, RetentionSettings};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_with::{DeserializeFromStr, serde_as};

/// Read when present in the working directory, unless `CONFIG_FILE` names another.
pub const DEFAULT_CONFIG_FILE: &str = "resume-chat.toml";

/// Every setting of the server, each in the type of the part that uses it.
///
/// Secrets (the API key, a database URL that may carry a password) are wrapped so that `Debug`
/// and logs cannot show them.
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    pub log: LogSettings,
    pub database_url: DatabaseUrl,
    pub storage: ConnectOptions,
    /// The model adapter's settings; used only when [`Settings::api_key`] is set.
    pub model: OpenRouterConfig,
    pub chat: ChatSettings,
    /// The answers in flight (`ORPHAN_ANSWER_TIMEOUT`).
    pub answers: HubSettings,
    /// Where answers in flight are shared between instances (`REDIS_URL`).
    pub sharing: SharingSettings,
    pub socket: WsSettings,
    pub limits: LimitSettings,
    /// The sites that may embed the chat page in a frame (`FRAME_ANCESTORS`).
    pub framing: FramingSettings,
    /// The owner's area (`ADMIN_TOKEN`).
    pub owner: OwnerSettings,
    /// How long conversations are kept (`RETENTION_DAYS`).
    pub retention: RetentionSettings,
}

/// `ADMIN_TOKEN`: the secret that opens the owner's area; unset or blank, there is none.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct OwnerSettings {
    admin_token: Option<SecretString>,
}

impl fmt::Debug for OwnerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerSettings")
            .field("admin_token", &self.token().map(|_| "[redacted]"))
            .finish()
    }
}

impl OwnerSettings {
    /// The token, when one is set and not blank.
    pub fn token(&self) -> Option<&SecretString> {
        self.admin_token
            .as_ref()
            .filter(|t| !t.expose_secret().trim().is_empty())
    }

    /// A token too short to be a secret stops the start.
    fn check(&self) -> Result<(), String> {
        match self.token() {
            Some(token) => {
                let chars = token.expose_secret().chars().count();
                if chars < MIN_TOKEN_CHARS {
                    Err(AccessError::TokenTooShort(chars).to_string())
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }
}

/// Where the server listens, what it answers about, how it stops.
#[serde_as]
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub host: String,
    /// 0 asks the system for a free port (tests do).
    #[serde_as(as = "Bounded<0, 65535>")]
    pub port: u16,
    pub resume_path: PathBuf,
    /// How long answers in flight may take to finish once a stop is asked for.
    #[serde_as(as = "Seconds<3600>")]
    pub shutdown_grace: Duration,
    /// Connections the kernel queues before the server accepts them (capped by the kernel's
    /// `net.core.somaxconn`).
    #[serde_as(as = "Bounded<1, 65535>")]
    pub listen_backlog: u32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            // Only this machine: exposing the service is a decision (HOST=0.0.0.0 in docker/).
            host: "127.0.0.1".to_owned(),
            port: 8000,
            // The sample resume, so a fresh clone answers something.
            resume_path: PathBuf::from("data/resume.json"),
            // Long enough for most answers in flight to finish; shorter than the 30 s most
            // orchestrators wait before killing.
            shutdown_grace: Duration::from_secs(20),
            // A burst of a thousand connects (a page reload across a busy site, a load
            // balancer failing over) must not overflow it; std's 128 dropped 562 of 1,000 SYNs.
            listen_backlog: 4096,
        }
    }
}

/// What is logged, and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub log_level: LogLevel,
    pub log_format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            // Start-up, warnings and one line per request: enough to run on, little to store.
            log_level: LogLevel("info".to_owned()),
            // For a person at a terminal; log shippers set json.
            log_format: LogFormat::Pretty,
        }
    }
}

/// `LOG_LEVEL`: a level (`ERROR` … `TRACE`) or a filter such as `info,sqlx=warn`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, DeserializeFromStr)]
pub struct LogLevel(String);

impl LogLevel {
    /// The filter, as `tracing_subscriber::EnvFilter` reads it.
    pub fn filter(&self) -> &str {
        &self.0
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let filter = text.trim().to_ascii_lowercase();
        match tracing_subscriber::EnvFilter::try_new(&filter) {
            Ok(_) => Ok(Self(filter)),
            Err(_) => Err(format!(
                "must be a level (ERROR, WARN, INFO, DEBUG, TRACE) or a filter such as \
                 \"info,sqlx=warn\" (got {text:?})"
            )),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeserializeFromStr)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            _ => Err(format!("must be \"pretty\" or \"json\" (got {text:?})")),
        }
    }
}

/// `DATABASE_URL`: a PostgreSQL or SQLite URL. It may hold a password, so it is kept secret and
/// shown only through [`DatabaseUrl::redacted`].
#[derive(Clone, DeserializeFromStr)]
pub struct DatabaseUrl(SecretString);

/// The embedded default store: a SQLite file beside the sample resume, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/resume-chat.db?mode=rwc";

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with any password replaced, for logs and messages.
    pub fn redacted(&self) -> String {
        redact_url(self.expose())
    }
}

impl Default for DatabaseUrl {
    fn default() -> Self {
        Self(SecretString::from(DEFAULT_DATABASE_URL))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let url = text.trim();
        if ["postgres://", "postgresql://", "sqlite:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            Ok(Self(SecretString::from(url)))
        } else {
            Err(format!(
                "must start with postgres://, postgresql:// or sqlite: (got {:?})",
                redact_url(url)
            ))
        }
    }
}

/// Where answers in flight are shared with the other instances.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SharingSettings {
    /// `REDIS_URL`: empty keeps answers in flight in this process (one instance).
    pub redis_url: RedisUrl,
    /// `REDIS_KEY_PREFIX`: what every key starts with, so that several deployments (or
    /// tests) can share one Redis.
    pub redis_key_prefix: String,
}

impl Default for SharingSettings {
    fn default() -> Self {
        Self {
            redis_url: RedisUrl::default(),
            // The service's name: obvious in `redis-cli --scan`.
            redis_key_prefix: "resume-chat".to_owned(),
        }
    }
}

/// `REDIS_URL`: a `redis://`, `rediss://` or `unix://` URL, or empty. It may hold a password,
/// so it is kept secret and shown only redacted.
#[derive(Clone, Default, DeserializeFromStr)]
pub struct RedisUrl(Option<SecretString>);

impl RedisUrl {
    pub fn expose(&self) -> Option<&str> {
        self.0.as_ref().map(ExposeSecret::expose_secret)
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RedisUrl")
            .field(&self.expose().map(redact_url))
            .finish()
    }
}

impl FromStr for RedisUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let url = text.trim();
        if url.is_empty() {
            Ok(Self(None))
        } else if ["redis://", "rediss://", "unix://"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            Ok(Self(Some(SecretString::from(url))))
        } else {
            Err(format!(
                "must start with redis://, rediss:// or unix:// (got {:?})",
                redact_url(url)
            ))
        }
    }
}

/// The one setting of the storage that is not an option of the connection.
#[derive(Deserialize, Default)]
#[serde(default)]
struct DatabaseSection {
    database_url: DatabaseUrl,
}

/// The configuration could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration: {0}")]
    Read(String),
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl Settings {
    /// Reads `.env` into the environment (without overriding what is set), then layers the
    /// optional config file and the environment over the defaults, and parses the result.
    ///
    /// # Errors
    /// [`ConfigError`] naming each problem.
    pub fn load() -> Result<Self, ConfigError> {
        // A missing .env is normal; a broken one is worth saying.
        if let Err(err) = dotenvy::dotenv()
            && !err.not_found()
        {
            return Err(ConfigError::Read(format!(".env: {err}")));
        }
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::from_sources(std::env::var("CONFIG_FILE").ok(), env)
    }

    /// Layers the config file (`file` must exist when given; otherwise [`DEFAULT_CONFIG_FILE`]
    /// is read if present) and `env`, then parses every part's settings from them.
    ///
    /// # Errors
    /// [`ConfigError`] naming each problem.
    pub fn from_sources(
        file: Option<String>,
        env: HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let file_source = match &file {
            Some(path) => File::with_name(path).required(true),
            None => File::new(DEFAULT_CONFIG_FILE, FileFormat::Toml).required(false),
        };
        let table = Config::builder()
            .add_source(file_source)
            .add_source(Environment::default().source(Some(env)))
            .build()
            .and_then(|config| config::Source::collect(&config))
            .map_err(|e| ConfigError::Read(e.to_string()))?;

        let mut problems = Vec::new();
        let server = section::<ServerSettings>(&table, &mut problems);
        let log = section::<LogSettings>(&table, &mut problems);
        let database = section::<DatabaseSection>(&table, &mut problems);
        let storage = section::<ConnectOptions>(&table, &mut problems);
        let model = section::<OpenRouterConfig>(&table, &mut problems);
        let chat = section::<ChatSettings>(&table, &mut problems);
        let answers = section::<HubSettings>(&table, &mut problems);
        let sharing = section::<SharingSettings>(&table, &mut problems);
        let socket = section::<WsSettings>(&table, &mut problems);
        let limits = section::<LimitSettings>(&table, &mut problems);
        let framing = section::<FramingSettings>(&table, &mut problems);
        let owner = section::<OwnerSettings>(&table, &mut problems);
        let retention = section::<RetentionSettings>(&table, &mut problems);
        if let Some(Err(problem)) = chat.as_ref().map(|c| c.budget.check()) {
            problems.push(problem);
        }
        if let Some(Err(problem)) = framing.as_ref().map(FramingSettings::check) {
            problems.push(problem);
        }
        if let Some(Err(problem)) = owner.as_ref().map(OwnerSettings::check) {
            problems.push(problem);
        }
        match (
            server, log, database, storage, model, chat, answers, sharing, socket, limits, framing,
            owner, retention,
        ) {
            (
                Some(server),
                Some(log),
                Some(database),
                Some(storage),
                Some(model),
                Some(chat),
                Some(answers),
                Some(sharing),
                Some(socket),
                Some(limits),
                Some(framing),
                Some(owner),
                Some(retention),
            ) if problems.is_empty() => Ok(Self {
                server,
                log,
                database_url: database.database_url,
                storage,
                model,
                chat,
                answers,
                sharing,
                socket,
                limits,
                framing,
                owner,
                retention,
            }),
            _ => Err(ConfigError::Invalid(problems)),
        }
    }

    /// The API key, when one is set and not blank; without one, answers are given offline.
    pub fn api_key(&self) -> Option<&SecretString> {
        Some(&self.model.api_key).filter(|k| !k.expose_secret().trim().is_empty())
    }
}

/// One part's settings from the layered table. A value that does not parse is recorded in
/// `problems` (naming its variable) and set aside, and the part read again, so that every bad
/// value is reported at once rather than one per start.
fn section<T: DeserializeOwned>(
    table: &Map<String, Value>,
    problems: &mut Vec<String>,
) -> Option<T> {
    let mut table = table.clone();
    let mut ok = true;
    loop {
        let value = Value::new(None, ValueKind::Table(table.clone()));
        match T::deserialize(value) {
            Ok(part) => return ok.then_some(part),
            Err(err) => {
                let (key, problem) = describe(&err, &table);
                problems.push(problem);
                ok = false;
                // Without the key there is nothing to set aside: the part stays unread.
                if key.is_none_or(|key| table.remove(&key).is_none()) {
                    return None;
                }
            }
        }
    }
}

/// The table key a parse error is about (its first segment), and a sentence naming the variable
/// and, for a value from a file, the file.
fn describe(err: &config::ConfigError, table: &Map<String, Value>) -> (Option<String>, String) {
    let (key, message) = match err {
        config::ConfigError::Type {
            unexpected,
            expected,
            key,
            ..
        } => (
            key.as_deref(),
            format!("must be {expected} (got {unexpected})"),
        ),
        config::ConfigError::At { error, key, .. } => (key.as_deref(), error.to_string()),
        other => (None, other.to_string()),
    };
    let Some(key) = key.map(|k| k.split(['.', '[']).next().unwrap_or(k).to_owned()) else {
        return (None, message);
    };
    let place = match table.get(&key).and_then(Value::origin) {
        Some(origin) if origin != "the environment" => format!(" (in {origin})"),
        _ => String::new(),
    };
    let problem = format!("{} {message}{place}", key.to_ascii_uppercase());
    (Some(key), problem)
}

/// A one-line summary for the start-up log, with no secrets.
#[derive(Debug)]
pub struct Summary<'a>(pub &'a Settings);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "listen={}:{} database={} in_flight={} resume={} answers={} owner_area={}",
            s.server.host,
            s.server.port,
            s.database_url.redacted(),
            s.sharing
                .redis_url
                .expose()
                .map_or_else(|| "this process".to_owned(), redact_url),
            s.server.resume_path.display(),
            if s.api_key().is_some() {
                format!("{} via {}", s.model.model, redact_url(&s.model.base_url))
            } else {
                "offline answerer".to_owned()
            },
            if s.owner.token().is_some() {
                "on"
            } else {
                "off"
            },
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_match_the_design() {
        let s = Settings::from_sources(None, env(&[])).unwrap();
        assert_eq!(s.server.port, 8000);
        assert_eq!(s.server.host, "127.0.0.1");
        assert_eq!(s.model.model, adapters_openrouter::DEFAULT_MODEL);
        assert_eq!(s.database_url.expose(), DEFAULT_DATABASE_URL);
        assert!(s.api_key().is_none());
        assert_eq!(s.socket.max_question_chars, 2000);
        assert_eq!(s.socket.idle_timeout, Duration::from_secs(300));
        assert_eq!(s.limits.max_connections, 10_000);
        assert_eq!(s.chat.budget.max_context_tokens, 8000);
        assert_eq!(s.storage.pool_size, 5);
        assert_eq!(s.log.log_format, LogFormat::Pretty);
        assert_eq!(s.answers.orphan_answer_timeout, Duration::from_secs(120));
        assert_eq!(s.retention.retention_days, None, "kept forever");
    }

    #[test]
    fn environment_overrides_defaults() {
        let s = Settings::from_sources(
            None,
            env(&[
                ("PORT", "9001"),
                ("OPENROUTER_API_KEY", "sk-or-123"),
                ("LLM_FALLBACK_MODELS", "a/b, c/d ,"),
                ("LOG_FORMAT", "json"),
                ("LLM_TIMEOUT", "2.5"),
                ("TRUSTED_PROXIES", "10.0.0.1, ::1"),
                ("RATE_LIMIT_PER_MINUTE", "7"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.port, 9001);
        assert_eq!(s.api_key().unwrap().expose_secret(), "sk-or-123");
        assert_eq!(s.model.fallback_models, vec!["a/b", "c/d"]);
        assert_eq!(s.log.log_format, LogFormat::Json);
        assert_eq!(s.model.timeout, Duration::from_millis(2500));
        assert_eq!(s.limits.trusted_proxies.len(), 2);
        assert_eq!(s.limits.questions_per_minute, 7);
    }

    #[test]
    fn blank_api_key_means_offline() {
        let s = Settings::from_sources(None, env(&[("OPENROUTER_API_KEY", "  ")])).unwrap();
        assert!(s.api_key().is_none());
    }

    #[test]
    fn the_owner_area_needs_a_long_token_and_hides_it() {
        let off = Settings::from_sources(None, env(&[("ADMIN_TOKEN", " ")])).unwrap();
        assert!(off.owner.token().is_none());
        let short = Settings::from_sources(None, env(&[("ADMIN_TOKEN", "short-secret")]));
        let message = short.unwrap_err().to_string();
        assert!(message.contains("ADMIN_TOKEN"), "{message}");
        assert!(message.contains("at least 32"), "{message}");
        assert!(!message.contains("short-secret"), "{message}");
        let token = "0123456789abcdef0123456789abcdef";
        let on = Settings::from_sources(None, env(&[("ADMIN_TOKEN", token)])).unwrap();
        assert_eq!(on.owner.token().unwrap().expose_secret(), token);
        assert!(!format!("{on:?}").contains(token));
        assert!(Summary(&on).to_string().contains("owner_area=on"));
    }

    #[test]
    fn config_file_is_layered_under_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf.toml");
        std::fs::write(
            &path,
            "port = 7000\nllm_model = \"from/file\"\nllm_timeout = 2.5\n\
             allowed_origins = [\"https://a.example\", \"https://b.example\"]\n",
        )
        .unwrap();
        let s = Settings::from_sources(
            Some(path.display().to_string()),
            env(&[("LLM_MODEL", "from/env")]),
        )
        .unwrap();
        assert_eq!(s.server.port, 7000);
        assert_eq!(s.model.model, "from/env");
        assert_eq!(s.model.timeout, Duration::from_millis(2500));
        assert_eq!(s.limits.allowed_origins.len(), 2);
    }

    #[test]
    fn a_bad_number_names_the_variable() {
        let err = Settings::from_sources(None, env(&[("PORT", "eighty")])).unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
    }

    #[test]
    fn every_invalid_value_is_listed() {
        let err = Settings::from_sources(
            None,
            env(&[
                ("DATABASE_URL", "mysql://u:secret@h/db"),
                ("LOG_FORMAT", "xml"),
                ("MAX_CONTEXT_TOKENS", "100"),
                ("MAX_RESPONSE_TOKENS", "200"),
                // Two in one part: both are reported.
                ("LLM_TIMEOUT", "0"),
                ("LLM_MAX_RETRIES", "11"),
                ("LLM_MODEL", " "),
                ("TRUSTED_PROXIES", "10.0.0.1, proxy.local"),
                ("WS_IDLE_TIMEOUT", "-5"),
                ("DATABASE_POOL_SIZE", "0"),
                ("LOG_LEVEL", "sqlx=loud"),
            ]),
        )
        .unwrap_err();
        let ConfigError::Invalid(problems) = &err else {
            panic!("not a list of problems: {err}");
        };
        let text = err.to_string();
        assert!(!text.contains("secret"), "the password leaked: {text}");
        for variable in [
            "DATABASE_URL must start with",
            "LOG_FORMAT must be",
            "MAX_CONTEXT_TOKENS (100) must be larger",
            "LLM_TIMEOUT must be a number of seconds",
            "LLM_MAX_RETRIES must be a whole number from 0 to 10",
            "LLM_MODEL must not be empty",
            "TRUSTED_PROXIES must be a comma list; cannot read \"proxy.local\"",
            "WS_IDLE_TIMEOUT must be",
            "DATABASE_POOL_SIZE must be a whole number from 1",
            "LOG_LEVEL must be a level",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(variable)),
                "no problem starts with {variable:?}: {text}"
            );
        }
        assert_eq!(problems.len(), 10, "{text}");
    }

    #[test]
    fn retention_days_is_a_number_of_days_or_empty() {
        for (value, days) in [
            ("", None),
            ("  ", None),
            ("90", Some(90)),
            ("36500", Some(36500)),
        ] {
            let s = Settings::from_sources(None, env(&[("RETENTION_DAYS", value)])).unwrap();
            assert_eq!(s.retention.retention_days, days, "{value:?}");
        }
        for value in ["abc", "0", "-3", "1.5", "36501"] {
            let err = Settings::from_sources(None, env(&[("RETENTION_DAYS", value)])).unwrap_err();
            assert!(
                err.to_string()
                    .contains("RETENTION_DAYS must be a whole number from 1 to 36500"),
                "{value:?}: {err}"
            );
        }
    }

    #[test]
    fn retention_days_may_be_set_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf.toml");
        std::fs::write(&path, "retention_days = 365\n").unwrap();
        let s = Settings::from_sources(Some(path.display().to_string()), env(&[])).unwrap();
        assert_eq!(s.retention.retention_days, Some(365));
    }

    #[test]
    fn a_bad_value_in_the_file_says_where_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf.toml");
        std::fs::write(&path, "port = 70000\n").unwrap();
        let err = Settings::from_sources(Some(path.display().to_string()), env(&[])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("PORT must be a whole number from 0 to 65535 (got 70000)"),
            "{text}"
        );
        assert!(text.contains("conf.toml"), "{text}");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = Settings::from_sources(
            None,
            env(&[
                ("OPENROUTER_API_KEY", "sk-or-very-secret"),
                ("DATABASE_URL", "postgres://app:hunter2@db/chat"),
            ]),
        )
        .unwrap();
        let shown = format!("{s:?} {}", Summary(&s));
        assert!(!shown.contains("sk-or-very-secret"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    /// The field names a struct's derived `Deserialize` asks for, read by a deserializer that
    /// only records them.
    fn field_names<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
        struct Recorder<'a>(&'a mut Vec<&'static str>);
        #[derive(Debug)]
        struct Stop;
        impl std::fmt::Display for Stop {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("stop")
            }
        }
        impl std::error::Error for Stop {}
        impl serde::de::Error for Stop {
            fn custom<M: fmt::Display>(_: M) -> Self {
                Stop
            }
        }
        impl<'de> serde::Deserializer<'de> for Recorder<'_> {
            type Error = Stop;
            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
                Err(Stop)
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Stop> {
                self.0.extend_from_slice(fields);
                Err(Stop)
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let mut names = Vec::new();
        let _ = T::deserialize(Recorder(&mut names));
        names
    }

    /// `KEY` of every `KEY=value` and `# KEY=value` line.
    fn env_file_keys(text: &str) -> Vec<String> {
        text.lines()
            .map(|line| line.trim_start_matches('#').trim())
            .filter_map(|line| line.split_once('='))
            .map(|(key, _)| key.trim().to_owned())
            .filter(|key| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
            .collect()
    }

    #[test]
    fn the_docker_files_set_only_variables_the_configuration_knows() {
        let known: Vec<String> = [
            field_names::<ServerSettings>(),
            field_names::<LogSettings>(),
            field_names::<DatabaseSection>(),
            field_names::<ConnectOptions>(),
            field_names::<OpenRouterConfig>(),
            field_names::<ChatSettings>(),
            field_names::<HubSettings>(),
            field_names::<SharingSettings>(),
            field_names::<WsSettings>(),
            field_names::<LimitSettings>(),
            field_names::<FramingSettings>(),
            field_names::<OwnerSettings>(),
            field_names::<RetentionSettings>(),
        ]
        .concat()
        .iter()
        .map(|f| f.to_ascii_uppercase())
        .chain(["CONFIG_FILE".to_owned()])
        .collect();
        assert!(known.contains(&"DATABASE_URL".to_owned()), "{known:?}");
        // Read by the compose file itself, for the PostgreSQL service and the published port.
        let compose_only = [
            "COMPOSE_PROJECT_NAME",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "POSTGRES_DB",
            "PUBLISHED_PORT",
        ];
        let docker = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docker");
        let example = std::fs::read_to_string(format!("{docker}/.env.example")).unwrap();
        let compose = std::fs::read_to_string(format!("{docker}/compose.yaml")).unwrap();
        for key in env_file_keys(&example) {
            assert!(
                known.contains(&key) || compose_only.contains(&key.as_str()),
                "docker/.env.example sets {key}, which the configuration does not know"
            );
        }
        // The server service's own `environment:` keys.
        let server = compose.split("\n  server:").nth(1).unwrap_or_default();
        let environment = server.split("environment:").nth(1).unwrap_or_default();
        for line in environment.lines().skip(1) {
            let Some((key, _)) = line.trim().split_once(':') else {
                break;
            };
            if !line.starts_with("      ") || key.contains(' ') {
                break;
            }
            assert!(
                known.contains(&key.to_owned()),
                "compose.yaml sets {key} for the server"
            );
        }
        // Every variable the compose file requires (`${VAR:?…}`) is in the example.
        for required in compose
            .split("${")
            .skip(1)
            .filter_map(|rest| rest.split_once(":?"))
        {
            let name = required.0;
            assert!(
                env_file_keys(&example).iter().any(|k| k == name),
                "compose.yaml requires {name}; docker/.env.example must set it"
            );
        }
    }
}
