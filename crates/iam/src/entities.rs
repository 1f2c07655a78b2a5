//! How IAM users, roles and login profiles are stored: one document per entity in the account's global scope
//! (empty region), keyed by the lower-cased name, since IAM names are unique regardless of case. Inline policies
//! live inside their user's or role's document, so a policy change and the entity's other state change together.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, PageTokens};
use trailrunner_store::{ListQuery, Resource, ResourceKey, Store};

use crate::errors::{self, invalid_input, no_such_entity, validation};

pub(crate) const USER_KIND: &str = "iam-user";
pub(crate) const ROLE_KIND: &str = "iam-role";
pub(crate) const LOGIN_PROFILE_KIND: &str = "iam-login-profile";

/// IAM's default quotas per account.
pub(crate) const USERS_PER_ACCOUNT: u64 = 5000;
pub(crate) const ROLES_PER_ACCOUNT: u64 = 1000;

/// Lists read every row of a kind at once; the quotas above bound how many there are.
const LIST_ALL: usize = 10_000;
/// `MaxItems` when the caller gives none (IAM's default).
const DEFAULT_MAX_ITEMS: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Tag {
    pub(crate) key: String,
    pub(crate) value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InlinePolicy {
    pub(crate) name: String,
    pub(crate) document: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserDoc {
    pub(crate) path: String,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) arn: String,
    pub(crate) create_date: String,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
    #[serde(default)]
    pub(crate) policies: Vec<InlinePolicy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleDoc {
    pub(crate) path: String,
    pub(crate) role_name: String,
    pub(crate) role_id: String,
    pub(crate) arn: String,
    pub(crate) create_date: String,
    pub(crate) assume_role_policy_document: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
    pub(crate) max_session_duration: i64,
    #[serde(default)]
    pub(crate) tags: Vec<Tag>,
    #[serde(default)]
    pub(crate) policies: Vec<InlinePolicy>,
}

/// A user's console password. `Debug` never shows the hash.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginProfileDoc {
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    /// `pbkdf2-sha256$<iterations>$<salt>$<hash>` (see `login_profiles`).
    pub(crate) password_hash: String,
    pub(crate) create_date: String,
    pub(crate) password_reset_required: bool,
}

impl std::fmt::Debug for LoginProfileDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginProfileDoc")
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}

/// A document read from the store with the version to update it under.
pub(crate) struct Loaded<T> {
    pub(crate) doc: T,
    pub(crate) version: i64,
    pub(crate) seq: i64,
}

pub(crate) fn key(account: &str, kind: &str, name: &str) -> ResourceKey {
    ResourceKey::new(account, "", kind, name.to_ascii_lowercase())
}

pub(crate) fn login_profile_key(account: &str, user_id: &str) -> ResourceKey {
    ResourceKey::new(account, "", LOGIN_PROFILE_KIND, user_id)
}

pub(crate) fn decode<T: DeserializeOwned>(row: &Resource) -> Result<Loaded<T>, ApiError> {
    let doc = serde_json::from_str(&row.doc)
        .map_err(|e| errors::store("decoding a stored IAM entity", &e))?;
    Ok(Loaded {
        doc,
        version: row.version,
        seq: row.seq,
    })
}

pub(crate) fn encode<T: Serialize>(doc: &T) -> Result<String, ApiError> {
    serde_json::to_string(doc).map_err(|e| errors::store("encoding an IAM entity", &e))
}

pub(crate) async fn get<T: DeserializeOwned>(
    store: &dyn Store,
    key: &ResourceKey,
) -> Result<Option<Loaded<T>>, ApiError> {
    match store.get(key).await {
        Ok(Some(row)) => decode(&row).map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(errors::store("reading an IAM entity", &e)),
    }
}

pub(crate) async fn require_user(
    store: &dyn Store,
    account: &str,
    name: &str,
) -> Result<Loaded<UserDoc>, ApiError> {
    get(store, &key(account, USER_KIND, name))
        .await?
        .ok_or_else(|| no_such_entity(format!("The user with name {name} cannot be found.")))
}

pub(crate) async fn require_role(
    store: &dyn Store,
    account: &str,
    name: &str,
) -> Result<Loaded<RoleDoc>, ApiError> {
    get(store, &key(account, ROLE_KIND, name))
        .await?
        .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
}

/// Every row of `kind` in the account's global scope, oldest first.
pub(crate) async fn list_all(
    store: &dyn Store,
    account: &str,
    kind: &str,
    parent: Option<String>,
) -> Result<Vec<Resource>, ApiError> {
    let query = ListQuery {
        account: account.to_string(),
        region: String::new(),
        kind: kind.to_string(),
        parent,
        after_seq: None,
        newest_first: false,
        limit: LIST_ALL,
    };
    store
        .list(&query)
        .await
        .map_err(|e| errors::store("listing IAM entities", &e))
}

pub(crate) async fn count(store: &dyn Store, account: &str, kind: &str) -> Result<u64, ApiError> {
    store
        .count(account, "", kind)
        .await
        .map_err(|e| errors::store("counting IAM entities", &e))
}

/// A string member of the input.
pub(crate) fn text<'a>(input: &'a Value, member: &str) -> Option<&'a str> {
    input.get(member).and_then(Value::as_str)
}

