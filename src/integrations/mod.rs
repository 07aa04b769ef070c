//! Adapters from HTTP frameworks' types to the engine's framework-free
//! [`Engine::load`](crate::Engine::load) and [`Engine::save`](crate::Engine::save).
//! They wrap the engine; the engine knows nothing of them.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
pub mod http;
pub mod response;
#[cfg(feature = "tower")]
pub mod tower;

pub use response::SaveOutcome;
