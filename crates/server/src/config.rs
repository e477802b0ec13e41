//! Configuration: defaults → optional config file → `.env` → environment, validated at start
//! with messages a person can act on. Variable names are those of the original service.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use adapters_postgres::redact_url;
use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The embedded default store: a SQLite file beside the sample resume, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/resume-chat.db?mode=rwc";
/// OpenRouter's OpenAI-compatible API base (the adapter owns it).
pub const DEFAULT_LLM_BASE_URL: &str = adapters_openrouter::OPENROUTER_BASE_URL;
/// A free model, so a new key works without credits.
pub const DEFAULT_LLM_MODEL: &str = "meta-llama/llama-3.2-3b-instruct:free";
/// Read when present in the working directory, unless `CONFIG_FILE` names another.
pub const DEFAULT_CONFIG_FILE: &str = "resume-chat.toml";

/// Every setting of the server, with the defaults of DESIGN.md.
///
/// Secrets (the API key, a database URL that may carry a password) are wrapped so that `Debug`
/// and logs cannot show them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub openrouter_api_key: Option<SecretString>,
    pub llm_base_url: String,
    pub llm_model: String,
    /// Comma list, tried in order when the model fails.
    pub llm_fallback_models: String,
    /// Seconds.
    pub llm_timeout: f64,
    pub llm_max_retries: u32,
    /// Seconds before the first retry; doubled after each (1 s → 1, 2, 4 s).
    pub llm_backoff_base: f64,
    /// Seconds of silence from the provider after which a request or stream is cut.
    pub llm_stall_timeout: f64,
    pub llm_app_url: String,
    pub llm_app_title: String,
    pub database_url: SecretString,
    pub database_pool_size: u32,
    pub resume_path: PathBuf,
    pub log_level: String,
    pub log_format: String,
    pub host: String,
    pub port: u16,
    /// Comma list of origins allowed to open sockets from a browser.
    pub allowed_origins: String,
    pub rate_limit_per_minute: u32,
    pub max_question_chars: usize,
    pub max_context_tokens: u32,
    pub max_response_tokens: u32,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Seconds.
    pub ws_idle_timeout: u64,
    /// Seconds.
    pub shutdown_grace: u64,
    /// Comma list of proxy addresses whose `X-Forwarded-For` is believed.
    pub trusted_proxies: String,
    /// Connections the kernel queues before the server accepts them (capped by the kernel's
    /// `net.core.somaxconn`).
    pub listen_backlog: u32,
}

