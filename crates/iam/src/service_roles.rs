//! An AWS service assuming one of the account's roles by itself (IAM User Guide, "Creating a role to delegate
//! permissions to an AWS service"): App Runner's build service (`build.apprunner.amazonaws.com`) assumes a
//! service's ECR access role to pull its image, its tasks (`tasks.apprunner.amazonaws.com`) the instance role.
//!
//! This is STS `AssumeRole` called by a service principal, not by a signed request: the role must exist in the
//! account the service acts for and its trust policy must name the principal (`{"Service": …}`, see
//! [`crate::trust`]); the credentials are issued and stored like any `AssumeRole` session's. The answer carries
//! the call as STS would see it (input, output or error) so the caller can record it (CloudTrail shows such
//! calls as `AssumeRole` events with an `AWSService` identity) in the same change set as its own effects.

use serde_json::{json, Value};
use trailrunner_api::{
    ApiError, Caller, CallerKind, Entropy, IssuerKind, ServiceCaller, Session, SessionIssuer,
    SessionOrigin,
};
use trailrunner_store::{ChangeSet, Store};

use crate::entities::{self as e, RoleDoc, ROLE_KIND};
use crate::sessions;
use crate::sts::{access_denied, parse_role_arn, ASSUME_ROLE_DEFAULT};
use crate::trust;

/// One `AssumeRole` by a service principal, as STS saw it.
#[derive(Debug)]
pub struct ServiceAssumeRole {
    /// The request, in STS's wire member names (`RoleArn`, `RoleSessionName`, `DurationSeconds`).
    pub input: Value,
    /// STS's `AssumeRole` output (`Credentials`, `AssumedRoleUser`), or its `AccessDenied` refusal.
    pub result: Result<Value, ApiError>,
    /// The stored temporary key when credentials were issued; empty otherwise.
    pub changes: ChangeSet,
}

/// Let `service` assume `role_arn` in its account for one hour (the `AssumeRole` default), naming the session
/// `session_name`. `source_arn` is the resource the service acts for (`aws:SourceArn` in the trust policy).
/// `Err` only when the store fails; a refusal is in [`ServiceAssumeRole::result`].
pub async fn assume_role_as_service(
    store: &dyn Store,
    entropy: &dyn Entropy,
    service: &ServiceCaller,
    role_arn: &str,
    session_name: &str,
    source_arn: Option<&str>,
    now: jiff::Timestamp,
) -> Result<ServiceAssumeRole, ApiError> {
    let input = json!({
        "RoleArn": role_arn,
        "RoleSessionName": session_name,
        "DurationSeconds": ASSUME_ROLE_DEFAULT,
    });
    // STS's refusal for an untrusted or missing role (the answer does not reveal which), naming the principal
    // where a signed caller's ARN would be.
    let refused = || ServiceAssumeRole {
        input: input.clone(),
        result: Err(access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            service.principal
        ))),
        changes: ChangeSet::new(),
    };
    // A service acts for one account: the role must be that account's.
    let Some((account, role_name)) =
        parse_role_arn(role_arn).filter(|(account, _)| *account == service.account_id)
    else {
        return Ok(refused());
    };
    let role = e::get::<RoleDoc>(store, &e::key(account, ROLE_KIND, role_name))
        .await?
        .map(|l| l.doc)
        .filter(|r| r.arn == role_arn);
    let Some(role) = role else {
        return Ok(refused());
    };
    if !trust::allows_service(
        &role.assume_role_policy_document,
        service,
        "sts:AssumeRole",
        role_arn,
        source_arn,
        now,
    ) {
        return Ok(refused());
    }
    let session_arn = format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}");
    let assumed_id = format!("{}:{session_name}", role.role_id);
    let session = Session {
        origin: SessionOrigin::AssumeRole,
        issuer: Some(SessionIssuer {
            kind: IssuerKind::Role,
            principal_id: role.role_id.clone(),
            arn: role.arn.clone(),
            account_id: account.to_string(),
            user_name: Some(role.role_name.clone()),
        }),
        name: Some(session_name.to_string()),
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_secs(ASSUME_ROLE_DEFAULT),
        mfa_authenticated: false,
        source_identity: None,
        policy: None,
    };
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
    let issued = sessions::issue(entropy, &mut changes, &who, &session)?;
    Ok(ServiceAssumeRole {
        input,
        result: Ok(json!({
            "Credentials": issued.credentials_json(),
            "AssumedRoleUser": {"AssumedRoleId": assumed_id, "Arn": session_arn},
        })),
        changes,
    })
}
