//! Adapters from HTTP frameworks' types to the engine's framework-free
//! [`Engine::load`](crate::Engine::load) and [`Engine::save`](crate::Engine::save).
//! They wrap the engine; the engine knows nothing of them.

pub mod http;
