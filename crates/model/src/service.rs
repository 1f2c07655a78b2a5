//! Service and operation tables: the static form of one botocore `service-2.json`.
//!
//! Every table is generated (`src/generated/*_shapes.rs`) and lives in static memory;
//! nothing is parsed at run time. Lookups are binary searches over name-sorted slices.

use crate::shape::{Shape, ShapeId};

/// Wire protocol of a service (botocore `metadata.protocol` + `jsonVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// awsJson 1.0 (`application/x-amz-json-1.0`), e.g. App Runner.
    Json10,
    /// awsJson 1.1 (`application/x-amz-json-1.1`), e.g. CloudTrail.
    Json11,
    /// awsQuery (form-encoded request, XML response), e.g. STS and IAM.
    Query,
    /// restXml, e.g. S3.
    RestXml,
}

/// One AWS service as described by its pinned model.
#[derive(Debug)]
pub struct ServiceModel {
    /// Short id used throughout trailrunner and in `models/<id>.json`: `"apprunner"`.
    pub id: &'static str,
    /// botocore `metadata.serviceId`: `"AppRunner"`.
    pub service_id: &'static str,
    /// botocore `metadata.serviceFullName`.
    pub full_name: &'static str,
    pub protocol: Protocol,
    /// `X-Amz-Target` prefix for the awsJson protocols: `"AppRunner"`.
    pub target_prefix: Option<&'static str>,
    pub api_version: &'static str,
    /// SigV4 credential-scope service name: `"apprunner"`.
    pub signing_name: &'static str,
    /// `metadata.endpointPrefix`.
    pub endpoint_prefix: &'static str,
    /// CloudTrail `eventSource`: `"apprunner.amazonaws.com"`.
    pub event_source: &'static str,
    /// XML namespace of awsQuery / restXml responses.
    pub xml_namespace: Option<&'static str>,
    /// Global endpoint host for global services (`"iam.amazonaws.com"`).
    pub global_endpoint: Option<&'static str>,
    /// All operations, sorted by name.
    pub operations: &'static [Operation],
    /// All shapes, sorted by name; `ShapeId(i)` is `shapes[i]`.
    pub shapes: &'static [Shape],
    /// Every exception shape of the service, sorted by shape name.
    pub errors: &'static [ShapeId],
}

/// One API operation.
#[derive(Debug)]
pub struct Operation {
    /// AWS operation name (`CreateService`), also the CloudTrail `eventName`.
    pub name: &'static str,
    pub http_method: &'static str,
    pub http_request_uri: &'static str,
    pub input: Option<ShapeId>,
    pub output: Option<ShapeId>,
    /// awsQuery: the XML element wrapping the output (`CreateUserResult`).
    pub result_wrapper: Option<&'static str>,
    /// Modeled errors, in model order.
    pub errors: &'static [ShapeId],
    /// CloudTrail `readOnly` (name prefix rule + `models/readonly-overrides.json`).
    pub read_only: bool,
    pub idempotent: bool,
    pub deprecated: bool,
    /// Dotted PascalCase member paths from the input root to every sensitive member
    /// (see the crate docs for the notation).
    pub sensitive_input_paths: &'static [&'static str],
    /// Same for the output.
    pub sensitive_output_paths: &'static [&'static str],
}

impl ServiceModel {
    /// The operation called `name` (exact, case-sensitive AWS name).
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations
            .binary_search_by(|op| op.name.cmp(name))
            .ok()
            .map(|i| &self.operations[i])
    }

    /// The shape with this id. Ids come from this service's tables; an id from another
    /// service is a programming error and panics on a bad index.
    pub fn shape(&self, id: ShapeId) -> &Shape {
        &self.shapes[id.index()]
    }

    /// The shape called `name` (botocore shape name, e.g. `CreateServiceRequest`).
    pub fn shape_by_name(&self, name: &str) -> Option<&Shape> {
        self.shapes
            .binary_search_by(|s| s.name.cmp(name))
            .ok()
            .map(|i| &self.shapes[i])
    }

    /// The input shape of `op`, if the operation takes one.
    pub fn input_of(&self, op: &Operation) -> Option<&Shape> {
        op.input.map(|id| self.shape(id))
    }

    /// The output shape of `op`, if the operation returns one.
    pub fn output_of(&self, op: &Operation) -> Option<&Shape> {
        op.output.map(|id| self.shape(id))
    }

    /// An exception shape by shape name (`ResourceNotFoundException`) or by wire error
    /// code (IAM's `NoSuchEntity` for `NoSuchEntityException`).
    pub fn error(&self, name_or_code: &str) -> Option<&Shape> {
        if let Some(shape) = self.shape_by_name(name_or_code) {
            if shape.error.is_some() {
                return Some(shape);
            }
        }
        self.errors
            .iter()
            .map(|&id| self.shape(id))
            .find(|s| s.error.as_ref().is_some_and(|e| e.code == name_or_code))
    }

    /// The modeled errors of `op` as shapes (each has `error: Some(..)`).
    pub fn errors_of<'a>(&'a self, op: &'a Operation) -> impl Iterator<Item = &'a Shape> + 'a {
        op.errors.iter().map(move |&id| self.shape(id))
    }
}
