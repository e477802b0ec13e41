//! [`SeaOrmRepo`]: the [`RepoPort`] over a sea-orm connection pool.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use domain::{Conversation, Message, RepoError, RepoPort, SessionId};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::sqlx;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ColumnTrait, ConnAcquireErr, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, RuntimeErr, Statement, TransactionTrait, Value,
};
use uuid::Uuid;

use crate::connect::{
    ConnectError, ConnectOptions, Kind, ensure_parent_dir, kind_of, redact_url, scrub,
    sqlite_target,
};
use crate::convert::{
    conversation_from_model, is_dead_connection, message_from_model, metadata_to_json, repo_error,
    timestamp_value, tokens_to_db,
};
use crate::entity::{conversations, messages};
use crate::group_commit::{GroupCommit, Write};

/// A pooled connection idle for longer than this is checked with a ping before use; fresher
/// ones are used straight away, sparing a round trip per statement on a busy server.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// Bytes the readiness probe writes on SQLite: about as many pages as storing a message
/// touches, so that a probe on a nearly full disk fails when a message would.
const PROBE_FILLER_BYTES: i64 = 16 * 1024;

/// Storage of conversations in PostgreSQL or SQLite, through sea-orm.
///
/// Cheap to clone: clones share one connection pool. Each call holds a pool connection only for
/// its own statements.
///
/// Conversations and messages are stored through one writer task per database (group commit,
/// `group_commit.rs`): the writes waiting at a moment go in one transaction, and each caller
/// is answered after its COMMIT. Every other write, and a write retried alone after its batch
/// failed, is one autocommitted statement (see the migration
/// `m20261204_000001_sqlite_touch_conversation_on_insert`). A failed statement or transaction
/// is rolled back whole and leaves its connection clean; a connection that is still inside a
/// transaction when it goes back to the pool is closed, not reused.
#[derive(Clone)]
pub struct SeaOrmRepo {
    db: DatabaseConnection,
    /// The URL it was opened with, password redacted, for messages.
    url: Arc<str>,
    /// Whether writes are failing now; while they are, readiness probes with a real write.
    writes_failing: Arc<AtomicBool>,
    /// The SQLite database file, to notice it removed or replaced under the server.
    file: Option<Arc<SqliteFile>>,
    /// Connections in the pool at most: how many dead ones a statement may run into in a row.
    pool_size: u32,
    /// The writer task conversations and messages are stored through, in batches; `None` in
    /// the writer's own handle, which writes straight to the database.
    writer: Option<GroupCommit>,
}

/// A SQLite database file and the identity (device, inode) it had when opened.
///
/// A file removed while open keeps working through its open descriptors: writes succeed, and
/// are gone at the next start. So every write, and readiness, checks the path still names it.
#[derive(Debug)]
struct SqliteFile {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl SqliteFile {
    fn opened(path: &Path) -> Self {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let identity = file_identity(&path);
        Self { path, identity }
    }