impl Default for Settings {
    /// DESIGN.md's defaults. Each is written once, by the type that uses it (the chat use case,
    /// the socket, the limits, the model adapter, the storage options); only what no other type
    /// owns is written here.
    fn default() -> Self {
        let chat = domain::ChatSettings::default();
        let ws = api_actix::WsSettings::default();
        let limits = api_actix::LimitSettings::default();
        let storage = adapters_postgres::ConnectOptions::default();
        Self {
            openrouter_api_key: None,
            llm_base_url: DEFAULT_LLM_BASE_URL.to_owned(),
            llm_model: DEFAULT_LLM_MODEL.to_owned(),
            llm_fallback_models: String::new(),
            llm_timeout: adapters_openrouter::DEFAULT_TIMEOUT.as_secs_f64(),
            llm_max_retries: adapters_openrouter::DEFAULT_MAX_RETRIES,
            llm_backoff_base: adapters_openrouter::DEFAULT_BACKOFF_BASE.as_secs_f64(),
            llm_stall_timeout: adapters_openrouter::DEFAULT_STALL_TIMEOUT.as_secs_f64(),
            llm_app_url: String::new(),
            llm_app_title: String::new(),
            database_url: SecretString::from(DEFAULT_DATABASE_URL),
            database_pool_size: storage.pool_size,
            resume_path: PathBuf::from("data/resume.json"),
            log_level: "INFO".to_owned(),
            log_format: "pretty".to_owned(),
            host: "127.0.0.1".to_owned(),
            port: 8000,
            allowed_origins: String::new(),
            rate_limit_per_minute: limits.questions_per_minute,
            max_question_chars: ws.max_question_chars,
            max_context_tokens: chat.budget.max_context_tokens,
            max_response_tokens: chat.budget.max_response_tokens,
            max_connections: limits.max_connections,
            max_connections_per_ip: limits.max_connections_per_ip,
            ws_idle_timeout: ws.idle_timeout.as_secs(),
            // Long enough for most answers in flight to finish; shorter than the 30 s most
            // orchestrators wait before killing.
            shutdown_grace: 20,
            trusted_proxies: String::new(),
            // A burst of a thousand connects (a page reload across a busy site, a load
            // balancer failing over) must not overflow it; std's 128 dropped 562 of 1,000 SYNs.
            listen_backlog: 4096,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
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
    /// optional config file and the environment over the defaults, and validates the result.
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

    /// Layers defaults, the config file (`file` must exist when given; otherwise
    /// [`DEFAULT_CONFIG_FILE`] is read if present) and `env`, then validates.
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
        let settings: Settings = Config::builder()
            .add_source(file_source)
            .add_source(Environment::default().source(Some(env)))
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| ConfigError::Read(explain(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The API key, when one is set and not blank.
    pub fn api_key(&self) -> Option<&SecretString> {
        self.openrouter_api_key
            .as_ref()
            .filter(|k| !k.expose_secret().trim().is_empty())
    }

    pub fn log_format(&self) -> LogFormat {
        if self.log_format.eq_ignore_ascii_case("json") {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        }
    }

    pub fn fallback_models(&self) -> Vec<String> {
        comma_list(&self.llm_fallback_models)
    }

    pub fn allowed_origins(&self) -> Vec<String> {
        comma_list(&self.allowed_origins)
    }

    pub fn llm_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.llm_timeout)
    }

    pub fn llm_backoff_base(&self) -> Duration {
        Duration::from_secs_f64(self.llm_backoff_base)
    }

    pub fn llm_stall_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.llm_stall_timeout)
    }

    pub fn trusted_proxies(&self) -> Result<Vec<std::net::IpAddr>, String> {
        comma_list(&self.trusted_proxies)
            .into_iter()
            .map(|a| a.parse().map_err(|_| a))
            .collect()
    }

