//! Who made a call, as established by signature verification.

use std::sync::Arc;

/// The kinds of principal CloudTrail distinguishes in `userIdentity.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Root,
    IamUser,
    /// Temporary credentials from STS `AssumeRole`.
    AssumedRole,
    /// Temporary credentials from STS `GetFederationToken`.
    FederatedUser,
}

impl CallerKind {
    /// The `userIdentity.type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::Root => "Root",
            CallerKind::IamUser => "IAMUser",
            CallerKind::AssumedRole => "AssumedRole",
            CallerKind::FederatedUser => "FederatedUser",
        }
    }
}

/// An authenticated caller. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub kind: CallerKind,
    /// The account the calling entity belongs to (for temporary credentials: the role's or the issuing user's).
    pub account_id: String,
    /// The account id for root, `AIDA…` for users, `AROA…:<session>` for assumed roles, `<account>:<name>` for
    /// federated users.
    pub principal_id: String,
    /// `arn:aws:iam::…:root`, `…:user/…`, `arn:aws:sts::…:assumed-role/<role>/<session>`,
    /// `arn:aws:sts::…:federated-user/<name>`.
    pub arn: String,
    /// The access key that signed the request (`ASIA…` for temporary credentials).
    pub access_key_id: String,
    /// The IAM user name for IAM users (also with session credentials); `None` otherwise.
    pub user_name: Option<String>,
    /// Set when temporary credentials (STS) signed the request.
    pub session: Option<Arc<Session>>,
}

/// Which STS operation issued temporary credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOrigin {
    AssumeRole,
    /// The caller keeps its kind (`IamUser` or `Root`) and gains a session.
    GetSessionToken,
    GetFederationToken,
}

/// `sessionContext.sessionIssuer.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerKind {
    Root,
    IamUser,
    Role,
}

impl IssuerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerKind::Root => "Root",
            IssuerKind::IamUser => "IAMUser",
            IssuerKind::Role => "Role",
        }
    }
}

/// The entity temporary credentials were obtained from (`sessionContext.sessionIssuer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionIssuer {
    pub kind: IssuerKind,
    /// The role's `AROA…`, the user's `AIDA…`, or the account id for root.
    pub principal_id: String,
    /// The role's or user's IAM ARN (`arn:aws:iam::…:role/…`), or the account root's.
    pub arn: String,
    pub account_id: String,
    /// Role name or user name; `None` for root.
    pub user_name: Option<String>,
}

/// What temporary credentials carry besides the key: how, when and by whom they were issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub origin: SessionOrigin,
    /// `None` for `GetSessionToken` credentials (CloudTrail shows an empty `sessionIssuer`).
    pub issuer: Option<SessionIssuer>,
    /// The role session name (`AssumeRole`) or the federated user name (`GetFederationToken`).
    pub name: Option<String>,
    pub created_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    /// trailrunner has no MFA yet: always `false`.
    pub mfa_authenticated: bool,
    /// STS `SourceIdentity`, when the session was given one.
    pub source_identity: Option<String>,
    /// The session policy passed to `AssumeRole` or `GetFederationToken` (`Policy`), as sent. Authorization must
    /// intersect it with the identity's own policies (the role's, or the issuing user's for federated users).
    pub policy: Option<String>,
}

/// An AWS service acting by itself on an account's behalf, such as App Runner's build service pulling a private
/// ECR image with the customer's access role (CloudTrail `userIdentity` `{"type": "AWSService", "invokedBy":
/// <principal>}`, spec §2.3).
///
/// Deliberately not a [`CallerKind`]: a service principal never signs a request, so it never reaches the edge,
/// authentication or identity-based authorization; only trust policies (`{"Service": …}`) and the recorder
/// know it. Keeping it a type of its own makes it impossible to hand one to the authorizer by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCaller {
    /// The service principal, e.g. `build.apprunner.amazonaws.com`: `invokedBy`, and also the record's
    /// `sourceIPAddress` and `userAgent` (spec §1.3: AWS-originated calls carry the service's name there).
    pub principal: String,
    /// The account the service acts for (the record's `recipientAccountId`).
    pub account_id: String,
}
