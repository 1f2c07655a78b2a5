use std::sync::Arc;

use serde_json::{json, Value};
use trailrunner_store::sqlite::Durability;
use trailrunner_store::{Expect, SqliteStore};

use super::*;

const ACCT: &str = "111122223333";

fn user() -> Caller {
    Caller {
        kind: CallerKind::IamUser,
        account_id: ACCT.into(),
        principal_id: "AIDAAAAAAAAAAAAAAAAAA".into(),
        arn: format!("arn:aws:iam::{ACCT}:user/alice"),
        access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
        user_name: Some("alice".into()),
        session: None,
    }
}

fn root() -> Caller {
    Caller {
        kind: CallerKind::Root,
        account_id: ACCT.into(),
        principal_id: ACCT.into(),
        arn: format!("arn:aws:iam::{ACCT}:root"),
        access_key_id: "AKIAAAAAAAAAAAAAAAAB".into(),
        user_name: None,
        session: None,
    }
}

fn req<'a>(service: &'a str, operation: &'a str, input: &'a Value) -> Request<'a> {
    Request {
        service,
        operation,
        input,
        region: "us-east-1",
        source_ip: "127.0.0.1".parse().unwrap(),
        now: "2026-01-01T00:00:00Z".parse().unwrap(),
    }
}

#[test]
fn actions_are_prefix_colon_operation() {
    assert_eq!(
        action("apprunner", "CreateService"),
        "apprunner:CreateService"
    );
    assert_eq!(action("sts", "GetCallerIdentity"), "sts:GetCallerIdentity");
}

#[test]
#[rustfmt::skip]
fn resources_follow_the_documented_rules() {
    let svc = format!("arn:aws:apprunner:us-east-1:{ACCT}:service/web/0123");
    let asc = format!("arn:aws:apprunner:us-east-1:{ACCT}:autoscalingconfiguration/a/1/0123");
    let u = user();
    // (service, operation, input, expected resource)
    let cases: Vec<(&str, &str, Value, String)> = vec![
        ("apprunner", "ListServices", json!({}), "*".into()),
        ("apprunner", "CreateService", json!({"ServiceName": "web", "AutoScalingConfigurationArn": asc}),
            format!("arn:aws:apprunner:us-east-1:{ACCT}:service/web/*")),
        ("apprunner", "CreateAutoScalingConfiguration", json!({"AutoScalingConfigurationName": "a"}),
            format!("arn:aws:apprunner:us-east-1:{ACCT}:autoscalingconfiguration/a/*")),
        ("apprunner", "CreateVpcIngressConnection", json!({"ServiceArn": svc, "VpcIngressConnectionName": "v"}),
            format!("arn:aws:apprunner:us-east-1:{ACCT}:vpcingressconnection/v/*")),
        ("apprunner", "CreateConnection", json!({"ConnectionName": "gh", "ProviderType": "GITHUB"}),
            format!("arn:aws:apprunner:us-east-1:{ACCT}:connection/gh/*")),
        ("apprunner", "DescribeService", json!({"ServiceArn": svc}), svc.clone()),
        ("apprunner", "UpdateService", json!({"AutoScalingConfigurationArn": asc, "ServiceArn": svc}), svc.clone()),
        ("apprunner", "ListOperations", json!({"ServiceArn": svc}), svc.clone()),
        ("apprunner", "ListServicesForAutoScalingConfiguration", json!({"AutoScalingConfigurationArn": asc}), asc.clone()),
        ("apprunner", "TagResource", json!({"ResourceArn": svc, "Tags": []}), svc.clone()),
        ("apprunner", "CompleteConnectionHandshake", json!({"ConnectionArn": "arn:c"}), "arn:c".into()),
        ("cloudtrail", "LookupEvents", json!({}), "*".into()),
        ("iam", "CreateUser", json!({"UserName": "bob", "Path": "/dev/"}), format!("arn:aws:iam::{ACCT}:user/dev/bob")),
        ("iam", "PutUserPolicy", json!({"UserName": "bob", "PolicyName": "p"}), format!("arn:aws:iam::{ACCT}:user/bob")),
        ("iam", "GetRole", json!({"RoleName": "r"}), format!("arn:aws:iam::{ACCT}:role/r")),
        ("iam", "ListAccessKeys", json!({}), u.arn.clone()),
        ("iam", "ListUsers", json!({}), "*".into()),
        ("sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::1:role/r", "RoleSessionName": "s"}), "arn:aws:iam::1:role/r".into()),
        ("sts", "GetFederationToken", json!({"Name": "fed"}), format!("arn:aws:sts::{ACCT}:federated-user/fed")),
        ("sts", "GetSessionToken", json!({}), "*".into()),
    ];
    for (service, operation, input, expected) in cases {
        let r = req(service, operation, &input);
        assert_eq!(resource(&r, &u), expected, "{service}:{operation}");
    }
}

