//! The trail operations end to end over a real SQLite store, with a bucket store of fixed answers: what each call
//! commits is committed here the way the edge does it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{json, Value};
use trailrunner_api::{
    ApiError, CallContext, Caller, CallerKind, PageTokens, ServiceHandler, SystemEntropy,
};
use trailrunner_buckets::{BucketError, BucketInfo, Buckets};
use trailrunner_store::sqlite::Durability;
use trailrunner_store::{SharedStore, SqliteStore};

use crate::public_keys::test_keys::FixedKeys;
use crate::trail_rows::{all_trails, TrailRow};
use crate::CloudTrailHandler;

const ACCOUNT: &str = "111122223333";

/// Buckets by name, each with the facts a test set.
#[derive(Default)]
struct FixedBuckets(Mutex<HashMap<String, BucketInfo>>);

impl FixedBuckets {
    fn add(&self, name: &str, policy: Option<String>) {
        let info = BucketInfo {
            name: name.into(),
            region: "us-east-1".into(),
            owner_account: Some(ACCOUNT.into()),
            policy,
            policy_known: true,
        };
        self.0.lock().unwrap().insert(name.into(), info);
    }
}

#[async_trait]
impl Buckets for FixedBuckets {
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
        Ok(self.0.lock().unwrap().get(name).cloned())
    }

    async fn put_object(
        &self,
        bucket: &str,
        _: &str,
        _: Bytes,
        _: &[(String, String)],
    ) -> Result<(), BucketError> {
        Err(BucketError::Io(format!(
            "the trail API never writes objects (bucket {bucket})"
        )))
    }
}

/// A bucket policy that lets CloudTrail deliver anywhere in the bucket.
fn open_policy(bucket: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["s3:GetBucketAcl", "s3:PutObject"],
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]}]})
    .to_string()
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: SharedStore,
    handler: CloudTrailHandler,
    buckets: Arc<FixedBuckets>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore =
        Arc::new(SqliteStore::open(&dir.path().join("t.db"), Durability::Normal).unwrap());
    let buckets = Arc::new(FixedBuckets::default());
    buckets.add("logs", Some(open_policy("logs")));
    buckets.add("closed", None);
    let handler = CloudTrailHandler::new(
        store.clone(),
        Arc::new(PageTokens::new(&SystemEntropy)),
        Arc::new(SystemEntropy),
        buckets.clone(),
        Arc::new(FixedKeys::rotated_at(1_000_000)),
    );
    Fixture {
        _dir: dir,
        store,
        handler,
        buckets,
    }
}

fn ctx(region: &str) -> CallContext {
    CallContext {
        request_id: "r".into(),
        caller: Caller {
            kind: CallerKind::Root,
            account_id: ACCOUNT.into(),
            principal_id: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:root"),
            access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
            user_name: None,
            session: None,
        },
        region: region.into(),
        source_ip: "127.0.0.1".parse().unwrap(),
        user_agent: "test".into(),
        now: jiff::Timestamp::from_second(1_704_067_200).unwrap(),
    }
}

impl Fixture {
    /// Runs an operation and commits what it changed, as the edge does.
    async fn call(&self, region: &str, operation: &str, input: Value) -> Result<Value, ApiError> {
        assert!(self.handler.implements(operation), "{operation}");
        let outcome = self.handler.call(&ctx(region), operation, &input).await?;
        if !outcome.changes.is_empty() {
            self.store.commit(outcome.changes).await.expect("commit");
        }
        Ok(outcome.output)
    }

    async fn code(&self, region: &str, operation: &str, input: Value) -> String {
        self.call(region, operation, input)
            .await
            .expect_err(operation)
            .code
            .into_owned()
    }
}

fn arn(region: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}")
}

