"""The embedded bucket store's S3 API, driven by the real AWS CLI and boto3 (path-style, plain HTTP)."""

import datetime
import hashlib
import json
import os
import urllib.error
import urllib.request
import uuid
from unittest import mock
from urllib.parse import quote_plus, urlsplit

import botocore.config
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from signing import send
from s3_fixtures import bucket, bucket_name, error_of, s3  # noqa: F401 (fixtures)


def test_cli_round_trip_mb_cp_ls_rm(server, tmp_path):
    b = bucket_name("cli")
    assert f"make_bucket: {b}" in server.aws("s3", "mb", f"s3://{b}").stdout
    small = tmp_path / "small.txt"
    small.write_text("hello trail\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # over the 1 MiB API body limit, one PutObject
    server.aws("s3", "cp", str(small), f"s3://{b}/docs/small.txt")
    server.aws("s3", "cp", str(big), f"s3://{b}/data/big.bin")
    server.aws("s3", "cp", str(small), f"s3://{b}/top.txt")

    listing = server.aws("s3", "ls", f"s3://{b}").stdout
    assert "PRE docs/" in listing and "PRE data/" in listing and "top.txt" in listing
    recursive = server.aws("s3", "ls", "--recursive", f"s3://{b}").stdout
    assert [line.split()[-1] for line in recursive.splitlines()] == ["data/big.bin", "docs/small.txt", "top.txt"]
    assert str(3 * 1024 * 1024 + 17) in recursive
    prefixed = server.aws("s3", "ls", f"s3://{b}/docs/").stdout
    assert "small.txt" in prefixed and "big.bin" not in prefixed
    assert b in server.aws("s3", "ls").stdout

    down = tmp_path / "down.bin"
    server.aws("s3", "cp", f"s3://{b}/data/big.bin", str(down))
    assert down.read_bytes() == big.read_bytes()
    down_small = tmp_path / "down.txt"
    server.aws("s3", "cp", f"s3://{b}/docs/small.txt", str(down_small))
    assert down_small.read_text() == "hello trail\n"

    rb = server.aws("s3", "rb", f"s3://{b}", check=False)
    assert rb.returncode != 0 and "BucketNotEmpty" in rb.stderr
    server.aws("s3", "rm", f"s3://{b}/top.txt")
    assert "top.txt" not in server.aws("s3", "ls", "--recursive", f"s3://{b}").stdout
    server.aws("s3", "rm", "--recursive", f"s3://{b}")
    assert server.aws("s3", "ls", "--recursive", f"s3://{b}").stdout.strip() == ""
    server.aws("s3", "rb", f"s3://{b}")
    assert b not in server.aws("s3", "ls").stdout


def test_cli_sync_uploads_a_tree(server, tmp_path):
    b = bucket_name("sync")
    server.aws("s3", "mb", f"s3://{b}")
    tree = tmp_path / "tree"
    (tree / "x" / "y").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "x" / "y" / "b.txt").write_text("b")
    server.aws("s3", "sync", str(tree), f"s3://{b}/t")
    keys = [line.split()[-1] for line in server.aws("s3", "ls", "--recursive", f"s3://{b}").stdout.splitlines()]
    assert keys == ["t/a.txt", "t/x/y/b.txt"]
    # A second sync finds nothing to do.
    assert server.aws("s3", "sync", str(tree), f"s3://{b}/t").stdout.strip() == ""


