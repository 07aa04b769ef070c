//! The framework layers' cost over a hand-written load and save in the
//! same handler, in-process (no network): the axum `Router` called through
//! `tower::ServiceExt::oneshot`, and the actix-web app through
//! `actix_web::test::call_service`, in a loop.
//!
//! `cargo bench --features axum,actix --bench layer [-- ROUNDS]`
//!
//! Each request carries a returning visitor's Cookie header (four
//! unrelated cookies and the session's own, from the corpus) and a desktop
//! Chrome User-Agent. Every request reads one key; one in ten also writes a
//! counter, so it is saved (Set-Cookie, Vary, Cache-Control). Both sides
//! see the same sequence of requests, and the ratio is the median of the
//! per-round ratios (layer / hand-written), as in `benches/ratios.rs`.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/setup.rs"]
mod setup;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cookietin::{Engine, Session};

use corpus::CHROME;
use interleave::{median, paired};

/// The sessions measured: the smallest, and the middle of the corpus by size.
const SESSIONS: [(&str, &str); 2] = [("tiny_login", "user_id"), ("oidc_tokens", "user")];

/// A write in every `WRITE_EVERY` requests.
const WRITE_EVERY: u64 = 10;

/// The value written: a new one on every write, so that the session is
/// modified and saved.
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_count() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// What the handlers do with a session, the same on every side.
fn work(session: &mut Session, read_key: &str, write: bool) -> usize {
    let read = session
        .get_value(read_key)
        .map_or(0, |v| v.is_null() as usize + 1);
    if write {
        session
            .insert("n", &next_count())
            .expect("a u64 serializes");
    }
    read
}

mod on_axum {
    use super::*;
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{header, HeaderMap, HeaderValue, Request, Response};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use axum::Router;
    use cookietin::integrations::http::{apply, cookies, user_agent};
    use cookietin::integrations::tower::SessionLayer;
    use cookietin::SessionHandle;
    use tower::ServiceExt;

    #[derive(Clone)]
    struct App {
        engine: Engine,
        read_key: &'static str,
    }

    async fn layered(State(app): State<App>, session: SessionHandle) -> &'static str {
        black_box(session.with(|s| work(s, app.read_key, false)));
        "ok"
    }

    async fn layered_write(State(app): State<App>, session: SessionHandle) -> &'static str {
        black_box(session.with(|s| work(s, app.read_key, true)));
        "ok"
    }

    fn by_hand(app: &App, headers: &HeaderMap, write: bool) -> Response<Body> {
        let mut session = app.engine.load(cookies(headers), user_agent(headers));
        black_box(work(&mut session, app.read_key, write));
        // The layered handlers answer "ok" as axum turns it into a
        // response (with its Content-Type); so does this one.
        let mut response = "ok".into_response();
        // A failed save sends the response without session cookies, as
        // the layer does.
        if let Ok(saved) = app.engine.save(&mut session) {
            apply(response.headers_mut(), &session, saved);
        }
        response
    }

    async fn hand(State(app): State<App>, headers: HeaderMap) -> Response<Body> {
        by_hand(&app, &headers, false)
    }

    async fn hand_write(State(app): State<App>, headers: HeaderMap) -> Response<Body> {
        by_hand(&app, &headers, true)
    }

    pub fn routers(engine: Engine, read_key: &'static str) -> (Router, Router) {
        let app = App {
            engine: engine.clone(),
            read_key,
        };
        let by_hand = Router::new()
            .route("/", get(hand))
            .route("/w", get(hand_write))
            .with_state(app.clone());
        let layered = Router::new()
            .route("/", get(layered))
            .route("/w", get(layered_write))
            .with_state(app)
            .layer(SessionLayer::new(engine));
        (by_hand, layered)
    }

    /// ns per request over `n` requests, one in ten a write.
    pub fn side<'a>(
        runtime: &'a tokio::runtime::Runtime,
        router: Router,
        cookie: HeaderValue,
    ) -> impl FnMut(usize) -> f64 + 'a {
        let agent = HeaderValue::from_static(CHROME);
        let mut i = 0u64;
        move |n| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    i += 1;
                    let uri = if i.is_multiple_of(WRITE_EVERY) {
                        "/w"
                    } else {
                        "/"
                    };
                    let request = Request::get(uri)
                        .header(header::COOKIE, cookie.clone())
                        .header(header::USER_AGENT, agent.clone())
                        .body(Body::empty())
                        .unwrap();
                    let response = router.clone().oneshot(request).await.unwrap();
                    black_box(response.headers().len());
                }
                start.elapsed().as_nanos() as f64 / n as f64
            })
        }
    }

    /// The responses of one read and one write, to check both sides agree.
    pub fn sample(
        runtime: &tokio::runtime::Runtime,
        router: &Router,
        cookie: &HeaderValue,
    ) -> Vec<(u16, Vec<String>)> {
        runtime.block_on(async {
            let mut out = Vec::new();
            for uri in ["/", "/w"] {
                let request = Request::get(uri)
                    .header(header::COOKIE, cookie.clone())
                    .header(header::USER_AGENT, CHROME)
                    .body(Body::empty())
                    .unwrap();
                let response = router.clone().oneshot(request).await.unwrap();
                out.push(shape(
                    response.status().as_u16(),
                    response
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
                ));
            }
            out
        })
    }
}

