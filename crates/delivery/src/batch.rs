//! A batch of the event feed turned into log files: read the account's events after the cursor, keep those the
//! trail selects (region, global events, event selectors), and write one `{"Records":[…]}` file per region.
//!
//! Building is deterministic in its inputs (the feed range, the trail as it was when the batch was planned, the
//! planned keys), which is what lets a crashed delivery be redone byte for byte.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use trailrunner_cloudtrail::trail_rows::{EventFacts, TrailRow};
use trailrunner_store::{FeedEvent, SharedStore, StoreError};
use trailrunner_trail_digest::{gzip_level, LogFileEntry};

/// gzip level of log files: 1 is several times faster than the default and still shrinks JSON records ~8×.
pub const LOG_GZIP_LEVEL: u32 = 1;

/// The fields of a record that selection needs; everything else is skipped by the parser.
#[derive(Deserialize)]
struct Facts<'a> {
    #[serde(rename = "readOnly")]
    read_only: Option<bool>,
    #[serde(borrow, rename = "eventSource", default)]
    event_source: Cow<'a, str>,
    #[serde(borrow, rename = "eventCategory", default)]
    event_category: Option<Cow<'a, str>>,
}

/// One region's selected records of a batch.
#[derive(Debug, Default)]
pub struct RegionRecords {
    /// `{"Records":[` and the records so far, comma-separated (closed by [`RegionRecords::finish`]).
    json: Vec<u8>,
    pub count: usize,
    pub oldest_ms: i64,
    pub newest_ms: i64,
}

impl RegionRecords {
    fn push(&mut self, record: &[u8], time_ms: i64) {
        if self.count == 0 {
            self.json.extend_from_slice(b"{\"Records\":[");
            self.oldest_ms = time_ms;
            self.newest_ms = time_ms;
        } else {
            self.json.push(b',');
            self.oldest_ms = self.oldest_ms.min(time_ms);
            self.newest_ms = self.newest_ms.max(time_ms);
        }
        self.json.extend_from_slice(record);
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.json.extend_from_slice(b"]}");
        self.json
    }
}

/// The selected records of a feed range, by region.
#[derive(Debug, Default)]
pub struct Selected {
    /// The last feed position read (whether or not selected).
    pub upto: i64,
    pub events_read: usize,
    pub regions: BTreeMap<String, RegionRecords>,
}

/// Read up to `limit` events after `after` (and not past `upto`, when given) and select the trail's.
pub async fn select(
    store: &SharedStore,
    trail: &TrailRow,
    after: i64,
    upto: Option<i64>,
    limit: usize,
) -> Result<Selected, StoreError> {
    let events = store.events_after(&trail.account, after, limit).await?;
    let trail = trail.clone();
    tokio::task::spawn_blocking(move || select_events(&trail, after, upto, &events))
        .await
        .map_err(|e| StoreError::Other(format!("log file task failed: {e}")))?
}

fn select_events(
    trail: &TrailRow,
    after: i64,
    upto: Option<i64>,
    events: &[FeedEvent],
) -> Result<Selected, StoreError> {
    let mut out = Selected {
        upto: after,
        ..Selected::default()
    };
    // Every record the recorder writes is a management event, which a trail without selectors that includes
    // global service events logs whatever it says: no need to parse it.
    let everything = trail.event_selectors.is_none()
        && trail.advanced_event_selectors.is_none()
        && trail.include_global_service_events;
    let mut decoder = trailrunner_audit::codec::Decoder::new();
    let mut record = Vec::with_capacity(4096);
    for event in events {
        if upto.is_some_and(|u| event.seq > u) {
            break;
        }
        out.upto = event.seq;
        out.events_read += 1;
        if !trail.covers_region(&event.region) {
            continue;
        }
        record.clear();
        decoder
            .decode_into(&event.record, &mut record)
            .map_err(|e| StoreError::Other(format!("event {} is unreadable: {e}", event.seq)))?;
        if everything || selects(trail, &record, event.seq)? {
            out.regions
                .entry(event.region.clone())
                .or_default()
                .push(&record, event.time_ms);
        }
    }
    Ok(out)
}

fn selects(trail: &TrailRow, record: &[u8], seq: i64) -> Result<bool, StoreError> {
    let facts: Facts<'_> = serde_json::from_slice(record)
        .map_err(|e| StoreError::Other(format!("event {seq} is not JSON: {e}")))?;
    if !trail.include_global_service_events && is_global_service(&facts.event_source) {
        return Ok(false);
    }
    Ok(trail.selects(&EventFacts {
        read_only: facts.read_only.unwrap_or(false),
        event_source: &facts.event_source,
        event_category: facts.event_category.as_deref().unwrap_or("Management"),
    }))
}

/// Services whose events CloudTrail calls "global service events" (recorded in us-east-1).
fn is_global_service(event_source: &str) -> bool {
    matches!(
        event_source,
        "iam.amazonaws.com" | "cloudfront.amazonaws.com"
    )
}

/// A log file ready to put: its gzip bytes and its digest entry.
#[derive(Debug, Clone)]
pub struct BuiltFile {
    pub gzip: Vec<u8>,
    pub entry: LogFileEntry,
}

/// The log file of one region's records at `bucket`/`key`.
pub fn build_file(bucket: &str, key: &str, records: RegionRecords) -> BuiltFile {
    let oldest = timestamp(records.oldest_ms);
    let newest = timestamp(records.newest_ms);
    let json = records.finish();
    let entry = LogFileEntry::new(bucket, key, &json, oldest, newest);
    let gzip = gzip_level(&json, LOG_GZIP_LEVEL);
    BuiltFile { gzip, entry }
}

pub fn timestamp(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
