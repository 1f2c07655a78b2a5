"""Multipart upload on the embedded bucket store, driven by the real AWS CLI (`aws s3 cp` above 8 MiB) and boto3."""

import hashlib
import json
import os
import uuid

from s3_fixtures import bucket, bucket_name, error_of, s3  # noqa: F401 (fixtures)

MIB = 1024 * 1024


def multipart_etag(parts):
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def test_cli_copies_a_20_mib_file_up_and_down(server, tmp_path):
    b = bucket_name("cli")
    server.aws("s3", "mb", f"s3://{b}")
    data = os.urandom(20 * MIB)
    up = tmp_path / "big.bin"
    up.write_bytes(data)
    server.aws("s3", "cp", str(up), f"s3://{b}/data/big.bin")
    head = json.loads(server.aws("s3api", "head-object", "--bucket", b, "--key", "data/big.bin").stdout)
    # The CLI's default chunks are 8 MiB: 8 + 8 + 4.
    assert head["ETag"].endswith('-3"')
    assert head["ETag"] == multipart_etag([data[:8 * MIB], data[8 * MIB:16 * MIB], data[16 * MIB:]])
    assert head["ContentLength"] == len(data)
    # Down again: the CLI heads the object and fetches it in ranged GETs, in parallel.
    down = tmp_path / "down.bin"
    server.aws("s3", "cp", f"s3://{b}/data/big.bin", str(down))
    assert down.read_bytes() == data
    # Nothing is left in progress.
    uploads = json.loads(server.aws("s3api", "list-multipart-uploads", "--bucket", b).stdout or "{}")
    assert not uploads.get("Uploads")
    server.aws("s3", "rm", f"s3://{b}/data/big.bin")
    server.aws("s3", "rb", f"s3://{b}")


def test_boto3_upload_file_and_download_file(server, s3, bucket, tmp_path):
    data = os.urandom(11 * MIB + 5)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "via/upload_file", ExtraArgs={"Metadata": {"origin": "boto3"}})
    head = s3.head_object(Bucket=bucket, Key="via/upload_file")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-2"')  # boto3's default chunk is 8 MiB too
    assert head["Metadata"] == {"origin": "boto3"}
    dst = tmp_path / "dst.bin"
    s3.download_file(bucket, "via/upload_file", str(dst))
    assert dst.read_bytes() == data


def test_low_level_upload_keeps_metadata_and_lists(s3, bucket):
    key = "low/level.csv"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="text/csv",
                                    Metadata={"Owner-Team": "trails"})
    upload_id = up["UploadId"]
    assert up["Bucket"] == bucket and up["Key"] == key and len(upload_id) >= 32
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"the end"]
    etags = []
    for n, body in enumerate(parts, start=1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body)
        assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
        etags.append(r["ETag"])

    listed = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == [
        (n, etags[n - 1], len(parts[n - 1])) for n in (1, 2, 3)]
    assert listed["IsTruncated"] is False
    page = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, MaxParts=1, PartNumberMarker=1)
    assert [p["PartNumber"] for p in page["Parts"]] == [2]
    assert page["IsTruncated"] is True and page["NextPartNumberMarker"] == 2

    other = s3.create_multipart_upload(Bucket=bucket, Key="low/other")["UploadId"]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert sorted((u["Key"], u["UploadId"]) for u in uploads) == sorted(
        [(key, upload_id), ("low/other", other)])
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=1)
    assert first["IsTruncated"] is True and len(first["Uploads"]) == 1
    rest = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=first["NextKeyMarker"],
                                     UploadIdMarker=first["NextUploadIdMarker"])
    assert len(rest["Uploads"]) == 1 and rest["Uploads"][0]["UploadId"] != first["Uploads"][0]["UploadId"]
    assert s3.list_multipart_uploads(Bucket=bucket, Prefix="low/o")["Uploads"][0]["UploadId"] == other

    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]})
    assert done["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == b"".join(parts)
    assert got["ContentType"] == "text/csv"
    assert got["Metadata"] == {"owner-team": "trails"}
    assert got["ETag"] == done["ETag"]
    ranged = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={10 * MIB}-")
    assert ranged["Body"].read() == b"the end"

    # The completed upload is gone; aborting the other one makes it NoSuchUpload.
    assert error_of(s3.list_parts, Bucket=bucket, Key=key, UploadId=upload_id) == ("NoSuchUpload", 404)
    assert s3.abort_multipart_upload(Bucket=bucket, Key="low/other",
                                     UploadId=other)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(s3.abort_multipart_upload, Bucket=bucket, Key="low/other", UploadId=other) == (
        "NoSuchUpload", 404)
    assert error_of(s3.upload_part, Bucket=bucket, Key="low/other", UploadId=other, PartNumber=1,
                    Body=b"x") == ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_completion_errors(s3, bucket):
    key = "errs"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    small = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"small")["ETag"]
    last = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=2, Body=b"last")["ETag"]

    def complete(parts):
        return error_of(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id,
                        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

    assert complete([(1, small), (2, last)]) == ("EntityTooSmall", 400)
    assert complete([(1, last)]) == ("InvalidPart", 400)
    assert complete([(7, small)]) == ("InvalidPart", 400)
    assert complete([(2, last), (1, small)]) == ("InvalidPartOrder", 400)
    assert error_of(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=10001,
                    Body=b"x") == ("InvalidArgument", 400)
    assert error_of(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=3,
                    Body=b"abc", ChecksumCRC32="AAAAAA==") == ("BadDigest", 400)
    assert error_of(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=3,
                    Body=b"abc", ContentMD5="XUFAKrxLKna5cZ2REBfFkg==") == ("BadDigest", 400)
    assert error_of(s3.list_parts, Bucket=bucket, Key=key, UploadId="0" * 64) == ("NoSuchUpload", 404)
    assert error_of(s3.list_parts, Bucket=bucket, Key="another-key", UploadId=upload_id) == (
        "NoSuchUpload", 404)
    assert error_of(s3.create_multipart_upload, Bucket="no-such-bucket-here", Key=key) == (
        "NoSuchBucket", 404)
    # Nothing above consumed the upload: the last part alone completes it.
    done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": small}]})
    assert done["ETag"] == multipart_etag([b"small"])
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"small"


def test_a_part_over_the_object_limit_is_too_large(tmp_path):
    from conftest import running_server
    with running_server("--max-object-bytes", str(MIB)) as srv:
        s3 = srv.client("s3")
        b = bucket_name("mp")
        s3.create_bucket(Bucket=b)
        upload_id = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
        code, status = error_of(s3.upload_part, Bucket=b, Key="k", UploadId=upload_id, PartNumber=1,
                                Body=b"x" * (MIB + 1))
        assert status in (400, 413), code
        s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=upload_id)


