//! Dispatch of App Runner operations.

use std::sync::Arc;

use async_trait::async_trait;
use trailrunner_api::{
    ApiError, CallContext, Entropy, InvalidInput, Outcome, PageTokens, ServiceHandler,
};
use trailrunner_store::SharedStore;

use crate::auto_scaling;
use crate::config::AppRunnerConfig;
use crate::observability;
use crate::vpc_connectors;
use crate::{connections, errors, operations, services, tagging};
use crate::{custom_domains, vpc_ingress_connections};

/// The operations built so far (the compatibility table in the docs is generated from this).
pub const IMPLEMENTED: &[&str] = &[
    "CreateConnection",
    "DeleteConnection",
    "ListConnections",
    "CreateService",
    "DescribeService",
    "ListServices",
    "UpdateService",
    "DeleteService",
    "PauseService",
    "ResumeService",
    "StartDeployment",
    "ListOperations",
    "CreateAutoScalingConfiguration",
    "DeleteAutoScalingConfiguration",
    "DescribeAutoScalingConfiguration",
    "ListAutoScalingConfigurations",
    "ListServicesForAutoScalingConfiguration",
    "UpdateDefaultAutoScalingConfiguration",
    "CreateObservabilityConfiguration",
    "DeleteObservabilityConfiguration",
    "DescribeObservabilityConfiguration",
    "ListObservabilityConfigurations",
    "CreateVpcConnector",
    "DeleteVpcConnector",
    "DescribeVpcConnector",
    "ListVpcConnectors",
    "AssociateCustomDomain",
    "DescribeCustomDomains",
    "DisassociateCustomDomain",
    "CreateVpcIngressConnection",
    "DescribeVpcIngressConnection",
    "ListVpcIngressConnections",
    "UpdateVpcIngressConnection",
    "DeleteVpcIngressConnection",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

pub struct AppRunnerHandler {
    pub(crate) store: SharedStore,
    pub(crate) tokens: Arc<PageTokens>,
    /// Randomness for resource ids and quota slots.
    pub(crate) entropy: Arc<dyn Entropy>,
    pub(crate) config: AppRunnerConfig,
    /// Parsed documents shared by reads (`parsed_docs.rs`).
    pub(crate) docs: crate::parsed_docs::ParsedDocs,
}

impl AppRunnerHandler {
    pub fn new(
        store: SharedStore,
        tokens: Arc<PageTokens>,
        entropy: Arc<dyn Entropy>,
        config: AppRunnerConfig,
    ) -> Self {
        AppRunnerHandler {
            store,
            tokens,
            entropy,
            config,
            docs: Default::default(),
        }
    }
}

#[async_trait]
impl ServiceHandler for AppRunnerHandler {
    fn event_source(&self) -> &'static str {
        "apprunner.amazonaws.com"
    }

    fn implements(&self, operation: &str) -> bool {
        IMPLEMENTED.contains(&operation)
    }

    async fn call(
        &self,
        ctx: &CallContext,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<Outcome, ApiError> {
        match operation {
            "CreateConnection" => connections::create_connection(self, ctx, input).await,
            "DeleteConnection" => connections::delete_connection(self, ctx, input).await,
            "ListConnections" => connections::list_connections(self, ctx, input).await,
            "CreateService" => services::create_service(self, ctx, input).await,
            "DescribeService" => services::describe_service(self, ctx, input).await,
            "ListServices" => services::list_services(self, ctx, input).await,
            "UpdateService" => services::update_service(self, ctx, input).await,
            "DeleteService" => services::delete_service(self, ctx, input).await,
            "PauseService" => services::pause_service(self, ctx, input).await,
            "ResumeService" => services::resume_service(self, ctx, input).await,
            "StartDeployment" => services::start_deployment(self, ctx, input).await,
            "ListOperations" => operations::list_operations(self, ctx, input).await,
            "CreateAutoScalingConfiguration" => auto_scaling::create(self, ctx, input).await,
            "DeleteAutoScalingConfiguration" => auto_scaling::delete(self, ctx, input).await,
            "DescribeAutoScalingConfiguration" => auto_scaling::describe(self, ctx, input).await,
            "ListAutoScalingConfigurations" => auto_scaling::list(self, ctx, input).await,
            "ListServicesForAutoScalingConfiguration" => {
                auto_scaling::list_services(self, ctx, input).await
            }
            "UpdateDefaultAutoScalingConfiguration" => {
                auto_scaling::update_default(self, ctx, input).await
            }
            "CreateObservabilityConfiguration" => {
                observability::create_observability_configuration(self, ctx, input).await
            }
            "DeleteObservabilityConfiguration" => {
                observability::delete_observability_configuration(self, ctx, input).await
            }
            "DescribeObservabilityConfiguration" => {
                observability::describe_observability_configuration(self, ctx, input).await
            }
            "ListObservabilityConfigurations" => {
                observability::list_observability_configurations(self, ctx, input).await
            }
            "CreateVpcConnector" => vpc_connectors::create_vpc_connector(self, ctx, input).await,
            "DeleteVpcConnector" => vpc_connectors::delete_vpc_connector(self, ctx, input).await,
            "DescribeVpcConnector" => {
                vpc_connectors::describe_vpc_connector(self, ctx, input).await
            }
            "ListVpcConnectors" => vpc_connectors::list_vpc_connectors(self, ctx, input).await,
            "AssociateCustomDomain" => custom_domains::associate(self, ctx, input).await,
            "DescribeCustomDomains" => custom_domains::describe(self, ctx, input).await,
            "DisassociateCustomDomain" => custom_domains::disassociate(self, ctx, input).await,
            "CreateVpcIngressConnection" => vpc_ingress_connections::create(self, ctx, input).await,
            "DescribeVpcIngressConnection" => {
                vpc_ingress_connections::describe(self, ctx, input).await
            }
            "ListVpcIngressConnections" => vpc_ingress_connections::list(self, ctx, input).await,
            "UpdateVpcIngressConnection" => vpc_ingress_connections::update(self, ctx, input).await,
            "DeleteVpcIngressConnection" => vpc_ingress_connections::delete(self, ctx, input).await,
            "TagResource" => tagging::tag_resource(self, ctx, input).await,
            "UntagResource" => tagging::untag_resource(self, ctx, input).await,
            "ListTagsForResource" => tagging::list_tags_for_resource(self, ctx, input).await,
            other => Err(ApiError::not_implemented(other)),
        }
    }

    fn validation_error(&self, _operation: &str, invalid: InvalidInput) -> ApiError {
        errors::invalid_request(invalid.message)
    }
}
