//! `destroy`, `clear`, `regenerate` and `renew`: one meaning in every
//! layout (the table on `Session`), through the single load and save path.
//!
//! Each test logs in (`user`, and a blob big enough to overflow where an
//! overflow store is configured), keeps a copy of the browser's cookies,
//! then ends or renews the session in a second request, and checks both the
//! browser's next request and a replay of the copy.

mod common;

use std::sync::Arc;

use common::{block_on, builder, random_text, set_now, Jar, CHROME};
use cookietin::store::MemoryStore;
use cookietin::{EmptyReason, Engine, Group, Session, Stored};

/// Every layout, by name, on a fresh memory store.
fn layouts() -> Vec<(&'static str, Engine<Stored>)> {
    let store = || Arc::new(MemoryStore::new());
    vec![
        ("cookies", builder(1).build().unwrap().into_stored()),
        (
            "cookies, revocable",
            builder(1).revocable(store()).build().unwrap(),
        ),
        ("overflow", builder(1).overflow(store()).build().unwrap()),
        ("stored", builder(1).server_side(store()).build().unwrap()),
        (
            "groups",
            builder(1)
                .revocable(store())
                .group(
                    Group::new(builder(1).cookie_name("sid").server_side(store())).claims(["user"]),
                )
                .build()
                .unwrap(),
        ),
    ]
}

/// One request: load what `jar` holds, `edit`, save, apply.
fn visit(engine: &Engine<Stored>, jar: &mut Jar, edit: impl FnOnce(&mut Session)) -> Session {
    let mut session = block_on(engine.load([jar.header()], Some(CHROME)));
    edit(&mut session);
    let saved = block_on(engine.save(&mut session)).expect("saves");
    jar.apply(&saved.set_cookies);
    session
}

fn load(engine: &Engine<Stored>, jar: &Jar) -> Session {
    block_on(engine.load([jar.header()], Some(CHROME)))
}

/// A logged-in session's cookies: `user`, and in overflowing layouts a
/// blob the cookies can't hold.
fn logged_in(name: &str, engine: &Engine<Stored>) -> Jar {
    set_now(1_800_000_000);
    let mut jar = Jar::default();
    visit(engine, &mut jar, |s| {
        s.insert("user", &"ada").unwrap();
        s.insert("theme", &"dark").unwrap();
        if name == "overflow" {
            s.insert("blob", &random_text(1, 12_000)).unwrap();
        }
    });
    assert_eq!(
        load(engine, &jar).get::<String>("user").unwrap().as_deref(),
        Some("ada"),
        "{name}"
    );
    jar
}

/// Whether a layout can end copies of a cookie: it has a store record or a
/// revocable id for every key.
fn ends_copies(name: &str) -> bool {
    matches!(name, "cookies, revocable" | "stored" | "groups")
}

#[test]
fn destroy_expires_every_cookie_and_ends_every_copy_the_layout_can_reach() {
    for (name, engine) in layouts() {
        let mut jar = logged_in(name, &engine);
        let copy = jar.clone();
        visit(&engine, &mut jar, Session::destroy);
        assert!(jar.cookies.is_empty(), "{name}: {:?}", jar.names());
        assert!(load(&engine, &jar).is_empty(), "{name}");

        let replay = load(&engine, &copy);
        if ends_copies(name) {
            assert!(
                replay.is_empty(),
                "{name}: a copy still loads {:?}",
                replay.data()
            );
        }
        match name {
            "cookies, revocable" => assert_eq!(replay.empty_reason(), Some(&EmptyReason::Revoked)),
            "stored" => assert_eq!(replay.empty_reason(), Some(&EmptyReason::RecordGone)),
            "overflow" => {
                // The record went with the session: the copy's cookies load,
                // its moved key does not come back.
                assert_eq!(replay.store_reason(), Some(&EmptyReason::RecordGone));
                assert!(!replay.contains_key("blob"));
            }
            // Without a store, nothing can end a copy before it expires.
            "cookies" => assert_eq!(
                replay.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            ),
            _ => {}
        }
    }
}

#[test]
fn keys_set_after_destroy_start_a_new_session() {
    for (name, engine) in layouts() {
        let mut jar = logged_in(name, &engine);
        let copy = jar.clone();
        visit(&engine, &mut jar, |s| {
            s.destroy();
            s.insert("flash", &"goodbye").unwrap();
        });
        let next = load(&engine, &jar);
        assert_eq!(next.len(), 1, "{name}: {:?}", next.data());
        assert_eq!(
            next.get::<String>("flash").unwrap().as_deref(),
            Some("goodbye")
        );
        if ends_copies(name) {
            assert!(
                load(&engine, &copy).is_empty(),
                "{name}: the old copy came back"
            );
        }
    }
}

