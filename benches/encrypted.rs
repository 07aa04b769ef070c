//! Encrypted sessions against signed ones and against cookie-rs's
//! `PrivateJar` (AES-256-GCM, the `cookie` crate's `private` feature), on
//! the corpus, interleaved in one run (`support/interleave.rs`), and the
//! bytes each writes per corpus session.
//!
//! `cargo bench --features encrypt --bench encrypted [-- ROUNDS]`
//!
//! Every engine here has no header budget (`header_budget(None)`), so that
//! each corpus session is saved whole: uncompressed and encrypted,
//! random_blob_6k is 8063 characters, over the default 7168-byte budget.
//! Times are for a returning visitor, as in `benches/ratios.rs`: save a
//! session loaded from its Cookie header and modified; load that header.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/setup.rs"]
mod setup;

use std::collections::BTreeMap;
use std::hint::black_box;

use cookie::{Cookie, CookieJar};
use cookietin::{Engine, Key, MasterKey, Session};
use serde_json::value::RawValue;

use corpus::{Entries, CHROME};
use interleave::{paired, plain, us};

fn signed() -> Engine {
    Engine::builder(Key::try_from_bytes(&setup::SECRET).unwrap())
        .header_budget(None)
        .build()
        .unwrap()
}

fn encrypted(compress: bool) -> Engine {
    Engine::encrypted(MasterKey::try_from_bytes(&setup::SECRET).unwrap())
        .compress(compress)
        .header_budget(None)
        .build()
        .unwrap()
}

fn saver<'e>(engine: &'e Engine, mut session: Session) -> impl FnMut() + 'e {
    move || {
        session.data_mut();
        black_box(engine.save(&mut session).unwrap());
    }
}

/// What a returning visitor sends, and what a save of `entries` writes.
struct Case {
    header: String,
    value_bytes: usize,
}

fn case(engine: &Engine, entries: &Entries) -> Case {
    let (lines, value) = setup::first_save(engine, entries);
    Case {
        header: format!("{}; {}", corpus::OTHER_COOKIES, setup::pairs(&lines)),
        value_bytes: value.len(),
    }
}

/// cookie-rs's private jar: serde_json of the map, one AES-256-GCM cookie.
struct Private {
    key: cookie::Key,
}

impl Private {
    fn save(&self, entries: &Entries) -> String {
        let json = serde_json::to_string(entries).unwrap();
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(Cookie::new("session", json));
        jar.delta().next().unwrap().to_string()
    }

    fn load(&self, header: &str) -> BTreeMap<String, Box<RawValue>> {
        let mut jar = CookieJar::new();
        for c in Cookie::split_parse(header.to_owned()).flatten() {
            jar.add_original(c);
        }
        let c = jar.private(&self.key).get("session").unwrap();
        serde_json::from_str(c.value()).unwrap()
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    let (s, e, ez) = (signed(), encrypted(false), encrypted(true));
    for engine in [&s, &e, &ez] {
        engine.browsers().resolve(CHROME);
    }
    let private = Private {
        key: cookie::Key::from(&[7u8; 64]),
    };
    println!(
        "Interleaved medians over {rounds} rounds (µs; ratios are medians of per-round ratios)\n"
    );
    println!("| session | JSON | signed | encrypted | encrypted, compressed | PrivateJar |");
    println!("|---|---|---|---|---|---|");
    let corpus = corpus::ordered();
    for (name, entries) in &corpus {
        let pj = private.save(entries);
        let pj_value = setup::value_of(&pj).len();
        println!(
            "| {name} | {} | {} | {} | {} | {pj_value} |",
            corpus::json_len(entries),
            case(&s, entries).value_bytes,
            case(&e, entries).value_bytes,
            case(&ez, entries).value_bytes,
        );
    }
    println!("\n| session | signed save | encrypted save | enc/signed | signed load | encrypted load | enc/signed | PrivateJar save | enc/PJ | PrivateJar load | enc/PJ |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, entries) in &corpus {
        let (cs, ce) = (case(&s, entries), case(&e, entries));
        let mut save_s = saver(&s, setup::modified_session(&s, &cs.header, entries));
        let mut save_e = saver(&e, setup::modified_session(&e, &ce.header, entries));
        let (ts, te, rs) = paired(rounds, &mut plain(&mut save_s), &mut plain(&mut save_e));
        let (tls, tle, rl) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(s.load([black_box(cs.header.as_str())], Some(CHROME)));
            }),
            &mut plain(&mut || {
                black_box(e.load([black_box(ce.header.as_str())], Some(CHROME)));
            }),
        );
        let mut save_e2 = saver(&e, setup::modified_session(&e, &ce.header, entries));
        let (tps, _, rps) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(private.save(black_box(entries)));
            }),
            &mut plain(&mut save_e2),
        );
        let pj_header = format!(
            "{}; {}",
            corpus::OTHER_COOKIES,
            private.save(entries).split(';').next().unwrap()
        );
        let (tpl, _, rpl) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(private.load(black_box(&pj_header)));
            }),
            &mut plain(&mut || {
                black_box(e.load([black_box(ce.header.as_str())], Some(CHROME)));
            }),
        );
        println!(
            "| {name} | {} | {} | {rs:.2} | {} | {} | {rl:.2} | {} | {rps:.2} | {} | {rpl:.2} |",
            us(ts),
            us(te),
            us(tls),
            us(tle),
            us(tps),
            us(tpl),
        );
    }
    println!("\n| session | encrypted, compressed: save / signed save | load / signed load |");
    println!("|---|---|---|");
    for (name, entries) in &corpus {
        let (cs, cz) = (case(&s, entries), case(&ez, entries));
        let mut save_s = saver(&s, setup::modified_session(&s, &cs.header, entries));
        let mut save_z = saver(&ez, setup::modified_session(&ez, &cz.header, entries));
        let (_, _, rs) = paired(rounds, &mut plain(&mut save_s), &mut plain(&mut save_z));
        let (_, _, rl) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(s.load([black_box(cs.header.as_str())], Some(CHROME)));
            }),
            &mut plain(&mut || {
                black_box(ez.load([black_box(cz.header.as_str())], Some(CHROME)));
            }),
        );
        println!("| {name} | {rs:.2} | {rl:.2} |");
    }
}
