//! The storage trait every backend implements.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    ChangeSet, CommitError, CommitReceipt, EventQuery, FeedEvent, ListQuery, Resource, ResourceKey,
    StoreError, StoredEvent,
};

/// The one storage interface. Reads see committed data only; [`Store::commit`] returns once the change set
/// is durable (or has definitely failed).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn get(&self, key: &ResourceKey) -> Result<Option<Resource>, StoreError>;

    /// Up to `query.limit` resources of one kind, ordered by insertion (`seq`).
    async fn list(&self, query: &ListQuery) -> Result<Vec<Resource>, StoreError>;

    /// How many resources of a kind an account holds in a region (quota checks).
    async fn count(&self, account: &str, region: &str, kind: &str) -> Result<u64, StoreError>;

    /// Apply a change set atomically and durably.
    async fn commit(&self, changes: ChangeSet) -> Result<CommitReceipt, CommitError>;

    /// Events matching `query`, newest first (by time, then by insertion).
    async fn lookup_events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>, StoreError>;

    /// Remove up to `limit` events older than `cutoff_ms` (oldest first); returns how many were removed.
    async fn expire_events(&self, cutoff_ms: i64, limit: usize) -> Result<u64, StoreError>;

    /// The `seq` of the newest committed event (0 when there is none). Every event committed later has a larger
    /// `seq`, so this is a position in the event feed.
    async fn last_event_seq(&self) -> Result<i64, StoreError>;

    /// Up to `limit` events of one account committed after position `after_seq`, oldest first (by `seq`): the feed
    /// trail delivery reads. Commits are serialised, so a position once read never gains earlier events.
    async fn events_after(
        &self,
        account: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<FeedEvent>, StoreError>;

    /// A short name of the backend, for logs.
    fn backend(&self) -> &'static str;
}

pub type SharedStore = Arc<dyn Store>;
