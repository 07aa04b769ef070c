//! RFC 6265bis and the newer cookie rules, through the builder: lifetimes
//! clamped to 400 days, attribute values over 1024 bytes refused, the
//! `__Http-` and `__Host-Http-` prefixes, and `Partitioned`.

mod common;

use std::time::Duration;

use common::key;
use cookietin::{ConfigError, Engine};

fn first_line(engine: &Engine) -> String {
    let mut session = engine.load(Vec::<&str>::new(), None);
    session.insert("user", &"ada").unwrap();
    engine.save(&mut session).unwrap().set_cookies.remove(0)
}

fn attribute<'l>(line: &'l str, name: &str) -> Option<&'l str> {
    line.split("; ")
        .find_map(|a| a.strip_prefix(name)?.strip_prefix('='))
}

#[test]
fn no_set_cookie_says_more_than_400_days() {
    for (asked, said) in [
        (3600, 3600),
        (34_560_000, 34_560_000),
        (50_000_000, 34_560_000),
    ] {
        let engine = Engine::builder(key(1))
            .persistent(true)
            .max_age(Duration::from_secs(asked))
            .build()
            .unwrap();
        let line = first_line(&engine);
        assert_eq!(
            attribute(&line, "Max-Age"),
            Some(said.to_string().as_str()),
            "{line}"
        );
        assert!(attribute(&line, "Expires").is_some(), "{line}");
    }
}

#[test]
fn attribute_values_over_1024_bytes_are_a_build_error() {
    let path = format!("/{}", "p".repeat(1023));
    assert!(Engine::builder(key(1)).path(path.clone()).build().is_ok());
    let long_path = Engine::builder(key(1)).path(format!("{path}p")).build();
    assert!(matches!(
        long_path,
        Err(ConfigError::InvalidAttribute {
            attribute: "Path",
            ..
        })
    ));
    let long_domain = Engine::builder(key(1))
        .domain(format!("{}.example.com", "d".repeat(1020)))
        .build();
    assert!(matches!(
        long_domain,
        Err(ConfigError::InvalidAttribute {
            attribute: "Domain",
            ..
        })
    ));
}

#[test]
fn http_prefixes_are_checked_at_build() {
    let ok = Engine::builder(key(1))
        .cookie_name("__Host-Http-sid")
        .build()
        .unwrap();
    let line = first_line(&ok);
    assert!(
        line.starts_with("__Host-Http-sid=")
            && line.contains("; HttpOnly")
            && line.contains("; Secure")
    );
    let readable = Engine::builder(key(1))
        .cookie_name("__Http-sid")
        .http_only(false)
        .build();
    assert_eq!(
        readable.unwrap_err(),
        ConfigError::PrefixRequiresHttpOnly("__Http-sid".into())
    );
    let insecure = Engine::builder(key(1))
        .cookie_name("__Http-sid")
        .secure(false)
        .build();
    assert_eq!(
        insecure.unwrap_err(),
        ConfigError::PrefixRequiresSecure("__Http-sid".into())
    );
    let with_domain = Engine::builder(key(1))
        .cookie_name("__Host-Http-sid")
        .domain("example.com")
        .build();
    assert_eq!(
        with_domain.unwrap_err(),
        ConfigError::HostPrefixForbidsDomain("__Host-Http-sid".into())
    );
}

#[test]
fn partitioned_requires_secure() {
    let line = first_line(&Engine::builder(key(1)).partitioned(true).build().unwrap());
    assert!(
        line.contains("; Partitioned") && line.contains("; Secure"),
        "{line}"
    );
    let insecure = Engine::builder(key(1))
        .partitioned(true)
        .secure(false)
        .build();
    assert_eq!(
        insecure.unwrap_err(),
        ConfigError::PartitionedRequiresSecure
    );
}
