//! The test helpers end to end: a login, reads, a session that needs two
//! chunks and then one, and a logout, through an axum `Router`
//! (`TestJar::send`) and an actix-web test service
//! (`TestJar::send_actix`), with the jar as the browser.
#![cfg(all(feature = "axum", feature = "actix", feature = "test-util"))]

mod common;

use cookietin::testing::{Applied, TestJar};
use cookietin::{Engine, Key, SameSite};

fn engine() -> Engine {
    // Secure by default: the jar's origin is https://example.com.
    Engine::builder(Key::try_from_bytes(&[12; 32]).unwrap())
        .build()
        .unwrap()
}

/// 6000 incompressible characters: two chunks.
fn notes() -> String {
    common::random_text(3, 6000)
}

/// The same story through either framework; `call` sends one request
/// through the jar and gives the status and the body.
async fn story(
    framework: &str,
    mut call: impl AsyncFnMut(&mut TestJar, &str, &str) -> (u16, String),
) {
    let mut jar = TestJar::new("chromium").unwrap();
    assert_eq!(
        call(&mut jar, "GET", "/me").await,
        (200, "nobody".into()),
        "{framework}"
    );
    assert!(
        jar.is_empty(),
        "{framework}: a read of nothing sets nothing"
    );

    assert_eq!(call(&mut jar, "POST", "/login").await.0, 200, "{framework}");
    assert_eq!(jar.names(), ["session"], "{framework}");
    let cookie = jar.cookie("session").unwrap();
    assert!(
        cookie.http_only && cookie.secure && cookie.host_only,
        "{framework}"
    );
    assert_eq!(
        (cookie.path.as_str(), cookie.same_site),
        ("/", Some(SameSite::Lax))
    );
    assert_eq!(call(&mut jar, "GET", "/me").await.1, "ada", "{framework}");
    // The jar's User-Agent reached the handler.
    assert_eq!(
        Some(call(&mut jar, "GET", "/agent").await.1.as_str()),
        jar.user_agent(),
        "{framework}"
    );

    // Chunks come and go as the session grows and shrinks.
    call(&mut jar, "POST", "/big").await;
    assert_eq!(jar.names(), ["session", "session.1"], "{framework}");
    assert_eq!(
        call(&mut jar, "GET", "/notes").await.1,
        notes(),
        "{framework}"
    );
    call(&mut jar, "POST", "/small").await;
    assert_eq!(jar.names(), ["session"], "{framework}");
    assert!(
        jar.last_applied().contains(&Applied::Removed {
            name: "session.1".into(),
            existed: true
        }),
        "{framework}: {:?}",
        jar.last_applied()
    );
    assert_eq!(call(&mut jar, "GET", "/me").await.1, "ada", "{framework}");

    call(&mut jar, "POST", "/logout").await;
    assert!(jar.is_empty(), "{framework}: {:?}", jar.last_applied());
    assert_eq!(
        call(&mut jar, "GET", "/me").await.1,
        "nobody",
        "{framework}"
    );
}

mod axum_app {
    use super::*;
    use axum::body::Body;
    use axum::http::{header::USER_AGENT, HeaderMap, Request};
    use axum::routing::{get, post};
    use axum::Router;
    use cookietin::integrations::tower::SessionLayer;
    use cookietin::{SessionHandle, ValueError};

    async fn login(session: SessionHandle) -> Result<&'static str, ValueError> {
        session.insert("user", "ada")?;
        Ok("welcome")
    }

    async fn me(session: SessionHandle) -> Result<String, ValueError> {
        Ok(session.get("user")?.unwrap_or_else(|| "nobody".into()))
    }

    async fn agent(headers: HeaderMap) -> String {
        let agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
        agent.unwrap_or_default().to_owned()
    }

    async fn big(session: SessionHandle) -> Result<(), ValueError> {
        session.insert("notes", &notes())
    }

    async fn read_notes(session: SessionHandle) -> Result<String, ValueError> {
        Ok(session.get("notes")?.unwrap_or_default())
    }

    async fn small(session: SessionHandle) {
        session.remove("notes");
    }

    async fn logout(session: SessionHandle) {
        session.destroy();
    }

    pub fn app() -> Router {
        Router::new()
            .route("/login", post(login))
            .route("/me", get(me))
            .route("/agent", get(agent))
            .route("/big", post(big))
            .route("/notes", get(read_notes))
            .route("/small", post(small))
            .route("/logout", post(logout))
            .layer(SessionLayer::new(engine()))
    }

    pub async fn call(
        app: &mut Router,
        jar: &mut TestJar,
        method: &str,
        path: &str,
    ) -> (u16, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let response = jar.send(app, request).await.unwrap();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }
}

mod actix_app {
    use super::*;
    use actix_web::http::header::USER_AGENT;
    use actix_web::http::Method;
    use actix_web::{test, web, App, HttpRequest, HttpResponse};
    use cookietin::integrations::actix::SessionMiddleware;
    use cookietin::{SessionHandle, ValueError};

    async fn login(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        session.insert("user", "ada")?;
        Ok(HttpResponse::Ok().body("welcome"))
    }

    async fn me(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        let user: Option<String> = session.get("user")?;
        Ok(HttpResponse::Ok().body(user.unwrap_or_else(|| "nobody".into())))
    }

    async fn agent(request: HttpRequest) -> HttpResponse {
        let agent = request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok());
        HttpResponse::Ok().body(agent.unwrap_or_default().to_owned())
    }

    async fn big(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        session.insert("notes", &notes())?;
        Ok(HttpResponse::Ok().finish())
    }

    async fn read_notes(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        let notes: Option<String> = session.get("notes")?;
        Ok(HttpResponse::Ok().body(notes.unwrap_or_default()))
    }

    async fn small(session: SessionHandle) -> HttpResponse {
        session.remove("notes");
        HttpResponse::Ok().finish()
    }

    async fn logout(session: SessionHandle) -> HttpResponse {
        session.destroy();
        HttpResponse::Ok().finish()
    }

    pub async fn story() {
        let app = test::init_service(
            App::new()
                .wrap(SessionMiddleware::new(engine()))
                .route("/login", web::post().to(login))
                .route("/me", web::get().to(me))
                .route("/agent", web::get().to(agent))
                .route("/big", web::post().to(big))
                .route("/notes", web::get().to(read_notes))
                .route("/small", web::post().to(small))
                .route("/logout", web::post().to(logout)),
        )
        .await;
        super::story(
            "actix",
            async |jar: &mut TestJar, method: &str, path: &str| {
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                let request = test::TestRequest::default().method(method).uri(path);
                let response = jar.send_actix(&app, request).await.unwrap();
                let status = response.status().as_u16();
                let body = test::read_body(response).await;
                (status, String::from_utf8(body.to_vec()).unwrap())
            },
        )
        .await;
    }
}

#[tokio::test]
async fn login_and_read_through_axum() {
    let mut app = axum_app::app();
    story(
        "axum",
        async |jar: &mut TestJar, method: &str, path: &str| {
            axum_app::call(&mut app, jar, method, path).await
        },
    )
    .await;
}

#[actix_web::test]
async fn login_and_read_through_actix() {
    actix_app::story().await;
}
