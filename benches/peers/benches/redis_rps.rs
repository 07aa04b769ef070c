//! Requests per second of store-backed sessions on one Redis, side by side
//! in one run: the axum app with cookietin's layer in server-side mode on a
//! `RedisStore` (the wiring of `examples/axum.rs --server-side --store
//! redis://...`: `RedisStore::connect_lazy`, `EngineBuilder::server_side`),
//! against the same app with tower-sessions on `tower-sessions-redis-store`
//! (fred, one client).
//!
//! `cargo bench --bench redis_rps [-- ROUNDS SECONDS MAX_REQUESTS CONNECTIONS]`
//! (default 5 rounds of 2 s or 300000 requests per server, 32 connections).
//!
//! The bench starts its own `redis-server` on 127.0.0.1 (a random port, a
//! temporary directory, no persistence) and kills it at the end.

use std::time::Duration;

use cookietin_peers::*;
use tower_sessions_redis_store::fred::prelude::{Client, ClientLike, Config};

/// redis-server's CPU seconds (`used_cpu_user`, `used_cpu_sys`), and
/// every command's calls (`cmd:NAME`) and µs (`usec:NAME`), from INFO.
fn redis_stats(redis: &redis_server::RedisServer) -> std::collections::BTreeMap<String, f64> {
    let mut stats = std::collections::BTreeMap::new();
    for line in redis.cli(&["INFO", "cpu"]).lines() {
        if let Some((k, v)) = line.trim().split_once(':') {
            if k == "used_cpu_user" || k == "used_cpu_sys" {
                stats.insert(k.to_owned(), v.parse().unwrap_or(0.0));
            }
        }
    }
    for line in redis.cli(&["INFO", "commandstats"]).lines() {
        let Some((name, rest)) = line
            .trim()
            .strip_prefix("cmdstat_")
            .and_then(|l| l.split_once(':'))
        else {
            continue;
        };
        for field in rest.split(',') {
            if let Some(calls) = field.strip_prefix("calls=") {
                stats.insert(format!("cmd:{name}"), calls.parse().unwrap_or(0.0));
            }
            if let Some(usec) = field.strip_prefix("usec=") {
                stats.insert(format!("usec:{name}"), usec.parse().unwrap_or(0.0));
            }
        }
    }
    stats
}

fn main() {
    let settings = Settings::from_args(Settings {
        rounds: 5,
        duration: Duration::from_secs(2),
        max_requests: 300_000,
        connections: 32,
        write_every: 10,
    });
    let Some(redis) = redis_server::RedisServer::start("redis_rps", Default::default()) else {
        eprintln!("redis-server is needed");
        std::process::exit(1);
    };
    let url = redis.url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "redis-server {} on 127.0.0.1:{}; {} rounds of {:?} or {} requests per server, {} connections; load average at start {}",
        redis.cli(&["INFO", "server"]).lines().find_map(|l| l.strip_prefix("redis_version:")).unwrap_or("?").trim(),
        redis.port,
        settings.rounds,
        settings.duration,
        settings.max_requests,
        settings.connections,
        loadavg()
    );
    for corpus in corpus() {
        let servers = vec![
            serve_axum_with("axum + cookietin, server-side on RedisStore", {
                let (url, corpus) = (url.clone(), corpus.clone());
                move || async move {
                    let store = cookietin::store::RedisStore::connect_lazy(&url).unwrap();
                    let engine = engine_builder().server_side(store).build().unwrap();
                    axum_apps::cookietin(engine, corpus)
                }
            }),
            serve_axum_with(
                "axum + tower-sessions on tower-sessions-redis-store (fred)",
                {
                    let (url, corpus) = (url.clone(), corpus.clone());
                    move || async move {
                        let client = Client::new(Config::from_url(&url).unwrap(), None, None, None);
                        client.init().await.unwrap();
                        let store = tower_sessions_redis_store::RedisStore::new(client);
                        axum_apps::tower_sessions(store, corpus)
                    }
                },
            ),
        ];
        let sizes = session_cookie_bytes(&runtime, &servers);
        let runs = rounds(&runtime, &servers, settings);
        println!(
            "\n{} ({} bytes of JSON), load average after {}; {} keys in Redis\n",
            corpus.name,
            corpus.json_len(),
            loadavg(),
            redis.cli(&["DBSIZE"]).trim()
        );
        print_table(&servers, &runs, &sizes);
        println!(
            "\n{} / {}: {:.3} (median of per-round ratios)",
            servers[0].name,
            servers[1].name,
            ratio(&runs, 0, 1)
        );
        let total: u64 = runs.iter().flatten().map(|r| r.requests).sum();
        println!("{total} timed requests, none failed");
        // Redis's side of one request: one more short run of each, with
        // redis-server's CPU time and commands counted around it.
        println!("\n| server | redis-server CPU µs per request | commands per request (µs per call) in one run of 1 s |\n|---|---|---|");
        for server in &servers {
            let before = redis_stats(&redis);
            let run = runtime.block_on(load(
                server.addr,
                settings.connections,
                Duration::from_secs(1),
                settings.max_requests,
                settings.write_every,
            ));
            let after = redis_stats(&redis);
            let per = |name: &str| {
                (after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0))
                    / run.requests as f64
            };
            let cpu = (per("used_cpu_user") + per("used_cpu_sys")) * 1e6;
            let mut commands: Vec<String> = after
                .keys()
                .filter(|k| k.starts_with("cmd:") && *k != "cmd:info")
                .filter_map(|k| {
                    let n = per(k);
                    // µs per call, for what the call costs Redis.
                    let usec = per(&format!("usec:{}", &k[4..])) / n;
                    (n > 0.0005).then(|| format!("{} {n:.2} ({usec:.2} µs)", k[4..].to_uppercase()))
                })
                .collect();
            commands.sort();
            println!("| {} | {cpu:.1} | {} |", server.name, commands.join(", "));
        }
        for server in servers {
            server.stop();
        }
        let _ = redis.cli(&["FLUSHALL"]);
    }
    drop(redis);
}
