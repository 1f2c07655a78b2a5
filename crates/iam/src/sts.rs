//! STS: `GetCallerIdentity` and the temporary-credential operations `AssumeRole`, `GetSessionToken` and
//! `GetFederationToken` (STS API Reference).
//!
//! Issued credentials are stored by [`sessions`](crate::sessions) and resolved by the [`KeyRing`]
//! (crate::KeyRing) like access keys; the edge checks their session token and expiry.
//!
//! Who may call what (STS API Reference, "Comparing the AWS STS API operations"):
//! - `AssumeRole`: any caller the role's trust policy names, including assumed-role sessions (role chaining,
//!   limited to one hour) and `GetSessionToken` credentials; not federated users.
//! - `GetSessionToken`: IAM users and root with long-term keys ("Cannot call GetSessionToken with session
//!   credentials"); root sessions last at most one hour.
//! - `GetFederationToken`: IAM users and root with long-term keys ("Cannot call GetFederationToken with session
//!   credentials"); root sessions last at most one hour.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Map, Value};
use trailrunner_api::{
    ApiError, CallContext, Caller, CallerKind, Entropy, InvalidInput, IssuerKind, Outcome,
    ServiceHandler, Session, SessionIssuer, SessionOrigin,
};
use trailrunner_store::{ChangeSet, SharedStore};

use crate::entities::{self as e, RoleDoc, ROLE_KIND};
use crate::sessions;
use crate::trust::{self, AssumeRequest};

/// The STS operations built so far (the compatibility table in the docs is generated from this).
pub const STS_IMPLEMENTED: &[&str] = &[
    "GetCallerIdentity",
    "AssumeRole",
    "GetSessionToken",
    "GetFederationToken",
];

/// `AssumeRole`'s `DurationSeconds` default (one hour).
pub(crate) const ASSUME_ROLE_DEFAULT: i64 = 3600;
/// Role chaining (a role session assuming a role) is limited to one hour.
const CHAINED_MAX: i64 = 3600;
/// `GetSessionToken` / `GetFederationToken` default (12 hours).
const TOKEN_DEFAULT: i64 = 43_200;
/// Sessions of the root user last at most one hour (longer requests are cut to one hour, as on AWS).
const ROOT_MAX: i64 = 3600;

pub struct StsHandler {
    store: SharedStore,
    entropy: Arc<dyn Entropy>,
}

impl StsHandler {
    pub fn new(store: SharedStore, entropy: Arc<dyn Entropy>) -> Self {
        StsHandler { store, entropy }
    }
}

#[async_trait]
impl ServiceHandler for StsHandler {
    fn event_source(&self) -> &'static str {
        "sts.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        STS_IMPLEMENTED.contains(&operation)
    }

    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        input: &Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "GetCallerIdentity" => Ok(Outcome::read(json!({
                "UserId": ctx.caller.principal_id,
                "Account": ctx.caller.account_id,
                "Arn": ctx.caller.arn,
            }))),
            "AssumeRole" => self.assume_role(ctx, input).await,
            "GetSessionToken" => self.get_session_token(ctx, input),
            "GetFederationToken" => self.get_federation_token(ctx, input),
            other => Err(ApiError::not_implemented(other)),
        }
    }

    /// STS names constraint failures `ValidationError`, as IAM does.
    fn validation_error(&self, _operation: &str, invalid: InvalidInput) -> ApiError {
        validation(invalid.message)
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

pub(crate) fn access_denied(message: impl Into<String>) -> ApiError {
    ApiError::client("AccessDenied", message).with_status(403)
}

fn not_authorized(caller: &Caller, action: &str, resource: &str) -> ApiError {
    access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        caller.arn
    ))
}

/// Members trailrunner does not support yet: refused rather than ignored (no fake success).
fn refuse_unsupported(input: &Value, members: &[&str]) -> Result<(), ApiError> {
    for m in members {
        if input.get(*m).is_some_and(|v| !v.is_null()) {
            return Err(validation(format!(
                "{m} is not supported by trailrunner yet (no MFA devices, managed policies or session tags)."
            )));
        }
    }
    Ok(())
}

/// A session policy (`Policy`): must be a well-formed identity-based policy.
fn session_policy(input: &Value) -> Result<Option<String>, ApiError> {
    match e::text(input, "Policy") {
        None => Ok(None),
        Some(doc) => match trailrunner_policy::Policy::parse(doc) {
            Ok(_) => Ok(Some(doc.to_string())),
            Err(err) => Err(ApiError::client(
                "MalformedPolicyDocument",
                err.message().to_string(),
            )),
        },
    }
}

