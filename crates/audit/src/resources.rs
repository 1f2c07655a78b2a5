//! The resources a call names, found generically: every `…Arn` member at the top of the input, and at the top or
//! one structure down in the output (`Service.ServiceArn`), plus whatever the service reported.

use serde_json::Value;
use trailrunner_api::ResourceRef;

/// CloudTrail resource type of an ARN, for the services trailrunner serves.
pub fn resource_type(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let kind = resource.split(['/', ':']).next()?;
    let name = match (service, kind) {
        ("apprunner", "service") => "AWS::AppRunner::Service",
        ("apprunner", "connection") => "AWS::AppRunner::Connection",
        ("apprunner", "autoscalingconfiguration") => "AWS::AppRunner::AutoScalingConfiguration",
        ("apprunner", "observabilityconfiguration") => "AWS::AppRunner::ObservabilityConfiguration",
        ("apprunner", "vpcconnector") => "AWS::AppRunner::VpcConnector",
        ("apprunner", "vpcingressconnection") => "AWS::AppRunner::VpcIngressConnection",
        ("cloudtrail", "trail") => "AWS::CloudTrail::Trail",
        ("iam", "user") => "AWS::IAM::User",
        ("iam", "role") => "AWS::IAM::Role",
        ("iam", "policy") => "AWS::IAM::Policy",
        ("s3", _) => "AWS::S3::Bucket",
        _ => return None,
    };
    Some(name.to_string())
}

fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap_or_default().to_string()
}

fn push_arn(out: &mut Vec<ResourceRef>, arn: &str, fallback_account: &str) {
    if out.iter().any(|r| r.arn == arn) {
        return;
    }
    if let Some(resource_type) = resource_type(arn) {
        let account = account_of(arn);
        let account_id = if account.is_empty() {
            fallback_account.to_string()
        } else {
            account
        };
        out.push(ResourceRef {
            arn: arn.to_string(),
            account_id,
            resource_type,
        });
    }
}

fn scan(out: &mut Vec<ResourceRef>, value: &Value, depth: u8, account: &str) {
    let Value::Object(map) = value else { return };
    for (name, v) in map {
        match v {
            Value::String(s) if name.ends_with("Arn") && s.starts_with("arn:") => {
                push_arn(out, s, account)
            }
            Value::Object(_) if depth > 0 => scan(out, v, depth - 1, account),
            _ => {}
        }
    }
}

/// Resources of a call: from the service first, then the ARN members of input and output.
pub fn collect(
    reported: &[ResourceRef],
    input: Option<&Value>,
    output: Option<&Value>,
    account: &str,
) -> Vec<ResourceRef> {
    let mut out: Vec<ResourceRef> = Vec::new();
    for r in reported {
        if !out.iter().any(|o| o.arn == r.arn) {
            out.push(r.clone());
        }
    }
    if let Some(input) = input {
        scan(&mut out, input, 0, account);
    }
    if let Some(output) = output {
        scan(&mut out, output, 1, account);
    }
    out
}

/// The short name of a resource ARN (`python-test` of `…:service/python-test/<id>`).
pub fn short_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.split('/');
    let _kind = parts.next()?;
    parts.next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_arn_members_in_input_and_output() {
        let input = json!({"ServiceArn": "arn:aws:apprunner:us-east-2:123456789012:service/python-test/abc", "X": 1});
        let output = json!({"Service": {"ServiceArn": "arn:aws:apprunner:us-east-2:123456789012:service/python-test/abc",
            "AutoScalingConfigurationSummary": {"AutoScalingConfigurationArn": "arn:aws:apprunner:us-east-2:123456789012:autoscalingconfiguration/DefaultConfiguration/1/0001"}}});
        let found = collect(&[], Some(&input), Some(&output), "123456789012");
        assert_eq!(
            found.len(),
            1,
            "one level down only, deduplicated: {found:?}"
        );
        assert_eq!(found[0].resource_type, "AWS::AppRunner::Service");
        assert_eq!(found[0].account_id, "123456789012");
        assert_eq!(short_name(&found[0].arn), Some("python-test"));
        assert_eq!(
            resource_type("arn:aws:cloudtrail:us-east-1:123456789012:trail/t1").as_deref(),
            Some("AWS::CloudTrail::Trail")
        );
        assert_eq!(
            resource_type("arn:aws:ec2:us-east-1:123456789012:instance/i-1"),
            None
        );
        assert_eq!(resource_type("not an arn"), None);
    }
}
