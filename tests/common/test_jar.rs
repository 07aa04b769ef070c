//! Real HTTP requests whose cookies a `cookietin::testing::TestJar` keeps
//! (feature `test-util`).

use cookietin::testing::TestJar;

use super::demo::{exchange, Reply};

/// One HTTP/1.1 request to `addr` (`host:port`) with the jar's `Cookie`
/// header and User-Agent; the response's `Set-Cookie` lines are applied to
/// the jar as the response to `http://addr/path`.
pub fn send(addr: &str, jar: &mut TestJar, method: &str, path: &str) -> Reply {
    let url = format!("http://{addr}{path}");
    let cookie = jar.cookie_header(&url).unwrap();
    let agent = jar.user_agent().map(str::to_owned);
    let mut headers = Vec::new();
    if let Some(cookie) = &cookie {
        headers.push(("Cookie", cookie.as_str()));
    }
    if let Some(agent) = &agent {
        headers.push(("User-Agent", agent.as_str()));
    }
    let reply = exchange(addr, &headers, method, path, "");
    jar.apply(&url, reply.set_cookies()).unwrap();
    reply
}