    fn check(&self) -> Result<(), RepoError> {
        if self.identity.is_some() && file_identity(&self.path) != self.identity {
            return Err(RepoError::Unavailable(format!(
                "the database file {} was removed or replaced while the server ran; what was \
                 written since is lost with it. Restore the file, or restart the server to \
                 start a new one",
                self.path.display()
            )));
        }
        Ok(())
    }
}

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

impl fmt::Debug for SeaOrmRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeaOrmRepo")
            .field("backend", &self.db.get_database_backend())
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SeaOrmRepo {
    /// Connects to `url`: `postgres://user:password@host:5432/db` or `sqlite://path/to/file.db`
    /// (relative to the working directory; `sqlite:///abs/path.db` for an absolute path). A
    /// SQLite file and its directory are created when missing unless the URL sets `mode=`
    /// itself (`mode=rwc` creates, `mode=rw` does not, `mode=ro` reads only). SQLite connections
    /// enforce foreign keys and use write-ahead logging.
    ///
    /// # Errors
    /// [`ConnectError`] saying what to fix; it shows the URL with its password redacted.
    pub async fn connect(url: &str, options: ConnectOptions) -> Result<Self, ConnectError> {
        let redacted = redact_url(url);
        let mut opts = sea_orm::ConnectOptions::new(url);
        opts.max_connections(std::cmp::max(options.pool_size, 1))
            .min_connections(0)
            .connect_timeout(options.connect_timeout)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
            // sqlx would log every statement at INFO through `log`: one line per query on a
            // busy server. Failures reach the log through the callers' error handling instead.
            .sqlx_logging(false);

        let mut sqlite_file = None;
        match kind_of(url) {
            Some(Kind::Postgres) => {
                opts.map_sqlx_postgres_pool_opts(|o| {
                    o.after_release(|conn, _| {
                        Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
                    })
                });
            }
            Some(Kind::Sqlite) => {
                let target =
                    sqlite_target(url).map_err(|message| ConnectError::InvalidSqliteUrl {
                        url: redacted.clone(),
                        message,
                    })?;
                if let Some(file) = &target.file {
                    ensure_parent_dir(file).map_err(|(dir, source)| ConnectError::CreateDir {
                        url: redacted.clone(),
                        dir,
                        source,
                    })?;
                }
                sqlite_file = target.file.clone();
                let create = !target.explicit_mode;
                let wal = target.file.is_some();
                opts.map_sqlx_sqlite_opts(move |o| {
                    // sqlx turns foreign keys on by default; say so anyway, since the
                    // messages' ON DELETE CASCADE depends on it.
                    let o = o.foreign_keys(true);
                    let o = if create { o.create_if_missing(true) } else { o };
                    if wal {
                        // Readers do not wait for the writer, which matters with a pool.
                        o.journal_mode(SqliteJournalMode::Wal)
                    } else {
                        o
                    }
                });
                // A connection still inside a transaction (a COMMIT or ROLLBACK that failed)
                // would run the next statements inside it: close it instead of reusing it.
                opts.map_sqlx_sqlite_pool_opts(|o| {
                    o.after_release(|conn, _| {
                        Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
                    })
                });
            }
            None => return Err(ConnectError::UnsupportedUrl { url: redacted }),
        }

        let db = match tokio::time::timeout(options.connect_timeout, Database::connect(opts)).await
        {
            Ok(Ok(db)) => db,
            Ok(Err(e)) => {
                let mut message = e.to_string();
                if is_pool_timeout(&e)
                    && let Some(cause) = diagnose_postgres(url, options.connect_timeout).await
                {
                    message = format!("{message} ({cause})");
                }
                return Err(ConnectError::Connect {
                    url: redacted,
                    message: scrub(message, url),
                });
            }
            Err(_) => {
                return Err(ConnectError::Timeout {
                    url: redacted,
                    timeout: options.connect_timeout,
                });
            }
        };
        tracing::debug!(url = %redacted, backend = ?db.get_database_backend(), "database connected");
        let mut repo = Self {
            db,
            url: redacted.into(),
            writes_failing: Arc::new(AtomicBool::new(false)),
            file: sqlite_file.map(|path| Arc::new(SqliteFile::opened(&path))),
            pool_size: std::cmp::max(options.pool_size, 1),
            writer: None,
        };
        repo.writer = Some(GroupCommit::spawn(repo.clone()));
        Ok(repo)
    }

    /// Applies the migrations not yet applied (none, when the schema is current).
    ///
    /// # Errors
    /// [`ConnectError::Migrate`] when a migration fails; what it did is rolled back.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        Migrator::up(&self.db, None)
            .await
            .map_err(|e| ConnectError::Migrate {
                url: self.url.to_string(),
                message: e.to_string(),
            })
    }

    /// The underlying connection pool, for migrations and operators' tools.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Pool connections checked out now, for the pool gauge of `/metrics`.
    pub fn pool_in_use(&self) -> usize {
        let (size, idle) = match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        (size as usize).saturating_sub(idle)
    }

    pub(crate) fn timestamp(&self, t: time::OffsetDateTime) -> Result<Value, RepoError> {
        timestamp_value(self.db.get_database_backend(), t)
    }

