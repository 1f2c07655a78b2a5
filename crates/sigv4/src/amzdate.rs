//! The SigV4 timestamp: ISO 8601 "basic format" `yyyymmddThhmmssZ` (UTC, whole seconds).
//!
//! Parsed and formatted by hand: it is on the hot path of every request, its grammar is fixed
//! width, and a hand-written civil-date conversion is a few integer operations. The unit tests pin
//! it against `jiff`'s own conversion.

use jiff::Timestamp;

/// A validated `yyyymmddThhmmssZ` string, kept as bytes so it can be copied without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct AmzDate([u8; 16]);

impl AmzDate {
    /// The full timestamp, e.g. `20240101T000000Z`.
    pub(crate) fn as_str(&self) -> &str {
        // Only ever built from ASCII digits, 'T' and 'Z'.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The `yyyymmdd` prefix that the credential scope date must equal.
    pub(crate) fn date(&self) -> &str {
        self.as_str().get(..8).unwrap_or("")
    }
}

impl std::fmt::Debug for AmzDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parse the strict basic format. `None` for anything else (wrong length, separators, ranges).
pub(crate) fn parse_basic(s: &str) -> Option<(Timestamp, AmzDate)> {
    let b: &[u8; 16] = s.as_bytes().try_into().ok()?;
    if b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let ts = Timestamp::from_second(secs).ok()?;
    Some((ts, AmzDate(*b)))
}

/// Format a timestamp (whole seconds, UTC). `None` outside years 0000..=9999.
pub(crate) fn from_timestamp(ts: Timestamp) -> Option<AmzDate> {
    let secs = ts.as_second();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = [0u8; 16];
    put_digits(&mut out[0..4], year);
    put_digits(&mut out[4..6], month);
    put_digits(&mut out[6..8], day);
    out[8] = b'T';
    put_digits(&mut out[9..11], rem / 3600);
    put_digits(&mut out[11..13], rem % 3600 / 60);
    put_digits(&mut out[13..15], rem % 60);
    out[15] = b'Z';
    Some(AmzDate(out))
}

/// Basic format of a second count, for error messages; falls back to jiff's display (or the raw
/// number) for instants no SigV4 request can carry.
pub(crate) fn format_secs(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(ts) => match from_timestamp(ts) {
            Some(d) => d.as_str().to_owned(),
            None => ts.to_string(),
        },
        Err(_) => secs.to_string(),
    }
}

/// The HTTP `Date` header (RFC 7231 IMF-fixdate is a profile of RFC 2822; botocore sends the
/// RFC 2822 form with `-0000`). Used only when `X-Amz-Date` is absent.
pub(crate) fn parse_http_date(s: &str) -> Option<Timestamp> {
    static PARSER: jiff::fmt::rfc2822::DateTimeParser = jiff::fmt::rfc2822::DateTimeParser::new();
    let ts = PARSER.parse_timestamp(s).ok()?;
    // SigV4 has whole-second resolution; RFC 2822 has no fractions either.
    Some(ts)
}

fn put_digits(out: &mut [u8], mut v: i64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let (ts, d) = parse_basic("20240229T235959Z").unwrap();
        assert_eq!(ts.to_string(), "2024-02-29T23:59:59Z");
        assert_eq!(d.as_str(), "20240229T235959Z");
        assert_eq!(d.date(), "20240229");
        assert_eq!(from_timestamp(ts).unwrap(), d);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "20240101",
            "20240101T000000",
            "20240101T000000z",
            "2024-01-01T00:00:00Z",
            "20241301T000000Z",
            "20240230T000000Z",
            "20230229T000000Z",
            "20240100T000000Z",
            "20240101T240000Z",
            "20240101T006000Z",
            "20240101T000060Z",
            "2024010１T000000Z",
            "+2024101T000000Z",
            "20240101 000000Z",
        ] {
            assert!(parse_basic(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn agrees_with_jiff_over_a_wide_range() {
        // Every ~37 hours from 1900 to 2200, plus the edges of the format.
        let mut secs: i64 = -2_208_988_800;
        while secs < 7_258_118_400 {
            let ts = Timestamp::from_second(secs).unwrap();
            let ours = from_timestamp(ts).unwrap();
            let theirs = ts.strftime("%Y%m%dT%H%M%SZ").to_string();
            assert_eq!(ours.as_str(), theirs);
            assert_eq!(parse_basic(&theirs).unwrap().0, ts);
            secs += 133_201;
        }
        assert!(parse_basic("00000101T000000Z").is_some());
        assert!(parse_basic("99991230T000000Z").is_some());
        // Past jiff's range (it keeps room for offsets): rejected, not a panic.
        assert!(parse_basic("99991231T235959Z").is_none());
    }

    #[test]
    fn http_dates() {
        let want = parse_basic("20150830T123600Z").unwrap().0;
        assert_eq!(parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"), Some(want));
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 -0000"),
            Some(want)
        );
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 14:36:00 +0200"),
            Some(want)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }

    #[test]
    fn format_secs_never_panics() {
        assert_eq!(format_secs(0), "19700101T000000Z");
        for s in [i64::MIN, i64::MAX, -377_705_116_800, 253_402_300_800] {
            let _ = format_secs(s);
        }
    }
}
