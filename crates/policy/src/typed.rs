//! Typed condition values: IP ranges, dates, numbers, booleans. Parsed once when a policy is
//! compiled, and again (without allocating) when a request supplies a key as text.

use std::net::IpAddr;

/// An IPv4 or IPv6 range in CIDR form. An address without a prefix is a single host
/// ("If you specify an IP address without the associated routing prefix, IAM uses the default
/// prefix value of /32"; /128 for IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cidr {
    V4 { net: u32, mask: u32 },
    V6 { net: u128, mask: u128 },
}

impl Cidr {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
                    return None;
                }
                (a, Some(p.parse::<u32>().ok()?))
            }
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let len = prefix.unwrap_or(32);
                if len > 32 {
                    return None;
                }
                let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                Some(Cidr::V4 {
                    net: u32::from(a) & mask,
                    mask,
                })
            }
            IpAddr::V6(a) => {
                let len = prefix.unwrap_or(128);
                if len > 128 {
                    return None;
                }
                let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
                Some(Cidr::V6 {
                    net: u128::from(a) & mask,
                    mask,
                })
            }
        }
    }

    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket reports for an
    /// IPv4 client) is compared as the IPv4 address it carries.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self, ip) {
            (Cidr::V4 { net, mask }, IpAddr::V4(a)) => u32::from(a) & mask == *net,
            (Cidr::V6 { net, mask }, IpAddr::V6(a)) => u128::from(a) & mask == *net,
            _ => false,
        }
    }
}

/// `true`/`false`, in any case (IAM stores `"Bool": {"k": true}` as the string `"true"`).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Integer or decimal ("Numeric condition operators … comparing a key to an integer or decimal
/// value"); NaN and infinities are not numbers here.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn digits(s: &str, min: usize, max: usize) -> Option<i64> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date/time as nanoseconds since the Unix epoch.
///
/// "You must specify date/time values with one of the W3C implementations of the ISO 8601 date
/// formats or in epoch (UNIX) time": `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm`,
/// `YYYY-MM-DDThh:mm:ss`, with an optional fraction of a second and a zone designator (`Z`,
/// `±hh:mm`; none means UTC). Text without `T` or `-` is epoch seconds, as IAM reads it (so
/// `"2024"` is a second in 1970, not a year).
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    const NANOS: i128 = 1_000_000_000;
    if !s.bytes().any(|b| b == b'-' || b == b'T' || b == b't') {
        return Some(i128::from(digits(s, 1, 19)?) * NANOS);
    }
    let (date, time) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-');
    let year = digits(parts.next()?, 4, 4)?;
    let month = parts.next().map_or(Some(1), |m| digits(m, 2, 2))?;
    let day = parts.next().map_or(Some(1), |d| digits(d, 2, 2))?;
    // Validates the day of the month (leap years included).
    jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    let (mut hour, mut minute, mut second, mut nano, mut offset) = (0i64, 0i64, 0i64, 0i64, 0i64);
    if let Some(time) = time {
        // The zone designator: `Z`, or a sign followed by hh:mm (or hhmm, or hh).
        let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => (&time[..i], Some(&time[i..])),
            None => (time, None),
        };
        if let Some(zone) = zone {
            if !zone.eq_ignore_ascii_case("z") {
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                let z = &zone[1..];
                let (h, m) = match z.len() {
                    2 => (digits(z, 2, 2)?, 0),
                    4 => (digits(&z[..2], 2, 2)?, digits(&z[2..], 2, 2)?),
                    5 if z.as_bytes()[2] == b':' => {
                        (digits(&z[..2], 2, 2)?, digits(&z[3..], 2, 2)?)
                    }
                    _ => return None,
                };
                if h > 23 || m > 59 {
                    return None;
                }
                offset = sign * (h * 3600 + m * 60);
            }
        }
        let mut fields = clock.splitn(3, ':');
        hour = digits(fields.next()?, 2, 2)?;
        minute = digits(fields.next()?, 2, 2)?;
        if let Some(sec) = fields.next() {
            let (whole, frac) = sec
                .split_once('.')
                .map_or((sec, None), |(w, f)| (w, Some(f)));
            second = digits(whole, 2, 2)?;
            if let Some(frac) = frac {
                let f = digits(frac, 1, 9)?;
                nano = f * 10i64.pow(9 - frac.len() as u32);
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
    }
    let days = days_from_civil(year, month, day);
    let seconds = i128::from(days * 86_400 + hour * 3600 + minute * 60 + second - offset);
    Some(seconds * NANOS + i128::from(nano))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i128 {
        s.parse::<jiff::Timestamp>().unwrap().as_nanosecond()
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let cases: &[(&str, Option<i128>)] = &[
            ("2024-05-01T12:34:56Z", Some(ts("2024-05-01T12:34:56Z"))),
            ("2024-05-01t12:34:56z", Some(ts("2024-05-01T12:34:56Z"))),
            (
                "2024-05-01T12:34:56.25Z",
                Some(ts("2024-05-01T12:34:56.25Z")),
            ),
            (
                "2024-05-01T12:34:56+02:00",
                Some(ts("2024-05-01T10:34:56Z")),
            ),
            ("2024-05-01T12:34:56-0130", Some(ts("2024-05-01T14:04:56Z"))),
            ("2024-05-01T12:34Z", Some(ts("2024-05-01T12:34:00Z"))),
            ("2024-05-01T12:34:56", Some(ts("2024-05-01T12:34:56Z"))),
            ("2024-05-01", Some(ts("2024-05-01T00:00:00Z"))),
            ("2024-05", Some(ts("2024-05-01T00:00:00Z"))),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("1714566896", Some(ts("2024-05-01T12:34:56Z"))),
            ("0", Some(0)),
            ("2024-13-01", None),
            ("2024-02-30", None),
            ("2024-05-01T25:00:00Z", None),
            ("2024-05-01T12:34:56+24:00", None),
            ("yesterday", None),
            ("", None),
            ("12.5", None),
            ("2024-05-01T12", None),
        ];
        for &(s, want) in cases {
            assert_eq!(parse_date(s), want, "{s:?}");
        }
    }

    #[test]
    fn cidrs() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases: &[(&str, &str, bool)] = &[
            ("203.0.113.0/24", "203.0.113.7", true),
            ("203.0.113.0/24", "203.0.114.7", false),
            ("203.0.113.9/24", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.8", false),
            ("0.0.0.0/0", "198.51.100.1", true),
            ("203.0.113.0/24", "::ffff:203.0.113.7", true),
            ("2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", true),
            ("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", false),
            ("::/0", "2001:db8::1", true),
            ("::/0", "203.0.113.7", false),
            ("203.0.113.0/24", "2001:db8::1", false),
        ];
        for &(c, a, want) in cases {
            assert_eq!(Cidr::parse(c).unwrap().contains(ip(a)), want, "{c} ∋ {a}");
        }
        for bad in [
            "203.0.113.0/33",
            "::/129",
            "203.0.113/24",
            "x",
            "1.2.3.4/",
            "1.2.3.4/-1",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_and_bools() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("ten"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
