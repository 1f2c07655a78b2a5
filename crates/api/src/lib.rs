//! The seam between the edge and the services.
//!
//! A service implements [`ServiceHandler`]: it receives a decoded request body (`serde_json::Value` in the wire
//! member names) with the [`CallContext`] of an authenticated caller, reads what it needs from the store, and
//! returns an [`Outcome`]: the response body plus the [`ChangeSet`](trailrunner_store::ChangeSet) that makes its
//! effects durable. It never writes to the store itself and never sees HTTP: the edge commits the change set
//! (together with the call's audit record) and frames the response for the wire.

mod caller;
mod error;
mod handler;
mod page_token;
pub mod sys;

pub use caller::{
    Caller, CallerKind, IssuerKind, ServiceCaller, Session, SessionIssuer, SessionOrigin,
};
pub use error::{ApiError, Fault};
pub use handler::{CallContext, InvalidInput, Outcome, ResourceRef, ServiceHandler};
pub use page_token::{PageTokens, MAX_TOKEN_LEN};
pub use sys::{uuid_v7_millis, Clock, Entropy, SystemClock, SystemEntropy};