async fn store_with_user(policies: &[(&str, &str)]) -> (tempfile::TempDir, SharedStore) {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore =
        Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
    put_user(&store, policies, Expect::Absent).await;
    (dir, store)
}

async fn put_user(store: &SharedStore, policies: &[(&str, &str)], expect: Expect) {
    let u = user();
    let doc = json!({
        "path": "/", "userName": "alice", "userId": u.principal_id, "arn": u.arn,
        "createDate": "2026-01-01T00:00:00Z",
        "policies": policies.iter().map(|(n, d)| json!({"name": n, "document": d})).collect::<Vec<_>>(),
    });
    let mut cs = ChangeSet::new();
    cs.put(
        e::key(ACCT, USER_KIND, "alice"),
        None,
        doc.to_string(),
        expect,
    );
    store.commit(cs).await.unwrap();
}

const READ_ONLY: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["apprunner:List*","apprunner:Describe*"],"Resource":"*"}}"#;

#[tokio::test]
async fn root_is_unrestricted_and_users_get_what_their_policies_allow() {
    let (_dir, store) = store_with_user(&[("read", READ_ONLY)]).await;
    let authz = Authorizer::new(store);
    let empty = json!({});
    let create = json!({"ServiceName": "web"});
    assert_eq!(
        authz
            .check(&root(), &req("apprunner", "CreateService", &create))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        authz
            .check(&user(), &req("apprunner", "ListServices", &empty))
            .await
            .unwrap(),
        None
    );
    let denied = authz
        .check(&user(), &req("apprunner", "CreateService", &create))
        .await
        .unwrap()
        .expect("refused");
    assert_eq!(
        denied.message,
        format!(
            "User: arn:aws:iam::{ACCT}:user/alice is not authorized to perform: apprunner:CreateService on \
             resource: arn:aws:apprunner:us-east-1:{ACCT}:service/web/* because no identity-based policy \
             allows the apprunner:CreateService action"
        )
    );
    // GetCallerIdentity needs no permission.
    assert_eq!(
        authz
            .check(&user(), &req("sts", "GetCallerIdentity", &empty))
            .await
            .unwrap(),
        None
    );
    assert!(authz
        .check(&user(), &req("sts", "GetSessionToken", &empty))
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_policy_change_governs_once_invalidated() {
    let (_dir, store) = store_with_user(&[]).await;
    let authz = Authorizer::new(store.clone());
    let empty = json!({});
    let list = req("apprunner", "ListServices", &empty);
    assert!(
        authz.check(&user(), &list).await.unwrap().is_some(),
        "no policy, nothing allowed"
    );

    let mut cs = ChangeSet::new();
    let u = user();
    let doc = json!({"path": "/", "userName": "alice", "userId": u.principal_id, "arn": u.arn,
        "createDate": "2026-01-01T00:00:00Z", "policies": [{"name": "read", "document": READ_ONLY}]});
    cs.put(
        e::key(ACCT, USER_KIND, "alice"),
        None,
        doc.to_string(),
        Expect::Any,
    );
    let touched = Authorizer::touched(&cs);
    assert_eq!(
        touched,
        vec![(ACCT.to_string(), USER_KIND, "alice".to_string())]
    );
    store.commit(cs).await.unwrap();
    assert!(
        authz.check(&user(), &list).await.unwrap().is_some(),
        "cached until invalidated"
    );
    for (a, k, id) in &touched {
        authz.invalidate(a, k, id);
    }
    assert_eq!(authz.check(&user(), &list).await.unwrap(), None);
}

#[tokio::test]
async fn a_recreated_user_does_not_inherit_policies() {
    let (_dir, store) = store_with_user(&[("read", READ_ONLY)]).await;
    let authz = Authorizer::new(store);
    let mut other = user();
    other.principal_id = "AIDABBBBBBBBBBBBBBBBB".into();
    let empty = json!({});
    assert!(authz
        .check(&other, &req("apprunner", "ListServices", &empty))
        .await
        .unwrap()
        .is_some());
}