    /// The outcome of a write, as callers must see it: not stored when the database file is no
    /// longer the one opened. Remembers whether writes are failing, for readiness.
    pub(crate) fn written<T>(&self, result: Result<T, RepoError>) -> Result<T, RepoError> {
        let result = match result {
            Ok(value) => self.check_file().map(|()| value),
            Err(error @ (RepoError::ConversationGone | RepoError::Corrupt(_))) => Err(error),
            // A write that failed on a database file that is gone (a new pooled connection
            // cannot even open it) failed because of that: say so rather than SQLite's code 14.
            Err(error) => Err(self.check_file().err().unwrap_or(error)),
        };
        match &result {
            Ok(_) => {
                if self.writes_failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(url = %self.url, "storage accepts writes again");
                }
            }
            // About this statement, not about storage.
            Err(RepoError::ConversationGone | RepoError::Corrupt(_)) => {}
            Err(error) => {
                if !self.writes_failing.swap(true, Ordering::Relaxed) {
                    tracing::error!(url = %self.url, %error, "storage refuses writes");
                }
            }
        }
        result
    }

    /// Runs `statement`, again on another connection when the one it got had died under it, up
    /// to once per pooled connection (each failed attempt discards one); any other outcome is
    /// final. Only for statements that may run twice: reads, inserts that ignore a duplicate
    /// or fail on one, and retention's erasing of what is old.
    pub(crate) async fn on_live_connection<T, F, Fut>(&self, statement: F) -> Result<T, DbErr>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, DbErr>>,
    {
        let mut attempts = 0;
        loop {
            match statement().await {
                Err(error) if attempts < self.pool_size && is_dead_connection(&error) => {
                    attempts += 1;
                    tracing::debug!(%error, attempts, "a pooled connection had died; trying another");
                }
                outcome => return outcome,
            }
        }
    }

    /// Runs one write statement (see [`Self::on_live_connection`] and [`Self::written`]).
    async fn write(&self, statement: Statement) -> Result<(), RepoError> {
        let result = self
            .on_live_connection(|| self.db.execute_raw(statement.clone()))
            .await
            .map(|_| ())
            .map_err(repo_error);
        self.written(result)
    }

    fn check_file(&self) -> Result<(), RepoError> {
        self.file.as_ref().map_or(Ok(()), |file| file.check())
    }

    /// Rewrites the probe row: succeeds only when storage takes writes.
    async fn probe_write(&self) -> Result<(), RepoError> {
        let backend = self.db.get_database_backend();
        let now = self.timestamp(time::OffsetDateTime::now_utc())?;
        let stmt = match backend {
            sea_orm::DbBackend::Sqlite => Statement::from_sql_and_values(
                backend,
                "INSERT INTO storage_probe (id, written_at, filler) VALUES (1, $1, zeroblob($2)) \
                 ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at, \
                 filler = excluded.filler",
                [now, PROBE_FILLER_BYTES.into()],
            ),
            _ => Statement::from_sql_and_values(
                backend,
                "INSERT INTO storage_probe (id, written_at) VALUES (1, $1) \
                 ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at",
                [now],
            ),
        };
        let result = self
            .db
            .execute_raw(stmt)
            .await
            .map(|_| ())
            .map_err(repo_error);
        self.written(result)
    }
}

/// The statements of the chat's writes: each alone, or many at once (`group_commit.rs`).
impl SeaOrmRepo {
    /// Stores a conversation with one statement of its own.
    pub(crate) async fn create_conversation_now(
        &self,
        conversation: &Conversation,
    ) -> Result<(), RepoError> {
        self.write(self.insert_conversations(&[conversation])?)
            .await
    }

