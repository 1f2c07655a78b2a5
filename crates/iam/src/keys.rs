//! Access keys: from the id in a signature to the secret and the caller it stands for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use trailrunner_api::{Caller, CallerKind};
use trailrunner_sigv4::SigningKey;
use trailrunner_store::{Change, ChangeSet, ResourceKey, SharedStore, StoreError};

use crate::ids;

pub(crate) const KEY_KIND: &str = "access-key";

/// How an access key is stored: key ids are unique across accounts, so rows live in the global scope (empty
/// account and region) under their id; the parent is [`root_parent`] or [`user_parent`] (by the user's unique
/// id, so a user called `root` cannot be confused with the account's root).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessKeyDoc {
    pub(crate) account_id: String,
    pub(crate) secret_access_key: String,
    /// `Active` or `Inactive`.
    pub(crate) status: String,
    pub(crate) user_name: Option<String>,
    pub(crate) user_id: Option<String>,
    /// The user's ARN (it carries the user's path); absent for root keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) user_arn: Option<String>,
    pub(crate) created_at: String,
}

pub(crate) fn root_parent(account_id: &str) -> String {
    format!("{account_id}/root")
}

pub(crate) fn user_parent(account_id: &str, user_id: &str) -> String {
    format!("{account_id}/user/{user_id}")
}

pub(crate) fn key_row(access_key_id: &str) -> ResourceKey {
    ResourceKey::new("", "", KEY_KIND, access_key_id)
}

/// Deleted access keys, kept apart from live ones (nothing that lists, counts or signs with keys sees them):
/// what a request signed with a deleted key is attributed to, so its refusal can be recorded in the key's
/// account once its signature verifies. The row keeps the secret for exactly that verification.
pub(crate) const DELETED_KEY_KIND: &str = "deleted-access-key";

pub(crate) fn deleted_key_row(access_key_id: &str) -> ResourceKey {
    ResourceKey::new("", "", DELETED_KEY_KIND, access_key_id)
}

/// Cached keys beyond which temporary ones are dropped from the cache (they are only ever added: each
/// `AssumeRole` mints a new key). Long-term keys are bounded by IAM's quotas.
const MAX_CACHED: usize = 10_000;

/// How many derived signing keys one access key keeps (one per date, region and service in use).
const DERIVED_PER_KEY: usize = 16;

/// A usable access key. `Debug` never shows the secret.
pub struct KeyEntry {
    pub caller: Caller,
    secret: String,
    /// For temporary credentials: the SHA-256 of the session token issued with the key (the token itself is
    /// never stored).
    pub(crate) token_sha256: Option<[u8; 32]>,
    derived: Mutex<Vec<(String, SigningKey)>>,
}

