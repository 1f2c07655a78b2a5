//! CloudTrail `readOnly`: the name-prefix rule plus `models/readonly-overrides.json`.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Operation name prefixes that make an operation read-only.
pub const READ_ONLY_PREFIXES: &[&str] = &["Describe", "Get", "List", "Lookup", "Head"];

#[derive(Debug, Default)]
pub struct Overrides {
    by_service: BTreeMap<String, BTreeMap<String, bool>>,
}

pub fn load(path: &Path) -> Result<Overrides> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(top) = value.as_object() else {
        bail!("{}: expected a JSON object", path.display())
    };
    let mut by_service = BTreeMap::new();
    for (service, ops) in top {
        if service.starts_with("//") {
            continue;
        }
        let Some(ops) = ops.as_object() else {
            bail!(
                "{}: {service} must map operations to booleans",
                path.display()
            )
        };
        let mut table = BTreeMap::new();
        for (op, flag) in ops {
            if op.starts_with("//") {
                continue;
            }
            let Some(flag) = flag.as_bool() else {
                bail!("{}: {service}.{op} must be true or false", path.display())
            };
            table.insert(op.clone(), flag);
        }
        by_service.insert(service.clone(), table);
    }
    Ok(Overrides { by_service })
}

impl Overrides {
    /// Overrides of one service (operation → readOnly).
    pub fn for_service(&self, id: &str) -> Option<&BTreeMap<String, bool>> {
        self.by_service.get(id)
    }

    /// Every service named in the file must be a generated one.
    pub fn check_all_used(&self) -> Result<()> {
        for service in self.by_service.keys() {
            if !crate::SERVICES.iter().any(|s| s.id == service) {
                bail!("readonly-overrides.json names unknown service {service}");
            }
        }
        Ok(())
    }
}

/// The prefix rule alone.
pub fn by_prefix(operation: &str) -> bool {
    READ_ONLY_PREFIXES.iter().any(|p| {
        operation
            .strip_prefix(p)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_uppercase()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert!(by_prefix("DescribeService"));
        assert!(by_prefix("ListServices"));
        assert!(by_prefix("LookupEvents"));
        assert!(by_prefix("GetCallerIdentity"));
        assert!(!by_prefix("CreateService"));
        assert!(!by_prefix("Listen"));
    }
}
