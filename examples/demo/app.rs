//! What the three demo servers share (the hyper demo, `examples/axum.rs`
//! and `examples/actix.rs`): the command line, the key, the engine and its
//! shrink callback, the page, and the JSON of the HTTP contract.
//!
//! The contract: `--listen ADDR` (printing `listening on http://ADDR` when
//! ready), `--header-budget BYTES|off`, `--set-cookie-budget BYTES|off`,
//! `--encrypt` (encrypted sessions, with the `encrypt` feature); the key
//! from `COOKIETIN_SECRET` (its bytes: the signing key, or with
//! `--encrypt` the master secret);
//!
//! - `GET /` a page to try it all;
//! - `GET /api/session` the session as a JSON object;
//! - `PATCH /api/session` merges a JSON object in (`null` removes a key)
//!   and answers with the session exactly as saved, or 413 when the other
//!   cookies leave no room; a malformed body is a 400 with a JSON error;
//!   the `x-cookietin-report` header holds the save report;
//! - `DELETE /api/session` clears the session;
//! - `GET /api/session/meta` what the request carried and what applies to
//!   it (`chunks`, `empty_reason`, `encrypted`, `browser`, `limits`,
//!   `budget`, ..., and `cookie`: what the session cookie shows to anyone
//!   who holds it, without the key);
//! - no cookie input ever gives a 5xx.
#![allow(dead_code)]

use std::net::SocketAddr;

use cookietin::codec::inspect::{self, EnvelopeView};
use cookietin::{Engine, Key, SaveReport, Session, SessionData, DEFAULT_HEADER_BUDGET};
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
    /// Encrypt sessions (`--encrypt`).
    pub encrypt: bool,
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
        encrypt: false,
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
            "--encrypt" if cfg!(feature = "encrypt") => options.encrypt = true,
            "--encrypt" => {
                return Err("--encrypt needs the encrypt feature: cargo run --features encrypt --example demo -- --encrypt".into())
            }
            "-h" | "--help" => {
                return Err("usage: [--listen ADDR] [--header-budget BYTES|off] [--set-cookie-budget BYTES|off] [--encrypt]".into())
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

fn engine(options: &Options, secret: &[u8]) -> Engine {
    let key = Key::try_from_bytes(secret).expect("checked");
    let builder = Engine::builder(key)
        // The demo serves plain http on loopback.
        .secure(false)
        .header_budget(options.header_budget)
        .set_cookie_budget(options.set_cookie_budget)
        .on_shrink(["history"], shrink_history);
    // With --encrypt, the same secret is the master key; sessions signed
    // by a run without it still load, and are re-issued encrypted.
    #[cfg(feature = "encrypt")]
    let builder = match options.encrypt {
        true => builder.encrypt(cookietin::MasterKey::try_from_bytes(secret).expect("checked")),
        false => builder,
    };
    builder.build().expect("the demo's configuration is valid")
}

/// The options and the engine from the command line and the environment;
/// exits with a message on bad input.
pub fn setup() -> (Options, Engine) {
    let options = parse_args().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let secret = secret().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let engine = engine(&options, &secret);
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

/// What the request carried and what applies to it; `cookie_headers` are
/// the request's Cookie header values.
pub fn meta(engine: &Engine, session: &Session, cookie_headers: &[&[u8]]) -> Value {
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
