//! Emits `<service>_types.rs`: one serde struct per (non-error) structure shape.

use crate::botocore::MemberDef;
use crate::names::{field_ident, str_lit, RESERVED_TYPE_NAMES};
use crate::service::Service;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How a member's Rust type is (de)serialized.
enum Ty {
    /// Plain serde.
    Plain(String),
    /// `f64` epoch seconds (`crate::epoch::required` / `optional`).
    Timestamp,
    /// `Vec<f64>` of epoch seconds (`crate::epoch::list` / `optional_list`).
    TimestampList,
}

fn rust_type(svc: &Service, shape_name: &str) -> Result<Ty> {
    let shape = svc.shape(shape_name);
    Ok(match shape.kind.as_str() {
        "string" | "blob" => Ty::Plain("String".into()),
        "integer" => Ty::Plain("i32".into()),
        "long" => Ty::Plain("i64".into()),
        "boolean" => Ty::Plain("bool".into()),
        "float" => Ty::Plain("f32".into()),
        "double" => Ty::Plain("f64".into()),
        "timestamp" => Ty::Timestamp,
        "structure" => Ty::Plain(shape_name.to_string()),
        "list" => {
            let Some(m) = &shape.member else {
                bail!("{shape_name}: list without member")
            };
            match rust_type(svc, &m.shape)? {
                Ty::Plain(t) => Ty::Plain(format!("Vec<{t}>")),
                Ty::Timestamp => Ty::TimestampList,
                Ty::TimestampList => {
                    bail!("{shape_name}: nested lists of timestamps are not supported")
                }
            }
        }
        "map" => {
            let Some(v) = &shape.value else {
                bail!("{shape_name}: map without value")
            };
            match rust_type(svc, &v.shape)? {
                Ty::Plain(t) => Ty::Plain(format!("BTreeMap<String, {t}>")),
                _ => bail!("{shape_name}: maps of timestamps are not supported"),
            }
        }
        other => bail!("{shape_name}: no Rust type for {other}"),
    })
}

pub fn emit(svc: &Service) -> Result<String> {
    let mut roles: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, op) in &svc.model.operations {
        if let Some(r) = &op.input {
            roles
                .entry(r.shape.as_str())
                .or_default()
                .push(format!("input of `{name}`"));
        }
        if let Some(r) = &op.output {
            roles
                .entry(r.shape.as_str())
                .or_default()
                .push(format!("output of `{name}`"));
        }
    }
    let m = &svc.model.metadata;
    let mut o = String::new();
    writeln!(
        o,
        "//! serde types of the {} {} wire shapes (structures only; error shapes are",
        m.service_full_name, m.api_version
    )?;
    writeln!(
        o,
        "//! rendered by the wire layer from the tables). Strings and enums are `String` (the"
    )?;
    writeln!(o, "//! validator checks enum values), blobs are base64 `String`, timestamps `f64` epoch seconds.")?;
    o.push_str(
        "\n#![allow(clippy::pedantic, clippy::nursery)]\n\n\
         use serde::{Deserialize, Serialize};\n\
         use std::collections::BTreeMap;\n",
    );
    for (name, shape) in &svc.model.shapes {
        if shape.kind != "structure" || svc.is_error(name) {
            continue;
        }
        if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
            bail!("structure {name} would shadow a name the generated code uses");
        }
        emit_struct(svc, name, roles.get(name.as_str()), &mut o)?;
    }
    Ok(o)
}

struct Field<'a> {
    wire: &'a str,
    ident: String,
    ty: Ty,
    required: bool,
    hidden: bool,
}

fn emit_struct(
    svc: &Service,
    name: &str,
    roles: Option<&Vec<String>>,
    o: &mut String,
) -> Result<()> {
    let shape = svc.shape(name);
    let mut fields = Vec::new();
    for (wire, def) in &shape.members.0 {
        let MemberDef { shape: target, .. } = def;
        let ident = field_ident(wire);
        if fields.iter().any(|f: &Field| f.ident == ident) {
            bail!("{name}: two members map to field {ident}");
        }
        fields.push(Field {
            wire,
            ident,
            ty: rust_type(svc, target)?,
            required: shape.required.iter().any(|r| r == wire),
            hidden: svc.is_hidden(target),
        });
    }
    o.push('\n');
    match roles {
        Some(r) => writeln!(o, "/// `{name}`: {}.", r.join(", "))?,
        None => writeln!(o, "/// `{name}`.")?,
    }
    let manual_debug = fields.iter().any(|f| f.hidden);
    let debug = if manual_debug { "" } else { "Debug, " };
    writeln!(
        o,
        "#[derive(Clone, {debug}Default, PartialEq, Serialize, Deserialize)]"
    )?;
    if fields.is_empty() {
        writeln!(o, "pub struct {name} {{}}")?;
        return Ok(());
    }
    writeln!(o, "pub struct {name} {{")?;
    for f in &fields {
        let rename = format!("rename = {}", str_lit(f.wire));
        let (ty, attrs) = match (&f.ty, f.required) {
            (Ty::Plain(t), true) => (t.clone(), rename),
            (Ty::Plain(t), false) => {
                (format!("Option<{t}>"), format!("{rename}, skip_serializing_if = \"Option::is_none\", default"))
            }
            (Ty::Timestamp, true) => ("f64".into(), format!("{rename}, with = \"crate::epoch::required\"")),
            (Ty::Timestamp, false) => (
                "Option<f64>".into(),
                format!("{rename}, with = \"crate::epoch::optional\", skip_serializing_if = \"Option::is_none\", default"),
            ),
            (Ty::TimestampList, true) => ("Vec<f64>".into(), format!("{rename}, with = \"crate::epoch::list\"")),
            (Ty::TimestampList, false) => (
                "Option<Vec<f64>>".into(),
                format!(
                    "{rename}, with = \"crate::epoch::optional_list\", skip_serializing_if = \"Option::is_none\", default"
                ),
            ),
        };
        if f.hidden {
            writeln!(
                o,
                "    /// Sensitive: never printed by `Debug`, hidden in CloudTrail records."
            )?;
        }
        writeln!(o, "    #[serde({attrs})]")?;
        writeln!(o, "    pub {}: {ty},", f.ident)?;
    }
    writeln!(o, "}}")?;
    if manual_debug {
        writeln!(o, "\nimpl std::fmt::Debug for {name} {{")?;
        writeln!(
            o,
            "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{"
        )?;
        writeln!(o, "        f.debug_struct({})", str_lit(name))?;
        for f in &fields {
            let label = f.ident.trim_start_matches("r#");
            if f.hidden {
                writeln!(
                    o,
                    "            .field({}, &format_args!(\"HIDDEN_DUE_TO_SECURITY_REASONS\"))",
                    str_lit(label)
                )?;
            } else {
                writeln!(
                    o,
                    "            .field({}, &self.{})",
                    str_lit(label),
                    f.ident
                )?;
            }
        }
        writeln!(o, "            .finish()")?;
        writeln!(o, "    }}")?;
        writeln!(o, "}}")?;
    }
    Ok(())
}
