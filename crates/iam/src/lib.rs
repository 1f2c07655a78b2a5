//! Identities: the account, its access keys, and STS.
//!
//! [`account::bootstrap`] creates the account and its root access key on first start. [`KeyRing`] resolves the
//! access key id of a signed request to its secret and to the [`Caller`](trailrunner_api::Caller) it stands
//! for, caching keys and derived signing keys. [`StsHandler`] serves STS.

pub mod account;
mod ids;
mod keys;
mod sts;

pub use account::{bootstrap, BootstrapError, RootCredentials};
pub use keys::{KeyEntry, KeyRing};
pub use sts::{StsHandler, STS_IMPLEMENTED};
