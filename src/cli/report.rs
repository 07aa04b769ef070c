//! `cookietin inspect`: what a session's cookies hold, as one JSON report
//! that the text output is rendered from.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use cookietin::codec::inspect::{chunk_index, EnvelopeView};
use cookietin::{
    Browsers, Counted, EmptyReason, Key, KeyRing, MasterKey, MasterRing, DEFAULT_HEADER_BUDGET,
    DEFAULT_HEADER_LIMIT,
};
use serde_json::{json, Value};

use super::input::Input;

/// What `inspect` needs besides the input.
pub struct Options<'a> {
    /// The base cookie name.
    pub name: &'a str,
    pub user_agent: Option<&'a str>,
    /// The secrets to try, as given (text bytes).
    pub secrets: &'a [Vec<u8>],
    /// Seconds since the epoch.
    pub now: u64,
    pub max_age: u64,
    pub clock_skew: u64,
    pub max_json: usize,
}

/// How the inspection ended, for the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Well-formed, in time, and verified or decrypted when a key was given.
    Valid,
    /// The engine would reject it: why.
    Rejected(String),
    /// No cookie of that name in the input.
    NoSession,
}

/// The keys a list of secrets can stand for: each secret's bytes as given
/// and, when it is base64 (or a comma-separated list of base64), decoded;
/// each as an HMAC key, as a master secret, and as a master secret's
/// derived signing key.
struct Candidates {
    signing: Vec<(Key, String)>,
    masters: Vec<(MasterKey, String)>,
}

fn decodings(text: &[u8]) -> Vec<(Vec<u8>, &'static str)> {
    let mut out = vec![(text.to_vec(), "its bytes")];
    let Ok(text) = std::str::from_utf8(text) else {
        return out;
    };
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    for item in &items {
        if items.len() > 1 && !item.is_empty() {
            out.push((item.as_bytes().to_vec(), "a list item's bytes"));
        }
        if let Some(bytes) = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(item).ok())
        {
            let how = if items.len() > 1 {
                "a list item, base64-decoded"
            } else {
                "base64-decoded"
            };
            out.push((bytes, how));
        }
    }
    out
}

fn candidates(secrets: &[Vec<u8>], name: &str) -> Candidates {
    let mut c = Candidates {
        signing: Vec::new(),
        masters: Vec::new(),
    };
    for (i, secret) in secrets.iter().enumerate() {
        for (bytes, how) in decodings(secret) {
            if let Ok(key) = Key::try_from_bytes(&bytes) {
                c.signing
                    .push((key, format!("key {}, {how}, as the HMAC key", i + 1)));
            }
            if let Ok(master) = MasterKey::try_from_bytes(&bytes) {
                c.signing.push((
                    master.signing_key(name),
                    format!(
                        "key {}, {how}, as a master secret (its derived signing key)",
                        i + 1
                    ),
                ));
                c.masters
                    .push((master, format!("key {}, {how}, as a master secret", i + 1)));
            }
        }
    }
    c
}

fn ring_of(keys: &[(Key, String)]) -> Option<KeyRing> {
    let mut keys = keys.iter().map(|(k, _)| k.clone());
    let mut ring = KeyRing::new(keys.next()?);
    for key in keys {
        ring = ring.with_old_key(key);
    }
    Some(ring)
}

fn master_ring_of(keys: &[(MasterKey, String)]) -> Option<MasterRing> {
    let mut keys = keys.iter().map(|(k, _)| k.clone());
    let mut ring = MasterRing::new(keys.next()?);
    for key in keys {
        ring = ring.with_old_key(key);
    }
    Some(ring)
}