#[tokio::test]
async fn trails_are_created_found_and_deleted_with_their_rows() {
    let f = fixture();
    let out = f
        .call(
            "us-east-1",
            "CreateTrail",
            json!({"Name": "trail-1", "S3BucketName": "logs"}),
        )
        .await
        .unwrap();
    assert_eq!(out["TrailARN"], arn("us-east-1", "trail-1"));
    assert!(out.get("HomeRegion").is_none());
    let trails: Vec<TrailRow> = all_trails(&f.store).await.unwrap();
    assert_eq!(trails.len(), 1);
    assert!(!trails[0].logging.is_logging && !trails[0].generation.is_empty());
    assert_eq!(
        f.code(
            "us-east-1",
            "CreateTrail",
            json!({"Name": "trail-1", "S3BucketName": "logs"})
        )
        .await,
        "TrailAlreadyExistsException"
    );
    assert_eq!(
        f.code(
            "us-east-1",
            "CreateTrail",
            json!({"Name": "trail-2", "S3BucketName": "closed"})
        )
        .await,
        "InsufficientS3BucketPolicyException"
    );
    assert_eq!(
        f.code(
            "us-east-1",
            "CreateTrail",
            json!({"Name": "trail-2", "S3BucketName": "nope"})
        )
        .await,
        "S3BucketDoesNotExistException"
    );
    f.buckets.add("closed", Some(open_policy("closed")));
    f.call(
        "us-east-1",
        "CreateTrail",
        json!({"Name": "trail-2", "S3BucketName": "closed"}),
    )
    .await
    .unwrap();

    let got = f
        .call("us-east-1", "GetTrail", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    assert_eq!(got["Trail"]["HomeRegion"], "us-east-1");
    assert_eq!(
        f.code("eu-west-1", "GetTrail", json!({"Name": "trail-1"}))
            .await,
        "TrailNotFoundException"
    );
    let by_arn = f
        .call(
            "eu-west-1",
            "GetTrail",
            json!({"Name": arn("us-east-1", "trail-1")}),
        )
        .await
        .unwrap();
    assert_eq!(by_arn, got);
    assert_eq!(
        f.code(
            "eu-west-1",
            "DeleteTrail",
            json!({"Name": arn("us-east-1", "trail-1")})
        )
        .await,
        "InvalidHomeRegionException"
    );

    f.call("us-east-1", "DeleteTrail", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    assert_eq!(all_trails(&f.store).await.unwrap().len(), 1);
    let listed = f.call("us-east-1", "ListTrails", json!({})).await.unwrap();
    assert_eq!(
        listed["Trails"],
        json!([{"TrailARN": arn("us-east-1", "trail-2"), "Name": "trail-2", "HomeRegion": "us-east-1"}])
    );
    // Created again under the same name, it is a new trail to delivery.
    f.call(
        "us-east-1",
        "CreateTrail",
        json!({"Name": "trail-1", "S3BucketName": "logs"}),
    )
    .await
    .unwrap();
    let generations: Vec<String> = all_trails(&f.store)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.generation)
        .collect();
    assert_eq!(generations.len(), 2);
    assert_ne!(generations[0], trails[0].generation);
}

#[tokio::test]
async fn multi_region_trails_show_everywhere_and_count_everywhere() {
    let f = fixture();
    let input = json!({"Name": "wide", "S3BucketName": "logs", "IsMultiRegionTrail": true});
    f.call("us-east-1", "CreateTrail", input).await.unwrap();
    let described = f
        .call("ap-south-1", "DescribeTrails", json!({}))
        .await
        .unwrap();
    assert_eq!(described["trailList"][0]["HomeRegion"], "us-east-1");
    assert_eq!(
        described["trailList"][0]["TrailARN"],
        arn("us-east-1", "wide")
    );
    let without = f
        .call(
            "ap-south-1",
            "DescribeTrails",
            json!({"includeShadowTrails": false}),
        )
        .await
        .unwrap();
    assert_eq!(without["trailList"], json!([]));
    for i in 0..4 {
        f.call(
            "ap-south-1",
            "CreateTrail",
            json!({"Name": format!("trail-{i}"), "S3BucketName": "logs"}),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        f.code(
            "ap-south-1",
            "CreateTrail",
            json!({"Name": "trail-9", "S3BucketName": "logs"})
        )
        .await,
        "MaximumNumberOfTrailsExceededException"
    );
    // Made single-region, the trail frees the slot it held in ap-south-1.
    assert_eq!(
        f.code(
            "ap-south-1",
            "UpdateTrail",
            json!({"Name": "wide", "IsMultiRegionTrail": false})
        )
        .await,
        "InvalidHomeRegionException"
    );
    f.call(
        "us-east-1",
        "UpdateTrail",
        json!({"Name": "wide", "IsMultiRegionTrail": false}),
    )
    .await
    .unwrap();
    f.call(
        "ap-south-1",
        "CreateTrail",
        json!({"Name": "trail-9", "S3BucketName": "logs"}),
    )
    .await
    .unwrap();
    // ... and cannot become multi-region again while ap-south-1 is full.
    assert_eq!(
        f.code(
            "us-east-1",
            "UpdateTrail",
            json!({"Name": "wide", "IsMultiRegionTrail": true})
        )
        .await,
        "MaximumNumberOfTrailsExceededException"
    );
}

#[tokio::test]
async fn logging_starts_at_the_event_feed_position_and_stops() {
    let f = fixture();
    f.call(
        "us-east-1",
        "CreateTrail",
        json!({"Name": "trail-1", "S3BucketName": "logs"}),
    )
    .await
    .unwrap();
    f.call("us-east-1", "StartLogging", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    let trail = &all_trails(&f.store).await.unwrap()[0];
    assert!(trail.logging.is_logging);
    assert_eq!(trail.logging.epoch, 1);
    assert_eq!(
        trail.logging.start_after_seq,
        f.store.last_event_seq().await.unwrap()
    );
    assert_eq!(trail.logging.start_logging_time_ms, Some(1_704_067_200_000));
    let status = f
        .call("us-east-1", "GetTrailStatus", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    assert_eq!(status["IsLogging"], true);
    assert_eq!(status["StartLoggingTime"], json!(1_704_067_200.0));
    assert_eq!(status["TimeLoggingStarted"], "2024-01-01T00:00:00Z");
    f.call("us-east-1", "StopLogging", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    f.call("us-east-1", "StartLogging", json!({"Name": "trail-1"}))
        .await
        .unwrap();
    let trail = &all_trails(&f.store).await.unwrap()[0];
    assert_eq!(trail.logging.epoch, 2);
    assert_eq!(trail.logging.stop_logging_time_ms, Some(1_704_067_200_000));
}

#[tokio::test]
async fn selectors_and_tags_are_kept_on_the_trail() {
    let f = fixture();
    f.call(
        "us-east-1",
        "CreateTrail",
        json!({"Name": "trail-1", "S3BucketName": "logs",
        "TagsList": [{"Key": "a", "Value": "1"}]}),
    )
    .await
    .unwrap();
    let put = f
        .call(
            "us-east-1",
            "PutEventSelectors",
            json!({"TrailName": "trail-1",
        "EventSelectors": [{"ReadWriteType": "ReadOnly"}]}),
        )
        .await
        .unwrap();
    assert_eq!(put["EventSelectors"][0]["ReadWriteType"], "ReadOnly");
    let trail = &all_trails(&f.store).await.unwrap()[0];
    assert_eq!(trail.event_selectors, Some(put["EventSelectors"].clone()));
    let id = arn("us-east-1", "trail-1");
    f.call(
        "us-east-1",
        "AddTags",
        json!({"ResourceId": id, "TagsList": [{"Key": "b"}]}),
    )
    .await
    .unwrap();
    let tags = f
        .call("us-east-1", "ListTags", json!({"ResourceIdList": [id]}))
        .await
        .unwrap();
    assert_eq!(
        tags["ResourceTagList"][0]["TagsList"],
        json!([{"Key": "a", "Value": "1"}, {"Key": "b"}])
    );
    assert_eq!(
        f.code(
            "us-east-1",
            "AddTags",
            json!({"ResourceId": "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/x",
            "TagsList": [{"Key": "b"}]})
        )
        .await,
        "ResourceTypeNotSupportedException"
    );
}

#[tokio::test]
async fn public_keys_come_from_the_key_source() {
    let f = fixture();
    let current = f
        .call("us-east-1", "ListPublicKeys", json!({}))
        .await
        .unwrap();
    assert_eq!(current["PublicKeyList"].as_array().unwrap().len(), 1);
    let all = f
        .call(
            "us-east-1",
            "ListPublicKeys",
            json!({"StartTime": 0, "EndTime": 1_704_067_200}),
        )
        .await
        .unwrap();
    assert_eq!(all["PublicKeyList"].as_array().unwrap().len(), 2);
    assert_eq!(
        f.code(
            "us-east-1",
            "ListPublicKeys",
            json!({"StartTime": 10, "EndTime": 5})
        )
        .await,
        "InvalidTimeRangeException"
    );
}
