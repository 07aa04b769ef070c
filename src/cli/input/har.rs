//! A HAR file (HTTP Archive, JSON) as browsers' developer tools save it,
//! replayed for one host.

use super::cookie_header::cookie_header;
use super::cookies::{Hosts, Input, InputCookie, InputError};
use super::jar::Jar;

/// Replays a HAR's entries for one host (`host`, or the first entry's):
/// each request's cookies (its Cookie headers, or else its `cookies` list)
/// replace the jar, then each response's Set-Cookie headers (or else its
/// `cookies` list) are applied to it. An entry without a readable URL is
/// replayed whatever the host.
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
    let host = host.or_else(|| entries.iter().find_map(|e| url_host(&e["request"])));
    let mut elsewhere = Hosts::default();
    let mut jar = Jar::default();
    for (number, entry) in entries.iter().enumerate() {
        let request = &entry["request"];
        if let (Some(host), Some(entry_host)) = (&host, url_host(request)) {
            if *host != entry_host {
                elsewhere.add(&entry_host);
                continue;
            }
        }
        let cookie_headers: Vec<&str> = headers_named(request, "cookie").collect();
        if !cookie_headers.is_empty() {
            jar.cookies = cookie_headers.into_iter().flat_map(cookie_header).collect();
        } else if let Some(list) = request["cookies"].as_array() {
            if !list.is_empty() {
                jar.cookies = list
                    .iter()
                    .filter_map(|c| {
                        Some(InputCookie::pair(c["name"].as_str()?, c["value"].as_str()?))
                    })
                    .collect();
            }
        }
        let response = &entry["response"];
        let set_cookies: Vec<&str> = headers_named(response, "set-cookie")
            // Some tools join several Set-Cookie headers with newlines.
            .flat_map(str::lines)
            .collect();
        if !set_cookies.is_empty() {
            for line in set_cookies {
                if let Err(why) = jar.set_cookie(line.trim(), now) {
                    input.warn(format!("entry {number}: a Set-Cookie skipped: {why}"));
                }
            }
        } else if let Some(list) = response["cookies"].as_array() {
            for c in list {
                let (Some(name), Some(value)) = (c["name"].as_str(), c["value"].as_str()) else {
                    input.warn(format!(
                        "entry {number}: a response cookie without name or value skipped"
                    ));
                    continue;
                };
                let line = format!("{name}={value}");
                if let Err(why) = jar.set_cookie(&line, now) {
                    input.warn(format!("entry {number}: a Set-Cookie skipped: {why}"));
                }
            }
        }
    }
    if !elsewhere.seen.is_empty() {
        let chosen = host.as_deref().unwrap_or_default();
        input.warnings.push(format!(
            "skipped {} entries of other hosts than {chosen} ({}); choose another with --host",
            elsewhere.count,
            elsewhere.list()
        ));
    }
    input.cookies = jar.cookies;
    input.host = host;
    Ok(())
}

/// The lowercase host of a HAR request's URL (no port), if it has one.
fn url_host(request: &serde_json::Value) -> Option<String> {
    let uri: http::Uri = request["url"].as_str()?.parse().ok()?;
    let host = uri.host()?.trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
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
