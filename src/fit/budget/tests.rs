//! Unit tests of the budget: each limit binding in turn, the run-skipping
//! measure against a walk of every chunk, and plans that fit exactly.

use super::*;

fn chromium() -> BrowserLimits {
    BrowserLimits {
        id: "chromium".into(),
        browser: "chromium".into(),
        platform: None,
        min_version: None,
        max_cookie_bytes: 4096,
        counts: Counted::NameValue,
        max_attribute_bytes: 1024,
        max_cookies_per_site: 180,
        purge_to: 150,
        max_cookies_total: 3300,
        max_cookie_header_bytes: None,
        partition: None,
        source: "test".into(),
    }
}

fn config(header: Option<usize>) -> BudgetConfig {
    BudgetConfig {
        header_budget: header,
        header_limit: header,
        max_cookie_bytes: None,
        max_chunks: None,
        reserved_cookies: 0,
        response_budget: None,
        line_overhead: 40,
        removal_overhead: 80,
        partitioned: false,
    }
}

fn partitioned(header: Option<usize>) -> BudgetConfig {
    BudgetConfig {
        partitioned: true,
        ..config(header)
    }
}

#[test]
fn header_budget_binds_and_plans_fit_it_exactly() {
    let b = Budget::new(
        "sid",
        &chromium(),
        &config(Some(8182)),
        3,
        100,
        &IndexSet::default(),
    );
    assert_eq!(b.binding, Binding::HeaderBytes);
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(b.header_bytes_of("sid", &lens) + 100, 8182);
    assert!(b.plan("sid", b.capacity + 1).is_none());
}

#[test]
fn the_clients_own_cap_binds_under_a_larger_header_budget() {
    // curl sends at most 8181 bytes of Cookie value whole; behind a proxy
    // raised to 16374, the budget is 15360, and curl's cap binds.
    let mut curl = chromium();
    curl.max_cookie_header_bytes = Some(8181);
    let raised = BudgetConfig {
        header_limit: Some(16374),
        ..config(Some(15360))
    };
    let b = Budget::new("sid", &curl, &raised, 3, 100, &IndexSet::default());
    assert_eq!(b.binding, Binding::ClientHeaderBytes);
    assert_eq!(
        (b.header_bytes, b.client_header_bytes),
        (Some(15260), Some(8081))
    );
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(b.header_bytes_of("sid", &lens) + 100, 8181);
    assert!(b.plan("sid", b.capacity + 1).is_none());
    // Under the default budget the server's is the smaller, and binds.
    let b = Budget::new(
        "sid",
        &curl,
        &config(Some(7168)),
        3,
        100,
        &IndexSet::default(),
    );
    assert_eq!(b.binding, Binding::HeaderBytes);
    // With no server limit at all, the client's cap still holds.
    let b = Budget::new("sid", &curl, &config(None), 0, 0, &IndexSet::default());
    assert_eq!(b.binding, Binding::ClientHeaderBytes);
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(b.header_bytes_of("sid", &lens), 8181);
}

#[test]
fn a_request_over_the_clients_cap_needs_a_refit() {
    let mut curl = chromium();
    curl.max_cookie_header_bytes = Some(8181);
    let config = BudgetConfig {
        header_limit: Some(16374),
        ..config(Some(15360))
    };
    assert!(!config.needs_refit(&curl, 8181, (3, 100), 2));
    assert!(config.needs_refit(&curl, 8182, (3, 100), 2));
    assert!(!config.needs_refit(&chromium(), 8182, (3, 100), 2));
}

#[test]
fn count_binds_without_a_header_budget() {
    let b = Budget::new(
        "sid",
        &chromium(),
        &config(None),
        175,
        100,
        &IndexSet::default(),
    );
    assert_eq!((b.cookies, b.binding), (5, Binding::CookieCount));
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(lens.len(), 5);
    assert_eq!(lens[0], 4092);
    assert_eq!(lens[1], 4096 - "sid.1".len() - 3);
    assert!(lens
        .iter()
        .enumerate()
        .all(|(i, l)| l + chunk_name_len("sid", i) <= 4096));
}

#[test]
fn one_cookie_left_binds_per_cookie() {
    let b = Budget::new(
        "sid",
        &chromium(),
        &config(None),
        179,
        100,
        &IndexSet::default(),
    );
    assert_eq!(
        (b.cookies, b.binding, b.capacity),
        (1, Binding::PerCookie, 4093)
    );
}

#[test]
fn line_counting_browsers_pay_for_attributes() {
    let mut limits = chromium();
    limits.counts = Counted::Line;
    let b = Budget::new("sid", &limits, &config(None), 0, 0, &IndexSet::default());
    assert_eq!(b.plan("sid", 5000).unwrap()[0], (4096 - 41 - 3) / 4 * 4);
}