fn duration(input: &Value, default: i64) -> i64 {
    input
        .get("DurationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(default)
}

/// `(account, role name)` of `arn:aws:iam::<account>:role/<path><name>`.
pub(crate) fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some("aws"), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (valid_account && !name.is_empty()).then_some((account, name))
}

/// The issuer of credentials obtained by `caller` with its long-term key (`GetFederationToken`).
fn issuer_of(caller: &Caller) -> SessionIssuer {
    match caller.kind {
        CallerKind::IamUser => SessionIssuer {
            kind: IssuerKind::IamUser,
            principal_id: caller.principal_id.clone(),
            arn: caller.arn.clone(),
            account_id: caller.account_id.clone(),
            user_name: caller.user_name.clone(),
        },
        _ => SessionIssuer {
            kind: IssuerKind::Root,
            principal_id: caller.account_id.clone(),
            arn: format!("arn:aws:iam::{}:root", caller.account_id),
            account_id: caller.account_id.clone(),
            user_name: None,
        },
    }
}

fn new_session(ctx: &CallContext, origin: SessionOrigin, secs: i64) -> Session {
    Session {
        origin,
        issuer: None,
        name: None,
        created_at: ctx.now,
        expires_at: ctx.now + jiff::SignedDuration::from_secs(secs),
        mfa_authenticated: false,
        source_identity: None,
        policy: None,
    }
}

impl StsHandler {
    async fn assume_role(&self, ctx: &CallContext, input: &Value) -> Result<Outcome, ApiError> {
        let caller = &ctx.caller;
        let role_arn = e::text(input, "RoleArn").unwrap_or_default();
        let session_name = e::text(input, "RoleSessionName").unwrap_or_default();
        refuse_unsupported(
            input,
            &[
                "PolicyArns",
                "Tags",
                "TransitiveTagKeys",
                "SerialNumber",
                "TokenCode",
                "ProvidedContexts",
            ],
        )?;
        let policy = session_policy(input)?;
        let Some((account, role_name)) = parse_role_arn(role_arn) else {
            return Err(validation(format!("{role_arn} is invalid")));
        };
        // Federated users cannot call STS (other than GetCallerIdentity).
        if caller.kind == CallerKind::FederatedUser {
            return Err(not_authorized(caller, "sts:AssumeRole", role_arn));
        }
        // A role that does not exist is refused like an untrusted one: the answer does not reveal which.
        let role = e::get::<RoleDoc>(self.store.as_ref(), &e::key(account, ROLE_KIND, role_name))
            .await?
            .map(|l| l.doc)
            .filter(|r| r.arn == role_arn);
        let Some(role) = role else {
            return Err(not_authorized(caller, "sts:AssumeRole", role_arn));
        };
        let chained = caller.kind == CallerKind::AssumedRole;
        let secs = duration(input, ASSUME_ROLE_DEFAULT);
        if chained && secs > CHAINED_MAX {
            return Err(validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ));
        }
        if secs > role.max_session_duration {
            return Err(validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        // A chained session keeps the source identity of the session it came from.
        let inherited = caller
            .session
            .as_ref()
            .and_then(|s| s.source_identity.clone());
        let requested = e::text(input, "SourceIdentity").map(str::to_string);
        if let (Some(old), Some(new)) = (&inherited, &requested) {
            if old != new {
                return Err(access_denied(
                    "The source identity of a role session cannot be changed by role chaining.",
                ));
            }
        }
        let request = AssumeRequest {
            external_id: e::text(input, "ExternalId"),
            role_session_name: Some(session_name),
            source_identity: requested.as_deref(),
            source_arn: None,
        };
        let trusted = |action| {
            trust::allows(
                &role.assume_role_policy_document,
                caller,
                action,
                role_arn,
                &request,
                ctx.now,
            )
        };
        if !trusted("sts:AssumeRole") {
            return Err(not_authorized(caller, "sts:AssumeRole", role_arn));
        }
        // Setting a source identity needs its own permission in the trust policy (IAM User Guide, "Monitor
        // and control actions taken with assumed roles").
        if requested.is_some() && inherited.is_none() && !trusted("sts:SetSourceIdentity") {
            return Err(not_authorized(caller, "sts:SetSourceIdentity", role_arn));
        }

        let session_arn = format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}");
        let assumed_id = format!("{}:{session_name}", role.role_id);
        let mut session = new_session(ctx, SessionOrigin::AssumeRole, secs);
        session.issuer = Some(SessionIssuer {
            kind: IssuerKind::Role,
            principal_id: role.role_id.clone(),
            arn: role.arn.clone(),
            account_id: account.to_string(),
            user_name: Some(role.role_name.clone()),
        });
        session.name = Some(session_name.to_string());
        session.source_identity = requested.or(inherited);
        session.policy = policy;
        let who = Caller {
            kind: CallerKind::AssumedRole,
            account_id: account.to_string(),
            principal_id: assumed_id.clone(),
            arn: session_arn.clone(),
            access_key_id: String::new(),
            user_name: None,
            session: None,
        };
        let mut changes = ChangeSet::new();
        let issued = sessions::issue(self.entropy.as_ref(), &mut changes, &who, &session)?;
        let mut out = Map::new();
        out.insert("Credentials".into(), issued.credentials_json());
        out.insert(
            "AssumedRoleUser".into(),
            json!({"AssumedRoleId": assumed_id, "Arn": session_arn}),
        );
        if let Some(source) = &session.source_identity {
            out.insert("SourceIdentity".into(), source.clone().into());
        }
        Ok(Outcome {
            output: Value::Object(out),
            changes,
            resources: Vec::new(),
        })
    }

