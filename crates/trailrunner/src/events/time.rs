//! Times on the command line: ISO-8601 instants, dates, epoch seconds, `now`, or relative to now (`-30m`).

use jiff::Timestamp;

/// A time as given; relative ones are resolved against one `now` for the whole command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeSpec {
    /// An instant, in epoch seconds.
    At(i64),
    /// This many seconds before now.
    Ago(i64),
}

/// The syntax, for `--help`.
pub(crate) const SYNTAX: &str = "Times: ISO-8601 with a zone (2026-11-25T08:00:00Z, 2026-11-25T09:00:00+01:00), \
a date (2026-11-25 = midnight UTC), epoch seconds (1795651200), `now`, or relative to now: -45s, -30m, -3h, \
-1d, -2w.";

impl TimeSpec {
    pub(crate) fn resolve(self, now: Timestamp) -> anyhow::Result<i64> {
        match self {
            TimeSpec::At(s) => Ok(s),
            TimeSpec::Ago(s) => now
                .as_second()
                .checked_sub(s)
                .ok_or_else(|| anyhow::anyhow!("the time is out of range")),
        }
    }
}

/// Parse a time argument (a clap value parser).
pub(crate) fn parse(text: &str) -> Result<TimeSpec, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Ok(TimeSpec::Ago(0));
    }
    if let Some(rest) = text.strip_prefix('-') {
        return relative(rest).ok_or_else(|| {
            format!("{text:?} is not a relative time: use -<number><unit> with s, m, h, d or w, like -30m")
        });
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .filter(|s| Timestamp::from_second(*s).is_ok())
            .map(TimeSpec::At)
            .ok_or_else(|| format!("{text:?} is out of range as epoch seconds"));
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(TimeSpec::At(ts.as_second()));
    }
    // A date alone is midnight UTC.
    if text.len() == 10 {
        if let Ok(ts) = format!("{text}T00:00:00Z").parse::<Timestamp>() {
            return Ok(TimeSpec::At(ts.as_second()));
        }
    }
    if text.parse::<jiff::civil::DateTime>().is_ok() {
        return Err(format!(
            "{text:?} has no time zone: add Z for UTC (or an offset like +01:00)"
        ));
    }
    Err(format!("{text:?} is not a time. {SYNTAX}"))
}

fn relative(rest: &str) -> Option<TimeSpec> {
    let split = rest.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = rest.split_at(split);
    let n: i64 = number.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    let secs = n.checked_mul(unit)?;
    // Keep it within what a timestamp can express, so resolving cannot fail for any sane `now`.
    (secs <= 100 * 365 * 86_400).then_some(TimeSpec::Ago(secs))
}

/// `2026-11-25T08:00:00Z` (UTC, whole seconds) for epoch seconds; fractions are cut.
pub(crate) fn iso(epoch_seconds: f64) -> Option<String> {
    if !epoch_seconds.is_finite() {
        return None;
    }
    let ts = Timestamp::from_second(epoch_seconds.floor() as i64).ok()?;
    Some(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        match parse(text) {
            Ok(TimeSpec::At(s)) => s,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn absolute_times() {
        assert_eq!(at("2026-11-25T00:00:00Z"), 1_795_564_800);
        assert_eq!(at("2026-11-25T01:00:00+01:00"), 1_795_564_800);
        assert_eq!(at(" 2026-11-25T00:00:00.750Z "), 1_795_564_800);
        assert_eq!(at("2026-11-25"), 1_795_564_800);
        assert_eq!(at("1795564800"), 1_795_564_800);
        assert_eq!(at("0"), 0);
    }

    #[test]
    fn relative_times() {
        assert_eq!(parse("-30m"), Ok(TimeSpec::Ago(1_800)));
        assert_eq!(parse("-3h"), Ok(TimeSpec::Ago(10_800)));
        assert_eq!(parse("-1d"), Ok(TimeSpec::Ago(86_400)));
        assert_eq!(parse("-2w"), Ok(TimeSpec::Ago(1_209_600)));
        assert_eq!(parse("-45s"), Ok(TimeSpec::Ago(45)));
        assert_eq!(parse("now"), Ok(TimeSpec::Ago(0)));
        let now = Timestamp::from_second(1_795_564_800).expect("valid");
        assert_eq!(
            TimeSpec::Ago(1_800).resolve(now).expect("resolves"),
            1_795_563_000
        );
        assert_eq!(TimeSpec::At(5).resolve(now).expect("resolves"), 5);
    }

    #[test]
    fn bad_times_are_explained() {
        for bad in [
            "",
            "-",
            "-30",
            "-30y",
            "-m",
            "--3h",
            "-9999999999999999999d",
            "yesterday",
            "2026-13-01",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let e = parse("2026-11-25T00:00:00").expect_err("no zone");
        assert!(e.contains("no time zone"), "{e}");
        let e = parse("99999999999999999999").expect_err("too big");
        assert!(e.contains("out of range"), "{e}");
        assert!(parse("-100000d").is_err());
    }

    #[test]
    fn iso_output() {
        assert_eq!(
            iso(1_795_564_800.0).as_deref(),
            Some("2026-11-25T00:00:00Z")
        );
        assert_eq!(
            iso(1_795_564_800.9).as_deref(),
            Some("2026-11-25T00:00:00Z")
        );
        assert_eq!(iso(f64::NAN), None);
        assert_eq!(iso(1e300), None);
    }
}
