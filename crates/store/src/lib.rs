//! Storage for trailrunner.
//!
//! One trait, [`Store`], with the embedded SQLite backend ([`SqliteStore`]) as the default. Services never see
//! which backend runs: they read resources through the trait and describe every mutation as a [`ChangeSet`]
//! (puts and deletes guarded by optimistic preconditions). The edge commits a call's change set together with
//! whatever else must become durable with it, in one transaction — so a state change never exists without the
//! rest of its change set.
//!
//! What this crate deliberately does not know: wire shapes, HTTP, or what a resource kind means. Documents are
//! opaque JSON text.

mod change;
mod error;
mod event;
mod resource;
pub mod sqlite;
mod store;

pub use change::{Change, ChangeSet, CommitReceipt, Expect};
pub use error::{CommitError, StoreError};
pub use event::{attr_hash, EventAttr, EventQuery, FeedEvent, NewEvent, StoredEvent};
pub use resource::{ListQuery, Resource, ResourceKey};
pub use sqlite::SqliteStore;
pub use store::{SharedStore, Store};
