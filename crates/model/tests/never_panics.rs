//! Property tests: the validator and the CloudTrail renderer take any JSON without
//! panicking, and whatever the validator accepts, the generated serde types decode.

use proptest::prelude::*;
use serde_json::{Map, Value};
use trailrunner_model::{
    apprunner, cloudtrail, cloudtrail_view::render, validate_input, ServiceModel,
};

/// Member names of both JSON services, so random bodies reach nested shapes.
fn key_pool() -> Vec<String> {
    let mut keys: Vec<String> = [apprunner(), cloudtrail()]
        .iter()
        .flat_map(|svc| {
            svc.shapes
                .iter()
                .flat_map(|s| s.members().iter().map(|m| m.name.to_string()))
        })
        .collect();
    keys.extend(["junk".to_string(), String::new(), "ünï".to_string()]);
    keys.sort();
    keys.dedup();
    keys
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-100i64..100).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "x",
            "abcd",
            "aws:x",
            "EventName",
            "ReadOnly",
            "Management",
            "insight",
            "BRANCH",
            "PYTHON_3",
            "2024-01-01T00:00:00Z",
            "1 vCPU",
            "arn:aws:apprunner:us-east-1:123456789012:service/s/1",
            "a\nb",
        ])
        .prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ]
}

fn body(keys: Vec<String>) -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(keys);
    leaf().prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn exercise(svc: &ServiceModel, body: &Value) {
    for op in svc.operations {
        let _ = validate_input(svc, op, body);
        if let Some(input) = op.input {
            let _ = render(svc, input, body);
        }
        if let Some(output) = op.output {
            let _ = render(svc, output, body);
        }
    }
}

fn decodes_when_valid<T: serde::de::DeserializeOwned>(
    svc: &ServiceModel,
    op: &str,
    body: &Value,
) -> Result<(), TestCaseError> {
    if validate_input(svc, svc.operation(op).unwrap(), body).is_ok() {
        let decoded = serde_json::from_value::<T>(body.clone());
        prop_assert!(
            decoded.is_ok(),
            "{op}: valid body did not decode: {body} ({:?})",
            decoded.err()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_body_is_handled(body in body(key_pool())) {
        exercise(apprunner(), &body);
        exercise(cloudtrail(), &body);
    }

    #[test]
    fn validated_bodies_decode(body in body(key_pool())) {
        use trailrunner_model::apprunner as ar;
        use trailrunner_model::cloudtrail as ct;
        decodes_when_valid::<ar::ListServicesRequest>(apprunner(), "ListServices", &body)?;
        decodes_when_valid::<ar::ListConnectionsRequest>(apprunner(), "ListConnections", &body)?;
        decodes_when_valid::<ar::ListVpcIngressConnectionsRequest>(apprunner(), "ListVpcIngressConnections", &body)?;
        decodes_when_valid::<ct::LookupEventsRequest>(cloudtrail(), "LookupEvents", &body)?;
        decodes_when_valid::<ct::DescribeTrailsRequest>(cloudtrail(), "DescribeTrails", &body)?;
        decodes_when_valid::<ct::ListPublicKeysRequest>(cloudtrail(), "ListPublicKeys", &body)?;
    }
}