mod on_actix {
    use super::*;
    use actix_web::http::header::{self, HeaderValue};
    use actix_web::{test, web, App, HttpRequest, HttpResponse};
    use cookietin::integrations::actix::SessionMiddleware;
    use cookietin::SessionHandle;

    #[derive(Clone)]
    struct Config {
        engine: Engine,
        read_key: &'static str,
    }

    async fn layered(app: web::Data<Config>, session: SessionHandle) -> HttpResponse {
        black_box(session.with(|s| work(s, app.read_key, false)));
        HttpResponse::Ok().body("ok")
    }

    async fn layered_write(app: web::Data<Config>, session: SessionHandle) -> HttpResponse {
        black_box(session.with(|s| work(s, app.read_key, true)));
        HttpResponse::Ok().body("ok")
    }

    /// What the middleware does, written out in the handler: load, the
    /// handler's work, save, and the same response headers.
    fn by_hand(app: &Config, request: &HttpRequest, write: bool) -> HttpResponse {
        let headers = request.headers();
        let agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let cookies = headers.get_all(header::COOKIE).map(HeaderValue::as_bytes);
        let mut session = app.engine.load(cookies, agent);
        black_box(work(&mut session, app.read_key, write));
        let personal = session.is_accessed() || session.is_modified();
        let mut response = HttpResponse::Ok().body("ok");
        let Ok(saved) = app.engine.save(&mut session) else {
            return response;
        };
        let out = response.headers_mut();
        let sets = !saved.set_cookies.is_empty();
        for line in saved.set_cookies {
            out.append(header::SET_COOKIE, HeaderValue::try_from(line).unwrap());
        }
        if personal || sets {
            out.append(header::VARY, HeaderValue::from_static("Cookie"));
        }
        if sets {
            out.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        }
        response
    }

    async fn hand(app: web::Data<Config>, request: HttpRequest) -> HttpResponse {
        by_hand(&app, &request, false)
    }

    async fn hand_write(app: web::Data<Config>, request: HttpRequest) -> HttpResponse {
        by_hand(&app, &request, true)
    }

    /// A request to the app (a macro: the request type is actix-http's,
    /// which actix-web does not re-export).
    macro_rules! request {
        ($uri:expr, $cookie:expr) => {
            test::TestRequest::get()
                .uri($uri)
                .insert_header((header::COOKIE, $cookie))
                .insert_header((header::USER_AGENT, CHROME))
                .to_request()
        };
    }

    /// Checks that both apps (hand-written and layered) answer alike, then
    /// times them interleaved: (hand-written ns, layered ns, median ratio).
    pub fn measure(
        system: &actix_web::rt::SystemRunner,
        engine: Engine,
        read_key: &'static str,
        cookie: &str,
        rounds: usize,
    ) -> (f64, f64, f64) {
        let config = Config {
            engine: engine.clone(),
            read_key,
        };
        let by_hand = system.block_on(test::init_service(
            App::new()
                .app_data(web::Data::new(config.clone()))
                .route("/", web::get().to(hand))
                .route("/w", web::get().to(hand_write)),
        ));
        let layered = system.block_on(test::init_service(
            App::new()
                .app_data(web::Data::new(config))
                .wrap(SessionMiddleware::new(engine))
                .route("/", web::get().to(layered))
                .route("/w", web::get().to(layered_write)),
        ));
        macro_rules! sample {
            ($app:expr) => {
                system.block_on(async {
                    let mut out = Vec::new();
                    for uri in ["/", "/w"] {
                        let response = test::call_service(&$app, request!(uri, cookie)).await;
                        out.push(shape(
                            response.status().as_u16(),
                            response
                                .headers()
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
                        ));
                    }
                    out
                })
            };
        }
        let hand_shape = sample!(by_hand);
        assert_eq!(
            hand_shape,
            sample!(layered),
            "actix: both sides answer alike"
        );
        assert!(hand_shape[1].1.iter().any(|l| l.starts_with("set-cookie")));
        macro_rules! side {
            ($app:expr) => {{
                let mut i = 0u64;
                move |n: usize| {
                    system.block_on(async {
                        let start = Instant::now();
                        for _ in 0..n {
                            i += 1;
                            let uri = if i % WRITE_EVERY == 0 { "/w" } else { "/" };
                            let response = test::call_service(&$app, request!(uri, cookie)).await;
                            black_box(response.headers().len());
                        }
                        start.elapsed().as_nanos() as f64 / n as f64
                    })
                }
            }};
        }
        paired(rounds, &mut side!(by_hand), &mut side!(layered))
    }
}

