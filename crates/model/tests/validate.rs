//! validate_input against the generated App Runner / CloudTrail tables.

use serde_json::{json, Value};
use trailrunner_model::{
    apprunner, cloudtrail, format_violations, validate_input, InputError, Violation,
};

fn check(svc: &trailrunner_model::ServiceModel, op: &str, body: Value) -> Result<(), InputError> {
    validate_input(svc, svc.operation(op).unwrap(), &body)
}

fn violations(op: &str, body: Value) -> Vec<Violation> {
    match check(apprunner(), op, body) {
        Err(InputError::Constraints(v)) => v,
        other => panic!("expected violations, got {other:?}"),
    }
}

fn message(op: &str, body: Value) -> String {
    format_violations(&violations(op, body))
}

fn serialization(op: &str, body: Value) -> String {
    match check(apprunner(), op, body) {
        Err(InputError::Serialization(m)) => m,
        other => panic!("expected a serialization error, got {other:?}"),
    }
}

fn create_service() -> Value {
    json!({
        "ServiceName": "python-test",
        "SourceConfiguration": {
            "CodeRepository": {
                "RepositoryUrl": "https://github.com/github-user/python-hello",
                "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                "CodeConfiguration": {
                    "ConfigurationSource": "API",
                    "CodeConfigurationValues": {
                        "Runtime": "PYTHON_3",
                        "BuildCommand": "pip install -r requirements.txt",
                        "StartCommand": "python server.py",
                        "Port": "8080",
                        "RuntimeEnvironmentVariables": {"SECRET": "hunter2"}
                    }
                }
            },
            "AutoDeploymentsEnabled": true,
            "AuthenticationConfiguration": {
                "ConnectionArn": "arn:aws:apprunner:us-east-2:123456789012:connection/your-connection/e7656250f67242d7819feade6800f59e"
            }
        },
        "HealthCheckConfiguration": {"Protocol": "HTTP", "Interval": 5},
        "InstanceConfiguration": {"Cpu": "1 vCPU", "Memory": "2 GB"},
        "Tags": [{"Key": "team", "Value": "web"}],
        "SomethingUnknown": {"ignored": [1, 2, 3]}
    })
}

#[test]
fn a_valid_create_service_passes() {
    check(apprunner(), "CreateService", create_service()).unwrap();
    check(apprunner(), "ListServices", json!({})).unwrap();
    assert_eq!(
        serialization("ListServices", Value::Null),
        "Unexpected field type"
    );
    check(
        apprunner(),
        "ListServices",
        json!({"MaxResults": 20, "NextToken": "abc"}),
    )
    .unwrap();
}

#[test]
fn required_members() {
    assert_eq!(
        message("CreateService", json!({"ServiceName": "abcd"})),
        "1 validation error detected: Value null at 'sourceConfiguration' failed to satisfy constraint: \
         Member must not be null"
    );
    // null counts as absent
    assert_eq!(
        violations("DescribeService", json!({"ServiceArn": null}))[0].path,
        "serviceArn"
    );
}

#[test]
fn string_length_and_pattern() {
    let mut body = create_service();
    body["ServiceName"] = json!("x y");
    assert_eq!(
        message("CreateService", body),
        "2 validation errors detected: Value 'x y' at 'serviceName' failed to satisfy constraint: \
         Member must have length greater than or equal to 4; Value 'x y' at 'serviceName' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9-_]{3,39}"
    );
    let mut body = create_service();
    body["ServiceName"] = json!("a".repeat(41));
    let v = violations("CreateService", body);
    assert_eq!(v.len(), 2);
    assert_eq!(
        v[0].constraint,
        "Member must have length less than or equal to 40"
    );
    // The pattern must match the whole value, not a substring.
    let mut body = create_service();
    body["ServiceName"] = json!("good-name!");
    assert_eq!(
        violations("CreateService", body)[0]
            .constraint
            .split(": ")
            .next(),
        Some("Member must satisfy regular expression pattern")
    );
}

#[test]
fn enums_and_nested_paths() {
    let mut body = create_service();
    body["SourceConfiguration"]["CodeRepository"]["SourceCodeVersion"]["Type"] = json!("TAG");
    assert_eq!(
        message("CreateService", body),
        "1 validation error detected: Value 'TAG' at 'sourceConfiguration.codeRepository.sourceCodeVersion.type' \
         failed to satisfy constraint: Member must satisfy enum value set: [BRANCH]"
    );
    let mut body = create_service();
    body["InstanceConfiguration"]["Cpu"] = json!("3 vCPU");
    let v = violations("CreateService", body);
    assert_eq!(v[0].path, "instanceConfiguration.cpu");
    assert_eq!(
        v[0].constraint,
        "Member must satisfy regular expression pattern: 256|512|1024|2048|4096|(0.25|0.5|1|2|4) vCPU"
    );
}

#[test]
fn integer_ranges() {
    assert_eq!(
        message("ListServices", json!({"MaxResults": 100})),
        "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: \
         Member must have value less than or equal to 20"
    );
    assert_eq!(
        violations("ListServices", json!({"MaxResults": 0}))[0].constraint,
        "Member must have value greater than or equal to 1"
    );
}

#[test]
fn lists_of_structures_use_coral_paths() {
    let mut body = create_service();
    body["Tags"] = json!([{"Key": "ok", "Value": "v"}, {"Key": "k", "Value": "v".repeat(257)}, {"Key": "aws:reserved"}, null]);
    assert_eq!(
        message("CreateService", body),
        "3 validation errors detected: Value '{}' at 'tags.2.member.value' failed to satisfy constraint: \
         Member must have length less than or equal to 256; Value 'aws:reserved' at 'tags.3.member.key' failed to \
         satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:).+; Value null at \
         'tags.4.member' failed to satisfy constraint: Member must not be null"
            .replace("{}", &"v".repeat(257))
    );
}

