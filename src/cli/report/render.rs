//! The inspection report as text for people, rendered from its JSON.

use serde_json::{json, Value};

use super::time::human;

/// The report for people.
pub fn render(report: &Value) -> String {
    let mut out = Vec::new();
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_owned(),
        v => v.to_string(),
    };
    let input = &report["input"];
    let host = match &input["host"] {
        Value::String(host) => format!(" for {host}"),
        _ => String::new(),
    };
    out.push(format!(
        "input: {}, {} cookie(s){host}",
        s(&input["format"]),
        s(&input["cookies"])
    ));
    if let Value::String(url) = &input["url"] {
        out.push(format!("  the cookies a browser sends to {url}"));
    }
    for w in input["warnings"].as_array().into_iter().flatten() {
        out.push(format!("  warning: {}", s(w)));
    }
    for l in input["left_out"].as_array().into_iter().flatten() {
        out.push(format!("  left out: {} ({})", s(&l["name"]), s(&l["why"])));
    }
    let l = &report["limits"];
    let b = &report["browser"];
    out.push(format!(
        "browser: {} {} (entry {}: {} bytes of {} per cookie, {} cookies per site)",
        s(&b["name"]),
        b["version"].as_str().unwrap_or(""),
        s(&l["id"]),
        s(&l["max_cookie_bytes"]),
        s(&l["counts"]),
        s(&l["max_cookies_per_site"]),
    ));
    let site = &report["site"];
    out.push(format!(
        "site: {} cookie(s), a {}-byte Cookie header (default budget {}, nginx's limit {})",
        s(&site["cookies"]),
        s(&site["cookie_header_bytes"]),
        s(&site["default_header_budget"]),
        s(&site["default_header_limit"]),
    ));
    let over: Vec<&Value> = site["server_limits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["over"] == json!(true))
        .collect();
    for l in &over {
        let of = match l["measures"].as_str() {
            Some("value") => "the Cookie value",
            Some("field-line") => "the Cookie line",
            _ => "the request head, and the Cookie line alone",
        };
        out.push(format!(
            "  OVER {}'s limit ({}): {} of {} bytes is {}; it answers {}",
            s(&l["server"]),
            s(&l["setting"]),
            of,
            s(&l["limit"]),
            s(&l["counted_bytes"]),
            s(&l["answer"]),
        ));
    }
    if site["over_client_limit"] == json!(true) {
        out.push(format!(
            "  OVER the client's own limit: it sends {} bytes of Cookie header whole \
             and leaves the cookies after that out",
            s(&site["client_header_limit"]),
        ));
    }
    out.push(format!(
        "other cookies: {} taking {} bytes",
        s(&report["other_cookies"]["count"]),
        s(&report["other_cookies"]["bytes"])
    ));
    if report["chunks"].as_array().is_some_and(|c| !c.is_empty()) {
        out.push(format!("session cookie {:?}:", s(&report["cookie_name"])));
    }
    for c in report["chunks"].as_array().into_iter().flatten() {
        out.push(format!(
            "  {:<20} {:>6} bytes counted ({}) of {}{}{}",
            s(&c["name"]),
            s(&c["counted_bytes"]),
            s(&c["counted"]),
            s(&c["max_cookie_bytes"]),
            if c["fits"] == json!(true) {
                ""
            } else {
                "  OVER THE LIMIT"
            },
            if c["stale"] == json!(true) {
                "  stale: beyond the chunk count, ignored"
            } else {
                ""
            },
        ));
    }
    for d in report["duplicates"].as_array().into_iter().flatten() {
        out.push(format!(
            "  another copy of {} (another path or domain)",
            s(d)
        ));
    }
    let e = &report["envelope"];
    if e.is_object() {
        out.push(format!(
            "format version {}, flags {} ({}), {} chunk(s), {} bytes ({} of payload)",
            s(&e["version"]),
            s(&e["flags_bits"]),
            e["flags"]
                .as_array()
                .map(|f| f.iter().map(s).collect::<Vec<_>>().join(", "))
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "none".to_owned()),
            s(&e["chunks"]),
            s(&e["bytes"]),
            s(&e["payload_bytes"]),
        ));
        if !e["key_id"].is_null() {
            out.push(format!(
                "key id {}, nonce {}",
                s(&e["key_id"]),
                s(&e["nonce"])
            ));
        }
        let age = e["age_seconds"].as_i64().unwrap_or(0);
        let state = if e["expired"] == json!(true) {
            "EXPIRED"
        } else if e["issued_in_future"] == json!(true) {
            "ISSUED IN THE FUTURE"
        } else {
            "not expired"
        };
        out.push(format!(
            "issued at {} ({}), age {}, {state} (max age {}){}",
            s(&e["issued_at_utc"]),
            s(&e["issued_at"]),
            human(age),
            human(e["max_age_seconds"].as_i64().unwrap_or(0)),
            if report["verified"] == json!(true) {
                ""
            } else {
                ", unverified"
            },
        ));
    }
    if !report["status"].is_null() {
        let key = report["key"]
            .as_str()
            .map(|k| format!(" with {k}"))
            .unwrap_or_default();
        out.push(format!("payload: {}{key}", s(&report["status"])));
    }
    for id in report["key_ids_given"].as_array().into_iter().flatten() {
        out.push(format!("  a key given has id {}", s(id)));
    }
    if !report["payload"].is_null() {
        let pretty = serde_json::to_string_pretty(&report["payload"]).unwrap_or_default();
        if report["verified"] != json!(true) {
            out.push("UNVERIFIED: anyone can write this; only the key tells".to_owned());
        }
        out.push(pretty);
    }
    if !report["error"].is_null() {
        out.push(format!("rejected: {}", s(&report["error"])));
    }
    out.join("\n")
}