    /// Stores a message with one statement of its own.
    pub(crate) async fn append_message_now(&self, message: &Message) -> Result<(), RepoError> {
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // One statement, so one round trip and an implicit transaction instead of four
            // (BEGIN, INSERT, UPDATE, COMMIT): measured +31 % answers/s and a third less
            // PostgreSQL CPU per answer (BENCHMARKS.md). A data-modifying CTE always runs in
            // full, whether or not the UPDATE reads it.
            let stmt = Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "WITH inserted AS (\
                     INSERT INTO messages \
                     (id, conversation_id, role, content, created_at, tokens, metadata) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING) \
                 UPDATE conversations SET updated_at = $5 WHERE id = $2 AND updated_at < $5",
                [
                    message.id.into(),
                    message.conversation_id.into(),
                    message.role.as_str().into(),
                    message.content.clone().into(),
                    self.timestamp(message.created_at)?,
                    tokens_to_db(message.tokens).into(),
                    message.metadata.as_ref().map(metadata_to_json).into(),
                ],
            );
            return self.write(stmt).await;
        }
        // On SQLite the conversation's `updated_at` is moved by a trigger, inside this one
        // autocommitted statement.
        self.write(self.insert_messages(&[message])?).await
    }

    /// Stores many writes in one transaction: the conversations first (their messages may be
    /// in the same batch), then every message in one statement, then (on PostgreSQL; a trigger
    /// does it on SQLite) each touched conversation's `updated_at`. All or nothing: on failure
    /// nothing of the batch is stored and the error says why.
    pub(crate) async fn store_batch(&self, writes: &[&Write]) -> Result<(), RepoError> {
        let mut conversations = Vec::new();
        let mut messages = Vec::new();
        for write in writes {
            match write {
                Write::Conversation(c) => conversations.push(c),
                Write::Message(m) => messages.push(m),
            }
        }
        let mut statements = Vec::with_capacity(3);
        if !conversations.is_empty() {
            statements.push(self.insert_conversations(&conversations)?);
        }
        if !messages.is_empty() {
            statements.push(self.insert_messages(&messages)?);
            if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
                statements.push(self.touch_conversations(&messages)?);
            }
        }
        // Failures are not counted as storage refusing writes here: each write of a failed
        // batch is tried again alone, and that outcome counts.
        self.in_transaction(statements).await?;
        self.written(Ok(()))
    }

    /// Runs `statements` in one transaction. A failure drops the transaction, which rolls it
    /// back (and a connection left inside it is closed on release, see `connect`).
    async fn in_transaction(&self, statements: Vec<Statement>) -> Result<(), RepoError> {
        let transaction = self.db.begin().await.map_err(repo_error)?;
        for statement in statements {
            transaction
                .execute_raw(statement)
                .await
                .map_err(repo_error)?;
        }
        transaction.commit().await.map_err(repo_error)
    }

    /// One INSERT of `conversations`, one row each.
    fn insert_conversations<C>(&self, conversations: &[C]) -> Result<Statement, RepoError>
    where
        C: std::borrow::Borrow<Conversation>,
    {
        let mut insert = Query::insert();
        insert.into_table(conversations::Entity).columns([
            conversations::Column::Id,
            conversations::Column::SessionId,
            conversations::Column::Title,
            conversations::Column::CreatedAt,
            conversations::Column::UpdatedAt,
        ]);
        for conversation in conversations {
            let conversation = conversation.borrow();
            insert
                .values([
                    conversation.id.into(),
                    conversation.session_id.to_string().into(),
                    conversation.title.clone().into(),
                    self.timestamp(conversation.created_at)?.into(),
                    self.timestamp(conversation.updated_at)?.into(),
                ])
                .map_err(|e| RepoError::Other(e.to_string()))?;
        }
        Ok(self.db.get_database_backend().build(&insert))
    }

    /// One INSERT of `messages`, one row each; a message already stored (a retry after a lost
    /// reply) is skipped, not an error.
    fn insert_messages<M>(&self, messages: &[M]) -> Result<Statement, RepoError>
    where
        M: std::borrow::Borrow<Message>,
    {
        let mut insert = Query::insert();
        insert.into_table(messages::Entity).columns([
            messages::Column::Id,
            messages::Column::ConversationId,
            messages::Column::Role,
            messages::Column::Content,
            messages::Column::CreatedAt,
            messages::Column::Tokens,
            messages::Column::Metadata,
        ]);
        for message in messages {
            let message = message.borrow();
            insert
                .values([
                    message.id.into(),
                    message.conversation_id.into(),
                    message.role.as_str().into(),
                    message.content.clone().into(),
                    self.timestamp(message.created_at)?.into(),
                    tokens_to_db(message.tokens).into(),
                    message.metadata.as_ref().map(metadata_to_json).into(),
                ])
                .map_err(|e| RepoError::Other(e.to_string()))?;
        }
        insert.on_conflict(
            OnConflict::column(messages::Column::Id)
                .do_nothing()
                .to_owned(),
        );
        Ok(self.db.get_database_backend().build(&insert))
    }

    /// PostgreSQL: moves each conversation of `messages` to its newest message's time (never
    /// back). With several messages of one conversation, the newest counts.
    fn touch_conversations(&self, messages: &[&Message]) -> Result<Statement, RepoError> {
        let mut rows = Vec::with_capacity(messages.len());
        let mut values = Vec::with_capacity(messages.len() * 2);
        for (i, message) in messages.iter().enumerate() {
            let (id, at) = (2 * i + 1, 2 * i + 2);
            // The first row's casts type the VALUES list's columns.
            rows.push(if i == 0 {
                format!("(${id}::uuid, ${at}::timestamptz)")
            } else {
                format!("(${id}, ${at})")
            });
            values.push(message.conversation_id.into());
            values.push(self.timestamp(message.created_at)?);
        }
        let sql = format!(
            "UPDATE conversations AS c SET updated_at = v.at \
             FROM (SELECT id, max(at) AS at FROM (VALUES {}) AS x (id, at) GROUP BY id) AS v \
             WHERE c.id = v.id AND c.updated_at < v.at",
            rows.join(", ")
        );
        Ok(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            sql,
            values,
        ))
    }
}

