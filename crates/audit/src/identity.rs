//! `userIdentity` and the user name Event history shows, per caller kind (spec §2).
//!
//! Temporary credentials add `sessionContext` (spec §2.2): `sessionIssuer` (how they were obtained; an empty
//! object for `GetSessionToken` credentials, which have no issuer other than the caller itself), the empty
//! `webIdFederationData` that CloudTrail's records of STS sessions carry, `attributes` (`creationDate` in the
//! extended ISO form, `mfaAuthenticated` as the string `"false"`/`"true"`), and `sourceIdentity` when set.

use serde_json::{json, Map, Value};
use trailrunner_api::{Caller, CallerKind, ServiceCaller, Session};

pub fn user_identity(caller: &Caller) -> Value {
    let mut out = match caller.kind {
        CallerKind::Root => json!({
            "type": "Root",
            "principalId": caller.account_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
            "accessKeyId": caller.access_key_id,
        }),
        CallerKind::IamUser => json!({
            "type": "IAMUser",
            "principalId": caller.principal_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
            "accessKeyId": caller.access_key_id,
            "userName": caller.user_name,
        }),
        // `userName` is absent for both: an assumed role's name is in `sessionContext.sessionIssuer.userName`.
        CallerKind::AssumedRole | CallerKind::FederatedUser => json!({
            "type": caller.kind.as_str(),
            "principalId": caller.principal_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
            "accessKeyId": caller.access_key_id,
        }),
    };
    if let (Some(session), Some(map)) = (&caller.session, out.as_object_mut()) {
        map.insert("sessionContext".into(), session_context(session));
    }
    out
}

fn session_context(session: &Session) -> Value {
    let mut issuer = Map::new();
    if let Some(i) = &session.issuer {
        issuer.insert("type".into(), i.kind.as_str().into());
        issuer.insert("principalId".into(), i.principal_id.clone().into());
        issuer.insert("arn".into(), i.arn.clone().into());
        issuer.insert("accountId".into(), i.account_id.clone().into());
        if let Some(name) = &i.user_name {
            issuer.insert("userName".into(), name.clone().into());
        }
    }
    let mut out = Map::new();
    out.insert("sessionIssuer".into(), Value::Object(issuer));
    out.insert("webIdFederationData".into(), json!({}));
    out.insert(
        "attributes".into(),
        json!({
            "creationDate": session.created_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "mfaAuthenticated": if session.mfa_authenticated { "true" } else { "false" },
        }),
    );
    if let Some(source) = &session.source_identity {
        out.insert("sourceIdentity".into(), source.clone().into());
    }
    Value::Object(out)
}

/// `userIdentity` of what an AWS service does by itself on an account's behalf (spec §2.1, §2.3): the type and
/// `invokedBy` only. No `principalId`, `arn`, `accountId` or `accessKeyId` (the service signs with nothing of the
/// account's), and no `userName` (absent for `AWSService`, §2.1).
pub fn service_identity(service: &ServiceCaller) -> Value {
    json!({"type": "AWSService", "invokedBy": service.principal})
}

/// The `Username` Event history shows for an event of an AWS service acting by itself (spec §5.3: "AWSService →
/// often the role session name or absent"): the role session name of an `AssumeRole` the service made (as for
/// an EC2 instance profile, whose session name, the instance id, is the user name), otherwise empty.
pub fn service_username(role_session_name: Option<&str>) -> String {
    role_session_name.unwrap_or_default().to_string()
}

