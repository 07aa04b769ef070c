//! Fitting a session into the room one request gives it: the
//! [`budget`] (per cookie, in cookies, in header bytes), [`shrink`]ing when
//! it does not fit, and the [`chunk`]s it is spread over.
//!
//! Fitting is told limits, never a User-Agent: the engine resolves the
//! browser first and hands its limits in.

pub(crate) mod budget;
pub(crate) mod chunk;
pub(crate) mod shrink;
