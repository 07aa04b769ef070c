//! A store-backed session to measure: its first save, and the Cookie
//! header its returning visitor sends. Shared by the store benches.
#![allow(dead_code)]

use cookietin::{Engine, Stored};

use super::corpus::{Entries, CHROME, OTHER_COOKIES};

/// Saves `entries` and `n` as a new session, and answers the Cookie header
/// of its next request: a few unrelated cookies and the signed id.
pub async fn returning_visitor(engine: &Engine<Stored>, entries: &Entries, n: u64) -> String {
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME)).await;
    {
        let data = session.data_mut();
        for (k, v) in entries {
            data.insert_raw(k, v.clone());
        }
    }
    session.insert("n", &n).unwrap();
    let saved = engine.save(&mut session).await.unwrap();
    let pairs = saved
        .set_cookies
        .iter()
        .map(|line| line.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");
    format!("{OTHER_COOKIES}; {pairs}")
}
