//! The generic input validator: a JSON request body checked against an operation's
//! input shape, the way the AWS (Coral) front end does it.
//!
//! - Wrong JSON types are a [`InputError::Serialization`] (answered as
//!   `SerializationException`), with Coral's wording (`NUMBER_VALUE cannot be converted
//!   to String`, `Start of structure or map found where not expected`, ...). Type errors
//!   win over constraint violations, as the service parses before it validates.
//! - Everything else is collected as [`Violation`]s: required members (`null` counts as
//!   absent), string/blob/list/map lengths, patterns (whole value), enums, integer
//!   ranges. Members are checked in model order; each failed constraint is its own
//!   violation (max, min, pattern, enum).
//! - A list of scalars, or a map's keys/values, report once at the collection:
//!   `Value '[a, b]' at 'subnets' failed to satisfy constraint: Member must satisfy
//!   constraint: [<the member shape's constraints>]` (`Map keys must ...` /
//!   `Map value must ...` for maps). Lists of structures are walked with 1-based
//!   Coral paths: `tags.1.member.key`; map values that are structures as `map.<key>`
//!   (inferred; no AWS example found).
//! - Unknown members are ignored. Timestamps accept numbers and ISO-8601 strings.
//! - Work is bounded: nesting deeper than [`MAX_DEPTH`] is a serialization error and at
//!   most [`MAX_VIOLATIONS`] violations are kept. Nothing is allocated unless a check fails
//!   (apart from the path buffer), and patterns are compiled once per process.

use crate::scalar::{
    collection_constraint, is_scalar, length_failures, mismatch, scalar_failures, string_failures,
    Failure,
};
use crate::service::{Operation, ServiceModel};
use crate::shape::{Shape, ShapeKind};
use crate::violation::{format_violations, quoted, Violation};
use serde_json::{Map, Value};
use std::fmt::Write;

/// Deepest structure/list/map nesting accepted in a request body.
pub const MAX_DEPTH: usize = 64;
/// Violations kept per request (the rest are dropped, not counted).
pub const MAX_VIOLATIONS: usize = 100;

/// Why an input was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The body does not have the shape's JSON types: `SerializationException`.
    #[error("{0}")]
    Serialization(String),
    /// Model constraints failed: a validation error (App Runner answers
    /// `InvalidRequestException` with [`format_violations`] as the message).
    #[error("{}", format_violations(.0))]
    Constraints(Vec<Violation>),
}

/// Check `body` against the input shape of `op` (an operation of `svc`). The body must be
/// a JSON object (botocore sends `{}` for an empty input); a wire layer that wants to
/// accept an empty HTTP body should pass `{}`, which is also what the serde types decode.
pub fn validate_input(svc: &ServiceModel, op: &Operation, body: &Value) -> Result<(), InputError> {
    let Some(input) = op.input else {
        return match body {
            Value::Object(_) | Value::Null => Ok(()),
            other => Err(InputError::Serialization(mismatch("Structure", other))),
        };
    };
    let mut walker = Walker {
        svc,
        path: String::new(),
        violations: Vec::new(),
        depth: 0,
    };
    walker
        .value(svc.shape(input), body)
        .map_err(InputError::Serialization)?;
    if walker.violations.is_empty() {
        Ok(())
    } else {
        Err(InputError::Constraints(walker.violations))
    }
}

struct Walker<'a> {
    svc: &'a ServiceModel,
    path: String,
    violations: Vec<Violation>,
    depth: usize,
}

