"""External buckets on a real S3-compatible server (moto's, on 127.0.0.1 at a port chosen at run time):
`ExternalBuckets` writes objects with user metadata that boto3 reads back, tells a missing bucket from an
existing one, and `trailrunner validate-logs --s3-endpoint` validates a signed trail stored there, then reports
tampering as the AWS CLI would."""

import gzip
import json
import os
import subprocess

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conftest import BIN
from trails import example, upload_folder

CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def moto():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def external(endpoint, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | CREDS
    return subprocess.run([example("external_buckets"), endpoint, *args], env=env, capture_output=True, text=True)


def test_external_buckets_write_with_metadata_and_check_existence(moto, tmp_path):
    client = s3(moto)
    client.create_bucket(Bucket="delivery-target")
    body = tmp_path / "digest.json.gz"
    body.write_bytes(gzip.compress(b'{"hello":"world"}'))

    out = external(moto, "put", "delivery-target", "AWSLogs/111122223333/x.json.gz", str(body),
                   "signature=0a1b2c", "Signature-Algorithm=SHA256withRSA")
    assert out.returncode == 0, out.stderr
    got = client.get_object(Bucket="delivery-target", Key="AWSLogs/111122223333/x.json.gz")
    assert got["Body"].read() == body.read_bytes()
    # Lower-case names, as validate-logs requires (botocore keeps the header's case).
    assert got["Metadata"] == {"signature": "0a1b2c", "signature-algorithm": "SHA256withRSA"}

    out = external(moto, "bucket", "delivery-target")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {
        "name": "delivery-target", "region": "us-east-1", "owner_account": None, "policy": None,
        "policy_known": False,
    }
    out = external(moto, "bucket", "no-such-bucket")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) is None

    out = external(moto, "put", "no-such-bucket", "k", str(body))
    assert out.returncode == 1
    assert "does not exist" in out.stderr


