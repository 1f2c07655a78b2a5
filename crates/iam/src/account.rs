//! The account of a data dir and its root access key, created on first start.

use serde::{Deserialize, Serialize};
use trailrunner_api::{Clock, Entropy};
use trailrunner_store::{ChangeSet, CommitError, Expect, ResourceKey, Store, StoreError};

use crate::ids;
use crate::keys::{key_row, root_parent, AccessKeyDoc};

/// The account id a new data dir gets unless told otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";

/// The root user's long-term credentials. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootCredentials {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for RootCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootCredentials")
            .field("account_id", &self.account_id)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"HIDDEN_DUE_TO_SECURITY_REASONS")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(
        "this data dir belongs to account {stored}; --account-id {requested} does not match it"
    )]
    AccountMismatch { stored: String, requested: String },
    #[error("invalid account id {0:?}: an account id is 12 digits")]
    InvalidAccountId(String),
    #[error("stored account data is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstallationDoc {
    account_id: String,
    pub(crate) root_access_key_id: String,
    pub(crate) created_at: String,
}

pub(crate) fn installation_key() -> ResourceKey {
    ResourceKey::new("", "", "installation", "account")
}

/// Load the data dir's account, creating it (with a fresh root key) on first start.
pub async fn bootstrap(
    store: &dyn Store,
    requested_account: Option<&str>,
    clock: &dyn Clock,
    entropy: &dyn Entropy,
) -> Result<RootCredentials, BootstrapError> {
    if let Some(acct) = requested_account {
        if acct.len() != 12 || !acct.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BootstrapError::InvalidAccountId(acct.to_string()));
        }
    }
    if let Some(existing) = load(store).await? {
        if let Some(requested) = requested_account {
            if requested != existing.account_id {
                return Err(BootstrapError::AccountMismatch {
                    stored: existing.account_id,
                    requested: requested.to_string(),
                });
            }
        }
        return Ok(existing);
    }
    let account_id = requested_account.unwrap_or(DEFAULT_ACCOUNT_ID).to_string();
    let creds = RootCredentials {
        account_id: account_id.clone(),
        access_key_id: ids::access_key_id(entropy),
        secret_access_key: ids::secret_access_key(entropy),
    };
    let created_at = clock.now().to_string();
    let install = InstallationDoc {
        account_id: account_id.clone(),
        root_access_key_id: creds.access_key_id.clone(),
        created_at: created_at.clone(),
    };
    let key = AccessKeyDoc {
        account_id: account_id.clone(),
        secret_access_key: creds.secret_access_key.clone(),
        status: "Active".into(),
        user_name: None,
        user_id: None,
        user_arn: None,
        created_at,
    };
    let mut cs = ChangeSet::new();
    cs.put(installation_key(), None, to_json(&install)?, Expect::Absent);
    cs.put(
        key_row(&creds.access_key_id),
        Some(root_parent(&account_id)),
        to_json(&key)?,
        Expect::Absent,
    );
    match store.commit(cs).await {
        Ok(_) => Ok(creds),
        // Another process bootstrapped the same data dir first: use what it made.
        Err(CommitError::Conflict { .. }) => load(store).await?.ok_or_else(|| {
            BootstrapError::Corrupt("the account record vanished during bootstrap".into())
        }),
        Err(CommitError::Store(e)) => Err(e.into()),
    }
}

async fn load(store: &dyn Store) -> Result<Option<RootCredentials>, BootstrapError> {
    let Some(row) = store.get(&installation_key()).await? else {
        return Ok(None);
    };
    let install: InstallationDoc =
        serde_json::from_str(&row.doc).map_err(|e| BootstrapError::Corrupt(e.to_string()))?;
    let key_row = store
        .get(&key_row(&install.root_access_key_id))
        .await?
        .ok_or_else(|| BootstrapError::Corrupt("the root access key is missing".into()))?;
    let key: AccessKeyDoc =
        serde_json::from_str(&key_row.doc).map_err(|e| BootstrapError::Corrupt(e.to_string()))?;
    Ok(Some(RootCredentials {
        account_id: install.account_id,
        access_key_id: install.root_access_key_id,
        secret_access_key: key.secret_access_key,
    }))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, BootstrapError> {
    serde_json::to_string(v).map_err(|e| BootstrapError::Corrupt(e.to_string()))
}
