//! The three timestamp spellings of trail files, and the lenient date parsing of the AWS CLI.

use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds): every time inside a digest file, and the CLI's display format.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `YYYYMMDDTHHMMSSZ`: the time in a digest file's key (its end time).
pub fn format_key_time(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// `YYYYMMDDTHHMMZ`: the delivery minute in a log file's key.
pub(crate) fn format_log_key_time(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%MZ").to_string()
}

/// `YYYY/MM/DD`: the date folders of both kinds of keys.
pub(crate) fn format_date_folders(t: Timestamp) -> String {
    t.strftime("%Y/%m/%d").to_string()
}

/// Parses a date the way the CLI does for digest times and key dates (`dateutil.parser.parse`, then the time zone
/// *replaced* by UTC): ISO 8601 in extended (`2015-08-17T15:01:31Z`) or basic (`20150817T150131Z`) form, date only
/// meaning midnight. A written offset is dropped rather than applied, as the CLI's `normalize_date` does; CloudTrail
/// only writes `Z` anyway. `None` for anything else (the CLI's "Unable to parse date value").
pub fn parse_cli_date(s: &str) -> Option<Timestamp> {
    let pieces = Pieces::parse(s).ok()?;
    let civil = pieces.date().to_datetime(pieces.time().unwrap_or_default());
    TimeZone::UTC.to_timestamp(civil).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t: Timestamp = "2015-08-17T15:01:31.5Z".parse().unwrap();
        assert_eq!(format_time(t), "2015-08-17T15:01:31Z");
        assert_eq!(format_key_time(t), "20150817T150131Z");
        assert_eq!(format_log_key_time(t), "20150817T1501Z");
        assert_eq!(format_date_folders(t), "2015/08/17");
    }

    #[test]
    fn parses_what_the_cli_parses() {
        let t: Timestamp = "2015-08-17T15:01:31Z".parse().unwrap();
        assert_eq!(parse_cli_date("2015-08-17T15:01:31Z"), Some(t));
        assert_eq!(parse_cli_date("20150817T150131Z"), Some(t));
        assert_eq!(parse_cli_date("2015-08-17T15:01:31+02:00"), Some(t));
        assert_eq!(
            parse_cli_date("2015-08-17"),
            Some("2015-08-17T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_cli_date("yesterday"), None);
        assert_eq!(parse_cli_date(""), None);
    }
}
