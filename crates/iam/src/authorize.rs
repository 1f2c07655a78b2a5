//! Authorization: may this caller make this call? Identity-based policies only (no resource-based policies, SCPs
//! or permission boundaries), evaluated by `trailrunner-policy`.
//!
//! - **Who is governed.** The account's root user is allowed everything. An IAM user is allowed what its inline
//!   policies allow, and nothing without one (also with `GetSessionToken` credentials). An assumed role is
//!   allowed what the role's inline policies allow, narrowed by the session policy given to `AssumeRole`; a
//!   federated user what the issuing user's policies allow (everything for a root issuer) intersected with the
//!   federation token's policy, and nothing without one (GetFederationToken's documentation).
//!   [`Authorizer::policies_for`] is the one place that says which policies govern a caller kind; every set is
//!   cached by the entity's unique id (`AIDA…`, `AROA…`) or, for session policies, by the temporary key.
//! - **Always allowed.** `sts:GetCallerIdentity`: "No permissions are required to perform this operation" (STS
//!   API reference), even when an explicit deny names it.
//! - **Action** `<service prefix>:<Operation>`; the prefix is the model's signing name (`apprunner`,
//!   `cloudtrail`, `sts`, `iam`; trailrunner's own `TrailRunner.*` operations sign as, and are, `apprunner`).
//! - **Resource**: see [`resource`]. **Condition keys**: see [`Authorizer::check`].
//!
//! Compiled policies are cached per identity; the edge drops an entity's entry once a change to its row (which
//! holds its inline policies) has committed, through [`Authorizer::touched`] and [`Authorizer::invalidate`], so
//! a policy change governs the very next call. A cached check costs one read-locked hash lookup plus the
//! evaluation (`cargo bench -p trailrunner-iam --bench authorize`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use serde_json::Value;
use trailrunner_api::{Caller, CallerKind, IssuerKind};
use trailrunner_policy::{evaluate, evaluate_with_session, Policy, RequestContext};
use trailrunner_store::{Change, ChangeSet, SharedStore, StoreError};

use crate::entities::{self as e, InlinePolicy, ROLE_KIND, USER_KIND};

/// One call, as authorization needs it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The IAM service prefix (`apprunner`, `cloudtrail`, `sts`, `iam`).
    pub service: &'a str,
    /// The operation's name in the model (`CreateService`).
    pub operation: &'a str,
    /// The decoded input.
    pub input: &'a Value,
    /// The call's region (`aws:RequestedRegion`; `us-east-1` for IAM).
    pub region: &'a str,
    /// The edge's source IP (`aws:SourceIp`).
    pub source_ip: IpAddr,
    /// When the edge accepted the call (`aws:CurrentTime`).
    pub now: Timestamp,
}

/// A refused call: AWS's message, to answer and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub action: String,
    pub resource: String,
    pub message: String,
    /// Refused by an explicit `Deny` (rather than for want of an `Allow`).
    pub explicit: bool,
}

/// The compiled identity-based policies of one IAM entity (user, later role).
#[derive(Debug)]
pub struct PolicySet {
    /// Where the entity's row lives (account, kind, lower-cased name): what invalidates this entry.
    account: String,
    kind: &'static str,
    row_id: String,
    pub policies: Vec<Policy>,
}

impl PolicySet {
    /// A set not tied to a stored entity (a session policy; benches).
    pub fn detached(policies: Vec<Policy>) -> Self {
        PolicySet {
            account: String::new(),
            kind: "",
            row_id: String::new(),
            policies,
        }
    }
}

/// Which policies govern a caller.
#[derive(Debug)]
pub enum Governed {
    /// The account's root user: not subject to identity-based policies.
    Unrestricted,
    Policies {
        identity: Arc<PolicySet>,
        /// A session policy (federation token, `AssumeRole` with `Policy`/`PolicyArns`): intersects the
        /// identity's. Always `None` until temporary credentials carry one.
        session: Option<Arc<PolicySet>>,
    },
}

