//! A service's configuration as App Runner completes it (spec §4.1, §4.2, §4.4): defaults filled in, cross-member
//! rules checked, referenced resources resolved. The model's own constraints (lengths, patterns, enums, required
//! members) were checked at the edge before any of this runs.

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext};
use trailrunner_store::ChangeSet;

use crate::errors::invalid_request;
use crate::handler::AppRunnerHandler;
use crate::store_rows::{document, key, read};
use crate::tagging::TagTarget;
use crate::{auto_scaling, connections, observability, vpc_connectors};

/// The default port of both source kinds.
const DEFAULT_PORT: &str = "8080";

/// `SourceConfiguration` with App Runner's defaults; exactly one of `CodeRepository` and `ImageRepository`.
pub(crate) fn source_configuration(ctx: &CallContext, given: &Value) -> Result<Value, ApiError> {
    let mut out = object(given, "SourceConfiguration")?;
    let auto_deploy = match (out.get("CodeRepository"), out.get("ImageRepository")) {
        (Some(code), None) => {
            let code = code_repository(code)?;
            out.insert("CodeRepository".into(), code);
            let connection = out
                .get("AuthenticationConfiguration")
                .and_then(|a| a.get("ConnectionArn"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    invalid_request(
                        "A code repository source needs AuthenticationConfiguration.ConnectionArn, the App \
                         Runner connection to the repository provider.",
                    )
                })?;
            connections::tag_target(connection, &ctx.region, &ctx.caller.account_id)
                .map_err(as_invalid)?;
            true
        }
        (None, Some(image)) => {
            let (image, same_account_ecr) = image_repository(ctx, image)?;
            let private = image.get("ImageRepositoryType").and_then(Value::as_str) == Some("ECR");
            let role = out
                .get("AuthenticationConfiguration")
                .and_then(|a| a.get("AccessRoleArn"))
                .and_then(Value::as_str);
            if private && role.is_none() {
                return Err(invalid_request(
                    "An ECR image source needs AuthenticationConfiguration.AccessRoleArn, a role App Runner \
                     assumes to pull the image.",
                ));
            }
            out.insert("ImageRepository".into(), image);
            same_account_ecr
        }
        _ => return Err(invalid_request(
            "SourceConfiguration must contain exactly one of CodeRepository and ImageRepository.",
        )),
    };
    out.entry("AutoDeploymentsEnabled")
        .or_insert(Value::Bool(auto_deploy));
    Ok(Value::Object(out))
}

fn code_repository(given: &Value) -> Result<Value, ApiError> {
    let mut code = object(given, "CodeRepository")?;
    code.entry("SourceDirectory").or_insert(json!("/"));
    if let Some(config) = code.get_mut("CodeConfiguration") {
        let from_api = config.get("ConfigurationSource").and_then(Value::as_str) == Some("API");
        match config.get_mut("CodeConfigurationValues") {
            Some(Value::Object(values)) => {
                values.entry("Port").or_insert(json!(DEFAULT_PORT));
            }
            _ if from_api => {
                return Err(invalid_request(
                    "CodeConfigurationValues is required when ConfigurationSource is API.",
                ))
            }
            _ => {}
        }
    }
    Ok(Value::Object(code))
}

/// The image repository with its default port, and whether it is a private ECR repository of the caller's own
/// account (the only kind that deploys automatically by default).
fn image_repository(ctx: &CallContext, given: &Value) -> Result<(Value, bool), ApiError> {
    let mut image = object(given, "ImageRepository")?;
    let identifier = image
        .get("ImageIdentifier")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let public_host = identifier.starts_with("public.ecr.aws/");
    let private = match image.get("ImageRepositoryType").and_then(Value::as_str) {
        Some("ECR") => true,
        Some("ECR_PUBLIC") => false,
        _ => {
            return Err(invalid_request(
                "ImageRepositoryType must be ECR or ECR_PUBLIC.",
            ))
        }
    };
    if private == public_host {
        return Err(invalid_request(format!(
            "ImageIdentifier {identifier} does not belong to an {} repository.",
            if private {
                "Amazon ECR"
            } else {
                "Amazon ECR Public"
            }
        )));
    }
    match image.get_mut("ImageConfiguration") {
        Some(Value::Object(config)) => {
            config.entry("Port").or_insert(json!(DEFAULT_PORT));
        }
        _ => {
            image.insert("ImageConfiguration".into(), json!({ "Port": DEFAULT_PORT }));
        }
    }
    let same_account = private && identifier.split('.').next() == Some(&ctx.caller.account_id);
    Ok((Value::Object(image), same_account))
}

