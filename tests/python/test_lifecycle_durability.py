"""App Runner's asynchronous work survives a restart: a service operation in flight when the server stops is
finished by the lifecycle worker of the next start (the job queue is in the database, not in memory)."""

import time
import uuid

from conftest import start_server, stop_server

IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"


def wait_status(client, arn, wanted, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        status = client.describe_service(ServiceArn=arn)["Service"]["Status"]
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.02)


def test_an_operation_in_flight_finishes_after_a_restart(fresh_dir):
    data = fresh_dir / "data"
    # Long enough that the create cannot finish before the stop.
    first = start_server(data, "--lifecycle-delay", "2s")
    try:
        ar = first.client("apprunner")
        created = ar.create_service(
            ServiceName=f"restart-{uuid.uuid4().hex[:8]}",
            SourceConfiguration={"ImageRepository": {"ImageIdentifier": IMAGE, "ImageRepositoryType": "ECR_PUBLIC"}},
        )
        arn, op_id = created["Service"]["ServiceArn"], created["OperationId"]
        time.sleep(0.3)
        ops = ar.list_operations(ServiceArn=arn)["OperationSummaryList"]
        assert [(o["Id"], o["Status"]) for o in ops] == [(op_id, "IN_PROGRESS")]
    finally:
        assert stop_server(first) == 0

    second = start_server(data, "--lifecycle-delay", "2s")
    try:
        ar = second.client("apprunner")
        assert wait_status(ar, arn, "RUNNING") == "RUNNING"
        ops = ar.list_operations(ServiceArn=arn)["OperationSummaryList"]
        assert [(o["Id"], o["Type"], o["Status"]) for o in ops] == [(op_id, "CREATE_SERVICE", "SUCCEEDED")]
        assert ops[0]["EndedAt"] > ops[0]["StartedAt"]
    finally:
        assert stop_server(second) == 0