/// Whether connecting failed only because the pool gave up waiting: sqlx keeps retrying a
/// refused or failing connection until then and reports the timeout, not the cause.
fn is_pool_timeout(err: &DbErr) -> bool {
    matches!(
        err,
        DbErr::Conn(RuntimeErr::SqlxError(e)) if matches!(**e, sqlx::Error::PoolTimedOut)
    ) || matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
}

/// The reason one direct PostgreSQL connection attempt fails ("Connection refused", "password
/// authentication failed", …), to say what the pool's timeout hides. `None` for other URLs, or
/// when the attempt succeeds or does not finish within `timeout`.
async fn diagnose_postgres(url: &str, timeout: Duration) -> Option<String> {
    use sea_orm::sqlx::ConnectOptions as _;
    use sea_orm::sqlx::postgres::PgConnectOptions;

    if kind_of(url) != Some(Kind::Postgres) {
        return None;
    }
    let options: PgConnectOptions = url.parse().ok()?;
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Err(e)) => Some(e.to_string()),
        Ok(Ok(_)) | Err(_) => None,
    }
}

/// The fewest tokens a stored message is taken to have when sizing a page of recent history:
/// a question of a few words is about 10, its answer tens to hundreds; a budget of 7,000 tokens
/// thus reads at most 350 rows at first.
const MIN_TOKENS_PER_MESSAGE: u64 = 20;

/// The smallest page of recent history read.
const MIN_HISTORY_PAGE: u64 = 16;

