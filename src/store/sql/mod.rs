//! SQL stores on `sqlx`: PostgreSQL (feature `postgres`) and SQLite
//! (feature `sqlite`). One table, `cookietin_sessions`, one row per
//! session, and one statement per call (an update that wrote nothing takes
//! a second to say why); see `data/sql/` for the schema.

mod codec;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_builder;
mod regenerate;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "sqlite")]
mod sqlite_builder;
mod statements;
mod sweeper;
mod update;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "postgres")]
pub use postgres_builder::PostgresStoreBuilder;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
#[cfg(feature = "sqlite")]
pub use sqlite_builder::SqliteStoreBuilder;
pub use sweeper::{SqlSweeper, DEFAULT_SWEEP_ROWS};
