//! App Runner resource ARNs: `arn:aws:apprunner:<region>:<account>:<type>/<part>/<part>…` (spec §3.1).
//!
//! Pure string work: building the ARNs trailrunner issues and taking apart the ones callers send back. Whether
//! the resource exists is the caller's business.

const PREFIX: &str = "arn:aws:apprunner:";

/// The ARN of a resource of `resource_type` (`connection`, `service`, …) identified by `parts`.
pub(crate) fn build(region: &str, account: &str, resource_type: &str, parts: &[&str]) -> String {
    let mut arn = format!("{PREFIX}{region}:{account}:{resource_type}");
    for part in parts {
        arn.push('/');
        arn.push_str(part);
    }
    arn
}

/// An App Runner ARN taken apart. Every part borrows from the ARN text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub resource_type: &'a str,
    /// The `/`-separated parts after the resource type (never empty strings).
    pub parts: Vec<&'a str>,
}

/// Take apart an App Runner ARN; `None` for anything that is not one (another partition or service, a missing
/// region or account, an empty path segment).
pub(crate) fn parse(arn: &str) -> Option<ResourceArn<'_>> {
    let rest = arn.strip_prefix(PREFIX)?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    if region.is_empty() || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut segments = resource.split('/');
    let resource_type = segments.next().filter(|t| !t.is_empty())?;
    let parts: Vec<&str> = segments.collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some(ResourceArn {
        region,
        account,
        resource_type,
        parts,
    })
}

/// A resource id as App Runner issues them: 32 lowercase hexadecimal digits.
pub(crate) fn is_resource_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An App Runner resource name as the model patterns define them: `[A-Za-z0-9][A-Za-z0-9\-_]{3,max-1}`.
pub(crate) fn is_resource_name(name: &str, max: usize) -> bool {
    let bytes = name.as_bytes();
    (4..=max).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// A revision number in an ARN: a positive decimal without leading zeros.
pub(crate) fn parse_revision(text: &str) -> Option<u64> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// How a family's full ARNs look, for [`check_full`].
pub(crate) struct FullArn {
    /// The ARN resource type (`service`, `vpcconnector`, …).
    pub(crate) resource_type: &'static str,
    /// What the caller reads in messages (`service`, `VPC connector`, …).
    pub(crate) noun: &'static str,
    /// The path after the type, for messages (`<name>/<id>`).
    pub(crate) path: &'static str,
    /// Whether the parts after the type are well formed.
    pub(crate) parts_ok: fn(&[&str]) -> bool,
}

/// Check a full ARN given by a caller: not of the family's form → `InvalidRequestException`; of another account
/// or region → `ResourceNotFoundException` (the resource cannot be here).
pub(crate) fn check_full(
    form: &FullArn,
    given: &str,
    region: &str,
    account: &str,
) -> Result<(), trailrunner_api::ApiError> {
    let well_formed = parse(given).filter(|parsed| {
        parsed.resource_type == form.resource_type && (form.parts_ok)(&parsed.parts)
    });
    match well_formed {
        None => Err(crate::errors::invalid_request(format!(
            "{given} is not a valid {} ARN. Expected the full ARN \
             arn:aws:apprunner:<region>:<account>:{}/{}.",
            form.noun, form.resource_type, form.path
        ))),
        Some(parsed) if parsed.region != region || parsed.account != account => {
            let mut noun = form.noun.to_owned();
            noun[..1].make_ascii_uppercase();
            Err(crate::errors::resource_not_found(format!(
                "{noun} {given} not found: it is not in this account and region."
            )))
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documented_format() {
        assert_eq!(
            build(
                "us-east-1",
                "123456789012",
                "connection",
                &["my-github-connection", "e7656250f67242d7819feade6800f59e"]
            ),
            "arn:aws:apprunner:us-east-1:123456789012:connection/my-github-connection/e7656250f67242d7819feade6800f59e"
        );
    }

    #[test]
    fn parses_what_it_builds() {
        let arn = build("eu-west-1", "123456789012", "connection", &["abcd", "0123"]);
        assert_eq!(
            parse(&arn),
            Some(ResourceArn {
                region: "eu-west-1",
                account: "123456789012",
                resource_type: "connection",
                parts: vec!["abcd", "0123"],
            })
        );
    }

    #[test]
    fn refuses_what_is_not_an_app_runner_arn() {
        for bad in [
            "",
            "arn",
            "arn:aws:apprunner",
            "arn:aws:s3:::bucket",
            "arn:aws-cn:apprunner:cn-north-1:123456789012:connection/abcd/0123",
            "arn:aws:apprunner::123456789012:connection/abcd/0123",
            "arn:aws:apprunner:us-east-1:12345678901:connection/abcd/0123",
            "arn:aws:apprunner:us-east-1:12345678901x:connection/abcd/0123",
            "arn:aws:apprunner:us-east-1:123456789012:",
            "arn:aws:apprunner:us-east-1:123456789012:/abcd",
            "arn:aws:apprunner:us-east-1:123456789012:connection//0123",
            "arn:aws:apprunner:us-east-1:123456789012:connection/abcd/",
        ] {
            assert_eq!(parse(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn full_arn_checks_tell_malformed_from_elsewhere() {
        let form = FullArn {
            resource_type: "widget",
            noun: "widget",
            path: "<name>/<id>",
            parts_ok: |parts| matches!(parts, [name, id] if is_resource_name(name, 40) && is_resource_id(id)),
        };
        let id = "e7656250f67242d7819feade6800f59e";
        let good = build("us-east-1", "123456789012", "widget", &["abcd", id]);
        assert_eq!(
            check_full(&form, &good, "us-east-1", "123456789012"),
            Ok(())
        );
        let err = check_full(&form, &good, "eu-west-1", "123456789012").unwrap_err();
        assert_eq!(err.code, "ResourceNotFoundException");
        assert!(err.message.starts_with("Widget "), "{}", err.message);
        for bad in [
            build("us-east-1", "123456789012", "widget", &["abcd"]),
            build("us-east-1", "123456789012", "gadget", &["abcd", id]),
        ] {
            let err = check_full(&form, &bad, "us-east-1", "123456789012").unwrap_err();
            assert_eq!(err.code, "InvalidRequestException");
        }
    }

    #[test]
    fn resource_ids_are_32_lowercase_hex() {
        assert!(is_resource_id("e7656250f67242d7819feade6800f59e"));
        assert!(!is_resource_id("E7656250F67242D7819FEADE6800F59E"));
        assert!(!is_resource_id("e7656250f67242d7819feade6800f59"));
        assert!(!is_resource_id("e7656250-f672-42d7-819f-eade6800"));
        assert!(!is_resource_id("g7656250f67242d7819feade6800f59e"));
    }
}