/// Decides calls, with compiled policies cached per identity. See the module documentation.
pub struct Authorizer {
    store: SharedStore,
    cache: RwLock<Cache>,
    /// What a root issuer's identity allows (everything), for federated users it issued.
    allow_all: Arc<PolicySet>,
}

/// Compiled sets kept at most (users, roles, sessions); past it the cache starts over.
const MAX_CACHED_SETS: usize = 10_000;

/// A caller governed by no policy at all: allowed nothing.
fn nothing() -> Governed {
    Governed::Policies {
        identity: Arc::new(PolicySet::detached(Vec::new())),
        session: None,
    }
}

#[derive(Default)]
struct Cache {
    /// Bumped by every invalidation; a load caches its result only if the epoch did not move meanwhile, so a
    /// load that read the store before a policy change committed never puts the old policies back.
    epoch: u64,
    /// By the identity's unique id (`AIDA…`), which names exactly one incarnation of a user.
    sets: HashMap<String, Arc<PolicySet>>,
}

impl Authorizer {
    pub fn new(store: SharedStore) -> Self {
        let allow_all = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .map(|p| vec![p])
        .unwrap_or_default();
        Authorizer {
            store,
            cache: RwLock::new(Cache::default()),
            allow_all: Arc::new(PolicySet::detached(allow_all)),
        }
    }

