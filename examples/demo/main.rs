//! The cookietin demo server, on hyper 1.
//!
//! ```text
//! cargo run --example demo -- [--listen 127.0.0.1:8080] [--header-budget BYTES|off]
//!                              [--set-cookie-budget BYTES|off]
//! ```
//!
//! The key comes from `COOKIETIN_SECRET` (its UTF-8 bytes, at least 32);
//! without it the demo makes a random one and says so on stderr.
//!
//! - `GET /` a page to try it all;
//! - `GET /api/session` the session as a JSON object;
//! - `PATCH /api/session` merges a JSON object in (`null` removes a key) and
//!   answers with the session exactly as saved; the `x-cookietin-report`
//!   header holds the save report (chunks, budget, shrinking);
//! - `DELETE /api/session` clears the session;
//! - `GET /api/session/meta` what the request carried and what applies to it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use cookietin::{Engine, Key, SaveAction, SaveError, SaveReport, Session, DEFAULT_HEADER_BUDGET};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::net::TcpListener;

const PAGE: &str = include_str!("index.html");
/// The largest PATCH body read.
const MAX_BODY: usize = 1 << 20;

struct Options {
    listen: SocketAddr,
    header_budget: Option<usize>,
    set_cookie_budget: Option<usize>,
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
            "-h" | "--help" => {
                return Err("usage: demo [--listen ADDR] [--header-budget BYTES|off] [--set-cookie-budget BYTES|off]".into())
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn key() -> Result<Key, String> {
    match std::env::var("COOKIETIN_SECRET") {
        Ok(secret) => {
            Key::try_from_bytes(secret.as_bytes()).map_err(|e| format!("COOKIETIN_SECRET: {e}"))
        }
        Err(_) => {
            let mut random = [0u8; 32];
            getrandom::fill(&mut random).map_err(|e| format!("random key: {e}"))?;
            eprintln!("COOKIETIN_SECRET is not set: using a random key, so sessions end with this process");
            Ok(Key::try_from_bytes(&random).expect("32 bytes"))
        }
    }
}

/// The demo's shrink callback for `history`: drop the oldest entry, or the
/// whole list on the last call.
fn shrink_history(data: &mut cookietin::SessionData, last: bool) {
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

fn engine(options: &Options, key: Key) -> Engine {
    Engine::builder(key)
        // The demo serves plain http on loopback.
        .secure(false)
        .header_budget(options.header_budget)
        .set_cookie_budget(options.set_cookie_budget)
        .on_shrink(["history"], shrink_history)
        .build()
        .expect("the demo's configuration is valid")
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, "application/json".parse().expect("valid"));
    headers.insert(CACHE_CONTROL, "no-store".parse().expect("valid"));
    response
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "error": message.to_string() }))
}

/// The save report with runs of the same callback merged into one step
/// carrying a `runs` count, so that the header stays small: a proxy such as
/// nginx holds the whole response head in 4 KB by default.
fn compact(report: &SaveReport) -> Value {
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
    value
}

/// Saves into the response. A session that can't fit is reported, not a 5xx:
/// it depends on the request's other cookies.
fn save(
    engine: &Engine,
    session: &mut Session,
    response: &mut Response<Full<Bytes>>,
) -> Result<SaveReport, SaveError> {
    let report = engine.save_response(session, response)?;
    let encoded = serde_json::to_vec(&compact(&report)).expect("reports serialize");
    if let Ok(value) = hyper::header::HeaderValue::from_bytes(&encoded) {
        response.headers_mut().insert("x-cookietin-report", value);
    }
    Ok(report)
}

fn meta(engine: &Engine, session: &Session) -> Value {
    let browser = session.browser();
    json!({
        "chunks": session.request_chunks(),
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

async fn handle(
    engine: Arc<Engine>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut session = engine.load_request(&request);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = match (method, path.as_str()) {
        (Method::GET, "/") => {
            let mut r = Response::new(Full::new(Bytes::from_static(PAGE.as_bytes())));
            r.headers_mut().insert(
                CONTENT_TYPE,
                "text/html; charset=utf-8".parse().expect("valid"),
            );
            r
        }
        (Method::GET, "/api/session") => json_response(StatusCode::OK, &session.data().to_value()),
        (Method::GET, "/api/session/meta") => {
            json_response(StatusCode::OK, &meta(&engine, &session))
        }
        (Method::DELETE, "/api/session") => {
            session.clear();
            json_response(StatusCode::OK, &json!({}))
        }
        (Method::PATCH, "/api/session") => {
            let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, format!("body: {e}"))),
            };
            let patch: Map<String, Value> = match serde_json::from_slice(&body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    return Ok(error(
                        StatusCode::BAD_REQUEST,
                        "the body must be a JSON object",
                    ))
                }
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}"))),
            };
            for (key, value) in patch {
                if value.is_null() {
                    session.remove(&key);
                } else if let Err(e) = session.insert(&key, &value) {
                    return Ok(error(StatusCode::BAD_REQUEST, e));
                }
            }
            let mut response = json_response(StatusCode::OK, &json!(null));
            return Ok(match save(&engine, &mut session, &mut response) {
                Ok(report) if report.action == SaveAction::NoRoom => {
                    // The other cookies leave no room: the session's cookies
                    // are expired (the Set-Cookie stays), and the change is lost.
                    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    let body =
                        json!({ "error": "the other cookies leave no room for the session" });
                    *response.body_mut() = Full::new(Bytes::from(body.to_string()));
                    response
                }
                Ok(_) => {
                    // The body is the session exactly as saved, after any shrinking.
                    *response.body_mut() =
                        Full::new(Bytes::from(session.data().to_value().to_string()));
                    response
                }
                Err(e) => error(StatusCode::PAYLOAD_TOO_LARGE, e),
            });
        }
        (_, "/api/session" | "/api/session/meta" | "/") => {
            return Ok(error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"))
        }
        _ => return Ok(error(StatusCode::NOT_FOUND, "not found")),
    };
    if let Err(e) = save(&engine, &mut session, &mut response) {
        eprintln!("session not saved: {e}");
    }
    Ok(response)
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let key = key().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let engine = Arc::new(engine(&options, key));
    let listener = TcpListener::bind(options.listen).await.unwrap_or_else(|e| {
        eprintln!("cannot listen on {}: {e}", options.listen);
        std::process::exit(1);
    });
    let addr = listener.local_addr().expect("bound");
    println!("listening on http://{addr}");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let engine = engine.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(engine.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
