//! Real User-Agent strings mapped to the bundled limits entry they must get.

use cookietin::identify;
use cookietin::LimitsDb;

/// (user agent, expected entry id, what it is)
const CASES: &[(&str, &str, &str)] = &[
    // --- Chromium family -------------------------------------------------
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "chromium", "Chrome 124 Windows (also Brave, which sends the Chrome header)"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "chromium", "Chrome 124 macOS"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "chromium", "Chrome 124 Linux"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "chromium", "Chrome OS"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", "chromium", "Chrome 124 Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51", "chromium", "Edge 124 Windows"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.50", "chromium", "Edge Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0", "chromium", "Opera 110 desktop"),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 OPR/81.1.4292.78446", "chromium", "Opera Android (own version 81, Chromium 124)"),
    ("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", "chromium", "Samsung Internet 24 (Chromium 117)"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Vivaldi/6.7.3329.21", "chromium", "Vivaldi 6.7 (Chromium 124)"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 YaBrowser/24.4.0.0 Safari/537.36", "chromium", "Yandex Browser 24 (Chromium 122)"),
    ("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36", "chromium", "Android WebView (wv) 124"),
    ("Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.118 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/458.0.0.54.108;]", "chromium", "Facebook in-app WebView Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36", "chromium", "headless Chrome"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.38.125 Chrome/124.0.6367.60 Electron/30.0.0 Safari/537.36", "chromium", "Electron app"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/101.0.4951.41 Safari/537.36", "chromium", "Chrome 101, first name+value version in the database"),
    // Chromium before the name+value rule counted the whole Set-Cookie line.
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.212 Safari/537.36", "chromium-legacy", "Chrome 90"),
    ("Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/30.0.0.0 Mobile Safari/537.36", "chromium-legacy", "Android 4.4 WebView (Chromium 30)"),
    ("Mozilla/5.0 (Linux; Android 7.0; SAMSUNG SM-G930F Build/NRD90M) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/7.2 Chrome/59.0.3071.125 Mobile Safari/537.36", "chromium-legacy", "Samsung Internet 7.2 (Chromium 59)"),
    ("Mozilla/5.0 (Linux; U; Android 6.0.1; zh-CN; F5121 Build/34.0.A.1.247) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/40.0.2214.89 UCBrowser/11.5.1.944 Mobile Safari/537.36", "chromium-legacy", "UC Browser (Chromium 40)"),
    ("Mozilla/5.0 (Linux; U; Android 4.0.4; en-us; Galaxy Nexus Build/IMM76B) AppleWebKit/535.19 (KHTML, like Gecko) CrMo/18.0.1025.166 Mobile Safari/535.19", "chromium-legacy", "Chrome 18 for Android (CrMo)"),
    // --- Firefox -----------------------------------------------------------
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", "firefox", "Firefox 125 Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0", "firefox", "Firefox 125 macOS"),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "firefox", "Firefox 125 Ubuntu"),
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0", "firefox", "Firefox ESR 115 Windows 7"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", "firefox", "Firefox Android phone"),
    ("Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0", "firefox", "Firefox Android tablet"),
    // --- Safari and everything on iOS / iPadOS ----------------------------
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", "safari", "Safari 17 macOS (also iPadOS 13+ in desktop mode: same header)"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)", "safari", "WKWebView in a macOS app"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1", "safari-ios", "Safari iPhone"),
    ("Mozilla/5.0 (iPad; CPU OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1", "safari-ios", "Safari iPad (iOS 12, mobile header)"),
    ("Mozilla/5.0 (iPod touch; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6.1 Mobile/15E148 Safari/604.1", "safari-ios", "iPod touch"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "safari-ios", "Chrome on iPhone"),
    ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "safari-ios", "Chrome on iPad"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15", "safari-ios", "Firefox on iPhone"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.50 Mobile/15E148 Safari/605.1.15", "safari-ios", "Edge on iPhone"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/311.0.622389237 Mobile/15E148 Safari/604.1", "safari-ios", "Google app on iPhone"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21E236 [FBAN/FBIOS;FBAV/460.0.0.35.108;FBBV/589478405;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/80]", "safari-ios", "Facebook in-app browser iOS"),
    // --- Internet Explorer and EdgeHTML -----------------------------------
    ("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "ie", "IE 11 Windows 10"),
    ("Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "ie", "IE 11 Windows 7"),
    ("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E)", "ie", "IE 11 in compatibility view (claims MSIE 7.0)"),
    ("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)", "ie", "IE 10"),
    ("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)", "ie", "IE 9"),
    ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2; .NET CLR 2.0.50727)", "ie", "IE 8"),
    ("Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)", "ie", "IE Mobile 10"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041", "ie", "EdgeHTML 18 (pre-Chromium Edge)"),
    ("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)", "ie-legacy", "IE 7"),
    ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", "ie-legacy", "IE 6"),
    // --- Old Android stock browser ----------------------------------------
    ("Mozilla/5.0 (Linux; U; Android 2.3.6; en-us; Nexus S Build/GRK39F) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1", "android-browser", "Android 2.3 stock browser"),
    ("Mozilla/5.0 (Linux; U; Android 2.1-update1; en-us; Droid Build/ESE81) AppleWebKit/530.17 (KHTML, like Gecko) Version/4.0 Mobile Safari/530.17", "android-browser", "Android 2.1 stock browser"),
    ("Mozilla/5.0 (Linux; U; Android 4.0.4; en-us; Galaxy Nexus Build/IMM76B) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30", "android-browser-4", "Android 4.0 stock browser"),
    ("Mozilla/5.0 (Linux; U; Android 4.1.2; en-gb; GT-I9300 Build/JZO54K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30", "android-browser-4", "Android 4.1 stock browser"),
    // --- HTTP clients with an entry of their own ---------------------------
    ("curl/8.5.0", "curl", "curl 8.5 (Cookie header counted alone since 8.2.0)"),
    ("curl/8.2.0", "curl", "curl 8.2.0, the first to count the Cookie field alone"),
    ("curl/8.1.2", "curl-legacy", "curl 8.1 (counted the whole request head)"),
    ("curl/7.88.1", "curl-legacy", "curl 7.88 (Debian 12)"),
    ("curl/7.68.0", "curl-legacy", "curl before the 7.84 cap"),
    ("python-requests/2.32.3", "python-requests", "python-requests"),
    ("python-requests/2.31.0", "python-requests", "python-requests 2.31"),
    ("python-httpx/0.27.0", "python-httpx", "httpx"),
    ("Go-http-client/1.1", "go-net-http", "Go net/http over HTTP/1.1"),
    ("Go-http-client/2.0", "go-net-http", "Go net/http over HTTP/2"),
    ("okhttp/4.12.0", "okhttp", "OkHttp"),
    ("node", "undici", "Node's fetch"),
    ("undici", "undici", "undici's fetch from npm"),
    // --- Robots, other tools, garbage --------------------------------------
    ("Wget/1.21.4", "default", "wget"),
    ("Python-urllib/3.11", "default", "urllib"),
    ("MyApp/1.0 CFNetwork/1410.0.3 Darwin/22.6.0", "default", "native Apple app (not a browser)"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "default", "Googlebot"),
    ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "default", "Googlebot smartphone"),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "default", "Bingbot"),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", "default", "Bingbot (Chromium based)"),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "default", "YandexBot"),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "default", "GPTBot"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 8_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12B410 Safari/600.1.4 (Applebot/0.1; +http://www.apple.com/go/applebot)", "default", "Applebot (woothee calls it Safari)"),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "default", "Facebook crawler"),
    ("Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16", "default", "Opera Mini (proxy browser, Presto)"),
    ("Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18", "default", "Opera 12 Presto"),
    ("", "default", "empty"),
    ("-", "default", "dash"),
    ("   ", "default", "blank"),
    ("asdfghjkl", "default", "garbage"),
    ("Mozilla/5.0", "default", "bare Mozilla"),
    ("Mozilla/5.0 (compatible)", "default", "bare compatible"),
    ("日本語のユーザーエージェント 🍪", "default", "non-ASCII"),
    ("Mozilla/5.0 (\u{0}\u{7f}; ;;;) ((( )))", "default", "control characters and unbalanced parentheses"),
];

