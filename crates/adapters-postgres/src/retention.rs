//! Retention on [`SeaOrmRepo`]: the [`RetentionPort`], erasing the conversations least recently
//! updated a batch at a time, on one instance at a time.

use std::num::NonZeroU32;

use async_trait::async_trait;
use domain::{BatchOutcome, RepoError, RetentionPort};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TransactionTrait, Value};
use time::OffsetDateTime;

use crate::convert::repo_error;
use crate::repo::SeaOrmRepo;

/// The PostgreSQL advisory lock a retention batch holds for its transaction, so that one
/// instance sweeps at a time. Any fixed number works as long as nothing else on the database
/// takes the same one: this is "rcretain" in ASCII (resume chat retention), unlikely to be
/// chosen by another tool. Operators can pause retention by holding it.
pub const RETENTION_LOCK_KEY: i64 = 0x7263_7265_7461_696e;

/// Erases up to `$2` conversations last updated before `$1`, the oldest first, over
/// `idx_conversations_updated_at`; their messages go by ON DELETE CASCADE.
const ERASE_OLDEST: &str = "DELETE FROM conversations WHERE id IN (\
     SELECT id FROM conversations WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)";

impl SeaOrmRepo {
    /// PostgreSQL: one transaction that takes the retention lock without waiting, then erases
    /// the batch. Without the lock another instance is sweeping, and nothing is done. The lock
    /// goes with the transaction (committed, rolled back, or its connection lost), so a crashed
    /// sweep never keeps the other instances from sweeping.
    async fn erase_batch_holding_the_lock(
        &self,
        cutoff: Value,
        batch: i64,
    ) -> Result<BatchOutcome, DbErr> {
        let transaction = self.connection().begin().await?;
        let granted = transaction
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1) AS granted",
                [RETENTION_LOCK_KEY.into()],
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "granted"))
            .transpose()?
            .unwrap_or(false);
        if !granted {
            transaction.rollback().await?;
            return Ok(BatchOutcome::AnotherInstanceSweeps);
        }
        let erased = transaction
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                ERASE_OLDEST,
                [cutoff, batch.into()],
            ))
            .await?
            .rows_affected();
        transaction.commit().await?;
        Ok(BatchOutcome::Erased(erased))
    }

    /// SQLite: one autocommitted statement. SQLite lets one writer at a time in, so two sweeps
    /// of one file cannot erase the same conversations; no lock is needed.
    async fn erase_batch(&self, cutoff: Value, batch: i64) -> Result<BatchOutcome, DbErr> {
        let backend = self.connection().get_database_backend();
        let erased = self
            .connection()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                ERASE_OLDEST,
                [cutoff, batch.into()],
            ))
            .await?
            .rows_affected();
        Ok(BatchOutcome::Erased(erased))
    }
}

#[async_trait]
impl RetentionPort for SeaOrmRepo {
    async fn erase_older_than(
        &self,
        cutoff: OffsetDateTime,
        batch: NonZeroU32,
    ) -> Result<BatchOutcome, RepoError> {
        let cutoff = self.timestamp(cutoff)?;
        let batch = i64::from(batch.get());
        // A batch met by a dead pooled connection is tried again on another: erasing what is
        // old is the same work whether or not the first attempt committed.
        let result = self
            .on_live_connection(|| async {
                if self.connection().get_database_backend() == DbBackend::Postgres {
                    self.erase_batch_holding_the_lock(cutoff.clone(), batch)
                        .await
                } else {
                    self.erase_batch(cutoff.clone(), batch).await
                }
            })
            .await
            .map_err(repo_error);
        self.written(result)
    }
}
