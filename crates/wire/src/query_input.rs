//! awsQuery parameters (`Tags.member.1.Key=a`) to a JSON value in wire member names, guided by the input shape.
//!
//! Structure members are addressed by their `queryName`, `locationName` or name; lists as `Name.member.N`
//! (`Name.N` when flattened, the member's `locationName` when set); maps as `Name.entry.N.key` / `.value`.
//! Indexes are 1-based and sorted numerically. Scalars are converted to the shape's type; a value that does not
//! fit its type is an error. Parameters the shape does not name are ignored, as AWS does.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};
use trailrunner_model::{ServiceModel, Shape, ShapeKind};

#[derive(Default)]
struct Node {
    value: Option<String>,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn insert(&mut self, path: &str, value: &str) {
        let mut node = self;
        for segment in path.split('.') {
            node = node.children.entry(segment.to_string()).or_default();
        }
        node.value = Some(value.to_string());
    }

    /// Children keyed by positive integers, in numeric order.
    fn indexed(&self) -> Vec<&Node> {
        let mut items: Vec<(u32, &Node)> = self
            .children
            .iter()
            .filter_map(|(k, n)| k.parse::<u32>().ok().filter(|i| *i > 0).map(|i| (i, n)))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, n)| n).collect()
    }
}

/// Decode `params` against `shape` (the operation's input; `None` for operations without input).
pub fn to_json(
    model: &ServiceModel,
    shape: Option<&Shape>,
    params: &[(String, String)],
) -> Result<Value, String> {
    let Some(shape) = shape else {
        return Ok(Value::Object(Map::new()));
    };
    let mut root = Node::default();
    for (k, v) in params {
        root.insert(k, v);
    }
    Ok(structure(model, shape, &root)?.unwrap_or_else(|| Value::Object(Map::new())))
}

fn structure(model: &ServiceModel, shape: &Shape, node: &Node) -> Result<Option<Value>, String> {
    let mut out = Map::new();
    for member in shape.members() {
        let wire = member
            .query_name
            .or(member.location_name)
            .unwrap_or(member.name);
        if let Some(child) = node.children.get(wire) {
            let target = model.shape(member.target);
            if let Some(v) = value(model, target, child, member.flattened, member.name)? {
                out.insert(member.name.to_string(), v);
            }
        }
    }
    Ok(Some(Value::Object(out)))
}

fn value(
    model: &ServiceModel,
    shape: &Shape,
    node: &Node,
    flattened: bool,
    name: &str,
) -> Result<Option<Value>, String> {
    let scalar = || node.value.as_deref();
    let v = match &shape.kind {
        ShapeKind::Structure { .. } => return structure(model, shape, node),
        ShapeKind::List {
            member,
            flattened: list_flat,
            member_location_name,
            ..
        } => {
            let holder = if flattened || *list_flat {
                Some(node)
            } else {
                node.children.get(member_location_name.unwrap_or("member"))
            };
            let target = model.shape(*member);
            let mut items = Vec::new();
            for item in holder.map(Node::indexed).unwrap_or_default() {
                if let Some(v) = value(model, target, item, false, name)? {
                    items.push(v);
                }
            }
            Value::Array(items)
        }
        ShapeKind::Map {
            key,
            value: val,
            flattened: map_flat,
            key_location_name,
            value_location_name,
            ..
        } => {
            let holder = if flattened || *map_flat {
                Some(node)
            } else {
                node.children.get("entry")
            };
            let mut out = Map::new();
            for entry in holder.map(Node::indexed).unwrap_or_default() {
                let k = entry
                    .children
                    .get(key_location_name.unwrap_or("key"))
                    .and_then(|n| n.value.clone());
                let v = entry.children.get(value_location_name.unwrap_or("value"));
                if let (Some(k), Some(v)) = (k, v) {
                    let _ = model.shape(*key);
                    if let Some(v) = value(model, model.shape(*val), v, false, name)? {
                        out.insert(k, v);
                    }
                }
            }
            Value::Object(out)
        }
        ShapeKind::String { .. } | ShapeKind::Timestamp { .. } | ShapeKind::Blob { .. } => {
            match scalar() {
                Some(s) => Value::String(s.to_string()),
                None => return Ok(None),
            }
        }
        ShapeKind::Integer { .. } | ShapeKind::Long { .. } => match scalar() {
            Some(s) => Value::Number(
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| not_a(name, s, "an integer"))?
                    .into(),
            ),
            None => return Ok(None),
        },
        ShapeKind::Float | ShapeKind::Double => match scalar() {
            Some(s) => {
                let f: f64 = s.trim().parse().map_err(|_| not_a(name, s, "a number"))?;
                Value::Number(Number::from_f64(f).ok_or_else(|| not_a(name, s, "a finite number"))?)
            }
            None => return Ok(None),
        },
        ShapeKind::Boolean => match scalar() {
            Some("true") => Value::Bool(true),
            Some("false") => Value::Bool(false),
            Some(s) => return Err(not_a(name, s, "a boolean (true or false)")),
            None => return Ok(None),
        },
    };
    Ok(Some(v))
}

fn not_a(name: &str, value: &str, what: &str) -> String {
    let shown: String = value.chars().take(64).collect();
    format!("Value '{shown}' for parameter {name} is not {what}.")
}
