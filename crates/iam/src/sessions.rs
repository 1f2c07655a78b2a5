//! Temporary credentials (STS): how they are stored and turned back into a caller.
//!
//! A temporary key lives in the global scope like a long-term one (key ids are unique across accounts), under its
//! `ASIA…` id, kind [`SESSION_KEY_KIND`]. The row holds the secret (needed to verify signatures, as for access
//! keys), the SHA-256 of the session token (never the token: a copy of the database cannot be used to sign as the
//! session), the expiry, and the identity the credentials stand for with its session context. Rows are written
//! once and never changed, so a cached entry cannot go stale; expiry is checked per request
//! ([`KeyEntry::check_token`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use trailrunner_api::{
    ApiError, Caller, CallerKind, Entropy, IssuerKind, Session, SessionIssuer, SessionOrigin,
};
use trailrunner_store::{ChangeSet, Expect, ResourceKey, StoreError};

use crate::ids;
use crate::keys::KeyEntry;

pub(crate) const SESSION_KEY_KIND: &str = "session-key";
/// Temporary access key ids start with this (long-term ones with `AKIA`).
pub(crate) const TEMPORARY_PREFIX: &str = "ASIA";

pub(crate) fn session_key_row(access_key_id: &str) -> ResourceKey {
    ResourceKey::new("", "", SESSION_KEY_KIND, access_key_id)
}

pub(crate) fn token_hash(token: &str) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssuerDoc {
    kind: String,
    principal_id: String,
    arn: String,
    account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
}

/// A stored temporary key. `Debug` is not derived: it holds the secret.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionKeyDoc {
    account_id: String,
    secret_access_key: String,
    /// Hex SHA-256 of the session token.
    token_sha256: String,
    /// `AssumeRole`, `GetSessionToken`, `GetFederationToken`.
    origin: String,
    /// The caller kind the credentials stand for (`userIdentity.type`).
    kind: String,
    principal_id: String,
    arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<IssuerDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Milliseconds since the epoch.
    created_at_ms: i64,
    expires_at_ms: i64,
    #[serde(default)]
    mfa_authenticated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
}

/// Freshly issued credentials, for the response only. `Debug` is redacted.
pub(crate) struct Issued {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    /// `Expiration`, ISO 8601 in whole seconds.
    pub(crate) expiration: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl Issued {
    pub(crate) fn credentials_json(&self) -> serde_json::Value {
        serde_json::json!({
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration,
        })
    }
}

fn kind_name(kind: CallerKind) -> &'static str {
    kind.as_str()
}

fn kind_of(name: &str) -> Option<CallerKind> {
    [
        CallerKind::Root,
        CallerKind::IamUser,
        CallerKind::AssumedRole,
        CallerKind::FederatedUser,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}

fn origin_name(origin: SessionOrigin) -> &'static str {
    match origin {
        SessionOrigin::AssumeRole => "AssumeRole",
        SessionOrigin::GetSessionToken => "GetSessionToken",
        SessionOrigin::GetFederationToken => "GetFederationToken",
    }
}

fn origin_of(name: &str) -> Option<SessionOrigin> {
    [
        SessionOrigin::AssumeRole,
        SessionOrigin::GetSessionToken,
        SessionOrigin::GetFederationToken,
    ]
    .into_iter()
    .find(|o| origin_name(*o) == name)
}

fn issuer_kind_of(name: &str) -> Option<IssuerKind> {
    [IssuerKind::Root, IssuerKind::IamUser, IssuerKind::Role]
        .into_iter()
        .find(|k| k.as_str() == name)
}

