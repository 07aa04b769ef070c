//! The `cookietin` command (work in progress).
fn main() {}