/// Inspects the session cookie `options.name` among the input's cookies.
pub fn inspect(input: &Input, options: &Options) -> (Value, Verdict) {
    let browsers = Browsers::bundled();
    let browser = match options.user_agent {
        Some(ua) => browsers.resolve(ua),
        None => browsers.unknown(),
    };
    let limits = &browser.limits;
    let name = options.name;
    let all_pairs: Vec<String> = input
        .cookies
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect();
    let header_bytes = all_pairs.join("; ").len();
    let mut report = json!({
        "input": {
            "format": input.format.name(),
            "host": input.host,
            "cookies": input.cookies.len(),
            "warnings": input.warnings,
        },
        "cookie_name": name,
        "user_agent": options.user_agent,
        "browser": browser.identity,
        "limits": limits,
        "site": {
            "cookies": input.cookies.len(),
            "max_cookies_per_site": limits.max_cookies_per_site,
            "cookie_header_bytes": header_bytes,
            "default_header_budget": DEFAULT_HEADER_BUDGET,
            "default_header_limit": DEFAULT_HEADER_LIMIT,
        },
    });

    // The chunks, first copies first.
    let mut firsts: Vec<Option<usize>> = vec![None; 255];
    let mut duplicates = Vec::new();
    for (at, c) in input.cookies.iter().enumerate() {
        if let Some(index) = chunk_index(name, &c.name) {
            match firsts[usize::from(index)] {
                None => firsts[usize::from(index)] = Some(at),
                Some(_) => duplicates.push(c.name.clone()),
            }
        }
    }
    let others: Vec<&String> = input
        .cookies
        .iter()
        .zip(&all_pairs)
        .filter(|(c, _)| chunk_index(name, &c.name).is_none())
        .map(|(_, p)| p)
        .collect();
    report["other_cookies"] = json!({
        "count": others.len(),
        "bytes": others.iter().map(|p| p.len()).sum::<usize>() + 2 * others.len().saturating_sub(1),
    });
    report["duplicates"] = json!(duplicates);
    let Some(first) = firsts[0] else {
        report["error"] = json!(format!("no cookie named {name:?} in the input"));
        return (report, Verdict::NoSession);
    };
    let first_value = &input.cookies[first].value;
    let peek = EnvelopeView::decode([first_value.get(..8).unwrap_or(first_value)])
        .err()
        .filter(|e| !matches!(e, EmptyReason::Malformed));
    let count = claimed_count(first_value);
    let chunk_rows: Vec<Value> = firsts
        .iter()
        .enumerate()
        .filter_map(|(index, at)| Some((index, (*at)?)))
        .map(|(index, at)| {
            let c = &input.cookies[at];
            let counted = match limits.counts {
                Counted::NameValue => c.name.len() + c.value.len(),
                Counted::Line => c
                    .set_cookie
                    .as_ref()
                    .map_or(c.name.len() + 1 + c.value.len(), String::len),
            };
            let stale = count.is_some_and(|n| index >= usize::from(n));
            json!({
                "name": c.name,
                "index": index,
                "value_bytes": c.value.len(),
                "counted_bytes": counted,
                "counted": match limits.counts {
                    Counted::NameValue => "name+value",
                    Counted::Line if c.set_cookie.is_some() => "Set-Cookie line",
                    Counted::Line => "name=value (attributes not in the input)",
                },
                "max_cookie_bytes": limits.max_cookie_bytes,
                "fits": counted <= limits.max_cookie_bytes,
                "stale": stale,
            })
        })
        .collect();
    report["chunks"] = json!(chunk_rows);

    let reject = |mut report: Value, reason: &EmptyReason| {
        report["error"] = json!(reason.to_string());
        (report, Verdict::Rejected(reason.to_string()))
    };
    if let Some(reason) = peek {
        return reject(report, &reason);
    }
    let Some(count) = count else {
        return reject(report, &EmptyReason::Malformed);
    };
    let mut values = Vec::new();
    for (index, at) in firsts.iter().enumerate().take(usize::from(count)) {
        match *at {
            Some(at) => values.push(input.cookies[at].value.as_str()),
            None => return reject(report, &EmptyReason::ChunkMissing { index: index as u8 }),
        }
    }
    let view = match EnvelopeView::decode(values.iter().copied()) {
        Ok(view) => view,
        Err(reason) => return reject(report, &reason),
    };
    let issued = u64::from(view.issued_at());
    let age = options.now as i64 - issued as i64;
    let expired = age > options.max_age as i64;
    let in_future = issued > options.now.saturating_add(options.clock_skew);
    let mut flags = Vec::new();
    if view.is_deflated() {
        flags.push("deflate");
    }
    if view.is_encrypted() {
        flags.push("encrypted");
    }
    report["envelope"] = json!({
        "version": view.version(),
        "flags": flags,
        "flags_bits": format!("{:#06b}", view.flags()),
        "chunks": view.chunks(),
        "bytes": view.len(),
        "payload_bytes": view.payload_len(),
        "key_id": view.key_id().map(|id| id.to_string()),
        "nonce": view.nonce().map(|n| n.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        "issued_at": issued,
        "issued_at_utc": utc(issued),
        "age_seconds": age,
        "max_age_seconds": options.max_age,
        "expired": expired,
        "issued_in_future": in_future,
    });

    let keys = candidates(options.secrets, name);
    let mut problem: Option<String> = None;
    let (status, payload) = if view.is_encrypted() {
        match master_ring_of(&keys.masters) {
            None if options.secrets.is_empty() => ("encrypted, no key given", Value::Null),
            None => {
                problem = Some("no key given is 32 bytes or more".to_owned());
                ("not decrypted", Value::Null)
            }
            Some(ring) => match view.decrypt(name, &ring, options.max_json) {
                Ok(opened) => {
                    report["key"] = json!(keys.masters[opened.key_index].1);
                    ("decrypted", opened.data.to_value())
                }
                Err(reason) => {
                    if reason == EmptyReason::UnknownKey {
                        let ids: Vec<String> = keys
                            .masters
                            .iter()
                            .map(|(k, how)| format!("{} ({how})", k.key_id()))
                            .collect();
                        report["key_ids_given"] = json!(ids);
                    }
                    problem = Some(reason.to_string());
                    ("not decrypted", Value::Null)
                }
            },
        }
    } else {
        let unverified = view.unverified_data(options.max_json);
        match ring_of(&keys.signing) {
            None => {
                if !options.secrets.is_empty() {
                    problem = Some("no key given is 32 bytes or more".to_owned());
                }
                match unverified {
                    Ok(data) => ("unverified", data.to_value()),
                    Err(reason) => {
                        problem = Some(reason.to_string());
                        ("unverified, unreadable", Value::Null)
                    }
                }
            }
            Some(ring) => match view.verify(name, &ring, options.max_json) {
                Ok(opened) => {
                    report["key"] = json!(keys.signing[opened.key_index].1);
                    ("verified", opened.data.to_value())
                }
                Err(reason) => {
                    problem = Some(reason.to_string());
                    // Shown all the same, for debugging, marked as such.
                    let shown = unverified.map(|d| d.to_value()).unwrap_or(Value::Null);
                    ("signature does not verify", shown)
                }
            },
        }
    };
    report["status"] = json!(status);
    report["verified"] = json!(matches!(status, "verified" | "decrypted"));
    report["payload"] = payload;
    if problem.is_none() && expired {
        problem = Some(EmptyReason::Expired.to_string());
    }
    if problem.is_none() && in_future {
        problem = Some(EmptyReason::IssuedInFuture.to_string());
    }
    match problem {
        Some(why) => {
            report["error"] = json!(why);
            (report, Verdict::Rejected(why))
        }
        None => (report, Verdict::Valid),
    }
}

/// The chunk count the first chunk's header claims.
fn claimed_count(first: &str) -> Option<u8> {
    let mut bytes = [0u8; 6];
    URL_SAFE_NO_PAD
        .decode_slice(first.get(..8)?, &mut bytes)
        .ok()?;
    (bytes[1] > 0).then_some(bytes[1])
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// A duration in seconds, roughly, for people: `3d 4h`, `5m 2s`.
pub fn human(seconds: i64) -> String {
    let (sign, s) = if seconds < 0 {
        ("-", seconds.unsigned_abs())
    } else {
        ("", seconds as u64)
    };
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let text = match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m {sec}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    };
    format!("{sign}{text}")
}

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
    for w in input["warnings"].as_array().into_iter().flatten() {
        out.push(format!("  warning: {}", s(w)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_and_human() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(human(59), "59s");
        assert_eq!(human(3_700), "1h 1m");
        assert_eq!(human(-90), "-1m 30s");
        assert_eq!(human(7 * 86_400), "7d 0h");
    }
}