/// Mint temporary credentials standing for `who` (its `access_key_id` and `session` are filled in here) and put
/// their row into `changes`. `session.created_at`/`expires_at` must be set by the caller.
pub(crate) fn issue(
    entropy: &dyn Entropy,
    changes: &mut ChangeSet,
    who: &Caller,
    session: &Session,
) -> Result<Issued, ApiError> {
    let access_key_id = ids::temporary_access_key_id(entropy);
    let secret_access_key = ids::secret_access_key(entropy);
    let session_token = ids::session_token(entropy);
    let hash = token_hash(&session_token);
    let doc = SessionKeyDoc {
        account_id: who.account_id.clone(),
        secret_access_key: secret_access_key.clone(),
        token_sha256: hash.iter().map(|b| format!("{b:02x}")).collect(),
        origin: origin_name(session.origin).into(),
        kind: kind_name(who.kind).into(),
        principal_id: who.principal_id.clone(),
        arn: who.arn.clone(),
        user_name: who.user_name.clone(),
        issuer: session.issuer.as_ref().map(|i| IssuerDoc {
            kind: i.kind.as_str().into(),
            principal_id: i.principal_id.clone(),
            arn: i.arn.clone(),
            account_id: i.account_id.clone(),
            user_name: i.user_name.clone(),
        }),
        name: session.name.clone(),
        created_at_ms: session.created_at.as_millisecond(),
        expires_at_ms: session.expires_at.as_millisecond(),
        mfa_authenticated: session.mfa_authenticated,
        source_identity: session.source_identity.clone(),
        policy: session.policy.clone(),
    };
    let text = serde_json::to_string(&doc)
        .map_err(|e| ApiError::internal_from("encoding temporary credentials", &e))?;
    changes.put(
        session_key_row(&access_key_id),
        Some(format!("{}/session", who.account_id)),
        text,
        Expect::Absent,
    );
    Ok(Issued {
        access_key_id,
        secret_access_key,
        session_token,
        expiration: session
            .expires_at
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    })
}

/// The key entry of a stored temporary key.
pub(crate) fn entry_of(access_key_id: &str, text: &str) -> Result<KeyEntry, StoreError> {
    let corrupt = |what: &str| StoreError::Other(format!("corrupt temporary key: {what}"));
    let doc: SessionKeyDoc = serde_json::from_str(text).map_err(|e| corrupt(&e.to_string()))?;
    let mut hash = [0u8; 32];
    if doc.token_sha256.len() != 64 {
        return Err(corrupt("token hash"));
    }
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&doc.token_sha256[2 * i..2 * i + 2], 16)
            .map_err(|_| corrupt("token hash"))?;
    }
    let time = |ms| jiff::Timestamp::from_millisecond(ms).map_err(|_| corrupt("time"));
    let issuer = match doc.issuer {
        None => None,
        Some(i) => Some(SessionIssuer {
            kind: issuer_kind_of(&i.kind).ok_or_else(|| corrupt("issuer kind"))?,
            principal_id: i.principal_id,
            arn: i.arn,
            account_id: i.account_id,
            user_name: i.user_name,
        }),
    };
    let session = Session {
        origin: origin_of(&doc.origin).ok_or_else(|| corrupt("origin"))?,
        issuer,
        name: doc.name,
        created_at: time(doc.created_at_ms)?,
        expires_at: time(doc.expires_at_ms)?,
        mfa_authenticated: doc.mfa_authenticated,
        source_identity: doc.source_identity,
        policy: doc.policy,
    };
    let caller = Caller {
        kind: kind_of(&doc.kind).ok_or_else(|| corrupt("kind"))?,
        account_id: doc.account_id,
        principal_id: doc.principal_id,
        arn: doc.arn,
        access_key_id: access_key_id.to_string(),
        user_name: doc.user_name,
        session: Some(Arc::new(session)),
    };
    Ok(KeyEntry::new(caller, doc.secret_access_key, Some(hash)))
}

/// The longest temporary credentials STS issues (`GetSessionToken`/`GetFederationToken`: 36 hours).
const LONGEST_SESSION_MS: i64 = 36 * 3600 * 1000;
/// Rows read per sweep page.
const SWEEP_PAGE: usize = 500;

