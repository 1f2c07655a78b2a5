"""The issue's scenario with the AWS CLI only: a bucket, a trail with log file validation, some App Runner calls
over several digest periods, and `aws cloudtrail validate-logs` (the installed awscli, S3 pointed at trailrunner)
says every digest and log file is valid. Then one log file is altered, one deleted and one digest altered: the CLI
reports each and exits 1."""

import gzip
import json
import os
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import subprocess

from conftest import BIN, running_server
from trails import cloudtrail_bucket_policy, digest_keys, example, read_gzip_json, upload_folder, wait_for

FAST = ("--lifecycle-delay", "100ms", "--delivery-interval", "1", "--digest-interval", "2")
BUCKET = "validated-trail-bucket"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_trail(srv, env):
    srv.aws("s3", "mb", f"s3://{BUCKET}", env=env)
    srv.aws("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy",
            cloudtrail_bucket_policy(BUCKET, srv.account_id), env=env)
    trail = json.loads(srv.aws("cloudtrail", "create-trail", "--name", "validated", "--s3-bucket-name", BUCKET,
                               "--enable-log-file-validation", env=env).stdout)
    srv.aws("cloudtrail", "start-logging", "--name", "validated", env=env)
    for i in range(4):  # calls spread over several digest periods
        srv.aws("apprunner", "create-connection", "--connection-name", f"validated-{i}",
                "--provider-type", "GITHUB", env=env)
        srv.aws("apprunner", "list-services", env=env)
        time.sleep(1.5)
    srv.aws("cloudtrail", "stop-logging", "--name", "validated", env=env)

    def final_digests_written():
        status = json.loads(srv.aws("cloudtrail", "get-trail-status", "--name", "validated", env=env).stdout)
        return status.get("LatestDigestDeliveryTime", 0) >= status["StopLoggingTime"]
    wait_for(final_digests_written, timeout=30, what="digests after StopLogging")

    def settled():
        # A stopped trail writes its final digest and then nothing more: the set stays the same over more than a
        # digest period.
        before = sorted(digest_keys(srv, BUCKET))
        time.sleep(2.5)
        after = sorted(digest_keys(srv, BUCKET))
        return after if before == after else None
    keys = wait_for(settled, timeout=30, what="the digest chain to end")
    return trail["TrailARN"], keys


def validate(srv, env, arn, start):
    return srv.aws("cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", iso(start), "--verbose",
                   env=env, check=False)


def trailrunner_validate(srv, arn, start):
    return subprocess.run([BIN, "validate-logs", "--data-dir", str(srv.data_dir), "--trail-arn", arn,
                           "--start-time", iso(start), "--verbose"],
                          capture_output=True, text=True, timeout=120)


def summary(stdout):
    """The count lines both tools print at the end."""
    return [line for line in stdout.splitlines() if re.match(r"\d+/\d+ ", line)]


def verdicts(stderr):
    return sorted(line for line in stderr.splitlines() if "INVALID" in line)


