//! Schema migrations of resume chat, as a library (`Migrator`, run by the server at start) and a
//! CLI (`cargo run -p migration -- up|down|status`, reading `DATABASE_URL`).
//!
//! The schema is the original service's (`conversations`, `messages`), kept so its databases and
//! tools still fit. Migrations name tables and columns with their own [`DeriveIden`] enums and
//! never with the storage adapter's entities, so old migrations keep compiling when entities
//! change. They must work on PostgreSQL and SQLite alike.
//!
//! [`DeriveIden`]: sea_orm_migration::prelude::DeriveIden

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_conversations_and_messages;
mod m20261204_000001_sqlite_touch_conversation_on_insert;
mod m20261204_000002_create_storage_probe;
mod m20261207_000002_search_messages;
mod m20261207_000003_index_conversations_updated_at;

/// All migrations of the schema, oldest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_conversations_and_messages::Migration),
            Box::new(m20261204_000001_sqlite_touch_conversation_on_insert::Migration),
            Box::new(m20261204_000002_create_storage_probe::Migration),
            Box::new(m20261207_000002_search_messages::Migration),
            Box::new(m20261207_000003_index_conversations_updated_at::Migration),
        ]
    }
}
