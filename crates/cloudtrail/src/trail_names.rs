//! Trail names and trail ARNs: CloudTrail's naming rules (`InvalidTrailNameException`), ARN parsing
//! (`CloudTrailARNInvalidException`), and what a name-or-ARN argument refers to.

use trailrunner_api::ApiError;

use crate::errors::error;

pub(crate) const NAME_MIN: usize = 3;
pub(crate) const NAME_MAX: usize = 128;
/// Longer than any valid trail ARN (`arn:aws:cloudtrail:` + region + account + `:trail/` + 128 characters).
const ARN_MAX: usize = 256;

/// Checks a trail name: ASCII letters, digits, `.`, `_` and `-`; 3 to 128 characters; starting and ending with a
/// letter or digit; no two adjacent `.`, `_` or `-`; not formatted like an IP address.
pub(crate) fn check_name(name: &str) -> Result<(), ApiError> {
    let invalid = |message: String| Err(error("InvalidTrailNameException", message));
    let len = name.chars().count();
    if len < NAME_MIN {
        return invalid(format!(
            "Trail name too short. Minimum allowed length: {NAME_MIN} characters. Specified name length: {len} \
             characters."
        ));
    }
    if len > NAME_MAX {
        return invalid(format!(
            "Trail name too long. Maximum allowed length: {NAME_MAX} characters. Specified name length: {len} \
             characters."
        ));
    }
    let special = |c: char| matches!(c, '.' | '_' | '-');
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || special(c))
    {
        return invalid(
            "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), \
             hyphens (-), and underscores (_)."
                .into(),
        );
    }
    let bytes = name.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() {
        return invalid("Trail name must starts with a letter or number.".into());
    }
    if !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return invalid("Trail name must ends with a letter or number.".into());
    }
    if bytes
        .windows(2)
        .any(|w| special(w[0] as char) && special(w[1] as char))
    {
        return invalid(format!(
            "Trail name {name} must not contain adjacent periods (.), hyphens (-) or underscores (_)."
        ));
    }
    if looks_like_ip(name) {
        return invalid(format!(
            "Trail name {name} must not be formatted as an IP address."
        ));
    }
    Ok(())
}

/// Four dot-separated groups of 1 to 3 digits (`192.168.5.4`).
fn looks_like_ip(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A parsed trail ARN `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`; the region is the trail's home
/// region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrailArn {
    pub(crate) partition: String,
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) name: String,
}

pub(crate) fn trail_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{account}:trail/{name}")
}

fn invalid_arn(arn: &str) -> ApiError {
    let shown: String = arn.chars().take(ARN_MAX).collect();
    error(
        "CloudTrailARNInvalidException",
        format!(
            "The ARN {shown} is not a valid trail ARN: expected \
             arn:aws:cloudtrail:<region>:<account id>:trail/<trail name>."
        ),
    )
}

/// Parses a CloudTrail ARN of any resource type: `(partition, region, account, resource)`.
pub(crate) fn parse_cloudtrail_arn(arn: &str) -> Result<(&str, &str, &str, &str), ApiError> {
    if arn.len() > ARN_MAX {
        return Err(invalid_arn(arn));
    }
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("cloudtrail"),
        Some(region),
        Some(account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return Err(invalid_arn(arn));
    };
    let partition_ok = !partition.is_empty()
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-');
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if !(partition_ok && region_ok && account_ok) || resource.is_empty() {
        return Err(invalid_arn(arn));
    }
    Ok((partition, region, account, resource))
}

/// Parses a trail ARN; anything else (including other CloudTrail resources) is `CloudTrailARNInvalidException`.
pub(crate) fn parse_trail_arn(arn: &str) -> Result<TrailArn, ApiError> {
    let (partition, region, account, resource) = parse_cloudtrail_arn(arn)?;
    let name = resource
        .strip_prefix("trail/")
        .ok_or_else(|| invalid_arn(arn))?;
    check_name(name).map_err(|_| invalid_arn(arn))?;
    Ok(TrailArn {
        partition: partition.into(),
        region: region.into(),
        account: account.into(),
        name: name.into(),
    })
}

