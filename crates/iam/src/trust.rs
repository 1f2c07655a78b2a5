//! Whether a role's trust policy lets a caller assume it.
//!
//! `trailrunner-policy` evaluates identity-based policies, which must not name a principal, so the `Principal` /
//! `NotPrincipal` element is matched here and the rest of each statement (`Action`/`NotAction`, `Condition`) is
//! left to the engine: the statements whose principal element matches the caller are kept, stripped of it (and
//! given `"Resource": "*"`, which trust policies leave out), and evaluated for the requested action on the role.
//! Explicit deny wins as everywhere.
//!
//! Principal matching (IAM User Guide, "AWS JSON policy elements: Principal"):
//! - `"*"` or `{"AWS": "*"}`: everyone;
//! - `{"AWS": "<account id>"}` or `{"AWS": "arn:aws:iam::<account id>:root"}`: every principal of that account
//!   (on AWS the caller's own identity policy must then also allow the action; that check belongs to
//!   authorization);
//! - `{"AWS": "<ARN>"}`: that user, that role (matching its sessions too), that assumed-role session, or that
//!   federated user; wildcards are not allowed in principal ARNs and match nothing;
//! - `{"AWS": "<unique id>"}`: IAM rewrites the ARN of a deleted principal to its unique id (`AIDA…`, `AROA…`);
//!   the id matches the principal it names;
//! - `{"Service": "<principal>"}` (a string or a list): that AWS service acting by itself
//!   ([`ServiceCaller`], e.g. `build.apprunner.amazonaws.com` pulling an ECR image), never an IAM caller; a
//!   service matches only `"*"` and its own `Service` entry, not `{"AWS": …}`;
//! - `Federated`, `CanonicalUser`: never an IAM caller.
//!
//! `NotPrincipal` applies a statement to every principal it does not name.

use serde_json::Value;
use trailrunner_api::{Caller, CallerKind, ServiceCaller};
use trailrunner_policy::resource_policy::{self, PrincipalElement};
use trailrunner_policy::{evaluate, ContextEntry, Decision, RequestContext};

/// What an `AssumeRole` request adds to the request context (`sts:` condition keys).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AssumeRequest<'a> {
    pub(crate) external_id: Option<&'a str>,
    pub(crate) role_session_name: Option<&'a str>,
    pub(crate) source_identity: Option<&'a str>,
    /// `aws:SourceArn`, for a service acting on behalf of one of the account's resources.
    pub(crate) source_arn: Option<&'a str>,
}

/// The names a caller goes by, for principal matching.
fn names(caller: &Caller) -> Vec<&str> {
    let mut out = vec![caller.arn.as_str(), caller.principal_id.as_str()];
    if caller.kind == CallerKind::AssumedRole {
        if let Some(issuer) = caller.session.as_ref().and_then(|s| s.issuer.as_ref()) {
            out.push(issuer.arn.as_str());
            out.push(issuer.principal_id.as_str());
        }
    }
    out
}

/// Whether one principal entry covers the caller; `explicit_only`: only entries that name the caller itself
/// (not `*`, not its account).
fn one_matches(entry: &str, caller: &Caller, explicit_only: bool) -> bool {
    let account = caller.account_id.as_str();
    if !explicit_only
        && (entry == "*" || entry == account || entry == format!("arn:aws:iam::{account}:root"))
    {
        return true;
    }
    names(caller).contains(&entry)
}

