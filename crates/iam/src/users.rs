//! `CreateUser`, `GetUser`, `ListUsers`, `DeleteUser`.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, CallerKind, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::account::{installation_key, InstallationDoc};
use crate::entities::{self as e, Loaded, UserDoc, USER_KIND};
use crate::errors::{self, delete_conflict, entity_already_exists, limit_exceeded, missing};
use crate::iam_handler::IamHandler;
use crate::keys::{user_parent, KEY_KIND};
use crate::{ids, roles};

/// `User` as IAM answers it; `ListUsers` leaves out the tags.
pub(crate) fn user_json(user: &UserDoc, with_tags: bool) -> Value {
    let mut out = json!({
        "Path": user.path,
        "UserName": user.user_name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
    });
    if with_tags && !user.tags.is_empty() {
        out["Tags"] = e::tags_json(&user.tags);
    }
    out
}

pub(crate) async fn create_user(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = e::text(input, "UserName").ok_or_else(|| missing("userName"))?;
    let path = e::text(input, "Path").unwrap_or("/");
    roles::refuse_permissions_boundary(input)?;
    let tags = e::tags(input)?;
    let key = e::key(account, USER_KIND, name);
    if h.store
        .get(&key)
        .await
        .map_err(|x| errors::store("reading a user", &x))?
        .is_some()
    {
        return Err(entity_already_exists(format!(
            "User with name {name} already exists."
        )));
    }
    if e::count(h.store.as_ref(), account, USER_KIND).await? >= e::USERS_PER_ACCOUNT {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for UsersPerAccount: {}",
            e::USERS_PER_ACCOUNT
        )));
    }
    let user = UserDoc {
        path: path.to_string(),
        user_name: name.to_string(),
        user_id: ids::user_id(h.entropy.as_ref()),
        arn: format!("arn:aws:iam::{account}:user{path}{name}"),
        create_date: e::iso(ctx),
        tags,
        policies: Vec::new(),
    };
    let mut changes = ChangeSet::new();
    changes.put(key, None, e::encode(&user)?, Expect::Absent);
    Ok(Outcome {
        output: json!({"User": user_json(&user, true)}),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn get_user(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = match (e::text(input, "UserName"), ctx.caller.kind) {
        (Some(name), _) => name,
        (None, CallerKind::IamUser) => ctx.caller.user_name.as_deref().unwrap_or_default(),
        (None, CallerKind::Root) => return root_user(h, ctx).await,
        // IAM's answer for role sessions and federated users, which have no user of their own.
        (None, CallerKind::AssumedRole | CallerKind::FederatedUser) => {
            return Err(crate::errors::validation(
                "Must specify userName when calling with non-User credentials",
            ))
        }
    };
    let user = e::require_user(h.store.as_ref(), account, name).await?;
    Ok(Outcome::read(json!({"User": user_json(&user.doc, true)})))
}

/// `GetUser` without a name, called with root credentials: IAM answers the root "user" (the account id as its
/// id, the root ARN, the account's creation date; no name and no path).
async fn root_user(h: &IamHandler, ctx: &CallContext) -> Result<Outcome, ApiError> {
    let install: Option<Loaded<InstallationDoc>> =
        e::get(h.store.as_ref(), &installation_key()).await?;
    let created = install.map(|i| i.doc.created_at).unwrap_or_default();
    let created = created
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or(created);
    Ok(Outcome::read(json!({"User": {
        "UserId": ctx.caller.account_id,
        "Arn": format!("arn:aws:iam::{}:root", ctx.caller.account_id),
        "CreateDate": created,
    }})))
}

pub(crate) async fn list_users(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let out = e::list_by_path(
        h.store.as_ref(),
        &h.tokens,
        &ctx.caller.account_id,
        input,
        ("ListUsers", USER_KIND, "Users"),
        |u: &UserDoc| u.path.as_str(),
        |u| user_json(u, false),
    )
    .await?;
    Ok(Outcome::read(out))
}

pub(crate) async fn delete_user(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let name = e::text(input, "UserName").ok_or_else(|| missing("userName"))?;
    let user = e::require_user(h.store.as_ref(), account, name).await?;
    let keys = e::list_all(
        h.store.as_ref(),
        "",
        KEY_KIND,
        Some(user_parent(account, &user.doc.user_id)),
    )
    .await?;
    if !keys.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    if !user.doc.policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    let profile = e::login_profile_key(account, &user.doc.user_id);
    if h.store
        .get(&profile)
        .await
        .map_err(|x| errors::store("reading a login profile", &x))?
        .is_some()
    {
        return Err(delete_conflict(
            "Cannot delete entity, must delete login profile first.",
        ));
    }
    let mut changes = ChangeSet::new();
    changes.delete(
        e::key(account, USER_KIND, name),
        Expect::Version(user.version),
    );
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: Vec::new(),
    })
}
