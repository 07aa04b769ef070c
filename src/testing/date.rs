//! The `Expires` date as browsers read it: RFC 6265 section 5.1.1, which
//! accepts the formats servers really send (RFC 1123, RFC 850, asctime and
//! their variants) by picking a time, a day, a month and a year out of the
//! tokens in any order.

/// The Unix time of a cookie date, or `None` when the text is not one (the
/// attribute is then ignored, as browsers do).
pub(crate) fn parse_cookie_date(text: &str) -> Option<i64> {
    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in text.split(is_delimiter).filter(|t| !t.is_empty()) {
        let token = token.as_bytes();
        if time.is_none() {
            if let Some(t) = hms(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some(d) = digits(token, 1, 2) {
                day = Some(d);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = month_of(token) {
                month = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some(y) = digits(token, 2, 4) {
                year = Some(y);
            }
        }
    }
    let (hour, minute, second) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, i64::from(day));
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// `%x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E`.
fn is_delimiter(c: char) -> bool {
    matches!(c, '\t' | ' '..='/' | ';'..='@' | '['..='`' | '{'..='~')
}

/// `min` to `max` digits, then the end or a non-digit and anything.
fn digits(token: &[u8], min: usize, max: usize) -> Option<u32> {
    let n = token.iter().take_while(|b| b.is_ascii_digit()).count();
    if n < min || n > max {
        return None;
    }
    Some(
        token[..n]
            .iter()
            .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

/// `hh:mm:ss` with one or two digits each, then the end or a non-digit.
fn hms(token: &[u8]) -> Option<(u32, u32, u32)> {
    let mut fields = [0u32; 3];
    let mut rest = token;
    for (i, field) in fields.iter_mut().enumerate() {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=2).contains(&n) {
            return None;
        }
        *field = digits(rest, 1, 2)?;
        rest = &rest[n..];
        if i < 2 {
            rest = rest.strip_prefix(b":")?;
        }
    }
    Some((fields[0], fields[1], fields[2]))
}

/// The month whose first three letters start the token, 1 to 12.
fn month_of(token: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let head = token.get(..3)?;
    (1..=12u32)
        .zip(MONTHS)
        .find(|(_, m)| head.eq_ignore_ascii_case(&m[..]))
        .map(|(i, _)| i)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: i64) -> i64 {
    let month = i64::from(month);
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_formats_servers_send() {
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        for text in [
            "Tue, 14 Nov 2023 22:13:20 GMT",
            "Tuesday, 14-Nov-23 22:13:20 GMT",
            "Tue Nov 14 22:13:20 2023",
            "14 nov 2023 22:13:20",
            "Tue, 14-Nov-2023 22:13:20 UTC",
        ] {
            assert_eq!(parse_cookie_date(text), Some(1_700_000_000), "{text}");
        }
        // Tokens that are none of the four are skipped.
        assert_eq!(
            parse_cookie_date("\u{1F600} 14 Nov 2023 10:00:00 (local)"),
            Some(1_699_956_000)
        );
        assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_cookie_date("Sat, 01 Jan 1601 00:00:00 GMT"),
            Some(-11_644_473_600)
        );
        assert_eq!(
            parse_cookie_date("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400)
        );
    }

    #[test]
    fn dates_that_are_not_dates() {
        for text in [
            "",
            "tomorrow",
            "Tue, 14 Nov 2023",
            "14 Nov 2023 24:00:00",
            "31 Nov 2023 10:00:00",
            "29 Feb 2023 10:00:00",
            "14 Nov 1600 10:00:00",
            "14 Nov 123456 10:00:00",
            "0 Nov 2023 10:00:00",
            "14 Nov 2023 1:2",
            "14 Nov 2023 111:00:00",
        ] {
            assert_eq!(parse_cookie_date(text), None, "{text:?}");
        }
    }
}
