"""The CloudTrail trail API with boto3 and the AWS CLI: trails, their buckets and bucket policies, shadow trails,
logging status, event selectors, tags, and the digest keys (`ListPublicKeys`).

Trails count against a per-account, per-region quota (five, a multi-region trail counting in every region), so this
module runs servers of its own instead of the session's shared one.
"""

import base64
import hashlib
import json
import time
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import running_server

HOME = "us-east-1"
OTHER = "eu-west-1"


@pytest.fixture(scope="module")
def srv():
    with running_server() as server:
        yield server


def s3(server):
    return server.client(
        "s3",
        config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def trail_arn(server, name, region=HOME):
    return f"arn:aws:cloudtrail:{region}:{server.account_id}:trail/{name}"


def delivery_policy(bucket, account, prefix=None, source_arn=None):
    """The User Guide's bucket policy for CloudTrail."""
    objects = f"arn:aws:s3:::{bucket}/{prefix + '/' if prefix else ''}AWSLogs/{account}/*"
    acl_check = {
        "Sid": "AWSCloudTrailAclCheck20150319",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:GetBucketAcl",
        "Resource": f"arn:aws:s3:::{bucket}",
    }
    write = {
        "Sid": "AWSCloudTrailWrite20150319",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": objects,
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
    }
    if source_arn:
        acl_check["Condition"] = {"StringEquals": {"aws:SourceArn": source_arn}}
        write["Condition"]["StringEquals"]["aws:SourceArn"] = source_arn
    return json.dumps({"Version": "2012-10-17", "Statement": [acl_check, write]})


def bucket_for(server, prefix=None, policy=True):
    """A new bucket whose policy lets CloudTrail deliver to `prefix` (or with no policy)."""
    name = unique("trails")
    client = s3(server)
    client.create_bucket(Bucket=name)
    if policy:
        client.put_bucket_policy(Bucket=name, Policy=delivery_policy(name, server.account_id, prefix))
    return name


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, err
    return err["Code"], err["Message"]


def new_trail(server, ct=None, prefix=None, **extra):
    ct = ct or server.client("cloudtrail")
    name = unique("trail")
    bucket = bucket_for(server, prefix)
    args = dict(Name=name, S3BucketName=bucket, **extra)
    if prefix:
        args["S3KeyPrefix"] = prefix
    return ct.create_trail(**args)


def test_create_describe_get_list_delete(srv):
    ct = srv.client("cloudtrail")
    bucket = bucket_for(srv)
    name = unique("trail")
    arn = trail_arn(srv, name)
    out = ct.create_trail(Name=name, S3BucketName=bucket)
    out.pop("ResponseMetadata")
    # The User Guide's example output: no HomeRegion, no selector flags, string members only when set.
    assert out == {
        "Name": name,
        "S3BucketName": bucket,
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": False,
        "TrailARN": arn,
        "LogFileValidationEnabled": False,
        "IsOrganizationTrail": False,
    }
    expected = dict(out, HomeRegion=HOME, HasCustomEventSelectors=False, HasInsightSelectors=False)
    assert ct.get_trail(Name=name)["Trail"] == expected
    assert ct.get_trail(Name=arn)["Trail"] == expected
    assert expected in ct.describe_trails()["trailList"]
    assert ct.describe_trails(trailNameList=[name])["trailList"] == [expected]
    assert ct.describe_trails(trailNameList=[arn, "no-such-trail"])["trailList"] == [expected]
    listed = ct.list_trails()["Trails"]
    assert {"TrailARN": arn, "Name": name, "HomeRegion": HOME} in listed

    assert ct.delete_trail(Name=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    code, message = error_of(ct.get_trail, Name=name)
    assert (code, message) == ("TrailNotFoundException", f"Unknown trail: {name} for the user: {srv.account_id}")
    assert error_of(ct.delete_trail, Name=arn)[0] == "TrailNotFoundException"
    assert all(t["TrailARN"] != arn for t in ct.list_trails()["Trails"])


def test_names_and_arns_are_checked(srv):
    ct = srv.client("cloudtrail")
    bucket = bucket_for(srv)
    for bad in ["ab", "my--ns", "my-_ns", "-trail", "trail-", "192.168.5.4", "has space", "x" * 129]:
        code, _ = error_of(ct.create_trail, Name=bad, S3BucketName=bucket)
        assert code == "InvalidTrailNameException", bad
        assert error_of(ct.get_trail, Name=bad)[0] == "InvalidTrailNameException", bad
    for bad in [
        "arn:aws:cloudtrail:us-east-1:123:trail/abc",
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/",
        "arn:aws:s3:::bucket",
    ]:
        assert error_of(ct.get_trail, Name=bad)[0] == "CloudTrailARNInvalidException", bad
        assert error_of(ct.describe_trails, trailNameList=[bad])[0] == "CloudTrailARNInvalidException"
    # A well-formed ARN of another account names no trail of this one.
    other = "arn:aws:cloudtrail:us-east-1:999999999999:trail/abc"
    assert error_of(ct.get_trail, Name=other) == (
        "TrailNotFoundException",
        f"Unknown trail: {other} for the user: {srv.account_id}",
    )


def test_buckets_and_their_policies_are_checked(srv):
    ct = srv.client("cloudtrail")
    name = unique("trail")
    missing = unique("missing")
    assert error_of(ct.create_trail, Name=name, S3BucketName=missing) == (
        "S3BucketDoesNotExistException",
        f"S3 bucket {missing} does not exist.",
    )
    no_policy = bucket_for(srv, policy=False)
    insufficient = ("InsufficientS3BucketPolicyException", f"Incorrect S3 bucket policy is detected for bucket: {no_policy}")
    assert error_of(ct.create_trail, Name=name, S3BucketName=no_policy) == insufficient
    # A policy for another prefix, or for another trail (aws:SourceArn), does not do.
    client = s3(srv)
    client.put_bucket_policy(Bucket=no_policy, Policy=delivery_policy(no_policy, srv.account_id, "elsewhere"))
    assert error_of(ct.create_trail, Name=name, S3BucketName=no_policy)[0] == "InsufficientS3BucketPolicyException"
    client.put_bucket_policy(
        Bucket=no_policy,
        Policy=delivery_policy(no_policy, srv.account_id, None, trail_arn(srv, "someone-else")),
    )
    assert error_of(ct.create_trail, Name=name, S3BucketName=no_policy)[0] == "InsufficientS3BucketPolicyException"
    # With the trail's own ARN as aws:SourceArn and the right prefix it is accepted.
    client.put_bucket_policy(
        Bucket=no_policy,
        Policy=delivery_policy(no_policy, srv.account_id, "pre/fix", trail_arn(srv, name)),
    )
    out = ct.create_trail(Name=name, S3BucketName=no_policy, S3KeyPrefix="pre/fix")
    assert out["S3KeyPrefix"] == "pre/fix"
    ct.delete_trail(Name=name)

    bucket = bucket_for(srv)
    assert error_of(ct.create_trail, Name=name, S3BucketName="Not_A_Bucket")[0] == "InvalidS3BucketNameException"
    code, _ = error_of(ct.create_trail, Name=name, S3BucketName=bucket, S3KeyPrefix="p" * 201)
    assert code == "InvalidS3PrefixException"


def test_settings_without_a_service_behind_them_are_refused(srv):
    ct = srv.client("cloudtrail")
    bucket = bucket_for(srv)
    name = unique("trail")
    cases = [
        (dict(KmsKeyId="not a key"), "InvalidKmsKeyIdException"),
        (dict(KmsKeyId="alias/trail-logs"), "KmsKeyNotFoundException"),
        (dict(SnsTopicName="bad topic!"), "InvalidSnsTopicNameException"),
        (dict(SnsTopicName="trail-topic"), "InsufficientSnsTopicPolicyException"),
        (dict(CloudWatchLogsLogGroupArn="not-an-arn", CloudWatchLogsRoleArn="arn:aws:iam::111122223333:role/r"),
         "InvalidCloudWatchLogsLogGroupArnException"),
        (dict(CloudWatchLogsLogGroupArn=f"arn:aws:logs:{HOME}:{srv.account_id}:log-group:g:*",
              CloudWatchLogsRoleArn=f"arn:aws:iam::{srv.account_id}:role/r"),
         "CloudWatchLogsDeliveryUnavailableException"),
        (dict(IsOrganizationTrail=True), "OrganizationsNotInUseException"),
        (dict(IsMultiRegionTrail=True, IncludeGlobalServiceEvents=False), "InvalidParameterCombinationException"),
        (dict(TagsList=[{"Key": f"k{i}"} for i in range(51)]), "TagsLimitExceededException"),
        (dict(TagsList=[{"Key": "aws:reserved"}]), "InvalidTagParameterException"),
    ]
    for extra, expected in cases:
        assert error_of(ct.create_trail, Name=name, S3BucketName=bucket, **extra)[0] == expected, extra
    assert error_of(ct.get_trail, Name=name)[0] == "TrailNotFoundException"


def test_names_are_unique_and_five_trails_per_region():
    with running_server() as server:
        ct = server.client("cloudtrail")
        bucket = bucket_for(server)
        first = ct.create_trail(Name="first", S3BucketName=bucket)
        assert error_of(ct.create_trail, Name="first", S3BucketName=bucket) == (
            "TrailAlreadyExistsException",
            f"Trail first already exists for customer: {server.account_id}",
        )
        # A multi-region trail homed elsewhere takes its name here and counts here.
        away = server.with_region(OTHER).client("cloudtrail")
        away.create_trail(Name="everywhere", S3BucketName=bucket, IsMultiRegionTrail=True)
        assert error_of(ct.create_trail, Name="everywhere", S3BucketName=bucket)[0] == "TrailAlreadyExistsException"
        for i in range(3):
            ct.create_trail(Name=f"more-{i}", S3BucketName=bucket)
        assert error_of(ct.create_trail, Name="sixth", S3BucketName=bucket) == (
            "MaximumNumberOfTrailsExceededException",
            f"User: {server.account_id} already has 5 trails in {HOME}.",
        )
        # eu-west-1 holds one trail, but a multi-region trail from there would make six here.
        code, message = error_of(away.create_trail, Name="wide", S3BucketName=bucket, IsMultiRegionTrail=True)
        assert code == "MaximumNumberOfTrailsExceededException" and message.endswith(f"in {HOME}.")
        away.create_trail(Name="narrow", S3BucketName=bucket)
        ct.delete_trail(Name=first["TrailARN"])
        ct.create_trail(Name="sixth", S3BucketName=bucket)


def test_multi_region_trails_show_as_shadow_trails(srv):
    ct = srv.client("cloudtrail")
    away = srv.with_region(OTHER).client("cloudtrail")
    out = new_trail(srv, ct, IsMultiRegionTrail=True)
    name, arn = out["Name"], out["TrailARN"]
    single = new_trail(srv, ct)

    shadows = away.describe_trails()["trailList"]
    shadow = next(t for t in shadows if t["TrailARN"] == arn)
    assert shadow["HomeRegion"] == HOME and shadow["IsMultiRegionTrail"] is True
    assert all(t["TrailARN"] != single["TrailARN"] for t in shadows)
    assert all(t["TrailARN"] != arn for t in away.describe_trails(includeShadowTrails=False)["trailList"])
    assert away.describe_trails(trailNameList=[name])["trailList"] == [shadow]
    assert away.describe_trails(trailNameList=[name], includeShadowTrails=False)["trailList"] == []
    # ARNs name trails wherever they live; names only in the current region.
    assert away.describe_trails(trailNameList=[single["TrailARN"]])["trailList"][0]["Name"] == single["Name"]
    assert away.describe_trails(trailNameList=[single["Name"]])["trailList"] == []
    assert away.get_trail(Name=name)["Trail"] == shadow
    assert {"TrailARN": arn, "Name": name, "HomeRegion": HOME} in away.list_trails()["Trails"]

    for call, kwargs in [
        (away.update_trail, dict(Name=name, S3KeyPrefix="x")),
        (away.delete_trail, dict(Name=name)),
        (away.start_logging, dict(Name=arn)),
        (away.stop_logging, dict(Name=name)),
        (away.put_event_selectors, dict(TrailName=name, EventSelectors=[{"ReadWriteType": "All"}])),
    ]:
        assert error_of(call, **kwargs)[0] == "InvalidHomeRegionException", call
    # A shadow trail's status needs its ARN.
    code, message = error_of(away.get_trail_status, Name=name)
    assert code == "TrailNotFoundException"
    assert message == f"Unknown trail: {trail_arn(srv, name, OTHER)} for the user: {srv.account_id}"
    assert away.get_trail_status(Name=arn)["IsLogging"] is False

    # Made single-region, it leaves the other regions.
    ct.update_trail(Name=name, IsMultiRegionTrail=False)
    assert all(t["TrailARN"] != arn for t in away.describe_trails()["trailList"])
    ct.delete_trail(Name=name)
    ct.delete_trail(Name=single["TrailARN"])


def test_logging_status_follows_start_and_stop(srv):
    ct = srv.client("cloudtrail")
    out = new_trail(srv, ct)
    name = out["Name"]
    status = ct.get_trail_status(Name=name)
    status.pop("ResponseMetadata")
    # Created through the API, a trail does not log until StartLogging.
    assert status == {
        "IsLogging": False,
        "LatestDeliveryAttemptTime": "",
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": "",
        "TimeLoggingStarted": "",
        "TimeLoggingStopped": "",
    }
    before = time.time()
    ct.start_logging(Name=name)
    status = ct.get_trail_status(Name=out["TrailARN"])
    assert status["IsLogging"] is True
    started = status["StartLoggingTime"].timestamp()
    assert before - 1 <= started <= time.time() + 1
    assert status["TimeLoggingStarted"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(started)))
    assert "StopLoggingTime" not in status
    ct.start_logging(Name=name)  # already logging: nothing changes
    assert ct.get_trail_status(Name=name)["StartLoggingTime"] == status["StartLoggingTime"]
    ct.stop_logging(Name=name)
    status = ct.get_trail_status(Name=name)
    assert status["IsLogging"] is False
    assert status["StopLoggingTime"] >= status["StartLoggingTime"]
    assert status["TimeLoggingStopped"] != ""
    ct.delete_trail(Name=name)


def test_event_selectors(srv):
    ct = srv.client("cloudtrail")
    out = new_trail(srv, ct)
    name, arn = out["Name"], out["TrailARN"]
    default = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                "ExcludeManagementEventSources": []}]
    got = ct.get_event_selectors(TrailName=name)
    assert got["TrailARN"] == arn and got["EventSelectors"] == default
    assert "AdvancedEventSelectors" not in got

    put = ct.put_event_selectors(TrailName=name, EventSelectors=[{"ReadWriteType": "WriteOnly"}])
    written = [dict(default[0], ReadWriteType="WriteOnly")]
    assert put["TrailARN"] == arn and put["EventSelectors"] == written
    assert ct.get_event_selectors(TrailName=arn)["EventSelectors"] == written
    assert ct.get_trail(Name=name)["Trail"]["HasCustomEventSelectors"] is True

    advanced = [{"Name": "writes", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "readOnly", "Equals": ["false"]},
    ]}]
    put = ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    assert put["AdvancedEventSelectors"] == advanced and "EventSelectors" not in put
    got = ct.get_event_selectors(TrailName=name)
    assert got["AdvancedEventSelectors"] == advanced and "EventSelectors" not in got

    refused = [
        dict(EventSelectors=[{"ReadWriteType": "All"}] * 6),
        dict(EventSelectors=[{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/"]}]}]),
        dict(EventSelectors=[{"ExcludeManagementEventSources": ["apprunner.amazonaws.com"]}]),
        dict(EventSelectors=[{}], AdvancedEventSelectors=advanced),
        dict(AdvancedEventSelectors=[{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]),
        dict(AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}]),
        dict(),
    ]
    for kwargs in refused:
        assert error_of(ct.put_event_selectors, TrailName=name, **kwargs)[0] == "InvalidEventSelectorsException", kwargs
    assert error_of(ct.get_event_selectors, TrailName="no-such-trail")[0] == "TrailNotFoundException"
    ct.delete_trail(Name=name)


def test_update_trail(srv):
    ct = srv.client("cloudtrail")
    out = new_trail(srv, ct)
    name, bucket = out["Name"], out["S3BucketName"]
    # The bucket's policy covers no prefix: moving the logs under one needs a policy for it.
    assert error_of(ct.update_trail, Name=name, S3KeyPrefix="moved")[0] == "InsufficientS3BucketPolicyException"
    s3(srv).put_bucket_policy(Bucket=bucket, Policy=delivery_policy(bucket, srv.account_id, "moved"))
    updated = ct.update_trail(Name=name, S3KeyPrefix="moved", EnableLogFileValidation=True)
    assert updated["S3KeyPrefix"] == "moved" and updated["LogFileValidationEnabled"] is True
    assert "HomeRegion" not in updated
    assert ct.get_trail(Name=name)["Trail"]["S3KeyPrefix"] == "moved"
    assert error_of(ct.update_trail, Name=name, S3BucketName=unique("missing"))[0] == "S3BucketDoesNotExistException"
    assert error_of(ct.update_trail, Name=name, IsMultiRegionTrail=True, IncludeGlobalServiceEvents=False)[0] == (
        "InvalidParameterCombinationException"
    )
    assert error_of(ct.update_trail, Name="no-such-trail")[0] == "TrailNotFoundException"
    ct.delete_trail(Name=name)


def test_tags(srv):
    ct = srv.client("cloudtrail")
    out = new_trail(srv, ct, TagsList=[{"Key": "team", "Value": "a"}, {"Key": "bare"}])
    arn = out["TrailARN"]
    listed = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"]
    assert listed == [{"ResourceId": arn, "TagsList": [{"Key": "team", "Value": "a"}, {"Key": "bare"}]}]
    ct.add_tags(ResourceId=arn, TagsList=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}])
    ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "bare"}])
    tags = ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]
    assert tags == [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}]

    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(49)]
    assert error_of(ct.add_tags, ResourceId=arn, TagsList=too_many)[0] == "TagsLimitExceededException"
    assert error_of(ct.add_tags, ResourceId=arn, TagsList=[{"Key": "aws:x"}])[0] == "InvalidTagParameterException"
    assert error_of(ct.add_tags, ResourceId=out["Name"], TagsList=[{"Key": "k"}])[0] == "CloudTrailARNInvalidException"
    missing = trail_arn(srv, "no-such-trail")
    assert error_of(ct.list_tags, ResourceIdList=[missing])[0] == "ResourceNotFoundException"
    assert error_of(ct.list_tags, ResourceIdList=[arn] * 21)[0] == "InvalidParameterException"
    ct.delete_trail(Name=arn)


