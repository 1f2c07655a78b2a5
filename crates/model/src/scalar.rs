//! Scalar checks of the validator: JSON type checks with Coral's wording, and the
//! constraints (length, pattern, enum, range) of string, number and blob shapes.

use crate::shape::{Shape, ShapeKind};
use serde_json::Value;

/// A failed constraint, before it is rendered.
pub(crate) enum Failure {
    MaxLength(u64),
    MinLength(u64),
    Pattern(&'static str),
    Enum(&'static [&'static str]),
    MaxValue(i64),
    MinValue(i64),
    NotNull,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::MaxLength(n) => write!(f, "Member must have length less than or equal to {n}"),
            Failure::MinLength(n) => {
                write!(f, "Member must have length greater than or equal to {n}")
            }
            Failure::Pattern(p) => write!(f, "Member must satisfy regular expression pattern: {p}"),
            Failure::Enum(values) => write!(
                f,
                "Member must satisfy enum value set: [{}]",
                values.join(", ")
            ),
            Failure::MaxValue(n) => write!(f, "Member must have value less than or equal to {n}"),
            Failure::MinValue(n) => {
                write!(f, "Member must have value greater than or equal to {n}")
            }
            Failure::NotNull => f.write_str("Member must not be null"),
        }
    }
}

/// Coral's wording for a JSON value of the wrong type (`expected` is the Java type).
pub(crate) fn mismatch(expected: &str, got: &Value) -> String {
    let collection = matches!(expected, "List" | "Map" | "Structure");
    match got {
        Value::Object(_) => "Start of structure or map found where not expected".to_string(),
        Value::Array(_) if collection => "Start of list found where not expected".to_string(),
        Value::Array(_) => format!("Unrecognized collection type class java.lang.{expected}"),
        _ if collection => "Unexpected field type".to_string(),
        Value::Bool(true) => format!("TRUE_VALUE cannot be converted to {expected}"),
        Value::Bool(false) => format!("FALSE_VALUE cannot be converted to {expected}"),
        Value::Number(n) if n.is_f64() => {
            format!("DECIMAL_VALUE cannot be converted to {expected}")
        }
        Value::Number(_) => format!("NUMBER_VALUE cannot be converted to {expected}"),
        Value::String(_) => format!("STRING_VALUE cannot be converted to {expected}"),
        Value::Null => format!("null cannot be converted to {expected}"),
    }
}

const BLOB_ERROR: &str = "only base-64-encoded strings are convertible to bytes";

pub(crate) fn is_scalar(shape: &Shape) -> bool {
    !matches!(
        shape.kind,
        ShapeKind::List { .. } | ShapeKind::Map { .. } | ShapeKind::Structure { .. }
    )
}

pub(crate) fn length_failures(
    len: u64,
    min: Option<u64>,
    max: Option<u64>,
    out: &mut Vec<Failure>,
) {
    if let Some(max) = max.filter(|&m| len > m) {
        out.push(Failure::MaxLength(max));
    }
    if let Some(min) = min.filter(|&m| len < m) {
        out.push(Failure::MinLength(min));
    }
}

pub(crate) fn string_failures(shape: &Shape, s: &str, out: &mut Vec<Failure>) {
    if let ShapeKind::String {
        min,
        max,
        pattern,
        enum_values,
    } = &shape.kind
    {
        if min.is_some() || max.is_some() {
            length_failures(s.chars().count() as u64, *min, *max, out);
        }
        if let Some(p) = pattern.filter(|p| !p.is_match(s)) {
            out.push(Failure::Pattern(p.source));
        }
        if !enum_values.is_empty() && !enum_values.contains(&s) {
            out.push(Failure::Enum(enum_values));
        }
    }
}

/// Every constraint a scalar shape has (for the collection-level messages).
fn all_constraints(shape: &Shape) -> Vec<Failure> {
    let mut out = Vec::new();
    match &shape.kind {
        ShapeKind::String {
            min,
            max,
            pattern,
            enum_values,
        } => {
            out.extend(max.map(Failure::MaxLength));
            out.extend(min.map(Failure::MinLength));
            out.extend(pattern.map(|p| Failure::Pattern(p.source)));
            if !enum_values.is_empty() {
                out.push(Failure::Enum(enum_values));
            }
        }
        ShapeKind::Blob { min, max } => {
            out.extend(max.map(Failure::MaxLength));
            out.extend(min.map(Failure::MinLength));
        }
        ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
            out.extend(max.map(Failure::MaxValue));
            out.extend(min.map(Failure::MinValue));
        }
        _ => {}
    }
    out
}

fn integer(v: &Value, java: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let Value::Number(n) = v else {
        return Err(mismatch(java, v));
    };
    match n.as_i64() {
        Some(i) if (lo..=hi).contains(&i) => Ok(i),
        _ if n.is_f64() => Err(mismatch(java, v)),
        _ => Err(format!(
            "Numeric value ({n}) out of range of {} ({lo} - {hi})",
            if java == "Integer" { "int" } else { "long" }
        )),
    }
}

/// Type-check a scalar and collect its failed constraints.
pub(crate) fn scalar_failures(
    shape: &Shape,
    v: &Value,
    out: &mut Vec<Failure>,
) -> Result<(), String> {
    match &shape.kind {
        ShapeKind::String { .. } => match v {
            Value::String(s) => string_failures(shape, s, out),
            other => return Err(mismatch("String", other)),
        },
        ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
            let (java, lo, hi) = match shape.kind {
                ShapeKind::Integer { .. } => ("Integer", i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => ("Long", i64::MIN, i64::MAX),
            };
            let i = integer(v, java, lo, hi)?;
            if let Some(max) = max.filter(|&m| i > m) {
                out.push(Failure::MaxValue(max));
            }
            if let Some(min) = min.filter(|&m| i < m) {
                out.push(Failure::MinValue(min));
            }
        }
        ShapeKind::Boolean => {
            if !v.is_boolean() {
                return Err(mismatch("Boolean", v));
            }
        }
        ShapeKind::Float | ShapeKind::Double => {
            let java = if matches!(shape.kind, ShapeKind::Float) {
                "Float"
            } else {
                "Double"
            };
            if !v.is_number() {
                return Err(mismatch(java, v));
            }
        }
        ShapeKind::Timestamp { .. } => {
            if crate::epoch::from_json(v).is_none() {
                return Err(mismatch("Date", v));
            }
        }
        ShapeKind::Blob { min, max } => {
            let Value::String(s) = v else {
                return Err(BLOB_ERROR.to_string());
            };
            use base64::Engine as _;
            let len = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| BLOB_ERROR.to_string())?
                .len();
            length_failures(len as u64, *min, *max, out);
        }
        ShapeKind::List { .. } | ShapeKind::Map { .. } | ShapeKind::Structure { .. } => {}
    }
    Ok(())
}

/// `<lead>: [<constraint>, <constraint>]`.
pub(crate) fn collection_constraint(lead: &str, member: &Shape, null: bool) -> String {
    let mut parts: Vec<String> = all_constraints(member)
        .iter()
        .map(ToString::to_string)
        .collect();
    if null {
        parts.push(Failure::NotNull.to_string());
    }
    format!("{lead}: [{}]", parts.join(", "))
}
