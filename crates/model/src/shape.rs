//! Shapes: the types of a service model, with their constraints.

use crate::pattern::Pattern;

/// Index of a shape in its service's [`crate::ServiceModel::shapes`] slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShapeId(pub u16);

impl ShapeId {
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// One named shape of a service model.
#[derive(Debug)]
pub struct Shape {
    /// Its own id (position in the service's shape table).
    pub id: ShapeId,
    /// botocore shape name (`CreateServiceRequest`, `ServiceName`, ...).
    pub name: &'static str,
    pub kind: ShapeKind,
    /// The model marks the shape `sensitive`.
    pub sensitive: bool,
    /// A member targeting this shape is shown as `HIDDEN_DUE_TO_SECURITY_REASONS` as a
    /// whole: the shape is sensitive, or it is a list whose member is hidden, or a map
    /// whose key or value is hidden. (A structure with sensitive members is not hidden
    /// itself; its members are.)
    pub hidden: bool,
    pub deprecated: bool,
    /// Present for exception shapes.
    pub error: Option<ErrorInfo>,
}

/// What kind of value a shape describes, with the model's constraints.
/// `min`/`max` are lengths (characters for strings, bytes for blobs, entries for
/// lists and maps) or value bounds (integers), exactly as in the model.
#[derive(Debug)]
pub enum ShapeKind {
    String {
        min: Option<u64>,
        max: Option<u64>,
        /// Java regex from the model, matched against the whole value.
        pattern: Option<&'static Pattern>,
        /// Allowed values in model order; empty when unconstrained.
        enum_values: &'static [&'static str],
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Long {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Float,
    Double,
    Timestamp {
        /// Explicit `timestampFormat` trait, if any (protocol default otherwise).
        format: Option<&'static str>,
    },
    Blob {
        min: Option<u64>,
        max: Option<u64>,
    },
    List {
        member: ShapeId,
        min: Option<u64>,
        max: Option<u64>,
        flattened: bool,
        /// XML element name of list members (`locationName` on the member reference).
        member_location_name: Option<&'static str>,
    },
    Map {
        key: ShapeId,
        value: ShapeId,
        min: Option<u64>,
        max: Option<u64>,
        flattened: bool,
        key_location_name: Option<&'static str>,
        value_location_name: Option<&'static str>,
    },
    Structure {
        /// Members in model declaration order.
        members: &'static [Member],
    },
}

/// One member of a structure.
#[derive(Debug)]
pub struct Member {
    /// PascalCase wire name (`ServiceName`).
    pub name: &'static str,
    pub target: ShapeId,
    pub required: bool,
    /// Wire name override (`locationName`), used by the XML protocols.
    pub location_name: Option<&'static str>,
    /// awsQuery name override (`queryName`).
    pub query_name: Option<&'static str>,
    pub flattened: bool,
    pub deprecated: bool,
    pub timestamp_format: Option<&'static str>,
}

/// Exception facts of an error shape.
#[derive(Debug)]
pub struct ErrorInfo {
    /// Wire error code: the model's `error.code`, else the shape name.
    pub code: &'static str,
    /// HTTP status: the model's `error.httpStatusCode`, else 500 for faults and 400
    /// for client errors (AWS convention).
    pub http_status: u16,
    /// Whether the status came from the model (`false`: the convention above).
    pub http_status_modeled: bool,
    /// Server-side fault (`fault: true`, or an `error` trait without `senderFault`).
    pub fault: bool,
    /// The member carrying the message (`Message` for App Runner, `message` for
    /// STS/IAM), or `None` when the shape has no members (CloudTrail).
    pub message_member: Option<&'static str>,
}

impl Shape {
    /// Members of a structure shape (empty for any other kind).
    pub fn members(&self) -> &'static [Member] {
        match self.kind {
            ShapeKind::Structure { members } => members,
            _ => &[],
        }
    }

    /// The member called `name` (PascalCase wire name).
    pub fn member(&self, name: &str) -> Option<&'static Member> {
        self.members().iter().find(|m| m.name == name)
    }

    pub fn is_structure(&self) -> bool {
        matches!(self.kind, ShapeKind::Structure { .. })
    }
}
