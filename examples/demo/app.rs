//! What the three demo servers share (the hyper demo, `examples/axum.rs`
//! and `examples/actix.rs`): the command line, the key, the engine and its
//! shrink callback, the page, and the JSON of the HTTP contract.
//!
//! The contract: `--listen ADDR` (printing `listening on http://ADDR` when
//! ready), `--header-budget BYTES|off`, `--set-cookie-budget BYTES|off`,
//! `--encrypt` (encrypted sessions, with the `encrypt` feature),
//! `--partitioned` (`Partitioned; Secure` on every session cookie),
//! `--max-age SECONDS` (the session lifetime, with persistent cookies whose
//! `Max-Age` is clamped to 400 days); the key
//! from `COOKIETIN_SECRET` (its bytes: the signing key, or with
//! `--encrypt` the master secret);
//!
//! - `GET /` a page to try it all;
//! - `GET /api/session` the session as a JSON object;
//! - `PATCH /api/session` merges a JSON object in (`null` removes a key)
//!   and answers with the session exactly as saved, or 413 when the other
//!   cookies leave no room; a malformed body is a 400 with a JSON error;
//!   the `x-cookietin-report` header holds the save report;
//! - `DELETE /api/session` destroys the session (logout);
//! - `GET /api/session/meta` what the request carried and what applies to
//!   it (`chunks`, `empty_reason`, `encrypted`, `browser`, `limits`,
//!   `budget`, ..., and `cookie`: what the session cookie shows to anyone
//!   who holds it, without the key);
//! - no cookie input ever gives a 5xx.
//!
//! With `--server-side` (features `redb` and `redis` for their stores) the
//! whole session lives in a store and the cookie `session` holds only a
//! signed id: `--store redb:PATH` (the default, a file outside the source
//! tree whose path is printed on stderr at start), `--store memory` or
//! `--store redis://HOST:PORT/`. `DELETE /api/session` then destroys the
//! session for every copy of the cookie, `POST /api/session/regenerate`
//! keeps the data under a new id, and meta adds `store` (its kind, and
//! whether it answers).
//!
//! With `--groups` (the same features and `--store`), three cookie groups:
//! `csrf` (client, readable by scripts, claims `csrf_token`), `sid` (in the
//! store, claims `user` and `roles`) and `session` (client, every other
//! key, overflowing into the store, revocable). Meta adds `groups` and
//! `placement`; `DELETE` ends every group, so that a replayed copy of any
//! earlier cookie loads empty with a reason.
#![allow(dead_code)]

use std::net::SocketAddr;

use cookietin::codec::inspect::{self, EnvelopeView};
use cookietin::{Engine, Key, SaveReport, Session, SessionData, Stored, DEFAULT_HEADER_BUDGET};
use serde_json::{json, Map, Value};

pub const PAGE: &str = include_str!("index.html");
/// The largest PATCH body read.
pub const MAX_BODY: usize = 1 << 20;
/// The response header that carries the save report.
pub const REPORT_HEADER: &str = "x-cookietin-report";

pub struct Options {
    pub listen: SocketAddr,
    pub header_budget: Option<usize>,
    pub set_cookie_budget: Option<usize>,
    pub server_side: bool,
    pub groups: bool,
    pub store: Option<String>,
    /// Encrypt sessions (`--encrypt`).
    pub encrypt: bool,
    /// `Partitioned` (and so `Secure`) on every session cookie (`--partitioned`).
    pub partitioned: bool,
    /// The session lifetime, with persistent cookies (`--max-age SECONDS`).
    pub max_age: Option<u64>,
}