def test_policy_and_location_with_the_cli(server):
    b = bucket_name("pol")
    server.aws("s3api", "create-bucket", "--bucket", b)
    loc = json.loads(server.aws("s3api", "get-bucket-location", "--bucket", b).stdout)
    assert loc.get("LocationConstraint") in (None, "")
    missing = server.aws("s3api", "get-bucket-policy", "--bucket", b, check=False)
    assert missing.returncode != 0 and "NoSuchBucketPolicy" in missing.stderr
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{b}/AWSLogs/*"}]}
    server.aws("s3api", "put-bucket-policy", "--bucket", b, "--policy", json.dumps(policy))
    got = json.loads(server.aws("s3api", "get-bucket-policy", "--bucket", b).stdout)
    assert json.loads(got["Policy"]) == policy
    bad = server.aws("s3api", "put-bucket-policy", "--bucket", b, "--policy", "not json", check=False)
    assert bad.returncode != 0 and "MalformedPolicy" in bad.stderr
    server.aws("s3api", "delete-bucket-policy", "--bucket", b)
    assert "NoSuchBucketPolicy" in server.aws("s3api", "get-bucket-policy", "--bucket", b, check=False).stderr

    eu = bucket_name("eu")
    server.aws("s3api", "create-bucket", "--bucket", eu,
               "--create-bucket-configuration", "LocationConstraint=eu-west-1")
    loc = json.loads(server.aws("s3api", "get-bucket-location", "--bucket", eu).stdout)
    assert loc["LocationConstraint"] == "eu-west-1"


def test_list_objects_markers_and_url_encoding_with_the_cli(server, s3, bucket):
    keys = ["a b.txt", "a+b.txt", "dir/one", "dir/two", "ключ.txt", "z%z"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    in_order = sorted(keys, key=lambda k: k.encode())
    # Asked for explicitly, url encoding reaches the user as sent (botocore decodes only when it asked itself).
    out = json.loads(server.aws("s3api", "list-objects", "--bucket", bucket, "--encoding-type", "url").stdout)
    assert [o["Key"] for o in out["Contents"]] == [quote_plus(k, safe="/") for k in in_order]
    assert out["Contents"][0]["Key"] == "a+b.txt" and out["Contents"][1]["Key"] == "a%2Bb.txt"
    # Without it, botocore sets encoding-type=url itself and decodes the keys again.
    out = json.loads(server.aws("s3api", "list-objects", "--bucket", bucket).stdout)
    assert [o["Key"] for o in out["Contents"]] == in_order
    out = json.loads(server.aws("s3api", "list-objects", "--bucket", bucket, "--marker", "dir/one",
                                "--delimiter", "/").stdout)
    assert [o["Key"] for o in out["Contents"]] == ["z%z", "ключ.txt"]
    assert "CommonPrefixes" not in out  # dir/ lies before the marker
    out = json.loads(server.aws("s3api", "list-objects", "--bucket", bucket, "--delimiter", "/").stdout)
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["dir/"]

    raw = s3.list_objects(Bucket=bucket, EncodingType="url", Prefix="a", Delimiter="/")
    assert raw["EncodingType"] == "url"
    assert [o["Key"] for o in raw["Contents"]] == ["a+b.txt", "a%2Bb.txt"]


def test_list_objects_v2_paging_with_the_cli(server, s3, bucket):
    keys = [f"p/{i:03d}" for i in range(23)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    out = json.loads(server.aws("s3api", "list-objects-v2", "--bucket", bucket, "--page-size", "5").stdout)
    assert [o["Key"] for o in out["Contents"]] == keys
    first = json.loads(server.aws("s3api", "list-objects-v2", "--bucket", bucket, "--max-items", "7",
                                  "--page-size", "3").stdout)
    assert [o["Key"] for o in first["Contents"]] == keys[:7]
    rest = json.loads(server.aws("s3api", "list-objects-v2", "--bucket", bucket, "--starting-token",
                                 first["NextToken"], "--page-size", "4").stdout)
    assert [o["Key"] for o in rest["Contents"]] == keys[7:]
    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=10, StartAfter="p/015", FetchOwner=True)
    assert page["KeyCount"] == 7 and not page["IsTruncated"]
    assert page["Contents"][0]["Owner"]["ID"] == server.account_id


def test_metadata_round_trips_in_lower_case(s3, bucket):
    s3.put_object(Bucket=bucket, Key="m", Body=b"{}", ContentType="application/json",
                  Metadata={"Signature": "ABC123", "signing-algorithm": "SHA256withRSA"})
    head = s3.head_object(Bucket=bucket, Key="m")
    assert head["Metadata"] == {"signature": "ABC123", "signing-algorithm": "SHA256withRSA"}
    assert head["ContentType"] == "application/json" and head["ContentLength"] == 2
    raw = head["ResponseMetadata"]["HTTPHeaders"]
    assert raw["x-amz-meta-signature"] == "ABC123"
    got = s3.get_object(Bucket=bucket, Key="m")
    assert got["Body"].read() == b"{}" and got["Metadata"]["signature"] == "ABC123"
    assert got["ETag"] == f'"{hashlib.md5(b"{}").hexdigest()}"'


def test_ranges_and_conditional_reads(s3, bucket):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="r", Range="bytes=2-5")
    assert part["Body"].read() == b"2345" and part["ContentRange"] == "bytes 2-5/10"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-3")["Body"].read() == b"789"
    assert error_of(s3.get_object, Bucket=bucket, Key="r", Range="bytes=10-")[1] == 416
    etag = s3.head_object(Bucket=bucket, Key="r")["ETag"]
    assert error_of(s3.get_object, Bucket=bucket, Key="r", IfMatch='"nope"') == ("PreconditionFailed", 412)
    assert error_of(s3.get_object, Bucket=bucket, Key="r", IfNoneMatch=etag)[1] == 304
    assert s3.get_object(Bucket=bucket, Key="r", IfMatch=etag)["Body"].read() == b"0123456789"


def test_modeled_errors(server, s3, bucket):
    assert error_of(s3.head_bucket, Bucket="no-such-bucket-here")[1] == 404
    assert error_of(s3.list_objects, Bucket="no-such-bucket-here") == ("NoSuchBucket", 404)
    assert error_of(s3.get_object, Bucket=bucket, Key="missing") == ("NoSuchKey", 404)
    assert error_of(s3.head_object, Bucket=bucket, Key="missing")[1] == 404
    assert error_of(s3.create_bucket, Bucket=bucket) == ("BucketAlreadyOwnedByYou", 409)
    assert error_of(s3.create_bucket, Bucket="Not_Valid") == ("InvalidBucketName", 400)
    assert error_of(s3.create_bucket, Bucket="192.168.1.1") == ("InvalidBucketName", 400)
    assert error_of(s3.get_bucket_policy, Bucket=bucket) == ("NoSuchBucketPolicy", 404)
    s3.put_object(Bucket=bucket, Key="x", Body=b"x")
    assert error_of(s3.delete_bucket, Bucket=bucket) == ("BucketNotEmpty", 409)
    assert error_of(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"") == ("KeyTooLongError", 400)
    # Deleting is idempotent.
    s3.delete_object(Bucket=bucket, Key="x")
    assert s3.delete_object(Bucket=bucket, Key="x")["ResponseMetadata"]["HTTPStatusCode"] == 204
    # A sub-resource trailrunner does not implement answers 501, never a fake success.
    assert error_of(s3.get_bucket_versioning, Bucket=bucket) == ("NotImplemented", 501)
    assert error_of(s3.put_bucket_tagging, Bucket=bucket,
                    Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}) == ("NotImplemented", 501)
    # A checksum that does not match the body.
    assert error_of(s3.put_object, Bucket=bucket, Key="c", Body=b"abc",
                    ChecksumCRC32="AAAAAA==") == ("BadDigest", 400)
    assert error_of(s3.put_object, Bucket=bucket, Key="c", Body=b"abc",
                    ContentMD5="XUFAKrxLKna5cZ2REBfFkg==") == ("BadDigest", 400)


def test_location_constraint_from_boto3(server):
    eu = server.with_region("eu-central-1").client("s3")
    b = bucket_name("loc")
    eu.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    assert eu.get_bucket_location(Bucket=b)["LocationConstraint"] == "eu-central-1"
    assert eu.head_bucket(Bucket=b)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-central-1"
    assert error_of(eu.create_bucket, Bucket=bucket_name())[0] == "IllegalLocationConstraintException"


def test_delete_objects(s3, bucket):
    for k in ["d/1", "d/2", "keep"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/1"}, {"Key": "d/2"}, {"Key": "gone"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["d/1", "d/2", "gone"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]


def test_presigned_get_and_put(server, bucket):
    # Presigned URLs with SigV4 (botocore presigns S3 with SigV2 unless told otherwise; SigV2 is refused).
    s3 = server.client("s3", config=botocore.config.Config(signature_version="s3v4"))
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre/s.txt"}, ExpiresIn=60)
    req = urllib.request.Request(put_url, data=b"presigned body", method="PUT")
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/s.txt"}, ExpiresIn=60)
    with urllib.request.urlopen(get_url) as resp:
        assert resp.read() == b"presigned body"

    v2_url = server.client("s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/s.txt"})
    assert "AWSAccessKeyId=" in v2_url
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(v2_url)
    assert e.value.code == 400 and b"Please use AWS4-HMAC-SHA256" in e.value.read()

    # Tampered: another key under the same signature.
    tampered = get_url.replace("pre/s.txt", "pre/t.txt")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(tampered)
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()

    # Expired: signed an hour ago for 60 seconds.
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    with mock.patch("botocore.auth.get_current_datetime", return_value=past):
        old_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/s.txt"},
                                            ExpiresIn=60)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(old_url)
    body = e.value.read()
    assert e.value.code == 403 and b"AccessDenied" in body and b"Request has expired" in body


class UnsignedPayloadAuth(S3SigV4Auth):
    def _should_sha256_sign_payload(self, request):
        return False


def test_unsigned_payload_is_accepted_for_objects(server, s3, bucket):
    url = f"{server.endpoint}/{bucket}/unsigned.bin"
    req = AWSRequest(method="PUT", url=url, data=b"not hashed")
    UnsignedPayloadAuth(Credentials(server.access_key_id, server.secret_access_key), "s3",
                        "us-east-1").add_auth(req)
    prepared = req.prepare()
    assert prepared.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    status, _, body = send(server, "PUT", urlsplit(prepared.url).path, dict(prepared.headers), b"not hashed")
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="unsigned.bin")["Body"].read() == b"not hashed"


def test_wrong_signature_and_unknown_key_are_refused(server, bucket):
    wrong = server.client("s3", aws_secret_access_key="x" * 40)
    assert error_of(wrong.list_objects_v2, Bucket=bucket) == ("SignatureDoesNotMatch", 403)
    unknown = server.client("s3", aws_access_key_id="AKIAIOSFODNN7EXAMPLE")
    assert error_of(unknown.list_objects_v2, Bucket=bucket) == ("InvalidAccessKeyId", 403)
    # A HEAD refusal has no body.
    status, headers, body = send(server, "HEAD", f"/{bucket}")
    assert status == 403 and body == b""


def test_iam_users_are_held_to_their_policies(server, s3, bucket):
    iam = server.client("iam")
    user = f"s3user-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("s3", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])
    # No policy: nothing.
    assert error_of(as_user.list_objects_v2, Bucket=bucket) == ("AccessDenied", 403)
    assert error_of(as_user.put_object, Bucket=bucket, Key="u", Body=b"u") == ("AccessDenied", 403)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{bucket}/u/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"}]}))
    as_user.put_object(Bucket=bucket, Key="u/1", Body=b"mine")
    assert as_user.get_object(Bucket=bucket, Key="u/1")["Body"].read() == b"mine"
    assert [o["Key"] for o in as_user.list_objects_v2(Bucket=bucket)["Contents"]] == ["u/1"]
    assert error_of(as_user.put_object, Bucket=bucket, Key="other", Body=b"x") == ("AccessDenied", 403)
    assert error_of(as_user.delete_object, Bucket=bucket, Key="u/1") == ("AccessDenied", 403)
    assert error_of(as_user.get_bucket_location, Bucket=bucket) == ("AccessDenied", 403)
