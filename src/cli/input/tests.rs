//! The readers through [`parse`], on small inputs of each format.

use super::*;

const NOW: u64 = 1_800_000_000;

fn names(input: &Input) -> Vec<(&str, &str)> {
    input
        .cookies
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect()
}

#[test]
fn cookie_headers_with_and_without_the_name() {
    let input = parse("Cookie: a=1; session=\"x=y\"\n b = 2 ;;", None, None, NOW).unwrap();
    assert_eq!(input.format, Format::CookieHeader);
    assert_eq!(names(&input), [("a", "1"), ("session", "x=y"), ("b", "2")]);
}

#[test]
fn set_cookie_lines_set_replace_and_remove() {
    let text = "Set-Cookie: session=AAAA; Path=/; HttpOnly\n\
                    session.1=BBBB; Path=/\n\
                    session.2=CCCC; Max-Age=0\n\
                    session=DDDD; Path=/\n\
                    session.1=; Max-Age=0; Path=/\n\
                    garbage without equals\n";
    let input = parse(text, None, None, NOW).unwrap();
    assert_eq!(input.format, Format::SetCookie);
    assert_eq!(names(&input), [("session", "DDDD")]);
    assert_eq!(
        input.cookies[0].set_cookie.as_deref(),
        Some("session=DDDD; Path=/")
    );
    assert_eq!(input.warnings.len(), 1, "{:?}", input.warnings);
}

#[test]
fn curl_jars_with_http_only_and_expired_lines() {
    let text = "# Netscape HTTP Cookie File\n\
                    # https://curl.se/docs/http-cookies.html\n\
                    \n\
                    #HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tAAAA\n\
                    127.0.0.1\tFALSE\t/\tFALSE\t1900000000\ttheme\tdark\n\
                    127.0.0.1\tFALSE\t/\tFALSE\t1000\told\tgone\n\
                    broken\tline\n";
    let input = parse(text, None, None, NOW).unwrap();
    assert_eq!(input.format, Format::CurlJar);
    assert_eq!(names(&input), [("session", "AAAA"), ("theme", "dark")]);
    assert_eq!(input.warnings.len(), 2, "{:?}", input.warnings);
}

#[test]
fn har_entries_replay_in_order() {
    let har = r#"{"log": {"entries": [
            {"request": {"headers": [{"name": "Cookie", "value": "theme=dark"}], "cookies": []},
             "response": {"headers": [{"name": "set-cookie", "value": "session=AAAA; Path=/\nsession.1=BBBB; Path=/"}]}},
            {"request": {"headers": [], "cookies": [{"name": "session", "value": "CCCC"}, {"name": "session.1", "value": "DDDD"}]},
             "response": {"headers": [], "cookies": [{"name": "theme", "value": "light"}]}},
            {"request": {"headers": []}, "response": {"headers": [{"name": "Set-Cookie", "value": "session.1=; Max-Age=0"}]}}
        ]}}"#;
    let input = parse(har, None, None, NOW).unwrap();
    assert_eq!(input.format, Format::Har);
    assert_eq!(names(&input), [("session", "CCCC"), ("theme", "light")]);
    assert!(parse("{}", None, None, NOW).is_err());
    assert!(parse("{not json", Some(Format::Har), None, NOW).is_err());
}

#[test]
fn a_curl_jar_is_read_for_one_host_by_domain_match() {
    let text = "#HttpOnly_www.example.com\tFALSE\t/\tFALSE\t0\tsession\tAAAA\n\
                    .example.com\tTRUE\t/\tFALSE\t0\ttheme\tdark\n\
                    api.example.com\tFALSE\t/\tFALSE\t0\tsession\tBBBB\n\
                    notexample.com\tTRUE\t/\tFALSE\t0\tsession\tCCCC\n";
    let www = parse(text, None, Some("WWW.Example.com."), NOW).unwrap();
    assert_eq!(names(&www), [("session", "AAAA"), ("theme", "dark")]);
    assert_eq!(www.host.as_deref(), Some("www.example.com"));
    assert_eq!(
        www.warnings,
        ["skipped 2 cookie(s) of other domains (api.example.com, notexample.com)"]
    );
    // The domain cookie reaches the parent domain itself, a host-only
    // cookie only its own host.
    let parent = parse(text, None, Some("example.com"), NOW).unwrap();
    assert_eq!(names(&parent), [("theme", "dark")]);
    let whole = parse(text, None, None, NOW).unwrap();
    assert_eq!(whole.cookies.len(), 4);
    assert_eq!(whole.host, None);
    assert_eq!(whole.warnings.len(), 1, "{:?}", whole.warnings);
    assert!(
        whole.warnings[0].contains("of 4 domains"),
        "{:?}",
        whole.warnings
    );
}