/// Who asks to assume a role: an IAM caller, or an AWS service acting by itself.
#[derive(Clone, Copy)]
enum Who<'a> {
    Caller(&'a Caller),
    Service(&'a ServiceCaller),
}

/// Whether `value` (a string or a list of strings) holds an entry for which `matches` holds.
fn any_entry(value: Option<&Value>, matches: impl Fn(&str) -> bool) -> bool {
    match value {
        Some(Value::String(s)) => matches(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    }
}

/// Whether a `Principal` value names the caller.
fn principal_matches(value: &Value, who: Who<'_>, explicit_only: bool) -> bool {
    match who {
        Who::Caller(caller) => match value {
            Value::String(s) => !explicit_only && s == "*",
            Value::Object(map) => {
                any_entry(map.get("AWS"), |s| one_matches(s, caller, explicit_only))
            }
            _ => false,
        },
        Who::Service(service) => {
            // A service matches `"*"` and its own `Service` entry (never an explicit-only grant by name).
            !(explicit_only && value.is_string())
                && resource_policy::names_service(value, &service.principal)
        }
    }
}

/// Whether the trust policy `document` allows `caller` to perform `action` (`sts:AssumeRole`,
/// `sts:SetSourceIdentity`) on the role `role_arn`.
pub(crate) fn allows(
    document: &str,
    caller: &Caller,
    action: &str,
    role_arn: &str,
    request: &AssumeRequest<'_>,
    now: jiff::Timestamp,
) -> bool {
    allows_with(
        document,
        Who::Caller(caller),
        action,
        role_arn,
        request,
        now,
        false,
    )
}

/// Whether the trust policy `document` lets the AWS service `service` perform `action` on the role `role_arn`,
/// acting for the resource `source_arn` of its account (`aws:SourceAccount`, `aws:SourceArn`: the keys trust
/// policies use against the confused deputy).
pub(crate) fn allows_service(
    document: &str,
    service: &ServiceCaller,
    action: &str,
    role_arn: &str,
    source_arn: Option<&str>,
    now: jiff::Timestamp,
) -> bool {
    let request = AssumeRequest {
        source_arn,
        ..AssumeRequest::default()
    };
    allows_with(
        document,
        Who::Service(service),
        action,
        role_arn,
        &request,
        now,
        false,
    )
}

/// Whether the trust policy allows the action through statements that name the caller itself (its ARN or
/// unique id, not `*` or its account). In one account such a grant needs no identity-based policy on top (IAM
/// User Guide, "Policy evaluation logic": a resource-based policy that names the principal is enough), while a
/// grant to the account delegates the decision to the caller's own policies.
pub(crate) fn names_caller(
    document: &str,
    caller: &Caller,
    action: &str,
    role_arn: &str,
    now: jiff::Timestamp,
) -> bool {
    allows_with(
        document,
        Who::Caller(caller),
        action,
        role_arn,
        &AssumeRequest::default(),
        now,
        true,
    )
}

fn allows_with(
    document: &str,
    who: Who<'_>,
    action: &str,
    role_arn: &str,
    request: &AssumeRequest<'_>,
    now: jiff::Timestamp,
    explicit_only: bool,
) -> bool {
    let policy = resource_policy::for_principal(document, |head| {
        // Only grants must name the caller explicitly; every deny that covers it still counts.
        let explicit_only = explicit_only && !head.deny;
        match head.element {
            PrincipalElement::Principal(p) => principal_matches(p, who, explicit_only),
            PrincipalElement::NotPrincipal(np) => {
                !explicit_only && !principal_matches(np, who, false)
            }
        }
    });
    let Some(policy) = policy else {
        return false;
    };

    let values: Vec<(&str, [&str; 1])> = [
        ("sts:ExternalId", request.external_id),
        ("sts:RoleSessionName", request.role_session_name),
        ("sts:SourceIdentity", request.source_identity),
        ("aws:SourceArn", request.source_arn),
        (
            "aws:SourceAccount",
            match who {
                Who::Service(service) => Some(service.account_id.as_str()),
                Who::Caller(_) => None,
            },
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, [v])))
    .collect();
    let extra: Vec<ContextEntry<'_>> = values
        .iter()
        .map(|(key, v)| ContextEntry { key, values: v })
        .collect();
    let ctx = match who {
        Who::Caller(caller) => {
            let issuer = caller.session.as_ref().and_then(|s| s.issuer.as_ref());
            let principal_arn = match caller.kind {
                CallerKind::AssumedRole => issuer.map_or(caller.arn.as_str(), |i| i.arn.as_str()),
                _ => caller.arn.as_str(),
            };
            let principal_type = match caller.kind {
                CallerKind::Root => "Account",
                CallerKind::IamUser => "User",
                CallerKind::AssumedRole => "AssumedRole",
                CallerKind::FederatedUser => "FederatedUser",
            };
            RequestContext {
                principal: caller.arn.as_str(),
                action,
                resource: role_arn,
                current_time: Some(now),
                multi_factor_auth_present: caller.session.as_ref().map(|s| s.mfa_authenticated),
                username: caller.user_name.as_deref(),
                userid: Some(caller.principal_id.as_str()),
                principal_arn: Some(principal_arn),
                principal_account: Some(caller.account_id.as_str()),
                principal_type: Some(principal_type),
                extra: &extra,
                ..RequestContext::default()
            }
        }
        // A service principal has no ARN, account or user id of its own.
        Who::Service(service) => RequestContext {
            principal: service.principal.as_str(),
            action,
            resource: role_arn,
            current_time: Some(now),
            extra: &extra,
            ..RequestContext::default()
        },
    };
    evaluate([&policy], &ctx).decision == Decision::Allow
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use trailrunner_api::{IssuerKind, Session, SessionIssuer, SessionOrigin};

    const ACCT: &str = "123456789012";
    const ROLE: &str = "arn:aws:iam::123456789012:role/Deployer";

    fn user(name: &str) -> Caller {
        Caller {
            kind: CallerKind::IamUser,
            account_id: ACCT.into(),
            principal_id: format!("AIDA{}", name.to_uppercase()),
            arn: format!("arn:aws:iam::{ACCT}:user/{name}"),
            access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
            user_name: Some(name.into()),
            session: None,
        }
    }

    fn session_of_role() -> Caller {
        Caller {
            kind: CallerKind::AssumedRole,
            account_id: ACCT.into(),
            principal_id: "AROAOTHER:s".into(),
            arn: format!("arn:aws:sts::{ACCT}:assumed-role/Other/s"),
            access_key_id: "ASIAAAAAAAAAAAAAAAAA".into(),
            user_name: None,
            session: Some(Arc::new(Session {
                origin: SessionOrigin::AssumeRole,
                issuer: Some(SessionIssuer {
                    kind: IssuerKind::Role,
                    principal_id: "AROAOTHER".into(),
                    arn: format!("arn:aws:iam::{ACCT}:role/Other"),
                    account_id: ACCT.into(),
                    user_name: Some("Other".into()),
                }),
                name: Some("s".into()),
                created_at: jiff::Timestamp::UNIX_EPOCH,
                expires_at: jiff::Timestamp::UNIX_EPOCH,
                mfa_authenticated: false,
                source_identity: None,
                policy: None,
            })),
        }
    }

    fn trust(principal: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
        )
    }

    fn check(doc: &str, caller: &Caller) -> bool {
        allows(
            doc,
            caller,
            "sts:AssumeRole",
            ROLE,
            &AssumeRequest::default(),
            jiff::Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn principal_forms() {
        let alice = user("alice");
        let bob = user("bob");
        let cases: &[(&str, bool, bool)] = &[
            // principal element, alice allowed, bob allowed
            (r#""*""#, true, true),
            (r#"{"AWS":"*"}"#, true, true),
            (r#"{"AWS":"123456789012"}"#, true, true),
            (r#"{"AWS":"arn:aws:iam::123456789012:root"}"#, true, true),
            (
                r#"{"AWS":"arn:aws:iam::123456789012:user/alice"}"#,
                true,
                false,
            ),
            (
                r#"{"AWS":["arn:aws:iam::1:user/x","arn:aws:iam::123456789012:user/bob"]}"#,
                false,
                true,
            ),
            (r#"{"AWS":"AIDAALICE"}"#, true, false),
            (
                r#"{"AWS":"arn:aws:iam::123456789012:user/*"}"#,
                false,
                false,
            ),
            (r#"{"AWS":"999999999999"}"#, false, false),
            (r#"{"Service":"apprunner.amazonaws.com"}"#, false, false),
            (r#"{"Federated":"accounts.google.com"}"#, false, false),
        ];
        for (principal, a, b) in cases {
            let doc = trust(principal);
            assert_eq!(check(&doc, &alice), *a, "alice, {principal}");
            assert_eq!(check(&doc, &bob), *b, "bob, {principal}");
        }
    }

    #[test]
    fn only_grants_naming_the_caller_count_as_explicit() {
        let alice = user("alice");
        let names = |doc: &str, who: &Caller| {
            names_caller(
                doc,
                who,
                "sts:AssumeRole",
                ROLE,
                jiff::Timestamp::UNIX_EPOCH,
            )
        };
        let by_arn = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}}"#;
        assert!(names(by_arn, &alice));
        assert!(!names(by_arn, &user("bob")));
        for broad in [
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}}"#,
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#,
        ] {
            assert!(!names(broad, &alice), "{broad}");
            assert!(check(broad, &alice), "{broad}");
        }
        // A deny to the whole account still wins over a grant by name.
        let denied = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!names(denied, &alice));
    }

    #[test]
    fn actions_deny_not_principal_and_conditions() {
        let alice = user("alice");
        let wrong_action = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:TagSession"}}"#;
        assert!(!check(wrong_action, &alice));
        let wildcard = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:*"}}"#;
        assert!(check(wildcard, &alice));
        let deny_alice = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!check(deny_alice, &alice));
        assert!(check(deny_alice, &user("bob")));
        let not_principal = r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
            {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}"#;
        assert!(check(not_principal, &alice));
        assert!(!check(not_principal, &user("bob")));
        let external = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole",
            "Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}}"#;
        assert!(!check(external, &alice));
        let with_id = AssumeRequest {
            external_id: Some("xyz"),
            ..AssumeRequest::default()
        };
        assert!(allows(
            external,
            &alice,
            "sts:AssumeRole",
            ROLE,
            &with_id,
            jiff::Timestamp::UNIX_EPOCH
        ));
        assert!(!check("not json", &alice));
    }

    #[test]
    fn service_principals_match_services_only() {
        let build = ServiceCaller {
            principal: "build.apprunner.amazonaws.com".into(),
            account_id: ACCT.into(),
        };
        let service = |doc: &str, source: Option<&str>| {
            allows_service(
                doc,
                &build,
                "sts:AssumeRole",
                ROLE,
                source,
                jiff::Timestamp::UNIX_EPOCH,
            )
        };
        let cases: &[(&str, bool)] = &[
            (r#"{"Service":"build.apprunner.amazonaws.com"}"#, true),
            (
                r#"{"Service":["tasks.apprunner.amazonaws.com","build.apprunner.amazonaws.com"]}"#,
                true,
            ),
            (r#"{"Service":"tasks.apprunner.amazonaws.com"}"#, false),
            (r#"{"Service":"build.apprunner.amazonaws.co"}"#, false),
            (r#"{"Service":"*.amazonaws.com"}"#, false),
            (r#""*""#, true),
            (r#"{"AWS":"*"}"#, false),
            (r#"{"AWS":"123456789012"}"#, false),
            (r#"{"AWS":"build.apprunner.amazonaws.com"}"#, false),
        ];
        for (principal, allowed) in cases {
            let doc = trust(principal);
            assert_eq!(service(&doc, None), *allowed, "{principal}");
            // IAM callers never match a Service principal, whatever it names.
            if principal.contains("Service") {
                assert!(!check(&doc, &user("alice")), "alice, {principal}");
            }
        }
        // Deny and NotPrincipal apply to services too.
        let denied = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"build.apprunner.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","NotPrincipal":{"Service":"tasks.apprunner.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert!(!service(denied, None));
        // The confused-deputy condition keys.
        let scoped = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"build.apprunner.amazonaws.com"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},
            "ArnLike":{"aws:SourceArn":"arn:aws:apprunner:*:123456789012:service/*"}}}}"#;
        let svc = "arn:aws:apprunner:us-east-1:123456789012:service/web/0123";
        assert!(service(scoped, Some(svc)));
        assert!(!service(scoped, None));
        let other = ServiceCaller {
            account_id: "999999999999".into(),
            ..build.clone()
        };
        assert!(!allows_service(
            scoped,
            &other,
            "sts:AssumeRole",
            ROLE,
            Some(svc),
            jiff::Timestamp::UNIX_EPOCH
        ));
    }

    #[test]
    fn role_sessions_match_by_role_or_session_arn() {
        let s = session_of_role();
        assert!(check(
            &trust(r#"{"AWS":"arn:aws:iam::123456789012:role/Other"}"#),
            &s
        ));
        assert!(check(
            &trust(r#"{"AWS":"arn:aws:sts::123456789012:assumed-role/Other/s"}"#),
            &s
        ));
        assert!(!check(
            &trust(r#"{"AWS":"arn:aws:iam::123456789012:role/Deployer"}"#),
            &s
        ));
    }
}