#[test]
fn response_budget_binds_and_reserves_removals() {
    let mut seen = IndexSet::default();
    (0..3).for_each(|i| seen.insert(i));
    let config = BudgetConfig {
        response_budget: Some(3000),
        ..config(None)
    };
    let b = Budget::new("sid", &chromium(), &config, 0, 0, &seen);
    let removals = 2 * (SET_COOKIE_LINE + "sid.1".len() + 1 + 80);
    assert_eq!(b.response_bytes, Some(3000 - removals));
    assert_eq!(b.binding, Binding::ResponseBytes);
    let first_line = SET_COOKIE_LINE + "sid".len() + 1 + 40;
    assert_eq!(b.capacity, 3000 - removals - first_line);
}

/// The capacity by walking every chunk, as the budget once did.
fn capacity_by_walking(b: &Budget, name: &str) -> usize {
    let mut left = [
        b.header_lane().0,
        b.response_bytes.unwrap_or(usize::MAX),
        b.partition_bytes.unwrap_or(usize::MAX),
    ];
    let mut total = 0;
    for index in 0..b.cookies {
        let room = b.chunk_room(name, index);
        let fixed = [
            b.header_cost(name, index),
            b.response_cost(name, index),
            b.partition_cost(name, index),
        ];
        let limit = left
            .iter()
            .zip(fixed)
            .map(|(l, c)| l.saturating_sub(c))
            .fold(room, usize::min);
        if limit < room || index + 1 == b.cookies {
            return total + limit;
        }
        let full = room - room % 4;
        total += full;
        for (l, c) in left.iter_mut().zip(fixed) {
            *l = l.saturating_sub(c + full);
        }
    }
    total
}

#[test]
fn skipping_runs_of_chunks_measures_what_walking_every_chunk_does() {
    let mut seen = IndexSet::default();
    (0..12).for_each(|i| seen.insert(i));
    for per_site in [1, 2, 9, 10, 11, 50, 100, 101, 180, 255] {
        for header in [
            None,
            Some(0),
            Some(40),
            Some(4000),
            Some(7168),
            Some(40_000),
            Some(65536),
            Some(1 << 20),
        ] {
            for response in [None, Some(3000), Some(100_000)] {
                for others in [0, 1, 3] {
                    let mut limits = chromium();
                    limits.max_cookies_per_site = per_site;
                    let config = BudgetConfig {
                        response_budget: response,
                        ..config(header)
                    };
                    let b = Budget::new("sid", &limits, &config, others, others * 20, &seen);
                    if b.cookies > 0 && b.chunk_room("sid", 0) < encoded_len(HEADER_LEN) {
                        continue;
                    }
                    assert_eq!(
                        b.capacity,
                        capacity_by_walking(&b, "sid"),
                        "{per_site} per site, header {header:?}, response {response:?}, {others} others"
                    );
                    if b.capacity > 0 {
                        assert!(b.plan("sid", b.capacity).is_some(), "{b:?}");
                    }
                    assert!(b.plan("sid", b.capacity + 1).is_none());
                }
            }
        }
    }
}

#[test]
fn no_room_means_no_plan() {
    let b = Budget::new(
        "sid",
        &chromium(),
        &config(Some(50)),
        0,
        0,
        &IndexSet::default(),
    );
    assert_eq!(b.capacity, 50 - 4);
    assert!(b.plan("sid", 47).is_none());
    let full = Budget::new(
        "sid",
        &chromium(),
        &config(None),
        180,
        0,
        &IndexSet::default(),
    );
    assert_eq!(full.capacity, 0);
}

fn partitioned_chromium() -> BrowserLimits {
    BrowserLimits {
        partition: Some(PartitionLimits {
            max_bytes: 10240,
            max_cookies: 180,
            counts: Counted::NameValue,
        }),
        ..chromium()
    }
}

/// The partition bytes (name + value) of chunks of these lengths.
fn partition_bytes_of(name: &str, lens: &[usize]) -> usize {
    lens.iter()
        .enumerate()
        .map(|(i, len)| chunk_name_len(name, i) + len)
        .sum()
}

#[test]
fn partition_bytes_bind_a_partitioned_session_and_plans_fit_them_exactly() {
    let limits = partitioned_chromium();
    let none = IndexSet::default();
    let b = Budget::new("sid", &limits, &partitioned(None), 0, 0, &none);
    assert!(b.partitioned);
    assert_eq!(
        (b.partition_bytes, b.binding),
        (Some(10240), Binding::PartitionBytes)
    );
    // sid: 4093 characters rounded down to 4092, sid.1: 4091 rounded down
    // to 4088, and sid.2 what is left of 10240 after the three names.
    assert_eq!(b.capacity, 4092 + 4088 + (10240 - 3 - 4092 - 5 - 4088 - 5));
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(lens, [4092, 4088, 2047]);
    assert_eq!(partition_bytes_of("sid", &lens), 10240);
    assert!(b.plan("sid", b.capacity + 1).is_none());

    // Other cookies count against the partition too: three pairs of 32
    // bytes take 100 header bytes with their separators, and 96 of the
    // partition's (their `=` counted, to be safe).
    let b = Budget::new("sid", &limits, &partitioned(None), 3, 100, &none);
    assert_eq!(b.partition_bytes, Some(10240 - 96));
    let lens = b.plan("sid", b.capacity).unwrap();
    assert_eq!(partition_bytes_of("sid", &lens) + 96, 10240);

    // The header budget still binds when it is the smaller.
    let b = Budget::new("sid", &limits, &partitioned(Some(7168)), 3, 100, &none);
    assert_eq!(b.binding, Binding::HeaderBytes);
}