impl Walker<'_> {
    fn report(&mut self, shape: &Shape, value: &Value, constraint: &dyn std::fmt::Display) {
        if self.violations.len() >= MAX_VIOLATIONS {
            return;
        }
        let value = if value.is_null() {
            Some("null".to_string())
        } else if shape.hidden {
            None
        } else {
            Some(quoted(value))
        };
        self.violations.push(Violation {
            path: self.path.clone(),
            value,
            constraint: constraint.to_string(),
        });
    }

    /// Append `.segment` (or `segment` at the root) and return the previous length.
    fn push_member(&mut self, name: &str) -> usize {
        let mark = self.path.len();
        if mark > 0 {
            self.path.push('.');
        }
        let mut chars = name.chars();
        if let Some(first) = chars.next() {
            self.path.extend(first.to_lowercase());
            self.path.push_str(chars.as_str());
        }
        mark
    }

    fn push_raw(&mut self, segment: std::fmt::Arguments<'_>) -> usize {
        let mark = self.path.len();
        if mark > 0 {
            self.path.push('.');
        }
        let _ = self.path.write_fmt(segment);
        mark
    }

    fn value(&mut self, shape: &Shape, v: &Value) -> Result<(), String> {
        match &shape.kind {
            ShapeKind::Structure { members } => self.nested(|w| w.structure(members, v)),
            ShapeKind::List { .. } => self.nested(|w| w.list(shape, v)),
            ShapeKind::Map { .. } => self.nested(|w| w.map(shape, v)),
            _ => {
                let mut failures = Vec::new();
                scalar_failures(shape, v, &mut failures)?;
                for f in &failures {
                    self.report(shape, v, f);
                }
                Ok(())
            }
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<(), String>) -> Result<(), String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "Request nesting exceeds the maximum depth of {MAX_DEPTH}"
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn structure(&mut self, members: &[crate::shape::Member], v: &Value) -> Result<(), String> {
        let Value::Object(obj) = v else {
            return Err(mismatch("Structure", v));
        };
        for member in members {
            let target = self.svc.shape(member.target);
            let mark = self.push_member(member.name);
            match obj.get(member.name) {
                None | Some(Value::Null) => {
                    if member.required {
                        self.report(target, &Value::Null, &Failure::NotNull);
                    }
                }
                Some(value) => self.value(target, value)?,
            }
            self.path.truncate(mark);
        }
        Ok(())
    }

    fn list(&mut self, shape: &Shape, v: &Value) -> Result<(), String> {
        let ShapeKind::List {
            member, min, max, ..
        } = shape.kind
        else {
            return Ok(());
        };
        let Value::Array(items) = v else {
            return Err(mismatch("List", v));
        };
        let mut failures = Vec::new();
        length_failures(items.len() as u64, min, max, &mut failures);
        for f in &failures {
            self.report(shape, v, f);
        }
        let member = self.svc.shape(member);
        if is_scalar(member) {
            let (mut bad, mut null) = (false, false);
            let mut scratch = Vec::new();
            for item in items {
                if item.is_null() {
                    null = true;
                    continue;
                }
                scalar_failures(member, item, &mut scratch)?;
                bad |= !scratch.is_empty();
                scratch.clear();
            }
            if bad || null {
                let text = collection_constraint("Member must satisfy constraint", member, null);
                self.report(shape, v, &text);
            }
            return Ok(());
        }
        for (i, item) in items.iter().enumerate() {
            let mark = self.push_raw(format_args!("{}.member", i + 1));
            if item.is_null() {
                self.report(member, item, &Failure::NotNull);
            } else {
                self.value(member, item)?;
            }
            self.path.truncate(mark);
        }
        Ok(())
    }

    fn map(&mut self, shape: &Shape, v: &Value) -> Result<(), String> {
        let ShapeKind::Map {
            key,
            value,
            min,
            max,
            ..
        } = shape.kind
        else {
            return Ok(());
        };
        let Value::Object(obj) = v else {
            return Err(mismatch("Map", v));
        };
        let mut failures = Vec::new();
        length_failures(obj.len() as u64, min, max, &mut failures);
        for f in &failures {
            self.report(shape, v, f);
        }
        let (key, value) = (self.svc.shape(key), self.svc.shape(value));
        let mut scratch = Vec::new();
        let mut bad_key = false;
        for k in obj.keys() {
            string_failures(key, k, &mut scratch);
            bad_key |= !scratch.is_empty();
            scratch.clear();
        }
        if bad_key {
            let text = collection_constraint("Map keys must satisfy constraint", key, false);
            self.report(shape, v, &text);
        }
        if is_scalar(value) {
            self.scalar_map_values(shape, value, obj, v)
        } else {
            for (k, item) in obj {
                let mark = self.push_raw(format_args!("{k}"));
                if item.is_null() {
                    self.report(value, item, &Failure::NotNull);
                } else {
                    self.value(value, item)?;
                }
                self.path.truncate(mark);
            }
            Ok(())
        }
    }

    fn scalar_map_values(
        &mut self,
        shape: &Shape,
        value: &Shape,
        obj: &Map<String, Value>,
        v: &Value,
    ) -> Result<(), String> {
        let (mut bad, mut null) = (false, false);
        let mut scratch = Vec::new();
        for item in obj.values() {
            if item.is_null() {
                null = true;
                continue;
            }
            scalar_failures(value, item, &mut scratch)?;
            bad |= !scratch.is_empty();
            scratch.clear();
        }
        if bad || null {
            let text = collection_constraint("Map value must satisfy constraint", value, null);
            self.report(shape, v, &text);
        }
        Ok(())
    }
}
