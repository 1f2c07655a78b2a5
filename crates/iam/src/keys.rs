//! Access keys: from the id in a signature to the secret and the caller it stands for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use trailrunner_api::{Caller, CallerKind};
use trailrunner_sigv4::SigningKey;
use trailrunner_store::{ResourceKey, SharedStore, StoreError};

use crate::ids;

pub(crate) const KEY_KIND: &str = "access-key";

/// How an access key is stored: key ids are unique across accounts, so rows live in the global scope (empty
/// account and region) under their id; the parent is `<account>/<user name>` or `<account>/root`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessKeyDoc {
    pub(crate) account_id: String,
    pub(crate) secret_access_key: String,
    /// `Active` or `Inactive`.
    pub(crate) status: String,
    pub(crate) user_name: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) created_at: String,
}

pub(crate) fn key_row(access_key_id: &str) -> ResourceKey {
    ResourceKey::new("", "", KEY_KIND, access_key_id)
}

/// How many derived signing keys one access key keeps (one per date, region and service in use).
const DERIVED_PER_KEY: usize = 16;

/// A usable access key. `Debug` never shows the secret.
pub struct KeyEntry {
    pub caller: Caller,
    secret: String,
    derived: Mutex<Vec<(String, SigningKey)>>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl KeyEntry {
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

/// Resolves access key ids, with a cache in front of the store. Only keys that exist and are active are cached;
/// a caller that changes a key (deactivation, deletion) calls [`KeyRing::invalidate`].
pub struct KeyRing {
    store: SharedStore,
    cache: RwLock<HashMap<String, Arc<KeyEntry>>>,
}

impl KeyRing {
    pub fn new(store: SharedStore) -> Self {
        KeyRing {
            store,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The active key with this id, or `None` if there is no such key (or it is inactive).
    pub async fn lookup(&self, access_key_id: &str) -> Result<Option<Arc<KeyEntry>>, StoreError> {
        if let Some(hit) = self
            .cache
            .read()
            .ok()
            .and_then(|c| c.get(access_key_id).cloned())
        {
            return Ok(Some(hit));
        }
        if !ids::plausible_access_key_id(access_key_id) {
            return Ok(None);
        }
        let Some(row) = self.store.get(&key_row(access_key_id)).await? else {
            return Ok(None);
        };
        let doc: AccessKeyDoc = serde_json::from_str(&row.doc)
            .map_err(|e| StoreError::Other(format!("corrupt access key: {e}")))?;
        if doc.status != "Active" {
            return Ok(None);
        }
        let account_id = doc.account_id.clone();
        let caller = match (&doc.user_name, &doc.user_id) {
            (Some(name), Some(id)) => Caller {
                kind: CallerKind::IamUser,
                principal_id: id.clone(),
                arn: format!("arn:aws:iam::{account_id}:user/{name}"),
                user_name: Some(name.clone()),
                access_key_id: access_key_id.to_string(),
                account_id,
            },
            _ => Caller {
                kind: CallerKind::Root,
                principal_id: account_id.clone(),
                arn: format!("arn:aws:iam::{account_id}:root"),
                user_name: None,
                access_key_id: access_key_id.to_string(),
                account_id,
            },
        };
        let entry = Arc::new(KeyEntry {
            caller,
            secret: doc.secret_access_key,
            derived: Mutex::new(Vec::new()),
        });
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(access_key_id.to_string(), entry.clone());
        }
        Ok(Some(entry))
    }

    pub fn invalidate(&self, access_key_id: &str) {
        if let Ok(mut cache) = self.cache.write() {
            cache.remove(access_key_id);
        }
    }
}
