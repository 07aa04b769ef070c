//! Driving a tower service (an axum `Router`, a service with the session
//! layer) through a [`TestJar`]: features `test-util` and `tower`.

use std::future::poll_fn;

use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use http::{HeaderValue, Request, Response};
use tower::Service;

use crate::testing::url::RequestUrl;
use crate::testing::TestJar;

impl TestJar {
    /// Sends `request` to `service` as this browser would, and keeps what
    /// the response sets.
    ///
    /// The request gets the `Cookie` header the jar has for its URI (a
    /// path alone goes to the jar's origin) and, unless it has one, the
    /// jar's `User-Agent`. Once the service answers, its `Set-Cookie`
    /// values are applied as a response to that URI
    /// ([`last_applied`](Self::last_applied) says how). Redirects are not
    /// followed: send the next request yourself.
    ///
    /// # Example
    /// ```
    /// use std::convert::Infallible;
    /// use cookietin::integrations::tower::SessionLayer;
    /// use cookietin::testing::TestJar;
    /// use cookietin::{Engine, Key, SessionHandle};
    /// use http::{Request, Response};
    /// use tower::{service_fn, Layer};
    ///
    /// async fn handler(request: Request<()>) -> Result<Response<String>, Infallible> {
    ///     let session = request.extensions().get::<SessionHandle>().cloned().unwrap();
    ///     let n: u64 = session.get("n").ok().flatten().unwrap_or(0) + 1;
    ///     let _ = session.insert("n", &n);
    ///     Ok(Response::new(n.to_string()))
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    ///     let mut service = SessionLayer::new(engine).layer(service_fn(handler));
    ///     let mut jar = TestJar::new("firefox")?;
    ///     jar.send(&mut service, Request::get("/").body(())?).await?;
    ///     let response = jar.send(&mut service, Request::get("/").body(())?).await?;
    ///     assert_eq!(response.body(), "2");
    ///     assert_eq!(jar.names(), ["session"]);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    /// The service's own, from `poll_ready` or `call`; nothing is applied
    /// then.
    pub async fn send<S, B, R>(
        &mut self,
        service: &mut S,
        mut request: Request<B>,
    ) -> Result<Response<R>, S::Error>
    where
        S: Service<Request<B>, Response = Response<R>>,
    {
        let url = RequestUrl::from_uri(request.uri(), self.origin());
        let headers = request.headers_mut();
        let (cookie, agent) = self.request_headers(&url, headers.contains_key(USER_AGENT));
        // Stored cookies and User-Agents hold no control characters, so
        // neither conversion can fail.
        for (name, value) in [(COOKIE, cookie), (USER_AGENT, agent)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
                headers.append(name, value);
            }
        }
        poll_fn(|cx| service.poll_ready(cx)).await?;
        let response = service.call(request).await?;
        let lines = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        self.apply_at(&url, lines);
        Ok(response)
    }
}
