//! Reading `models/<service>.json` (botocore `service-2.json` without prose).
//!
//! Structure members are read into an ordered list: their declaration order is the wire
//! order and the validation order, and `serde_json::Map` (without `preserve_order`,
//! which we must not switch on for the whole workspace) would sort them.

use anyhow::{bail, Context, Result};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: BTreeMap<String, OperationDef>,
    pub shapes: BTreeMap<String, ShapeDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub endpoint_prefix: String,
    pub json_version: Option<String>,
    pub protocol: String,
    pub service_full_name: String,
    pub service_id: String,
    pub signing_name: Option<String>,
    pub target_prefix: Option<String>,
    pub xml_namespace: Option<String>,
    pub global_endpoint: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Http {
    pub method: String,
    #[serde(rename = "requestUri")]
    pub request_uri: String,
}

#[derive(Debug, Deserialize)]
pub struct ShapeRef {
    pub shape: String,
    #[serde(rename = "resultWrapper")]
    pub result_wrapper: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OperationDef {
    pub name: String,
    pub http: Http,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    #[serde(default)]
    pub idempotent: bool,
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberDef {
    pub shape: String,
    pub location_name: Option<String>,
    pub query_name: Option<String>,
    #[serde(default)]
    pub flattened: bool,
    #[serde(default)]
    pub deprecated: bool,
    pub timestamp_format: Option<String>,
    /// restJson/restXml binding (`header`, `uri`, `querystring`, ...): not supported by
    /// the generator yet, rejected if present.
    pub location: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDef {
    pub code: Option<String>,
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub sender_fault: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeDef {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: Members,
    #[serde(default)]
    pub required: Vec<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    #[serde(rename = "enum", default)]
    pub enum_values: Vec<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    pub error: Option<ErrorDef>,
    pub member: Option<MemberDef>,
    pub key: Option<MemberDef>,
    pub value: Option<MemberDef>,
    #[serde(default)]
    pub flattened: bool,
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
}

/// Structure members in declaration order.
#[derive(Debug, Default)]
pub struct Members(pub Vec<(String, MemberDef)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of structure members")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, MemberDef>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Read and sanity-check one model file.
pub fn load(path: &Path) -> Result<Model> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let model: Model =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    check(&model).with_context(|| format!("checking {}", path.display()))?;
    Ok(model)
}

fn check(model: &Model) -> Result<()> {
    let known = |name: &str| model.shapes.contains_key(name);
    for (name, op) in &model.operations {
        if name != &op.name {
            bail!("operation key {name} names {}", op.name);
        }
        let refs = op
            .input
            .iter()
            .chain(op.output.iter())
            .chain(op.errors.iter());
        for r in refs {
            if !known(&r.shape) {
                bail!("operation {name} refers to unknown shape {}", r.shape);
            }
        }
    }
    for (name, shape) in &model.shapes {
        for (member, def) in &shape.members.0 {
            if !known(&def.shape) {
                bail!("{name}.{member} targets unknown shape {}", def.shape);
            }
            if def.location.is_some() {
                bail!("{name}.{member}: HTTP-bound members (location) are not supported yet");
            }
        }
        for r in [&shape.member, &shape.key, &shape.value]
            .into_iter()
            .flatten()
        {
            if !known(&r.shape) {
                bail!("{name} refers to unknown shape {}", r.shape);
            }
        }
        for req in &shape.required {
            if !shape.members.0.iter().any(|(m, _)| m == req) {
                bail!("{name} requires unknown member {req}");
            }
        }
    }
    Ok(())
}
