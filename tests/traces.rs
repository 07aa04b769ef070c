//! The `tracing` feature's spans and events, captured at TRACE level: what
//! they say (the layout, the outcome, a WARN with the key and its size for
//! every key dropped or moved to fit, store calls and their failures), and
//! what they never say. In-process over every layout, and over a real demo
//! run (the demo example, with `RUST_LOG=trace`, through logins, big values
//! that get dropped, moved or shrunk, stores, regeneration, logout,
//! revocation and forged cookies): no session value, session id, cookie
//! value or key appears anywhere in the capture.
//!
//! Needs `--features tracing,store`. The demo run builds the demo example
//! first, with this test's features (`cargo test --test traces` alone
//! builds no example).

mod common;

use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::demo::{request, request_to, start_example_with_env, Reply};
use common::leaks::Secrets;
use common::probe_store::ProbeStore;
use common::{history_callback, random_bytes, random_text, Jar, CHROME};
use cookietin::store::MemoryStore;
use cookietin::{Engine, EngineBuilder, Group, Key, SaveAction, Stored};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// ---- Capturing every span and event --------------------------------------

/// Everything captured, one line per span, recorded value or event:
/// `LEVEL kind name target field=value ...`.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

impl Capture {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }

    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }

    /// The lines that hold every one of `parts`.
    fn lines_with(&self, parts: &[&str]) -> Vec<String> {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .cloned()
            .collect()
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let meta = attrs.metadata();
        let mut fields = Fields(String::new());
        attrs.record(&mut fields);
        self.push(format!(
            "{} span {} {}{}",
            meta.level(),
            meta.name(),
            meta.target(),
            fields.0
        ));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields(String::new());
        values.record(&mut fields);
        let name = ctx.span(id).map_or("?", |s| s.name());
        self.push(format!("record {name}{}", fields.0));
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.push(format!(
            "{} event {}{}",
            meta.level(),
            meta.target(),
            fields.0
        ));
    }
}

// ---- In-process, every layout ----------------------------------------------

/// The signing key's bytes: random-looking, so that a leak can't be
/// mistaken for anything else.
fn key_bytes() -> Vec<u8> {
    random_bytes(1234, 32)
}

fn base() -> EngineBuilder {
    Engine::builder(Key::try_from_bytes(&key_bytes()).unwrap())
        .secure(false)
        .on_shrink(["history"], history_callback)
}

/// 10 KB of incompressible text, and its entry's JSON bytes.
const NOTES_BYTES: usize = 10_251;

/// The values every scenario stores, all of them secrets.
fn values(tag: &str) -> Vec<(&'static str, String)> {
    vec![
        ("user", format!("ada-{tag}-7f3a9c")),
        ("csrf_token", format!("csrf-{tag}-e41d07b2")),
        ("notes", random_text(tag.len() as u64 + 11, 10_240)),
        (
            "history",
            (0..120)
                .map(|i| format!("visited-{tag}-page-{i}-c0ffee"))
                .collect::<Vec<_>>()
                .join("|"),
        ),
    ]
}

/// A login, a big save, a read back, a regenerate, a logout and a replay
/// of the logged-out cookies, all through `engine`.
async fn story(engine: &Engine<Stored>, tag: &str, secrets: &mut Secrets) -> Vec<SaveAction> {
    let mut jar = Jar::default();
    let mut actions = Vec::new();
    for (key, value) in values(tag) {
        secrets.text(value.clone());
        let mut session = engine.load([jar.header()], Some(CHROME)).await;
        if key == "history" {
            let list: Vec<&str> = value.split('|').collect();
            session.insert(key, &list).unwrap();
        } else {
            session.insert(key, &value).unwrap();
        }
        let saved = engine.save(&mut session).await.unwrap();
        secrets.set_cookies(&saved.set_cookies);
        jar.apply(&saved.set_cookies);
        actions.push(saved.report.action);
    }
    let session = engine.load([jar.header()], Some(CHROME)).await;
    assert_eq!(
        session.get::<String>("user").unwrap(),
        Some(format!("ada-{tag}-7f3a9c"))
    );
    // Login again: a new id.
    let mut session = engine.load([jar.header()], Some(CHROME)).await;
    session.regenerate();
    let saved = engine.save(&mut session).await.unwrap();
    secrets.set_cookies(&saved.set_cookies);
    jar.apply(&saved.set_cookies);
    let logged_in = jar.clone();
    // Logout, then a replay of the cookies from before it.
    let mut session = engine.load([jar.header()], Some(CHROME)).await;
    session.destroy();
    let saved = engine.save(&mut session).await.unwrap();
    secrets.set_cookies(&saved.set_cookies);
    let replay = engine.load([logged_in.header()], Some(CHROME)).await;
    if tag != "cookies" && tag != "overflow" {
        // Revocation (or the store) ends every copy; plain cookies can't.
        assert!(replay.is_empty(), "{tag}: a logged-out copy loads empty");
    }
    // Forged and tampered cookies.
    for forged in [
        format!("{}=not-a-session", engine.cookie_name()),
        logged_in.header().replace('A', "B"),
    ] {
        let mut session = engine.load([forged.as_str()], Some(CHROME)).await;
        let _ = engine.save(&mut session).await;
    }
    actions
}

