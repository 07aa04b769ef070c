/// The old tree's cookietin (a copy of main before the redesign), for a
/// before/after run: the same apps over its API.
pub mod old_apps {
    use super::*;
    use axum::extract::State;
    use axum::routing::get;
    use axum::Router;

    pub fn engine() -> cookietin_old::Engine {
        cookietin_old::Engine::builder(cookietin_old::Key::try_from_bytes(&SECRET).unwrap())
            .secure(false)
            .build()
            .unwrap()
    }

    pub fn axum(corpus: Arc<Corpus>) -> Router {
        use cookietin_old::integrations::tower::SessionLayer;
        use cookietin_old::SessionHandle;
        async fn login(State(c): State<Arc<Corpus>>, s: SessionHandle) -> &'static str {
            for (k, v) in &c.entries {
                s.insert(k, v).unwrap();
            }
            s.insert("n", &0u64).unwrap();
            "ok"
        }
        async fn read(State(c): State<Arc<Corpus>>, s: SessionHandle) -> &'static str {
            if s.get_value(c.read_key).is_some() {
                "hit"
            } else {
                "miss"
            }
        }
        async fn write(State(c): State<Arc<Corpus>>, s: SessionHandle) -> String {
            let _ = s.get_value(c.read_key);
            let n: u64 = s.get("n").unwrap().unwrap_or(0) + 1;
            s.insert("n", &n).unwrap();
            n.to_string()
        }
        Router::new()
            .route("/login", get(login))
            .route("/", get(read))
            .route("/write", get(write))
            .with_state(corpus)
            .layer(SessionLayer::new(engine()))
    }

    mod ct {
        use super::*;
        use actix_web::{web, HttpResponse};
        use cookietin_old::SessionHandle;
        pub async fn login(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            for (k, v) in &c.entries {
                s.insert(k, v).unwrap();
            }
            s.insert("n", &0u64).unwrap();
            HttpResponse::Ok().body("ok")
        }
        pub async fn read(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            let hit = s.get_value(c.read_key).is_some();
            HttpResponse::Ok().body(if hit { "hit" } else { "miss" })
        }
        pub async fn write(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            let _ = s.get_value(c.read_key);
            let n: u64 = s.get("n").unwrap().unwrap_or(0) + 1;
            s.insert("n", &n).unwrap();
            HttpResponse::Ok().body(n.to_string())
        }
    }

    pub fn actix(name: &'static str, corpus: Arc<Corpus>) -> Server {
        use actix_web::{web, App};
        use cookietin_old::integrations::actix::SessionMiddleware;
        let engine = Arc::new(engine());
        let corpus = web::Data::from(corpus);
        serve_actix!(name, move || {
            App::new()
                .app_data(corpus.clone())
                .wrap(SessionMiddleware::shared(engine.clone()))
                .route("/login", web::get().to(ct::login))
                .route("/", web::get().to(ct::read))
                .route("/write", web::get().to(ct::write))
        })
    }
}
