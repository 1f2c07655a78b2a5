//! The protocols trailrunner speaks.

/// A wire protocol, with what its framing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson 1.0 (App Runner).
    AwsJson10,
    /// awsJson 1.1 (CloudTrail).
    AwsJson11,
    /// awsQuery with its XML namespace (STS: `https://sts.amazonaws.com/doc/2011-06-15/`).
    AwsQuery { xmlns: &'static str },
    /// REST with XML bodies (S3).
    RestXml,
}

impl Protocol {
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsJson10 => "application/x-amz-json-1.0",
            Protocol::AwsJson11 => "application/x-amz-json-1.1",
            Protocol::AwsQuery { .. } | Protocol::RestXml => "text/xml",
        }
    }

    /// The protocol family, for naming signature failures.
    pub fn family(self) -> Family {
        match self {
            Protocol::AwsJson10 | Protocol::AwsJson11 => Family::Json,
            Protocol::AwsQuery { .. } => Family::Query,
            Protocol::RestXml => Family::S3,
        }
    }
}

/// Families that share error codes for authentication failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Json,
    Query,
    S3,
}
