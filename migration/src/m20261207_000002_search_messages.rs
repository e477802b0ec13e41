//! PostgreSQL: a full-text index over messages, for the owner's search of conversations.
//!
//! The `simple` configuration (words lowercased, no stemming, no stop words): visitors ask in
//! any language, and a search for a word finds that word. SQLite has no such index here; the
//! adapter searches it with `LIKE`, which its small databases afford.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_INDEX: &str = "\
    CREATE INDEX IF NOT EXISTS idx_messages_content_search \
    ON messages USING GIN (to_tsvector('simple', content))";

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(CREATE_INDEX)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS idx_messages_content_search")
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
