//! IAM identity-based policies: parse and validate a policy document the way IAM does, compile it
//! once, then decide requests against it. No I/O, no clock, no storage.
//!
//! ```
//! use trailrunner_policy::{evaluate, Decision, Policy, RequestContext};
//!
//! let policy = Policy::parse(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": {"Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"}
//! }"#).unwrap();
//! let ctx = RequestContext::new("arn:aws:iam::111122223333:user/alice", "apprunner:ListServices", "*");
//! assert_eq!(evaluate([&policy], &ctx).decision, Decision::Allow);
//! let ctx = RequestContext::new("arn:aws:iam::111122223333:user/alice", "apprunner:CreateService", "*");
//! let denied = evaluate([&policy], &ctx);
//! assert_eq!(denied.decision, Decision::ImplicitDeny);
//! assert_eq!(
//!     denied.denial_message(&ctx).unwrap(),
//!     "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: \
//!      apprunner:CreateService on resource: * because no identity-based policy allows the \
//!      apprunner:CreateService action",
//! );
//! ```
//!
//! # What the caller owns
//!
//! - **Root.** The account root user is not subject to identity-based policies; do not call this.
//! - **Quotas.** IAM's size quotas per policy kind (2,048 / 10,240 / 6,144 characters);
//!   [`ParseOptions`] only refuses absurd documents.
//! - **Which policies.** Pass every identity-based policy of the caller to [`evaluate`]; pass a
//!   session policy as the second set of [`evaluate_with_session`].
//! - **The request context.** [`RequestContext`] holds the action (`<service prefix>:<Operation>`),
//!   the resource ARN (`*` for actions without resource-level permissions) and the condition keys
//!   the request carries; a key left `None` is absent, which is not the same as false.
//!
//! # Semantics (each with its source in the AWS IAM User Guide)
//!
//! - Actions match ignoring case, resources case-sensitively, both with `*` and `?` wildcards;
//!   in a resource ARN wildcards stay within a colon-separated segment unless a `*` ends the
//!   segment (see `glob.rs`).
//! - Explicit deny wins; otherwise any allow allows; otherwise implicit deny (`evaluate.rs`).
//! - Condition operators, `…IfExists`, `Null`, `ForAllValues:`/`ForAnyValue:` and what a missing
//!   key does to each (`condition.rs`). Condition key names are not case-sensitive.
//! - Policy variables (`${aws:username}`, `${key, 'default'}`, `${*}`) in `Resource` and string
//!   or ARN condition values of 2012-10-17 documents; one that cannot be resolved makes its
//!   statement not apply (`template.rs`).
//! - Validation follows IAM's order and messages (`parse.rs`, `error.rs`).
//!
//! # Cost
//!
//! Everything that can be is done at parse time: actions lowercased and wildcards classified
//! (exact, prefix, glob), resource ARNs pre-split into segments, CIDRs, dates and numbers parsed,
//! condition key names resolved. Evaluating does not allocate (a typed key compared with a string
//! operator is rendered on the stack), except to resolve policy variables, for the statements that
//! use them. `cargo bench -p trailrunner-policy` measures it.

mod condition;
mod context;
mod error;
mod evaluate;
mod glob;
mod parse;
pub mod resource_policy;
mod template;
mod typed;

// Case tables, one case per line: rustfmt would spread each over a dozen lines.
#[cfg(test)]
#[rustfmt::skip]
mod evaluate_tests;
#[cfg(test)]
#[rustfmt::skip]
mod parse_tests;

pub use context::{ContextEntry, RequestContext};
pub use error::{PolicyError, PolicyErrorKind};
pub use evaluate::{
    evaluate, evaluate_with_session, Decision, Evaluation, MatchedStatement, PolicyType,
};
pub use parse::{Effect, ParseOptions, Policy, Version};
