"""Trails end to end: log files and digests delivered to the embedded bucket store, read back with the AWS CLI and
boto3, selected by the trail's settings, and accepted by `aws cloudtrail validate-logs`."""

import re
import time

from conftest import running_server
from trails import (
    cloudtrail_bucket_policy,
    delivered_records,
    digest_keys,
    log_file_keys,
    make_trail_bucket,
    read_gzip_json,
    wait_for,
)

FAST = ("--lifecycle-delay", "100ms", "--delivery-interval", "1", "--digest-interval", "2")


def test_log_files_land_under_cloudtrails_layout_with_the_calls_records():
    with running_server(*FAST) as srv:
        env = srv.cli_env()
        srv.aws("s3", "mb", "s3://cli-trail-bucket", env=env)
        srv.aws("s3api", "put-bucket-policy", "--bucket", "cli-trail-bucket", "--policy",
                cloudtrail_bucket_policy("cli-trail-bucket", srv.account_id), env=env)
        srv.aws("cloudtrail", "create-trail", "--name", "cli-trail", "--s3-bucket-name", "cli-trail-bucket",
                "--enable-log-file-validation", env=env)
        srv.aws("cloudtrail", "start-logging", "--name", "cli-trail", env=env)
        created = srv.aws("apprunner", "create-connection", "--connection-name", "delivered-conn",
                          "--provider-type", "GITHUB", env=env)
        srv.aws("apprunner", "list-services", env=env)

        def records():
            return [r for _, r in delivered_records(srv, "cli-trail-bucket")]
        wait_for(lambda: any(r["eventName"] == "ListServices" for r in records()), what="delivered records")
        listing = srv.aws("s3", "ls", "--recursive", "s3://cli-trail-bucket/AWSLogs/", env=env).stdout
        pattern = (rf"AWSLogs/{srv.account_id}/CloudTrail/us-east-1/\d{{4}}/\d\d/\d\d/"
                   rf"{srv.account_id}_CloudTrail_us-east-1_\d{{8}}T\d{{4}}Z_[0-9A-Za-z]{{16}}\.json\.gz")
        assert re.search(pattern, listing), listing
        names = [r["eventName"] for r in records()]
        assert "CreateConnection" in names and "ListServices" in names and "StartLogging" in names
        assert "CreateTrail" not in names, "events before StartLogging are not the trail's"
        create = next(r for r in records() if r["eventName"] == "CreateConnection")
        assert create["eventSource"] == "apprunner.amazonaws.com"
        assert create["responseElements"]["connection"]["connectionName"] == "delivered-conn"
        assert create["recipientAccountId"] == srv.account_id
        assert '"delivered-conn"' in created.stdout


