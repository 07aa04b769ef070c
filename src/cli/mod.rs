//! The `cookietin` command's code besides its argument parsing: reading
//! inputs ([`input`]) and the inspection report ([`report`]); `budget.rs`
//! holds the budget command's helpers. Not part of
//! the library: `src/bin/cookietin.rs` includes it with `#[path]`, and the
//! fuzz target `inspect_input` includes `input.rs` the same way.

pub mod input;
pub mod report;
