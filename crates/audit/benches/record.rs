//! What recording one call costs on the request path: building the record (rendering, redaction) and packing it
//! for the store (serialisation, compression, lookup attributes).

use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use trailrunner_api::{CallContext, Caller, CallerKind};
use trailrunner_audit::record::{build, CallFacts};

fn ctx() -> CallContext {
    CallContext {
        request_id: "1a60af60-ecf5-4280-aa8f-64538319ba0a".into(),
        caller: Caller {
            kind: CallerKind::IamUser,
            account_id: "123456789012".into(),
            principal_id: "AIDACKCEVSQ6C2EXAMPLE".into(),
            arn: "arn:aws:iam::123456789012:user/aws-user".into(),
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            user_name: Some("aws-user".into()),
            session: None,
        },
        region: "us-east-2".into(),
        source_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)),
        user_agent: "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1 md/arch#x86_64 lang/python#3.11.7".into(),
        now: jiff::Timestamp::from_second(1_601_681_133).unwrap(),
    }
}

fn bench(c: &mut Criterion) {
    let model = trailrunner_model::apprunner();
    let ctx = ctx();
    let list = model.operation("ListServices").unwrap();
    let create = model.operation("CreateService").unwrap();
    let create_input = json!({
        "ServiceName": "python-test",
        "SourceConfiguration": {"CodeRepository": {"RepositoryUrl": "https://github.com/github-user/python-hello",
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
            "CodeConfiguration": {"ConfigurationSource": "API", "CodeConfigurationValues": {"Runtime": "PYTHON_3",
                "BuildCommand": "pip install -r requirements.txt", "StartCommand": "python server.py", "Port": "8080",
                "RuntimeEnvironmentVariables": {"A": "1"}}}},
            "AutoDeploymentsEnabled": true,
            "AuthenticationConfiguration": {"ConnectionArn": "arn:aws:apprunner:us-east-2:123456789012:connection/your-connection/e7656250f67242d7819feade6800f59e"}},
        "HealthCheckConfiguration": {"Protocol": "HTTP"},
        "InstanceConfiguration": {"Cpu": "256", "Memory": "1024"}
    });
    let create_output = json!({"Service": {"ServiceName": "python-test", "ServiceId": "dfa2b7cc7bcb4b6fa6c1f0f4efff988a",
        "ServiceArn": "arn:aws:apprunner:us-east-2:123456789012:service/python-test/dfa2b7cc7bcb4b6fa6c1f0f4efff988a",
        "ServiceUrl": "x.us-east-2.awsapprunner.com", "CreatedAt": 1601681132.65, "UpdatedAt": 1601681132.65,
        "Status": "OPERATION_IN_PROGRESS"}, "OperationId": "0b0d6a3c-6e43-4b6c-9e1a-2f8b7c1d3e4f"});
    let empty = json!({});
    let list_output = json!({"ServiceSummaryList": []});
    let mut group = c.benchmark_group("record");
    for (name, op, input, output) in [
        ("ListServices", list, &empty, &list_output),
        ("CreateService", create, &create_input, &create_output),
    ] {
        group.bench_function(format!("{name}/build+pack"), |b| {
            b.iter(|| {
                let facts = CallFacts {
                    model,
                    operation: op.name,
                    op: Some(op),
                    ctx: &ctx,
                    input: Some(input),
                    result: Ok(output),
                    reported: &[],
                    completed_at: ctx.now,
                    event_id: "e1a3f623-4d24-4390-a70b-bf08a0e24669".into(),
                };
                let mut record = build(&facts);
                trailrunner_audit::event::to_new_event(
                    &mut record,
                    "123456789012",
                    "us-east-2",
                    0,
                    "aws-user",
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