/// `Tags` of a create call: IAM refuses two tags whose keys differ only in case.
pub(crate) fn tags(input: &Value) -> Result<Vec<Tag>, ApiError> {
    let mut out: Vec<Tag> = Vec::new();
    for item in input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(k), Some(v)) = (text(item, "Key"), text(item, "Value")) else {
            continue;
        };
        if out.iter().any(|t| t.key.eq_ignore_ascii_case(k)) {
            return Err(invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
        out.push(Tag {
            key: k.to_string(),
            value: v.to_string(),
        });
    }
    Ok(out)
}

pub(crate) fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

/// IAM's timestamps: UTC, whole seconds.
pub(crate) fn iso(ctx: &CallContext) -> String {
    ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A page of a list call: items after the marker's position, at most `MaxItems`, and the marker of the next page.
pub(crate) struct Paging<'a> {
    pub(crate) tokens: &'a PageTokens,
    /// What the marker is valid for (operation, account, filters): a marker of another query is refused.
    pub(crate) scope: String,
}

impl Paging<'_> {
    /// `(after, max_items)` from the input's `Marker` and `MaxItems`.
    pub(crate) fn start(&self, input: &Value) -> Result<(Option<i64>, usize), ApiError> {
        let max = input
            .get("MaxItems")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_MAX_ITEMS, |n| n as usize);
        let after = match text(input, "Marker") {
            None => None,
            Some(m) => Some(
                self.tokens
                    .open(&self.scope, m)
                    .ok_or_else(|| validation("Invalid Marker."))?,
            ),
        };
        Ok((after, max))
    }

    /// Put `IsTruncated` (and `Marker` when there is more) into `out`, given the position of the last item shown.
    pub(crate) fn finish(&self, out: &mut Map<String, Value>, more: Option<i64>) {
        out.insert("IsTruncated".into(), Value::Bool(more.is_some()));
        if let Some(position) = more {
            out.insert(
                "Marker".into(),
                Value::String(self.tokens.seal(&self.scope, position)),
            );
        }
    }
}

/// Take a page from `items` (each with its position, ascending): those past `after`, at most `max`; also the
/// position to continue from when more remain.
pub(crate) fn page<T>(
    items: Vec<(i64, T)>,
    after: Option<i64>,
    max: usize,
) -> (Vec<T>, Option<i64>) {
    let mut rest = items
        .into_iter()
        .filter(|(p, _)| after.is_none_or(|a| *p > a))
        .peekable();
    let mut shown = Vec::new();
    let mut last = None;
    while shown.len() < max {
        match rest.next() {
            Some((p, item)) => {
                last = Some(p);
                shown.push(item);
            }
            None => break,
        }
    }
    let more = if rest.peek().is_some() { last } else { None };
    (shown, more)
}

/// ListUsers / ListRoles: the account's entities of `kind` whose path starts with `PathPrefix`, in creation order,
/// one page of them under `member` (`Users`, `Roles`), each rendered by `render`.
pub(crate) async fn list_by_path<T: DeserializeOwned>(
    store: &dyn Store,
    tokens: &PageTokens,
    account: &str,
    input: &Value,
    (operation, kind, member): (&str, &str, &str),
    path_of: fn(&T) -> &str,
    render: impl Fn(&T) -> Value,
) -> Result<Value, ApiError> {
    let prefix = text(input, "PathPrefix").unwrap_or("/");
    let paging = Paging {
        tokens,
        scope: format!("iam:{operation}:{account}:{prefix}"),
    };
    let (after, max) = paging.start(input)?;
    let mut found = Vec::new();
    for row in list_all(store, account, kind, None).await? {
        let entity: Loaded<T> = decode(&row)?;
        if path_of(&entity.doc).starts_with(prefix) {
            found.push((entity.seq, entity.doc));
        }
    }
    let (shown, more) = page(found, after, max);
    let mut out = Map::new();
    out.insert(
        member.into(),
        Value::Array(shown.iter().map(render).collect()),
    );
    paging.finish(&mut out, more);
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_keyed_case_insensitively() {
        assert_eq!(
            key("1", USER_KIND, "Alice").id,
            key("1", USER_KIND, "aLICE").id
        );
        assert_eq!(key("1", USER_KIND, "Alice").region, "");
    }

    #[test]
    fn pages_continue_after_the_marker() {
        let items: Vec<(i64, i64)> = (1..=5).map(|i| (i * 10, i)).collect();
        assert_eq!(page(items.clone(), None, 2), (vec![1, 2], Some(20)));
        assert_eq!(page(items.clone(), Some(20), 2), (vec![3, 4], Some(40)));
        assert_eq!(page(items.clone(), Some(40), 2), (vec![5], None));
        assert_eq!(page(items, None, 5), (vec![1, 2, 3, 4, 5], None));
    }

    #[test]
    fn duplicate_tag_keys_differing_in_case_are_refused() {
        let input = json!({"Tags": [{"Key": "team", "Value": "a"}, {"Key": "Team", "Value": "b"}]});
        assert_eq!(tags(&input).unwrap_err().code, "InvalidInput");
        let ok = json!({"Tags": [{"Key": "team", "Value": "a"}]});
        assert_eq!(tags(&ok).unwrap().len(), 1);
    }
}
