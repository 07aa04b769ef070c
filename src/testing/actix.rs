//! Driving an actix-web test service (`actix_web::test::init_service`)
//! through a [`TestJar`]: features `test-util` and `actix`.

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderValue, COOKIE, SET_COOKIE, USER_AGENT};
use actix_web::test::TestRequest;

use crate::testing::url::RequestUrl;
use crate::testing::TestJar;

impl TestJar {
    /// Sends `request` to an actix-web test service as this browser would,
    /// and keeps what the response sets.
    ///
    /// The request gets the `Cookie` header the jar has for its URI (a
    /// path alone, as `TestRequest::uri` usually gives, goes to the jar's
    /// origin) and, unless it has one, the jar's `User-Agent`. Once the
    /// service answers, its `Set-Cookie` values are applied as a response
    /// to that URI ([`last_applied`](Self::last_applied) says how).
    /// Redirects are not followed.
    ///
    /// # Example
    /// ```
    /// use actix_web::{test, web, App, HttpResponse};
    /// use cookietin::integrations::actix::SessionMiddleware;
    /// use cookietin::testing::TestJar;
    /// use cookietin::{Engine, Key, SessionHandle, ValueError};
    ///
    /// async fn count(session: SessionHandle) -> Result<HttpResponse, ValueError> {
    ///     let n: u64 = session.get("n")?.unwrap_or(0) + 1;
    ///     session.insert("n", &n)?;
    ///     Ok(HttpResponse::Ok().body(n.to_string()))
    /// }
    ///
    /// #[actix_web::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    ///     let app = test::init_service(
    ///         App::new().wrap(SessionMiddleware::new(engine)).route("/", web::get().to(count)),
    ///     )
    ///     .await;
    ///     let mut jar = TestJar::new("safari")?;
    ///     jar.send_actix(&app, test::TestRequest::get().uri("/")).await?;
    ///     let response = jar.send_actix(&app, test::TestRequest::get().uri("/")).await?;
    ///     assert_eq!(test::read_body(response).await, "2");
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    /// The service's own; nothing is applied then.
    pub async fn send_actix<S, B>(
        &mut self,
        app: &S,
        request: TestRequest,
    ) -> Result<ServiceResponse<B>, S::Error>
    where
        S: Service<Request, Response = ServiceResponse<B>>,
    {
        let mut request = request.to_request();
        let uri = request.uri();
        let url = RequestUrl::from_parts(uri.scheme_str(), uri.host(), uri.path(), self.origin());
        let headers = request.headers_mut();
        let (cookie, agent) = self.request_headers(&url, headers.contains_key(USER_AGENT));
        // Stored cookies and User-Agents hold no control characters, so
        // neither conversion can fail.
        for (name, value) in [(COOKIE, cookie), (USER_AGENT, agent)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
                headers.append(name, value);
            }
        }
        let response = app.call(request).await?;
        let lines: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        self.apply_at(&url, lines);
        Ok(response)
    }
}