    /// `Ok(None)` when the call is allowed, `Ok(Some(denied))` when it is refused. Errors are store errors
    /// (or a stored policy that does not compile): the caller fails the call closed.
    ///
    /// Condition keys supplied: `aws:SourceIp`, `aws:RequestedRegion`, `aws:CurrentTime` (and `aws:EpochTime`),
    /// `aws:username` (IAM users), `aws:userid`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:SecureTransport` (false: the listener speaks plain HTTP).
    /// `aws:MultiFactorAuthPresent` is left absent for access keys, as AWS does ("the key is not present when
    /// an IAM user uses long-term credentials"; `BoolIfExists` is how policies test it).
    pub async fn check(
        &self,
        caller: &Caller,
        req: &Request<'_>,
    ) -> Result<Option<Denied>, StoreError> {
        if req.service == "sts" && req.operation == "GetCallerIdentity" {
            return Ok(None);
        }
        let governed = self.policies_for(caller).await?;
        match decide(&governed, caller, req) {
            Some(denied)
                if !denied.explicit
                    && req.service == "sts"
                    && req.operation == "AssumeRole"
                    && self.trust_names_caller(caller, req).await? =>
            {
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// Whether the trust policy of the role an `AssumeRole` call names (in the caller's account) grants it to
    /// the caller by name: then no identity-based policy is needed (see [`crate::trust::names_caller`]).
    async fn trust_names_caller(
        &self,
        caller: &Caller,
        req: &Request<'_>,
    ) -> Result<bool, StoreError> {
        let Some(role_arn) = req.input.get("RoleArn").and_then(Value::as_str) else {
            return Ok(false);
        };
        let prefix = format!("arn:aws:iam::{}:role/", caller.account_id);
        let Some(path_and_name) = role_arn.strip_prefix(&prefix) else {
            return Ok(false);
        };
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let Some(row) = self
            .store
            .get(&e::key(&caller.account_id, ROLE_KIND, name))
            .await?
        else {
            return Ok(false);
        };
        let role: Value = serde_json::from_str(&row.doc)
            .map_err(|e| StoreError::Other(format!("corrupt IAM role: {e}")))?;
        if role.get("arn").and_then(Value::as_str) != Some(role_arn) {
            return Ok(false);
        }
        let trust = role
            .get("assumeRolePolicyDocument")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(crate::trust::names_caller(
            trust,
            caller,
            "sts:AssumeRole",
            role_arn,
            req.now,
        ))
    }

    /// The policies that govern `caller`. The one place that knows, per caller kind, where they come from.
    pub async fn policies_for(&self, caller: &Caller) -> Result<Governed, StoreError> {
        let session = caller.session.as_deref();
        match caller.kind {
            CallerKind::Root => Ok(Governed::Unrestricted),
            // With `GetSessionToken` credentials too: they carry the user's permissions, no session policy.
            CallerKind::IamUser => Ok(Governed::Policies {
                identity: self
                    .entity_policies(
                        &caller.account_id,
                        USER_KIND,
                        caller.user_name.as_deref().unwrap_or_default(),
                        &caller.principal_id,
                    )
                    .await?,
                session: None,
            }),
            // An assumed role: the role's inline policies, intersected with the session policy given to
            // `AssumeRole` if any.
            CallerKind::AssumedRole => {
                let Some(issuer) = session.and_then(|s| s.issuer.as_ref()) else {
                    return Ok(nothing());
                };
                let identity = self
                    .entity_policies(
                        &issuer.account_id,
                        ROLE_KIND,
                        issuer.user_name.as_deref().unwrap_or_default(),
                        &issuer.principal_id,
                    )
                    .await?;
                Ok(Governed::Policies {
                    identity,
                    session: self.session_policy(caller, false)?,
                })
            }
            // A federated user: the issuing user's policies (everything for a root issuer), intersected with the
            // federation token's policy. Without one, the session has no permissions (GetFederationToken's
            // documentation: "If you do not pass a policy ..., the resulting federated user session has no
            // permissions").
            CallerKind::FederatedUser => {
                let Some(issuer) = session.and_then(|s| s.issuer.as_ref()) else {
                    return Ok(nothing());
                };
                let identity = match issuer.kind {
                    IssuerKind::Root => self.allow_all.clone(),
                    _ => {
                        self.entity_policies(
                            &issuer.account_id,
                            USER_KIND,
                            issuer.user_name.as_deref().unwrap_or_default(),
                            &issuer.principal_id,
                        )
                        .await?
                    }
                };
                Ok(Governed::Policies {
                    identity,
                    session: self.session_policy(caller, true)?,
                })
            }
        }
    }

    /// The compiled session policy of temporary credentials, cached by their access key (sessions never
    /// change). `required`: a missing policy means an empty set (no permissions) instead of none at all.
    fn session_policy(
        &self,
        caller: &Caller,
        required: bool,
    ) -> Result<Option<Arc<PolicySet>>, StoreError> {
        let Some(text) = caller.session.as_deref().and_then(|s| s.policy.as_deref()) else {
            return Ok(required.then(|| Arc::new(PolicySet::detached(Vec::new()))));
        };
        let cache_key = format!("session:{}", caller.access_key_id);
        if let Ok(c) = self.cache.read() {
            if let Some(hit) = c.sets.get(&cache_key) {
                return Ok(Some(hit.clone()));
            }
        }
        let policy = Policy::parse(text)
            .map_err(|err| StoreError::Other(format!("session policy does not compile: {err}")))?;
        let set = Arc::new(PolicySet::detached(vec![policy]));
        if let Ok(mut cache) = self.cache.write() {
            if cache.sets.len() >= MAX_CACHED_SETS {
                cache.sets.clear();
            }
            cache.sets.insert(cache_key, set.clone());
        }
        Ok(Some(set))
    }

    /// The inline policies of the user or role `name` (row kind `kind`) in `account`, if it is still the entity
    /// whose id is `id` (a user or role deleted and created again under the same name is another identity:
    /// its policies are not ours). Cached by `id`.
    async fn entity_policies(
        &self,
        account: &str,
        kind: &'static str,
        name: &str,
        id: &str,
    ) -> Result<Arc<PolicySet>, StoreError> {
        let epoch = match self.cache.read() {
            Ok(c) => {
                if let Some(hit) = c.sets.get(id) {
                    return Ok(hit.clone());
                }
                c.epoch
            }
            Err(_) => u64::MAX,
        };
        let key = e::key(account, kind, name);
        let doc: Option<Value> = match self.store.get(&key).await? {
            Some(row) => Some(
                serde_json::from_str(&row.doc)
                    .map_err(|e| StoreError::Other(format!("corrupt IAM {kind}: {e}")))?,
            ),
            None => None,
        };
        let id_member = if kind == ROLE_KIND {
            "roleId"
        } else {
            "userId"
        };
        let mut policies = Vec::new();
        if let Some(doc) = doc.filter(|d| d.get(id_member).and_then(Value::as_str) == Some(id)) {
            let stored: Vec<InlinePolicy> =
                serde_json::from_value(doc.get("policies").cloned().unwrap_or_default())
                    .unwrap_or_default();
            for p in &stored {
                let compiled = Policy::parse(&p.document).map_err(|err| {
                    StoreError::Other(format!(
                        "inline policy {} of {kind} {name} does not compile: {err}",
                        p.name
                    ))
                })?;
                policies.push(compiled);
            }
        }
        let set = Arc::new(PolicySet {
            account: key.account.clone(),
            kind,
            row_id: key.id.clone(),
            policies,
        });
        if let Ok(mut cache) = self.cache.write() {
            if cache.epoch == epoch {
                if cache.sets.len() >= MAX_CACHED_SETS {
                    cache.sets.clear();
                }
                cache.sets.insert(id.to_owned(), set.clone());
            }
        }
        Ok(set)
    }

    /// The IAM entity rows (users, roles: they hold the inline policies) that `changes` writes or deletes, as
    /// `(account, kind, id)`: to [`invalidate`](Self::invalidate) once it has committed.
    pub fn touched(changes: &ChangeSet) -> Vec<(String, &'static str, String)> {
        changes
            .changes
            .iter()
            .map(|c| match c {
                Change::Put { key, .. } | Change::Delete { key, .. } => key,
            })
            .filter(|k| k.region.is_empty())
            .filter_map(|k| {
                let kind = [USER_KIND, ROLE_KIND].into_iter().find(|&x| x == k.kind)?;
                Some((k.account.clone(), kind, k.id.clone()))
            })
            .collect()
    }

    /// Forget the compiled policies of an entity whose row changed (call after the change is durable).
    pub fn invalidate(&self, account: &str, kind: &str, id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.epoch = cache.epoch.wrapping_add(1);
            cache
                .sets
                .retain(|_, s| !(s.account == account && s.kind == kind && s.row_id == id));
        }
    }
}

/// The decision for a call, once the caller's policies are known (no I/O: the per-request cost of a cached
/// check). `sts:GetCallerIdentity` is [`Authorizer::check`]'s business.
pub fn decide(governed: &Governed, caller: &Caller, req: &Request<'_>) -> Option<Denied> {
    let Governed::Policies { identity, session } = governed else {
        return None;
    };
    let action = action(req.service, req.operation);
    let resource = resource(req, caller);
    let ctx = request_context(caller, req, &action, &resource);
    let evaluation = match session {
        None => evaluate(identity.policies.iter(), &ctx),
        Some(s) => evaluate_with_session(identity.policies.iter(), s.policies.iter(), &ctx),
    };
    let explicit = evaluation.decision == trailrunner_policy::Decision::ExplicitDeny;
    evaluation.denial_message(&ctx).map(|message| Denied {
        message,
        resource: resource.to_string(),
        action,
        explicit,
    })
}

/// `<service prefix>:<Operation>`.
pub fn action(service: &str, operation: &str) -> String {
    let mut s = String::with_capacity(service.len() + 1 + operation.len());
    s.push_str(service);
    s.push(':');
    s.push_str(operation);
    s
}

fn request_context<'a>(
    caller: &'a Caller,
    req: &'a Request<'a>,
    action: &'a str,
    resource: &'a str,
) -> RequestContext<'a> {
    let is_user = caller.kind == CallerKind::IamUser;
    RequestContext {
        principal: &caller.arn,
        action,
        resource,
        source_ip: Some(req.source_ip),
        requested_region: Some(req.region),
        current_time: Some(req.now),
        multi_factor_auth_present: None,
        secure_transport: Some(false),
        token_issue_time: None,
        username: if is_user {
            caller.user_name.as_deref()
        } else {
            None
        },
        userid: Some(&caller.principal_id),
        principal_arn: Some(&caller.arn),
        principal_account: Some(&caller.account_id),
        principal_type: Some(if is_user { "User" } else { "Account" }),
        extra: &[],
    }
}

