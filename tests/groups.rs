//! Several cookie groups behind one session: build-time checks, field
//! routing, only changed groups writing, a script-readable CSRF group
//! beside an HttpOnly session (prefix rules included), one budget for all
//! client groups, routing changes that keep every user's data, and the
//! demo's layout (client, store-backed, overflowing and revocable groups).

mod common;

use common::browser_model::{ModelJar, Rules};
use common::*;
use cookietin::{ConfigError, Engine, EngineBuilder, Group};

fn b(name: &str) -> EngineBuilder {
    builder(1).cookie_name(name)
}

#[test]
fn overlapping_or_incomplete_layouts_fail_at_build_time() {
    let err = |e: Result<Engine, ConfigError>| e.unwrap_err();
    assert_eq!(
        err(b("session")
            .group(Group::new(b("a")).claims(["user"]))
            .group(Group::new(b("c")).claims(["user", "x"]))
            .build()),
        ConfigError::KeyClaimedTwice("user".into())
    );
    assert_eq!(
        err(b("session")
            .claims(["cart"])
            .group(Group::new(b("a")).claims(["user"]))
            .build()),
        ConfigError::NoRestGroup
    );
    assert_eq!(
        err(b("session").group(Group::new(b("a")).claims_rest()).build()),
        ConfigError::SeveralRestGroups(vec!["a".into(), "session".into()])
    );
    assert_eq!(
        err(b("session").group(Group::new(b("a"))).build()),
        ConfigError::GroupClaimsNothing("a".into())
    );
    for other in ["session", "session.1"] {
        assert_eq!(
            err(b("session")
                .group(Group::new(b(other)).claims(["x"]))
                .build()),
            ConfigError::CookieNamesCollide(other.into(), "session".into())
        );
    }
    assert_eq!(
        err(b("session").claims(["x"]).build()),
        ConfigError::NoRestGroup
    );
    // The message says what is wrong.
    assert_eq!(
        ConfigError::KeyClaimedTwice("user".into()).to_string(),
        "session key \"user\" is claimed by two groups"
    );
    // A valid layout builds: an explicit main group and a rest elsewhere.
    b("session")
        .claims(["cart"])
        .group(Group::new(b("a")).claims_rest())
        .build()
        .unwrap();
}

fn layout() -> Engine {
    b("session")
        .group(Group::new(b("csrf").http_only(false)).claims(["csrf_token"]))
        .group(Group::new(b("prefs")).claims(["theme", "lang"]))
        .build()
        .unwrap()
}

fn names(lines: &[String]) -> Vec<&str> {
    lines.iter().map(|l| l.split('=').next().unwrap()).collect()
}

#[test]
fn keys_are_routed_and_only_changed_groups_write() {
    let engine = layout();
    let mut jar = Jar::default();
    let mut session = engine.load([jar.header()], Some(CHROME));
    session.insert("csrf_token", &"t0k3n").unwrap();
    session.insert("theme", &"dark").unwrap();
    session.insert("cart", &["pear"]).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(names(&saved.set_cookies), ["csrf", "prefs", "session"]);
    assert_eq!(saved.report.groups.len(), 3);
    jar.apply(&saved.set_cookies);

    let mut session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(
        session.get::<String>("theme").unwrap().as_deref(),
        Some("dark")
    );
    assert_eq!(
        session.get::<Vec<String>>("cart").unwrap().unwrap(),
        ["pear"]
    );
    session.insert("theme", &"light").unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(
        names(&saved.set_cookies),
        ["prefs"],
        "only the changed group writes"
    );
    let placement = engine.placement(&session);
    let group_of = |k: &str| placement.iter().find(|p| p.key == k).unwrap().group.clone();
    assert_eq!(
        (group_of("csrf_token"), group_of("theme"), group_of("cart")),
        ("csrf".into(), "prefs".into(), "session".into())
    );

    // Nothing changed: nothing written.
    let mut session = engine.load([jar.header()], Some(CHROME));
    assert!(engine.save(&mut session).unwrap().set_cookies.is_empty());
    // Clearing expires every group's cookies.
    session.clear();
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    assert!(jar.cookies.is_empty(), "{:?}", jar.names());
}