/// `InstanceConfiguration` over `base` (App Runner's defaults on create, the current values on update), with
/// a supported CPU/memory pair. Values keep the caller's form (`"1024"` or `"1 vCPU"`).
pub(crate) fn instance_configuration(
    base: Option<&Value>,
    given: Option<&Value>,
) -> Result<Value, ApiError> {
    let defaults = json!({ "Cpu": "1024", "Memory": "2048" });
    let out = merged(base.unwrap_or(&defaults), given, "InstanceConfiguration")?;
    let cpu = out.get("Cpu").and_then(Value::as_str).unwrap_or("1024");
    let memory = out.get("Memory").and_then(Value::as_str).unwrap_or("2048");
    if !supported_pair(cpu, memory) {
        return Err(invalid_request(format!(
            "The combination of {cpu} CPU and {memory} memory is not supported. Supported: 0.25 vCPU with \
             0.5 or 1 GB; 0.5 vCPU with 1 GB; 1 vCPU with 2, 3 or 4 GB; 2 vCPU with 4 or 6 GB; 4 vCPU with \
             8, 10 or 12 GB."
        )));
    }
    Ok(Value::Object(out))
}

/// CPU units (1024 per vCPU) from either form the model allows.
fn cpu_units(cpu: &str) -> Option<u32> {
    Some(match cpu.trim() {
        "256" | "0.25 vCPU" => 256,
        "512" | "0.5 vCPU" => 512,
        "1024" | "1 vCPU" => 1024,
        "2048" | "2 vCPU" => 2048,
        "4096" | "4 vCPU" => 4096,
        _ => return None,
    })
}

/// Memory in MB from either form the model allows.
fn memory_mb(memory: &str) -> Option<u32> {
    let memory = memory.trim();
    if let Some(gb) = memory.strip_suffix(" GB") {
        return match gb {
            "0.5" => Some(512),
            _ => gb.parse::<u32>().ok().map(|g| g * 1024),
        };
    }
    memory.parse().ok()
}

/// The App Runner supported configurations table (spec §4.2).
fn supported_pair(cpu: &str, memory: &str) -> bool {
    let (Some(cpu), Some(memory)) = (cpu_units(cpu), memory_mb(memory)) else {
        return false;
    };
    let allowed: &[u32] = match cpu {
        256 => &[512, 1024],
        512 => &[1024],
        1024 => &[2048, 3072, 4096],
        2048 => &[4096, 6144],
        4096 => &[8192, 10240, 12288],
        _ => &[],
    };
    allowed.contains(&memory)
}

/// `HealthCheckConfiguration` over `base` (the defaults on create).
pub(crate) fn health_check(base: Option<&Value>, given: Option<&Value>) -> Result<Value, ApiError> {
    let defaults = json!({
        "Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2,
        "HealthyThreshold": 1, "UnhealthyThreshold": 5,
    });
    Ok(Value::Object(merged(
        base.unwrap_or(&defaults),
        given,
        "HealthCheckConfiguration",
    )?))
}

/// `NetworkConfiguration` over `base` (the defaults on create); a VPC egress names an active VPC connector.
pub(crate) async fn network(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    base: Option<&Value>,
    given: Option<&Value>,
) -> Result<Value, ApiError> {
    let defaults = json!({
        "EgressConfiguration": { "EgressType": "DEFAULT" },
        "IngressConfiguration": { "IsPubliclyAccessible": true },
        "IpAddressType": "IPV4",
    });
    let base = base.unwrap_or(&defaults);
    let mut out = merged(base, given, "NetworkConfiguration")?;
    // Each part replaces the current one as a whole, with the part's own defaults.
    if let Some(egress) = given.and_then(|g| g.get("EgressConfiguration")) {
        let mut egress = object(egress, "EgressConfiguration")?;
        egress.entry("EgressType").or_insert(json!("DEFAULT"));
        out.insert("EgressConfiguration".into(), Value::Object(egress));
    }
    let egress = out.get("EgressConfiguration").cloned().unwrap_or_default();
    let vpc = egress.get("EgressType").and_then(Value::as_str) == Some("VPC");
    match (vpc, egress.get("VpcConnectorArn").and_then(Value::as_str)) {
        (true, None) => {
            return Err(invalid_request(
                "EgressType VPC needs a VpcConnectorArn, the VPC connector the service's traffic goes through.",
            ))
        }
        (false, Some(_)) => {
            return Err(invalid_request(
                "VpcConnectorArn is only valid with EgressType VPC.",
            ))
        }
        (true, Some(connector)) => {
            let target = vpc_connectors::tag_target(connector, &ctx.region, &ctx.caller.account_id)
                .map_err(as_invalid)?;
            require_active(h, ctx, &target, connector, "VPC connector").await?;
        }
        (false, None) => {}
    }
    Ok(Value::Object(out))
}