def test_deleting_a_bucket_discards_its_uploads(s3):
    b = bucket_name("del")
    s3.create_bucket(Bucket=b)
    upload_id = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
    s3.upload_part(Bucket=b, Key="k", UploadId=upload_id, PartNumber=1, Body=b"part")
    s3.delete_bucket(Bucket=b)
    s3.create_bucket(Bucket=b)
    assert error_of(s3.list_parts, Bucket=b, Key="k", UploadId=upload_id) == ("NoSuchUpload", 404)
    s3.delete_bucket(Bucket=b)


def test_iam_actions_of_multipart(server, s3, bucket):
    iam = server.client("iam")
    user = f"mpuser-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("s3", aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/u/*"}]}))
    upload_id = as_user.create_multipart_upload(Bucket=bucket, Key="u/1")["UploadId"]
    as_user.upload_part(Bucket=bucket, Key="u/1", UploadId=upload_id, PartNumber=1, Body=b"p")
    assert error_of(as_user.create_multipart_upload, Bucket=bucket, Key="other") == ("AccessDenied", 403)
    assert error_of(as_user.list_parts, Bucket=bucket, Key="u/1", UploadId=upload_id) == ("AccessDenied", 403)
    assert error_of(as_user.list_multipart_uploads, Bucket=bucket) == ("AccessDenied", 403)
    assert error_of(as_user.abort_multipart_upload, Bucket=bucket, Key="u/1", UploadId=upload_id) == (
        "AccessDenied", 403)
    iam.put_user_policy(UserName=user, PolicyName="p2", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
             "Resource": f"arn:aws:s3:::{bucket}/u/*"},
            {"Effect": "Allow", "Action": "s3:ListBucketMultipartUploads", "Resource": f"arn:aws:s3:::{bucket}"}]}))
    assert len(as_user.list_parts(Bucket=bucket, Key="u/1", UploadId=upload_id)["Parts"]) == 1
    assert as_user.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["UploadId"] == upload_id
    as_user.abort_multipart_upload(Bucket=bucket, Key="u/1", UploadId=upload_id)


def test_an_object_larger_than_one_read_is_read_in_ranges(tmp_path):
    """A multipart upload can make an object larger than `--max-object-bytes`; a single GetObject of more than that
    is refused (it would be held in memory whole), while ranged reads, which the AWS CLI uses, work."""
    from conftest import running_server
    with running_server("--max-object-bytes", str(6 * MIB)) as srv:
        s3 = srv.client("s3")
        b = bucket_name("big")
        s3.create_bucket(Bucket=b)
        parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(MIB)]
        upload_id = s3.create_multipart_upload(Bucket=b, Key="big")["UploadId"]
        etags = [s3.upload_part(Bucket=b, Key="big", UploadId=upload_id, PartNumber=i + 1, Body=p)["ETag"]
                 for i, p in enumerate(parts)]
        s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=upload_id, MultipartUpload={
            "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
        code, status = error_of(s3.get_object, Bucket=b, Key="big")
        assert (code, status) == ("NotImplemented", 501)
        whole = b"".join(parts)
        first = s3.get_object(Bucket=b, Key="big", Range=f"bytes=0-{6 * MIB - 1}")["Body"].read()
        rest = s3.get_object(Bucket=b, Key="big", Range=f"bytes={6 * MIB}-")["Body"].read()
        assert first + rest == whole
        target = tmp_path / "big"
        from boto3.s3.transfer import TransferConfig
        # Ranges of 4 MiB, under this server's 6 MiB (the defaults are 8 MiB ranges and a 64 MiB limit).
        s3.download_file(b, "big", str(target), Config=TransferConfig(multipart_chunksize=4 * MIB))
        assert target.read_bytes() == whole
