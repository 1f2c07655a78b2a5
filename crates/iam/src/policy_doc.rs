//! Policy documents as IAM stores them: checked to be well-formed JSON policies and within IAM's size quotas,
//! kept as sent, and returned URL-encoded. Nothing here evaluates a policy (that is `trailrunner-policy`'s job).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use trailrunner_api::ApiError;

use crate::errors::{limit_exceeded, malformed_policy};

/// The aggregate size of a user's inline policies (IAM quotas: "User policy size cannot exceed 2,048
/// characters"; IAM does not count white space).
pub(crate) const USER_INLINE_LIMIT: usize = 2048;
/// The aggregate size of a role's inline policies.
pub(crate) const ROLE_INLINE_LIMIT: usize = 10_240;
/// A role's trust policy ("Role trust policy length": 2,048 characters).
pub(crate) const TRUST_POLICY_LIMIT: usize = 2048;

/// What a document is for: the checks differ (a trust policy names principals, an identity policy must not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Identity,
    Trust,
}

/// The size IAM counts against its quotas: characters, white space excluded.
pub(crate) fn counted_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Check that `document` is a policy IAM would accept as a document at all.
pub(crate) fn check(document: &str, kind: Kind) -> Result<(), ApiError> {
    let syntax = || malformed_policy("Syntax errors in policy.");
    let value: Value = serde_json::from_str(document).map_err(|_| syntax())?;
    let root = value.as_object().ok_or_else(syntax)?;
    if let Some(version) = root.get("Version") {
        if !matches!(version.as_str(), Some("2012-10-17" | "2008-10-17")) {
            return Err(syntax());
        }
    }
    let statements: Vec<&Value> = match root.get("Statement") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err(syntax()),
    };
    for statement in statements {
        let s = statement.as_object().ok_or_else(syntax)?;
        if !matches!(
            s.get("Effect").and_then(Value::as_str),
            Some("Allow" | "Deny")
        ) {
            return Err(syntax());
        }
        if !s.contains_key("Action") && !s.contains_key("NotAction") {
            return Err(malformed_policy("Policy statement must contain actions."));
        }
        let names_principal = s.contains_key("Principal") || s.contains_key("NotPrincipal");
        match kind {
            Kind::Identity if names_principal => {
                return Err(malformed_policy(
                    "Policy document should not specify a principal.",
                ))
            }
            Kind::Trust if !names_principal => {
                return Err(malformed_policy("Missing required field Principal"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// A role's trust policy: well-formed and within its quota.
pub(crate) fn check_trust(document: &str) -> Result<(), ApiError> {
    check(document, Kind::Trust)?;
    if counted_size(document) > TRUST_POLICY_LIMIT {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_LIMIT}"
        )));
    }
    Ok(())
}

/// Characters IAM leaves as they are when it URL-encodes a document (RFC 3986 unreserved).
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A document as IAM returns it (`GetUserPolicy`, `GetRole`, …): URL-encoded. botocore decodes it again.
pub(crate) fn url_encoded(document: &str) -> String {
    utf8_percent_encode(document, KEEP).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"apprunner:List*","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}}"#;

    #[test]
    fn accepts_well_formed_policies() {
        check(ALLOW, Kind::Identity).unwrap();
        check_trust(TRUST).unwrap();
        check(
            r#"{"Statement":[{"Effect":"Deny","NotAction":"*"}]}"#,
            Kind::Identity,
        )
        .unwrap();
    }

    #[test]
    fn refuses_malformed_ones() {
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Statement":[]}"#,
            r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Action":"*"}]}"#,
            r#"{"Statement":["x"]}"#,
        ] {
            let e = check(bad, Kind::Identity).unwrap_err();
            assert_eq!(
                (e.code.as_ref(), e.status),
                ("MalformedPolicyDocument", 400),
                "{bad}"
            );
        }
        let e = check(r#"{"Statement":{"Effect":"Allow"}}"#, Kind::Identity).unwrap_err();
        assert_eq!(e.message, "Policy statement must contain actions.");
        assert!(check(TRUST, Kind::Identity).is_err());
        assert!(check(ALLOW, Kind::Trust).is_err());
    }

    #[test]
    fn sizes_ignore_white_space() {
        assert_eq!(counted_size("{ \"a\" :\n\t1 }"), 7);
        let padded = format!("{}{}", " ".repeat(5000), TRUST);
        check_trust(&padded).unwrap();
        let long = TRUST.replace("sts:AssumeRole", &format!("sts:{}", "A".repeat(2048)));
        assert_eq!(check_trust(&long).unwrap_err().code, "LimitExceeded");
    }

    #[test]
    fn url_encoding_is_reversible_and_plain() {
        assert_eq!(
            url_encoded(r#"{"a": "b c+d/é"}"#),
            "%7B%22a%22%3A%20%22b%20c%2Bd%2F%C3%A9%22%7D"
        );
        assert_eq!(url_encoded("A-z_0.9~"), "A-z_0.9~");
    }
}
