//! One server alone under the load generator, for `perf record`: the rps
//! bench's apps, one at a time.
//!
//! `cargo bench --bench serve_one -- APP SESSION SECONDS WRITE_EVERY`, APP one
//! of `bare`, `bare-carrying` (bare, with a cookie of the size of cookietin's
//! session set at login and on writes), `cookietin`, `zstd`, `tower-sessions`, `redis-cookietin`,
//! `redis-tower-sessions` (the last two on a redis-server the bench starts,
//! as `redis_rps` does); SESSION one of the rps
//! bench's (tiny_login, cart_20, oidc_tokens); WRITE_EVERY 10 for the 9:1
//! mix, 1 for every request a write.

use std::time::Duration;

use cookietin_peers::*;
use tower_sessions_redis_store::fred::prelude::{Client, ClientLike, Config};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let app = args.first().map_or("cookietin", String::as_str);
    let name = args.get(1).map_or("oidc_tokens", String::as_str);
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let write_every: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let corpus = corpus()
        .into_iter()
        .find(|c| c.name == name)
        .expect("a session of the rps bench");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = app
        .starts_with("redis-")
        .then(|| redis_server::RedisServer::start("serve_one", Default::default()))
        .map(|r| r.expect("redis-server is needed"));
    let url = redis.as_ref().map(|r| r.url()).unwrap_or_default();
    let server = match app {
        "bare-carrying" => {
            // The cookie bytes cookietin's session takes, probed on its app.
            let probe_server = serve_axum(
                "cookietin",
                axum_apps::cookietin(engine_builder().build().unwrap(), corpus),
            );
            let len = runtime.block_on(probe(probe_server.addr, true));
            probe_server.stop();
            println!("carrying a cookie of {len} bytes");
            serve_axum("bare-carrying", axum_apps::bare_carrying(len))
        }
        "redis-cookietin" => serve_axum_with("redis-cookietin", move || async move {
            let store = cookietin::store::RedisStore::connect_lazy(&url).unwrap();
            let engine = engine_builder().server_side(store).build().unwrap();
            axum_apps::cookietin(engine, corpus)
        }),
        "redis-tower-sessions" => serve_axum_with("redis-tower-sessions", move || async move {
            let client = Client::new(Config::from_url(&url).unwrap(), None, None, None);
            client.init().await.unwrap();
            let store = tower_sessions_redis_store::RedisStore::new(client);
            axum_apps::tower_sessions(store, corpus)
        }),
        "bare" => serve_axum("bare", axum_apps::bare()),
        "cookietin" => serve_axum(
            "cookietin",
            axum_apps::cookietin(engine_builder().build().unwrap(), corpus),
        ),
        "zstd" => serve_axum(
            "zstd",
            axum_apps::cookietin(engine_builder().zstd(true).build().unwrap(), corpus),
        ),
        "tower-sessions" => serve_axum(
            "tower-sessions",
            axum_apps::tower_sessions(tower_sessions::MemoryStore::default(), corpus),
        ),
        other => panic!("unknown app {other}"),
    };
    let run = runtime.block_on(load(
        server.addr,
        32,
        Duration::from_secs_f64(seconds),
        u64::MAX,
        write_every,
    ));
    assert_eq!(run.failed, 0);
    println!(
        "{app} {name} 1 write in {write_every}: {} requests, {:.0}/s",
        run.requests,
        run.rps()
    );
    server.stop();
    drop(redis);
}
