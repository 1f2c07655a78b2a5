//! `CreateAccessKey`, `ListAccessKeys`, `UpdateAccessKey`, `DeleteAccessKey`.
//!
//! Without `UserName` a call is about the caller's own keys: an IAM user's, or the root user's (as in IAM). Key
//! rows live in the global scope under their id (see `keys`); a change to one is made effective at once by the
//! edge, which invalidates the [`KeyRing`](crate::KeyRing) entry of every key a committed change set touched.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, CallerKind, Outcome};
use trailrunner_store::{ChangeSet, Expect};

use crate::account::{installation_key, InstallationDoc};
use crate::entities::{self as e, Loaded, UserDoc, USER_KIND};
use crate::errors::{invalid_input, limit_exceeded, missing, no_such_entity};
use crate::iam_handler::IamHandler;
use crate::ids;
use crate::keys::{deleted_key_row, key_row, root_parent, user_parent, AccessKeyDoc, KEY_KIND};

/// IAM's quota of access keys per user (and for the root user).
pub(crate) const KEYS_PER_USER: usize = 2;

/// Whose keys a call is about.
enum Owner {
    Root,
    User(Loaded<UserDoc>),
}

impl Owner {
    fn parent(&self, account: &str) -> String {
        match self {
            Owner::Root => root_parent(account),
            Owner::User(u) => user_parent(account, &u.doc.user_id),
        }
    }

    fn user_name(&self) -> Option<&str> {
        match self {
            Owner::Root => None,
            Owner::User(u) => Some(&u.doc.user_name),
        }
    }
}

async fn owner(h: &IamHandler, ctx: &CallContext, input: &Value) -> Result<Owner, ApiError> {
    let account = &ctx.caller.account_id;
    let name = match (e::text(input, "UserName"), ctx.caller.kind) {
        (Some(name), _) => name,
        (None, CallerKind::IamUser) => ctx.caller.user_name.as_deref().unwrap_or_default(),
        (None, CallerKind::Root) => return Ok(Owner::Root),
        // IAM's answer for role sessions and federated users, which have no user of their own.
        (None, CallerKind::AssumedRole | CallerKind::FederatedUser) => {
            return Err(crate::errors::validation(
                "Must specify userName when calling with non-User credentials",
            ))
        }
    };
    Ok(Owner::User(
        e::require_user(h.store.as_ref(), account, name).await?,
    ))
}

/// The owner's keys, oldest first.
async fn keys_of(
    h: &IamHandler,
    account: &str,
    owner: &Owner,
) -> Result<Vec<(i64, String, AccessKeyDoc)>, ApiError> {
    let rows = e::list_all(h.store.as_ref(), "", KEY_KIND, Some(owner.parent(account))).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let doc: Loaded<AccessKeyDoc> = e::decode(&row)?;
        out.push((row.seq, row.key.id.clone(), doc.doc));
    }
    Ok(out)
}

fn metadata(id: &str, key: &AccessKeyDoc) -> Value {
    let mut out = Map::new();
    if let Some(name) = &key.user_name {
        out.insert("UserName".into(), name.clone().into());
    }
    out.insert("AccessKeyId".into(), id.into());
    out.insert("Status".into(), key.status.clone().into());
    out.insert("CreateDate".into(), key.created_at.clone().into());
    Value::Object(out)
}

