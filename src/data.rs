//! The session's data: string keys to raw JSON values.
//!
//! Values are kept as raw JSON text ([`RawValue`]) from the moment they are
//! read off the wire until a handler asks for one. A load therefore only
//! splits the top-level object; nested values are parsed by the typed
//! [`SessionData::get`] that reads them, straight into the caller's type.
//! The same raw text is written back verbatim on save, and its length makes
//! the session's JSON size a sum that costs nothing to keep.
//!
//! Values a store returns are not parsed at load at all ([`Json::Unchecked`]):
//! the store holds what an earlier save wrote, most requests read a few
//! keys and write none back, and a typed read parses the text anyway. A
//! store's text is checked only where it is read raw or written into a
//! cookie, so a value that is not JSON (a store written by something else)
//! reads as an error for its key and never reaches a cookie.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ValueError;

/// The key-value data of a session, without change tracking.
///
/// This is what shrink callbacks receive, and what [`Session`](crate::Session) wraps.
///
/// # Example
/// ```
/// let mut data = cookietin::SessionData::new();
/// data.insert("history", &vec!["/a", "/b"])?;
/// let history: Vec<String> = data.get("history")?.unwrap_or_default();
/// assert_eq!(history, ["/a", "/b"]);
/// assert_eq!(data.json_len(), r#"{"history":["/a","/b"]}"#.len());
/// # Ok::<(), cookietin::ValueError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SessionData {
    entries: BTreeMap<String, Json>,
    /// The JSON bytes of all members (`"key":value`), kept as a running sum
    /// so that shrinking can measure the session after every step for free.
    members_len: usize,
}

impl SessionData {
    /// An empty map.
    pub fn new() -> SessionData {
        SessionData::default()
    }

    /// Parses a session from a JSON object's text, keeping each value raw.
    pub(crate) fn from_json(json: &[u8]) -> Result<SessionData, serde_json::Error> {
        let entries: BTreeMap<String, Json> = serde_json::from_slice(json)?;
        let members_len = entries.iter().map(|(k, v)| member_len(k, v.text())).sum();
        Ok(SessionData {
            entries,
            members_len,
        })
    }

    /// A session from a store's record: each key with its text, taken as
    /// the store gave it and parsed only where it is read (see the module's
    /// comment).
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn from_store(entries: impl IntoIterator<Item = (String, String)>) -> SessionData {
        let entries: BTreeMap<String, Json> = entries
            .into_iter()
            .map(|(k, text)| (k, Json::Unchecked(text.into_boxed_str())))
            .collect();
        let members_len = entries.iter().map(|(k, v)| member_len(k, v.text())).sum();
        SessionData {
            entries,
            members_len,
        }
    }

    /// Writes the session as one compact JSON object.
    /// A store's value that is not JSON is left out.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(out, &CheckedEntries(&self.entries))
            .expect("raw JSON values always serialize");
    }

    /// The value at `key`, converted to `T`; `Ok(None)` when the key is absent.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        match self.entries.get(key) {
            None => Ok(None),
            Some(json) => serde_json::from_str(json.text())
                .map(Some)
                .map_err(|e| ValueError::new(key, e)),
        }
    }

    /// The value at `key` as a [`serde_json::Value`]; `None` when the key is
    /// absent, or when its JSON is valid but a `Value` can't hold it (nested
    /// deeper than serde_json's limit of 128, or a number beyond `f64`).
    pub fn get_value(&self, key: &str) -> Option<Value> {
        serde_json::from_str(self.entries.get(key)?.text()).ok()
    }

    /// The value at `key` as its JSON text; `None` when the key is absent,
    /// or when a store gave text for it that is not JSON.
    pub fn get_raw(&self, key: &str) -> Option<&RawValue> {
        self.entries.get(key)?.checked()
    }

    /// Sets `key` to `value`, serialized with serde. Returns whether the
    /// stored JSON changed. A value nested deeper than serde_json parses
    /// (128 levels) is refused, since it could not be read back.
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<bool, ValueError> {
        let raw = serde_json::value::to_raw_value(value).map_err(|e| ValueError::new(key, e))?;
        // Serializing has no depth limit but parsing has; only text with
        // more than 128 brackets can hit it, so only that is parsed here.
        if raw
            .get()
            .bytes()
            .filter(|b| matches!(b, b'[' | b'{'))
            .count()
            > 128
        {
            serde_json::from_str::<Value>(raw.get()).map_err(|e| ValueError::new(key, e))?;
        }
        Ok(self.insert_raw(key, raw))
    }

    /// The text at `key` as held, checked or not, for writing it back to a
    /// store.
    pub(crate) fn text(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(Json::text)
    }

    /// Sets `key` to already-serialized JSON. Returns whether it changed.
    pub fn insert_raw(&mut self, key: &str, raw: Box<RawValue>) -> bool {
        self.insert_json(key, Json::Checked(raw))
    }

    /// Sets `key` to the text a store gave for it, parsed only where it is
    /// read (see the module's comment).
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn insert_from_store(&mut self, key: &str, text: String) -> bool {
        self.insert_json(key, Json::Unchecked(text.into_boxed_str()))
    }

    /// Sets `key` to a value as another session held it, checked or not.
    pub(crate) fn insert_json(&mut self, key: &str, json: Json) -> bool {
        match self.entries.get_mut(key) {
            Some(old) if old.text() == json.text() => false,
            Some(old) => {
                self.members_len = self.members_len - old.text().len() + json.text().len();
                *old = json;
                true
            }
            None => {
                self.members_len += member_len(key, json.text());
                self.entries.insert(key.to_owned(), json);
                true
            }
        }
    }

    /// Removes `key` and gives its value as held, checked or not.
    pub(crate) fn take(&mut self, key: &str) -> Option<Json> {
        let json = self.entries.remove(key)?;
        self.members_len -= member_len(key, json.text());
        Some(json)
    }

    /// Removes `key`, returning whether it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        match self.entries.remove(key) {
            Some(json) => {
                self.members_len -= member_len(key, json.text());
                true
            }
            None => false,
        }
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The keys, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The entries as key and raw JSON, in sorted key order. A store's
    /// value that is not JSON is left out.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.entries
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.checked()?)))
    }

    /// The entries as they are held, checked or not, for moving them
    /// between sessions and back to a store without parsing them.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.members_len = 0;
    }

    /// The exact length of the compact JSON this data serializes to, computed
    /// from the stored lengths without serializing.
    pub fn json_len(&self) -> usize {
        2 + self.entries.len().saturating_sub(1) + self.members_len
    }

    /// The JSON length one entry adds (key, colon, value, comma).
    pub(crate) fn entry_json_len(&self, key: &str) -> usize {
        self.entries
            .get(key)
            .map_or(0, |v| member_len(key, v.text()) + 1)
    }

    /// Parses the whole data into a JSON object value. Entries a `Value`
    /// can't hold (see [`get_value`](SessionData::get_value)) are left out.
    pub fn to_value(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.entries {
            if let Ok(value) = serde_json::from_str(v.text()) {
                map.insert(k.clone(), value);
            }
        }
        Value::Object(map)
    }
}

