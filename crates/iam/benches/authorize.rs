//! `cargo bench -p trailrunner-iam --bench authorize`: what authorization adds to a request made by an IAM user
//! whose policies are cached (the steady state): mapping the call to an action and resource, building the request
//! context, evaluating ten statements, and, through `Authorizer::check`, the cache lookup.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use trailrunner_api::{Caller, CallerKind};
use trailrunner_iam::authorize::{decide, Governed, PolicySet, Request};
use trailrunner_policy::Policy;

const ACCT: &str = "111122223333";

/// Ten statements; `CreateService` is allowed by the last one only, so every statement is looked at.
const TEN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "S1", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"},
    {"Sid": "S2", "Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"},
    {"Sid": "S3", "Effect": "Allow", "Action": ["iam:GetUser", "iam:ListAccessKeys"], "Resource": "arn:aws:iam::111122223333:user/${aws:username}"},
    {"Sid": "S4", "Effect": "Allow", "Action": "apprunner:*Connection*", "Resource": "arn:aws:apprunner:*:111122223333:connection/*"},
    {"Sid": "S5", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Sid": "S6", "Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"},
    {"Sid": "S7", "Effect": "Allow", "Action": ["apprunner:PauseService", "apprunner:ResumeService"], "Resource": "arn:aws:apprunner:us-east-1:111122223333:service/api/*"},
    {"Sid": "S8", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
    {"Sid": "S9", "Effect": "Allow", "Action": "apprunner:?pdate*", "Resource": "arn:aws:apprunner:us-east-1:111122223333:service/web/*"},
    {"Sid": "S10", "Effect": "Allow", "Action": "apprunner:CreateService", "Resource": "arn:aws:apprunner:us-*:111122223333:service/*"}
  ]
}"#;

fn bench(c: &mut Criterion) {
    let caller = Caller {
        kind: CallerKind::IamUser,
        account_id: ACCT.into(),
        principal_id: "AIDAAAAAAAAAAAAAAAAAA".into(),
        arn: format!("arn:aws:iam::{ACCT}:user/alice"),
        access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
        user_name: Some("alice".into()),
        session: None,
    };
    let governed = Governed::Policies {
        identity: Arc::new(PolicySet::detached(vec![Policy::parse(TEN).unwrap()])),
        session: None,
    };
    let create = json!({"ServiceName": "web", "SourceConfiguration": {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/x/y:latest", "ImageRepositoryType": "ECR_PUBLIC"}}});
    let describe = json!({"ServiceArn": format!("arn:aws:apprunner:us-east-1:{ACCT}:service/web/0123456789abcdef")});
    let req = |operation, input| Request {
        service: "apprunner",
        operation,
        input,
        region: "us-east-1",
        source_ip: "127.0.0.1".parse().unwrap(),
        now: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    let allowed_last = req("CreateService", &create);
    assert!(decide(&governed, &caller, &allowed_last).is_none());
    c.bench_function("decide: ten statements, allowed by the last", |b| {
        b.iter(|| {
            decide(
                black_box(&governed),
                black_box(&caller),
                black_box(&allowed_last),
            )
        })
    });
    let allowed_first = req("DescribeService", &describe);
    assert!(decide(&governed, &caller, &allowed_first).is_none());
    c.bench_function("decide: ten statements, allowed by the first", |b| {
        b.iter(|| {
            decide(
                black_box(&governed),
                black_box(&caller),
                black_box(&allowed_first),
            )
        })
    });
    let refused = req("DeleteService", &describe);
    assert!(decide(&governed, &caller, &refused).is_some());
    c.bench_function(
        "decide: ten statements, explicit deny (message built)",
        |b| {
            b.iter(|| {
                decide(
                    black_box(&governed),
                    black_box(&caller),
                    black_box(&refused),
                )
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