/// A response's status and its headers as `name: value` lines, with the
/// session value and the dates blanked (they differ between two saves),
/// sorted; for checking that both sides answer alike.
fn shape<'a>(status: u16, headers: impl Iterator<Item = (&'a str, &'a str)>) -> (u16, Vec<String>) {
    let mut lines: Vec<String> = headers
        .filter(|(k, _)| !matches!(*k, "content-length" | "date"))
        .map(|(k, v)| {
            let v = if k == "set-cookie" {
                let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
                let name = pair.split('=').next().unwrap();
                let attributes: Vec<&str> = attributes
                    .split(';')
                    .map(str::trim)
                    .filter(|a| !a.to_ascii_lowercase().starts_with("expires="))
                    .collect();
                format!("{name}=…; {}", attributes.join("; "))
            } else {
                v.to_owned()
            };
            format!("{k}: {v}")
        })
        .collect();
    lines.sort();
    (status, lines)
}

fn us(ns: f64) -> String {
    format!("{:.2}", ns / 1000.0)
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .take_while(|a| a != "profile")
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    let engine = setup::engine();
    engine.browsers().resolve(CHROME);
    let mut all = corpus::sessions();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let system = actix_web::rt::System::new();
    let args: Vec<String> = std::env::args().collect();
    let profile = args.iter().position(|a| a == "profile").map(|i| {
        let side = args.get(i + 1).cloned().unwrap_or_else(|| "layer".into());
        let n = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        (side, n)
    });
    let mut shapes = String::new();

    println!("Interleaved medians over {rounds} rounds (µs per request, a write in every {WRITE_EVERY}; ratios are medians of per-round ratios)\n");
    println!("| session | framework | hand-written | layer | layer / hand-written (≤ 1.1) |");
    println!("|---|---|---|---|---|");
    let mut overall = Vec::new();
    for (name, read_key) in SESSIONS {
        let entries = all.remove(name).expect("session in corpus");
        let header = setup::request_header(&engine, &entries);

        let cookie = axum::http::HeaderValue::try_from(header.as_str()).unwrap();
        let (by_hand, layered) = on_axum::routers(engine.clone(), read_key);
        let hand_shape = on_axum::sample(&runtime, &by_hand, &cookie);
        let layer_shape = on_axum::sample(&runtime, &layered, &cookie);
        assert_eq!(hand_shape, layer_shape, "axum: both sides answer alike");
        assert!(hand_shape[1].1.iter().any(|l| l.starts_with("set-cookie")));
        if name == SESSIONS[0].0 {
            shapes = format!("read: {:?}\nwrite: {:?}", hand_shape[0].1, hand_shape[1].1);
        }
        if let Some((side, n)) = profile {
            // One side alone, for callgrind: `-- profile hand|layer N`.
            let router = if side == "hand" { by_hand } else { layered };
            let ns = on_axum::side(&runtime, router, cookie)(n);
            println!("{name} axum {side}: {n} requests, {ns:.0} ns each");
            return;
        }
        let (th, tl, r) = paired(
            rounds,
            &mut on_axum::side(&runtime, by_hand, cookie.clone()),
            &mut on_axum::side(&runtime, layered, cookie),
        );
        overall.push(r);
        println!("| {name} | axum 0.8 | {} | {} | {r:.3} |", us(th), us(tl));

        let (th, tl, r) = on_actix::measure(&system, engine.clone(), read_key, &header, rounds);
        overall.push(r);
        println!(
            "| {name} | actix-web 4 | {} | {} | {r:.3} |",
            us(th),
            us(tl)
        );
    }
    println!("\nmedian of the four ratios: {:.3}", median(&mut overall));
    println!("\nResponse headers (axum, tiny_login; both sides alike):\n{shapes}");
}
