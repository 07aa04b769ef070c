//! `cookietin inspect`: what a session's cookies hold, as one JSON report
//! that the text output is rendered from ([`render`]).
//!
//! One concern a file: the report ([`inspect`]), the keys a secret can
//! stand for, the servers' limits on a Cookie header, the text rendering,
//! and times for people.

mod keys;
mod render;
mod servers;
mod time;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookietin::codec::inspect::{chunk_index, EnvelopeView};
use cookietin::{Browsers, Counted, EmptyReason, DEFAULT_HEADER_BUDGET, DEFAULT_HEADER_LIMIT};
use serde_json::{json, Value};

use self::keys::{candidates, master_ring_of, ring_of};
use super::input::Input;

use self::time::utc;

pub use self::render::render;

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
            "server_limits": servers::check(header_bytes),
            "client_header_limit": limits.max_cookie_header_bytes,
            "over_client_limit": limits
                .max_cookie_header_bytes
                .is_some_and(|cap| header_bytes > cap),
        },
    });
    report["input"]["url"] = json!(input.url);
    report["input"]["left_out"] = json!(input
        .left_out
        .iter()
        .map(|l| json!({"name": l.name, "why": l.why}))
        .collect::<Vec<_>>());

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
    if view.is_zstd() {
        flags.push("zstd");
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
