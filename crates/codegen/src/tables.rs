//! Emits `<service>_shapes.rs`: the static `ServiceModel` of one service.

use crate::botocore::{MemberDef, ShapeDef};
use crate::names::str_lit;
use crate::service::Service;
use anyhow::{bail, Result};
use std::fmt::Write;

pub fn emit(svc: &Service) -> Result<String> {
    let m = &svc.model.metadata;
    let protocol = match (m.protocol.as_str(), m.json_version.as_deref()) {
        ("json", Some("1.0")) => "Json10",
        ("json", Some("1.1")) => "Json11",
        ("query", _) => "Query",
        ("rest-xml", _) => "RestXml",
        (p, v) => bail!("unsupported protocol {p} (jsonVersion {v:?})"),
    };
    let mut o = String::new();
    writeln!(
        o,
        "//! Shape and operation tables of `{}` ({} {}).",
        svc.id, m.service_full_name, m.api_version
    )?;
    o.push_str(
        "\n#![allow(clippy::pedantic, clippy::nursery)]\n\n\
         use crate::pattern::{Pattern, PatternEngine};\n\
         use crate::service::{Operation, Protocol, ServiceModel};\n\
         use crate::shape::{ErrorInfo, Member, Shape, ShapeId, ShapeKind};\n\n",
    );

    let errors: Vec<String> = svc
        .model
        .shapes
        .keys()
        .filter(|n| svc.is_error(n))
        .map(|n| format!("ShapeId({})", svc.id_of(n)))
        .collect();
    writeln!(o, "pub static SERVICE: ServiceModel = ServiceModel {{")?;
    writeln!(o, "    id: {},", str_lit(svc.id))?;
    writeln!(o, "    service_id: {},", str_lit(&m.service_id))?;
    writeln!(o, "    full_name: {},", str_lit(&m.service_full_name))?;
    writeln!(o, "    protocol: Protocol::{protocol},")?;
    writeln!(
        o,
        "    target_prefix: {},",
        opt_str(m.target_prefix.as_deref())
    )?;
    writeln!(o, "    api_version: {},", str_lit(&m.api_version))?;
    writeln!(
        o,
        "    signing_name: {},",
        str_lit(m.signing_name.as_deref().unwrap_or(&m.endpoint_prefix))
    )?;
    writeln!(o, "    endpoint_prefix: {},", str_lit(&m.endpoint_prefix))?;
    writeln!(
        o,
        "    event_source: {},",
        str_lit(&format!("{}.amazonaws.com", m.endpoint_prefix))
    )?;
    writeln!(
        o,
        "    xml_namespace: {},",
        opt_str(m.xml_namespace.as_deref())
    )?;
    writeln!(
        o,
        "    global_endpoint: {},",
        opt_str(m.global_endpoint.as_deref())
    )?;
    writeln!(o, "    operations: &OPERATIONS,")?;
    writeln!(o, "    shapes: &SHAPES,")?;
    writeln!(o, "    errors: &[{}],", errors.join(", "))?;
    writeln!(o, "}};\n")?;

    emit_operations(svc, &mut o)?;
    emit_patterns(svc, &mut o)?;
    emit_shapes(svc, &mut o)?;
    Ok(o)
}

fn opt_str(v: Option<&str>) -> String {
    match v {
        Some(s) => format!("Some({})", str_lit(s)),
        None => "None".to_string(),
    }
}

fn opt_num(v: Option<i64>) -> String {
    match v {
        Some(n) => format!("Some({n})"),
        None => "None".to_string(),
    }
}

fn str_slice(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| str_lit(s)).collect();
    format!("&[{}]", parts.join(", "))
}