    fn get_session_token(&self, ctx: &CallContext, input: &Value) -> Result<Outcome, ApiError> {
        let caller = &ctx.caller;
        if caller.session.is_some() {
            return Err(access_denied(
                "Cannot call GetSessionToken with session credentials",
            ));
        }
        refuse_unsupported(input, &["SerialNumber", "TokenCode"])?;
        let mut secs = duration(input, TOKEN_DEFAULT);
        if caller.kind == CallerKind::Root {
            secs = secs.min(ROOT_MAX);
        }
        let session = new_session(ctx, SessionOrigin::GetSessionToken, secs);
        let mut changes = ChangeSet::new();
        let issued = sessions::issue(self.entropy.as_ref(), &mut changes, caller, &session)?;
        Ok(Outcome {
            output: json!({"Credentials": issued.credentials_json()}),
            changes,
            resources: Vec::new(),
        })
    }

    fn get_federation_token(&self, ctx: &CallContext, input: &Value) -> Result<Outcome, ApiError> {
        let caller = &ctx.caller;
        if caller.session.is_some() {
            return Err(access_denied(
                "Cannot call GetFederationToken with session credentials",
            ));
        }
        refuse_unsupported(input, &["PolicyArns", "Tags"])?;
        let name = e::text(input, "Name").unwrap_or_default();
        let policy = session_policy(input)?;
        let mut secs = duration(input, TOKEN_DEFAULT);
        if caller.kind == CallerKind::Root {
            secs = secs.min(ROOT_MAX);
        }
        let account = &caller.account_id;
        let federated_id = format!("{account}:{name}");
        let arn = format!("arn:aws:sts::{account}:federated-user/{name}");
        let mut session = new_session(ctx, SessionOrigin::GetFederationToken, secs);
        session.issuer = Some(issuer_of(caller));
        session.name = Some(name.to_string());
        session.policy = policy;
        let who = Caller {
            kind: CallerKind::FederatedUser,
            account_id: account.clone(),
            principal_id: federated_id.clone(),
            arn: arn.clone(),
            access_key_id: String::new(),
            user_name: None,
            session: None,
        };
        let mut changes = ChangeSet::new();
        let issued = sessions::issue(self.entropy.as_ref(), &mut changes, &who, &session)?;
        Ok(Outcome {
            output: json!({
                "Credentials": issued.credentials_json(),
                "FederatedUser": {"FederatedUserId": federated_id, "Arn": arn},
            }),
            changes,
            resources: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/Deployer"),
            Some(("123456789012", "Deployer"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/R"),
            Some(("123456789012", "R"))
        );
        for bad in [
            "arn:aws:iam::123456789012:user/R",
            "arn:aws:iam::12345:role/R",
            "arn:aws:sts::123456789012:role/R",
            "arn:aws:iam::123456789012:role/",
            "nonsense",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }
}