#[test]
fn lists_of_scalars_report_at_the_list() {
    let body = json!({"ResourceArn": "arn:aws:apprunner:us-east-1:123456789012:service/s/1", "TagKeys": ["ok", "aws:x"]});
    assert_eq!(
        message("UntagResource", body),
        "1 validation error detected: Value '[ok, aws:x]' at 'tagKeys' failed to satisfy constraint: \
         Member must satisfy constraint: [Member must have length less than or equal to 128, \
         Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^(?!aws:).+]"
    );
}

#[test]
fn sensitive_values_are_never_shown() {
    let mut body = create_service();
    body["SourceConfiguration"]["CodeRepository"]["CodeConfiguration"]["CodeConfigurationValues"]
        ["BuildCommand"] = json!("echo secret\nrm -rf /");
    let v = violations("CreateService", body);
    assert_eq!(v[0].value, None);
    let text = format_violations(&v);
    assert!(!text.contains("secret"), "{text}");
    assert!(text.starts_with(
        "1 validation error detected: Value at \
         'sourceConfiguration.codeRepository.codeConfiguration.codeConfigurationValues.buildCommand' failed"
    ));
    let mut body = create_service();
    body["SourceConfiguration"]["CodeRepository"]["CodeConfiguration"]["CodeConfigurationValues"]
        ["RuntimeEnvironmentVariables"] = json!({"": "hunter2"});
    let v = violations("CreateService", body);
    assert_eq!(v[0].value, None);
    assert_eq!(v[0].constraint, "Map keys must satisfy constraint: [Member must have length less than or equal to 51200, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: .*]");
    assert!(!format_violations(&v).contains("hunter2"));
}

#[test]
fn wrong_types_are_serialization_errors() {
    assert_eq!(
        serialization("CreateService", json!({"ServiceName": 5})),
        "NUMBER_VALUE cannot be converted to String"
    );
    assert_eq!(
        serialization("CreateService", json!({"ServiceName": 5.5})),
        "DECIMAL_VALUE cannot be converted to String"
    );
    assert_eq!(
        serialization("CreateService", json!({"ServiceName": true})),
        "TRUE_VALUE cannot be converted to String"
    );
    assert_eq!(
        serialization("CreateService", json!({"ServiceName": {}})),
        "Start of structure or map found where not expected"
    );
    assert_eq!(
        serialization("CreateService", json!({"SourceConfiguration": "x"})),
        "Unexpected field type"
    );
    assert_eq!(
        serialization("CreateService", json!({"SourceConfiguration": []})),
        "Start of list found where not expected"
    );
    assert_eq!(
        serialization("CreateService", json!({"Tags": {}})),
        "Start of structure or map found where not expected"
    );
    assert_eq!(
        serialization("ListServices", json!({"MaxResults": "5"})),
        "STRING_VALUE cannot be converted to Integer"
    );
    assert_eq!(
        serialization("ListServices", json!({"MaxResults": 1.5})),
        "DECIMAL_VALUE cannot be converted to Integer"
    );
    assert_eq!(
        serialization("ListServices", json!({"MaxResults": 2147483648u64})),
        "Numeric value (2147483648) out of range of int (-2147483648 - 2147483647)"
    );
    assert_eq!(
        serialization("ListServices", json!([])),
        "Start of list found where not expected"
    );
    assert_eq!(
        serialization("ListServices", json!("x")),
        "Unexpected field type"
    );
    // A type error anywhere wins over constraint violations found before it.
    assert_eq!(
        serialization("CreateService", json!({"ServiceName": "x", "Tags": 1})),
        "Unexpected field type"
    );
}

#[test]
fn timestamps_accept_numbers_and_iso_strings() {
    let ct = cloudtrail();
    check(
        ct,
        "LookupEvents",
        json!({"StartTime": 1704099600, "EndTime": "2024-01-02T00:00:00Z"}),
    )
    .unwrap();
    check(ct, "LookupEvents", json!({"StartTime": 1704099600.5})).unwrap();
    match check(ct, "LookupEvents", json!({"StartTime": "last tuesday"})) {
        Err(InputError::Serialization(m)) => {
            assert_eq!(m, "STRING_VALUE cannot be converted to Date")
        }
        other => panic!("{other:?}"),
    }
    match check(
        ct,
        "LookupEvents",
        json!({"LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": "x"}], "MaxResults": 51}),
    ) {
        Err(InputError::Constraints(v)) => {
            assert_eq!(v[0].path, "lookupAttributes.1.member.attributeKey");
            assert!(v[0]
                .constraint
                .starts_with("Member must satisfy enum value set: [EventId, EventName, ReadOnly,"));
            assert_eq!(v[1].to_string(), "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nesting_is_bounded() {
    // Depth comes from the model (no recursive shapes), so deep bodies only matter
    // through unknown members, which are never walked.
    let mut deep = json!("x");
    for _ in 0..200 {
        deep = json!({ "a": deep });
    }
    check(apprunner(), "ListServices", json!({ "Unknown": deep })).unwrap();
}

#[test]
fn operations_without_input_take_objects() {
    let svc = trailrunner_model::sts();
    let op = svc.operations.iter().find(|o| o.input.is_none());
    if let Some(op) = op {
        validate_input(svc, op, &json!({})).unwrap();
    }
}
