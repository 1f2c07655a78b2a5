//! Shapes CloudTrail hides although the model does not mark them sensitive: `models/sensitive-overrides.json`.
//!
//! STS's `tokenType` (the `SessionToken` of issued credentials) carries no `sensitive` trait in botocore, but a
//! session token is a bearer secret: together with the (sensitive) secret key it is the credential. trailrunner
//! never writes one into a record, so the shape is marked sensitive before the tables are built, and the
//! recorder shows `HIDDEN_DUE_TO_SECURITY_REASONS` as for any other sensitive member.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

use crate::botocore::Model;

/// Service id → shape names to mark sensitive.
#[derive(Debug, Default)]
pub struct SensitiveOverrides {
    by_service: BTreeMap<String, Vec<String>>,
}

pub fn load(path: &Path) -> Result<SensitiveOverrides> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(top) = value.as_object() else {
        bail!("{}: expected a JSON object", path.display())
    };
    let mut by_service = BTreeMap::new();
    for (service, shapes) in top.iter().filter(|(k, _)| !k.starts_with("//")) {
        let names: Option<Vec<String>> = shapes
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect());
        let Some(names) = names else {
            bail!(
                "{}: {service} must be a list of shape names",
                path.display()
            )
        };
        by_service.insert(service.clone(), names);
    }
    Ok(SensitiveOverrides { by_service })
}

impl SensitiveOverrides {
    /// Mark the listed shapes of service `id` sensitive. An unknown shape, or one the model already marks
    /// sensitive, fails generation (the override would be stale).
    pub fn apply(&self, id: &str, model: &mut Model) -> Result<()> {
        for name in self.by_service.get(id).into_iter().flatten() {
            let Some(shape) = model.shapes.get_mut(name) else {
                bail!("sensitive-overrides.json: {id} has no shape {name}");
            };
            if shape.sensitive {
                bail!("sensitive-overrides.json: {id}.{name} is already sensitive in the model");
            }
            shape.sensitive = true;
        }
        Ok(())
    }

    /// Every service named in the file must be a generated one.
    pub fn check_all_used(&self) -> Result<()> {
        for service in self.by_service.keys() {
            if !crate::SERVICES.iter().any(|s| s.id == service) {
                bail!("sensitive-overrides.json names unknown service {service}");
            }
        }
        Ok(())
    }
}
