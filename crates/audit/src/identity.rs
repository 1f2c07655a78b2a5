//! `userIdentity` and the user name Event history shows, per caller kind (spec §2).

use serde_json::{json, Value};
use trailrunner_api::{Caller, CallerKind};

pub fn user_identity(caller: &Caller) -> Value {
    match caller.kind {
        CallerKind::Root => json!({
            "type": "Root",
            "principalId": caller.account_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
            "accessKeyId": caller.access_key_id,
        }),
        CallerKind::IamUser => json!({
            "type": "IAMUser",
            "principalId": caller.principal_id,
            "arn": caller.arn,
            "accountId": caller.account_id,
            "accessKeyId": caller.access_key_id,
            "userName": caller.user_name,
        }),
    }
}

/// The `Username` of an event in Event history: `root` for the root user, the user name for IAM users.
pub fn username(caller: &Caller) -> String {
    match caller.kind {
        CallerKind::Root => "root".into(),
        CallerKind::IamUser => caller.user_name.clone().unwrap_or_default(),
    }
}
