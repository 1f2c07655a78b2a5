//! Where a trail puts its files in the bucket.
//!
//! Everything a trail writes sits under one root, `[<prefix>/]AWSLogs/[<o-org id>/]<account>/`:
//!
//! ```text
//! <root>/CloudTrail/<region>/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz
//! <root>/CloudTrail-Digest/<region>/2015/08/17/111122223333_CloudTrail-Digest_<region>_<trail>_<home region>_20150817T150131Z.json.gz
//! ```
//!
//! A log file is named after the minute it was delivered and a random 16-character suffix; a digest after the
//! second its period ends, the region whose logs it covers (the *source* region), the trail and the trail's home
//! region. Backfill digests add `_backfill` before `.json.gz`. The date folders are those of the same time.

use jiff::{SignedDuration, Timestamp};
use regex::Regex;

use crate::time::{format_date_folders, format_key_time, format_log_key_time};

/// The part of a trail's configuration that decides object keys: `S3BucketName`, `S3KeyPrefix`, the organization
/// (organization trails only), the account whose files these are, and the trail's name and home region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailLocation {
    pub bucket: String,
    /// `S3KeyPrefix`; `None` or empty means none. Used verbatim (the CLI adds one `/`).
    pub prefix: Option<String>,
    /// `o-…`, for organization trails.
    pub organization_id: Option<String>,
    pub account_id: String,
    pub trail_name: String,
    pub home_region: String,
}

impl TrailLocation {
    /// A trail without prefix or organization.
    pub fn new(bucket: &str, account_id: &str, trail_name: &str, home_region: &str) -> Self {
        TrailLocation {
            bucket: bucket.to_owned(),
            prefix: None,
            organization_id: None,
            account_id: account_id.to_owned(),
            trail_name: trail_name.to_owned(),
            home_region: home_region.to_owned(),
        }
    }

    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self
    }

    pub fn with_organization(mut self, organization_id: &str) -> Self {
        self.organization_id = Some(organization_id.to_owned());
        self
    }

    fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref().filter(|p| !p.is_empty())
    }

    /// `[<prefix>/]AWSLogs/[<org>/]<account>/`
    fn root(&self) -> String {
        let mut root = String::new();
        if let Some(prefix) = self.prefix() {
            root.push_str(prefix);
            root.push('/');
        }
        root.push_str("AWSLogs/");
        if let Some(org) = &self.organization_id {
            root.push_str(org);
            root.push('/');
        }
        root.push_str(&self.account_id);
        root.push('/');
        root
    }

    /// The key of a log file with the events of `region`, delivered at `delivered` (minute precision), made unique
    /// by `unique` (CloudTrail uses 16 random alphanumerics, see [`unique_string`]).
    pub fn log_file_key(&self, region: &str, delivered: Timestamp, unique: &str) -> String {
        format!(
            "{root}CloudTrail/{region}/{folders}/{account}_CloudTrail_{region}_{time}_{unique}.json.gz",
            root = self.root(),
            folders = format_date_folders(delivered),
            account = self.account_id,
            time = format_log_key_time(delivered),
        )
    }

    /// The prefix under which all log files of `region` lie.
    pub fn log_file_prefix(&self, region: &str) -> String {
        format!("{}CloudTrail/{region}/", self.root())
    }

    /// The key of the digest for `source_region` whose period ends at `end` (second precision).
    pub fn digest_key(&self, source_region: &str, end: Timestamp, backfill: bool) -> String {
        format!(
            "{root}CloudTrail-Digest/{source_region}/{folders}/{account}_CloudTrail-Digest_{source_region}_{name}_{home}_{time}{backfill}.json.gz",
            root = self.root(),
            folders = format_date_folders(end),
            account = self.account_id,
            name = self.trail_name,
            home = self.home_region,
            time = format_key_time(end),
            backfill = if backfill { "_backfill" } else { "" },
        )
    }

    /// The `prefix` the CLI lists digests with: `[<prefix>/]AWSLogs/[<org>/]<account>/CloudTrail-Digest/<region>`
    /// (no trailing slash).
    pub fn digest_prefix(&self, source_region: &str) -> String {
        format!("{}CloudTrail-Digest/{source_region}", self.root())
    }

    /// The `marker` the CLI lists digests from for a validation starting at `start`: the key a digest ending one
    /// minute before `start` would have.
    pub fn digest_list_marker(&self, source_region: &str, start: Timestamp) -> String {
        self.digest_key(source_region, start - SignedDuration::from_mins(1), false)
    }

    /// The filter the CLI applies to listed keys: digests (standard or backfill) of this trail, source region and
    /// home region only.
    pub fn digest_key_matcher(&self, source_region: &str) -> DigestKeyMatcher {
        let esc = |s: &str| regex::escape(s);
        let account = esc(&self.account_id);
        let source = esc(source_region);
        let mut pattern = String::from("^");
        if let Some(prefix) = self.prefix() {
            pattern.push_str(&esc(prefix));
            pattern.push('/');
        }
        pattern.push_str("AWSLogs/");
        if let Some(org) = &self.organization_id {
            pattern.push_str(&esc(org));
            pattern.push('/');
        }
        pattern.push_str(&format!(
            r"{account}/CloudTrail\-Digest/{source}/\d+/\d+/\d+/{account}_CloudTrail\-Digest_{source}_{name}_{home}_.+(?:_backfill)?\.json\.gz\n?$",
            name = esc(&self.trail_name),
            home = esc(&self.home_region),
        ));
        DigestKeyMatcher(Regex::new(&pattern).expect("escaped pattern is valid"))
    }
}

