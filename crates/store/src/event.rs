//! Audit events as the store keeps them: an opaque (compressed) record plus the attributes it can be found by.

use crate::ChangeSet;

/// The attributes Event history can filter on (CloudTrail `LookupAttributeKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EventAttr {
    EventId = 1,
    EventName = 2,
    ReadOnly = 3,
    Username = 4,
    ResourceType = 5,
    ResourceName = 6,
    EventSource = 7,
    AccessKeyId = 8,
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub account: String,
    pub region: String,
    /// Event time in milliseconds since the epoch.
    pub time_ms: i64,
    /// The stored record bytes (the caller's encoding; returned unchanged by lookups).
    pub record: Vec<u8>,
    /// Every (attribute, value) pair the event can be looked up by.
    pub attrs: Vec<(EventAttr, String)>,
}

/// A stored event, as lookups return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub time_ms: i64,
    pub record: Vec<u8>,
}

/// An event as trail delivery reads it: in commit order (`seq`), with the region it happened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub seq: i64,
    pub region: String,
    pub time_ms: i64,
    pub record: Vec<u8>,
}

/// Newest-first lookup over one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventQuery {
    pub account: String,
    pub region: String,
    /// At most one attribute, as in CloudTrail. Matches are candidates: a hash collision can return an event whose
    /// attribute differs, so callers re-check the record.
    pub attr: Option<(EventAttr, String)>,
    /// Inclusive bounds, milliseconds.
    pub start_ms: i64,
    pub end_ms: i64,
    /// Continue strictly before this (time, seq) position (the previous page's last event).
    pub before: Option<(i64, i64)>,
    pub limit: usize,
}

/// The stable 64-bit key of an (account, region, attribute, value) tuple in the attribute index. xxh3 is a
/// fixed, documented algorithm, so the key survives restarts and upgrades.
pub fn attr_hash(account: &str, region: &str, attr: EventAttr, value: &str) -> i64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [account.as_bytes(), region.as_bytes(), value.as_bytes()] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.update(&[attr as u8]);
    h.digest() as i64
}

impl ChangeSet {
    /// Append an event; it becomes durable together with the rest of the change set.
    pub fn append_event(&mut self, event: NewEvent) -> &mut Self {
        self.events.push(event);
        self
    }
}
