//! Requests per second, side by side in one run: a minimal axum app with
//! cookietin's layer against the same app with tower-sessions on its
//! `MemoryStore`, and an actix-web app with cookietin's middleware against
//! actix-session's `CookieSessionStore`; each framework bare, for scale.
//!
//! `cargo bench --bench rps [-- ROUNDS SECONDS MAX_REQUESTS CONNECTIONS]`
//! (default 5 rounds of 2 s or 300000 requests per server, 32 connections).
//!
//! Each session of `corpus()` (tiny_login, cart_20, oidc_tokens) runs on two
//! mixes: 9 reads to 1 write, then every request a write.
//!
//! Every server runs on 127.0.0.1 (a random port) with two worker threads;
//! the load generator (`cookietin_peers::load`) runs on this thread, and
//! the servers take turns, the order rotated each round.
//!
//! cookietin runs twice: as built by default (deflate), and writing zstd
//! (`EngineBuilder::zstd`, feature `zstd`). Bare axum runs twice too: as
//! is, and carrying a cookie of the size of cookietin's session (set at
//! login and on every write), to part what carrying the cookie costs from
//! what the session work costs.

use std::time::Duration;

use cookietin_peers::*;

fn main() {
    let settings = Settings::from_args(Settings {
        rounds: 5,
        duration: Duration::from_secs(2),
        max_requests: 300_000,
        connections: 32,
        write_every: 10,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{} rounds of {:?} or {} requests per server, {} connections; load average at start {}",
        settings.rounds,
        settings.duration,
        settings.max_requests,
        settings.connections,
        loadavg()
    );
    // The 9:1 mix first, then every request a write.
    for (mix, write_every) in [("9:1", 10), ("every request writes", 1)] {
        let settings = Settings {
            write_every,
            ..settings
        };
        for corpus in corpus() {
            let engine = || engine_builder().build().unwrap();
            // The same engine writing zstd (feature `zstd`, issue 19).
            let zstd = || engine_builder().zstd(true).build().unwrap();
            let mut servers = vec![
                serve_axum("axum, no session", axum_apps::bare()),
                serve_axum(
                    "axum + cookietin",
                    axum_apps::cookietin(engine(), corpus.clone()),
                ),
                serve_axum(
                    "axum + tower-sessions (MemoryStore)",
                    axum_apps::tower_sessions(
                        tower_sessions::MemoryStore::default(),
                        corpus.clone(),
                    ),
                ),
                actix_apps::bare("actix-web, no session"),
                actix_apps::cookietin("actix-web + cookietin", engine(), corpus.clone()),
                actix_apps::actix_session(
                    "actix-web + actix-session (CookieSessionStore, signed)",
                    corpus.clone(),
                ),
                serve_axum(
                    "axum + cookietin (zstd)",
                    axum_apps::cookietin(zstd(), corpus.clone()),
                ),
                actix_apps::cookietin("actix-web + cookietin (zstd)", zstd(), corpus.clone()),
            ];
            // Bare axum with a cookie of the size of cookietin's session,
            // set at login and on every write: what carrying the cookie
            // costs, apart from the session work.
            let carried = runtime.block_on(probe(servers[1].addr, true));
            servers.push(serve_axum(
                "axum, no session, carrying a cookie of cookietin's size",
                axum_apps::bare_carrying(carried),
            ));
            let cookie_bytes = session_cookie_bytes(&runtime, &servers);
            let runs = rounds(&runtime, &servers, settings);
            println!(
                "\n{}, {mix} ({} bytes of JSON), load average after {}\n",
                corpus.name,
                corpus.json_len(),
                loadavg()
            );
            print_table(&servers, &runs, &cookie_bytes);
            println!("\n| ratio (median of per-round ratios) | |\n|---|---|");
            for (a, b) in [
                (1, 2),
                (4, 5),
                (1, 0),
                (2, 0),
                (4, 3),
                (5, 3),
                (6, 2),
                (7, 5),
                (6, 0),
                (6, 1),
                (7, 4),
                (8, 0),
                (1, 8),
            ] {
                println!(
                    "| {} / {} | {:.3} |",
                    servers[a].name,
                    servers[b].name,
                    ratio(&runs, a, b)
                );
            }
            let total: u64 = runs.iter().flatten().map(|r| r.requests).sum();
            println!("\n{total} timed requests, none failed");
            for server in servers {
                server.stop();
            }
        }
    }
}
