//! SQLite: a trigger that moves a conversation's `updated_at` forward when a message is stored,
//! so that storing a message is one autocommitted statement.
//!
//! A statement in autocommit mode is rolled back whole by SQLite when it fails, and leaves the
//! connection outside any transaction. A BEGIN … COMMIT pair does not: on a full disk a failed
//! COMMIT or ROLLBACK left a pooled connection inside an open write transaction, every later
//! write failed with "database is locked", and statements run inside it were reported stored
//! but never committed. PostgreSQL needs no trigger: there the adapter inserts and touches in
//! one statement (a data-modifying CTE).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_TRIGGER: &str = "\
    CREATE TRIGGER IF NOT EXISTS trg_messages_touch_conversation \
    AFTER INSERT ON messages \
    BEGIN \
        UPDATE conversations SET updated_at = NEW.created_at \
        WHERE id = NEW.conversation_id AND updated_at < NEW.created_at; \
    END";

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared(CREATE_TRIGGER)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TRIGGER IF EXISTS trg_messages_touch_conversation")
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
