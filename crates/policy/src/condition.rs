//! The `Condition` element: operators, compiled values, and their evaluation.
//!
//! Semantics, from "IAM JSON policy elements: Condition operators" and "Conditions with multiple
//! context keys or values":
//! - several operators in a block, and several keys under one operator, are ANDed; several
//!   values for one key are ORed, and NORed for a negated operator (`StringNotEquals`, …);
//! - "If the key that you specify in a policy condition is not present in the request context,
//!   the values do not match and the condition is false. If the policy condition requires that
//!   the key is not matched, such as `StringNotLike` or `ArnNotLike`, and the right key is not
//!   present, the condition is true. This logic applies to all condition operators except
//!   `...IfExists` and Null check";
//! - `…IfExists`: "If the key is not present, evaluate the condition element as true";
//! - `Null`: `true` holds when the key is absent, `false` when it is present;
//! - `ForAllValues:` holds when every request value matches (and "also returns true if there are
//!   no context keys in the request"); `ForAnyValue:` when at least one does (false when the key
//!   is absent). With a negated operator, a request value "matches" when it equals none of the
//!   policy's values.
//!
//! A request value that cannot be read as the operator's type (text that is not an IP address,
//! a number, a date, a boolean) matches none of the policy's values. A policy value that cannot be
//! read as the operator's type never matches either (dates are the exception: IAM refuses them,
//! see `parse.rs`).

use crate::context::{Key, RequestContext, TextBuf, Value, Values};
use crate::glob::{matches_escaped, ArnPattern, Pattern};
use crate::template::Template;
use crate::typed::{parse_bool, parse_date, parse_number, Cidr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Lte => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Gte => request >= policy,
        }
    }
}

/// The operator family, before its values are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// An operator name taken apart: `ForAnyValue:StringNotLikeIfExists` is the `StringLike` family,
/// negated, with `IfExists`, qualified by `ForAnyValue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub set: Option<SetQualifier>,
}

impl Operator {
    /// `None` for a name IAM does not know. Operator names are case-sensitive.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        use Family::*;
        let (family, negated) = match base {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (Numeric(Cmp::Eq), false),
            "NumericNotEquals" => (Numeric(Cmp::Eq), true),
            "NumericLessThan" => (Numeric(Cmp::Lt), false),
            "NumericLessThanEquals" => (Numeric(Cmp::Lte), false),
            "NumericGreaterThan" => (Numeric(Cmp::Gt), false),
            "NumericGreaterThanEquals" => (Numeric(Cmp::Gte), false),
            "DateEquals" => (Date(Cmp::Eq), false),
            "DateNotEquals" => (Date(Cmp::Eq), true),
            "DateLessThan" => (Date(Cmp::Lt), false),
            "DateLessThanEquals" => (Date(Cmp::Lte), false),
            "DateGreaterThan" => (Date(Cmp::Gt), false),
            "DateGreaterThanEquals" => (Date(Cmp::Gte), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (Binary, false),
            "IpAddress" => (Ip, false),
            "NotIpAddress" => (Ip, true),
            "ArnEquals" | "ArnLike" => (Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Arn, true),
            // "You can add IfExists to the end of any condition operator name except the Null
            // condition": `NullIfExists` is read as `Null`.
            "Null" => (Null, false),
            _ => return None,
        };
        Some(Self {
            family,
            negated,
            if_exists: if_exists && family != Null,
            set,
        })
    }
}

/// The policy's values for one key, compiled for the operator.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    StringEquals(Box<[Box<str>]>),
    StringEqualsIgnoreCase(Box<[Box<str>]>),
    StringLike(Box<[Pattern]>),
    Numeric(Cmp, Box<[Option<f64>]>),
    Date(Cmp, Box<[i128]>),
    Bool(Box<[Option<bool>]>),
    Binary(Box<[Box<str>]>),
    Ip(Box<[Option<Cidr>]>),
    Arn(Box<[ArnPattern]>),
    Null(Box<[Option<bool>]>),
}

impl Test {
    /// `None` when a date cannot be read (the caller refuses the policy).
    pub(crate) fn compile(family: Family, values: &[&str]) -> Option<Self> {
        let strings = || values.iter().map(|v| Box::<str>::from(*v)).collect();
        Some(match family {
            Family::StringEquals => Test::StringEquals(strings()),
            Family::StringEqualsIgnoreCase => Test::StringEqualsIgnoreCase(strings()),
            Family::StringLike => {
                Test::StringLike(values.iter().map(|v| Pattern::new(v)).collect())
            }
            Family::Numeric(cmp) => {
                Test::Numeric(cmp, values.iter().map(|v| parse_number(v)).collect())
            }
            Family::Date(cmp) => Test::Date(
                cmp,
                values
                    .iter()
                    .map(|v| parse_date(v))
                    .collect::<Option<_>>()?,
            ),
            Family::Bool => Test::Bool(values.iter().map(|v| parse_bool(v)).collect()),
            Family::Binary => Test::Binary(strings()),
            Family::Ip => Test::Ip(values.iter().map(|v| Cidr::parse(v)).collect()),
            Family::Arn => Test::Arn(values.iter().map(|v| ArnPattern::new(v)).collect()),
            Family::Null => Test::Null(values.iter().map(|v| parse_bool(v)).collect()),
        })
    }