/// Why the security token of a request does not go with its access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Missing for temporary credentials, wrong, or present for a long-term key.
    Invalid,
    /// Right token, but the temporary credentials have expired.
    Expired,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl KeyEntry {
    pub(crate) fn new(caller: Caller, secret: String, token_sha256: Option<[u8; 32]>) -> Self {
        KeyEntry {
            caller,
            secret,
            token_sha256,
            derived: Mutex::new(Vec::new()),
        }
    }

    /// Check the request's `X-Amz-Security-Token` (`token`) against this key at `now`. Call after the signature
    /// verified. A long-term key takes no token; temporary credentials need the one issued with them (compared by
    /// hash, in constant time) and are refused from their `Expiration` on.
    pub fn check_token(
        &self,
        token: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<(), TokenProblem> {
        match (&self.token_sha256, token) {
            (None, None) => Ok(()),
            (None, Some(_)) | (Some(_), None) => Err(TokenProblem::Invalid),
            (Some(expected), Some(token)) => {
                let got = crate::sessions::token_hash(token);
                if aws_lc_rs::constant_time::verify_slices_are_equal(expected, &got).is_err() {
                    return Err(TokenProblem::Invalid);
                }
                match &self.caller.session {
                    Some(session) if now < session.expires_at => Ok(()),
                    _ => Err(TokenProblem::Expired),
                }
            }
        }
    }

    /// The signing key for a credential scope, derived once and then reused (four HMACs saved per request).
    pub fn signing_key(&self, date: &str, region: &str, service: &str) -> SigningKey {
        let scope = format!("{date}/{region}/{service}");
        if let Ok(cache) = self.derived.lock() {
            if let Some((_, key)) = cache.iter().find(|(s, _)| *s == scope) {
                return key.clone();
            }
        }
        let key = SigningKey::derive(&self.secret, date, region, service);
        if let Ok(mut cache) = self.derived.lock() {
            if cache.len() >= DERIVED_PER_KEY {
                cache.remove(0);
            }
            cache.push((scope, key.clone()));
        }
        key
    }
}

/// Resolves access key ids, with a cache in front of the store. Only keys that exist and are active are cached.
/// Whoever commits a change to a key row (deactivation, deletion) calls [`KeyRing::invalidate`] for it once the
/// commit is durable (the edge does, for every change set, through [`KeyRing::touched`]), so a deactivated or
/// deleted key is refused from the moment the call that changed it is answered.
///
/// A lookup that read the store before such a commit must not put the old state back into the cache after the
/// invalidation: every invalidation bumps an epoch, and a lookup caches its answer only if the epoch it saw before
/// reading the store is still current.
pub struct KeyRing {
    store: SharedStore,
    cache: RwLock<Cache>,
}

#[derive(Default)]
struct Cache {
    epoch: u64,
    keys: HashMap<String, Arc<KeyEntry>>,
}

impl KeyRing {
    pub fn new(store: SharedStore) -> Self {
        KeyRing {
            store,
            cache: RwLock::new(Cache::default()),
        }
    }

    /// The active key with this id, or `None` if there is no such key (or it is inactive).
    pub async fn lookup(&self, access_key_id: &str) -> Result<Option<Arc<KeyEntry>>, StoreError> {
        let epoch = match self.cache.read() {
            Ok(c) => {
                if let Some(hit) = c.keys.get(access_key_id) {
                    return Ok(Some(hit.clone()));
                }
                c.epoch
            }
            Err(_) => u64::MAX,
        };
        if !ids::plausible_access_key_id(access_key_id) {
            return Ok(None);
        }
        if access_key_id.starts_with(crate::sessions::TEMPORARY_PREFIX) {
            let Some(row) = self
                .store
                .get(&crate::sessions::session_key_row(access_key_id))
                .await?
            else {
                return Ok(None);
            };
            let entry = Arc::new(crate::sessions::entry_of(access_key_id, &row.doc)?);
            self.remember(epoch, access_key_id, &entry);
            return Ok(Some(entry));
        }
        let Some((entry, active)) = self.long_term(access_key_id).await? else {
            return Ok(None);
        };
        if !active {
            return Ok(None);
        }
        let entry = Arc::new(entry);
        self.remember(epoch, access_key_id, &entry);
        Ok(Some(entry))
    }

    /// A long-term key that exists but is `Inactive`, for attributing a refused call to its account and identity
    /// (a deactivated key is refused, and the refusal is recorded once the signature proves the caller holds the
    /// secret). `None` for active, deleted, unknown and temporary keys. Never cached: inactive keys are not used
    /// in the normal course of things, and the row is read again on every such request.
    pub async fn lookup_inactive(
        &self,
        access_key_id: &str,
    ) -> Result<Option<Arc<KeyEntry>>, StoreError> {
        if !ids::plausible_access_key_id(access_key_id)
            || access_key_id.starts_with(crate::sessions::TEMPORARY_PREFIX)
        {
            return Ok(None);
        }
        Ok(match self.long_term(access_key_id).await? {
            Some((entry, false)) => Some(Arc::new(entry)),
            Some((_, true)) => None,
            None => self
                .row_entry(&deleted_key_row(access_key_id), access_key_id)
                .await?
                .map(|(entry, _)| Arc::new(entry)),
        })
    }

    /// A long-term key's row as an entry, and whether the key is `Active`.
    async fn long_term(&self, access_key_id: &str) -> Result<Option<(KeyEntry, bool)>, StoreError> {
        self.row_entry(&key_row(access_key_id), access_key_id).await
    }

    /// The key stored at `row_key` (live or deleted) as an entry, and whether it is `Active`.
    async fn row_entry(
        &self,
        row_key: &ResourceKey,
        access_key_id: &str,
    ) -> Result<Option<(KeyEntry, bool)>, StoreError> {
        let Some(row) = self.store.get(row_key).await? else {
            return Ok(None);
        };
        let doc: AccessKeyDoc = serde_json::from_str(&row.doc)
            .map_err(|e| StoreError::Other(format!("corrupt access key: {e}")))?;
        let active = doc.status == "Active";
        let account_id = doc.account_id.clone();
        let caller = match (&doc.user_name, &doc.user_id) {
            (Some(name), Some(id)) => Caller {
                kind: CallerKind::IamUser,
                principal_id: id.clone(),
                arn: doc
                    .user_arn
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:iam::{account_id}:user/{name}")),
                user_name: Some(name.clone()),
                access_key_id: access_key_id.to_string(),
                account_id,
                session: None,
            },
            _ => Caller {
                kind: CallerKind::Root,
                principal_id: account_id.clone(),
                arn: format!("arn:aws:iam::{account_id}:root"),
                user_name: None,
                access_key_id: access_key_id.to_string(),
                account_id,
                session: None,
            },
        };
        Ok(Some((
            KeyEntry::new(caller, doc.secret_access_key, None),
            active,
        )))
    }

    /// Cache `entry` unless a key was invalidated since `epoch` (then what was read may be stale).
    fn remember(&self, epoch: u64, access_key_id: &str, entry: &Arc<KeyEntry>) {
        if let Ok(mut cache) = self.cache.write() {
            if cache.epoch == epoch {
                if cache.keys.len() >= MAX_CACHED {
                    cache.keys.retain(|_, e| e.token_sha256.is_none());
                }
                cache.keys.insert(access_key_id.to_string(), entry.clone());
            }
        }
    }

    /// Forget a key whose row changed (call after the change is durable).
    pub fn invalidate(&self, access_key_id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.epoch = cache.epoch.wrapping_add(1);
            cache.keys.remove(access_key_id);
        }
    }

    /// The access keys whose rows `changes` writes or deletes: to [`invalidate`](Self::invalidate) once it has
    /// committed.
    pub fn touched(changes: &ChangeSet) -> Vec<String> {
        changes
            .changes
            .iter()
            .map(|c| match c {
                Change::Put { key, .. } | Change::Delete { key, .. } => key,
            })
            .filter(|k| k.kind == KEY_KIND && k.account.is_empty() && k.region.is_empty())
            .map(|k| k.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailrunner_store::sqlite::Durability;
    use trailrunner_store::{Expect, SqliteStore};

    fn doc(status: &str) -> String {
        serde_json::json!({
            "accountId": "123456789012", "secretAccessKey": "s".repeat(40), "status": status,
            "userName": "alice", "userId": "AIDAAAAAAAAAAAAAAAAAA",
            "userArn": "arn:aws:iam::123456789012:user/dev/alice", "createdAt": "2026-01-01T00:00:00Z",
        })
        .to_string()
    }

    #[tokio::test]
    async fn a_changed_key_stops_working_once_invalidated() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
        let id = "AKIAAAAAAAAAAAAAAAAA";
        let mut cs = ChangeSet::new();
        cs.put(key_row(id), Some("p".into()), doc("Active"), Expect::Absent);
        store.commit(cs).await.unwrap();
        let ring = KeyRing::new(store.clone());
        let entry = ring.lookup(id).await.unwrap().expect("active");
        assert_eq!(entry.caller.kind, CallerKind::IamUser);
        assert_eq!(entry.caller.arn, "arn:aws:iam::123456789012:user/dev/alice");

        let mut cs = ChangeSet::new();
        cs.put(key_row(id), Some("p".into()), doc("Inactive"), Expect::Any);
        cs.put(
            ResourceKey::new("1", "", "iam-user", "x"),
            None,
            "{}".into(),
            Expect::Any,
        );
        let touched = KeyRing::touched(&cs);
        assert_eq!(touched, vec![id.to_string()], "only access-key rows");
        store.commit(cs).await.unwrap();
        assert!(
            ring.lookup(id).await.unwrap().is_some(),
            "still cached until invalidated"
        );
        for t in &touched {
            ring.invalidate(t);
        }
        assert!(
            ring.lookup(id).await.unwrap().is_none(),
            "inactive keys are refused"
        );
        let inactive = ring.lookup_inactive(id).await.unwrap().expect("inactive");
        assert_eq!(
            inactive.caller.arn,
            "arn:aws:iam::123456789012:user/dev/alice"
        );
        assert!(ring
            .lookup_inactive("AKIAAAAAAAAAAAAAAAAB")
            .await
            .unwrap()
            .is_none());
    }

    #[tokio::test]
    async fn a_lookup_racing_an_invalidation_does_not_cache_the_old_state() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
        let ring = KeyRing::new(store);
        let entry = Arc::new(KeyEntry::new(
            Caller {
                kind: CallerKind::Root,
                account_id: "1".into(),
                principal_id: "1".into(),
                arn: "arn:aws:iam::1:root".into(),
                access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                user_name: None,
                session: None,
            },
            "s".into(),
            None,
        ));
        // A lookup read the store, then an invalidation landed before it cached what it read: not cached.
        let epoch = ring.cache.read().unwrap().epoch;
        ring.invalidate("AKIAAAAAAAAAAAAAAAAB");
        ring.remember(epoch, "AKIAAAAAAAAAAAAAAAAA", &entry);
        assert!(ring.cache.read().unwrap().keys.is_empty());
        let epoch = ring.cache.read().unwrap().epoch;
        ring.remember(epoch, "AKIAAAAAAAAAAAAAAAAA", &entry);
        assert_eq!(ring.cache.read().unwrap().keys.len(), 1);
    }
}
