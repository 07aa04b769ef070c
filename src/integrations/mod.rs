//! Adapters from HTTP frameworks' types to the engine's framework-free
//! [`Engine::load`](crate::Engine::load) and [`Engine::save`](crate::Engine::save).
//! They wrap the engine; the engine knows nothing of them.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(any(feature = "tower", feature = "actix"))]
mod finish;
#[cfg(any(feature = "tower", feature = "actix"))]
mod future;
pub mod http;
pub mod response;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(any(feature = "tower", feature = "actix"))]
pub use future::ResponseFuture;
pub use response::SaveOutcome;
