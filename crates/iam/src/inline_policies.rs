//! Inline policies of users and roles: `Put/Get/Delete/List` `UserPolicy` and `RolePolicy`.
//!
//! The documents are stored as sent (checked to be policies, within IAM's aggregate size quota per entity) and
//! returned URL-encoded, as IAM does. The edge enforces them (`authorize.rs`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::{ChangeSet, Expect, Store};

use crate::entities::{self as e, InlinePolicy, Loaded, RoleDoc, UserDoc, ROLE_KIND, USER_KIND};
use crate::errors::{limit_exceeded, missing, no_such_entity};
use crate::iam_handler::IamHandler;
use crate::policy_doc::{self, Kind};

/// Users and roles: what the inline-policy operations need of an entity.
pub(crate) trait Holder: Serialize + DeserializeOwned + Send {
    /// `user` or `role`, as IAM's messages name them.
    const NOUN: &'static str;
    /// The input and output member naming the entity.
    const NAME_MEMBER: &'static str;
    const NAME_PATH: &'static str;
    const KIND: &'static str;
    /// The aggregate size quota of the entity's inline policies.
    const LIMIT: usize;
    fn name(&self) -> &str;
    fn policies(&self) -> &Vec<InlinePolicy>;
    fn policies_mut(&mut self) -> &mut Vec<InlinePolicy>;
}

impl Holder for UserDoc {
    const NOUN: &'static str = "user";
    const NAME_MEMBER: &'static str = "UserName";
    const NAME_PATH: &'static str = "userName";
    const KIND: &'static str = USER_KIND;
    const LIMIT: usize = policy_doc::USER_INLINE_LIMIT;
    fn name(&self) -> &str {
        &self.user_name
    }
    fn policies(&self) -> &Vec<InlinePolicy> {
        &self.policies
    }
    fn policies_mut(&mut self) -> &mut Vec<InlinePolicy> {
        &mut self.policies
    }
}

impl Holder for RoleDoc {
    const NOUN: &'static str = "role";
    const NAME_MEMBER: &'static str = "RoleName";
    const NAME_PATH: &'static str = "roleName";
    const KIND: &'static str = ROLE_KIND;
    const LIMIT: usize = policy_doc::ROLE_INLINE_LIMIT;
    fn name(&self) -> &str {
        &self.role_name
    }
    fn policies(&self) -> &Vec<InlinePolicy> {
        &self.policies
    }
    fn policies_mut(&mut self) -> &mut Vec<InlinePolicy> {
        &mut self.policies
    }
}

async fn load<T: Holder>(
    store: &dyn Store,
    account: &str,
    input: &Value,
) -> Result<Loaded<T>, ApiError> {
    let name = e::text(input, T::NAME_MEMBER).ok_or_else(|| missing(T::NAME_PATH))?;
    e::get(store, &e::key(account, T::KIND, name))
        .await?
        .ok_or_else(|| no_such_entity(format!("The {} with name {name} cannot be found.", T::NOUN)))
}

fn policy_name(input: &Value) -> Result<&str, ApiError> {
    e::text(input, "PolicyName").ok_or_else(|| missing("policyName"))
}

/// Policy names are unique per entity regardless of case, like other IAM names.
fn position(policies: &[InlinePolicy], name: &str) -> Option<usize> {
    policies
        .iter()
        .position(|p| p.name.eq_ignore_ascii_case(name))
}

fn not_found<T: Holder>(policy: &str) -> ApiError {
    no_such_entity(format!(
        "The {} policy with name {policy} cannot be found.",
        T::NOUN
    ))
}

fn save<T: Holder>(account: &str, entity: &Loaded<T>) -> Result<ChangeSet, ApiError> {
    let mut changes = ChangeSet::new();
    changes.put(
        e::key(account, T::KIND, entity.doc.name()),
        None,
        e::encode(&entity.doc)?,
        Expect::Version(entity.version),
    );
    Ok(changes)
}

pub(crate) async fn put<T: Holder>(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let mut entity: Loaded<T> = load(h.store.as_ref(), account, input).await?;
    let name = policy_name(input)?;
    let document = e::text(input, "PolicyDocument").ok_or_else(|| missing("policyDocument"))?;
    policy_doc::check(document, Kind::Identity)?;
    let existing = position(entity.doc.policies(), name);
    let others: usize = entity
        .doc
        .policies()
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != existing)
        .map(|(_, p)| policy_doc::counted_size(&p.document))
        .sum();
    if others + policy_doc::counted_size(document) > T::LIMIT {
        return Err(limit_exceeded(format!(
            "Maximum policy size of {} bytes exceeded for {} {}",
            T::LIMIT,
            T::NOUN,
            entity.doc.name()
        )));
    }
    let policy = InlinePolicy {
        name: name.to_string(),
        document: document.to_string(),
    };
    match existing {
        Some(i) => entity.doc.policies_mut()[i] = policy,
        None => entity.doc.policies_mut().push(policy),
    }
    Ok(Outcome {
        output: json!({}),
        changes: save(account, &entity)?,
        resources: Vec::new(),
    })
}

pub(crate) async fn get<T: Holder>(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let entity: Loaded<T> = load(h.store.as_ref(), &ctx.caller.account_id, input).await?;
    let name = policy_name(input)?;
    let i = position(entity.doc.policies(), name).ok_or_else(|| not_found::<T>(name))?;
    let policy = &entity.doc.policies()[i];
    let mut out = Map::new();
    out.insert(T::NAME_MEMBER.into(), entity.doc.name().into());
    out.insert("PolicyName".into(), policy.name.clone().into());
    out.insert(
        "PolicyDocument".into(),
        policy_doc::url_encoded(&policy.document).into(),
    );
    Ok(Outcome::read(Value::Object(out)))
}

pub(crate) async fn delete<T: Holder>(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let mut entity: Loaded<T> = load(h.store.as_ref(), account, input).await?;
    let name = policy_name(input)?;
    let i = position(entity.doc.policies(), name).ok_or_else(|| not_found::<T>(name))?;
    entity.doc.policies_mut().remove(i);
    Ok(Outcome {
        output: json!({}),
        changes: save(account, &entity)?,
        resources: Vec::new(),
    })
}

pub(crate) async fn list<T: Holder>(
    h: &IamHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let account = &ctx.caller.account_id;
    let entity: Loaded<T> = load(h.store.as_ref(), account, input).await?;
    let paging = e::Paging {
        tokens: &h.tokens,
        scope: format!(
            "iam:List{}Policies:{account}:{}",
            T::NOUN,
            entity.doc.name().to_ascii_lowercase()
        ),
    };
    let (after, max) = paging.start(input)?;
    let names = entity
        .doc
        .policies()
        .iter()
        .enumerate()
        .map(|(i, p)| (i as i64, Value::String(p.name.clone())))
        .collect();
    let (shown, more) = e::page(names, after, max);
    let mut out = Map::new();
    out.insert("PolicyNames".into(), Value::Array(shown));
    paging.finish(&mut out, more);
    Ok(Outcome::read(Value::Object(out)))
}