def test_list_public_keys_with_the_cli(srv):
    proc = srv.aws("cloudtrail", "list-public-keys", "--output", "json", "--region", HOME)
    keys = json.loads(proc.stdout)["PublicKeyList"]
    assert len(keys) >= 1
    for key in keys:
        # DER PKCS#1 RSAPublicKey of a 2048-bit key; the fingerprint is the MD5 of those bytes.
        assert key["Value"].startswith("MIIBCgKCAQEA"), key["Value"][:20]
        assert hashlib.md5(base64.b64decode(key["Value"])).hexdigest() == key["Fingerprint"]
        assert key["ValidityStartTime"] <= key["ValidityEndTime"]
    # The range validate-logs asks for (start, end + 2h) includes the current key.
    now = int(time.time())
    proc = srv.aws("cloudtrail", "list-public-keys", "--output", "json", "--start-time", str(now - 3600), "--end-time", str(now + 7200))
    assert {k["Fingerprint"] for k in json.loads(proc.stdout)["PublicKeyList"]} >= {keys[-1]["Fingerprint"]}
    proc = srv.aws("cloudtrail", "list-public-keys", "--output", "json", "--start-time", str(now), "--end-time", str(now - 60), check=False)
    assert proc.returncode != 0 and "InvalidTimeRangeException" in proc.stderr


def test_trail_calls_are_recorded(srv):
    ct = srv.client("cloudtrail")
    out = new_trail(srv, ct)
    ct.get_trail(Name=out["Name"])
    error_of(ct.delete_trail, Name="no-such-trail")
    ct.delete_trail(Name=out["Name"])
    events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventSource",
                                                 "AttributeValue": "cloudtrail.amazonaws.com"}])["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    created = next(r for r in records if r["eventName"] == "CreateTrail"
                   and r["requestParameters"]["name"] == out["Name"])
    assert created["readOnly"] is False and created["responseElements"]["trailARN"] == out["TrailARN"]
    assert any(r["eventName"] == "GetTrail" and r["readOnly"] is True for r in records)
    failed = next(r for r in records if r["eventName"] == "DeleteTrail" and "errorCode" in r)
    assert failed["errorCode"] == "TrailNotFoundException"
    assert failed["errorMessage"] == f"Unknown trail: no-such-trail for the user: {srv.account_id}"
