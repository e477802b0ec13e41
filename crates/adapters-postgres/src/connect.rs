//! Connecting: options, the connection error, and keeping passwords out of messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to connect. `DATABASE_POOL_SIZE` is read straight from the configuration; the timeouts
/// are fixed.
#[serde_with::serde_as]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ConnectOptions {
    /// Most connections the pool opens (at least 1).
    #[serde(rename = "database_pool_size")]
    #[serde_as(as = "config_values::Bounded<1, 10000>")]
    pub pool_size: u32,
    /// How long [`SeaOrmRepo::connect`](crate::SeaOrmRepo::connect) may take in all before giving
    /// up. Its first connection is also bounded by `acquire_timeout`, so the shorter one wins.
    #[serde(skip)]
    pub connect_timeout: Duration,
    /// How long a statement may wait for a free pool connection (including opening a new one)
    /// before failing as unavailable.
    #[serde(skip)]
    pub acquire_timeout: Duration,
}

impl Default for ConnectOptions {
    /// The service's defaults: `DATABASE_POOL_SIZE` 5; 10 s to connect; 5 s to get a connection.
    fn default() -> Self {
        Self {
            pool_size: 5,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Why storage could not be opened or migrated. Every message shows the URL with its password
/// replaced by `***`.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "DATABASE_URL {url} is not supported: use postgres://user:password@host:5432/dbname \
         or sqlite://path/to/file.db?mode=rwc"
    )]
    UnsupportedUrl { url: String },

    #[error(
        "DATABASE_URL {url} is not a valid SQLite URL ({message}); use sqlite://path/to/file.db?mode=rwc"
    )]
    InvalidSqliteUrl { url: String, message: String },

    #[error("could not create the directory {} for the SQLite database {url}: {source}", .dir.display())]
    CreateDir {
        url: String,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "could not connect to the database at {url} within {} s: check that it is running and \
         reachable, or raise the connect timeout", .timeout.as_secs_f64()
    )]
    Timeout { url: String, timeout: Duration },

    #[error(
        "could not connect to the database at {url}: {message}. Check DATABASE_URL (host, port, \
         user, password, database name) and that the server accepts connections"
    )]
    Connect { url: String, message: String },

    #[error("could not apply the database migrations to {url}: {message}")]
    Migrate { url: String, message: String },
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Postgres,
    Sqlite,
}

pub(crate) fn kind_of(url: &str) -> Option<Kind> {
    let scheme = url.split_once(':')?.0.to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => Some(Kind::Postgres),
        "sqlite" => Some(Kind::Sqlite),
        _ => None,
    }
}

/// `url` with its password (in the user info, even one holding `@`, or a `password=` /
/// `sslpassword=` query parameter) replaced by `***`, fit for messages and logs. The one
/// redaction of the service: the server uses it for the model's base URL too.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
                    None => base.to_owned(),
                },
                None => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// The password in `url`, if it has one, to scrub from messages that might quote it.
pub(crate) fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let userinfo = rest[..authority_end].rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then_some(password)
}

/// The values of `password=`-like query parameters of `url`.
fn query_passwords(url: &str) -> impl Iterator<Item = &str> {
    url.split_once('?')
        .map_or("", |(_, query)| query)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| key.to_ascii_lowercase().contains("password") && !value.is_empty())
        .map(|(_, value)| value)
}

/// `message` with any occurrence of the URL's passwords replaced by `***`, for messages of
/// other libraries that may quote the URL they were given.
pub fn scrub(message: String, url: &str) -> String {
    password_of(url)
        .into_iter()
        .chain(query_passwords(url))
        .fold(message, |message, password| {
            message.replace(password, "***")
        })
}

/// What a SQLite URL asks for, as far as preparing the file goes.
#[derive(Debug)]
pub(crate) struct SqliteTarget {
    /// The database file, `None` in memory.
    pub(crate) file: Option<PathBuf>,
    /// Whether the URL set `mode=` itself; if not, the file is created when missing.
    pub(crate) explicit_mode: bool,
}

pub(crate) fn sqlite_target(url: &str) -> Result<SqliteTarget, String> {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;

    let options = SqliteConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let in_memory =
        url.contains(":memory:") || params.iter().any(|(k, v)| *k == "mode" && *v == "memory");
    let explicit_mode = params.iter().any(|(k, _)| *k == "mode");
    Ok(SqliteTarget {
        file: (!in_memory).then(|| options.get_filename().to_path_buf()),
        explicit_mode,
    })
}

/// Creates the directory a SQLite file goes in, when it is missing.
pub(crate) fn ensure_parent_dir(file: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => {
            std::fs::create_dir_all(dir).map_err(|e| (dir.to_path_buf(), e))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_in_user_info_and_query() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db.example:5432/chat?sslmode=require"),
            "postgres://app:***@db.example:5432/chat?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db/chat?password=hunter2&application_name=x"),
            "postgres://app@db/chat?password=***&application_name=x"
        );
        assert_eq!(
            redact_url("postgres://app:p@ss@db/chat"),
            "postgres://app:***@db/chat"
        );
        assert_eq!(
            redact_url("sqlite://data/x.db?mode=rwc"),
            "sqlite://data/x.db?mode=rwc"
        );
        assert_eq!(redact_url("postgres://db/chat"), "postgres://db/chat");
    }

    #[test]
    fn scrubs_the_password_from_messages() {
        let url = "postgres://app:hunter2@db/chat";
        assert_eq!(password_of(url), Some("hunter2"));
        assert_eq!(
            scrub("bad hunter2 here".to_owned(), url),
            "bad *** here".to_owned()
        );
        assert_eq!(password_of("postgres://app@db/chat"), None);
    }

    #[test]
    fn recognises_supported_schemes() {
        assert_eq!(kind_of("postgres://x/y"), Some(Kind::Postgres));
        assert_eq!(kind_of("postgresql://x/y"), Some(Kind::Postgres));
        assert_eq!(kind_of("sqlite://data/x.db"), Some(Kind::Sqlite));
        assert_eq!(kind_of("sqlite::memory:"), Some(Kind::Sqlite));
        assert_eq!(kind_of("mysql://x/y"), None);
        assert_eq!(kind_of("data/x.db"), None);
    }

    #[test]
    fn reads_the_sqlite_file_and_mode() {
        let target = sqlite_target("sqlite://data/resume-chat.db?mode=rwc").expect("valid");
        assert_eq!(
            target.file.as_deref(),
            Some(Path::new("data/resume-chat.db"))
        );
        assert!(target.explicit_mode);
        let target = sqlite_target("sqlite:///tmp/a/b.db").expect("valid");
        assert_eq!(target.file.as_deref(), Some(Path::new("/tmp/a/b.db")));
        assert!(!target.explicit_mode);
        let target = sqlite_target("sqlite::memory:").expect("valid");
        assert_eq!(target.file, None);
    }
}
