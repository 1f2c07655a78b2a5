//! The App Runner control plane (`AppRunner.*`, awsJson 1.0).
//!
//! Operations are dispatched by name in [`handler`]; each family lives in its own module. Operations not built
//! yet answer an explicit `NotImplementedException` (HTTP 501) — never a fake success.

mod arn;
mod auto_scaling;
mod config;
mod connections;
mod console;
mod custom_domains;
mod deployments;
mod errors;
mod handler;
pub mod lifecycle;
mod observability;
mod operations;
mod paging;
mod parsed_docs;
mod service_config;
mod service_roles;
mod service_rows;
mod services;
mod store_rows;
mod tagging;
mod tags;
mod vpc_connectors;
mod vpc_ingress_connections;
mod vpc_ingress_rows;

pub use config::{AppRunnerConfig, Quotas};
pub use console::{ConsoleHandler, CONSOLE_IMPLEMENTED};
pub use handler::{AppRunnerHandler, IMPLEMENTED};
