//! A read cache in front of SQLite, valid because this process's writer thread is the only writer.
//!
//! Every cached answer is tagged with the resource generation read *before* the query ran. The writer bumps the
//! generation after a commit that changed resources and before it answers the committing calls, so:
//! - a read that starts after a write was acknowledged sees a newer generation, misses, and queries SQLite;
//! - an answer computed across a commit is tagged with the older generation and is never served.
//!
//! Hits therefore return exactly what a fresh query would. The cache is bounded by entries and bytes and simply
//! cleared when full. It exists because a WAL read transaction costs file-lock system calls (about 1.5 `fcntl`
//! per read, measured) that dominate cheap List and Describe calls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::{ListQuery, Resource, ResourceKey};

const MAX_ENTRIES: usize = 4096;
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum CacheKey {
    Get(ResourceKey),
    List(ListQuery),
    Count {
        account: String,
        region: String,
        kind: String,
    },
}

#[derive(Clone)]
pub(super) enum Cached {
    One(Option<Resource>),
    Many(Vec<Resource>),
    Count(u64),
}

impl Cached {
    fn bytes(&self) -> usize {
        let one = |r: &Resource| r.doc.len() + r.key.id.len() + 64;
        match self {
            Cached::One(r) => r.as_ref().map_or(16, one),
            Cached::Many(rs) => rs.iter().map(one).sum::<usize>() + 16,
            Cached::Count(_) => 16,
        }
    }
}

struct Entries {
    map: HashMap<CacheKey, (u64, Cached)>,
    bytes: usize,
}

pub(super) struct ReadCache {
    generation: AtomicU64,
    entries: RwLock<Entries>,
}

impl ReadCache {
    pub(super) fn new() -> Self {
        ReadCache {
            generation: AtomicU64::new(0),
            entries: RwLock::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
        }
    }

    /// The generation to tag a query that is about to run.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Called by the writer after a commit that changed resources, before it answers anyone.
    pub(super) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub(super) fn get(&self, key: &CacheKey) -> Option<Cached> {
        let current = self.generation();
        let entries = self.entries.read().ok()?;
        match entries.map.get(key) {
            Some((generation, value)) if *generation == current => Some(value.clone()),
            _ => None,
        }
    }

    pub(super) fn put(&self, key: CacheKey, generation: u64, value: Cached) {
        let size = value.bytes();
        if size > MAX_BYTES / 16 {
            return; // one huge answer would evict everything else
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.map.len() >= MAX_ENTRIES || entries.bytes + size > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        if let Some((_, old)) = entries.map.insert(key, (generation, value)) {
            entries.bytes = entries.bytes.saturating_sub(old.bytes());
        }
        entries.bytes += size;
    }
}
