//! `storage_probe`: one row that readiness checks rewrite while writes are failing, to learn
//! when they work again. A full disk fails every write while `SELECT 1` still answers, so only
//! a real write can tell that storage has recovered.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob_null, integer, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StorageProbe::Table)
                    .if_not_exists()
                    .col(integer(StorageProbe::Id).primary_key())
                    .col(timestamp_with_time_zone(StorageProbe::WrittenAt))
                    .col(blob_null(StorageProbe::Filler))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(StorageProbe::Table)
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
enum StorageProbe {
    Table,
    Id,
    WrittenAt,
    Filler,
}
