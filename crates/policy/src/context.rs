//! The request context: what is being done, to what, and the condition keys the request carries.

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use jiff::Timestamp;

/// One request, as the evaluator sees it. Borrowed, `Copy`, built per request by the caller.
///
/// The typed `Option` fields are the global condition keys trailrunner knows; `None` means the
/// key is absent from the request context, which matters (a missing key fails most operators but
/// satisfies negated ones, `…IfExists` and `ForAllValues:`; see the crate documentation): AWS,
/// for example, leaves `aws:MultiFactorAuthPresent` out for long-term access keys and
/// `aws:TokenIssueTime` out unless temporary credentials signed the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestContext<'a> {
    /// Who is asking, for the denial message only (`arn:aws:iam::…:user/alice`, or the
    /// assumed-role session ARN).
    pub principal: &'a str,
    /// `<service prefix>:<Operation>`, e.g. `apprunner:CreateService`. Matched ignoring ASCII
    /// case, as IAM matches actions.
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without resource-level permissions. Case-sensitive.
    pub resource: &'a str,
    /// `aws:SourceIp`.
    pub source_ip: Option<IpAddr>,
    /// `aws:RequestedRegion`.
    pub requested_region: Option<&'a str>,
    /// `aws:CurrentTime` and `aws:EpochTime`.
    pub current_time: Option<Timestamp>,
    /// `aws:MultiFactorAuthPresent`.
    pub multi_factor_auth_present: Option<bool>,
    /// `aws:SecureTransport`.
    pub secure_transport: Option<bool>,
    /// `aws:TokenIssueTime`.
    pub token_issue_time: Option<Timestamp>,
    /// `aws:username` (IAM users only).
    pub username: Option<&'a str>,
    /// `aws:userid` (`AIDA…`, `AROA…:session`, `account:caller`).
    pub userid: Option<&'a str>,
    /// `aws:PrincipalArn` (for an assumed role: the role's ARN, not the session's).
    pub principal_arn: Option<&'a str>,
    /// `aws:PrincipalAccount`.
    pub principal_account: Option<&'a str>,
    /// `aws:PrincipalType` (`Account`, `User`, `AssumedRole`, `FederatedUser`).
    pub principal_type: Option<&'a str>,
    /// Any other keys, as text (service keys, `aws:TagKeys`, …). Names match ignoring ASCII case;
    /// an entry with several values is a multivalued key for `ForAllValues`/`ForAnyValue`. The
    /// keys above are only ever read from their fields, never from here.
    pub extra: &'a [ContextEntry<'a>],
}

/// A condition key given as text, see [`RequestContext::extra`].
#[derive(Debug, Clone, Copy)]
pub struct ContextEntry<'a> {
    pub key: &'a str,
    pub values: &'a [&'a str],
}

impl<'a> RequestContext<'a> {
    pub fn new(principal: &'a str, action: &'a str, resource: &'a str) -> Self {
        Self {
            principal,
            action,
            resource,
            ..Self::default()
        }
    }
}

/// A condition key named in a policy, resolved when the policy is compiled. Key names are not
/// case-sensitive ("aws:SourceIP is equivalent to AwS:SoUrCeIp").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    SourceIp,
    RequestedRegion,
    CurrentTime,
    EpochTime,
    MultiFactorAuthPresent,
    SecureTransport,
    TokenIssueTime,
    Username,
    Userid,
    PrincipalArn,
    PrincipalAccount,
    PrincipalType,
    Other(Box<str>),
}

impl Key {
    pub(crate) fn new(name: &str) -> Self {
        const KNOWN: &[(&str, Key)] = &[
            ("aws:SourceIp", Key::SourceIp),
            ("aws:RequestedRegion", Key::RequestedRegion),
            ("aws:CurrentTime", Key::CurrentTime),
            ("aws:EpochTime", Key::EpochTime),
            ("aws:MultiFactorAuthPresent", Key::MultiFactorAuthPresent),
            ("aws:SecureTransport", Key::SecureTransport),
            ("aws:TokenIssueTime", Key::TokenIssueTime),
            ("aws:username", Key::Username),
            ("aws:userid", Key::Userid),
            ("aws:PrincipalArn", Key::PrincipalArn),
            ("aws:PrincipalAccount", Key::PrincipalAccount),
            ("aws:PrincipalType", Key::PrincipalType),
        ];
        KNOWN
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or_else(|| Key::Other(name.into()), |(_, key)| key.clone())
    }
}

/// One value of a key in the request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Str(&'a str),
    Ip(IpAddr),
    /// Rendered as ISO 8601 (`aws:CurrentTime`, `aws:TokenIssueTime`).
    Time(Timestamp),
    /// Rendered as whole seconds (`aws:EpochTime`).
    Epoch(Timestamp),
    Bool(bool),
}

/// The values a key has in the request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Values<'a> {
    Missing,
    One(Value<'a>),
    Many(&'a [&'a str]),
}