    /// Does this request value equal (match) any of the policy's values?
    fn matches(&self, value: Value<'_>) -> bool {
        match self {
            Test::StringEquals(ps) | Test::Binary(ps) => {
                with_text(value, |s| ps.iter().any(|p| **p == *s))
            }
            Test::StringEqualsIgnoreCase(ps) => {
                with_text(value, |s| ps.iter().any(|p| eq_ignore_case(p, s)))
            }
            Test::StringLike(ps) => with_text(value, |s| ps.iter().any(|p| p.matches(s))),
            Test::Arn(ps) => with_text(value, |s| ps.iter().any(|p| p.matches(s))),
            Test::Numeric(cmp, ps) => {
                let n = match value {
                    Value::Str(s) => parse_number(s),
                    Value::Epoch(t) => Some(t.as_second() as f64),
                    _ => None,
                };
                n.is_some_and(|n| ps.iter().flatten().any(|&p| cmp.holds(n, p)))
            }
            Test::Date(cmp, ps) => {
                let t = match value {
                    Value::Time(t) | Value::Epoch(t) => Some(t.as_nanosecond()),
                    Value::Str(s) => parse_date(s),
                    _ => None,
                };
                t.is_some_and(|t| ps.iter().any(|&p| cmp.holds(t, p)))
            }
            Test::Bool(ps) => {
                let b = match value {
                    Value::Bool(b) => Some(b),
                    Value::Str(s) => parse_bool(s),
                    _ => None,
                };
                b.is_some_and(|b| ps.contains(&Some(b)))
            }
            Test::Ip(ps) => {
                let ip = match value {
                    Value::Ip(ip) => Some(ip),
                    Value::Str(s) => s.parse().ok(),
                    _ => None,
                };
                ip.is_some_and(|ip| ps.iter().flatten().any(|c| c.contains(ip)))
            }
            // Handled before any value is looked at.
            Test::Null(_) => false,
        }
    }
}

impl Test {
    /// Does this request value match a resolved policy-variable value?
    fn matches_resolved(&self, resolved: &str, value: Value<'_>) -> bool {
        match self {
            Test::StringEquals(_) => with_text(value, |s| resolved == s),
            Test::StringEqualsIgnoreCase(_) => with_text(value, |s| eq_ignore_case(resolved, s)),
            Test::StringLike(_) => with_text(value, |s| matches_escaped(resolved, s)),
            Test::Arn(_) => with_text(value, |s| ArnPattern::new_escaped(resolved).matches(s)),
            _ => false,
        }
    }
}

/// Whether values of this family may hold policy variables.
pub(crate) fn takes_variables(family: Family) -> bool {
    matches!(
        family,
        Family::StringEquals | Family::StringEqualsIgnoreCase | Family::StringLike | Family::Arn
    )
}

/// Runs `f` on the value as text; a typed value is rendered on the stack first.
fn with_text<R>(value: Value<'_>, f: impl FnOnce(&str) -> R) -> R {
    match value {
        Value::Str(s) => f(s),
        typed => f(typed.text(&mut TextBuf::new())),
    }
}

/// Case-insensitive equality without allocating: ASCII fast path, Unicode lowercase otherwise.
fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    }
}

/// One key under one operator: the unit the `Condition` block ANDs.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub key: Key,
    /// The policy's plain values.
    pub test: Test,
    /// Its values with policy variables (string and ARN operators, 2012-10-17 only).
    pub templates: Box<[Template]>,
    pub negated: bool,
    pub if_exists: bool,
    pub set: Option<SetQualifier>,
}

impl Condition {
    /// A policy variable that cannot be resolved makes the statement invalid: then this is false
    /// whatever the operator, so that the statement does not apply.
    pub(crate) fn holds(&self, ctx: &RequestContext<'_>) -> bool {
        let escaped = matches!(self.test, Test::StringLike(_) | Test::Arn(_));
        let mut resolved = Vec::new();
        for t in self.templates.iter() {
            match t.resolve(ctx, escaped) {
                Some(r) => resolved.push(r),
                None => return false,
            }
        }
        let values = ctx.lookup(&self.key);
        let present = !matches!(values, Values::Missing);
        if let Test::Null(ps) = &self.test {
            // `"Null": {"k": "true"}` holds when k is absent.
            return ps.contains(&Some(!present));
        }
        if !present {
            if self.if_exists {
                return true;
            }
            return match self.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.negated,
            };
        }
        let hit =
            |v| self.test.matches(v) || resolved.iter().any(|r| self.test.matches_resolved(r, v));
        match (self.set, self.negated) {
            (None | Some(SetQualifier::ForAnyValue), false) => values.any(hit),
            (None, true) => !values.any(hit),
            (Some(SetQualifier::ForAnyValue), true) => values.any(|v| !hit(v)),
            (Some(SetQualifier::ForAllValues), false) => values.all(hit),
            (Some(SetQualifier::ForAllValues), true) => values.all(|v| !hit(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.family, Family::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(Operator::parse("NotIpAddress").unwrap().family, Family::Ip);
        assert!(Operator::parse("NotIpAddress").unwrap().negated);
        assert!(!Operator::parse("NullIfExists").unwrap().if_exists);
        assert_eq!(Operator::parse("stringequals"), None);
        assert_eq!(Operator::parse("StringEqualsIfExistsIfExists"), None);
        assert_eq!(
            Operator::parse("ForAllValues:ForAnyValue:StringEquals"),
            None
        );
        assert_eq!(Operator::parse("Frobnicate"), None);
    }

    #[test]
    fn ignore_case_handles_unicode() {
        assert!(eq_ignore_case("ÉTÉ", "été"));
        assert!(eq_ignore_case("Prod", "pROD"));
        assert!(!eq_ignore_case("prod", "prod2"));
    }
}