fn bytes_or_off(flag: &str, v: &str) -> Result<Option<usize>, String> {
    match v {
        "off" => Ok(None),
        n => n.parse().map(Some).map_err(|e| format!("{flag} {n}: {e}")),
    }
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:8080".parse().expect("valid address"),
        header_budget: Some(DEFAULT_HEADER_BUDGET),
        set_cookie_budget: None,
        server_side: false,
        groups: false,
        store: None,
        encrypt: false,
        partitioned: false,
        max_age: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let v = value()?;
                options.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--header-budget" => options.header_budget = bytes_or_off(&arg, &value()?)?,
            "--set-cookie-budget" => options.set_cookie_budget = bytes_or_off(&arg, &value()?)?,
            "--server-side" => options.server_side = true,
            "--groups" => options.groups = true,
            "--store" => options.store = Some(value()?),
            "--partitioned" => options.partitioned = true,
            "--max-age" => {
                let v = value()?;
                let seconds = v.parse().map_err(|e| format!("--max-age {v}: {e}"))?;
                options.max_age = Some(seconds);
            }

            "--encrypt" if cfg!(feature = "encrypt") => options.encrypt = true,
            "--encrypt" => {
                return Err("--encrypt needs the encrypt feature: cargo run --features encrypt --example demo -- --encrypt".into())
            }
            "-h" | "--help" => {
                return Err("usage: [--listen ADDR] [--header-budget BYTES|off] [--set-cookie-budget BYTES|off] [--server-side | --groups] [--store redb:PATH|memory|redis://HOST:PORT/] [--encrypt] [--partitioned] [--max-age SECONDS]".into())
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// The secret's bytes: `COOKIETIN_SECRET`, or random ones.
fn secret() -> Result<Vec<u8>, String> {
    match std::env::var("COOKIETIN_SECRET") {
        Ok(secret) => {
            Key::try_from_bytes(secret.as_bytes()).map_err(|e| format!("COOKIETIN_SECRET: {e}"))?;
            Ok(secret.into_bytes())
        }
        Err(_) => {
            let mut random = [0u8; 32];
            getrandom::fill(&mut random).map_err(|e| format!("random key: {e}"))?;
            eprintln!("COOKIETIN_SECRET is not set: using a random key, so sessions end with this process");
            Ok(random.to_vec())
        }
    }
}

/// The demo's shrink callback for `history`: drop the oldest entry, or the
/// whole list on the last call.
pub fn shrink_history(data: &mut SessionData, last: bool) {
    let Ok(Some(mut history)) = data.get::<Vec<Value>>("history") else {
        return;
    };
    if last || history.len() <= 1 {
        data.remove("history");
    } else {
        history.remove(0);
        let _ = data.insert("history", &history);
    }
}

/// A client-side engine as the demo configures one: with `--encrypt`, the
/// secret is also the master key (each cookie name gets its own derived
/// key), and sessions signed by a run without it still load and are
/// re-issued encrypted.
fn client(options: &Options, secret: &[u8], name: &str) -> cookietin::EngineBuilder {
    let builder = Engine::builder(Key::try_from_bytes(secret).expect("checked"))
        .cookie_name(name)
        // The demo serves plain http on loopback; browsers accept Secure
        // cookies there, which Partitioned ones need.
        .secure(options.partitioned)
        .partitioned(options.partitioned)
        .header_budget(options.header_budget)
        .set_cookie_budget(options.set_cookie_budget);
    let builder = match options.max_age {
        // Persistent cookies, so that Max-Age (clamped to 400 days) shows.
        Some(seconds) => builder
            .max_age(std::time::Duration::from_secs(seconds))
            .persistent(true),
        None => builder,
    };
    #[cfg(feature = "encrypt")]
    if options.encrypt {
        let master = cookietin::MasterKey::try_from_bytes(secret).expect("checked");
        return builder.encrypt(master);
    }
    builder
}

/// The demo's engine. Its layout is chosen on the command line, so it is
/// always a stored engine (`async` load and save): a client-side layout is
/// made one with `into_stored`.
fn engine(options: &Options, secret: &[u8]) -> Result<Engine<Stored>, String> {
    let builder = client(options, secret, "session").on_shrink(["history"], shrink_history);
    let invalid = |e: cookietin::ConfigError| format!("the demo's configuration: {e}");
    match (options.server_side, options.groups, &options.store) {
        (false, false, None) => Ok(builder.build().map_err(invalid)?.into_stored()),
        (false, false, Some(_)) => Err("--store needs --server-side or --groups".into()),
        (true, true, _) => Err("--server-side and --groups are two layouts: pick one".into()),
        _ => with_store(options, secret, builder)?
            .build()
            .map_err(invalid),
    }
}

/// The `--server-side` or `--groups` layout on the store `--store` names.
#[cfg(feature = "store")]
fn with_store(
    options: &Options,
    secret: &[u8],
    builder: cookietin::EngineBuilder,
) -> Result<cookietin::EngineBuilder<Stored>, String> {
    let store = open_store(options.store.as_deref())?;
    if options.server_side {
        return Ok(builder.server_side(store));
    }
    let csrf = client(options, secret, "csrf")
        .http_only(false)
        .revocable(store.clone());
    let sid = client(options, secret, "sid").server_side(store.clone());
    Ok(builder
        .overflow(store.clone())
        .revocable(store)
        .group(cookietin::Group::new(csrf).claims(GROUPS[0].2.iter().copied()))
        .group(cookietin::Group::new(sid).claims(GROUPS[1].2.iter().copied())))
}

#[cfg(not(feature = "store"))]
fn with_store(
    _: &Options,
    _: &[u8],
    _: cookietin::EngineBuilder,
) -> Result<cookietin::EngineBuilder<Stored>, String> {
    Err("--server-side and --groups need the features redb and redis: cargo run --features redb,redis --example demo -- --server-side".into())
}

/// The `--groups` layout, in priority order: cookie name, backend, and the
/// keys claimed (none: every other key).
pub const GROUPS: [(&str, &str, &[&str]); 3] = [
    (
        "csrf",
        "client, readable by scripts, revocable",
        &["csrf_token"],
    ),
    ("sid", "store", &["user", "roles"]),
    (
        "session",
        "client, overflowing into the store, revocable",
        &[],
    ),
];

/// The store's kind, for meta (`redb`, `memory` or `redis`), and the store.
#[cfg(feature = "store")]
static STORE: std::sync::OnceLock<(&'static str, StoreRef)> = std::sync::OnceLock::new();
#[cfg(feature = "store")]
type StoreRef = std::sync::Arc<dyn cookietin::store::Store>;

/// The store `--store` names (by default a redb file outside the source
/// tree, whose path is printed).
#[cfg(feature = "store")]
fn open_store(spec: Option<&str>) -> Result<StoreRef, String> {
    use std::sync::Arc;
    let default_path;
    let spec = match spec {
        Some(spec) => spec,
        None => {
            let dir = std::env::temp_dir().join("cookietin-demo");
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            default_path = format!("redb:{}", dir.join("sessions.redb").display());
            &default_path
        }
    };
    let (kind, store): (&'static str, StoreRef) = if spec == "memory" {
        ("memory", Arc::new(cookietin::store::MemoryStore::new()))
    } else if let Some(path) = spec.strip_prefix("redb:") {
        #[cfg(feature = "redb")]
        {
            eprintln!("sessions are kept in the redb file {path}");
            let store = cookietin::store::RedbStore::open(path)
                .map_err(|e| format!("--store {spec}: {e}"))?;
            // Expired records go once a minute, for as long as the demo runs.
            std::mem::forget(store.spawn_sweeper(std::time::Duration::from_secs(60)));
            ("redb", Arc::new(store))
        }
        #[cfg(not(feature = "redb"))]
        return Err(format!("--store {spec} ({path}) needs the feature redb"));
    } else if spec.starts_with("redis://") {
        #[cfg(feature = "redis")]
        {
            let store = cookietin::store::RedisStore::connect_lazy(spec)
                .map_err(|e| format!("--store {spec}: {e}"))?;
            ("redis", Arc::new(store))
        }
        #[cfg(not(feature = "redis"))]
        return Err(format!("--store {spec} needs the feature redis"));
    } else {
        return Err(format!(
            "--store {spec}: expected redb:PATH, memory or redis://HOST:PORT/"
        ));
    };
    let _ = STORE.set((kind, store.clone()));
    Ok(store)
}

/// Meta's `store`: its kind, and whether it answers now; `null` for a
/// client-side demo.
pub async fn store_meta() -> Value {
    #[cfg(feature = "store")]
    if let Some((kind, store)) = STORE.get() {
        let probe = cookietin::store::RecordKey::from_bytes([0; 32]);
        let reachable = store.load(probe, None).await.is_ok();
        return json!({ "kind": kind, "reachable": reachable });
    }
    Value::Null
}

/// Meta's `groups` and `placement`, for `--groups`; `null` otherwise.
pub fn groups_meta(engine: &Engine<Stored>, session: &Session) -> (Value, Value) {
    let parts = engine.groups(session);
    if parts.is_empty() {
        return (Value::Null, Value::Null);
    }
    let groups = parts
        .iter()
        .map(|&(name, part)| {
            let (backend, claims) = GROUPS
                .iter()
                .find(|g| g.0 == name)
                .map_or(("?", &[][..]), |g| (g.1, g.2));
            json!({
                "name": name,
                "backend": backend,
                "claims": if claims.is_empty() { json!("every other key") } else { json!(claims) },
                "cookies": part.request_chunks(),
                "bytes": part.request_value_bytes(),
                "empty_reason": part.empty_reason().map(|r| r.to_string()),
                "store_reason": part.store_reason().map(|r| r.to_string()),
            })
        })
        .collect();
    let placement = serde_json::to_value(engine.placement(session)).expect("placement serializes");
    (Value::Array(groups), placement)
}

/// The options and the engine from the command line and the environment;
/// exits with a message on bad input.
pub fn setup() -> (Options, Engine<Stored>) {
    let options = parse_args().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let secret = secret().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let engine = engine(&options, &secret).unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    (options, engine)
}

pub fn error_body(message: impl std::fmt::Display) -> Value {
    json!({ "error": message.to_string() })
}

/// A PATCH body: a JSON object, each key set and `null` removing it.
pub fn parse_patch(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the body must be a JSON object".to_owned()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

/// Applies a PATCH to the session.
pub fn apply_patch(session: &mut Session, patch: Map<String, Value>) -> Result<(), String> {
    for (key, value) in patch {
        if value.is_null() {
            session.remove(&key);
        } else {
            session.insert(&key, &value).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The save report with runs of the same callback merged into one step
/// carrying a `runs` count, so that the header stays small: a proxy such as
/// nginx holds the whole response head in 4 KB by default.
pub fn compact(report: &SaveReport) -> Vec<u8> {
    let mut value = serde_json::to_value(report).expect("reports serialize");
    let mut merged: Vec<Value> = Vec::new();
    for step in value["shrink"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let same_run = merged.last().is_some_and(|prev: &Value| {
            step["action"] == "callback"
                && prev["action"] == "callback"
                && prev["keys"] == step["keys"]
                && prev["last"] == step["last"]
        });
        if same_run {
            let prev = merged.last_mut().expect("checked");
            prev["runs"] = json!(prev["runs"].as_u64().unwrap_or(1) + 1);
            prev["json_after"] = step["json_after"].clone();
        } else {
            let mut step = step;
            if step["action"] == "callback" {
                step["runs"] = json!(1);
            }
            merged.push(step);
        }
    }
    value["shrink"]["steps"] = Value::Array(merged);
    serde_json::to_vec(&value).expect("reports serialize")
}

/// The status for a save that failed: 503 when the store was unreachable,
/// 409 when another request destroyed or regenerated the session first,
/// 413 when the session can't fit.
pub fn save_error_status(error: &cookietin::SaveError) -> u16 {
    match error {
        #[cfg(feature = "store")]
        cookietin::SaveError::Store(cookietin::store::StoreError::TooLarge { .. }) => 413,
        #[cfg(feature = "store")]
        cookietin::SaveError::Store(_) => 503,
        cookietin::SaveError::SessionGone => 409,
        _ => 413,
    }
}

/// What the request carried and what applies to it; `cookie_headers` are
/// the request's Cookie header values.
pub fn meta(engine: &Engine<Stored>, session: &Session, cookie_headers: &[&[u8]]) -> Value {
    let browser = session.browser();
    json!({
        "chunks": session.request_chunks(),
        "encrypted": engine.is_encrypted(),
        "cookie": cookie_view(engine.cookie_name(), cookie_headers),
        "empty_reason": session.empty_reason().map(|r| r.to_string()),
        "cookie_name": engine.cookie_name(),
        "value_bytes": session.request_value_bytes(),
        "json_bytes": session.data().json_len(),
        "keys": session.len(),
        "issued_at": session.issued_at(),
        "browser": browser.map(|b| &b.identity),
        "limits": browser.map(|b| &b.limits),
        "budget": engine.budget(session),
        "groups": groups_meta(engine, session).0,
        "placement": groups_meta(engine, session).1,
    })
}

/// What the request's session cookie shows to anyone who holds it, without
/// the key: a signed session's JSON, or an encrypted one's envelope only.
pub fn cookie_view(name: &str, cookie_headers: &[&[u8]]) -> Value {
    let text: Vec<&str> = cookie_headers
        .iter()
        .filter_map(|h| std::str::from_utf8(h).ok())
        .collect();
    let pairs = text
        .iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|piece| piece.trim().split_once('='));
    let chunks = match inspect::session_chunks(name, pairs) {
        Ok(chunks) => chunks,
        Err(e) => return json!({ "present": false, "error": e.to_string() }),
    };
    let value: String = chunks.concat();
    let view = match EnvelopeView::decode(chunks) {
        Ok(view) => view,
        Err(e) => return json!({ "present": true, "error": e.to_string() }),
    };
    let readable = view
        .unverified_data(1 << 20)
        .ok()
        .map(|data| data.to_value());
    json!({
        "present": true,
        "value_start": value.chars().take(64).collect::<String>(),
        "value_bytes": value.len(),
        "encrypted": view.is_encrypted(),
        "deflated": view.is_deflated(),
        "key_id": view.key_id().map(|id| id.to_string()),
        "issued_at": view.issued_at(),
        "payload_bytes": view.payload_len(),
        "readable_without_key": readable,
    })
}