#[test]
fn bundled_lookup_matches_expected_entry_for_real_user_agents() {
    assert!(CASES.len() >= 45);
    let db = LimitsDb::bundled();
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|&(ua, want, what)| {
            let id = identify(ua);
            let got = &db.lookup(&id).id;
            (got != want).then(|| format!("{what}: want {want}, got {got} from {id:?}\n    {ua}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_bundled_entry_is_reached_by_some_user_agent() {
    let db = LimitsDb::bundled();
    for entry in db.entries() {
        assert!(
            CASES.iter().any(|&(_, want, _)| want == entry.id),
            "no test user agent reaches {}",
            entry.id
        );
    }
}

#[test]
fn http_clients_resolve_to_their_own_entries_and_caps() {
    let db = LimitsDb::bundled();
    // (user agent, entry, Cookie header cap)
    let clients = [
        ("curl/8.5.0", "curl", Some(8181)),
        ("curl/7.88.1", "curl-legacy", Some(7165)),
        ("python-requests/2.32.3", "python-requests", None),
        ("python-httpx/0.27.0", "python-httpx", None),
        ("Go-http-client/1.1", "go-net-http", None),
        ("okhttp/4.12.0", "okhttp", None),
        ("node", "undici", None),
        ("undici", "undici", None),
    ];
    for (ua, want, cap) in clients {
        let id = identify(ua);
        let limits = db.lookup(&id);
        assert_eq!(limits.id, want, "{ua}: {id:?}");
        assert_eq!(limits.max_cookie_header_bytes, cap, "{ua}");
        // Each cites the file its figures come from.
        let cited = [".c ", ".h ", ".py", ".go", ".kt", ".js"];
        assert!(
            cited.iter().any(|f| limits.source.contains(f)),
            "{ua}: {}",
            limits.source
        );
    }
    // No browser caps what it sends.
    for entry in db.entries().iter().filter(|e| {
        [
            "chromium",
            "firefox",
            "safari",
            "ie",
            "android-browser",
            "default",
        ]
        .contains(&e.browser.as_str())
    }) {
        assert_eq!(entry.max_cookie_header_bytes, None, "{}", entry.id);
    }
}

#[test]
fn browsers_on_ios_are_webkit_whatever_their_name() {
    for (ua, name) in [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "Chrome"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15", "Firefox"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.50 Mobile/15E148 Safari/605.1.15", "Edge"),
        ("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", "Chrome"),
    ] {
        let id = identify(ua);
        assert_eq!((id.browser, id.platform), ("safari", Some("ios")), "{ua}");
        assert_eq!(id.name, name);
        assert!(id.version.as_deref().unwrap().starts_with("17.4"), "{id:?}");
    }
}

#[test]
fn versions_are_normalized_and_engine_based() {
    let v = |ua: &str| identify(ua).version;
    // Opera, Samsung and Edge report their own versions; the Chrome/ token counts.
    assert_eq!(
        v("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36").as_deref(),
        Some("117.0.0.0")
    );
    assert_eq!(
        v("Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36").as_deref(),
        Some("124.0.6367.82")
    );
    assert_eq!(
        v("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E)").as_deref(),
        Some("11")
    );
    assert_eq!(
        v("Mozilla/5.0 (Linux; U; Android 2.1-update1; en-us; Droid Build/ESE81) AppleWebKit/530.17 (KHTML, like Gecko) Version/4.0 Mobile Safari/530.17").as_deref(),
        Some("2.1")
    );
    assert_eq!(
        v("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0").as_deref(),
        Some("125.0")
    );
    assert_eq!(v("curl/8.5.0").as_deref(), Some("8.5.0"));
    assert_eq!(v("Go-http-client/1.1"), None, "the HTTP version, not Go's");

    let id = identify("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15");
    assert_eq!(
        (id.browser, id.platform, id.version.as_deref()),
        ("safari", Some("macos"), Some("17.4.1"))
    );
    assert_eq!((id.name.as_str(), id.os.as_str()), ("Safari", "Mac OSX"));

    let id = identify("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51");
    assert_eq!((id.browser, id.platform), ("chromium", Some("windows")));
    assert_eq!(id.name, "Edge");

    let id = identify("");
    assert_eq!(
        (id.browser, id.platform, id.version),
        ("default", None, None)
    );
    assert_eq!((id.name.as_str(), id.os.as_str()), ("UNKNOWN", "UNKNOWN"));
}

#[test]
fn identify_never_panics() {
    let db = LimitsDb::bundled();
    let mut inputs: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    // Very long inputs, with the interesting part past the examined prefix.
    inputs.push("A".repeat(1 << 20));
    inputs.push(format!("{} Chrome/124.0", "x".repeat(100_000)));
    inputs.push(format!(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) {}",
        "é".repeat(50_000)
    ));
    inputs.push("🍪".repeat(10_000));
    inputs.push(format!("Chrome/{}", "9".repeat(10_000)));
    inputs.push(format!("Chrome/{}", "1.".repeat(10_000)));
    inputs.push("MSIE Trident/99999999999999999999; rv:".to_string());
    inputs.push("Trident/4294967295.0; MSIE ; Edge/".to_string());
    // Every prefix of a few real strings (cuts mid-token).
    for &(ua, _, _) in CASES.iter().take(12) {
        for (i, _) in ua.char_indices() {
            inputs.push(ua[..i].to_string());
        }
    }
    // Pseudo-random mixes of user agent fragments and arbitrary characters.
    let fragments = [
        "Mozilla/5.0 (",
        "iPhone; ",
        "CPU iPhone OS 17_4 like Mac OS X",
        "Android 4.",
        "Linux; U; ",
        "Windows NT 10.0",
        "Trident/7.0",
        "MSIE 9.0;",
        "rv:11.0",
        "Chrome/",
        "CriOS/",
        "Edge/",
        "Edg/",
        "Firefox/",
        "Version/",
        "Safari/",
        "AppleWebKit/",
        "wv",
        "Opera",
        "OPR/",
        "bot",
        ") ",
        ";",
        ".",
        "1",
        "99",
        "日本",
        "\u{0}",
        "\u{feff}",
        "Mac OS X 10_",
        "KDDI-",
        "DoCoMo/",
        "BB10",
        "PlayStation 4 ",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut s = String::new();
        for _ in 0..(next() % 12) {
            let r = next();
            if r % 5 == 0 {
                s.push(char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('\u{fffd}'));
            } else {
                s.push_str(fragments[(r >> 8) as usize % fragments.len()]);
            }
        }
        inputs.push(s);
    }
    for ua in &inputs {
        let id = identify(ua);
        let limits = db.lookup(&id);
        assert!(limits.max_cookie_bytes > 0);
        if let Some(v) = &id.version {
            assert!(
                !v.is_empty()
                    && v.split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                "bad version {v:?} for {ua:?}"
            );
        }
    }
}
