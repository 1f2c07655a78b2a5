//! Accepted enum spellings outside the model: `models/enum-aliases.json`.
//!
//! The seed's `CreateService` record carries `"runtime": "python3"` where the model's `Runtime` enum says
//! `PYTHON_3`; App Runner accepted it. Such spellings are appended to the shape's accepted values after the
//! model's own, so validation takes them and messages still list the model's values first.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

use crate::botocore::Model;

/// Service id → shape name → extra accepted values.
#[derive(Debug, Default)]
pub struct EnumAliases {
    by_service: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

pub fn load(path: &Path) -> Result<EnumAliases> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(top) = value.as_object() else {
        bail!("{}: expected a JSON object", path.display())
    };
    let mut by_service = BTreeMap::new();
    for (service, shapes) in top.iter().filter(|(k, _)| !k.starts_with("//")) {
        let Some(shapes) = shapes.as_object() else {
            bail!(
                "{}: {service} must map shape names to lists",
                path.display()
            )
        };
        let mut table = BTreeMap::new();
        for (shape, values) in shapes.iter().filter(|(k, _)| !k.starts_with("//")) {
            let values: Option<Vec<String>> = values
                .as_array()
                .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect());
            let Some(values) = values else {
                bail!(
                    "{}: {service}.{shape} must be a list of strings",
                    path.display()
                )
            };
            table.insert(shape.clone(), values);
        }
        by_service.insert(service.clone(), table);
    }
    Ok(EnumAliases { by_service })
}

impl EnumAliases {
    /// Append the aliases of service `id` to its model's enum shapes. A shape that is unknown or not an enum, or
    /// an alias that is already a model value, fails generation.
    pub fn apply(&self, id: &str, model: &mut Model) -> Result<()> {
        let Some(table) = self.by_service.get(id) else {
            return Ok(());
        };
        for (name, values) in table {
            let Some(shape) = model.shapes.get_mut(name) else {
                bail!("enum-aliases.json: {id} has no shape {name}");
            };
            if shape.enum_values.is_empty() {
                bail!("enum-aliases.json: {id}.{name} is not an enum");
            }
            for v in values {
                if shape.enum_values.contains(v) {
                    bail!("enum-aliases.json: {id}.{name} already has {v}");
                }
                shape.enum_values.push(v.clone());
            }
        }
        Ok(())
    }

    /// Every service named in the file must be a generated one.
    pub fn check_all_used(&self) -> Result<()> {
        for service in self.by_service.keys() {
            if !crate::SERVICES.iter().any(|s| s.id == service) {
                bail!("enum-aliases.json names unknown service {service}");
            }
        }
        Ok(())
    }
}
