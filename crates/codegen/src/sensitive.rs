//! Sensitive member paths of an operation's input or output.
//!
//! Notation: PascalCase wire member names joined by `.`, from the input/output root to
//! the hidden member. Lists and map values are transparent (they add no segment):
//! `Items.Secret` means "the `Secret` member of every element of the `Items` list" (or
//! of every value of the `Items` map). A hidden member ends its path: a sensitive
//! string, or a list/map whose member/key/value is sensitive, is one path, e.g.
//! `SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues.RuntimeEnvironmentVariables`.
//! Recursive structures are cut at the first repetition.

use crate::botocore::Model;
use std::collections::BTreeMap;

pub fn paths(model: &Model, hidden: &BTreeMap<String, bool>, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    if hidden[root] {
        // The whole payload is sensitive; no member path to name.
        return out;
    }
    let mut stack = Vec::new();
    descend(model, hidden, root, "", &mut stack, &mut out);
    out
}

fn descend(
    model: &Model,
    hidden: &BTreeMap<String, bool>,
    shape_name: &str,
    prefix: &str,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) {
    let shape = &model.shapes[shape_name];
    match shape.kind.as_str() {
        "structure" => {
            if stack.iter().any(|s| s == shape_name) {
                return;
            }
            stack.push(shape_name.to_string());
            for (member, def) in &shape.members.0 {
                let path = if prefix.is_empty() {
                    member.clone()
                } else {
                    format!("{prefix}.{member}")
                };
                if hidden[&def.shape] {
                    out.push(path);
                } else {
                    descend(model, hidden, &def.shape, &path, stack, out);
                }
            }
            stack.pop();
        }
        "list" => {
            if let Some(m) = &shape.member {
                descend(model, hidden, &m.shape, prefix, stack, out);
            }
        }
        "map" => {
            if let Some(v) = &shape.value {
                descend(model, hidden, &v.shape, prefix, stack, out);
            }
        }
        _ => {}
    }
}
