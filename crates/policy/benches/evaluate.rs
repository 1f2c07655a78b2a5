//! `cargo bench -p trailrunner-policy`: the cost of authorizing one request against compiled
//! policies (the per-request cost), and of compiling a document (paid once per policy change).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use trailrunner_policy::{evaluate, Decision, Policy, RequestContext};

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const SVC: &str =
    "arn:aws:apprunner:us-east-1:111122223333:service/web/8fe1e10304374a7a9e20e6f2a3c8a9a1";

/// Ten statements; only the last allows `apprunner:CreateService` on the service, so every
/// statement is looked at. A realistic mix of exact, prefix and glob actions and resources.
const TEN_ALLOW_LAST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "S1", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*"},
    {"Sid": "S2", "Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"},
    {"Sid": "S3", "Effect": "Allow", "Action": ["iam:GetUser", "iam:ListAccessKeys"], "Resource": "arn:aws:iam::111122223333:user/alice"},
    {"Sid": "S4", "Effect": "Allow", "Action": "apprunner:*Connection*", "Resource": "arn:aws:apprunner:*:111122223333:connection/*"},
    {"Sid": "S5", "Effect": "Allow", "Action": "apprunner:CreateService", "Resource": "arn:aws:apprunner:eu-west-1:111122223333:service/*"},
    {"Sid": "S6", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
    {"Sid": "S7", "Effect": "Allow", "Action": ["apprunner:PauseService", "apprunner:ResumeService"], "Resource": "arn:aws:apprunner:us-east-1:111122223333:service/api/*"},
    {"Sid": "S8", "Effect": "Allow", "Action": "apprunner:?pdate*", "Resource": "arn:aws:apprunner:us-east-1:111122223333:service/web/*"},
    {"Sid": "S9", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::trail-bucket/*"},
    {"Sid": "S10", "Effect": "Allow", "Action": "apprunner:CreateService", "Resource": "arn:aws:apprunner:us-*:111122223333:service/*"}
  ]
}"#;

/// The same ten statements behind a deny that applies first.
fn deny_first() -> String {
    TEN_ALLOW_LAST.replacen(
        "\"Statement\": [",
        r#""Statement": [{"Sid": "D", "Effect": "Deny", "Action": "apprunner:Create*", "Resource": "*"},"#,
        1,
    )
}

/// Ten statements, each with conditions on the keys trailrunner supplies; the last allows.
const CONDITION_HEAVY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "OfficeOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32"]}}},
    {"Sid": "Regions", "Effect": "Deny", "Action": "apprunner:*", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2", "eu-west-1"]}}},
    {"Sid": "Mfa", "Effect": "Deny", "Action": "apprunner:Delete*", "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    {"Sid": "Expiry", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "Read", "Effect": "Allow", "Action": ["apprunner:List*", "apprunner:Describe*"], "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {"Sid": "Temp", "Effect": "Allow", "Action": "apprunner:*", "Resource": "*",
     "Condition": {"Null": {"aws:TokenIssueTime": "false"}}},
    {"Sid": "Self", "Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111122223333:user/alice",
     "Condition": {"StringEquals": {"aws:username": "alice"}}},
    {"Sid": "Window", "Effect": "Allow", "Action": "apprunner:Pause*", "Resource": "*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2024-02-01T00:00:00Z"}}},
    {"Sid": "Tagged", "Effect": "Allow", "Action": "apprunner:TagResource", "Resource": "*",
     "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["team*", "env"]}}},
    {"Sid": "Create", "Effect": "Allow", "Action": "apprunner:CreateService", "Resource": "arn:aws:apprunner:*:111122223333:service/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "StringLike": {"aws:RequestedRegion": "us-*"},
                   "Bool": {"aws:MultiFactorAuthPresent": "true"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}
  ]
}"#;

fn context() -> RequestContext<'static> {
    let mut ctx = RequestContext::new(USER, "apprunner:CreateService", SVC);
    ctx.source_ip = Some("203.0.113.42".parse().unwrap());
    ctx.requested_region = Some("us-east-1");
    ctx.current_time = Some("2026-11-25T01:40:00Z".parse().unwrap());
    ctx.multi_factor_auth_present = Some(true);
    ctx.secure_transport = Some(false);
    ctx.username = Some("alice");
    ctx.userid = Some("AIDAEXAMPLEEXAMPLE01");
    ctx
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let cases = [
        (
            "ten_statements_allow_last",
            Policy::parse(TEN_ALLOW_LAST).unwrap(),
            Decision::Allow,
        ),
        (
            "deny_first",
            Policy::parse(&deny_first()).unwrap(),
            Decision::ExplicitDeny,
        ),
        (
            "condition_heavy",
            Policy::parse(CONDITION_HEAVY).unwrap(),
            Decision::Allow,
        ),
    ];
    let mut group = c.benchmark_group("evaluate");
    for (name, policy, want) in &cases {
        assert_eq!(policy.evaluate(&ctx).decision, *want, "{name}");
        group.bench_function(*name, |b| {
            b.iter(|| evaluate([black_box(policy)], black_box(&ctx)).decision)
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    group.bench_function("ten_statements", |b| {
        b.iter(|| Policy::parse(black_box(TEN_ALLOW_LAST)).unwrap())
    });
    group.bench_function("condition_heavy", |b| {
        b.iter(|| Policy::parse(black_box(CONDITION_HEAVY)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