pub(crate) async fn create_access_key(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let owner = owner(h, ctx, input).await?;
    if keys_of(h, account, &owner).await?.len() >= KEYS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
        )));
    }
    let id = ids::access_key_id(h.entropy.as_ref());
    let key = AccessKeyDoc {
        account_id: account.clone(),
        secret_access_key: ids::secret_access_key(h.entropy.as_ref()),
        status: "Active".into(),
        user_name: owner.user_name().map(str::to_string),
        user_id: match &owner {
            Owner::Root => None,
            Owner::User(u) => Some(u.doc.user_id.clone()),
        },
        user_arn: match &owner {
            Owner::Root => None,
            Owner::User(u) => Some(u.doc.arn.clone()),
        },
        created_at: e::iso(ctx),
    };
    let mut changes = ChangeSet::new();
    changes.put(
        key_row(&id),
        Some(owner.parent(account)),
        e::encode(&key)?,
        Expect::Absent,
    );
    if let Owner::User(user) = &owner {
        // Rewriting the user under its version serialises concurrent creations (the quota) and a concurrent
        // DeleteUser (which would otherwise leave a key without a user).
        changes.put(
            e::key(account, USER_KIND, &user.doc.user_name),
            None,
            e::encode(&user.doc)?,
            Expect::Version(user.version),
        );
    }
    let mut access_key = metadata(&id, &key);
    access_key["SecretAccessKey"] = key.secret_access_key.clone().into();
    Ok(Outcome {
        output: json!({"AccessKey": access_key}),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn list_access_keys(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let owner = owner(h, ctx, input).await?;
    let paging = e::Paging {
        tokens: &h.tokens,
        scope: format!("iam:ListAccessKeys:{}", owner.parent(account)),
    };
    let (after, max) = paging.start(input)?;
    let keys = keys_of(h, account, &owner)
        .await?
        .into_iter()
        .map(|(seq, id, doc)| (seq, metadata(&id, &doc)))
        .collect();
    let (shown, more) = e::page(keys, after, max);
    let mut out = Map::new();
    out.insert("AccessKeyMetadata".into(), Value::Array(shown));
    paging.finish(&mut out, more);
    Ok(Outcome::read(Value::Object(out)))
}

/// The owner's key with this id, with its row version.
async fn owned_key(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<(String, Loaded<AccessKeyDoc>, String), ApiError> {
    let account = &ctx.caller.account_id;
    let id = e::text(input, "AccessKeyId").ok_or_else(|| missing("accessKeyId"))?;
    let owner = owner(h, ctx, input).await?;
    let parent = owner.parent(account);
    let not_found = || no_such_entity(format!("The Access Key with id {id} cannot be found."));
    let row = h
        .store
        .get(&key_row(id))
        .await
        .map_err(|x| crate::errors::store("reading an access key", &x))?
        .ok_or_else(not_found)?;
    if row.parent.as_deref() != Some(parent.as_str()) {
        return Err(not_found());
    }
    Ok((id.to_string(), e::decode(&row)?, parent))
}

pub(crate) async fn update_access_key(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let status = e::text(input, "Status").ok_or_else(|| missing("status"))?;
    if status != "Active" && status != "Inactive" {
        return Err(invalid_input(format!(
            "Status {status} is not valid: an access key can be made Active or Inactive."
        )));
    }
    let (id, mut key, parent) = owned_key(h, ctx, input).await?;
    let mut changes = ChangeSet::new();
    if key.doc.status != status {
        key.doc.status = status.to_string();
        changes.put(
            key_row(&id),
            Some(parent),
            e::encode(&key.doc)?,
            Expect::Version(key.version),
        );
    }
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: Vec::new(),
    })
}

pub(crate) async fn delete_access_key(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let (id, key, _) = owned_key(h, ctx, input).await?;
    // The data dir's own root key (root-credentials.json) is what the server and `trailrunner env` start from;
    // deleting it would leave an installation nobody can sign in to.
    let install: Option<Loaded<InstallationDoc>> =
        e::get(h.store.as_ref(), &installation_key()).await?;
    if install.is_some_and(|i| i.doc.root_access_key_id == id) {
        return Err(invalid_input(format!(
            "The access key {id} is this installation's root key (root-credentials.json) and cannot be deleted; \
             deactivate it instead."
        )));
    }
    let mut changes = ChangeSet::new();
    changes.delete(key_row(&id), Expect::Version(key.version));
    // Kept aside (never listed, counted or accepted), so that a request still signed with it is refused *and*
    // recorded in its account.
    let mut tombstone = key.doc;
    tombstone.status = "Deleted".into();
    let tombstone = serde_json::to_string(&tombstone)
        .map_err(|e| ApiError::internal_from("encoding a deleted access key", &e))?;
    changes.put(deleted_key_row(&id), None, tombstone, Expect::Any);
    Ok(Outcome {
        output: json!({}),
        changes,
        resources: Vec::new(),
    })
}