#[test]
fn a_script_readable_csrf_group_beside_an_http_only_host_session() {
    let secure = |name: &str| builder(1).cookie_name(name).secure(true);
    let engine = secure("__Host-session")
        .group(
            Group::new(
                secure("__Host-csrf")
                    .http_only(false)
                    .same_site(cookietin::SameSite::Strict),
            )
            .claims(["csrf_token"]),
        )
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    session.insert("csrf_token", &"t0k3n").unwrap();
    session.insert("user", &"ada").unwrap();
    let saved = engine.save(&mut session).unwrap();
    let csrf = saved
        .set_cookies
        .iter()
        .find(|l| l.starts_with("__Host-csrf="))
        .unwrap();
    let main = saved
        .set_cookies
        .iter()
        .find(|l| l.starts_with("__Host-session="))
        .unwrap();
    assert!(
        !csrf.contains("HttpOnly") && csrf.contains("Secure") && csrf.contains("Path=/"),
        "{csrf}"
    );
    assert!(csrf.contains("SameSite=Strict"));
    assert!(
        main.contains("HttpOnly") && main.contains("Secure"),
        "{main}"
    );
    // The prefix rules hold per group: a __Host- group without Secure fails.
    let bad = secure("__Host-session")
        .group(
            Group::new(builder(1).cookie_name("__Host-csrf").secure(false)).claims(["csrf_token"]),
        )
        .build();
    assert!(matches!(bad, Err(ConfigError::PrefixRequiresSecure(_))));
}

#[test]
fn all_client_groups_together_fit_one_header_budget_and_the_site_count() {
    let engine = b("session")
        .group(Group::new(b("aux")).claims(["aux"]))
        .build()
        .unwrap();
    let mut jar = ModelJar::new(Rules::CHROMIUM);
    jar.script_set("consent", &"c".repeat(1500));
    for i in 0..170 {
        jar.script_set(&format!("o{i}"), "1");
    }
    let mut session = engine.load([jar.send()], Some(CHROME));
    // Each fits the room alone (about 4,400 bytes); together they don't.
    session.insert("aux", &random_text(1, 3500)).unwrap();
    session.insert("main", &random_text(2, 3500)).unwrap();
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    assert!(jar.take_evictions().is_empty());
    assert!(jar.header().len() <= 7168, "{}", jar.header().len());
    assert!(jar.len() <= 180);
    // The first group in priority order got its room; the other shrank.
    let aux = &saved.report.groups[0].1;
    assert_eq!(saved.report.groups[0].0, "aux");
    assert!(aux.shrink.is_untouched(), "{aux:?}");
    assert!(saved.report.shrink.dropped_keys().eq(["main"]));
    let loaded = engine.load([jar.header()], Some(CHROME));
    assert!(loaded.contains_key("aux"));
}

#[test]
fn removals_of_every_group_come_before_any_write() {
    let engine = b("session")
        .group(Group::new(b("aux").max_cookie_bytes(1000)).claims(["aux"]))
        .header_budget(None)
        .max_cookie_bytes(1000)
        .build()
        .unwrap();
    let mut jar = Jar::default();
    let mut session = engine.load([jar.header()], None);
    session.insert("aux", &random_text(3, 2500)).unwrap();
    session.insert("main", &random_text(4, 2500)).unwrap();
    jar.apply(&engine.save(&mut session).unwrap().set_cookies);
    let mut session = engine.load([jar.header()], None);
    session.insert("aux", &"small").unwrap();
    session.insert("main", &"small").unwrap();
    let saved = engine.save(&mut session).unwrap();
    let first_write = saved
        .set_cookies
        .iter()
        .position(|l| !l.contains("Max-Age=0"))
        .unwrap();
    assert!(first_write >= 2, "{:?}", saved.set_cookies);
    assert!(saved.set_cookies[first_write..]
        .iter()
        .all(|l| !l.contains("Max-Age=0")));
}

