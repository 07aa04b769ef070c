//! Test helpers (feature `test-util`): [`TestJar`], a cookie jar that
//! keeps and sends cookies the way one browser of the limits database
//! does, so a handler test needs no hand-parsed `Set-Cookie`.
//!
//! - [`TestJar::apply`] and [`TestJar::cookie_header`] work with any
//!   framework, or none;
//! - with `tower` (or `axum`), [`TestJar::send`] drives any tower service
//!   over `http::Request`, an axum `Router` among them;
//! - with `actix`, [`TestJar::send_actix`] drives an
//!   `actix_web::test::init_service` app with a `TestRequest`.
//!
//! The feature adds no dependency. Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! cookietin = { version = "0.1", features = ["axum", "test-util"] }
//! ```
#![cfg_attr(
    feature = "axum",
    doc = r#"
# Example: an axum handler test

A login, then a read, then a look at the cookies (in your tests,
`#[tokio::test]` instead of `#[tokio::main]`):

```
use axum::{body::Body, http::Request, routing::{get, post}, Router};
use cookietin::{integrations::tower::SessionLayer, testing::TestJar};
use cookietin::{Engine, Key, SessionHandle, ValueError};

async fn login(session: SessionHandle) -> Result<&'static str, ValueError> {
    session.insert("user", "ada")?;
    Ok("welcome")
}

async fn me(session: SessionHandle) -> Result<String, ValueError> {
    Ok(session.get("user")?.unwrap_or_default())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder(Key::try_from_bytes(&[7; 32])?).build()?;
    let mut app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .layer(SessionLayer::new(engine));

    let mut jar = TestJar::new("chromium")?;
    jar.send(&mut app, Request::post("/login").body(Body::empty())?).await?;
    let response = jar.send(&mut app, Request::get("/me").body(Body::empty())?).await?;
    assert_eq!(axum::body::to_bytes(response.into_body(), 1024).await?, "ada");
    assert_eq!(jar.names(), ["session"]);
    assert!(jar.cookie("session").is_some_and(|c| c.http_only && c.secure));
    Ok(())
}
```
"#
)]
#![cfg_attr(
    feature = "actix",
    doc = r#"
# Example: an actix-web handler test

```
use actix_web::{test, web, App, HttpResponse};
use cookietin::{integrations::actix::SessionMiddleware, testing::TestJar};
use cookietin::{Engine, Key, SessionHandle, ValueError};

async fn login(session: SessionHandle) -> Result<HttpResponse, ValueError> {
    session.insert("user", "ada")?;
    Ok(HttpResponse::Ok().body("welcome"))
}

async fn me(session: SessionHandle) -> Result<HttpResponse, ValueError> {
    Ok(HttpResponse::Ok().body(session.get::<String>("user")?.unwrap_or_default()))
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder(Key::try_from_bytes(&[7; 32])?).build()?;
    let app = test::init_service(
        App::new()
            .wrap(SessionMiddleware::new(engine))
            .route("/login", web::post().to(login))
            .route("/me", web::get().to(me)),
    )
    .await;

    let mut jar = TestJar::new("firefox")?;
    jar.send_actix(&app, test::TestRequest::post().uri("/login")).await?;
    let response = jar.send_actix(&app, test::TestRequest::get().uri("/me")).await?;
    assert_eq!(test::read_body(response).await, "ada");
    assert_eq!(jar.names(), ["session"]);
    Ok(())
}
```
"#
)]

#[cfg(feature = "actix")]
mod actix;
mod agents;
mod date;
mod jar;
mod outcome;
mod parse;
mod storage;
#[cfg(feature = "tower")]
mod tower;
mod url;

pub use jar::TestJar;
pub use outcome::{Applied, JarCookie, Rejection, TestJarError};
