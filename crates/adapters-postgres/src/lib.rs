//! Storage of resume chat: the domain's [`RepoPort`](domain::RepoPort) over sea-orm, on
//! PostgreSQL in production and on an embedded SQLite file by default.
//!
//! The outside sees domain types only ([`domain::Conversation`], [`domain::Message`],
//! [`domain::RepoError`]): the sea-orm entities stay inside this crate, and database failures are
//! translated at the boundary. Connection URLs are shown only with their passwords redacted.
//! This crate depends on `domain` and `migration`, never on the API or server crates.

mod archive;
mod connect;
mod convert;
mod entity;
mod group_commit;
mod repo;
mod retention;

pub use connect::{ConnectError, ConnectOptions, redact_url, scrub};
pub use repo::SeaOrmRepo;
pub use retention::RETENTION_LOCK_KEY;
