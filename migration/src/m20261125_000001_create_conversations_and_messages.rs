//! The original service's schema: conversations, found by the session id clients hold, and their
//! messages, read back in order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer_null, json_null, pk_uuid, text, text_null, timestamp_with_time_zone, uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

// The trait is declared with `&SchemaManager` (hidden lifetime); spelling it `<'_>` here makes
// async-trait bind the lifetime differently and the impl no longer matches.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `if_not_exists` everywhere: a database made by the original service already has these
        // tables, and this migration then only records itself.
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(pk_uuid(Conversations::Id))
                    .col(text(Conversations::SessionId))
                    .col(text_null(Conversations::Title))
                    .col(timestamp_with_time_zone(Conversations::CreatedAt))
                    .col(timestamp_with_time_zone(Conversations::UpdatedAt))
                    .col(json_null(Conversations::Metadata))
                    .to_owned(),
            )
            .await?;

        // The uniqueness of session ids is this named unique index (same name on every backend),
        // which also serves lookups by session id.
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_session_id")
                    .table(Conversations::Table)
                    .col(Conversations::SessionId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .if_not_exists()
                    .col(pk_uuid(Messages::Id))
                    .col(uuid(Messages::ConversationId))
                    .col(text(Messages::Role))
                    .col(text(Messages::Content))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(integer_null(Messages::Tokens))
                    .col(json_null(Messages::Metadata))
                    .check((
                        Alias::new("chk_messages_role"),
                        Expr::col(Messages::Role).is_in(["system", "user", "assistant"]),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_conversation_id")
                            .from(Messages::Table, Messages::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // A conversation's history in order: (created_at, id) breaks ties between messages
        // stamped in the same instant, ids being time-ordered UUIDv7.
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_conversation_created")
                    .table(Messages::Table)
                    .col(Messages::ConversationId)
                    .col(Messages::CreatedAt)
                    .col(Messages::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Messages first: they reference conversations. Their indexes go with them.
        manager
            .drop_table(Table::drop().table(Messages::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(Conversations::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        // All or nothing on every backend (SQLite has transactional DDL too), so a failed
        // migration never leaves half a schema behind.
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    SessionId,
    Title,
    CreatedAt,
    UpdatedAt,
    Metadata,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ConversationId,
    Role,
    Content,
    CreatedAt,
    Tokens,
    Metadata,
}
