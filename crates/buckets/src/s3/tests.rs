//! What the Python suite cannot reach with one account per server: callers of another account.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};
use trailrunner_api::sys::ManualClock;
use trailrunner_api::{ApiError, Caller, CallerKind};

use super::{Authorize, S3Api, S3Request};
use crate::local::LocalBuckets;

struct AllowAll;

#[async_trait]
impl Authorize for AllowAll {
    async fn authorize(&self, _: &Caller, _: &str, _: &str) -> Result<(), ApiError> {
        Ok(())
    }
}

fn root(account: &str) -> Caller {
    Caller {
        kind: CallerKind::Root,
        account_id: account.into(),
        principal_id: account.into(),
        arn: format!("arn:aws:iam::{account}:root"),
        access_key_id: "AKIAEXAMPLEEXAMPLE00".into(),
        user_name: None,
        session: None,
    }
}

async fn call(
    api: &S3Api<'_>,
    caller: &Caller,
    method: Method,
    path: &str,
    query: Option<&str>,
) -> Result<http::Response<Bytes>, ApiError> {
    let headers = HeaderMap::new();
    api.handle(S3Request {
        method: &method,
        path,
        query,
        headers: &headers,
        body: Bytes::new(),
        caller,
        region: "us-east-1",
    })
    .await
}

#[tokio::test]
async fn another_account_is_refused_and_cannot_take_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2026-03-01T12:00:00Z".parse().unwrap()));
    let store = LocalBuckets::open(dir.path(), clock).unwrap();
    let api = S3Api {
        store: &store,
        authz: &AllowAll,
        max_object_bytes: 1024,
    };
    let (owner, other) = (root("111111111111"), root("222222222222"));
    call(&api, &owner, Method::PUT, "/shared-name", None)
        .await
        .unwrap();
    let code = |r: Result<http::Response<Bytes>, ApiError>| {
        let e = r.unwrap_err();
        (e.code.to_string(), e.status)
    };
    assert_eq!(
        code(call(&api, &other, Method::PUT, "/shared-name", None).await),
        ("BucketAlreadyExists".into(), 409)
    );
    assert_eq!(
        code(call(&api, &owner, Method::PUT, "/shared-name", None).await),
        ("BucketAlreadyOwnedByYou".into(), 409)
    );
    for (method, path, query) in [
        (Method::GET, "/shared-name", None),
        (Method::GET, "/shared-name", Some("list-type=2")),
        (Method::HEAD, "/shared-name", None),
        (Method::GET, "/shared-name", Some("location")),
        (Method::GET, "/shared-name", Some("policy")),
        (Method::PUT, "/shared-name/k", None),
        (Method::GET, "/shared-name/k", None),
        (Method::DELETE, "/shared-name/k", None),
        (Method::POST, "/shared-name/k", Some("uploads")),
        (Method::GET, "/shared-name", Some("uploads")),
        (Method::DELETE, "/shared-name", None),
    ] {
        assert_eq!(
            code(call(&api, &other, method.clone(), path, query).await),
            ("AccessDenied".into(), 403),
            "{method} {path}?{query:?}"
        );
    }
    // The other account's ListBuckets does not show it.
    let listed = call(&api, &other, Method::GET, "/", None).await.unwrap();
    assert!(!String::from_utf8_lossy(listed.body()).contains("shared-name"));
    let listed = call(&api, &owner, Method::GET, "/", None).await.unwrap();
    assert!(String::from_utf8_lossy(listed.body()).contains("<Name>shared-name</Name>"));
    // Sub-resources that are not built answer 501.
    assert_eq!(
        code(call(&api, &owner, Method::GET, "/shared-name", Some("acl")).await),
        ("NotImplemented".into(), 501)
    );
    assert_eq!(
        code(call(&api, &owner, Method::PUT, "/shared-name/k", Some("tagging")).await),
        ("NotImplemented".into(), 501)
    );
}