def test_validate_logs_against_an_s3_endpoint(moto, tmp_path):
    folder, keys = tmp_path / "bucket", tmp_path / "public-keys.json"
    made = subprocess.run(
        [example("trail_fixture"), str(folder), str(keys), "--hours", "4", "--logs-per-hour", "3",
         "--records-per-log", "20", "--bucket", "moto-trail"],
        check=True, capture_output=True, text=True,
    ).stdout
    facts = dict(line.split("=", 1) for line in made.splitlines())
    client = s3(moto)
    client.create_bucket(Bucket="moto-trail")
    upload_folder(client, "moto-trail", folder)

    def validate(*extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TRAILRUNNER_"))} | CREDS
        env["TRAILRUNNER_DATA_DIR"] = str(tmp_path / "no-server")
        return subprocess.run(
            [BIN, "validate-logs", "--trail-arn", facts["TRAIL_ARN"], "--start-time", facts["START"],
             "--end-time", facts["END"], "--s3-bucket", "moto-trail", "--s3-endpoint", moto,
             "--public-keys", str(keys), *extra],
            env=env, capture_output=True, text=True,
        )

    out = validate("--verbose")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == ""
    assert "\n4/4 digest files valid\n12/12 log files valid\n" in out.stdout

    listed = client.list_objects_v2(Bucket="moto-trail", Prefix="AWSLogs/111122223333/CloudTrail/")["Contents"]
    logs = sorted(o["Key"] for o in listed)
    changed, deleted = logs[-1], logs[0]
    original = gzip.decompress(client.get_object(Bucket="moto-trail", Key=changed)["Body"].read())
    client.put_object(Bucket="moto-trail", Key=changed, Body=gzip.compress(original.replace(b"deployer", b"intruder")))
    client.delete_object(Bucket="moto-trail", Key=deleted)
    digests = sorted(o["Key"] for o in client.list_objects_v2(
        Bucket="moto-trail", Prefix="AWSLogs/111122223333/CloudTrail-Digest/")["Contents"])
    # The newest digest re-uploaded without its signature metadata.
    newest = client.get_object(Bucket="moto-trail", Key=digests[-1])["Body"].read()
    client.put_object(Bucket="moto-trail", Key=digests[-1], Body=newest)

    out = validate()
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"Digest file\ts3://moto-trail/{digests[-1]}\tINVALID: signature verification failed\n" in out.stderr
    assert f"Log file\ts3://moto-trail/{deleted}\tINVALID: not found\n" in out.stderr
    # The changed log file is listed by the newest digest, whose signature no longer verifies: not checked.
    assert changed not in out.stderr
    assert "\n3/4 digest files valid, 1/4 digest files INVALID\n8/9 log files valid, 1/9 log files INVALID\n" in out.stdout

    client.put_object(Bucket="moto-trail", Key=digests[-1], Body=newest,
                      Metadata=json.loads((folder / (digests[-1] + ".metadata.json")).read_text()))
    out = validate()
    assert out.returncode == 1
    assert f"Log file\ts3://moto-trail/{changed}\tINVALID: hash value doesn't match\n" in out.stderr
    assert "\n4/4 digest files valid\n10/12 log files valid, 2/12 log files INVALID\n" in out.stdout


def test_a_trail_delivers_to_an_external_bucket_and_validates_there(moto):
    """The server delivers a trail's log files and digests to a bucket on moto's S3 server (`--external-bucket`);
    both `aws cloudtrail validate-logs` (S3 pointed at moto) and `trailrunner validate-logs --s3-endpoint` accept
    them."""
    import time
    from datetime import datetime, timedelta, timezone

    from conftest import running_server
    from trails import wait_for

    client = s3(moto)
    client.create_bucket(Bucket="external-trail")
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    with running_server("--delivery-interval", "1", "--digest-interval", "2",
                        "--external-bucket", f"external-trail={moto}",
                        "--external-s3-access-key-id", "testing", "--external-s3-secret-access-key", "testing",
                        "--external-s3-region", "us-east-1") as srv:
        ct = srv.client("cloudtrail")
        arn = ct.create_trail(Name="outside", S3BucketName="external-trail",
                              EnableLogFileValidation=True)["TrailARN"]
        ct.start_logging(Name="outside")
        srv.client("apprunner").create_connection(ConnectionName="to-moto", ProviderType="GITHUB")

        def delivered():
            listing = client.list_objects_v2(Bucket="external-trail", Prefix=f"AWSLogs/{srv.account_id}/CloudTrail/")
            records = []
            for o in listing.get("Contents", []):
                body = client.get_object(Bucket="external-trail", Key=o["Key"])["Body"].read()
                records += json.loads(gzip.decompress(body))["Records"]
            return [r for r in records if r["eventName"] == "CreateConnection"]
        assert wait_for(delivered, timeout=30, what="log files on moto")[0]["eventSource"] == "apprunner.amazonaws.com"
        time.sleep(4.5)  # two digest periods
        ct.stop_logging(Name="outside")
        wait_for(lambda: (s := ct.get_trail_status(Name="outside")).get("LatestDigestDeliveryTime", 0)
                 >= s["StopLoggingTime"], timeout=30, what="the final digest")
        time.sleep(2.5)

        when = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        env = srv.cli_env(AWS_ENDPOINT_URL_S3=moto)
        cli = srv.aws("cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", when, env=env, check=False)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        assert "digest files valid" in cli.stdout and "INVALID" not in cli.stdout + cli.stderr
        ours = subprocess.run([BIN, "validate-logs", "--data-dir", str(srv.data_dir), "--trail-arn", arn,
                               "--start-time", when, "--s3-endpoint", moto],
                              # the data dir's root key signs both; moto accepts any key
                              env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
                              capture_output=True, text=True, timeout=120)
        assert ours.returncode == 0, ours.stdout + ours.stderr
        counts = [line for line in cli.stdout.splitlines() if " files valid" in line]
        assert counts and counts == [line for line in ours.stdout.splitlines() if " files valid" in line]