#[test]
fn clear_empties_the_data_and_keeps_the_session() {
    for (name, engine) in layouts() {
        let mut jar = logged_in(name, &engine);
        let copy = jar.clone();
        let before = jar.get("sid").or(jar.get("session")).map(str::to_owned);
        visit(&engine, &mut jar, Session::clear);
        let next = load(&engine, &jar);
        assert!(next.is_empty(), "{name}: {:?}", next.data());
        assert_eq!(next.empty_reason(), None, "{name}");
        match name {
            "stored" => {
                // The record stays, emptied, under the same id: no cookie changes.
                assert_eq!(jar.get("session").map(str::to_owned), before);
                assert!(load(&engine, &copy).is_empty());
                assert_eq!(load(&engine, &copy).empty_reason(), None);
                // The next key goes to the same record.
                visit(&engine, &mut jar, |s| s.insert("cart", &[1]).unwrap());
                assert_eq!(jar.get("session").map(str::to_owned), before);
                assert_eq!(
                    load(&engine, &copy).get::<Vec<u8>>("cart").unwrap(),
                    Some(vec![1])
                );
            }
            "cookies, revocable" => {
                // Nothing to hold, so no cookie; but no tombstone either.
                assert!(jar.cookies.is_empty());
                let replay = load(&engine, &copy);
                assert_eq!(replay.empty_reason(), None);
                assert_eq!(
                    replay.get::<String>("user").unwrap().as_deref(),
                    Some("ada")
                );
            }
            "groups" => {
                // The stored group keeps its record and id; the client
                // group has nothing to hold.
                assert_eq!(jar.names(), ["sid"]);
                assert_eq!(jar.get("sid").map(str::to_owned), before);
            }
            _ => assert!(jar.cookies.is_empty(), "{name}: {:?}", jar.names()),
        }
    }
}

#[test]
fn regenerate_keeps_the_data_under_a_new_id_and_ends_the_old_one() {
    for (name, engine) in layouts() {
        let mut jar = logged_in(name, &engine);
        let copy = jar.clone();
        set_now(1_800_000_100);
        visit(&engine, &mut jar, Session::regenerate);
        assert_ne!(jar.header(), copy.header(), "{name}: nothing was re-issued");
        let next = load(&engine, &jar);
        assert_eq!(
            next.get::<String>("user").unwrap().as_deref(),
            Some("ada"),
            "{name}"
        );
        assert_eq!(
            next.get::<String>("theme").unwrap().as_deref(),
            Some("dark"),
            "{name}"
        );
        if name == "overflow" {
            assert!(next.contains_key("blob"), "the moved key moved with the id");
        }
        let replay = load(&engine, &copy);
        match name {
            "stored" => assert_eq!(replay.empty_reason(), Some(&EmptyReason::RecordGone)),
            "cookies, revocable" => assert_eq!(replay.empty_reason(), Some(&EmptyReason::Revoked)),
            "groups" => assert!(replay.is_empty(), "{:?}", replay.data()),
            "overflow" => assert!(!replay.contains_key("blob")),
            _ => assert_eq!(
                replay.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            ),
        }
    }
}

#[test]
fn renew_reissues_the_cookies_and_moves_the_expiry_under_the_same_id() {
    for (name, engine) in layouts() {
        let mut jar = logged_in(name, &engine);
        let issued = load(&engine, &jar).issued_at();
        // Six days on (the max age is seven), renew; eight days on, the
        // renewed session still loads.
        set_now(1_800_000_000 + 6 * 86_400);
        let copy = jar.clone();
        visit(&engine, &mut jar, Session::renew);
        assert_ne!(jar.header(), copy.header(), "{name}: nothing was re-issued");
        let renewed = load(&engine, &jar);
        assert!(renewed.issued_at() > issued, "{name}");
        if name == "stored" {
            // Same id, so the copy still names the (renewed) record.
            assert_eq!(
                load(&engine, &copy)
                    .get::<String>("user")
                    .unwrap()
                    .as_deref(),
                Some("ada")
            );
        }
        set_now(1_800_000_000 + 8 * 86_400);
        let later = load(&engine, &jar);
        assert_eq!(
            later.get::<String>("user").unwrap().as_deref(),
            Some("ada"),
            "{name}: {:?}",
            later.empty_reason()
        );
        if name == "overflow" {
            assert!(
                later.contains_key("blob"),
                "the overflow record's expiry moved too"
            );
        }
        assert!(
            load(&engine, &copy).is_empty(),
            "{name}: the old cookies outlived their max age"
        );
    }
}