#[test]
fn a_har_is_replayed_for_its_first_hosts_entries_or_the_one_chosen() {
    let har = r#"{"log": {"entries": [
            {"request": {"url": "https://www.example.com/", "headers": [{"name": "Cookie", "value": "theme=dark"}]},
             "response": {"headers": [{"name": "Set-Cookie", "value": "session=AAAA; Path=/"}]}},
            {"request": {"url": "https://cdn.example.net:8443/app.js", "headers": [{"name": "Cookie", "value": "session=CDN"}]},
             "response": {"headers": [{"name": "Set-Cookie", "value": "tracker=1"}]}},
            {"request": {"url": "https://WWW.example.com/api", "headers": [{"name": "Cookie", "value": "theme=dark; session=AAAA"}]},
             "response": {"headers": []}},
            {"request": {"url": "https://ads.example.org/p", "headers": [{"name": "Cookie", "value": "session=ADS"}]},
             "response": {"headers": []}}
        ]}}"#;
    let first = parse(har, None, None, NOW).unwrap();
    assert_eq!(names(&first), [("theme", "dark"), ("session", "AAAA")]);
    assert_eq!(first.host.as_deref(), Some("www.example.com"));
    assert_eq!(
        first.warnings,
        [
            "2 entries of other hosts than www.example.com (cdn.example.net, \
          ads.example.org): only their Set-Cookie headers were read; choose \
          another host with --host"
        ]
    );
    assert_eq!(first.url.as_deref(), Some("https://WWW.example.com/api"));
    // The CDN's cookies are in the jar, but not for this host.
    let left: Vec<(&str, &str)> = first
        .left_out
        .iter()
        .map(|l| (l.name.as_str(), l.why.as_str()))
        .collect();
    assert_eq!(
        left,
        [(
            "tracker",
            "a host-only cookie of cdn.example.net, not sent to www.example.com"
        )]
    );
    let cdn = parse(har, None, Some("cdn.example.net"), NOW).unwrap();
    assert_eq!(names(&cdn), [("session", "CDN"), ("tracker", "1")]);
    let none = parse(har, None, Some("elsewhere.test"), NOW).unwrap();
    assert!(none.cookies.is_empty());
    assert_eq!(none.warnings.len(), 1, "{:?}", none.warnings);
}

#[test]
fn a_har_sends_only_what_matches_each_requests_url() {
    // Login on one host sets a domain cookie, a host-only one and one for
    // /api; the app's page, then its API, are requested over https.
    let har = r#"{"log": {"entries": [
        {"request": {"url": "https://login.example.com/sso", "headers": []},
         "response": {"headers": [
            {"name": "Set-Cookie", "value": "session=AAAA; Domain=example.com; Path=/; Secure"},
            {"name": "Set-Cookie", "value": "sso=host-only; Path=/"},
            {"name": "Set-Cookie", "value": "evil=x; Domain=example.org"}]}},
        {"request": {"url": "https://www.example.com/", "headers": [{"name": "Cookie", "value": "session=AAAA; theme=dark"}]},
         "response": {"headers": [
            {"name": "Set-Cookie", "value": "api=BBBB; Path=/api"},
            {"name": "Set-Cookie", "value": "plain=1; Secure"}]}},
        {"request": {"url": "http://www.example.com/home", "headers": []},
         "response": {"headers": []}}
    ]}}"#;
    let api = parse(har, None, Some("www.example.com"), NOW).unwrap();
    assert_eq!(api.url.as_deref(), Some("http://www.example.com/home"));
    // Over plain http to /home: not the Secure ones, not /api's.
    assert_eq!(names(&api), [("theme", "dark")]);
    let left: Vec<(&str, &str)> = api
        .left_out
        .iter()
        .map(|l| (l.name.as_str(), l.why.as_str()))
        .collect();
    assert_eq!(
        left,
        [
            (
                "sso",
                "a host-only cookie of login.example.com, not sent to www.example.com"
            ),
            ("session", "Secure, and the request is plain http"),
            ("api", "its Path=/api does not match /home"),
            ("plain", "Secure, and the request is plain http"),
        ]
    );
    assert_eq!(
        api.warnings,
        [
            "entry 0: a Set-Cookie skipped: cookie \"evil\": Domain=example.org is not \
             login.example.com or a parent of it",
            "1 entries of other hosts than www.example.com (login.example.com): only their \
             Set-Cookie headers were read; choose another host with --host"
        ]
    );
    // The same HAR read for the login host: its own and the domain cookie.
    let login = parse(har, None, Some("login.example.com"), NOW).unwrap();
    assert_eq!(names(&login), [("session", "AAAA"), ("sso", "host-only")]);
}

#[test]
fn hars_of_odd_urls_and_attributes_never_panic() {
    let urls = [
        "https://a.example.com/x/y",
        "http://[::1]:8080/",
        "http://127.0.0.1",
        "https://é.example/ü",
        "ftp://x/",
        "/relative",
        "",
        "https://example.com/🍪/",
        "http://a..b/",
    ];
    let lines = [
        "a=1; Domain=.example.com",
        "a=1; Domain=é",
        "a=1; Path=🍪",
        "b=2; Path=/x/; Secure",
        "c=; Max-Age=0; Domain=example.com; Path=/x",
        "=nameless; Domain=.",
        "d=\"q\"; Domain=[::1]",
        "e=1; Domain=com.; Path=/",
    ];
    for (i, url) in urls.iter().enumerate() {
        for (j, line) in lines.iter().enumerate() {
            let har = serde_json::json!({"log": {"entries": [
                {"request": {"url": url, "headers": [{"name": "Cookie", "value": line}]},
                 "response": {"headers": [{"name": "Set-Cookie", "value": line}]}},
                {"request": {"url": urls[(i + j) % urls.len()], "headers": []},
                 "response": {"headers": [{"name": "Set-Cookie", "value": lines[(i * j) % lines.len()]}]}}
            ]}})
            .to_string();
            for host in [None, Some("a.example.com"), Some("127.0.0.1"), Some("")] {
                let input = parse(&har, None, host, NOW).unwrap();
                // The URL read for is one of the host's, or its root.
                if let Some(url) = &input.url {
                    assert!(
                        urls.contains(&url.as_str()) || url.starts_with("https://"),
                        "{url}"
                    );
                }
            }
        }
    }
}