fn emit_operations(svc: &Service, o: &mut String) -> Result<()> {
    writeln!(o, "static OPERATIONS: [Operation; {}] = [", svc.ops.len())?;
    for facts in &svc.ops {
        let op = &svc.model.operations[&facts.name];
        let shape_ref = |r: &Option<crate::botocore::ShapeRef>| match r {
            Some(r) => format!("Some(ShapeId({}))", svc.id_of(&r.shape)),
            None => "None".to_string(),
        };
        let errors: Vec<String> = op
            .errors
            .iter()
            .map(|e| format!("ShapeId({})", svc.id_of(&e.shape)))
            .collect();
        writeln!(o, "    Operation {{")?;
        writeln!(o, "        name: {},", str_lit(&op.name))?;
        writeln!(o, "        http_method: {},", str_lit(&op.http.method))?;
        writeln!(
            o,
            "        http_request_uri: {},",
            str_lit(&op.http.request_uri)
        )?;
        writeln!(o, "        input: {},", shape_ref(&op.input))?;
        writeln!(o, "        output: {},", shape_ref(&op.output))?;
        let wrapper = op.output.as_ref().and_then(|r| r.result_wrapper.as_deref());
        writeln!(o, "        result_wrapper: {},", opt_str(wrapper))?;
        writeln!(o, "        errors: &[{}],", errors.join(", "))?;
        writeln!(o, "        read_only: {},", facts.read_only)?;
        writeln!(o, "        idempotent: {},", op.idempotent)?;
        writeln!(o, "        deprecated: {},", op.deprecated)?;
        writeln!(
            o,
            "        sensitive_input_paths: {},",
            str_slice(&facts.sensitive_input_paths)
        )?;
        writeln!(
            o,
            "        sensitive_output_paths: {},",
            str_slice(&facts.sensitive_output_paths)
        )?;
        writeln!(o, "    }},")?;
    }
    writeln!(o, "];\n")?;
    Ok(())
}

fn emit_patterns(svc: &Service, o: &mut String) -> Result<()> {
    for (i, (java, t)) in svc.patterns.iter().enumerate() {
        let engine = if t.fancy { "Fancy" } else { "Regex" };
        writeln!(o, "static P{i}: Pattern = Pattern::new(")?;
        writeln!(o, "    {},", str_lit(java))?;
        writeln!(o, "    {},", str_lit(&t.rust))?;
        writeln!(o, "    PatternEngine::{engine},")?;
        writeln!(o, ");")?;
    }
    if !svc.patterns.is_empty() {
        o.push('\n');
    }
    Ok(())
}

fn emit_shapes(svc: &Service, o: &mut String) -> Result<()> {
    writeln!(o, "static SHAPES: [Shape; {}] = [", svc.model.shapes.len())?;
    for (name, shape) in &svc.model.shapes {
        writeln!(o, "    Shape {{")?;
        writeln!(o, "        id: ShapeId({}),", svc.id_of(name))?;
        writeln!(o, "        name: {},", str_lit(name))?;
        writeln!(o, "        kind: {},", kind(svc, name, shape)?)?;
        writeln!(o, "        sensitive: {},", shape.sensitive)?;
        writeln!(o, "        hidden: {},", svc.is_hidden(name))?;
        writeln!(o, "        deprecated: {},", shape.deprecated)?;
        writeln!(o, "        error: {},", error_info(svc, name, shape))?;
        writeln!(o, "    }},")?;
    }
    writeln!(o, "];")?;
    Ok(())
}

fn length(shape: &ShapeDef) -> Result<String> {
    for v in [shape.min, shape.max].into_iter().flatten() {
        if v < 0 {
            bail!("negative length bound {v}");
        }
    }
    Ok(format!(
        "min: {}, max: {}",
        opt_num(shape.min),
        opt_num(shape.max)
    ))
}

fn member_ref(
    svc: &Service,
    owner: &str,
    r: &Option<MemberDef>,
    what: &str,
) -> Result<(u16, Option<String>)> {
    let Some(r) = r else {
        bail!("{owner}: {what} missing")
    };
    Ok((svc.id_of(&r.shape), r.location_name.clone()))
}

