//! What delivery remembers per trail, in the store next to the trail: how far into the event feed it has
//! delivered, the batch it is in the middle of writing, and each region's digest chain.
//!
//! Exactly-once rests on two rules. A batch is *planned* (event range, keys, delivery time) and the plan committed
//! before any object is written; the cursor moves past the batch only in the commit that also forgets the plan.
//! After a crash anywhere in between, the plan is found and carried out again: the same events (an immutable range
//! of the feed) go to the same keys with the same bytes, so a retried write overwrites rather than duplicates, and
//! nothing is skipped. Digests follow the same pattern with a planned end time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use trailrunner_cloudtrail::trail_rows::{trail_status_key, TrailRow, TrailStatusRow};
use trailrunner_store::{ChangeSet, Expect, ResourceKey, SharedStore, StoreError};
use trailrunner_trail_digest::{LogFileEntry, PreviousDigest};

pub const DELIVERY_STATE_KIND: &str = "cloudtrail-delivery-state";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// The trail generation and logging epoch this state belongs to; a mismatch starts over.
    pub generation: String,
    pub epoch: u64,
    /// The last feed position delivered (or skipped as not selected).
    pub cursor: i64,
    /// When the last delivery ran (successful or empty), for the delivery interval.
    pub last_delivery_ms: Option<i64>,
    /// A batch planned but not yet acknowledged.
    pub pending: Option<PlannedBatch>,
    /// Failed attempts in a row, and when to try again (exponential backoff).
    pub failures: u32,
    pub retry_at_ms: Option<i64>,
    /// After `StopLogging`: deliver up to this feed position, then close the digest chains.
    pub stop_bound: Option<i64>,
    /// The final delivery and digests after `StopLogging` are done.
    pub stopped: bool,
    /// Digest chains by source region (only while log file validation is on).
    pub chains: BTreeMap<String, Chain>,
}

/// A batch of the feed on its way to the bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedBatch {
    /// The feed range `(after, upto]`.
    pub after: i64,
    pub upto: i64,
    pub bucket: String,
    pub delivered_ms: i64,
    /// One file per region that has selected events in the range.
    pub files: Vec<PlannedFile>,
    /// The trail as it was when planned: a redo selects with the same selectors, regions and bucket.
    pub trail: TrailRow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFile {
    pub region: String,
    pub key: String,
}

/// One region's digest chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// Start of the current period, whole seconds (ms).
    pub period_start_ms: i64,
    /// Log files delivered in the current period.
    pub files: Vec<LogFileEntry>,
    /// The previous digest; `None` makes the next one a starting digest.
    pub previous: Option<PreviousDigest>,
    /// A digest planned to end here (ms) but not yet acknowledged.
    pub pending_end_ms: Option<i64>,
}

impl Chain {
    pub fn starting(at_ms: i64) -> Self {
        Chain {
            period_start_ms: at_ms - at_ms.rem_euclid(1000),
            files: Vec::new(),
            previous: None,
            pending_end_ms: None,
        }
    }
}

pub fn state_key(trail: &TrailRow) -> ResourceKey {
    ResourceKey::new(
        trail.account.as_str(),
        trail.home_region.as_str(),
        DELIVERY_STATE_KIND,
        trail.trail_arn.as_str(),
    )
}

/// The delivery state and the status row of a trail, read together and written together.
#[derive(Debug, Clone, Default)]
pub struct TrailProgress {
    pub state: DeliveryState,
    pub status: TrailStatusRow,
}

pub async fn load(store: &SharedStore, trail: &TrailRow) -> Result<TrailProgress, StoreError> {
    let state = match store.get(&state_key(trail)).await? {
        Some(row) => serde_json::from_str(&row.doc).unwrap_or_else(|e| {
            tracing::warn!(trail = %trail.trail_arn, error = %e, "unreadable delivery state; starting over");
            DeliveryState::default()
        }),
        None => DeliveryState::default(),
    };
    let status_key = trail_status_key(&trail.account, &trail.home_region, &trail.trail_arn);
    let status = match store.get(&status_key).await? {
        Some(row) => serde_json::from_str(&row.doc).unwrap_or_default(),
        None => TrailStatusRow::default(),
    };
    Ok(TrailProgress { state, status })
}

/// Make both rows durable. Only the delivery worker writes them, one trail at a time, so no precondition is needed.
pub async fn save(
    store: &SharedStore,
    trail: &TrailRow,
    progress: &TrailProgress,
) -> Result<(), StoreError> {
    let mut changes = ChangeSet::new();
    changes.put(
        state_key(trail),
        None,
        serde_json::to_string(&progress.state).expect("delivery state serialises"),
        Expect::Any,
    );
    changes.put(
        trail_status_key(&trail.account, &trail.home_region, &trail.trail_arn),
        None,
        serde_json::to_string(&progress.status).expect("trail status serialises"),
        Expect::Any,
    );
    store
        .commit(changes)
        .await
        .map(|_| ())
        .map_err(|e| StoreError::Other(format!("committing delivery progress: {e}")))
}