    pub fn ws_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_idle_timeout)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace)
    }

    /// The database URL with any password replaced, for logs and messages.
    pub fn database_url_redacted(&self) -> String {
        redact_url(self.database_url.expose_secret())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let db = self.database_url.expose_secret();
        if !(db.starts_with("postgres://")
            || db.starts_with("postgresql://")
            || db.starts_with("sqlite:"))
        {
            problems.push(format!(
                "DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got {:?})",
                redact_url(db)
            ));
        }
        if self.database_pool_size == 0 {
            problems.push("DATABASE_POOL_SIZE must be at least 1".to_owned());
        }
        // LLM_BASE_URL is checked once, by the model adapter that uses it (only when a key is
        // set), with the same words.
        if self.llm_model.trim().is_empty() {
            problems.push("LLM_MODEL must not be empty".to_owned());
        }
        if !(self.llm_timeout.is_finite() && self.llm_timeout > 0.0 && self.llm_timeout <= 3600.0) {
            problems.push(format!(
                "LLM_TIMEOUT must be a number of seconds between 0 and 3600 (got {})",
                self.llm_timeout
            ));
        }
        for (name, value) in [
            ("LLM_BACKOFF_BASE", self.llm_backoff_base),
            ("LLM_STALL_TIMEOUT", self.llm_stall_timeout),
        ] {
            if !(value.is_finite() && value > 0.0 && value <= 3600.0) {
                problems.push(format!(
                    "{name} must be a number of seconds between 0 and 3600 (got {value})"
                ));
            }
        }
        if self.llm_max_retries > 10 {
            problems.push(format!(
                "LLM_MAX_RETRIES must be at most 10 (got {})",
                self.llm_max_retries
            ));
        }
        if !matches!(
            self.log_format.to_ascii_lowercase().as_str(),
            "pretty" | "json"
        ) {
            problems.push(format!(
                "LOG_FORMAT must be \"pretty\" or \"json\" (got {:?})",
                self.log_format
            ));
        }
        if tracing_subscriber::EnvFilter::try_new(self.log_level.to_ascii_lowercase()).is_err() {
            problems.push(format!(
                "LOG_LEVEL must be a level (ERROR, WARN, INFO, DEBUG, TRACE) or a filter such as \
                 \"info,sqlx=warn\" (got {:?})",
                self.log_level
            ));
        }
        if self.max_question_chars == 0 {
            problems.push("MAX_QUESTION_CHARS must be at least 1".to_owned());
        }
        if self.max_response_tokens == 0 {
            problems.push("MAX_RESPONSE_TOKENS must be at least 1".to_owned());
        }
        if self.max_context_tokens <= self.max_response_tokens {
            problems.push(format!(
                "MAX_CONTEXT_TOKENS ({}) must be larger than MAX_RESPONSE_TOKENS ({})",
                self.max_context_tokens, self.max_response_tokens
            ));
        }
        if self.max_connections == 0 || self.max_connections_per_ip == 0 {
            problems
                .push("MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP must be at least 1".to_owned());
        }
        if self.ws_idle_timeout == 0 {
            problems.push("WS_IDLE_TIMEOUT must be at least 1 second".to_owned());
        }
        if let Err(bad) = self.trusted_proxies() {
            problems.push(format!(
                "TRUSTED_PROXIES must be a comma list of IP addresses (cannot read {bad:?})"
            ));
        }
        if !(1..=65_535).contains(&self.listen_backlog) {
            problems.push(format!(
                "LISTEN_BACKLOG must be between 1 and 65535 (got {})",
                self.listen_backlog
            ));
        }
        if self.rate_limit_per_minute == 0 {
            problems.push("RATE_LIMIT_PER_MINUTE must be at least 1".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }
}

/// Rewrites the `config` crate's messages in terms of our variable names.
fn explain(err: &config::ConfigError) -> String {
    let text = err.to_string();
    // "invalid digit found in string for key `port`" → name the variable as people set it.
    match text.split('`').nth(1) {
        Some(key) if text.contains("for key") => {
            format!("{text} (set by the variable {})", key.to_ascii_uppercase())
        }
        _ => text,
    }
}

fn comma_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A one-line summary for the start-up log, with no secrets.
#[derive(Debug)]
pub struct Summary<'a>(pub &'a Settings);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "listen={}:{} database={} resume={} answers={}",
            s.host,
            s.port,
            s.database_url_redacted(),
            s.resume_path.display(),
            if s.api_key().is_some() {
                format!("{} via {}", s.llm_model, redact_url(&s.llm_base_url))
            } else {
                "offline answerer".to_owned()
            }
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
        assert_eq!(s.port, 8000);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.llm_model, DEFAULT_LLM_MODEL);
        assert_eq!(s.database_url.expose_secret(), DEFAULT_DATABASE_URL);
        assert!(s.api_key().is_none());
        assert_eq!(s.max_question_chars, 2000);
        assert_eq!(s.log_format(), LogFormat::Pretty);
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
            ]),
        )
        .unwrap();
        assert_eq!(s.port, 9001);
        assert_eq!(s.api_key().unwrap().expose_secret(), "sk-or-123");
        assert_eq!(s.fallback_models(), vec!["a/b", "c/d"]);
        assert_eq!(s.log_format(), LogFormat::Json);
        assert_eq!(s.llm_timeout(), Duration::from_millis(2500));
    }

    #[test]
    fn blank_api_key_means_offline() {
        let s = Settings::from_sources(None, env(&[("OPENROUTER_API_KEY", "  ")])).unwrap();
        assert!(s.api_key().is_none());
    }

    #[test]
    fn config_file_is_layered_under_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf.toml");
        std::fs::write(&path, "port = 7000\nllm_model = \"from/file\"\n").unwrap();
        let s = Settings::from_sources(
            Some(path.display().to_string()),
            env(&[("LLM_MODEL", "from/env")]),
        )
        .unwrap();
        assert_eq!(s.port, 7000);
        assert_eq!(s.llm_model, "from/env");
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
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("DATABASE_URL"), "{text}");
        assert!(!text.contains("secret"), "the password leaked: {text}");
        assert!(text.contains("LOG_FORMAT"), "{text}");
        assert!(text.contains("MAX_CONTEXT_TOKENS"), "{text}");
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
        let known: Vec<String> = field_names::<Settings>()
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
