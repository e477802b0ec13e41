//! `idx_conversations_updated_at`: retention (`RETENTION_DAYS`) erases the conversations least
//! recently updated, a batch at a time; with this index each batch reads only the rows it
//! erases instead of scanning every conversation. Same name on every backend.
//!
//! A plain CREATE INDEX (in the migration's transaction) holds off writes to `conversations`
//! while it is built: well under a second for a hundred thousand conversations.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_conversations_updated_at";

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Conversations::Table)
                    .col(Conversations::UpdatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Conversations::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    UpdatedAt,
}