/// Remove temporary keys that expired more than `grace_ms` ago. Until then an expired key is still known, so a
/// call signed with it answers `ExpiredToken` and is recorded; after it, the key is as unknown as one never issued.
/// Keys are visited oldest first and the sweep stops where no key can be due yet. Returns how many were removed.
pub async fn sweep_expired_sessions(
    store: &dyn trailrunner_store::Store,
    now_ms: i64,
    grace_ms: i64,
) -> Result<u64, StoreError> {
    let due_before = now_ms.saturating_sub(grace_ms);
    let mut removed = 0;
    let mut after_seq = None;
    loop {
        let page = store
            .list(&trailrunner_store::ListQuery {
                account: String::new(),
                region: String::new(),
                kind: SESSION_KEY_KIND.into(),
                parent: None,
                after_seq,
                newest_first: false,
                limit: SWEEP_PAGE,
            })
            .await?;
        let Some(last) = page.last() else { break };
        after_seq = Some(last.seq);
        let mut changes = ChangeSet::new();
        let mut younger = false;
        for row in &page {
            let Ok(doc) = serde_json::from_str::<SessionKeyDoc>(&row.doc) else {
                continue;
            };
            if doc.expires_at_ms < due_before {
                changes.delete(row.key.clone(), Expect::Version(row.version));
            }
            younger |= doc.created_at_ms > due_before - LONGEST_SESSION_MS;
        }
        if !changes.is_empty() {
            let n = changes.changes.len() as u64;
            match store.commit(changes).await {
                Ok(_) => removed += n,
                Err(trailrunner_store::CommitError::Conflict { .. }) => {}
                Err(trailrunner_store::CommitError::Store(e)) => return Err(e),
            }
        }
        if younger || page.len() < SWEEP_PAGE {
            break;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyRing, TokenProblem};
    use trailrunner_api::sys::ManualClock;
    use trailrunner_api::{Clock, SystemEntropy};
    use trailrunner_store::sqlite::Durability;
    use trailrunner_store::{SharedStore, SqliteStore};

    const ACCT: &str = "123456789012";

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn assumed(created: jiff::Timestamp, secs: i64) -> (Caller, Session) {
        let session = Session {
            origin: SessionOrigin::AssumeRole,
            issuer: Some(SessionIssuer {
                kind: IssuerKind::Role,
                principal_id: "AROABBBBBBBBBBBBBBBBB".into(),
                arn: format!("arn:aws:iam::{ACCT}:role/Deployer"),
                account_id: ACCT.into(),
                user_name: Some("Deployer".into()),
            }),
            name: Some("ci".into()),
            created_at: created,
            expires_at: created + jiff::SignedDuration::from_secs(secs),
            mfa_authenticated: false,
            source_identity: Some("alice".into()),
            policy: None,
        };
        let caller = Caller {
            kind: CallerKind::AssumedRole,
            account_id: ACCT.into(),
            principal_id: "AROABBBBBBBBBBBBBBBBB:ci".into(),
            arn: format!("arn:aws:sts::{ACCT}:assumed-role/Deployer/ci"),
            access_key_id: String::new(),
            user_name: None,
            session: None,
        };
        (caller, session)
    }

    async fn stored(changes: ChangeSet) -> (KeyRing, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
        store.commit(changes).await.unwrap();
        (KeyRing::new(store), dir)
    }

    #[tokio::test]
    async fn issued_credentials_resolve_to_the_session_and_expire() {
        let clock = ManualClock::new(at("2026-11-25T03:00:00Z"));
        let (who, session) = assumed(clock.now(), 900);
        let mut changes = ChangeSet::new();
        let issued = issue(&SystemEntropy, &mut changes, &who, &session).unwrap();
        assert!(issued.access_key_id.starts_with("ASIA"));
        assert_eq!(issued.expiration, "2026-11-25T03:15:00Z");
        assert!(!format!("{issued:?}").contains(&issued.session_token));
        // The row holds a hash of the token, never the token.
        let row_text = format!("{:?}", changes.changes);
        assert!(!row_text.contains(&issued.session_token));

        let (ring, _dir) = stored(changes).await;
        let entry = ring
            .lookup(&issued.access_key_id)
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(entry.caller.kind, CallerKind::AssumedRole);
        assert_eq!(entry.caller.access_key_id, issued.access_key_id);
        let s = entry.caller.session.as_ref().unwrap();
        assert_eq!(s.name.as_deref(), Some("ci"));
        assert_eq!(s.source_identity.as_deref(), Some("alice"));
        assert_eq!(s.issuer.as_ref().unwrap().kind, IssuerKind::Role);

        let token = issued.session_token.as_str();
        assert_eq!(entry.check_token(Some(token), clock.now()), Ok(()));
        assert_eq!(
            entry.check_token(None, clock.now()),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            entry.check_token(Some("wrong"), clock.now()),
            Err(TokenProblem::Invalid)
        );
        clock.set(at("2026-11-25T03:14:59.999Z"));
        assert_eq!(entry.check_token(Some(token), clock.now()), Ok(()));
        clock.set(at("2026-11-25T03:15:00Z"));
        assert_eq!(
            entry.check_token(Some(token), clock.now()),
            Err(TokenProblem::Expired)
        );
        // A wrong token stays "invalid" after expiry: expiry is only revealed to holders of the token.
        assert_eq!(
            entry.check_token(Some("wrong"), clock.now()),
            Err(TokenProblem::Invalid)
        );
        // Still expired when served from the cache.
        let again = ring.lookup(&issued.access_key_id).await.unwrap().unwrap();
        assert_eq!(
            again.check_token(Some(token), clock.now()),
            Err(TokenProblem::Expired)
        );
    }

    #[tokio::test]
    async fn long_term_keys_take_no_token_and_unknown_temporary_keys_do_not_exist() {
        let (ring, _dir) = stored(ChangeSet::new()).await;
        assert!(ring.lookup("ASIAAAAAAAAAAAAAAAAA").await.unwrap().is_none());
        let entry = KeyEntry::new(
            Caller {
                kind: CallerKind::Root,
                account_id: ACCT.into(),
                principal_id: ACCT.into(),
                arn: format!("arn:aws:iam::{ACCT}:root"),
                access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                user_name: None,
                session: None,
            },
            "s".into(),
            None,
        );
        let now = at("2026-11-25T03:00:00Z");
        assert_eq!(entry.check_token(None, now), Ok(()));
        assert_eq!(
            entry.check_token(Some("x"), now),
            Err(TokenProblem::Invalid)
        );
    }

    #[test]
    fn corrupt_rows_are_store_errors() {
        assert!(entry_of("ASIAAAAAAAAAAAAAAAAA", "{}").is_err());
    }

    #[tokio::test]
    async fn sweeps_keys_expired_past_the_grace_period_only() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore =
            Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
        let mut changes = ChangeSet::new();
        let mut ids = Vec::new();
        // Created a day apart, valid for an hour each.
        for day in 1..=5 {
            let (caller, session) = assumed(at(&format!("2026-11-0{day}T00:00:00Z")), 3600);
            ids.push(
                issue(&SystemEntropy, &mut changes, &caller, &session)
                    .unwrap()
                    .access_key_id,
            );
        }
        store.commit(changes).await.unwrap();
        // Now the 8th at 00:30 with two days of grace: keys that expired before the 6th at 00:30 go, which is all
        // five (the last expired on the 5th at 01:00).
        let now = at("2026-11-08T00:30:00Z").as_millisecond();
        let grace = 2 * 24 * 3600 * 1000;
        let removed = sweep_expired_sessions(store.as_ref(), now, grace)
            .await
            .unwrap();
        assert_eq!(removed, 5, "all five expired before the 6th 00:30");
        for id in &ids {
            assert!(store.get(&session_key_row(id)).await.unwrap().is_none());
        }
        let mut changes = ChangeSet::new();
        let (caller, session) = assumed(at("2026-11-07T00:00:00Z"), 3600);
        let fresh = issue(&SystemEntropy, &mut changes, &caller, &session).unwrap();
        store.commit(changes).await.unwrap();
        assert_eq!(
            sweep_expired_sessions(store.as_ref(), now, grace)
                .await
                .unwrap(),
            0
        );
        assert!(
            store
                .get(&session_key_row(&fresh.access_key_id))
                .await
                .unwrap()
                .is_some(),
            "expired within the grace period: still known, so its calls answer ExpiredToken"
        );
    }
}
