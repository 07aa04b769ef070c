//! Property tests: save then load gives the same session for arbitrary
//! sessions and per-cookie limits, with every cookie within the limit.

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[a-zA-Z0-9+/]{0,400}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn session_map() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((".{0,12}", json_value()), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn save_then_load_roundtrips_within_the_per_cookie_limit(
        entries in session_map(),
        limit in 64usize..6000,
        compress in any::<bool>(),
    ) {
        let engine = builder(1)
            .header_budget(None)
            .max_cookie_bytes(limit)
            .compress(compress)
            .build()
            .unwrap();
        let mut session = engine.load(Vec::<String>::new(), Some(CHROME));
        for (k, v) in &entries {
            session.insert(k, v).unwrap();
        }
        let expected = session.data().to_value();
        let saved = engine.save(&mut session).unwrap();
        let mut jar = Jar::default();
        jar.apply(&saved.set_cookies);
        for (name, value) in &jar.cookies {
            prop_assert!(name.len() + value.len() <= limit, "{} > {}", name.len() + value.len(), limit);
        }
        prop_assert!(jar.cookies.len() <= 180);
        let loaded = engine.load([jar.header()], Some(CHROME));
        prop_assert_eq!(loaded.empty_reason(), None);
        if saved.report.shrink.is_untouched() {
            prop_assert_eq!(loaded.data().to_value(), expected);
        } else {
            // Shrinking may only remove keys, and reports each one.
            let dropped: Vec<&str> = saved.report.shrink.dropped_keys().collect();
            for (k, _) in &entries {
                prop_assert!(loaded.contains_key(k) || dropped.contains(&k.as_str()));
            }
        }
    }

    #[test]
    fn load_never_panics_on_arbitrary_headers(
        headers in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..4),
        ua in ".{0,200}",
    ) {
        let engine = builder(1).build().unwrap();
        let mut session = engine.load(&headers, Some(&ua));
        prop_assert!(session.is_empty());
        let _ = engine.save(&mut session);
    }
}
