//! The generator's view of one service: the parsed model plus derived facts
//! (shape ids, hidden shapes, patterns, readOnly, sensitive paths).

use crate::botocore::{Model, ShapeDef};
use crate::java_regex::{self, Translated};
use crate::readonly::{self, Overrides};
use crate::sensitive;
use anyhow::{bail, Result};
use std::collections::BTreeMap;

pub struct Service {
    pub id: &'static str,
    pub model: Model,
    /// Shape name → id (position in name order).
    pub ids: BTreeMap<String, u16>,
    /// Shape name → hidden (see `trailrunner_model::Shape::hidden`).
    pub hidden: BTreeMap<String, bool>,
    /// Distinct patterns in first-use order: (Java source, translation).
    pub patterns: Vec<(String, Translated)>,
    pub ops: Vec<OpFacts>,
}

pub struct OpFacts {
    pub name: String,
    pub read_only: bool,
    pub sensitive_input_paths: Vec<String>,
    pub sensitive_output_paths: Vec<String>,
}

impl Service {
    pub fn build(id: &'static str, model: Model, overrides: &Overrides) -> Result<Service> {
        if model.shapes.len() > usize::from(u16::MAX) {
            bail!("too many shapes for ShapeId(u16)");
        }
        let ids = model
            .shapes
            .keys()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u16))
            .collect();
        let mut hidden = BTreeMap::new();
        for name in model.shapes.keys() {
            let h = is_hidden(&model, name, &mut Vec::new());
            hidden.insert(name.clone(), h);
        }
        let mut patterns: Vec<(String, Translated)> = Vec::new();
        for shape in model.shapes.values() {
            if let Some(p) = &shape.pattern {
                if !patterns.iter().any(|(s, _)| s == p) {
                    patterns.push((p.clone(), java_regex::translate(p)?));
                }
            }
        }
        let op_overrides = overrides.for_service(id);
        if let Some(table) = op_overrides {
            for op in table.keys() {
                if !model.operations.contains_key(op) {
                    bail!("readonly-overrides.json: {id} has no operation {op}");
                }
            }
        }
        let mut ops = Vec::new();
        for (name, op) in &model.operations {
            let read_only = op_overrides
                .and_then(|t| t.get(name))
                .copied()
                .unwrap_or_else(|| readonly::by_prefix(name));
            let paths = |r: &Option<crate::botocore::ShapeRef>| {
                r.as_ref()
                    .map(|r| sensitive::paths(&model, &hidden, &r.shape))
                    .unwrap_or_default()
            };
            ops.push(OpFacts {
                name: name.clone(),
                read_only,
                sensitive_input_paths: paths(&op.input),
                sensitive_output_paths: paths(&op.output),
            });
        }
        Ok(Service {
            id,
            model,
            ids,
            hidden,
            patterns,
            ops,
        })
    }

    pub fn shape(&self, name: &str) -> &ShapeDef {
        &self.model.shapes[name]
    }

    pub fn id_of(&self, name: &str) -> u16 {
        self.ids[name]
    }

    pub fn pattern_index(&self, java: &str) -> usize {
        self.patterns
            .iter()
            .position(|(s, _)| s == java)
            .expect("pattern collected in build")
    }

    pub fn is_hidden(&self, name: &str) -> bool {
        self.hidden[name]
    }

    pub fn is_error(&self, name: &str) -> bool {
        let s = self.shape(name);
        s.exception || s.error.is_some()
    }
}

/// Sensitive, or a list/map whose member/key/value is hidden (transitively through
/// collections only; `stack` guards against recursive shapes).
fn is_hidden(model: &Model, name: &str, stack: &mut Vec<String>) -> bool {
    let shape = &model.shapes[name];
    if shape.sensitive {
        return true;
    }
    if stack.iter().any(|s| s == name) {
        return false;
    }
    stack.push(name.to_string());
    let hidden = match shape.kind.as_str() {
        "list" => shape
            .member
            .as_ref()
            .is_some_and(|m| is_hidden(model, &m.shape, stack)),
        "map" => [&shape.key, &shape.value]
            .into_iter()
            .flatten()
            .any(|m| is_hidden(model, &m.shape, stack)),
        _ => false,
    };
    stack.pop();
    hidden
}