/// Recognises the digest keys of one trail and source region (the CLI's key regex, Python `$` semantics included).
#[derive(Debug, Clone)]
pub struct DigestKeyMatcher(Regex);

impl DigestKeyMatcher {
    pub fn is_match(&self, key: &str) -> bool {
        self.0.is_match(key)
    }
}

/// Whether a digest key names a backfill digest.
pub fn is_backfill_digest_key(key: &str) -> bool {
    key.ends_with("_backfill.json.gz")
}

/// The 16 characters of a digest key that hold its end time (`YYYYMMDDTHHMMSSZ` in a well-formed key), cut by
/// position from the end as the CLI does; `None` when the key is too short.
pub fn extract_digest_key_date(key: &str) -> Option<&str> {
    let (from_end, to_end) = if is_backfill_digest_key(key) {
        (33, 17)
    } else {
        (24, 8)
    };
    let starts: Vec<usize> = key.char_indices().map(|(i, _)| i).collect();
    let n = starts.len();
    if n < from_end {
        return None;
    }
    let start = starts[n - from_end];
    let end = starts[n - to_end];
    Some(&key[start..end])
}

/// A log file key's unique suffix from 16 random bytes (the caller's entropy): 16 characters of `[0-9A-Za-z]`.
pub fn unique_string(random: [u8; 16]) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    random
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % 62] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn log_file_key_matches_the_user_guide_example() {
        let loc = TrailLocation::new("b", "111122223333", "trail", "us-east-2");
        assert_eq!(
            loc.log_file_key("us-east-2", t("2015-08-01T02:10:59Z"), "Mu0KsOhtH1ar15ZZ"),
            "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
        );
        let loc = loc
            .with_prefix("pre/fix")
            .with_organization("o-exampleorgid");
        assert_eq!(
            loc.log_file_key("eu-west-1", t("2015-08-01T02:10:59Z"), "Mu0KsOhtH1ar15ZZ"),
            "pre/fix/AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2015/08/01/111122223333_CloudTrail_eu-west-1_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
        );
    }

    #[test]
    fn digest_keys_and_listing() {
        let loc = TrailLocation::new("b", "111122223333", "your-trail-name", "us-east-2");
        let key = loc.digest_key("us-east-2", t("2015-08-17T15:01:31Z"), false);
        assert_eq!(
            key,
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz"
        );
        assert_eq!(extract_digest_key_date(&key), Some("20150817T150131Z"));
        let backfill = loc.digest_key("us-east-2", t("2015-08-17T15:01:31Z"), true);
        assert!(backfill.ends_with("_20150817T150131Z_backfill.json.gz"));
        assert_eq!(extract_digest_key_date(&backfill), Some("20150817T150131Z"));
        assert_eq!(
            loc.digest_prefix("us-east-2"),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-2"
        );
        assert!(loc
            .digest_list_marker("us-east-2", t("2015-08-17T15:01:31Z"))
            .ends_with("_20150817T150031Z.json.gz"));

        let m = loc.digest_key_matcher("us-east-2");
        assert!(m.is_match(&key));
        assert!(m.is_match(&backfill));
        assert!(!m.is_match(&loc.digest_key("us-west-1", t("2015-08-17T15:01:31Z"), false)));
        let other = TrailLocation::new("b", "111122223333", "other", "us-east-2");
        assert!(!m.is_match(&other.digest_key("us-east-2", t("2015-08-17T15:01:31Z"), false)));
        let prefixed = loc.clone().with_prefix("a.b");
        let pm = prefixed.digest_key_matcher("us-east-2");
        assert!(pm.is_match(&prefixed.digest_key("us-east-2", t("2015-08-17T15:01:31Z"), false)));
        assert!(
            !pm.is_match(&format!("aXb/{key}")),
            "the prefix is matched literally"
        );
        assert!(!pm.is_match(&key));
    }

    #[test]
    fn unique_strings_are_alphanumeric() {
        let s = unique_string([0, 61, 62, 255, 9, 10, 35, 36, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(s.len(), 16);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(s.starts_with("0z0"));
    }
}
