//! Redis and Redis Cluster, through the `redis` crate: one hash per
//! session, and a Lua script for every write.

mod client;
mod codec;
mod connection;
mod ops;
mod regenerate;
mod scripts;

pub use client::{RedisStore, DEFAULT_PREFIX};