#[test]
fn in_process_traces_say_what_happened_and_nothing_secret() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let mut secrets = Secrets::default();
    secrets.bytes.push(key_bytes());
    let probe = Arc::new(ProbeStore::default());
    tracing::subscriber::with_default(subscriber, || {
        common::block_on(async {
            let cookies = base().build().unwrap().into_stored();
            story(&cookies, "cookies", &mut secrets).await;
            let stored = base().server_side(MemoryStore::new()).build().unwrap();
            story(&stored, "stored", &mut secrets).await;
            let revocable = base()
                .revocable(MemoryStore::new())
                .revoke_by_user("user")
                .build()
                .unwrap();
            story(&revocable, "revocable", &mut secrets).await;
            revocable
                .revoke_user(&"ada-revocable-7f3a9c", None)
                .await
                .unwrap();
            let overflow = base().overflow(probe.clone()).build().unwrap();
            story(&overflow, "overflow", &mut secrets).await;
            let groups = base()
                .overflow(MemoryStore::new())
                .revocable(MemoryStore::new())
                .group(
                    Group::new(
                        base()
                            .cookie_name("csrf")
                            .http_only(false)
                            .revocable(MemoryStore::new()),
                    )
                    .claims(["csrf_token"]),
                )
                .group(
                    Group::new(base().cookie_name("sid").server_side(MemoryStore::new()))
                        .claims(["user"]),
                )
                .build()
                .unwrap();
            story(&groups, "groups", &mut secrets).await;
            // The overflow store goes down: the save shrinks without it.
            probe.down.store(true, Ordering::SeqCst);
            let mut session = overflow.load(Vec::<&str>::new(), Some(CHROME)).await;
            session.insert("notes", &random_text(3, 10_240)).unwrap();
            let report = overflow.save(&mut session).await.unwrap().report;
            assert_eq!(report.shrink.dropped_keys().collect::<Vec<_>>(), ["notes"]);
            secrets.text(random_text(3, 10_240));
        })
    });

    let text = capture.text();
    // What the traces say.
    for layout in ["cookies", "stored", "overflow", "groups"] {
        let spans = capture.lines_with(&["DEBUG span save", &format!("layout={layout}")]);
        assert!(!spans.is_empty(), "no save span for {layout}:\n{text}");
        let spans = capture.lines_with(&["DEBUG span load", &format!("layout={layout}")]);
        assert!(!spans.is_empty(), "no load span for {layout}");
    }
    let dropped = capture.lines_with(&["WARN event", "session key dropped to fit", "key=notes"]);
    // Cookies, revocable and the down overflow drop `notes`.
    assert_eq!(dropped.len(), 3, "{dropped:#?}");
    for line in &dropped {
        assert!(
            line.contains(&format!("json_bytes={NOTES_BYTES}")),
            "{line}"
        );
        assert!(line.contains("cookie=session"), "{line}");
    }
    let moved = capture.lines_with(&["WARN event", "moved to the overflow store", "key=notes"]);
    // The overflow and the groups' rest move it, on every save that fits
    // the session again while it holds `notes`.
    assert!(moved.len() >= 2, "{moved:#?}");
    assert!(moved
        .iter()
        .all(|l| l.contains(&format!("json_bytes={NOTES_BYTES}"))));
    assert!(!capture
        .lines_with(&["DEBUG event", "shrink callback ran", "keys=history"])
        .is_empty());
    assert!(!capture
        .lines_with(&["WARN event", "overflow store unavailable while shrinking"])
        .is_empty());
    let failed = capture.lines_with(&["WARN event", "store call failed", "error_kind=unavailable"]);
    assert!(
        !failed.is_empty(),
        "a store call failed while the probe was down"
    );
    assert!(!capture
        .lines_with(&["DEBUG event", "store call", "op=create", "elapsed_us="])
        .is_empty());
    for field in [
        "binding=",
        "capacity=",
        "chunks=",
        "value_bytes=",
        "full_encodes=",
    ] {
        assert!(
            !capture.lines_with(&["record save", field]).is_empty(),
            "{field}"
        );
    }
    for reason in [
        "empty_reason=unsupported format version",
        "empty_reason=session signature does not verify",
        "empty_reason=the session was revoked",
        "store_reason=the session's record is gone",
    ] {
        assert!(
            !capture.lines_with(&["record load", reason]).is_empty(),
            "no load recorded {reason:?}"
        );
    }

    // What they never say.
    secrets.assert_absent_from(&text);
}