/// IAM operations that act on the calling user when `UserName` is left out.
const IAM_SELF_OPERATIONS: &[&str] = &[
    "GetUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
];

/// The resource a call is authorized against. AWS defines a resource type per action (Service Authorization
/// Reference); trailrunner derives it generically from the input, without reading the store:
///
/// 1. `ResourceArn` (tagging operations) names the resource.
/// 2. An App Runner `Create<Noun>` with a `<Noun>Name` member: the resource to be, with its id unknown yet:
///    `arn:aws:apprunner:<region>:<account>:<noun, lower case>/<name>/*` (`service/web/*`).
/// 3. A top-level `<Noun>Arn` member whose noun is in the operation's name (`UpdateService`: `ServiceArn`, not
///    `AutoScalingConfigurationArn`); else the only top-level `…Arn` member (`ListOperations`: `ServiceArn`).
/// 4. IAM: `UserName` / `RoleName` name `arn:aws:iam::<account>:user/<path><name>` (the path is the input's
///    `Path` on create, else `/`: the stored path is not read); a user's own-key operations without
///    `UserName` act on the caller. STS `GetFederationToken`: `arn:aws:sts::<account>:federated-user/<Name>`.
/// 5. Otherwise `*` (actions without resource-level permissions: `List*`, `LookupEvents`, …).
pub fn resource<'a>(req: &Request<'a>, caller: &'a Caller) -> Cow<'a, str> {
    let text = |member: &str| req.input.get(member).and_then(Value::as_str);
    let account = &caller.account_id;
    if let Some(arn) = text("ResourceArn") {
        return Cow::Borrowed(arn);
    }
    match req.service {
        "apprunner" => {
            if let Some(noun) = req.operation.strip_prefix("Create") {
                if let Some(name) = req.input.get(format!("{noun}Name")).and_then(Value::as_str) {
                    return Cow::Owned(format!(
                        "arn:aws:apprunner:{}:{account}:{}/{name}/*",
                        req.region,
                        noun.to_ascii_lowercase()
                    ));
                }
            }
        }
        "iam" => {
            let path = text("Path").unwrap_or("/");
            if let Some(name) = text("RoleName") {
                return Cow::Owned(format!("arn:aws:iam::{account}:role{path}{name}"));
            }
            if let Some(name) = text("UserName") {
                return Cow::Owned(format!("arn:aws:iam::{account}:user{path}{name}"));
            }
            if caller.kind == CallerKind::IamUser && IAM_SELF_OPERATIONS.contains(&req.operation) {
                return Cow::Borrowed(&caller.arn);
            }
            return Cow::Borrowed("*");
        }
        "sts" if req.operation == "GetFederationToken" => {
            if let Some(name) = text("Name") {
                return Cow::Owned(format!("arn:aws:sts::{account}:federated-user/{name}"));
            }
        }
        _ => {}
    }
    let Value::Object(members) = req.input else {
        return Cow::Borrowed("*");
    };
    let mut only = None;
    let mut count = 0;
    for (member, value) in members {
        let (Some(noun), Some(arn)) = (member.strip_suffix("Arn"), value.as_str()) else {
            continue;
        };
        if !noun.is_empty() && req.operation.contains(noun) {
            return Cow::Borrowed(arn);
        }
        only = Some(arn);
        count += 1;
    }
    match (count, only) {
        (1, Some(arn)) => Cow::Borrowed(arn),
        _ => Cow::Borrowed("*"),
    }
}

#[cfg(test)]
mod tests;
