//! Constraint violations and their AWS (Coral) message format.
//!
//! One violation reads
//! `Value 'x' at 'serviceName' failed to satisfy constraint: Member must have length less than or equal to 40`;
//! a list of them `1 validation error detected: <v>` or `N validation errors detected: <v1>; <v2>`.
//! Values are shown the way the Java service prints them: quoted, lists as `[a, b]`,
//! maps as `{k=v}`; `null` unquoted; the value of a sensitive member is omitted
//! (`Value at 'password' failed to satisfy constraint: ...`, as AWS does).

use serde_json::Value;
use std::fmt::{self, Write};

/// How many violations [`format_violations`] lists (the count still says how many
/// there are). AWS does not document a cap; ten keeps messages readable.
pub const MAX_LISTED_VIOLATIONS: usize = 10;

/// One failed constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// lowerCamelCase dotted path, list elements as `tags.1.member.key` (1-based).
    pub path: String,
    /// The value as AWS shows it, quotes included (`'abc'`, `'[a, b]'`, `null`);
    /// `None` when the member is sensitive.
    pub value: Option<String>,
    /// `Member must ...`.
    pub constraint: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(
                f,
                "Value {v} at '{}' failed to satisfy constraint: {}",
                self.path, self.constraint
            ),
            None => write!(
                f,
                "Value at '{}' failed to satisfy constraint: {}",
                self.path, self.constraint
            ),
        }
    }
}

/// `1 validation error detected: ...` / `N validation errors detected: a; b`.
pub fn format_violations(violations: &[Violation]) -> String {
    let n = violations.len();
    let mut out = format!(
        "{n} validation error{} detected: ",
        if n == 1 { "" } else { "s" }
    );
    for (i, v) in violations.iter().take(MAX_LISTED_VIOLATIONS).enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "{v}");
    }
    out
}

/// A value quoted the way Coral prints it: `'x'`, `'5'`, `'[a, b]'`, `'{k=v}'`; `null`.
pub(crate) fn quoted(value: &Value) -> String {
    if value.is_null() {
        return "null".to_string();
    }
    let mut out = String::from("'");
    java_text(value, &mut out);
    out.push('\'');
    out
}

/// Java `toString` style: strings bare, lists `[a, b]`, maps `{k=v, k2=v2}`.
fn java_text(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                java_text(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                java_text(v, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(path: &str, value: Option<&str>, c: &str) -> Violation {
        Violation {
            path: path.into(),
            value: value.map(Into::into),
            constraint: c.into(),
        }
    }

    #[test]
    fn one_and_many() {
        let a = v(
            "serviceName",
            Some("'x'"),
            "Member must have length greater than or equal to 4",
        );
        assert_eq!(
            format_violations(std::slice::from_ref(&a)),
            "1 validation error detected: Value 'x' at 'serviceName' failed to satisfy constraint: \
             Member must have length greater than or equal to 4"
        );
        let b = v(
            "sourceConfiguration",
            Some("null"),
            "Member must not be null",
        );
        let c = v(
            "password",
            None,
            "Member must have length less than or equal to 8",
        );
        assert_eq!(
            format_violations(&[a, b, c]),
            "3 validation errors detected: Value 'x' at 'serviceName' failed to satisfy constraint: \
             Member must have length greater than or equal to 4; Value null at 'sourceConfiguration' failed to \
             satisfy constraint: Member must not be null; Value at 'password' failed to satisfy constraint: \
             Member must have length less than or equal to 8"
        );
    }

    #[test]
    fn cap_lists_ten() {
        let many: Vec<_> = (0..12)
            .map(|i| v(&format!("p{i}"), Some("'x'"), "c"))
            .collect();
        let text = format_violations(&many);
        assert!(text.starts_with("12 validation errors detected: "));
        assert_eq!(text.matches("failed to satisfy").count(), 10);
    }

    #[test]
    fn java_style_values() {
        assert_eq!(quoted(&json!("abc")), "'abc'");
        assert_eq!(quoted(&json!(100)), "'100'");
        assert_eq!(quoted(&json!(null)), "null");
        assert_eq!(quoted(&json!(["GET", "POST"])), "'[GET, POST]'");
        assert_eq!(quoted(&json!({"a": "b"})), "'{a=b}'");
    }
}