impl<'a> Values<'a> {
    pub(crate) fn any(&self, mut f: impl FnMut(Value<'a>) -> bool) -> bool {
        match *self {
            Values::Missing => false,
            Values::One(v) => f(v),
            Values::Many(vs) => vs.iter().any(|v| f(Value::Str(v))),
        }
    }

    pub(crate) fn all(&self, mut f: impl FnMut(Value<'a>) -> bool) -> bool {
        match *self {
            Values::Missing => true,
            Values::One(v) => f(v),
            Values::Many(vs) => vs.iter().all(|v| f(Value::Str(v))),
        }
    }
}

impl<'a> RequestContext<'a> {
    #[inline]
    pub(crate) fn lookup(&self, key: &Key) -> Values<'a> {
        let one = |v: Option<Value<'a>>| v.map_or(Values::Missing, Values::One);
        match key {
            Key::SourceIp => one(self.source_ip.map(Value::Ip)),
            Key::RequestedRegion => one(self.requested_region.map(Value::Str)),
            Key::CurrentTime => one(self.current_time.map(Value::Time)),
            Key::EpochTime => one(self.current_time.map(Value::Epoch)),
            Key::MultiFactorAuthPresent => one(self.multi_factor_auth_present.map(Value::Bool)),
            Key::SecureTransport => one(self.secure_transport.map(Value::Bool)),
            Key::TokenIssueTime => one(self.token_issue_time.map(Value::Time)),
            Key::Username => one(self.username.map(Value::Str)),
            Key::Userid => one(self.userid.map(Value::Str)),
            Key::PrincipalArn => one(self.principal_arn.map(Value::Str)),
            Key::PrincipalAccount => one(self.principal_account.map(Value::Str)),
            Key::PrincipalType => one(self.principal_type.map(Value::Str)),
            Key::Other(name) => {
                match self.extra.iter().find(|e| e.key.eq_ignore_ascii_case(name)) {
                    Some(e) if e.values.len() == 1 => Values::One(Value::Str(e.values[0])),
                    Some(e) if !e.values.is_empty() => Values::Many(e.values),
                    _ => Values::Missing,
                }
            }
        }
    }
}

/// Room to render a typed value as text without allocating (an IPv6 address is at most 45
/// bytes; a timestamp at most 35).
pub(crate) struct TextBuf {
    bytes: [u8; 64],
    len: usize,
}

impl TextBuf {
    pub(crate) fn new() -> Self {
        Self {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<'a> Value<'a> {
    /// The value as the text string operators compare.
    pub(crate) fn text<'b>(&self, buf: &'b mut TextBuf) -> &'b str
    where
        'a: 'b,
    {
        buf.len = 0;
        let written = match *self {
            Value::Str(s) => return s,
            Value::Bool(true) => return "true",
            Value::Bool(false) => return "false",
            Value::Ip(ip) => write!(buf, "{ip}"),
            Value::Time(t) => write!(buf, "{}", t.strftime("%Y-%m-%dT%H:%M:%SZ")),
            Value::Epoch(t) => write!(buf, "{}", t.as_second()),
        };
        if written.is_err() {
            buf.len = 0;
        }
        // Only whole `&str`s were copied in, so the bytes are UTF-8.
        std::str::from_utf8(&buf.bytes[..buf.len]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_resolve_ignoring_case() {
        assert_eq!(Key::new("AwS:SoUrCeIp"), Key::SourceIp);
        assert_eq!(Key::new("aws:USERNAME"), Key::Username);
        assert_eq!(
            Key::new("apprunner:ServiceName"),
            Key::Other("apprunner:ServiceName".into())
        );
    }

    #[test]
    fn typed_values_render_as_text() {
        let mut buf = TextBuf::new();
        let t: Timestamp = "2024-05-01T12:34:56.789Z".parse().unwrap();
        assert_eq!(Value::Time(t).text(&mut buf), "2024-05-01T12:34:56Z");
        assert_eq!(Value::Epoch(t).text(&mut buf), "1714566896");
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(Value::Ip(ip).text(&mut buf), "2001:db8::1");
        assert_eq!(Value::Bool(true).text(&mut buf), "true");
        assert_eq!(Value::Str("x").text(&mut buf), "x");
    }

    #[test]
    fn extra_keys_are_found_ignoring_case() {
        let extra = [
            ContextEntry {
                key: "aws:TagKeys",
                values: &["a", "b"],
            },
            ContextEntry {
                key: "apprunner:ServiceName",
                values: &["web"],
            },
            ContextEntry {
                key: "x:Empty",
                values: &[],
            },
        ];
        let ctx = RequestContext {
            extra: &extra,
            ..RequestContext::default()
        };
        assert!(matches!(ctx.lookup(&Key::new("AWS:tagkeys")), Values::Many(v) if v.len() == 2));
        assert!(matches!(
            ctx.lookup(&Key::new("apprunner:servicename")),
            Values::One(Value::Str("web"))
        ));
        assert!(matches!(ctx.lookup(&Key::new("x:Empty")), Values::Missing));
        assert!(matches!(ctx.lookup(&Key::new("x:Absent")), Values::Missing));
        assert!(matches!(ctx.lookup(&Key::SourceIp), Values::Missing));
    }
}
