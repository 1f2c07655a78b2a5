//! `CreateRole`, `GetRole`, `ListRoles`, `DeleteRole`, `UpdateAssumeRolePolicy`.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::entities::{self as e, RoleDoc, ROLE_KIND};
use crate::errors::{
    self, delete_conflict, entity_already_exists, limit_exceeded, missing, no_such_entity,
};
use crate::iam_handler::IamHandler;
use crate::{ids, policy_doc};

/// A role's `MaxSessionDuration` when the caller gives none (one hour).
const DEFAULT_MAX_SESSION: i64 = 3600;

/// Which parts of a role an answer shows: `ListRoles` leaves out tags and `RoleLastUsed`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Full,
    Listed,
}

fn role_json(role: &RoleDoc, view: View) -> Value {
    let mut out = Map::new();
    out.insert("Path".into(), role.path.clone().into());
    out.insert("RoleName".into(), role.role_name.clone().into());
    out.insert("RoleId".into(), role.role_id.clone().into());
    out.insert("Arn".into(), role.arn.clone().into());
    out.insert("CreateDate".into(), role.create_date.clone().into());
    out.insert(
        "AssumeRolePolicyDocument".into(),
        policy_doc::url_encoded(&role.assume_role_policy_document).into(),
    );
    if let Some(description) = &role.description {
        out.insert("Description".into(), description.clone().into());
    }
    out.insert(
        "MaxSessionDuration".into(),
        role.max_session_duration.into(),
    );
    if view == View::Full {
        if !role.tags.is_empty() {
            out.insert("Tags".into(), e::tags_json(&role.tags));
        }
        out.insert("RoleLastUsed".into(), json!({}));
    }
    Value::Object(out)
}

/// Permissions boundaries are managed policies, which trailrunner does not have yet: a boundary cannot name
/// one that exists.
pub(crate) fn refuse_permissions_boundary(input: &Value) -> Result<(), ApiError> {
    match e::text(input, "PermissionsBoundary") {
        Some(arn) => Err(no_such_entity(format!(
            "Scope ARN: {arn} does not exist or is not attachable."
        ))),
        None => Ok(()),
    }
}

pub(crate) async fn create_role(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = e::text(input, "RoleName").ok_or_else(|| missing("roleName"))?;
    let trust = e::text(input, "AssumeRolePolicyDocument")
        .ok_or_else(|| missing("assumeRolePolicyDocument"))?;
    let path = e::text(input, "Path").unwrap_or("/");
    let tags = e::tags(input)?;
    let key = e::key(account, ROLE_KIND, name);
    if h.store
        .get(&key)
        .await
        .map_err(|x| errors::store("reading a role", &x))?
        .is_some()
    {
        return Err(entity_already_exists(format!(
            "Role with name {name} already exists."
        )));
    }
    policy_doc::check_trust(trust)?;
    refuse_permissions_boundary(input)?;
    if e::count(h.store.as_ref(), account, ROLE_KIND).await? >= e::ROLES_PER_ACCOUNT {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for RolesPerAccount: {}",
            e::ROLES_PER_ACCOUNT
        )));
    }
    let role = RoleDoc {
        path: path.to_string(),
        role_name: name.to_string(),
        role_id: ids::role_id(h.entropy.as_ref()),
        arn: format!("arn:aws:iam::{account}:role{path}{name}"),
        create_date: e::iso(ctx),
        assume_role_policy_document: trust.to_string(),
        description: e::text(input, "Description").map(str::to_string),
        max_session_duration: input
            .get("MaxSessionDuration")
            .and_then(Value::as_i64)
            .unwrap_or(DEFAULT_MAX_SESSION),
        tags,
        policies: Vec::new(),
    };
    let mut changes = ChangeSet::new();
    changes.put(key, None, e::encode(&role)?, Expect::Absent);
    let mut shown = role_json(&role, View::Full);
    if let Some(map) = shown.as_object_mut() {
        map.remove("RoleLastUsed");
    }
    Ok(Outcome {
        output: json!({"Role": shown}),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn get_role(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let name = e::text(input, "RoleName").ok_or_else(|| missing("roleName"))?;
    let role = e::require_role(h.store.as_ref(), &ctx.caller.account_id, name).await?;
    Ok(Outcome::read(
        json!({"Role": role_json(&role.doc, View::Full)}),
    ))
}

pub(crate) async fn list_roles(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let out = e::list_by_path(
        h.store.as_ref(),
        &h.tokens,
        &ctx.caller.account_id,
        input,
        ("ListRoles", ROLE_KIND, "Roles"),
        |r: &RoleDoc| r.path.as_str(),
        |r| role_json(r, View::Listed),
    )
    .await?;
    Ok(Outcome::read(out))
}

pub(crate) async fn delete_role(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = e::text(input, "RoleName").ok_or_else(|| missing("roleName"))?;
    let role = e::require_role(h.store.as_ref(), account, name).await?;
    if !role.doc.policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    let mut changes = ChangeSet::new();
    changes.delete(
        e::key(account, ROLE_KIND, name),
        Expect::Version(role.version),
    );
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn update_assume_role_policy(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = e::text(input, "RoleName").ok_or_else(|| missing("roleName"))?;
    let document = e::text(input, "PolicyDocument").ok_or_else(|| missing("policyDocument"))?;
    let mut role = e::require_role(h.store.as_ref(), account, name).await?;
    policy_doc::check_trust(document)?;
    role.doc.assume_role_policy_document = document.to_string();
    let mut changes = ChangeSet::new();
    changes.put(
        e::key(account, ROLE_KIND, name),
        None,
        e::encode(&role.doc)?,
        Expect::Version(role.version),
    );
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: Vec::new(),
    })
}