/// `ObservabilityConfiguration` (`{ObservabilityEnabled: false}` when omitted on create); enabled needs the ARN
/// of an active observability configuration revision.
pub(crate) async fn observability(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    base: Option<&Value>,
    given: Option<&Value>,
) -> Result<Value, ApiError> {
    let Some(given) = given else {
        return Ok(base
            .cloned()
            .unwrap_or_else(|| json!({ "ObservabilityEnabled": false })));
    };
    let out = object(given, "ObservabilityConfiguration")?;
    let enabled = out
        .get("ObservabilityEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match (
        enabled,
        out.get("ObservabilityConfigurationArn")
            .and_then(Value::as_str),
    ) {
        (true, None) => Err(invalid_request(
            "ObservabilityConfigurationArn is required when ObservabilityEnabled is true.",
        )),
        (true, Some(arn)) => {
            let target = observability::tag_target(arn, &ctx.region, &ctx.caller.account_id)
                .map_err(as_invalid)?;
            require_active(h, ctx, &target, arn, "Observability configuration").await?;
            Ok(Value::Object(out))
        }
        (false, _) => Ok(Value::Object(out)),
    }
}

/// The `AutoScalingConfigurationSummary` of `given` (full or partial ARN, which must resolve to an active
/// revision) or of the account's current default, and the rows that create App Runner's default configuration
/// if this region never had it.
pub(crate) async fn auto_scaling_summary(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    given: Option<&str>,
) -> Result<(Value, ChangeSet), ApiError> {
    auto_scaling::summary_for_service(h, ctx, given)
        .await
        .map_err(as_invalid)
}

/// Fail unless the row `target` resolves to exists, names exactly `arn`, and is `ACTIVE`.
async fn require_active(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    target: &TagTarget,
    arn: &str,
    what: &str,
) -> Result<(), ApiError> {
    let row = read(h, &key(ctx, target.kind, &target.id)).await?;
    let active = match &row {
        Some(row) => {
            let doc = document(row)?;
            doc.get(target.arn_member).and_then(Value::as_str) == Some(arn)
                && doc.get("Status").and_then(Value::as_str) == Some("ACTIVE")
        }
        None => false,
    };
    if active {
        Ok(())
    } else {
        Err(invalid_request(format!(
            "{what} {arn} does not exist or is not active."
        )))
    }
}

/// The service operations model no `ResourceNotFoundException`: a referenced resource that cannot be found is
/// an invalid request.
fn as_invalid(e: ApiError) -> ApiError {
    if e.code == "ResourceNotFoundException" {
        invalid_request(e.message)
    } else {
        e
    }
}

fn object(value: &Value, member: &str) -> Result<Map<String, Value>, ApiError> {
    value
        .as_object()
        .cloned()
        .ok_or_else(|| invalid_request(format!("{member} must be a structure.")))
}

/// `given`'s members over `base`'s.
fn merged(
    base: &Value,
    given: Option<&Value>,
    member: &str,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = object(base, member)?;
    if let Some(given) = given {
        for (k, v) in object(given, member)? {
            out.insert(k, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_memory_pairs_follow_the_supported_table() {
        for (cpu, memory) in [
            ("256", "512"),
            ("0.25 vCPU", "1 GB"),
            ("512", "1024"),
            ("1024", "2048"),
            ("1 vCPU", "3 GB"),
            ("1024", "4096"),
            ("2 vCPU", "6 GB"),
            ("4096", "12288"),
            ("4 vCPU", "10 GB"),
        ] {
            assert!(supported_pair(cpu, memory), "{cpu}/{memory}");
        }
        for (cpu, memory) in [
            ("256", "2048"),
            ("512", "512"),
            ("1 vCPU", "1 GB"),
            ("2048", "2048"),
            ("4096", "4096"),
            ("3 vCPU", "6 GB"),
            ("1024", "2.5 GB"),
        ] {
            assert!(!supported_pair(cpu, memory), "{cpu}/{memory}");
        }
    }

    #[test]
    fn instance_defaults_and_caller_forms() {
        assert_eq!(
            instance_configuration(None, None).unwrap(),
            json!({"Cpu": "1024", "Memory": "2048"})
        );
        assert_eq!(
            instance_configuration(None, Some(&json!({"Cpu": "256", "Memory": "1024"}))).unwrap(),
            json!({"Cpu": "256", "Memory": "1024"})
        );
        let current = json!({"Cpu": "1 vCPU", "Memory": "2 GB", "InstanceRoleArn": "arn:aws:iam::123456789012:role/r"});
        let updated =
            instance_configuration(Some(&current), Some(&json!({"Memory": "4 GB"}))).unwrap();
        assert_eq!(updated["Memory"], "4 GB");
        assert_eq!(updated["InstanceRoleArn"], current["InstanceRoleArn"]);
        let err = instance_configuration(None, Some(&json!({"Cpu": "256"}))).unwrap_err();
        assert_eq!(err.code, "InvalidRequestException");
    }

    #[test]
    fn health_checks_default_each_member() {
        assert_eq!(
            health_check(None, Some(&json!({"Protocol": "HTTP"}))).unwrap(),
            json!({"Protocol": "HTTP", "Path": "/", "Interval": 5, "Timeout": 2, "HealthyThreshold": 1, "UnhealthyThreshold": 5})
        );
    }
}