#[async_trait]
impl RepoPort for SeaOrmRepo {
    async fn find_conversation(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<Conversation>, RepoError> {
        self.on_live_connection(|| {
            conversations::Entity::find()
                .filter(conversations::Column::SessionId.eq(session_id.to_string()))
                .one(&self.db)
        })
        .await
        .map_err(repo_error)?
        .map(conversation_from_model)
        .transpose()
    }

    async fn create_conversation(&self, conversation: &Conversation) -> Result<(), RepoError> {
        match &self.writer {
            Some(writer) => {
                writer
                    .write(Write::Conversation(conversation.clone()))
                    .await
            }
            None => self.create_conversation_now(conversation).await,
        }
    }

    async fn append_message(&self, message: &Message) -> Result<(), RepoError> {
        match &self.writer {
            Some(writer) => writer.write(Write::Message(message.clone())).await,
            None => self.append_message_now(message).await,
        }
    }

    async fn load_history(&self, conversation_id: Uuid) -> Result<Vec<Message>, RepoError> {
        self.on_live_connection(|| {
            messages::Entity::find()
                .filter(messages::Column::ConversationId.eq(conversation_id))
                .order_by_asc(messages::Column::CreatedAt)
                .order_by_asc(messages::Column::Id)
                .all(&self.db)
        })
        .await
        .map_err(repo_error)?
        .into_iter()
        .map(message_from_model)
        .collect()
    }

    async fn load_recent_history(
        &self,
        conversation_id: Uuid,
        max_tokens: u32,
    ) -> Result<Vec<Message>, RepoError> {
        // Newest first over the (conversation_id, created_at, id) index, read backwards and
        // stopped by LIMIT, in pages sized from the budget so that one page almost always
        // holds it; the rows past the budget are dropped here. Measured against a window
        // function that summed tokens in SQL: that one made PostgreSQL rank every message of
        // the conversation, +300 µs of its CPU per answer on loadgen's long conversations.
        let mut limit = (u64::from(max_tokens) / MIN_TOKENS_PER_MESSAGE).max(MIN_HISTORY_PAGE);
        loop {
            let mut newest_first = self
                .on_live_connection(|| {
                    messages::Entity::find()
                        .filter(messages::Column::ConversationId.eq(conversation_id))
                        .order_by_desc(messages::Column::CreatedAt)
                        .order_by_desc(messages::Column::Id)
                        .limit(limit)
                        .all(&self.db)
                })
                .await
                .map_err(repo_error)?;
            let mut tokens: u64 = 0;
            let within = newest_first
                .iter()
                .position(|m| {
                    tokens += m.tokens.map_or(0, |t| u64::try_from(t).unwrap_or(0));
                    tokens >= u64::from(max_tokens)
                })
                .map(|last| last + 1);
            let whole = (newest_first.len() as u64) < limit;
            if within.is_some() || whole {
                newest_first.truncate(within.unwrap_or(newest_first.len()));
                newest_first.reverse();
                return newest_first.into_iter().map(message_from_model).collect();
            }
            limit = limit.saturating_mul(4);
        }
    }

    async fn latest_message_id(&self, conversation_id: Uuid) -> Result<Option<Uuid>, RepoError> {
        // The first entry of the (conversation_id, created_at, id) index, read backwards.
        self.on_live_connection(|| {
            messages::Entity::find()
                .select_only()
                .column(messages::Column::Id)
                .filter(messages::Column::ConversationId.eq(conversation_id))
                .order_by_desc(messages::Column::CreatedAt)
                .order_by_desc(messages::Column::Id)
                .limit(1)
                .into_tuple::<Uuid>()
                .one(&self.db)
        })
        .await
        .map_err(repo_error)
    }

    async fn delete_conversation(&self, session_id: &SessionId) -> Result<bool, RepoError> {
        // The messages go by ON DELETE CASCADE.
        let result = conversations::Entity::delete_many()
            .filter(conversations::Column::SessionId.eq(session_id.to_string()))
            .exec(&self.db)
            .await
            .map(|done| done.rows_affected > 0)
            .map_err(repo_error);
        self.written(result)
    }

    /// Reads answer, the database file is the one opened, and writes work: while writes are
    /// failing (a full disk answers `SELECT 1` but refuses every insert), a probe write decides.
    async fn ping(&self) -> Result<(), RepoError> {
        self.check_file()?;
        if self.writes_failing.load(Ordering::Relaxed) {
            return self.probe_write().await;
        }
        let backend = self.db.get_database_backend();
        self.db
            .query_one_raw(Statement::from_string(backend, "SELECT 1"))
            .await
            .map_err(repo_error)?;
        Ok(())
    }
}
