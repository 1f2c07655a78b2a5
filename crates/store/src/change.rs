//! Change sets: every mutation, described before it is applied, applied all or nothing.

use crate::{NewEvent, ResourceKey};

/// A precondition on the current state of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No precondition.
    Any,
    /// The row must not exist (create).
    Absent,
    /// The row must exist with exactly this version (compare-and-swap update or delete).
    Version(i64),
}

#[derive(Debug, Clone)]
pub enum Change {
    Put {
        key: ResourceKey,
        parent: Option<String>,
        doc: String,
        expect: Expect,
    },
    Delete {
        key: ResourceKey,
        expect: Expect,
    },
}

/// Everything one call wants to make durable. Applied in one transaction: either every change is written or none.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub changes: Vec<Change>,
    /// Audit events committed in the same transaction as the changes.
    pub events: Vec<NewEvent>,
}

impl ChangeSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(
        &mut self,
        key: ResourceKey,
        parent: Option<String>,
        doc: String,
        expect: Expect,
    ) -> &mut Self {
        self.changes.push(Change::Put {
            key,
            parent,
            doc,
            expect,
        });
        self
    }

    pub fn delete(&mut self, key: ResourceKey, expect: Expect) -> &mut Self {
        self.changes.push(Change::Delete { key, expect });
        self
    }

    /// Nothing to write at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.events.is_empty()
    }

    /// Whether any resource is written (events alone leave resource reads valid).
    pub fn changes_resources(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// What a successful commit reports back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReceipt {
    /// How many change sets shared the transaction (group commit), for metrics.
    pub batch_size: usize,
}
