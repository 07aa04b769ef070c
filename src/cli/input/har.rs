//! A HAR file (HTTP Archive, JSON) as browsers' developer tools save it,
//! replayed as a browser's jar for one host.

use super::cookie_header::cookie_header;
use super::cookies::{Hosts, Input, InputCookie, InputError};
use super::jar::{Jar, Url};

/// Replays a HAR's entries in order into one jar, for one host (`host`, or
/// the first entry's):
/// - every response's Set-Cookie headers (or else its `cookies` list) are
///   stored as RFC 6265 says, against the URL of their request: a Domain
///   cookie set by `login.example.com` reaches `www.example.com`;
/// - each request to the host says what the browser really sent to that
///   URL (its Cookie headers, or else its `cookies` list), and the jar
///   follows it;
/// - the result is what the jar sends to the host's last URL: only cookies
///   whose domain, path and Secure flag match it. The others are listed in
///   [`Input::left_out`] with why.
///
/// An entry without a readable URL is replayed whatever the host, its
/// cookies matching any URL, as before any URL was read.
pub(super) fn read(
    text: &str,
    now: u64,
    host: Option<String>,
    input: &mut Input,
) -> Result<(), InputError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| InputError(format!("not a HAR file: {e}")))?;
    let entries = value
        .get("log")
        .and_then(|log| log.get("entries"))
        .and_then(|e| e.as_array())
        .ok_or_else(|| InputError("not a HAR file: no log.entries".to_owned()))?;
    let url_of = |entry: &serde_json::Value| entry["request"]["url"].as_str().and_then(Url::parse);
    let host = host.or_else(|| entries.iter().find_map(|e| Some(url_of(e)?.host)));
    let mut elsewhere = Hosts::default();
    let mut jar = Jar::default();
    let mut last: Option<Url> = None;
    let mut any_url = false;
    for (number, entry) in entries.iter().enumerate() {
        let url = url_of(entry);
        any_url |= url.is_some();
        let ours = match (&host, &url) {
            (Some(host), Some(url)) => url.host == *host,
            _ => true,
        };
        if ours {
            if let Some(sent) = request_cookies(&entry["request"]) {
                jar.observe(url.as_ref(), sent);
            }
            if url.is_some() {
                last = url.clone();
            }
        } else if let Some(url) = &url {
            elsewhere.add(&url.host);
        }
        for line in response_set_cookies(&entry["response"], number, input) {
            if let Err(why) = jar.set_cookie(line.trim(), url.as_ref(), now) {
                input.warn(format!("entry {number}: a Set-Cookie skipped: {why}"));
            }
        }
    }
    if !elsewhere.seen.is_empty() {
        let chosen = host.as_deref().unwrap_or_default();
        input.warnings.push(format!(
            "{} entries of other hosts than {chosen} ({}): only their Set-Cookie headers \
             were read; choose another host with --host",
            elsewhere.count,
            elsewhere.list()
        ));
    }
    // The URL the cookies are read for: the host's last request, or its
    // root when none of its requests had a URL.
    let target = last.or_else(|| {
        let host = host.clone().filter(|_| any_url)?;
        Url::parse(&format!("https://{host}/"))
    });
    match &target {
        Some(url) => {
            let (cookies, left_out) = jar.send_to(url);
            input.cookies = cookies;
            input.left_out = left_out;
        }
        None => input.cookies = jar.into_cookies(),
    }
    input.url = target.map(|url| url.as_str().to_owned());
    input.host = host;
    Ok(())
}

/// What a request sent: its Cookie headers, or else its `cookies` list
/// when that is not empty; `None` when it says nothing.
fn request_cookies(request: &serde_json::Value) -> Option<Vec<InputCookie>> {
    let headers: Vec<&str> = headers_named(request, "cookie").collect();
    if !headers.is_empty() {
        return Some(headers.into_iter().flat_map(cookie_header).collect());
    }
    let list = request["cookies"].as_array().filter(|l| !l.is_empty())?;
    Some(
        list.iter()
            .filter_map(|c| Some(InputCookie::pair(c["name"].as_str()?, c["value"].as_str()?)))
            .collect(),
    )
}

/// A response's Set-Cookie values: its headers, or else its `cookies` list
/// as `name=value` lines.
fn response_set_cookies(
    response: &serde_json::Value,
    number: usize,
    input: &mut Input,
) -> Vec<String> {
    let lines: Vec<String> = headers_named(response, "set-cookie")
        // Some tools join several Set-Cookie headers with newlines.
        .flat_map(str::lines)
        .map(str::to_owned)
        .collect();
    if !lines.is_empty() {
        return lines;
    }
    let mut lines = Vec::new();
    for c in response["cookies"].as_array().into_iter().flatten() {
        match (c["name"].as_str(), c["value"].as_str()) {
            (Some(name), Some(value)) => lines.push(format!("{name}={value}")),
            _ => input.warn(format!(
                "entry {number}: a response cookie without name or value skipped"
            )),
        }
    }
    lines
}

/// The values of a HAR request's or response's headers named `name`.
fn headers_named<'v>(
    message: &'v serde_json::Value,
    name: &'v str,
) -> impl Iterator<Item = &'v str> + 'v {
    message["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .filter_map(|h| h["value"].as_str())
}
