//! The generated serde types.

use serde_json::json;
use trailrunner_model::apprunner::{
    CodeConfigurationValues, CreateServiceRequest, CreateServiceResponse, ListServicesRequest,
    Service,
};
use trailrunner_model::cloudtrail::{LookupEventsRequest, LookupEventsResponse};

#[test]
fn create_service_request_round_trips() {
    let body = json!({
        "ServiceName": "python-test",
        "SourceConfiguration": {
            "CodeRepository": {
                "RepositoryUrl": "https://github.com/u/r",
                "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                "CodeConfiguration": {"ConfigurationSource": "API", "CodeConfigurationValues": {
                    "Runtime": "PYTHON_3", "BuildCommand": "make", "RuntimeEnvironmentVariables": {"A": "1"}
                }}
            },
            "AutoDeploymentsEnabled": true
        },
        "Tags": [{"Key": "k", "Value": "v"}]
    });
    let req: CreateServiceRequest = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(req.service_name, "python-test");
    let values = req
        .source_configuration
        .code_repository
        .as_ref()
        .and_then(|c| c.code_configuration.as_ref())
        .and_then(|c| c.code_configuration_values.as_ref())
        .unwrap();
    assert_eq!(values.build_command.as_deref(), Some("make"));
    assert_eq!(serde_json::to_value(&req).unwrap(), body);
    // Absent optional members are omitted, never null.
    let empty: ListServicesRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
}

#[test]
fn debug_never_prints_secrets() {
    let values = CodeConfigurationValues {
        runtime: "PYTHON_3".into(),
        build_command: Some("curl -H 'token: s3cr3t'".into()),
        runtime_environment_variables: Some(
            [("PASSWORD".to_string(), "hunter2".to_string())].into(),
        ),
        ..Default::default()
    };
    let text = format!("{values:?}");
    assert!(text.contains("PYTHON_3"), "{text}");
    assert!(text.contains("HIDDEN_DUE_TO_SECURITY_REASONS"), "{text}");
    for secret in ["s3cr3t", "hunter2", "PASSWORD"] {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn timestamps_are_epoch_numbers_and_accept_iso() {
    let svc: Service = serde_json::from_value(json!({
        "ServiceName": "s", "ServiceId": "id", "ServiceArn": "arn", "CreatedAt": "2020-10-02T23:25:32.650Z",
        "UpdatedAt": 1601681132.65, "Status": "RUNNING", "SourceConfiguration": {},
        "InstanceConfiguration": {}, "AutoScalingConfigurationSummary": {}, "NetworkConfiguration": {}
    }))
    .unwrap();
    assert!((svc.created_at - 1_601_681_132.65).abs() < 1e-6);
    let out = serde_json::to_value(CreateServiceResponse {
        service: svc,
        operation_id: "op".into(),
    })
    .unwrap();
    assert!(out["Service"]["CreatedAt"].is_f64());
    assert_eq!(out["OperationId"], "op");

    let req: LookupEventsRequest =
        serde_json::from_value(json!({"StartTime": 1704099600, "MaxResults": 5})).unwrap();
    assert_eq!(req.start_time, Some(1_704_099_600.0));
    assert_eq!(req.max_results, Some(5));
    let resp: LookupEventsResponse = serde_json::from_value(
        json!({"Events": [{"EventId": "e", "EventTime": 1.5, "Resources": []}]}),
    )
    .unwrap();
    assert_eq!(resp.events.unwrap()[0].event_time, Some(1.5));
}
