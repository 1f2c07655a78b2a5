//! The App Runner control plane (`AppRunner.*`, awsJson 1.0).
//!
//! Operations are dispatched by name in [`handler`]; each family lives in its own module. Operations not built
//! yet answer an explicit `NotImplementedException` (HTTP 501) — never a fake success.

mod arn;
mod connections;
mod errors;
mod handler;
mod paging;
mod services;
mod tags;

pub use handler::{AppRunnerHandler, IMPLEMENTED};