#[test]
fn a_routing_change_keeps_every_users_data() {
    let assert_theme = |session: &cookietin::Session| {
        assert_eq!(
            session.get::<String>("theme").unwrap().as_deref(),
            Some("dark")
        );
    };
    let assert_kept = |session: &cookietin::Session| {
        assert_theme(session);
        assert_eq!(
            session.get::<Vec<String>>("cart").unwrap().unwrap(),
            ["pear"]
        );
    };
    // Yesterday: everything in `session`.
    let before = b("session").build().unwrap();
    let mut jar = Jar::default();
    let mut session = before.load([jar.header()], Some(CHROME));
    session.insert("theme", &"dark").unwrap();
    session.insert("cart", &["pear"]).unwrap();
    jar.apply(&before.save(&mut session).unwrap().set_cookies);
    // Today: `theme` belongs to `prefs`. A read-only request moves it.
    let after = layout();
    let mut session = after.load([jar.header()], Some(CHROME));
    assert_theme(&session);
    let saved = after.save(&mut session).unwrap();
    assert_eq!(names(&saved.set_cookies), ["prefs", "session"]);
    jar.apply(&saved.set_cookies);
    let session = after.load([jar.header()], Some(CHROME));
    assert_kept(&session);
    let placement = after.placement(&session);
    assert!(placement
        .iter()
        .any(|p| p.key == "theme" && p.group == "prefs"));
    // And back: `prefs` keeps only `lang`, so `theme` returns to the rest.
    let back = b("session")
        .group(Group::new(b("csrf").http_only(false)).claims(["csrf_token"]))
        .group(Group::new(b("prefs")).claims(["lang"]))
        .build()
        .unwrap();
    let mut session = back.load([jar.header()], Some(CHROME));
    assert_theme(&session);
    jar.apply(&back.save(&mut session).unwrap().set_cookies);
    assert_eq!(jar.names(), ["session"], "prefs holds nothing now");
    let session = before.load([jar.header()], Some(CHROME));
    assert_kept(&session);
}

#[cfg(feature = "store")]
mod with_stores {
    use super::*;
    use cookietin::store::MemoryStore;
    use cookietin::{EmptyReason, SaveAction};
    use std::sync::Arc;

    /// The demo's layout.
    fn demo(store: Arc<MemoryStore>) -> Engine<cookietin::Stored> {
        b("session")
            .overflow(store.clone())
            .revocable(store.clone())
            .group(
                Group::new(b("csrf").http_only(false).revocable(store.clone()))
                    .claims(["csrf_token"]),
            )
            .group(Group::new(b("sid").server_side(store)).claims(["user", "roles"]))
            .build()
            .unwrap()
    }

    /// A store's values are parsed where they are read: one that is not JSON
    /// spoils its own key, the other groups load and save, and the store
    /// keeps its text.
    #[test]
    fn a_store_value_that_is_not_json_stays_in_its_group_untouched() {
        use common::probe_store::ProbeStore;
        use cookietin::store::{Changes, Store, Updated};
        block_on(async {
            let store = Arc::new(ProbeStore::default());
            let engine = b("session")
                .group(Group::new(b("sid").server_side(store.clone())).claims(["user", "roles"]))
                .build()
                .unwrap();
            let mut jar = Jar::default();
            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            session.insert("user", &"ada").unwrap();
            session.insert("roles", &["admin"]).unwrap();
            session.insert("theme", &"dark").unwrap();
            jar.apply(&engine.save(&mut session).await.unwrap().set_cookies);
            let key = store
                .created
                .lock()
                .unwrap()
                .expect("the sid group's record");
            let mut changes = Changes::new();
            changes.set("roles", "{not json");
            assert_eq!(
                store.inner.update(key, &changes, now() + 3600).await,
                Ok(Updated::Updated)
            );

            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            assert_eq!(
                session.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            );
            assert!(session.get::<Vec<String>>("roles").is_err());
            session.insert("theme", &"light").unwrap();
            jar.apply(&engine.save(&mut session).await.unwrap().set_cookies);
            let session = engine.load([jar.header()], Some(CHROME)).await;
            assert_eq!(
                session.get::<String>("theme").unwrap().as_deref(),
                Some("light")
            );
            assert_eq!(
                session.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            );
            let record = store.inner.load(key, None).await.unwrap().unwrap();
            assert_eq!(record.entries["roles"], "{not json");
        });
    }

