//! The tree before the redesign against this one, side by side in one run:
//! the same axum and actix-web apps over each, rounds rotated.
use std::time::Duration;

use cookietin_peers::*;

fn main() {
    let settings = Settings::from_args(Settings {
        rounds: 5,
        duration: Duration::from_secs(2),
        max_requests: 300_000,
        connections: 32,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{} rounds of {:?} or {} requests per server, {} connections; load average at start {}",
        settings.rounds, settings.duration, settings.max_requests, settings.connections, loadavg()
    );
    for corpus in corpus() {
        let engine = || engine_builder().build().unwrap();
        let servers = vec![
            serve_axum("axum, no session", axum_apps::bare()),
            serve_axum("axum + cookietin (before)", old_apps::axum(corpus.clone())),
            serve_axum("axum + cookietin (after)", axum_apps::cookietin(engine(), corpus.clone())),
            actix_apps::bare("actix-web, no session"),
            old_apps::actix("actix-web + cookietin (before)", corpus.clone()),
            actix_apps::cookietin("actix-web + cookietin (after)", engine(), corpus.clone()),
        ];
        let cookie_bytes = session_cookie_bytes(&runtime, &servers);
        let runs = rounds(&runtime, &servers, settings);
        println!("\n{} ({} bytes of JSON), load average after {}\n", corpus.name, corpus.json_len(), loadavg());
        print_table(&servers, &runs, &cookie_bytes);
        println!("\n| ratio (median of per-round ratios) | |\n|---|---|");
        for (a, b) in [(2, 1), (5, 4), (1, 0), (2, 0), (4, 3), (5, 3)] {
            println!("| {} / {} | {:.3} |", servers[a].name, servers[b].name, ratio(&runs, a, b));
        }
        for server in servers {
            server.stop();
        }
    }
}