fn kind(svc: &Service, name: &str, shape: &ShapeDef) -> Result<String> {
    Ok(match shape.kind.as_str() {
        "string" => {
            let pattern = match &shape.pattern {
                Some(p) => format!("Some(&P{})", svc.pattern_index(p)),
                None => "None".to_string(),
            };
            format!(
                "ShapeKind::String {{ {}, pattern: {pattern}, enum_values: {} }}",
                length(shape)?,
                str_slice(&shape.enum_values)
            )
        }
        "integer" => format!(
            "ShapeKind::Integer {{ min: {}, max: {} }}",
            opt_num(shape.min),
            opt_num(shape.max)
        ),
        "long" => format!(
            "ShapeKind::Long {{ min: {}, max: {} }}",
            opt_num(shape.min),
            opt_num(shape.max)
        ),
        "boolean" => "ShapeKind::Boolean".to_string(),
        "float" => "ShapeKind::Float".to_string(),
        "double" => "ShapeKind::Double".to_string(),
        "timestamp" => format!(
            "ShapeKind::Timestamp {{ format: {} }}",
            opt_str(shape.timestamp_format.as_deref())
        ),
        "blob" => format!("ShapeKind::Blob {{ {} }}", length(shape)?),
        "list" => {
            let (member, loc) = member_ref(svc, name, &shape.member, "member")?;
            format!(
                "ShapeKind::List {{ member: ShapeId({member}), {}, flattened: {}, member_location_name: {} }}",
                length(shape)?,
                shape.flattened,
                opt_str(loc.as_deref())
            )
        }
        "map" => {
            let (key, key_loc) = member_ref(svc, name, &shape.key, "key")?;
            let (value, value_loc) = member_ref(svc, name, &shape.value, "value")?;
            format!(
                "ShapeKind::Map {{ key: ShapeId({key}), value: ShapeId({value}), {}, flattened: {}, \
                 key_location_name: {}, value_location_name: {} }}",
                length(shape)?,
                shape.flattened,
                opt_str(key_loc.as_deref()),
                opt_str(value_loc.as_deref())
            )
        }
        "structure" => {
            if shape.members.0.is_empty() {
                "ShapeKind::Structure { members: &[] }".to_string()
            } else {
                let mut s = String::from("ShapeKind::Structure {\n            members: &[\n");
                for (member, def) in &shape.members.0 {
                    s.push_str(&format!(
                        "                {},\n",
                        member_lit(svc, shape, member, def)
                    ));
                }
                s.push_str("            ],\n        }");
                s
            }
        }
        other => bail!("{name}: unsupported shape type {other}"),
    })
}

fn member_lit(svc: &Service, owner: &ShapeDef, member: &str, def: &MemberDef) -> String {
    format!(
        "Member {{ name: {}, target: ShapeId({}), required: {}, location_name: {}, query_name: {}, \
         flattened: {}, deprecated: {}, timestamp_format: {} }}",
        str_lit(member),
        svc.id_of(&def.shape),
        owner.required.iter().any(|r| r == member),
        opt_str(def.location_name.as_deref()),
        opt_str(def.query_name.as_deref()),
        def.flattened,
        def.deprecated,
        opt_str(def.timestamp_format.as_deref()),
    )
}

fn error_info(svc: &Service, name: &str, shape: &ShapeDef) -> String {
    if !svc.is_error(name) {
        return "None".to_string();
    }
    let fault = shape.fault || shape.error.as_ref().is_some_and(|e| !e.sender_fault);
    let code = shape
        .error
        .as_ref()
        .and_then(|e| e.code.clone())
        .unwrap_or_else(|| name.to_string());
    let modeled = shape.error.as_ref().and_then(|e| e.http_status_code);
    let status = modeled.unwrap_or(if fault { 500 } else { 400 });
    let message = ["Message", "message"]
        .into_iter()
        .find(|m| shape.members.0.iter().any(|(n, _)| n == m));
    format!(
        "Some(ErrorInfo {{ code: {}, http_status: {status}, http_status_modeled: {}, fault: {fault}, message_member: {} }})",
        str_lit(&code),
        modeled.is_some(),
        opt_str(message)
    )
}
