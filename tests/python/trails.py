"""Helpers for trail tests: a bucket CloudTrail may deliver to, reading what a trail delivered, and a signed day
of trail files made by the `trail_fixture` example."""

import gzip
import json
import os
import time
from pathlib import Path

from conftest import REPO

EXAMPLES = Path(os.environ.get("TRAILRUNNER_EXAMPLES", REPO / "target" / "debug" / "examples"))


def example(name):
    path = EXAMPLES / name
    assert path.exists(), f"{path} missing: cargo build -p trailrunner -p trailrunner-buckets --examples"
    return str(path)


def upload_folder(client, bucket, folder):
    """Put every object of a `--local-dir` folder, its `.metadata.json` sidecar as user metadata."""
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.endswith(".metadata.json"):
            continue
        key = path.relative_to(folder).as_posix()
        sidecar = path.with_name(path.name + ".metadata.json")
        metadata = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=metadata)


def cloudtrail_bucket_policy(bucket, account_id, prefix=None):
    """The bucket policy CloudTrail's documentation gives for a trail's bucket."""
    logs = f"arn:aws:s3:::{bucket}/{prefix + '/' if prefix else ''}AWSLogs/{account_id}/*"
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck20150319",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "AWSCloudTrailWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": logs,
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    })


def make_trail_bucket(srv, bucket, prefix=None):
    s3 = srv.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, srv.account_id, prefix))


def keys_under(srv, bucket, prefix):
    s3 = srv.client("s3")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def log_file_keys(srv, bucket, region="us-east-1"):
    return [k for k in keys_under(srv, bucket, f"AWSLogs/{srv.account_id}/CloudTrail/{region}/")]


def digest_keys(srv, bucket, region="us-east-1"):
    return keys_under(srv, bucket, f"AWSLogs/{srv.account_id}/CloudTrail-Digest/{region}/")


def read_gzip_json(srv, bucket, key):
    body = srv.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(gzip.decompress(body))


def delivered_records(srv, bucket, region="us-east-1"):
    """Every record in every log file of the region, with the key of the file it came from."""
    out = []
    for key in log_file_keys(srv, bucket, region):
        for record in read_gzip_json(srv, bucket, key)["Records"]:
            out.append((key, record))
    return out


def wait_for(predicate, timeout=30, interval=0.25, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