def test_aws_cli_validate_logs_accepts_the_chain_and_catches_tampering():
    with running_server(*FAST) as srv:
        env = srv.cli_env()
        start = datetime.now(timezone.utc) - timedelta(minutes=1)
        arn, keys = run_trail(srv, env)
        assert len(keys) >= 4, f"expected several digest periods, got {keys}"

        ok = validate(srv, env, arn, start)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        digests = [read_gzip_json(srv, BUCKET, k) for k in keys]
        log_files = [f["s3Object"] for d in digests for f in d["logFiles"]]
        assert len(log_files) >= 3
        assert f"{len(keys)}/{len(keys)} digest files valid" in ok.stdout, ok.stdout
        assert f"{len(log_files)}/{len(log_files)} log files valid" in ok.stdout, ok.stdout
        assert "INVALID" not in ok.stdout + ok.stderr
        ours = trailrunner_validate(srv, arn, start)
        assert ours.returncode == 0, ours.stdout + ours.stderr
        assert len(summary(ok.stdout)) == 2 and summary(ours.stdout) == summary(ok.stdout)

        # Tamper: alter a log file, delete another (listed by different digests), alter a digest with no logs
        # of those two.
        with_logs = [d for d in digests if d["logFiles"]]
        altered_log = with_logs[0]["logFiles"][0]["s3Object"]
        deleted_log = with_logs[-1]["logFiles"][-1]["s3Object"]
        untouched = [d for d in digests if altered_log not in {f["s3Object"] for f in d["logFiles"]}
                     and deleted_log not in {f["s3Object"] for f in d["logFiles"]}]
        altered_digest = untouched[len(untouched) // 2]["digestS3Object"]
        s3 = srv.client("s3")
        body = json.loads(gzip.decompress(s3.get_object(Bucket=BUCKET, Key=altered_log)["Body"].read()))
        body["Records"][0]["sourceIPAddress"] = "198.51.100.66"
        s3.put_object(Bucket=BUCKET, Key=altered_log, Body=gzip.compress(json.dumps(body).encode()))
        srv.aws("s3", "rm", f"s3://{BUCKET}/{deleted_log}", env=env)
        original = s3.get_object(Bucket=BUCKET, Key=altered_digest)
        digest = json.loads(gzip.decompress(original["Body"].read()))
        digest["digestStartTime"] = digest["digestStartTime"].replace("Z", "Z ")
        s3.put_object(Bucket=BUCKET, Key=altered_digest, Body=gzip.compress(json.dumps(digest).encode()),
                      Metadata=original["Metadata"])

        bad = validate(srv, env, arn, start)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        errors = bad.stderr
        assert re.search(rf"Log file\ts3://{BUCKET}/{re.escape(altered_log)}\tINVALID: hash value doesn't match",
                         errors), errors
        assert re.search(rf"Log file\ts3://{BUCKET}/{re.escape(deleted_log)}\tINVALID: not found", errors), errors
        assert re.search(rf"Digest file\ts3://{BUCKET}/{re.escape(altered_digest)}\tINVALID: "
                         r"signature verification failed", errors), errors
        assert f"{len(keys) - 1}/{len(keys)} digest files valid, 1/{len(keys)} digest files INVALID" in bad.stdout
        ours = trailrunner_validate(srv, arn, start)
        assert ours.returncode == 1, ours.stdout + ours.stderr
        assert summary(ours.stdout) == summary(bad.stdout), ours.stdout
        assert len(verdicts(bad.stderr)) == 3 and verdicts(ours.stderr) == verdicts(bad.stderr)


def test_digests_stay_valid_across_a_key_rotation():
    """Keys rotate (`--digest-key-rotation`); ListPublicKeys keeps publishing the old one for its validity period,
    so the AWS CLI validates digests signed by either."""
    with running_server("--delivery-interval", "1", "--digest-interval", "1", "--digest-key-rotation", "3s") as srv:
        env = srv.cli_env()
        start = datetime.now(timezone.utc) - timedelta(minutes=1)
        srv.aws("s3", "mb", f"s3://{BUCKET}", env=env)
        srv.aws("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy",
                cloudtrail_bucket_policy(BUCKET, srv.account_id), env=env)
        arn = json.loads(srv.aws("cloudtrail", "create-trail", "--name", "rotating", "--s3-bucket-name", BUCKET,
                                 "--enable-log-file-validation", env=env).stdout)["TrailARN"]
        srv.aws("cloudtrail", "start-logging", "--name", "rotating", env=env)

        def two_keys_used():
            srv.aws("apprunner", "list-services", env=env)
            used = {read_gzip_json(srv, BUCKET, k)["digestPublicKeyFingerprint"] for k in digest_keys(srv, BUCKET)}
            return len(used) >= 2 and used
        used = wait_for(two_keys_used, timeout=60, interval=1, what="digests signed by two keys")
        srv.aws("cloudtrail", "stop-logging", "--name", "rotating", env=env)
        time.sleep(2.5)
        current = json.loads(srv.aws("cloudtrail", "list-public-keys", env=env).stdout)["PublicKeyList"]
        assert len(current) == 1, "without times, only the key in use now"
        published = json.loads(srv.aws("cloudtrail", "list-public-keys", "--start-time", iso(start),
                                       env=env).stdout)["PublicKeyList"]
        assert used <= {k["Fingerprint"] for k in published}
        ok = validate(srv, env, arn, start)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "INVALID" not in ok.stdout + ok.stderr


def test_trailrunner_validate_logs_reads_objects_as_its_signer_may(server, tmp_path):
    """Objects are fetched with the caller's own signature, and S3's refusal surfaces: a user who may list the
    bucket but not read its objects gets `AccessDenied` and exit status 255 (validation could not run); once
    allowed to read, the same command validates the day."""
    bucket = f"signed-reads-{uuid.uuid4().hex[:8]}"
    folder, keys = tmp_path / "bucket", tmp_path / "public-keys.json"
    made = subprocess.run(
        [example("trail_fixture"), str(folder), str(keys), "--hours", "2", "--logs-per-hour", "2",
         "--records-per-log", "5", "--bucket", bucket],
        check=True, capture_output=True, text=True,
    ).stdout
    facts = dict(line.split("=", 1) for line in made.splitlines())
    server.client("s3").create_bucket(Bucket=bucket)
    upload_folder(server.client("s3"), bucket, folder)
    iam = server.client("iam")
    user = f"validator-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]

    def allow(*actions):
        iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions),
                           "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}],
        }))

    def validate():
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TRAILRUNNER_"))}
        env |= {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        return subprocess.run(
            [BIN, "validate-logs", "--trail-arn", facts["TRAIL_ARN"], "--start-time", facts["START"],
             "--end-time", facts["END"], "--s3-bucket", bucket, "--public-keys", str(keys),
             "--endpoint", server.endpoint, "--data-dir", str(tmp_path / "no-server")],
            env=env, capture_output=True, text=True, timeout=120,
        )

    allow("s3:ListBucket")
    out = validate()
    assert out.returncode == 255, out.stdout + out.stderr
    assert "AccessDenied" in out.stderr and "HTTP 403" in out.stderr, out.stderr
    assert f"s3://{bucket}/AWSLogs/111122223333/CloudTrail-Digest/" in out.stderr

    allow("s3:ListBucket", "s3:GetObject")
    out = validate()
    assert out.returncode == 0, out.stdout + out.stderr
    assert "\n2/2 digest files valid\n4/4 log files valid\n" in out.stdout