// ---- Over a real demo run ------------------------------------------------------

/// The demo's secret, its key.
const SECRET: &str = common::demo::SECRET;

fn patch(demo: &common::demo::Demo, jar: &mut Jar, body: &serde_json::Value) -> Reply {
    request(demo, jar, "PATCH", "/api/session", &body.to_string())
}

#[test]
fn a_trace_level_demo_run_shows_no_value_id_cookie_or_key() {
    let mut layouts = vec![
        &[][..],
        &["--server-side", "--store", "memory"][..],
        &["--groups", "--store", "memory"][..],
    ];
    if cfg!(feature = "encrypt") {
        layouts.push(&["--encrypt"][..]);
    }
    for layout in layouts {
        common::demo::build_demo();
        let demo = start_example_with_env("demo", layout, &[("RUST_LOG", "trace")]);
        let mut secrets = Secrets::default();
        secrets.text(SECRET);
        secrets.bytes.push(SECRET.as_bytes().to_vec());
        let mut replies = Vec::new();
        let mut jar = Jar::default();

        // Login.
        let login = serde_json::json!({
            "user": "grace-5b1e77d2",
            "csrf_token": "csrf-9a04c3e1f2",
            "roles": ["admin-41c8e0aa"],
        });
        for v in ["grace-5b1e77d2", "csrf-9a04c3e1f2", "admin-41c8e0aa"] {
            secrets.text(v);
        }
        replies.push(patch(&demo, &mut jar, &login));
        // 10 KB that can't fit the cookies: dropped, or moved to the store.
        let notes = random_text(77, 10_240);
        secrets.text(notes.clone());
        replies.push(patch(
            &demo,
            &mut jar,
            &serde_json::json!({ "notes": notes }),
        ));
        // A history the demo's callback shrinks.
        let history: Vec<String> = (0..400)
            .map(|i| format!("seen-page-{i}-e3b0c442"))
            .collect();
        secrets.text("e3b0c442");
        replies.push(patch(
            &demo,
            &mut jar,
            &serde_json::json!({ "history": history }),
        ));
        replies.push(request(&demo, &mut jar, "GET", "/api/session", ""));
        replies.push(request(&demo, &mut jar, "GET", "/api/session/meta", ""));
        replies.push(request(
            &demo,
            &mut jar,
            "POST",
            "/api/session/regenerate",
            "",
        ));
        let before_logout = jar.clone();
        replies.push(request(&demo, &mut jar, "DELETE", "/api/session", ""));
        // A copy of the logged-out cookies, and forged ones.
        let mut replay = before_logout.clone();
        replies.push(request(&demo, &mut replay, "GET", "/api/session", ""));
        let mut forged = Jar::with(&[("session", "forged-value-3c9d")]);
        replies.push(request(&demo, &mut forged, "GET", "/api/session", ""));
        let tampered = before_logout.header().replace('A', "B");
        replies.push(request_to(
            &demo.addr,
            &[("Cookie", &tampered)],
            &mut Jar::default(),
            "GET",
            "/api/session",
            "",
        ));
        for (_, value) in &before_logout.cookies {
            secrets.cookie_value(value);
        }
        secrets.replies(&replies.iter().collect::<Vec<_>>());

        let stderr = demo.stderr();
        let name = format!("{layout:?}");
        assert!(
            stderr.contains("DEBUG load{"),
            "{name}: no load span:\n{stderr}"
        );
        assert!(stderr.contains("save{"), "{name}: no save span");
        match layout.first() {
            None | Some(&"--encrypt") => {
                let warn = stderr
                    .lines()
                    .find(|l| l.contains("session key dropped to fit"));
                let warn = warn.unwrap_or_else(|| panic!("{name}: no drop WARN:\n{stderr}"));
                assert!(warn.contains(" WARN "), "{warn}");
                assert!(warn.contains("key=\"notes\" json_bytes=10251"), "{warn}");
            }
            Some(&"--groups") => {
                // Per-group events are at TRACE.
                assert!(stderr.contains(" TRACE "), "{name}: TRACE was not captured");
                let warn = stderr
                    .lines()
                    .find(|l| l.contains("moved to the overflow store"));
                let warn = warn.unwrap_or_else(|| panic!("{name}: no move WARN:\n{stderr}"));
                assert!(warn.contains("key=\"notes\" json_bytes=10251"), "{warn}");
            }
            Some(_) => assert!(stderr.contains("store call op=\"load\""), "{name}"),
        }
        secrets.assert_absent_from(&stderr);
    }
}
