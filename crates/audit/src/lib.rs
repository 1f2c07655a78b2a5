//! CloudTrail records.
//!
//! [`record::build`] turns one call — its operation, caller, input and result — into the record AWS CloudTrail
//! would write, driven entirely by the generated operation tables (names, `readOnly`, sensitive members): no
//! service adds anything per operation. [`event::to_new_event`] packs a record for the store with the attributes
//! Event history filters on; [`codec`] compresses records at rest; [`view`] reads them back for `LookupEvents`.

pub mod codec;
pub mod event;
pub mod identity;
pub mod record;
pub mod resources;
pub mod view;

/// The record format version written (CloudTrail User Guide, current: 1.11; records outside CloudTrail Lake carry
/// no `eventContext`, which is what 1.11 added).
pub const EVENT_VERSION: &str = "1.11";
