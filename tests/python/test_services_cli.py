"""An App Runner service's whole life through the AWS CLI (`aws apprunner ...`, JSON output): create, list,
describe, pause, resume, delete and list-operations, polling describe-service until each operation has settled.

The shared `server` runs with `--lifecycle-delay 100ms`, so each poll usually finds the operation finished.
"""

import json
import re
import time
import uuid

IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"


_ENV = {}


def cli(server, *args, check=True):
    """`aws apprunner <args> --output json` with the environment `trailrunner env` prints (computed once)."""
    env = _ENV.setdefault(str(server.data_dir), server.cli_env())
    proc = server.aws("apprunner", *args, "--output", "json", env=env, check=check)
    return json.loads(proc.stdout) if proc.returncode == 0 else proc


def describe(server, arn):
    return cli(server, "describe-service", "--service-arn", arn)["Service"]


def wait_for(server, arn, status, timeout=20):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        svc = describe(server, arn)
        seen.append(svc["Status"])
        if svc["Status"] == status:
            return svc
        assert svc["Status"] == "OPERATION_IN_PROGRESS", f"unexpected status on the way to {status}: {seen}"
        assert time.monotonic() < deadline, f"{arn} did not reach {status} in {timeout}s: {seen}"
        time.sleep(0.1)


def is_epoch(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_service_lifecycle_with_the_cli(server):
    name = f"cli-{uuid.uuid4().hex[:12]}"
    source = {"ImageRepository": {"ImageIdentifier": IMAGE, "ImageRepositoryType": "ECR_PUBLIC",
                                  "ImageConfiguration": {"Port": "8000"}}}
    created = cli(server, "create-service", "--service-name", name, "--source-configuration", json.dumps(source),
                  "--instance-configuration", json.dumps({"Cpu": "0.25 vCPU", "Memory": "0.5 GB"}),
                  "--tags", "Key=via,Value=cli")
    svc = created["Service"]
    arn = svc["ServiceArn"]
    done = False
    try:
        assert re.fullmatch(rf"arn:aws:apprunner:{server.region}:{server.account_id}:service/{name}/[0-9a-f]{{32}}",
                            arn)
        assert svc["Status"] == "OPERATION_IN_PROGRESS"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            created["OperationId"])
        assert is_epoch(svc["CreatedAt"]) and svc["CreatedAt"] == svc["UpdatedAt"], "CLI v1 prints epoch numbers"
        assert svc["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"] == {"Port": "8000"}
        assert svc["SourceConfiguration"]["AutoDeploymentsEnabled"] is False
        assert svc["InstanceConfiguration"] == {"Cpu": "0.25 vCPU", "Memory": "0.5 GB"}

        listed = cli(server, "list-services")["ServiceSummaryList"]
        [summary] = [s for s in listed if s["ServiceArn"] == arn]
        assert summary["ServiceName"] == name and summary["ServiceId"] == svc["ServiceId"]
        assert summary["ServiceUrl"] == svc["ServiceUrl"]

        running = wait_for(server, arn, "RUNNING")
        assert running["UpdatedAt"] > svc["UpdatedAt"]

        paused = cli(server, "pause-service", "--service-arn", arn)
        assert paused["Service"]["Status"] == "OPERATION_IN_PROGRESS"
        wait_for(server, arn, "PAUSED")
        resumed = cli(server, "resume-service", "--service-arn", arn)
        assert resumed["Service"]["Status"] == "OPERATION_IN_PROGRESS"
        wait_for(server, arn, "RUNNING")

        deleted = cli(server, "delete-service", "--service-arn", arn)
        assert deleted["Service"]["Status"] == "OPERATION_IN_PROGRESS"
        gone = wait_for(server, arn, "DELETED")
        assert is_epoch(gone["DeletedAt"]) and gone["DeletedAt"] >= gone["CreatedAt"]
        assert arn not in [s["ServiceArn"] for s in cli(server, "list-services")["ServiceSummaryList"]]

        ops = cli(server, "list-operations", "--service-arn", arn)["OperationSummaryList"]
        assert [(o["Id"], o["Type"], o["Status"]) for o in ops] == [
            (deleted["OperationId"], "DELETE_SERVICE", "SUCCEEDED"),
            (resumed["OperationId"], "RESUME_SERVICE", "SUCCEEDED"),
            (paused["OperationId"], "PAUSE_SERVICE", "SUCCEEDED"),
            (created["OperationId"], "CREATE_SERVICE", "SUCCEEDED"),
        ]
        assert all(o["TargetArn"] == arn and is_epoch(o["StartedAt"]) and is_epoch(o["EndedAt"]) for o in ops)
        page = cli(server, "list-operations", "--service-arn", arn, "--max-results", "3")
        assert [o["Id"] for o in page["OperationSummaryList"]] == [o["Id"] for o in ops[:3]] and page["NextToken"]
        done = True
    finally:
        if not done:
            cli(server, "delete-service", "--service-arn", arn, check=False)

    missing = arn.rsplit("/", 1)[0] + "/" + uuid.uuid4().hex
    proc = cli(server, "describe-service", "--service-arn", missing, check=False)
    assert proc.returncode == 255
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeService operation" in proc.stderr
