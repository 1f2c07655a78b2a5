//! IAM (awsQuery): dispatch of the operations built so far. IAM is a global service: every call is recorded in
//! `us-east-1`, whatever region the client signed for.

use std::sync::Arc;

use async_trait::async_trait;
use trailrunner_api::{
    ApiError, CallContext, Entropy, InvalidInput, Outcome, PageTokens, ServiceHandler,
};
use trailrunner_store::SharedStore;

use crate::entities::{RoleDoc, UserDoc};
use crate::{access_keys, errors, inline_policies as inline, login_profiles, roles, users};

/// The IAM operations built so far (the compatibility table in the docs is generated from this).
pub const IAM_IMPLEMENTED: &[&str] = &[
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "PutUserPolicy",
    "GetUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "CreateLoginProfile",
];

pub struct IamHandler {
    pub(crate) store: SharedStore,
    pub(crate) tokens: Arc<PageTokens>,
    pub(crate) entropy: Arc<dyn Entropy>,
}

impl IamHandler {
    pub fn new(store: SharedStore, tokens: Arc<PageTokens>, entropy: Arc<dyn Entropy>) -> Self {
        IamHandler {
            store,
            tokens,
            entropy,
        }
    }
}

#[async_trait]
impl ServiceHandler for IamHandler {
    fn event_source(&self) -> &'static str {
        "iam.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        IAM_IMPLEMENTED.contains(&operation)
    }

    fn home_region(&self) -> Option<&'static str> {
        Some("us-east-1")
    }

    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "CreateUser" => users::create_user(self, ctx, input).await,
            "GetUser" => users::get_user(self, ctx, input).await,
            "ListUsers" => users::list_users(self, ctx, input).await,
            "DeleteUser" => users::delete_user(self, ctx, input).await,
            "CreateAccessKey" => access_keys::create_access_key(self, ctx, input).await,
            "ListAccessKeys" => access_keys::list_access_keys(self, ctx, input).await,
            "UpdateAccessKey" => access_keys::update_access_key(self, ctx, input).await,
            "DeleteAccessKey" => access_keys::delete_access_key(self, ctx, input).await,
            "CreateRole" => roles::create_role(self, ctx, input).await,
            "GetRole" => roles::get_role(self, ctx, input).await,
            "ListRoles" => roles::list_roles(self, ctx, input).await,
            "DeleteRole" => roles::delete_role(self, ctx, input).await,
            "UpdateAssumeRolePolicy" => roles::update_assume_role_policy(self, ctx, input).await,
            "PutUserPolicy" => inline::put::<UserDoc>(self, ctx, input).await,
            "GetUserPolicy" => inline::get::<UserDoc>(self, ctx, input).await,
            "DeleteUserPolicy" => inline::delete::<UserDoc>(self, ctx, input).await,
            "ListUserPolicies" => inline::list::<UserDoc>(self, ctx, input).await,
            "PutRolePolicy" => inline::put::<RoleDoc>(self, ctx, input).await,
            "GetRolePolicy" => inline::get::<RoleDoc>(self, ctx, input).await,
            "DeleteRolePolicy" => inline::delete::<RoleDoc>(self, ctx, input).await,
            "ListRolePolicies" => inline::list::<RoleDoc>(self, ctx, input).await,
            "CreateLoginProfile" => login_profiles::create_login_profile(self, ctx, input).await,
            other => Err(ApiError::not_implemented(other)),
        }
    }

    fn validation_error(&self, _operation: &str, invalid: InvalidInput) -> ApiError {
        errors::validation(invalid.message)
    }
}