/// A value's JSON text.
#[derive(Clone, Debug)]
pub(crate) enum Json {
    /// Parsed on the way in: set by the app, or read from a verified cookie.
    Checked(Box<RawValue>),
    /// As a store gave it, not yet parsed.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    Unchecked(Box<str>),
}

impl Json {
    /// The text, as held.
    pub(crate) fn text(&self) -> &str {
        match self {
            Json::Checked(raw) => raw.get(),
            Json::Unchecked(text) => text,
        }
    }

    /// The value as checked JSON; `None` for a store's text that is not JSON.
    fn checked(&self) -> Option<&RawValue> {
        match self {
            Json::Checked(raw) => Some(raw),
            Json::Unchecked(text) => serde_json::from_str(text).ok(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Json {
    /// A cookie's value, parsed with the rest of its payload.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Json::Checked)
    }
}

/// The entries as a JSON object, checking a store's text on the way out.
struct CheckedEntries<'a>(&'a BTreeMap<String, Json>);

impl Serialize for CheckedEntries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().filter_map(|(k, v)| Some((k, v.checked()?))))
    }
}

/// The length of `"key":value`.
fn member_len(key: &str, json: &str) -> usize {
    json_string_len(key) + 1 + json.len()
}

/// The length of `s` as a JSON string literal, quotes included, escaped the
/// way serde_json escapes.
fn json_string_len(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len() + 2 + escapes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_len_matches_serialization() {
        let mut data = SessionData::new();
        assert_eq!(data.json_len(), 2);
        data.insert("a", &1).unwrap();
        data.insert("quote\"back\\slash\nctl\u{1}", &vec!["x", "y"])
            .unwrap();
        data.insert("nested", &serde_json::json!({"k": [1, 2, {"z": null}]}))
            .unwrap();
        data.insert("unicode é", &"ünï").unwrap();
        let mut out = Vec::new();
        data.write_json(&mut out);
        assert_eq!(data.json_len(), out.len());
        // The running sum follows replacements, removals and reloads.
        data.insert("a", &"longer value").unwrap();
        data.remove("nested");
        let mut out = Vec::new();
        data.write_json(&mut out);
        assert_eq!(data.json_len(), out.len());
        assert_eq!(SessionData::from_json(&out).unwrap().json_len(), out.len());
        assert_eq!(data.entry_json_len("a"), r#""a":"longer value","#.len());
        data.clear();
        assert_eq!(data.json_len(), 2);
    }

    #[test]
    fn a_stores_text_is_checked_where_it_leaves_for_a_cookie() {
        let mut d = SessionData::new();
        d.insert("a", &1).unwrap();
        d.insert_from_store("b", r#"{"x":[true,null]}"#.to_owned());
        d.insert_from_store("bad", "{not json".to_owned());
        let mut out = Vec::new();
        d.write_json(&mut out);
        assert_eq!(out, br#"{"a":1,"b":{"x":[true,null]}}"#);
        // The measure counts the bad text, so a fit never undercounts.
        assert!(d.json_len() >= out.len());
        assert_eq!(d.len(), 3);
        assert_eq!(d.iter().count(), 2);
        // Setting the same text again is no change; a checked value replaces it.
        assert!(!d.insert_from_store("b", r#"{"x":[true,null]}"#.to_owned()));
        assert!(d.insert("bad", &"fixed").unwrap());
        let mut out = Vec::new();
        d.write_json(&mut out);
        assert_eq!(d.json_len(), out.len());
        assert!(matches!(d.take("b"), Some(Json::Unchecked(_))));
    }

    #[test]
    fn values_a_json_value_cannot_hold_read_as_none_without_panicking() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let mut d = SessionData::new();
        for (key, json) in [("deep", deep.as_str()), ("huge", "1e400"), ("ok", "1")] {
            d.insert_raw(key, RawValue::from_string(json.to_owned()).unwrap());
        }
        assert_eq!(d.get_value("deep"), None);
        assert_eq!(d.get_value("huge"), None);
        assert_eq!(d.to_value(), serde_json::json!({"ok": 1}));
    }
}