def test_event_selectors_and_regions_decide_what_a_trail_delivers():
    with running_server(*FAST) as srv:
        ct = srv.client("cloudtrail")
        make_trail_bucket(srv, "selective-bucket")
        ct.create_trail(Name="writes-only", S3BucketName="selective-bucket")
        ct.put_event_selectors(TrailName="writes-only", EventSelectors=[
            {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
        ct.start_logging(Name="writes-only")
        apprunner = srv.client("apprunner")
        apprunner.list_services()
        apprunner.create_connection(ConnectionName="write-event", ProviderType="GITHUB")
        srv.with_region("eu-west-1").client("apprunner").create_connection(
            ConnectionName="elsewhere", ProviderType="GITHUB")
        wait_for(lambda: any(r["eventName"] == "CreateConnection"
                             for _, r in delivered_records(srv, "selective-bucket")), what="delivery")
        records = [r for _, r in delivered_records(srv, "selective-bucket")]
        assert all(not r["readOnly"] for r in records), "a WriteOnly trail delivered a read-only event"
        assert not any(r["eventName"] == "ListServices" for r in records)
        assert all(r["awsRegion"] == "us-east-1" for r in records), "a single-region trail delivered another region"
        assert log_file_keys(srv, "selective-bucket", "eu-west-1") == []


def test_multi_region_trail_writes_one_subtree_per_region():
    with running_server(*FAST) as srv:
        ct = srv.client("cloudtrail")
        make_trail_bucket(srv, "multi-bucket")
        ct.create_trail(Name="everywhere", S3BucketName="multi-bucket", IsMultiRegionTrail=True)
        ct.start_logging(Name="everywhere")
        srv.with_region("eu-west-1").client("apprunner").create_connection(
            ConnectionName="in-ireland", ProviderType="GITHUB")
        wait_for(lambda: log_file_keys(srv, "multi-bucket", "eu-west-1"), what="eu-west-1 log files")
        records = [r for _, r in delivered_records(srv, "multi-bucket", "eu-west-1")]
        assert {r["awsRegion"] for r in records} == {"eu-west-1"}
        assert any(r["eventName"] == "CreateConnection" for r in records)


def test_each_record_is_delivered_once_and_get_trail_status_reports_it():
    with running_server(*FAST) as srv:
        ct = srv.client("cloudtrail")
        make_trail_bucket(srv, "once-bucket")
        ct.create_trail(Name="once", S3BucketName="once-bucket")
        ct.start_logging(Name="once")
        apprunner = srv.client("apprunner")
        for i in range(30):
            apprunner.list_services()
        time.sleep(2.5)
        for i in range(30):
            apprunner.list_services()
        status = wait_for(lambda: (s := ct.get_trail_status(Name="once")).get("LatestDeliveryTime") and s,
                          what="a delivery time")
        assert status["IsLogging"] is True
        assert "LatestDeliveryError" not in status
        ct.stop_logging(Name="once")
        stopped = ct.get_trail_status(Name="once")["StopLoggingTime"]
        wait_for(lambda: sum(r["eventName"] == "StopLogging"
                             for _, r in delivered_records(srv, "once-bucket")) == 1, what="final delivery")
        records = [r for _, r in delivered_records(srv, "once-bucket")]
        ids = [r["eventID"] for r in records]
        assert len(ids) == len(set(ids)), "a record was delivered twice"
        assert sum(r["eventName"] == "ListServices" for r in records) == 60
        assert len(log_file_keys(srv, "once-bucket")) >= 2
        time.sleep(2)
        after = [r for _, r in delivered_records(srv, "once-bucket")]
        assert len(after) == len(records), "a stopped trail kept delivering"
        assert stopped is not None


def test_digests_chain_hourly_periods_and_are_signed():
    with running_server(*FAST) as srv:
        ct = srv.client("cloudtrail")
        make_trail_bucket(srv, "digest-bucket")
        ct.create_trail(Name="signed", S3BucketName="digest-bucket", EnableLogFileValidation=True)
        ct.start_logging(Name="signed")
        srv.client("apprunner").list_services()
        wait_for(lambda: len(digest_keys(srv, "digest-bucket")) >= 3, timeout=40, what="three digests")
        keys = sorted(digest_keys(srv, "digest-bucket"))
        digests = [read_gzip_json(srv, "digest-bucket", k) for k in keys]
        assert digests[0]["previousDigestSignature"] is None, "the first digest starts the chain"
        for prev, cur, key in zip(digests, digests[1:], keys[1:]):
            assert cur["previousDigestS3Object"] == prev["digestS3Object"]
            assert cur["digestStartTime"] == prev["digestEndTime"]
            assert cur["digestS3Object"] == key
        head = srv.client("s3").head_object(Bucket="digest-bucket", Key=keys[0])
        assert head["Metadata"]["signature-algorithm"] == "SHA256withRSA"
        assert re.fullmatch(r"[0-9a-f]{512}", head["Metadata"]["signature"])
        fingerprints = {k["Fingerprint"] for k in ct.list_public_keys()["PublicKeyList"]}
        assert digests[0]["digestPublicKeyFingerprint"] in fingerprints
        listed = {f["s3Object"] for d in digests for f in d["logFiles"]}
        assert listed <= set(log_file_keys(srv, "digest-bucket"))
        assert ct.get_trail_status(Name="signed").get("LatestDigestDeliveryTime")


def test_a_failing_delivery_shows_in_get_trail_status_and_is_retried():
    with running_server(*FAST) as srv:
        ct = srv.client("cloudtrail")
        s3 = srv.client("s3")
        make_trail_bucket(srv, "vanishing-bucket")
        ct.create_trail(Name="retrying", S3BucketName="vanishing-bucket")
        ct.start_logging(Name="retrying")

        def bucket_gone():
            for key in [o["Key"] for o in s3.list_objects_v2(Bucket="vanishing-bucket").get("Contents", [])]:
                s3.delete_object(Bucket="vanishing-bucket", Key=key)
            try:
                s3.delete_bucket(Bucket="vanishing-bucket")
                return True
            except s3.exceptions.ClientError:
                return False  # a delivery landed in between
        wait_for(bucket_gone, what="the bucket to be deleted")
        srv.client("apprunner").create_connection(ConnectionName="undeliverable", ProviderType="GITHUB")
        status = wait_for(lambda: (s := ct.get_trail_status(Name="retrying")).get("LatestDeliveryError") and s,
                          what="a delivery error")
        assert status["LatestDeliveryError"] == "NoSuchBucket"
        assert status["LatestDeliveryAttemptTime"] >= status["LatestDeliveryAttemptSucceeded"]
        assert status["IsLogging"] is True

        make_trail_bucket(srv, "vanishing-bucket")
        wait_for(lambda: any(r["eventName"] == "CreateConnection"
                             for _, r in delivered_records(srv, "vanishing-bucket")), timeout=40,
                 what="the retried delivery")
        wait_for(lambda: "LatestDeliveryError" not in ct.get_trail_status(Name="retrying"),
                 what="the error to clear")