/// The `Username` of an event in Event history (spec §5.3): `root` for the root user, the user name for IAM users
/// (also with session credentials), the role session name for assumed roles, the federated user's name for
/// federated users.
pub fn username(caller: &Caller) -> String {
    match caller.kind {
        CallerKind::Root => "root".into(),
        CallerKind::IamUser => caller.user_name.clone().unwrap_or_default(),
        CallerKind::AssumedRole | CallerKind::FederatedUser => caller
            .session
            .as_ref()
            .and_then(|s| s.name.clone())
            .or_else(|| caller.arn.rsplit('/').next().map(str::to_string))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use trailrunner_api::{IssuerKind, SessionIssuer, SessionOrigin};

    const ACCT: &str = "123456789012";

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn session(
        origin: SessionOrigin,
        issuer: Option<SessionIssuer>,
        name: Option<&str>,
    ) -> Option<Arc<Session>> {
        Some(Arc::new(Session {
            origin,
            issuer,
            name: name.map(str::to_string),
            created_at: at("2026-11-25T03:51:22.123Z"),
            expires_at: at("2026-11-25T04:51:22Z"),
            mfa_authenticated: false,
            source_identity: None,
            policy: None,
        }))
    }

    fn user() -> Caller {
        Caller {
            kind: CallerKind::IamUser,
            account_id: ACCT.into(),
            principal_id: "AIDAAAAAAAAAAAAAAAAAA".into(),
            arn: format!("arn:aws:iam::{ACCT}:user/dev/alice"),
            access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
            user_name: Some("alice".into()),
            session: None,
        }
    }

    #[test]
    fn aws_service_has_only_type_and_invoked_by() {
        let service = ServiceCaller {
            principal: "build.apprunner.amazonaws.com".into(),
            account_id: ACCT.into(),
        };
        assert_eq!(
            service_identity(&service),
            json!({"type": "AWSService", "invokedBy": "build.apprunner.amazonaws.com"})
        );
        assert_eq!(
            service_identity(&service).to_string(),
            r#"{"type":"AWSService","invokedBy":"build.apprunner.amazonaws.com"}"#,
            "rendered exactly, type first"
        );
        assert_eq!(service_username(Some("0123abcd")), "0123abcd");
        assert_eq!(service_username(None), "");
    }

    #[test]
    fn long_term_callers_are_unchanged() {
        let root = Caller {
            kind: CallerKind::Root,
            account_id: ACCT.into(),
            principal_id: ACCT.into(),
            arn: format!("arn:aws:iam::{ACCT}:root"),
            access_key_id: "AKIAROOTROOTROOTROOT".into(),
            user_name: None,
            session: None,
        };
        assert_eq!(
            user_identity(&root),
            json!({"type": "Root", "principalId": ACCT, "arn": format!("arn:aws:iam::{ACCT}:root"),
                   "accountId": ACCT, "accessKeyId": "AKIAROOTROOTROOTROOT"})
        );
        assert_eq!(username(&root), "root");
        assert_eq!(
            user_identity(&user()),
            json!({"type": "IAMUser", "principalId": "AIDAAAAAAAAAAAAAAAAAA",
                   "arn": format!("arn:aws:iam::{ACCT}:user/dev/alice"), "accountId": ACCT,
                   "accessKeyId": "AKIAAAAAAAAAAAAAAAAA", "userName": "alice"})
        );
        assert_eq!(username(&user()), "alice");
    }

    #[test]
    fn assumed_role() {
        let mut s = (*session(
            SessionOrigin::AssumeRole,
            Some(SessionIssuer {
                kind: IssuerKind::Role,
                principal_id: "AROABBBBBBBBBBBBBBBBB".into(),
                arn: format!("arn:aws:iam::{ACCT}:role/ops/Deployer"),
                account_id: ACCT.into(),
                user_name: Some("Deployer".into()),
            }),
            Some("ci-run"),
        )
        .unwrap())
        .clone();
        s.source_identity = Some("alice".into());
        let caller = Caller {
            kind: CallerKind::AssumedRole,
            account_id: ACCT.into(),
            principal_id: "AROABBBBBBBBBBBBBBBBB:ci-run".into(),
            arn: format!("arn:aws:sts::{ACCT}:assumed-role/Deployer/ci-run"),
            access_key_id: "ASIACCCCCCCCCCCCCCCC".into(),
            user_name: None,
            session: Some(Arc::new(s)),
        };
        assert_eq!(
            user_identity(&caller),
            json!({
                "type": "AssumedRole",
                "principalId": "AROABBBBBBBBBBBBBBBBB:ci-run",
                "arn": format!("arn:aws:sts::{ACCT}:assumed-role/Deployer/ci-run"),
                "accountId": ACCT,
                "accessKeyId": "ASIACCCCCCCCCCCCCCCC",
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "principalId": "AROABBBBBBBBBBBBBBBBB",
                                      "arn": format!("arn:aws:iam::{ACCT}:role/ops/Deployer"),
                                      "accountId": ACCT, "userName": "Deployer"},
                    "webIdFederationData": {},
                    "attributes": {"creationDate": "2026-11-25T03:51:22Z", "mfaAuthenticated": "false"},
                    "sourceIdentity": "alice",
                },
            })
        );
        assert_eq!(username(&caller), "ci-run");
    }

    #[test]
    fn federated_user_issued_by_a_user_or_root() {
        let mut caller = Caller {
            kind: CallerKind::FederatedUser,
            account_id: ACCT.into(),
            principal_id: format!("{ACCT}:Bob"),
            arn: format!("arn:aws:sts::{ACCT}:federated-user/Bob"),
            access_key_id: "ASIADDDDDDDDDDDDDDDD".into(),
            user_name: None,
            session: session(
                SessionOrigin::GetFederationToken,
                Some(SessionIssuer {
                    kind: IssuerKind::IamUser,
                    principal_id: "AIDAAAAAAAAAAAAAAAAAA".into(),
                    arn: format!("arn:aws:iam::{ACCT}:user/dev/alice"),
                    account_id: ACCT.into(),
                    user_name: Some("alice".into()),
                }),
                Some("Bob"),
            ),
        };
        let v = user_identity(&caller);
        assert_eq!(v["type"], "FederatedUser");
        assert_eq!(v["principalId"], format!("{ACCT}:Bob"));
        assert!(v.get("userName").is_none());
        assert_eq!(
            v["sessionContext"]["sessionIssuer"],
            json!({"type": "IAMUser", "principalId": "AIDAAAAAAAAAAAAAAAAAA",
                   "arn": format!("arn:aws:iam::{ACCT}:user/dev/alice"), "accountId": ACCT, "userName": "alice"})
        );
        assert!(v["sessionContext"].get("sourceIdentity").is_none());
        assert_eq!(username(&caller), "Bob");

        caller.session = session(
            SessionOrigin::GetFederationToken,
            Some(SessionIssuer {
                kind: IssuerKind::Root,
                principal_id: ACCT.into(),
                arn: format!("arn:aws:iam::{ACCT}:root"),
                account_id: ACCT.into(),
                user_name: None,
            }),
            Some("Bob"),
        );
        let v = user_identity(&caller);
        assert_eq!(
            v["sessionContext"]["sessionIssuer"],
            json!({"type": "Root", "principalId": ACCT, "arn": format!("arn:aws:iam::{ACCT}:root"), "accountId": ACCT})
        );
    }

    #[test]
    fn session_token_of_a_user_keeps_the_user_and_adds_attributes() {
        let mut caller = user();
        caller.access_key_id = "ASIAEEEEEEEEEEEEEEEE".into();
        caller.session = session(SessionOrigin::GetSessionToken, None, None);
        let v = user_identity(&caller);
        assert_eq!(v["type"], "IAMUser");
        assert_eq!(v["userName"], "alice");
        assert_eq!(v["accessKeyId"], "ASIAEEEEEEEEEEEEEEEE");
        assert_eq!(
            v["sessionContext"],
            json!({"sessionIssuer": {}, "webIdFederationData": {},
                   "attributes": {"creationDate": "2026-11-25T03:51:22Z", "mfaAuthenticated": "false"}})
        );
        assert_eq!(username(&caller), "alice");
    }
}