    #[test]
    fn a_40_kb_session_stays_whole_and_a_delete_ends_every_copy() {
        block_on(async {
            let store = Arc::new(MemoryStore::new().clock(now));
            let engine = demo(store.clone());
            let mut jar = Jar::with(&[("theme", "dark")]);
            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            session.insert("csrf_token", &"t0k3n").unwrap();
            session.insert("user", &"ada").unwrap();
            session.insert("roles", &["admin"]).unwrap();
            let (a, c) = (random_text(1, 20_000), random_text(2, 20_000));
            session.insert("a", &a).unwrap();
            session.insert("c", &c).unwrap();
            let saved = engine.save(&mut session).await.unwrap();
            jar.apply(&saved.set_cookies);
            let mut moved: Vec<&str> = saved.report.shrink.moved_keys().collect();
            moved.sort_unstable();
            assert_eq!(moved, ["a", "c"]);
            assert!(jar.header().len() <= 7168, "{}", jar.header().len());
            assert_eq!(jar.names(), ["theme", "csrf", "sid", "session"]);

            let session = engine.load([jar.header()], Some(CHROME)).await;
            assert_eq!(
                session.get::<String>("a").unwrap().as_deref(),
                Some(a.as_str())
            );
            assert_eq!(
                session.get::<Vec<String>>("roles").unwrap().unwrap(),
                ["admin"]
            );
            let placement = engine.placement(&session);
            let p = |k: &str| placement.iter().find(|p| p.key == k).unwrap().clone();
            assert_eq!(
                (
                    p("user").group.as_str(),
                    p("a").group.as_str(),
                    p("a").overflowed
                ),
                ("sid", "session", true)
            );

            // DELETE: every group ends, and every earlier cookie set loads empty.
            let copy = jar.header();
            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            session.destroy();
            let saved = engine.save(&mut session).await.unwrap();
            jar.apply(&saved.set_cookies);
            assert_eq!(jar.names(), ["theme"]);
            assert_eq!(
                store.len(),
                2,
                "the csrf and session groups' tombstones are all that is left"
            );
            let replayed = engine.load([&copy], Some(CHROME)).await;
            assert!(replayed.is_empty(), "{:?}", replayed.data());
            let reasons: Vec<Option<EmptyReason>> = engine
                .groups(&replayed)
                .iter()
                .map(|(_, s)| s.empty_reason().cloned())
                .collect();
            assert_eq!(
                reasons,
                [
                    Some(EmptyReason::Revoked),
                    Some(EmptyReason::RecordGone),
                    Some(EmptyReason::Revoked)
                ]
            );
            assert!(engine.groups(&replayed)[0].1.is_empty());
        });
    }

    #[test]
    fn a_store_group_changes_only_its_keys_and_writes_no_cookie_for_them() {
        block_on(async {
            let engine = demo(Arc::new(MemoryStore::new().clock(now)));
            let mut jar = Jar::default();
            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            session.insert("user", &"ada").unwrap();
            session.insert("cart", &["pear"]).unwrap();
            jar.apply(&engine.save(&mut session).await.unwrap().set_cookies);
            let mut session = engine.load([jar.header()], Some(CHROME)).await;
            session.insert("roles", &["admin"]).unwrap();
            let saved = engine.save(&mut session).await.unwrap();
            assert!(saved.set_cookies.is_empty(), "{:?}", saved.set_cookies);
            assert_eq!(saved.report.action, SaveAction::Unchanged);
            let session = engine.load([jar.header()], Some(CHROME)).await;
            assert_eq!(
                session.get::<Vec<String>>("roles").unwrap().unwrap(),
                ["admin"]
            );
        });
    }
}
