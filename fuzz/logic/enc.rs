//! Writes the bytes that the targets' `Arbitrary` inputs read back as a
//! given value, so that seeds can be made from realistic sessions. Only the
//! shapes used here are covered: integers (little-endian), `bool`, `Option`,
//! `Vec` (a continue byte before each element), derived enums (a `u32`
//! scaled to the variant count), [`Text`] and [`Json`].

use super::common::{Agent, EngineCfg, Entry, Json, Text, AGENTS, JSON_TAGS, MAX_ELEMENTS};

#[derive(Default)]
pub struct Enc(pub Vec<u8>);

impl Enc {
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }
    /// The discriminant of variant `index` of a derived enum of `count`.
    pub fn variant(&mut self, index: usize, count: usize) -> &mut Self {
        let v = ((index as u64) << 32).div_ceil(count as u64);
        debug_assert_eq!(((v * count as u64) >> 32) as usize, index);
        self.u32(v as u32)
    }
    pub fn option<T>(&mut self, v: Option<T>, some: impl FnOnce(&mut Self, T)) -> &mut Self {
        match v {
            None => self.bool(false),
            Some(x) => {
                self.bool(true);
                some(self, x);
                self
            }
        }
    }
    pub fn vec<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T),
    ) -> &mut Self {
        for item in items {
            self.bool(true);
            each(self, item);
        }
        self.bool(false)
    }
    pub fn text(&mut self, s: &str) -> &mut Self {
        assert!(s.len() <= 255, "a Text holds at most 255 bytes");
        self.u8(s.len() as u8);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    pub fn json(&mut self, j: &Json) -> &mut Self {
        let tag = |e: &mut Self, t: u8| {
            debug_assert!(t < JSON_TAGS);
            e.u8(t);
        };
        match j {
            Json::Null => tag(self, 0),
            Json::Bool(b) => {
                tag(self, 1);
                self.bool(*b);
            }
            Json::Int(i) => {
                tag(self, 2);
                self.u64(*i as u64);
            }
            Json::Float(f) => {
                tag(self, 3);
                self.u64(f.to_bits());
            }
            Json::Str(t) => {
                tag(self, 4);
                self.text(&t.0);
            }
            Json::Arr(items) => {
                assert!(items.len() <= MAX_ELEMENTS);
                tag(self, 5);
                self.vec(items, |e, x| {
                    e.json(x);
                });
            }
            Json::Obj(members) => {
                assert!(members.len() <= MAX_ELEMENTS);
                tag(self, 6);
                self.vec(members, |e, (k, v)| {
                    e.text(&k.0).json(v);
                });
            }
            Json::Repeat(t, n) => {
                tag(self, 7);
                self.text(&t.0).u16(*n);
            }
            Json::Noise(seed, n) => {
                tag(self, 8);
                self.u32(*seed).u16(*n);
            }
        }
        self
    }
    pub fn entry(&mut self, entry: &Entry) -> &mut Self {
        self.text(&entry.key.0).json(&entry.value)
    }
    pub fn entries(&mut self, entries: &[Entry]) -> &mut Self {
        self.vec(entries, |e, entry| {
            e.entry(entry);
        })
    }
    pub fn cfg(&mut self, cfg: &EngineCfg) -> &mut Self {
        self.u8(cfg.name)
            .bool(cfg.compress)
            .bool(cfg.persistent)
            .option(cfg.session_compress, |e, c| {
                e.bool(c);
            })
    }
    pub fn agent(&mut self, agent: &Agent) -> &mut Self {
        let index = match agent {
            Agent::None => 0,
            Agent::Chrome => 1,
            Agent::Firefox => 2,
            Agent::SafariIos => 3,
            Agent::Ie8 => 4,
            Agent::Curl => 5,
            Agent::Custom(_) => 6,
        };
        self.variant(index, AGENTS);
        if let Agent::Custom(t) = agent {
            self.text(&t.0);
        }
        self
    }
}

/// Shorthands for building seed values.
pub fn s(v: &str) -> Json {
    Json::Str(Text(v.to_owned()))
}

pub fn arr(items: Vec<Json>) -> Json {
    Json::Arr(items)
}

pub fn entry(key: &str, value: Json) -> Entry {
    Entry {
        key: Text(key.to_owned()),
        value,
    }
}

pub fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (Text(k.to_owned()), v))
            .collect(),
    )
}
