//! An embedded, persistent store in one file, on the `redb` crate, with
//! group commit.

mod codec;
mod database;
mod ops;
mod sweeper;
mod tables;
mod writer;

pub use database::{RedbStore, RedbStoreBuilder};
pub use sweeper::Sweeper;
