//! Identities: the account, its access keys, IAM and STS.
//!
//! [`account::bootstrap`] creates the account and its root access key on first start. [`KeyRing`] resolves the
//! access key id of a signed request to its secret and to the [`Caller`](trailrunner_api::Caller) it stands
//! for, caching keys and derived signing keys. [`IamHandler`] serves IAM (users, access keys, roles, inline
//! policies, login profiles), [`StsHandler`] serves STS; [`assume_role_as_service`] is `AssumeRole` for
//! an AWS service acting by itself (App Runner pulling an image with a service's access role). [`Authorizer`] decides whether a caller's
//! identity-based policies allow a call.

mod access_keys;
pub mod account;
pub mod authorize;
mod entities;
mod errors;
mod iam_handler;
mod ids;
mod inline_policies;
mod keys;
mod login_profiles;
mod policy_doc;
mod roles;
pub mod service_roles;
mod sessions;
mod sts;
mod trust;
mod users;

pub use account::{bootstrap, BootstrapError, RootCredentials};
pub use authorize::Authorizer;
pub use iam_handler::{IamHandler, IAM_IMPLEMENTED};
pub use keys::{KeyEntry, KeyRing, TokenProblem};
/// For the console: whether a password matches a stored login profile's hash.
pub use login_profiles::verify_password;
pub use service_roles::{assume_role_as_service, ServiceAssumeRole};
pub use sessions::sweep_expired_sessions;
pub use sts::{StsHandler, STS_IMPLEMENTED};
