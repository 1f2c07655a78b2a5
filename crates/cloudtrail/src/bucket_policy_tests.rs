use serde_json::json;
use trailrunner_buckets::BucketInfo;

use super::*;

const ACCOUNT: &str = "111122223333";
const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/t1";

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_704_067_200).unwrap()
}

fn delivery(prefix: Option<&'static str>) -> Delivery<'static> {
    Delivery {
        bucket: "logs",
        prefix,
        account: ACCOUNT,
        home_region: "us-east-1",
        trail_arn: ARN,
    }
}

/// The User Guide's policy, for a prefix or none, with or without the `aws:SourceArn` conditions.
fn guide_policy(prefix: Option<&str>, source_arn: Option<&str>) -> String {
    let objects = match prefix {
        Some(p) => format!("arn:aws:s3:::logs/{p}/AWSLogs/{ACCOUNT}/*"),
        None => format!("arn:aws:s3:::logs/AWSLogs/{ACCOUNT}/*"),
    };
    let mut acl_condition = json!({});
    let mut write_condition =
        json!({"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}});
    if let Some(arn) = source_arn {
        acl_condition = json!({"StringEquals": {"aws:SourceArn": arn}});
        write_condition["StringEquals"]["aws:SourceArn"] = json!(arn);
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AWSCloudTrailAclCheck20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": "arn:aws:s3:::logs", "Condition": acl_condition},
            {"Sid": "AWSCloudTrailWrite20150319", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": objects, "Condition": write_condition}
        ]
    })
    .to_string()
}

#[test]
fn the_user_guide_policy_allows_delivery() {
    assert!(allows_delivery(
        &guide_policy(None, Some(ARN)),
        &delivery(None),
        now()
    ));
    assert!(allows_delivery(
        &guide_policy(None, None),
        &delivery(None),
        now()
    ));
    assert!(allows_delivery(
        &guide_policy(Some("pre/fix"), Some(ARN)),
        &delivery(Some("pre/fix")),
        now()
    ));
}

#[test]
fn a_policy_for_another_prefix_or_trail_is_insufficient() {
    // Written for no prefix, the trail delivers under a prefix (and the other way round).
    assert!(!allows_delivery(
        &guide_policy(None, Some(ARN)),
        &delivery(Some("p")),
        now()
    ));
    assert!(!allows_delivery(
        &guide_policy(Some("p"), Some(ARN)),
        &delivery(None),
        now()
    ));
    // The SourceArn condition names another trail.
    let other = "arn:aws:cloudtrail:us-east-1:111122223333:trail/other";
    assert!(!allows_delivery(
        &guide_policy(None, Some(other)),
        &delivery(None),
        now()
    ));
}

#[test]
fn both_grants_and_the_right_principal_are_needed() {
    let policy: serde_json::Value = serde_json::from_str(&guide_policy(None, None)).unwrap();
    for keep in [0, 1] {
        let mut one = policy.clone();
        let statement = one["Statement"][keep].clone();
        one["Statement"] = json!([statement]);
        assert!(
            !allows_delivery(&one.to_string(), &delivery(None), now()),
            "only statement {keep}"
        );
    }
    let mut other_service = policy.clone();
    for s in other_service["Statement"].as_array_mut().unwrap() {
        s["Principal"] = json!({"Service": "config.amazonaws.com"});
    }
    assert!(!allows_delivery(
        &other_service.to_string(),
        &delivery(None),
        now()
    ));
    let mut aws_principal = policy.clone();
    for s in aws_principal["Statement"].as_array_mut().unwrap() {
        s["Principal"] = json!({"AWS": "arn:aws:iam::111122223333:root"});
    }
    assert!(!allows_delivery(
        &aws_principal.to_string(),
        &delivery(None),
        now()
    ));
}

#[test]
fn the_acl_condition_must_hold_and_denials_win() {
    let wrong_acl = guide_policy(None, None).replace("bucket-owner-full-control", "private");
    assert!(!allows_delivery(&wrong_acl, &delivery(None), now()));
    let mut policy: serde_json::Value = serde_json::from_str(&guide_policy(None, None)).unwrap();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": format!("arn:aws:s3:::logs/AWSLogs/{ACCOUNT}/CloudTrail-Digest/*")
    }));
    assert!(!allows_delivery(
        &policy.to_string(),
        &delivery(None),
        now()
    ));
}

#[test]
fn a_wildcard_grant_allows() {
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["cloudtrail.amazonaws.com"]},
        "Action": "s3:*", "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]}]});
    assert!(allows_delivery(
        &policy.to_string(),
        &delivery(Some("p")),
        now()
    ));
}

#[test]
fn missing_buckets_and_policies_are_refused() {
    let err = check_bucket(None, &delivery(None), now()).unwrap_err();
    assert_eq!(err.code, "S3BucketDoesNotExistException");
    assert_eq!(err.message, "S3 bucket logs does not exist.");
    let mut info = BucketInfo {
        name: "logs".into(),
        region: "us-east-1".into(),
        owner_account: Some(ACCOUNT.into()),
        policy: None,
        policy_known: true,
    };
    let err = check_bucket(Some(&info), &delivery(None), now()).unwrap_err();
    assert_eq!(err.code, "InsufficientS3BucketPolicyException");
    assert_eq!(
        err.message,
        "Incorrect S3 bucket policy is detected for bucket: logs"
    );
    info.policy = Some(guide_policy(None, Some(ARN)));
    assert!(check_bucket(Some(&info), &delivery(None), now()).is_ok());
    // An external bucket's policy is not known: its own access control decides at delivery.
    let external = BucketInfo {
        policy: None,
        policy_known: false,
        ..info
    };
    assert!(check_bucket(Some(&external), &delivery(None), now()).is_ok());
}

#[test]
fn bucket_names_follow_s3_rules() {
    for ok in ["abc", "my-bucket.logs", "a1b", &"a".repeat(63)] {
        assert!(check_bucket_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "ab",
        &"a".repeat(64),
        "My-Bucket",
        "-abc",
        "abc-",
        "a..b",
        "192.168.1.1",
        "a_b",
        "xn--abc",
        "abc-s3alias",
    ] {
        assert_eq!(
            check_bucket_name(bad).unwrap_err().code,
            "InvalidS3BucketNameException",
            "{bad}"
        );
    }
}