/// What a `Name` / `TrailName` argument refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TrailRef {
    /// A name: a trail of the current region (its own, or a shadow of a multi-region trail).
    Name(String),
    /// A full ARN: that trail, wherever its home region is.
    Arn(TrailArn),
}

impl TrailRef {
    /// Reads a name-or-ARN argument: `arn:…` is parsed as an ARN, anything else checked as a name.
    pub(crate) fn parse(text: &str) -> Result<Self, ApiError> {
        if text.starts_with("arn:") {
            return parse_trail_arn(text).map(TrailRef::Arn);
        }
        check_name(text)?;
        Ok(TrailRef::Name(text.to_owned()))
    }
}

/// `TrailNotFoundException` as CloudTrail words it.
pub(crate) fn trail_not_found(name_or_arn: &str, account: &str) -> ApiError {
    error(
        "TrailNotFoundException",
        format!("Unknown trail: {name_or_arn} for the user: {account}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for name in [
            "abc",
            "my-trail",
            "My_Trail.2",
            "a.b_c-d",
            &"x".repeat(128),
            "1.2.3",
            "1.2.3.4a",
        ] {
            assert!(check_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn invalid_names_say_why() {
        let cases = [
            ("ab", "too short"),
            (&*"x".repeat(129), "too long"),
            ("my trail", "can only contain"),
            ("my/trail", "can only contain"),
            ("trail\u{e9}", "can only contain"),
            ("-trail", "must starts with"),
            ("_trail", "must starts with"),
            ("trail.", "must ends with"),
            ("my-_ns", "adjacent"),
            ("my--ns", "adjacent"),
            ("my..ns", "adjacent"),
            ("192.168.5.4", "IP address"),
        ];
        for (name, why) in cases {
            let err = check_name(name).expect_err(name);
            assert_eq!(err.code, "InvalidTrailNameException", "{name}");
            assert!(err.message.contains(why), "{name}: {}", err.message);
        }
    }

    #[test]
    fn trail_arns_parse() {
        let arn =
            parse_trail_arn("arn:aws:cloudtrail:eu-west-1:111122223333:trail/my-trail").unwrap();
        assert_eq!(
            arn,
            TrailArn {
                partition: "aws".into(),
                region: "eu-west-1".into(),
                account: "111122223333".into(),
                name: "my-trail".into()
            }
        );
        assert_eq!(
            trail_arn("eu-west-1", "111122223333", "my-trail"),
            "arn:aws:cloudtrail:eu-west-1:111122223333:trail/my-trail"
        );
    }

    #[test]
    fn malformed_arns_are_refused() {
        for arn in [
            "arn:aws:cloudtrail:us-east-1:111122223333",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/",
            "arn:aws:cloudtrail:us-east-1:11112222333:trail/abc",
            "arn:aws:cloudtrail::111122223333:trail/abc",
            "arn:aws:s3:us-east-1:111122223333:trail/abc",
            "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/abc",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/a b",
            "arn:aws:cloudtrail:US-EAST-1:111122223333:trail/abc",
            "arn::cloudtrail:us-east-1:111122223333:trail/abc",
        ] {
            let err = parse_trail_arn(arn).expect_err(arn);
            assert_eq!(err.code, "CloudTrailARNInvalidException", "{arn}");
        }
    }

    #[test]
    fn references_are_names_or_arns() {
        assert_eq!(
            TrailRef::parse("abc").unwrap(),
            TrailRef::Name("abc".into())
        );
        assert!(matches!(
            TrailRef::parse("arn:aws:cloudtrail:us-east-1:111122223333:trail/abc"),
            Ok(TrailRef::Arn(_))
        ));
        assert_eq!(
            TrailRef::parse("ab").unwrap_err().code,
            "InvalidTrailNameException"
        );
        assert_eq!(
            TrailRef::parse("arn:aws:cloudtrail:x").unwrap_err().code,
            "CloudTrailARNInvalidException"
        );
    }
}
