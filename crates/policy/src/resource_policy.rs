//! Resource-based policies (role trust policies, bucket policies): documents whose statements name a `Principal`.
//!
//! The identity-policy parser refuses a `Principal`, so a resource-based policy is evaluated in two steps: the caller
//! of [`for_principal`] decides which statements apply to the principal at hand (its own matching rules differ:
//! IAM callers, AWS services), and the statements that apply are stripped of their `Principal` / `NotPrincipal`,
//! given `"Resource": "*"` when they name none (trust policies leave it out), and compiled into one [`Policy`] for
//! [`crate::evaluate`] with the action, resource and condition keys of the request. Explicit deny wins as
//! everywhere.

use serde_json::{Map, Value};

use crate::Policy;

/// The principal element of one statement.
#[derive(Debug, Clone, Copy)]
pub enum PrincipalElement<'a> {
    Principal(&'a Value),
    NotPrincipal(&'a Value),
}

/// What [`for_principal`] shows of a statement to decide whether it applies.
#[derive(Debug, Clone, Copy)]
pub struct StatementHead<'a> {
    /// `"Effect": "Deny"`.
    pub deny: bool,
    pub element: PrincipalElement<'a>,
}

/// The statements of `document` for which `applies` holds, compiled into one policy without principal elements.
/// `None` when the document is not a JSON object with statements, when no statement applies, or when what is left
/// does not parse. A statement with both `Principal` and `NotPrincipal`, or neither, never applies.
pub fn for_principal(
    document: &str,
    mut applies: impl FnMut(StatementHead<'_>) -> bool,
) -> Option<Policy> {
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(document) else {
        return None;
    };
    let statements: Vec<&Value> = match root.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return None,
    };
    let mut kept = Vec::new();
    for statement in statements {
        let Some(s) = statement.as_object() else {
            continue;
        };
        let element = match (s.get("Principal"), s.get("NotPrincipal")) {
            (Some(p), None) => PrincipalElement::Principal(p),
            (None, Some(np)) => PrincipalElement::NotPrincipal(np),
            _ => continue,
        };
        let deny = s.get("Effect").and_then(Value::as_str) == Some("Deny");
        if !applies(StatementHead { deny, element }) {
            continue;
        }
        let mut rest: Map<String, Value> = s
            .iter()
            .filter(|(k, _)| *k != "Principal" && *k != "NotPrincipal")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rest.contains_key("Resource") && !rest.contains_key("NotResource") {
            rest.insert("Resource".into(), "*".into());
        }
        kept.push(Value::Object(rest));
    }
    if kept.is_empty() {
        return None;
    }
    let mut doc = Map::new();
    if let Some(version) = root.get("Version") {
        doc.insert("Version".into(), version.clone());
    }
    doc.insert("Statement".into(), Value::Array(kept));
    Policy::parse(&Value::Object(doc).to_string()).ok()
}

/// Whether a `Principal` value names the AWS service principal `service` (`cloudtrail.amazonaws.com`) acting by
/// itself: `"*"`, or a `Service` entry (a string or a list) equal to it. `{"AWS": …}` entries name IAM principals,
/// never a service.
pub fn names_service(principal: &Value, service: &str) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => match map.get("Service") {
            Some(Value::String(s)) => s == service,
            Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(service)),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{evaluate, Decision, RequestContext};

    const DOC: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["a.amazonaws.com", "b.amazonaws.com"]},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bkt/*"},
        {"Effect": "Deny", "NotPrincipal": {"Service": "a.amazonaws.com"}, "Action": "s3:*"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*"}
    ]}"#;

    fn decide(service: &str, action: &str) -> Decision {
        let Some(policy) = for_principal(DOC, |head| match head.element {
            PrincipalElement::Principal(p) => names_service(p, service),
            PrincipalElement::NotPrincipal(np) => !names_service(np, service),
        }) else {
            return Decision::ImplicitDeny;
        };
        let ctx = RequestContext::new(service, action, "arn:aws:s3:::bkt/k");
        evaluate([&policy], &ctx).decision
    }

    #[test]
    fn statements_apply_by_principal_and_deny_wins() {
        assert_eq!(decide("a.amazonaws.com", "s3:PutObject"), Decision::Allow);
        assert_eq!(
            decide("b.amazonaws.com", "s3:PutObject"),
            Decision::ExplicitDeny
        );
        assert_eq!(
            decide("c.amazonaws.com", "s3:PutObject"),
            Decision::ExplicitDeny
        );
        // {"AWS": "*"} names IAM principals, not services.
        assert_eq!(
            decide("a.amazonaws.com", "s3:GetObject"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn documents_without_statements_compile_to_nothing() {
        for doc in [
            "",
            "[]",
            r#"{"Statement": 3}"#,
            r#"{"Statement": [{"Effect": "Allow"}]}"#,
        ] {
            assert!(for_principal(doc, |_| true).is_none(), "{doc}");
        }
    }
}
