//! The one error type of the crate: why a policy document was refused.
//!
//! Messages are IAM's own wording for `MalformedPolicyDocument` where IAM has one (taken from what
//! IAM answers, as recorded by clients and emulators that mirror it, e.g. moto's
//! `iam/policy_validation.py`); the few limits IAM has no message for (our bounds on statement and
//! value counts) are worded in the same style and answered as `LimitExceeded`.

use std::borrow::Cow;

/// `MalformedPolicyDocument`: bad JSON, an unknown element, a value of the wrong type, a missing
/// `Effect`, both `Action` and `NotAction`, and so on.
pub const SYNTAX: &str = "Syntax errors in policy.";
/// `Version` other than 2012-10-17 where the caller requires it (IAM managed policies).
pub const VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
/// IAM's answer for an `Effect` in the wrong case (`allow`) and for date values it cannot read.
pub const LEGACY: &str = "The policy failed legacy parsing";
pub const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
pub const SID_ALNUM: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input \
                             satisfies the regular expression [0-9A-Za-z]*";
pub const ACTIONS: &str = "Policy statement must contain actions.";
pub const RESOURCES: &str = "Policy statement must contain resources.";
pub const PRINCIPAL: &str = "Policy document should not specify a principal.";
pub const VENDOR_PREFIX: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
pub const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
pub const RESOURCE_VENDOR: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";

/// The AWS error code a [`PolicyError`] is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyErrorKind {
    /// `MalformedPolicyDocument` (HTTP 400).
    Malformed,
    /// `LimitExceeded` (HTTP 409): the document is larger than any IAM quota allows, or holds
    /// more statements or values than [`crate::ParseOptions`] accepts.
    LimitExceeded,
}

/// A refused policy document. `Display` is the AWS-style message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    kind: PolicyErrorKind,
    message: Cow<'static, str>,
}

impl PolicyError {
    pub(crate) fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: PolicyErrorKind::Malformed,
            message: message.into(),
        }
    }

    pub(crate) fn limit(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: PolicyErrorKind::LimitExceeded,
            message: message.into(),
        }
    }

    pub(crate) fn syntax() -> Self {
        Self::malformed(SYNTAX)
    }

    pub fn kind(&self) -> PolicyErrorKind {
        self.kind
    }

    /// The AWS error code: `MalformedPolicyDocument` or `LimitExceeded`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            PolicyErrorKind::Malformed => "MalformedPolicyDocument",
            PolicyErrorKind::LimitExceeded => "LimitExceeded",
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}
