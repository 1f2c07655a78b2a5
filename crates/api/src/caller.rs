//! Who made a call, as established by signature verification.

/// The kinds of principal CloudTrail distinguishes in `userIdentity.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    Root,
    IamUser,
}

impl CallerKind {
    /// The `userIdentity.type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::Root => "Root",
            CallerKind::IamUser => "IAMUser",
        }
    }
}

/// An authenticated caller. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub kind: CallerKind,
    pub account_id: String,
    /// The account id for root, `AIDA…` for users.
    pub principal_id: String,
    pub arn: String,
    /// The access key that signed the request.
    pub access_key_id: String,
    /// The IAM user name; `None` for root.
    pub user_name: Option<String>,
}