#[test]
fn partition_cookies_bind_when_fewer_than_the_sites() {
    let mut limits = partitioned_chromium();
    limits.partition = Some(PartitionLimits {
        max_bytes: 1 << 20,
        max_cookies: 5,
        counts: Counted::NameValue,
    });
    let none = IndexSet::default();
    let b = Budget::new("sid", &limits, &partitioned(None), 2, 40, &none);
    assert_eq!((b.cookies, b.binding), (3, Binding::PartitionCookies));
    assert_eq!(b.plan("sid", b.capacity).unwrap().len(), 3);
    // Reserved cookies come off the partition's count as off the site's.
    let reserved = BudgetConfig {
        reserved_cookies: 1,
        ..config(None)
    };
    let b = Budget::new(
        "sid",
        &limits,
        &BudgetConfig {
            partitioned: true,
            ..reserved
        },
        2,
        40,
        &none,
    );
    assert_eq!((b.cookies, b.binding), (2, Binding::PartitionCookies));
    // One cookie left is still the per-cookie limit.
    let b = Budget::new("sid", &limits, &partitioned(None), 4, 40, &none);
    assert_eq!((b.cookies, b.binding), (1, Binding::PerCookie));
    let b = Budget::new("sid", &limits, &partitioned(None), 5, 40, &none);
    assert_eq!((b.cookies, b.capacity), (0, 0));
}

#[test]
fn partition_limits_apply_only_to_a_partitioned_session_with_known_limits() {
    let none = IndexSet::default();
    let limits = partitioned_chromium();
    let off = Budget::new("sid", &limits, &config(None), 3, 100, &none);
    let plain = Budget::new("sid", &chromium(), &config(None), 3, 100, &none);
    assert!(!off.partitioned);
    assert_eq!(off.partition_bytes, None);
    assert_eq!((off.capacity, off.binding), (plain.capacity, plain.binding));
    assert_eq!(
        Budget::new("sid", &limits, &config(None), 3, 100, &none),
        off
    );
    // Partitioned, for a browser without known partition limits: only the
    // site's limits.
    let unknown = Budget::new("sid", &chromium(), &partitioned(None), 3, 100, &none);
    assert!(unknown.partitioned);
    assert_eq!(unknown.partition_bytes, None);
    assert_eq!(
        (unknown.capacity, unknown.binding),
        (plain.capacity, plain.binding)
    );
}

#[test]
fn a_request_over_the_partitions_limits_needs_a_refit_when_partitioned() {
    let limits = partitioned_chromium();
    let config = config(None);
    let partitioned_config = partitioned(None);
    // Three chunks of 4000 and two others: 12,000-odd bytes, over 10240.
    let header = 3 * 4005 + 2 * 20 + 4 * 2;
    assert!(partitioned_config.needs_refit(&limits, header, (2, 40), 3));
    assert!(!config.needs_refit(&limits, header, (2, 40), 3));
    // Within the partition: 10,240 bytes of pairs exactly.
    let within = 10240 + 2 * 4;
    assert!(!partitioned_config.needs_refit(&limits, within, (2, 40), 3));
    assert!(partitioned_config.needs_refit(&limits, within + 1, (2, 40), 3));
    // Other cookies alone over the partition: nothing a refit can help.
    assert!(!partitioned_config.needs_refit(&limits, 20_000, (3, 12_000), 1));
}

/// `fits` answers as `plan` does, for every length up to past the
/// capacity, under each kind of binding.
#[test]
fn fits_agrees_with_plan() {
    let budgets = [
        (config(Some(8182)), 3, 100),
        (config(None), 175, 100),
        (config(Some(600)), 0, 0),
        (partitioned(Some(8182)), 1, 10),
    ];
    for (config, others, other_bytes) in budgets {
        let b = Budget::new(
            "sid",
            &chromium(),
            &config,
            others,
            other_bytes,
            &IndexSet::default(),
        );
        for len in (0..=b.capacity + 9).chain([b.capacity + 4096]) {
            assert_eq!(
                b.fits("sid", len),
                b.plan("sid", len).is_some(),
                "len {len}"
            );
        }
        assert!(b.fits("sid", b.capacity) || b.capacity == 0);
    }
}
