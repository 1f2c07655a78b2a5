//! The error every service and the edge return; rendered for the wire in exactly one place (the `wire` crate).

use std::borrow::Cow;

/// Whose fault an error is (AWS `Sender`/`Receiver`, `fault: true` in the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Client,
    Server,
}

/// An AWS-shaped error: the code clients map to an exception class, the message they show, the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: u16,
    pub fault: Fault,
    /// The JSON member carrying the message: `"Message"` for error shapes that model it (App Runner),
    /// `"message"` otherwise (runtime errors, CloudTrail).
    pub message_member: &'static str,
}

impl ApiError {
    /// A client error (HTTP 400 unless changed) whose body member is `message`.
    pub fn client(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            status: 400,
            fault: Fault::Client,
            message_member: "message",
        }
    }

    /// The generic server-side failure. The message never carries internal details.
    pub fn internal() -> Self {
        ApiError {
            code: Cow::Borrowed("InternalFailure"),
            message: "The request processing has failed because of an unknown error, exception or failure.".into(),
            status: 500,
            fault: Fault::Server,
            message_member: "message",
        }
    }

    /// The generic server-side failure for an unexpected lower-layer error: the cause goes to the log (never to
    /// the client), the caller gets [`ApiError::internal`].
    pub fn internal_from(context: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "{context}");
        Self::internal()
    }

    /// An operation that exists in the model but is not built yet: an explicit 501, never a fake success.
    pub fn not_implemented(operation: &str) -> Self {
        ApiError {
            code: Cow::Borrowed("NotImplementedException"),
            message: format!("The operation {operation} is not implemented by trailrunner yet."),
            status: 501,
            fault: Fault::Server,
            message_member: "message",
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn with_message_member(mut self, member: &'static str) -> Self {
        self.message_member = member;
        self
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = fault;
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
