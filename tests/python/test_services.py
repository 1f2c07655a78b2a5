"""App Runner services (spec §2, §3.1-3.4, §4.1-4.5, §5): CreateService, DescribeService, UpdateService,
DeleteService, PauseService, ResumeService, StartDeployment, ListOperations and ListServices, their lifecycle, the
references they hold to other resources, and their CloudTrail records.

The shared `server` runs with `--lifecycle-delay 100ms` (conftest), so every service operation settles in about a
tenth of a second; tests poll with deadlines instead of sleeping. Its quota is 30 non-deleted services per account
and region, so every test names its services uniquely and the `made` fixture deletes whatever a test created.
Tests that must catch a service while an operation is still running use the module's `slow` server (a longer
delay); quotas are tested on private servers.
"""

import contextlib
import datetime
import json
import re
import subprocess
import time
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import BIN, running_server, start_server, stop_server
from records import record_of

UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
DEFAULT_ASC_ID = "00000000000000000000000000000001"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SERVICE_MEMBERS = {
    "ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt", "Status",
    "SourceConfiguration", "InstanceConfiguration", "HealthCheckConfiguration", "AutoScalingConfigurationSummary",
    "NetworkConfiguration", "ObservabilityConfiguration",
}
SUMMARY_MEMBERS = {"ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "UpdatedAt", "Status"}
OPERATION_MEMBERS = {"Id", "Type", "Status", "TargetArn", "StartedAt", "EndedAt", "UpdatedAt"}
DEFAULT_HEALTH = {"Protocol": "TCP", "Path": "/", "Interval": 5, "Timeout": 2, "HealthyThreshold": 1,
                  "UnhealthyThreshold": 5}
DEFAULT_NETWORK = {"EgressConfiguration": {"EgressType": "DEFAULT"},
                   "IngressConfiguration": {"IsPubliclyAccessible": True}, "IpAddressType": "IPV4"}
SENSITIVE = {"BuildCommand", "StartCommand", "RuntimeEnvironmentVariables", "RuntimeEnvironmentSecrets"}
BUSY = "OPERATION_IN_PROGRESS"
FINAL_OPERATION_STATUSES = {"SUCCEEDED", "FAILED", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"}
# Regions no other test file uses: one where ListServices sees only this file's services, one for the services
# that hold connections (the connection quota is 10 per region), one whose default configuration only this file's
# services use, one whose default configuration is moved for good.
LIST_REGION = "eu-west-2"
CODE_REGION = "ap-east-1"
ASC_REGION = "ap-southeast-5"
DEFAULT_MOVED_REGION = "ap-southeast-7"
POLL = 0.02


# ---------------------------------------------------------------------------------------------------- helpers

def unique_name(prefix="svc"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def assert_error(resp, *codes):
    assert resp["Error"]["Code"] in codes, resp["Error"]
    assert resp["Message"] == resp["Error"]["Message"] and resp["Message"], "the modeled Message member is filled"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400


def image_source(image=IMAGE, kind="ECR_PUBLIC", **extra):
    repo = {"ImageIdentifier": image, "ImageRepositoryType": kind}
    repo.update(extra.pop("repo", {}))
    return {"ImageRepository": repo, **extra}


def code_source(connection_arn, values=None, **extra):
    code = {
        "RepositoryUrl": "https://github.com/octo/hello",
        "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
        "CodeConfiguration": {
            "ConfigurationSource": "API",
            "CodeConfigurationValues": values or {"Runtime": "PYTHON_3", "BuildCommand": "pip install -r r.txt",
                                                  "StartCommand": "python app.py"},
        },
    }
    code.update(extra.pop("code", {}))
    return {"CodeRepository": code, "AuthenticationConfiguration": {"ConnectionArn": connection_arn}, **extra}


def missing_connection_arn(server, region=None):
    return (f"arn:aws:apprunner:{region or server.region}:{server.account_id}:connection/"
            f"{unique_name('gone')}/{uuid.uuid4().hex}")


def service_arn_re(region, account, name):
    return re.compile(rf"^arn:aws:apprunner:{region}:{account}:service/{re.escape(name)}/([0-9a-f]{{32}})$")


def default_asc_summary(server, region=None):
    region = region or server.region
    return {
        "AutoScalingConfigurationArn": f"arn:aws:apprunner:{region}:{server.account_id}:autoscalingconfiguration/"
                                       f"DefaultConfiguration/1/{DEFAULT_ASC_ID}",
        "AutoScalingConfigurationName": "DefaultConfiguration",
        "AutoScalingConfigurationRevision": 1,
    }


def asc_summary_of(asc):
    return {k: asc[k] for k in ("AutoScalingConfigurationArn", "AutoScalingConfigurationName",
                                "AutoScalingConfigurationRevision")}


def wait_status(client, arn, *wanted, timeout=10, allowed=(BUSY,)):
    """Poll DescribeService until the status is one of `wanted`; on the way only `allowed` statuses may show."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        svc = client.describe_service(ServiceArn=arn)["Service"]
        if not seen or seen[-1] != svc["Status"]:
            seen.append(svc["Status"])
        if svc["Status"] in wanted:
            assert set(seen[:-1]) <= set(allowed), f"unexpected statuses on the way to {wanted}: {seen}"
            return svc
        assert svc["Status"] in allowed, f"unexpected status on the way to {wanted}: {seen}"
        assert time.monotonic() < deadline, f"{arn} did not reach {wanted} in {timeout}s: {seen}"
        time.sleep(POLL)


def list_operations(client, arn, **kwargs):
    out, token, pages = [], None, 0
    while True:
        page = client.list_operations(ServiceArn=arn, **kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page.get("OperationSummaryList", []))
        token = page.get("NextToken")
        if not token:
            return out
        assert pages < 100, "pagination does not end"


def operation(client, arn, op_id):
    [op] = [o for o in list_operations(client, arn) if o["Id"] == op_id]
    return op


def wait_operation(client, arn, op_id, timeout=10):
    """Poll ListOperations until the operation has finished; returns every status seen, and the summary."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        op = operation(client, arn, op_id)
        if not seen or seen[-1] != op["Status"]:
            seen.append(op["Status"])
        if op["Status"] in FINAL_OPERATION_STATUSES:
            return seen, op
        assert "EndedAt" not in op, f"EndedAt only once the operation has finished: {op}"
        assert time.monotonic() < deadline, f"operation {op_id} did not finish in {timeout}s: {seen}"
        time.sleep(POLL)


def assert_finished_operation(op, op_id, kind, status, arn):
    assert set(op) == OPERATION_MEMBERS, op
    assert (op["Id"], op["Type"], op["Status"], op["TargetArn"]) == (op_id, kind, status, arn)
    assert op["StartedAt"] <= op["EndedAt"] <= op["UpdatedAt"]


def all_services(client, **kwargs):
    out, token, pages = [], None, 0
    while True:
        page = client.list_services(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["ServiceSummaryList"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 200, "pagination does not end"


def delete_and_wait(client, arn, timeout=10, until_deleted=True):
    """Delete a service once no operation runs on it; with `until_deleted`, wait until it is DELETED (its quota
    slot, name and references freed). Gives up quietly: this is cleanup."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = client.describe_service(ServiceArn=arn)["Service"]["Status"]
        except ClientError:
            return
        if status == "DELETED":
            return
        if status != BUSY:
            try:
                client.delete_service(ServiceArn=arn)
                if not until_deleted:
                    return
            except ClientError as e:
                if e.response["Error"]["Code"] != "InvalidStateException":
                    return
        time.sleep(POLL)


class Made:
    """What a test created on the shared server: services, then other resources (deleted after the services)."""

    def __init__(self):
        self.services = []
        self.others = []

    def service(self, client, **kwargs):
        resp = client.create_service(**kwargs)
        self.services.append((client, resp["Service"]["ServiceArn"]))
        return resp

    def later(self, fn, *args, **kwargs):
        self.others.append(lambda: fn(*args, **kwargs))

    def cleanup(self):
        for client, arn in self.services:
            with contextlib.suppress(Exception):
                # Other resources are free only once the service is DELETED; else the deletion finishes alone.
                delete_and_wait(client, arn, until_deleted=bool(self.others))
        for fn in reversed(self.others):
            with contextlib.suppress(Exception):
                fn()


@pytest.fixture
def made():
    m = Made()
    try:
        yield m
    finally:
        m.cleanup()


@pytest.fixture
def ar(server):
    return server.client("apprunner")


def create_image_service(made, client, name=None, **kwargs):
    kwargs.setdefault("SourceConfiguration", image_source())
    return made.service(client, ServiceName=name or unique_name(), **kwargs)


def running_service(made, client, **kwargs):
    resp = create_image_service(made, client, **kwargs)
    return wait_status(client, resp["Service"]["ServiceArn"], "RUNNING")


def new_connection(made, client):
    conn = client.create_connection(ConnectionName=unique_name("conn"), ProviderType="GITHUB")["Connection"]
    made.later(client.delete_connection, ConnectionArn=conn["ConnectionArn"])
    return conn


def complete_handshake(server, connection_arn):
    proc = subprocess.run([BIN, "connections", "complete-handshake", "--data-dir", str(server.data_dir),
                           connection_arn], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def connection_status(client, name):
    [c] = client.list_connections(ConnectionName=name)["ConnectionSummaryList"]
    return c["Status"]


def raw_bodies(client, operation_name):
    bodies = []
    client.meta.events.register(f"after-call.apprunner.{operation_name}",
                                lambda http_response, **_: bodies.append(json.loads(http_response.text)))
    return bodies


def assert_wire_timestamp(value):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), f"epoch seconds on the wire: {value!r}"
    assert round(value, 3) == pytest.approx(value, abs=1e-9), f"at most millisecond precision: {value!r}"


def lower_first(name):
    return name[:1].lower() + name[1:]


def as_recorded(value, key=None):
    """What a CloudTrail record holds for an API value: lowerCamelCase keys, sensitive members hidden whole,
    timestamps as ISO-8601 with milliseconds."""
    if key in SENSITIVE:
        return HIDDEN
    if isinstance(value, dict):
        return {lower_first(k): as_recorded(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [as_recorded(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return value


def service_resource(server, arn):
    return {"accountId": server.account_id, "type": "AWS::AppRunner::Service", "ARN": arn}


# ---------------------------------------------------------------------------------------------- CreateService

def test_create_image_service_fills_in_every_default(server, ar, made):
    name = unique_name("img")
    bodies = raw_bodies(ar, "CreateService")
    before = datetime.datetime.now(datetime.timezone.utc)
    resp = create_image_service(made, ar, name, Tags=[{"Key": "team", "Value": "web"}])
    after = datetime.datetime.now(datetime.timezone.utc)
    svc = resp["Service"]
    assert set(resp) - {"ResponseMetadata"} == {"Service", "OperationId"}
    assert UUID4.match(resp["OperationId"]), resp["OperationId"]
    assert set(svc) == SERVICE_MEMBERS, "no EncryptionConfiguration unless given, no DeletedAt, tags not shown"
    assert svc["ServiceName"] == name
    m = service_arn_re(server.region, server.account_id, name).match(svc["ServiceArn"])
    assert m, svc["ServiceArn"]
    assert svc["ServiceId"] == m.group(1)
    assert re.fullmatch(rf"[a-z0-9]{{10}}\.{server.region}\.awsapprunner\.com", svc["ServiceUrl"]), svc["ServiceUrl"]
    assert svc["Status"] == BUSY
    assert svc["CreatedAt"] == svc["UpdatedAt"]
    slack = datetime.timedelta(seconds=2)
    assert before - slack <= svc["CreatedAt"] <= after + slack
    assert svc["SourceConfiguration"] == {
        "ImageRepository": {"ImageIdentifier": IMAGE, "ImageConfiguration": {"Port": "8080"},
                            "ImageRepositoryType": "ECR_PUBLIC"},
        "AutoDeploymentsEnabled": False,
    }, "ECR Public: no automatic deployments by default; the port defaults to 8080"
    assert svc["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048"}
    assert svc["HealthCheckConfiguration"] == DEFAULT_HEALTH
    assert svc["NetworkConfiguration"] == DEFAULT_NETWORK
    assert svc["ObservabilityConfiguration"] == {"ObservabilityEnabled": False}
    assert svc["AutoScalingConfigurationSummary"] == default_asc_summary(server)
    wire = bodies[0]["Service"]
    for member in ("CreatedAt", "UpdatedAt"):
        assert_wire_timestamp(wire[member])
    assert ar.list_tags_for_resource(ResourceArn=svc["ServiceArn"])["Tags"] == [{"Key": "team", "Value": "web"}]

    running = wait_status(ar, svc["ServiceArn"], "RUNNING")
    assert running["UpdatedAt"] > svc["UpdatedAt"], "UpdatedAt moves with the transition"
    assert {k: v for k, v in running.items() if k not in ("Status", "UpdatedAt")} == {
        k: v for k, v in svc.items() if k not in ("Status", "UpdatedAt")}
    [op] = list_operations(ar, svc["ServiceArn"])
    assert_finished_operation(op, resp["OperationId"], "CREATE_SERVICE", "SUCCEEDED", svc["ServiceArn"])
    assert svc["CreatedAt"] - slack <= op["StartedAt"]
    assert op["EndedAt"] <= running["UpdatedAt"] + slack

    described = raw_bodies(ar, "DescribeService")
    assert ar.describe_service(ServiceArn=svc["ServiceArn"])["Service"] == running
    for member in ("CreatedAt", "UpdatedAt"):
        assert_wire_timestamp(described[0]["Service"][member])


def test_create_keeps_what_the_caller_gave(server, ar, made):
    kms = f"arn:aws:kms:{server.region}:{server.account_id}:key/{uuid.uuid4()}"
    role = f"arn:aws:iam::{server.account_id}:role/app-instance"
    source = image_source(repo={"ImageConfiguration": {
        "RuntimeEnvironmentVariables": {"MODE": "prod"},
        "StartCommand": "./serve --fast",
        "Port": "3000",
        "RuntimeEnvironmentSecrets": {"DB": f"arn:aws:secretsmanager:{server.region}:{server.account_id}:secret:db"},
    }}, AutoDeploymentsEnabled=True)
    resp = create_image_service(
        made, ar, SourceConfiguration=source,
        InstanceConfiguration={"Cpu": "1 vCPU", "Memory": "3 GB", "InstanceRoleArn": role},
        HealthCheckConfiguration={"Protocol": "HTTP", "Path": "/health", "HealthyThreshold": 3},
        NetworkConfiguration={"IngressConfiguration": {"IsPubliclyAccessible": False}, "IpAddressType": "DUAL_STACK"},
        EncryptionConfiguration={"KmsKey": kms},
    )
    svc = resp["Service"]
    assert set(svc) == SERVICE_MEMBERS | {"EncryptionConfiguration"}
    assert svc["SourceConfiguration"] == source, "given values kept, AutoDeploymentsEnabled as given"
    assert svc["InstanceConfiguration"] == {"Cpu": "1 vCPU", "Memory": "3 GB", "InstanceRoleArn": role}, \
        "the caller's form is kept"
    assert svc["HealthCheckConfiguration"] == {**DEFAULT_HEALTH, "Protocol": "HTTP", "Path": "/health",
                                               "HealthyThreshold": 3}, "each omitted member defaulted"
    assert svc["NetworkConfiguration"] == {"EgressConfiguration": {"EgressType": "DEFAULT"},
                                           "IngressConfiguration": {"IsPubliclyAccessible": False},
                                           "IpAddressType": "DUAL_STACK"}
    assert svc["EncryptionConfiguration"] == {"KmsKey": kms}
    assert ar.describe_service(ServiceArn=svc["ServiceArn"])["Service"]["SourceConfiguration"] == source


def test_private_ecr_needs_a_role_and_deploys_automatically(server, ar, made):
    image = f"{server.account_id}.dkr.ecr.{server.region}.amazonaws.com/app/web:v1"
    # App Runner's build service assumes the access role to pull the image: it must exist and trust it.
    role = server.client("iam").create_role(
        Path="/service-role/", RoleName=unique_name("AppRunnerECRAccessRole"),
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "build.apprunner.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    source = image_source(image, "ECR", AuthenticationConfiguration={"AccessRoleArn": role})
    svc = create_image_service(made, ar, SourceConfiguration=source)["Service"]
    assert svc["SourceConfiguration"] == {
        "ImageRepository": {"ImageIdentifier": image, "ImageConfiguration": {"Port": "8080"},
                            "ImageRepositoryType": "ECR"},
        "AutoDeploymentsEnabled": True,
        "AuthenticationConfiguration": {"AccessRoleArn": role},
    }
    wait_status(ar, svc["ServiceArn"], "RUNNING")
    assert_error(error_of(ar.create_service, ServiceName=unique_name(), SourceConfiguration=image_source(image, "ECR")),
                 "InvalidRequestException")


def test_code_service_defaults_and_a_missing_connection_fails_the_creation(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    conn = new_connection(made, client)
    assert conn["Status"] == "PENDING_HANDSHAKE"
    name = unique_name("code")
    resp = made.service(client, ServiceName=name, SourceConfiguration=code_source(conn["ConnectionArn"]))
    svc = resp["Service"]
    assert svc["SourceConfiguration"] == {
        "CodeRepository": {
            "RepositoryUrl": "https://github.com/octo/hello",
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
            "CodeConfiguration": {
                "ConfigurationSource": "API",
                "CodeConfigurationValues": {"Runtime": "PYTHON_3", "BuildCommand": "pip install -r r.txt",
                                            "StartCommand": "python app.py", "Port": "8080"},
            },
            "SourceDirectory": "/",
        },
        "AutoDeploymentsEnabled": True,
        "AuthenticationConfiguration": {"ConnectionArn": conn["ConnectionArn"]},
    }
    assert svc["AutoScalingConfigurationSummary"] == default_asc_summary(server, CODE_REGION)
    assert service_arn_re(CODE_REGION, server.account_id, name).match(svc["ServiceArn"])
    # The connection never completed its handshake: the deployment fails.
    failed = wait_status(client, svc["ServiceArn"], "CREATE_FAILED")
    assert failed["UpdatedAt"] > svc["UpdatedAt"]
    _, op = wait_operation(client, svc["ServiceArn"], resp["OperationId"])
    assert_finished_operation(op, resp["OperationId"], "CREATE_SERVICE", "FAILED", svc["ServiceArn"])

    # A connection that does not exist at all is accepted at creation and fails the same way.
    resp = made.service(client, ServiceName=unique_name("nocon"),
                        SourceConfiguration=code_source(missing_connection_arn(server, CODE_REGION),
                                                        code={"SourceDirectory": "/services/api"},
                                                        AutoDeploymentsEnabled=False))
    svc = resp["Service"]
    assert svc["SourceConfiguration"]["CodeRepository"]["SourceDirectory"] == "/services/api"
    assert svc["SourceConfiguration"]["AutoDeploymentsEnabled"] is False
    wait_status(client, svc["ServiceArn"], "CREATE_FAILED")
    _, op = wait_operation(client, svc["ServiceArn"], resp["OperationId"])
    assert op["Status"] == "FAILED"

    # CREATE_FAILED allows neither pause, resume nor deployment.
    assert_error(error_of(client.pause_service, ServiceArn=svc["ServiceArn"]), "InvalidStateException")
    assert_error(error_of(client.resume_service, ServiceArn=svc["ServiceArn"]), "InvalidStateException")
    assert_error(error_of(client.start_deployment, ServiceArn=svc["ServiceArn"]), "InvalidRequestException")


@pytest.mark.parametrize("runtime", ["python3", "PYTHON_3", "NODEJS_18"])
def test_runtimes_including_the_legacy_spelling(server, made, runtime):
    client = server.with_region(CODE_REGION).client("apprunner")
    svc = made.service(client, ServiceName=unique_name("rt"), SourceConfiguration=code_source(
        missing_connection_arn(server, CODE_REGION), values={"Runtime": runtime}))["Service"]
    values = svc["SourceConfiguration"]["CodeRepository"]["CodeConfiguration"]["CodeConfigurationValues"]
    assert values == {"Runtime": runtime, "Port": "8080"}


def test_repository_configuration_needs_no_values(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    source = code_source(missing_connection_arn(server, CODE_REGION),
                         code={"CodeConfiguration": {"ConfigurationSource": "REPOSITORY"}})
    svc = made.service(client, ServiceName=unique_name("repo"), SourceConfiguration=source)["Service"]
    assert svc["SourceConfiguration"]["CodeRepository"]["CodeConfiguration"]["ConfigurationSource"] == "REPOSITORY"


def test_code_service_with_an_available_connection_runs(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    conn = new_connection(made, client)
    complete_handshake(server, conn["ConnectionArn"])
    assert connection_status(client, conn["ConnectionName"]) == "AVAILABLE"
    resp = made.service(client, ServiceName=unique_name("ok"), SourceConfiguration=code_source(conn["ConnectionArn"]))
    wait_status(client, resp["Service"]["ServiceArn"], "RUNNING")
    _, op = wait_operation(client, resp["Service"]["ServiceArn"], resp["OperationId"])
    assert op["Status"] == "SUCCEEDED"
    deployment = client.start_deployment(ServiceArn=resp["Service"]["ServiceArn"])["OperationId"]
    wait_status(client, resp["Service"]["ServiceArn"], "RUNNING")
    assert wait_operation(client, resp["Service"]["ServiceArn"], deployment)[1]["Status"] == "SUCCEEDED"


def test_update_rebuilds_a_create_failed_service(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    conn = new_connection(made, client)
    resp = made.service(client, ServiceName=unique_name("fix"), SourceConfiguration=code_source(conn["ConnectionArn"]))
    arn = resp["Service"]["ServiceArn"]
    wait_status(client, arn, "CREATE_FAILED")

    # Still no handshake: the rebuild fails too.
    retry = client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "2048", "Memory": "4096"})
    assert retry["Service"]["Status"] == BUSY
    wait_status(client, arn, "CREATE_FAILED")
    assert wait_operation(client, arn, retry["OperationId"])[1]["Status"] == "FAILED"

    complete_handshake(server, conn["ConnectionArn"])
    fixed = client.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "1024", "Memory": "2048"})
    assert fixed["Service"]["Status"] == BUSY
    assert UUID4.match(fixed["OperationId"])
    svc = wait_status(client, arn, "RUNNING")
    assert svc["InstanceConfiguration"] == {"Cpu": "1024", "Memory": "2048"}
    _, op = wait_operation(client, arn, fixed["OperationId"])
    assert_finished_operation(op, fixed["OperationId"], "UPDATE_SERVICE", "SUCCEEDED", arn)
    assert [o["Type"] for o in list_operations(client, arn)] == ["UPDATE_SERVICE", "UPDATE_SERVICE", "CREATE_SERVICE"]


@pytest.mark.parametrize("cpu,memory", [
    ("256", "512"), ("0.25 vCPU", "1 GB"), ("512", "1024"), ("1 vCPU", "3 GB"), ("1024", "4096"),
    ("2 vCPU", "6 GB"), ("2048", "4096"), ("4 vCPU", "10 GB"), ("4096", "12288"), ("4096", "8 GB"),
])
def test_supported_cpu_and_memory_pairs(ar, made, cpu, memory):
    svc = create_image_service(made, ar, InstanceConfiguration={"Cpu": cpu, "Memory": memory})["Service"]
    assert svc["InstanceConfiguration"] == {"Cpu": cpu, "Memory": memory}


@pytest.mark.parametrize("cpu,memory", [
    ("256", "2048"), ("0.25 vCPU", "2 GB"), ("512", "512"), ("0.5 vCPU", "2 GB"), ("1024", "1024"),
    ("1 vCPU", "6 GB"), ("2048", "2048"), ("2 vCPU", "12 GB"), ("4 vCPU", "4 GB"), ("4096", "6144"),
    ("3 vCPU", "6 GB"), ("1024", "5 GB"), ("1 vcpu", "2 GB"), ("1024", "2048 MB"),
])
def test_unsupported_cpu_and_memory_are_invalid(ar, made, cpu, memory):
    # botocore checks no patterns client-side: the pattern-breaking values reach the server as they are.
    resp = expect_create_error(made, ar, ServiceName=unique_name("cpu"), SourceConfiguration=image_source(),
                               InstanceConfiguration={"Cpu": cpu, "Memory": memory})
    assert_error(resp, "InvalidRequestException")


def expect_create_error(made, client, **kwargs):
    """CreateService that must fail; a service created by mistake is cleaned up and fails the test."""
    def listed():  # only this name: other tests' deletions finish in the background meanwhile
        return sorted(s["ServiceArn"] for s in all_services(client)[0]
                      if s["ServiceName"] == kwargs.get("ServiceName"))

    before = listed()
    try:
        made.service(client, **kwargs)
    except ClientError as e:
        assert listed() == before, "nothing was created"
        return e.response
    pytest.fail(f"CreateService succeeded but should not have: {kwargs}")


BAD_CREATES = {
    "both-sources": lambda s: {"SourceConfiguration": {**image_source(), **code_source(missing_connection_arn(s))}},
    "no-source": lambda s: {"SourceConfiguration": {"AutoDeploymentsEnabled": True}},
    "no-source-configuration": lambda s: {"SourceConfiguration": None},
    "code-without-authentication": lambda s: {"SourceConfiguration": {
        "CodeRepository": code_source("x")["CodeRepository"]}},
    "code-without-connection": lambda s: {"SourceConfiguration": {
        **code_source("x"), "AuthenticationConfiguration": {}}},
    "api-without-values": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), code={"CodeConfiguration": {"ConfigurationSource": "API"}})},
    "values-without-runtime": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), values={"Port": "8000"})},
    "unknown-runtime": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), values={"Runtime": "COBOL_85"})},
    "unknown-configuration-source": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), code={"CodeConfiguration": {"ConfigurationSource": "YAML"}})},
    "unknown-version-type": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), code={"SourceCodeVersion": {"Type": "TAG", "Value": "v1"}})},
    "build-command-with-newline": lambda s: {"SourceConfiguration": code_source(
        missing_connection_arn(s), values={"Runtime": "PYTHON_3", "BuildCommand": "a\nb"})},
    "ecr-without-role": lambda s: {"SourceConfiguration": image_source(
        f"{s.account_id}.dkr.ecr.{s.region}.amazonaws.com/app:v1", "ECR")},
    "unknown-repository-type": lambda s: {"SourceConfiguration": image_source(kind="DOCKER_HUB")},
    "image-not-ecr": lambda s: {"SourceConfiguration": image_source("docker.io/library/nginx:latest")},
    "bad-role-arn": lambda s: {"SourceConfiguration": image_source(
        f"{s.account_id}.dkr.ecr.{s.region}.amazonaws.com/app:v1", "ECR",
        AuthenticationConfiguration={"AccessRoleArn": "arn:aws:iam::12:role/x"})},
    "short-name": lambda s: {"ServiceName": "abc"},
    "long-name": lambda s: {"ServiceName": "x" * 41},
    "name-starts-with-dash": lambda s: {"ServiceName": "-abcdef"},
    "name-with-space": lambda s: {"ServiceName": "has space"},
    "no-name": lambda s: {"ServiceName": None},
    "cpu-pattern": lambda s: {"InstanceConfiguration": {"Cpu": "8 vCPU", "Memory": "16 GB"}},
    "bad-instance-role": lambda s: {"InstanceConfiguration": {"InstanceRoleArn": "not-a-role"}},
    "health-interval-zero": lambda s: {"HealthCheckConfiguration": {"Interval": 0}},
    "health-interval-high": lambda s: {"HealthCheckConfiguration": {"Interval": 21}},
    "health-threshold-high": lambda s: {"HealthCheckConfiguration": {"UnhealthyThreshold": 21}},
    "health-protocol": lambda s: {"HealthCheckConfiguration": {"Protocol": "UDP"}},
    "health-empty-path": lambda s: {"HealthCheckConfiguration": {"Protocol": "HTTP", "Path": ""}},
    "observability-enabled-without-arn": lambda s: {"ObservabilityConfiguration": {"ObservabilityEnabled": True}},
    "observability-unknown": lambda s: {"ObservabilityConfiguration": {
        "ObservabilityEnabled": True,
        "ObservabilityConfigurationArn": f"arn:aws:apprunner:{s.region}:{s.account_id}:observabilityconfiguration/"
                                         f"{unique_name('obs')}/1/{uuid.uuid4().hex}"}},
    "asc-unknown": lambda s: {"AutoScalingConfigurationArn": f"arn:aws:apprunner:{s.region}:{s.account_id}:"
                                                             f"autoscalingconfiguration/{unique_name('asc')}"},
    "asc-unknown-revision": lambda s: {"AutoScalingConfigurationArn": f"arn:aws:apprunner:{s.region}:{s.account_id}:"
                                                                      f"autoscalingconfiguration/DefaultConfiguration/7"},
    "asc-not-an-arn": lambda s: {"AutoScalingConfigurationArn": "default"},
    "asc-of-another-kind": lambda s: {"AutoScalingConfigurationArn": missing_connection_arn(s)},
    "vpc-egress-without-connector": lambda s: {"NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC"}}},
    "default-egress-with-connector": lambda s: {"NetworkConfiguration": {"EgressConfiguration": {
        "EgressType": "DEFAULT",
        "VpcConnectorArn": f"arn:aws:apprunner:{s.region}:{s.account_id}:vpcconnector/{unique_name('v')}/1/"
                           f"{uuid.uuid4().hex}"}}},
    "vpc-connector-unknown": lambda s: {"NetworkConfiguration": {"EgressConfiguration": {
        "EgressType": "VPC",
        "VpcConnectorArn": f"arn:aws:apprunner:{s.region}:{s.account_id}:vpcconnector/{unique_name('v')}/1/"
                           f"{uuid.uuid4().hex}"}}},
    "unknown-egress-type": lambda s: {"NetworkConfiguration": {"EgressConfiguration": {"EgressType": "NAT"}}},
    "unknown-ip-address-type": lambda s: {"NetworkConfiguration": {"IpAddressType": "IPV6"}},
    "bad-kms-key": lambda s: {"EncryptionConfiguration": {"KmsKey": "alias/mine"}},
    "tag-aws-prefix": lambda s: {"Tags": [{"Key": "aws:owner", "Value": "me"}]},
    "tag-without-key": lambda s: {"Tags": [{"Value": "v"}]},
}


@pytest.mark.parametrize("case", sorted(BAD_CREATES))
def test_bad_create_input_is_an_invalid_request(server, made, case):
    client = server.client("apprunner", config=UNCHECKED)
    kwargs = {"ServiceName": unique_name("bad"), "SourceConfiguration": image_source()}
    kwargs.update(BAD_CREATES[case](server))
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    assert_error(expect_create_error(made, client, **kwargs), "InvalidRequestException")


def test_references_must_exist_and_be_active(server, ar, made):
    asc = ar.create_auto_scaling_configuration(AutoScalingConfigurationName=unique_name("asc"))[
        "AutoScalingConfiguration"]
    obs = ar.create_observability_configuration(ObservabilityConfigurationName=unique_name("obs"))[
        "ObservabilityConfiguration"]
    vpc = ar.create_vpc_connector(VpcConnectorName=unique_name("vpc"), Subnets=["subnet-1"])["VpcConnector"]
    ar.delete_auto_scaling_configuration(AutoScalingConfigurationArn=asc["AutoScalingConfigurationArn"])
    ar.delete_observability_configuration(ObservabilityConfigurationArn=obs["ObservabilityConfigurationArn"])
    ar.delete_vpc_connector(VpcConnectorArn=vpc["VpcConnectorArn"])
    asc_name_arn = asc["AutoScalingConfigurationArn"].rsplit("/", 2)[0]
    for extra in (
        {"AutoScalingConfigurationArn": asc["AutoScalingConfigurationArn"]},
        {"AutoScalingConfigurationArn": f"{asc_name_arn}/1"},
        {"AutoScalingConfigurationArn": asc_name_arn},
        {"ObservabilityConfiguration": {"ObservabilityEnabled": True,
                                        "ObservabilityConfigurationArn": obs["ObservabilityConfigurationArn"]}},
        {"NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC",
                                                          "VpcConnectorArn": vpc["VpcConnectorArn"]}}},
    ):
        resp = expect_create_error(made, ar, ServiceName=unique_name("inactive"), SourceConfiguration=image_source(),
                                   **extra)
        assert_error(resp, "InvalidRequestException")


def test_names_are_unique_until_the_deletion_completes(ar, made):
    name = unique_name("dup")
    first = running_service(made, ar, name=name)
    resp = expect_create_error(made, ar, ServiceName=name, SourceConfiguration=image_source())
    assert_error(resp, "InvalidRequestException")
    assert name in resp["Message"]
    ar.delete_service(ServiceArn=first["ServiceArn"])
    gone = wait_status(ar, first["ServiceArn"], "DELETED")
    second = create_image_service(made, ar, name)["Service"]
    assert second["ServiceArn"] != first["ServiceArn"] and second["ServiceId"] != first["ServiceId"]
    assert second["ServiceUrl"] != first["ServiceUrl"]
    assert ar.describe_service(ServiceArn=first["ServiceArn"])["Service"] == gone, "the deleted one stays describable"


def test_ids_and_urls_differ_between_services(ar, made):
    a = create_image_service(made, ar)
    b = create_image_service(made, ar)
    assert a["Service"]["ServiceId"] != b["Service"]["ServiceId"]
    assert a["Service"]["ServiceUrl"] != b["Service"]["ServiceUrl"]
    assert a["OperationId"] != b["OperationId"]


# ------------------------------------------------------------------------------------- lifecycle on the shared server

def test_pause_and_resume(ar, made):
    created = create_image_service(made, ar)
    arn = created["Service"]["ServiceArn"]
    running = wait_status(ar, arn, "RUNNING")
    assert_error(error_of(ar.resume_service, ServiceArn=arn), "InvalidStateException")

    paused = ar.pause_service(ServiceArn=arn)
    assert set(paused) - {"ResponseMetadata"} == {"Service", "OperationId"}
    assert UUID4.match(paused["OperationId"])
    assert paused["Service"]["Status"] == BUSY
    assert paused["Service"]["UpdatedAt"] > running["UpdatedAt"]
    assert paused["Service"]["CreatedAt"] == running["CreatedAt"]
    done = wait_status(ar, arn, "PAUSED")
    assert done["UpdatedAt"] > paused["Service"]["UpdatedAt"]
    assert_error(error_of(ar.pause_service, ServiceArn=arn), "InvalidStateException")
    assert_error(error_of(ar.start_deployment, ServiceArn=arn), "InvalidRequestException")

    resumed = ar.resume_service(ServiceArn=arn)
    assert resumed["Service"]["Status"] == BUSY and UUID4.match(resumed["OperationId"])
    assert resumed["Service"]["UpdatedAt"] > done["UpdatedAt"]
    back = wait_status(ar, arn, "RUNNING")
    assert back["UpdatedAt"] > resumed["Service"]["UpdatedAt"]

    ops = list_operations(ar, arn)
    assert [(o["Id"], o["Type"], o["Status"]) for o in ops] == [
        (resumed["OperationId"], "RESUME_SERVICE", "SUCCEEDED"),
        (paused["OperationId"], "PAUSE_SERVICE", "SUCCEEDED"),
        (created["OperationId"], "CREATE_SERVICE", "SUCCEEDED"),
    ], "newest first"
    for o in ops:
        assert_finished_operation(o, o["Id"], o["Type"], "SUCCEEDED", arn)
    assert ops[0]["StartedAt"] >= ops[1]["EndedAt"] and ops[1]["StartedAt"] >= ops[2]["EndedAt"]


def test_update_a_running_service(ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    before = ar.describe_service(ServiceArn=arn)["Service"]
    source = image_source(repo={"ImageConfiguration": {"Port": "9000", "StartCommand": "./run"}})
    out = ar.update_service(ServiceArn=arn, SourceConfiguration=source,
                            InstanceConfiguration={"Cpu": "2 vCPU", "Memory": "4 GB"},
                            HealthCheckConfiguration={"Protocol": "HTTP", "Path": "/ping", "Interval": 10,
                                                      "Timeout": 5, "HealthyThreshold": 2, "UnhealthyThreshold": 3})
    assert set(out) - {"ResponseMetadata"} == {"Service", "OperationId"}
    assert UUID4.match(out["OperationId"])
    svc = out["Service"]
    assert svc["Status"] == BUSY
    assert svc["UpdatedAt"] > before["UpdatedAt"]
    assert svc["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"] == {"Port": "9000",
                                                                                   "StartCommand": "./run"}
    assert svc["InstanceConfiguration"] == {"Cpu": "2 vCPU", "Memory": "4 GB"}
    assert svc["HealthCheckConfiguration"] == {"Protocol": "HTTP", "Path": "/ping", "Interval": 10, "Timeout": 5,
                                               "HealthyThreshold": 2, "UnhealthyThreshold": 3}
    for member in ("ServiceName", "ServiceId", "ServiceArn", "ServiceUrl", "CreatedAt", "NetworkConfiguration",
                   "ObservabilityConfiguration", "AutoScalingConfigurationSummary"):
        assert svc[member] == before[member], member
    after = wait_status(ar, arn, "RUNNING")
    assert {k: v for k, v in after.items() if k not in ("Status", "UpdatedAt")} == {
        k: v for k, v in svc.items() if k not in ("Status", "UpdatedAt")}
    _, op = wait_operation(ar, arn, out["OperationId"])
    assert_finished_operation(op, out["OperationId"], "UPDATE_SERVICE", "SUCCEEDED", arn)


def test_update_a_paused_service_keeps_it_paused(ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    ar.pause_service(ServiceArn=arn)
    wait_status(ar, arn, "PAUSED")
    out = ar.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "512", "Memory": "1024"})
    assert out["Service"]["Status"] == BUSY
    svc = wait_status(ar, arn, "PAUSED")
    assert svc["InstanceConfiguration"] == {"Cpu": "512", "Memory": "1024"}
    assert wait_operation(ar, arn, out["OperationId"])[1]["Status"] == "SUCCEEDED"


def test_update_input_is_validated(server, ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    unchecked = server.client("apprunner", config=UNCHECKED)
    conn = missing_connection_arn(server)
    for kwargs in (
        {"SourceConfiguration": code_source(conn)},  # image → code
        {"SourceConfiguration": {**image_source(), **code_source(conn)}},
        {"InstanceConfiguration": {"Cpu": "256", "Memory": "4096"}},
        {"InstanceConfiguration": {"Cpu": "7 vCPU"}},
        {"HealthCheckConfiguration": {"Timeout": 0}},
        {"NetworkConfiguration": {"EgressConfiguration": {"EgressType": "VPC"}}},
        {"ObservabilityConfiguration": {"ObservabilityEnabled": True}},
        {"AutoScalingConfigurationArn": f"arn:aws:apprunner:{server.region}:{server.account_id}:"
                                        f"autoscalingconfiguration/{unique_name('none')}"},
    ):
        assert_error(error_of(unchecked.update_service, ServiceArn=arn, **kwargs), "InvalidRequestException")
    svc = ar.describe_service(ServiceArn=arn)["Service"]
    assert svc["Status"] == "RUNNING", "nothing started"
    assert [o["Type"] for o in list_operations(ar, arn)] == ["CREATE_SERVICE"]


def test_update_cannot_switch_code_to_image(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    resp = made.service(client, ServiceName=unique_name("c2i"),
                        SourceConfiguration=code_source(missing_connection_arn(server, CODE_REGION)))
    arn = resp["Service"]["ServiceArn"]
    wait_status(client, arn, "CREATE_FAILED")
    assert_error(error_of(client.update_service, ServiceArn=arn, SourceConfiguration=image_source()),
                 "InvalidRequestException")


def test_start_deployment(ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    out = ar.start_deployment(ServiceArn=arn)
    assert set(out) - {"ResponseMetadata"} == {"OperationId"}
    assert UUID4.match(out["OperationId"])
    wait_status(ar, arn, "RUNNING")
    _, op = wait_operation(ar, arn, out["OperationId"])
    assert_finished_operation(op, out["OperationId"], "START_DEPLOYMENT", "SUCCEEDED", arn)


def test_delete_keeps_the_service_describable_but_unlisted(ar, made):
    created = create_image_service(made, ar)
    arn = created["Service"]["ServiceArn"]
    running = wait_status(ar, arn, "RUNNING")
    out = ar.delete_service(ServiceArn=arn)
    assert set(out) - {"ResponseMetadata"} == {"Service", "OperationId"}
    assert UUID4.match(out["OperationId"])
    assert out["Service"]["Status"] == BUSY
    assert out["Service"]["UpdatedAt"] > running["UpdatedAt"]
    gone = wait_status(ar, arn, "DELETED")
    assert set(gone) == SERVICE_MEMBERS | {"DeletedAt"}
    assert gone["DeletedAt"] >= gone["CreatedAt"] and gone["UpdatedAt"] >= out["Service"]["UpdatedAt"]
    assert {k: v for k, v in gone.items() if k not in ("Status", "UpdatedAt", "DeletedAt")} == {
        k: v for k, v in running.items() if k not in ("Status", "UpdatedAt")}
    assert arn not in [s["ServiceArn"] for s in all_services(ar)[0]]
    ops = list_operations(ar, arn)
    assert [(o["Id"], o["Type"], o["Status"]) for o in ops] == [
        (out["OperationId"], "DELETE_SERVICE", "SUCCEEDED"),
        (created["OperationId"], "CREATE_SERVICE", "SUCCEEDED"),
    ]
    for call, kwargs in ((ar.pause_service, {}), (ar.resume_service, {}), (ar.delete_service, {}),
                         (ar.start_deployment, {}),
                         (ar.update_service, {"InstanceConfiguration": {"Cpu": "1024", "Memory": "2048"}})):
        assert_error(error_of(call, ServiceArn=arn, **kwargs), "InvalidStateException", "ResourceNotFoundException")
    assert ar.describe_service(ServiceArn=arn)["Service"] == gone, "failed calls change nothing"


def test_paused_and_failed_services_can_be_deleted(server, ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    ar.pause_service(ServiceArn=arn)
    wait_status(ar, arn, "PAUSED")
    ar.delete_service(ServiceArn=arn)
    wait_status(ar, arn, "DELETED")

    client = server.with_region(CODE_REGION).client("apprunner")
    arn = made.service(client, ServiceName=unique_name("cf"), SourceConfiguration=code_source(
        missing_connection_arn(server, CODE_REGION)))["Service"]["ServiceArn"]
    wait_status(client, arn, "CREATE_FAILED")
    assert client.delete_service(ServiceArn=arn)["Service"]["Status"] == BUSY
    assert wait_status(client, arn, "DELETED")["DeletedAt"]


# ------------------------------------------------------------------------------------------- ARNs that find nothing

def service_calls(client):
    return [
        ("DescribeService", client.describe_service, {}),
        ("DeleteService", client.delete_service, {}),
        ("PauseService", client.pause_service, {}),
        ("ResumeService", client.resume_service, {}),
        ("StartDeployment", client.start_deployment, {}),
        ("UpdateService", client.update_service, {"InstanceConfiguration": {"Cpu": "1024", "Memory": "2048"}}),
        ("ListOperations", client.list_operations, {}),
    ]


def test_unknown_and_foreign_service_arns_are_not_found(server, ar, made):
    name = unique_name("own")
    arn = running_service(made, ar, name=name)["ServiceArn"]
    service_id = arn.rsplit("/", 1)[1]
    base = f"arn:aws:apprunner:{server.region}:{server.account_id}:service"
    not_found = [
        f"{base}/{name}/{uuid.uuid4().hex}",
        f"{base}/{unique_name('nope')}/{uuid.uuid4().hex}",
        f"{base}/{unique_name('other')}/{service_id}",  # the right id under another name
        arn.replace(f":{server.region}:", ":eu-west-1:"),
        arn.replace(f":{server.account_id}:", ":210987654321:"),
    ]
    for op_name, call, extra in service_calls(ar):
        for bad in not_found:
            assert_error(error_of(call, ServiceArn=bad, **extra), "ResourceNotFoundException")
    # The service exists, but not in the region the other client signs for.
    other = server.with_region("eu-west-1").client("apprunner")
    assert_error(error_of(other.describe_service, ServiceArn=arn), "ResourceNotFoundException")
    svc = ar.describe_service(ServiceArn=arn)["Service"]
    assert svc["Status"] == "RUNNING"
    assert [o["Type"] for o in list_operations(ar, arn)] == ["CREATE_SERVICE"]


def test_malformed_service_arns_are_invalid(server):
    client = server.client("apprunner", config=UNCHECKED)
    base = f"arn:aws:apprunner:{server.region}:{server.account_id}:service"
    sid = uuid.uuid4().hex
    malformed = [
        "not-an-arn",
        f"{base}/{unique_name()}",
        f"{base}/{unique_name()}/{sid}/extra",
        f"{base}/{unique_name()}/{sid.upper()}",
        f"{base}/{unique_name()}/{sid[:-1]}",
        f"{base}/abc/{sid}",
        f"arn:aws:apprunner:{server.region}:{server.account_id}:connection/{unique_name()}/{sid}",
        f"arn:aws:s3:::{unique_name()}",
        "",
    ]
    for op_name, call, extra in service_calls(client):
        for bad in malformed:
            assert_error(error_of(call, ServiceArn=bad, **extra), "InvalidRequestException")
        assert_error(error_of(call, **extra), "InvalidRequestException")  # no ServiceArn at all


# -------------------------------------------------------------------------------------------------- ListOperations

def test_list_operations_pages_newest_first(server, ar, made):
    created = create_image_service(made, ar)
    arn = created["Service"]["ServiceArn"]
    ids = [created["OperationId"]]
    wait_status(ar, arn, "RUNNING")
    for call in (ar.pause_service, ar.resume_service, ar.start_deployment, ar.pause_service, ar.resume_service):
        ids.append(call(ServiceArn=arn)["OperationId"])
        wait_status(ar, arn, "RUNNING", "PAUSED")
    ids.append(ar.update_service(ServiceArn=arn, InstanceConfiguration={"Cpu": "512", "Memory": "1 GB"})[
        "OperationId"])
    wait_status(ar, arn, "RUNNING")
    assert len(set(ids)) == len(ids)

    everything = ar.list_operations(ServiceArn=arn)
    assert "NextToken" not in everything
    full = everything["OperationSummaryList"]
    assert [o["Id"] for o in full] == ids[::-1], "newest first, each id as the mutating call returned it"
    assert [o["Type"] for o in full] == ["UPDATE_SERVICE", "RESUME_SERVICE", "PAUSE_SERVICE", "START_DEPLOYMENT",
                                         "RESUME_SERVICE", "PAUSE_SERVICE", "CREATE_SERVICE"]
    starts = [o["StartedAt"] for o in full]
    assert starts == sorted(starts, reverse=True)
    for size in (1, 2, 3, 7, 20):
        pages, token, out = 0, None, []
        while True:
            page = ar.list_operations(ServiceArn=arn, MaxResults=size, **({"NextToken": token} if token else {}))
            pages += 1
            assert len(page["OperationSummaryList"]) <= size
            out.extend(page["OperationSummaryList"])
            token = page.get("NextToken")
            if not token:
                break
        assert out == full, f"no gaps or duplicates with MaxResults={size}"
        assert pages == max(1, -(-len(full) // size))

    token = ar.list_operations(ServiceArn=arn, MaxResults=1)["NextToken"]
    unchecked = server.client("apprunner", config=UNCHECKED)
    for kwargs in ({"MaxResults": 0}, {"MaxResults": 21}, {"NextToken": "not-a-token"},
                   {"NextToken": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")}):
        assert_error(error_of(unchecked.list_operations, ServiceArn=arn, **kwargs), "InvalidRequestException")
    # A token belongs to its service.
    other = create_image_service(made, ar)["Service"]["ServiceArn"]
    assert_error(error_of(ar.list_operations, ServiceArn=other, NextToken=token), "InvalidRequestException")


# ---------------------------------------------------------------------------------------------------- ListServices

def test_list_services_summaries_and_pagination(server, made):
    srv = server.with_region(LIST_REGION)
    client = srv.client("apprunner")
    names = [unique_name("ls") for _ in range(5)]
    arns = [create_image_service(made, client, n)["Service"]["ServiceArn"] for n in names]
    for arn in arns:
        wait_status(client, arn, "RUNNING")
    doomed = arns.pop(2)
    client.delete_service(ServiceArn=doomed)
    wait_status(client, doomed, "DELETED")

    listing = client.list_services()
    assert "NextToken" not in listing
    full = listing["ServiceSummaryList"]
    mine = {s["ServiceArn"]: s for s in full if s["ServiceArn"] in arns + [doomed]}
    assert set(mine) == set(arns), "deleted services are not listed"
    for arn in arns:
        svc = client.describe_service(ServiceArn=arn)["Service"]
        assert set(mine[arn]) == SUMMARY_MEMBERS
        assert mine[arn] == {k: svc[k] for k in SUMMARY_MEMBERS}
        assert service_arn_re(LIST_REGION, server.account_id, svc["ServiceName"]).match(arn)
        assert svc["ServiceUrl"].endswith(f".{LIST_REGION}.awsapprunner.com")
    for size in (1, 2, 3, 20):
        paged, pages = all_services(client, MaxResults=size)
        keys = [s["ServiceArn"] for s in paged]
        assert len(keys) == len(set(keys)), "no duplicates"
        assert paged == full, f"no gaps with MaxResults={size}"
        assert pages == max(1, -(-len(full) // size))

    # Pages stay consistent while services are created between them.
    first = client.list_services(MaxResults=2)
    seen = [s["ServiceArn"] for s in first["ServiceSummaryList"]]
    token = first["NextToken"]
    newcomer = create_image_service(made, client)["Service"]["ServiceArn"]
    while token:
        page = client.list_services(MaxResults=2, NextToken=token)
        seen.extend(s["ServiceArn"] for s in page["ServiceSummaryList"])
        token = page.get("NextToken")
    assert len(seen) == len(set(seen)), "no duplicates across an insert"
    assert set(arns) <= set(seen), "no gaps across an insert"
    assert set(seen) <= set(arns) | {newcomer} | {s["ServiceArn"] for s in full}

    unchecked = srv.client("apprunner", config=UNCHECKED)
    for kwargs in ({"MaxResults": 0}, {"MaxResults": 21}, {"NextToken": "not-a-token"}):
        assert_error(error_of(unchecked.list_services, **kwargs), "InvalidRequestException")
    assert_error(error_of(server.client("apprunner").list_services, NextToken=first["NextToken"]),
                 "InvalidRequestException")


# ------------------------------------------------------------------------------------ references held by services

def test_auto_scaling_configuration_references(server, made):
    srv = server.with_region(ASC_REGION)
    client = srv.client("apprunner")
    name = unique_name("asc")
    r1 = client.create_auto_scaling_configuration(AutoScalingConfigurationName=name, MaxSize=3)[
        "AutoScalingConfiguration"]
    r2 = client.create_auto_scaling_configuration(AutoScalingConfigurationName=name, MaxSize=4)[
        "AutoScalingConfiguration"]
    by_name = r1["AutoScalingConfigurationArn"].rsplit("/", 2)[0]
    made.later(client.delete_auto_scaling_configuration, AutoScalingConfigurationArn=by_name,
               DeleteAllRevisions=True)

    latest = create_image_service(made, client, AutoScalingConfigurationArn=by_name)["Service"]
    assert latest["AutoScalingConfigurationSummary"] == asc_summary_of(r2), "a name ARN → the latest revision"
    pinned = create_image_service(made, client, AutoScalingConfigurationArn=f"{by_name}/1")["Service"]
    assert pinned["AutoScalingConfigurationSummary"] == asc_summary_of(r1)
    full = create_image_service(made, client, AutoScalingConfigurationArn=r1["AutoScalingConfigurationArn"])["Service"]
    assert full["AutoScalingConfigurationSummary"] == asc_summary_of(r1)
    plain = create_image_service(made, client)["Service"]
    assert plain["AutoScalingConfigurationSummary"] == default_asc_summary(server, ASC_REGION)

    def has_service(arn):
        return client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)[
            "AutoScalingConfiguration"]["HasAssociatedService"]

    def services_of(arn):
        return sorted(client.list_services_for_auto_scaling_configuration(AutoScalingConfigurationArn=arn)[
            "ServiceArnList"])

    default_arn = default_asc_summary(server, ASC_REGION)["AutoScalingConfigurationArn"]
    assert has_service(r1["AutoScalingConfigurationArn"]) and has_service(r2["AutoScalingConfigurationArn"])
    assert has_service(default_arn)
    listed = {s["AutoScalingConfigurationArn"]: s["HasAssociatedService"] for s in
              client.list_auto_scaling_configurations(LatestOnly=False)["AutoScalingConfigurationSummaryList"]}
    assert listed[r1["AutoScalingConfigurationArn"]] is True and listed[default_arn] is True
    assert services_of(r1["AutoScalingConfigurationArn"]) == sorted([pinned["ServiceArn"], full["ServiceArn"]])
    assert services_of(f"{by_name}/1") == sorted([pinned["ServiceArn"], full["ServiceArn"]])
    assert services_of(by_name) == [latest["ServiceArn"]]
    assert services_of(default_arn) == [plain["ServiceArn"]]

    # In use: neither a revision nor the whole name can be deleted.
    for kwargs in ({"AutoScalingConfigurationArn": r2["AutoScalingConfigurationArn"]},
                   {"AutoScalingConfigurationArn": by_name, "DeleteAllRevisions": True}):
        assert_error(error_of(client.delete_auto_scaling_configuration, **kwargs), "InvalidRequestException")

    # Moving a service to another revision moves the association.
    wait_status(client, latest["ServiceArn"], "RUNNING")
    out = client.update_service(ServiceArn=latest["ServiceArn"], AutoScalingConfigurationArn=f"{by_name}/1")
    assert out["Service"]["AutoScalingConfigurationSummary"] == asc_summary_of(r1)
    wait_status(client, latest["ServiceArn"], "RUNNING")
    assert client.describe_service(ServiceArn=latest["ServiceArn"])["Service"][
        "AutoScalingConfigurationSummary"] == asc_summary_of(r1)
    assert has_service(r2["AutoScalingConfigurationArn"]) is False
    assert services_of(r2["AutoScalingConfigurationArn"]) == []
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=r2["AutoScalingConfigurationArn"])

    # Once the services using r1 are deleted, it is free again.
    for svc in (latest, pinned, full):
        delete_and_wait(client, svc["ServiceArn"])
    assert has_service(r1["AutoScalingConfigurationArn"]) is False
    assert services_of(r1["AutoScalingConfigurationArn"]) == []
    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=r1["AutoScalingConfigurationArn"])
    delete_and_wait(client, plain["ServiceArn"])
    assert has_service(default_arn) is False


def test_new_services_take_the_current_default_configuration(server, made):
    client = server.with_region(DEFAULT_MOVED_REGION).client("apprunner")
    before = create_image_service(made, client)["Service"]
    assert before["AutoScalingConfigurationSummary"] == default_asc_summary(server, DEFAULT_MOVED_REGION)
    mine = client.create_auto_scaling_configuration(AutoScalingConfigurationName=unique_name("dflt"), MinSize=2)[
        "AutoScalingConfiguration"]
    client.update_default_auto_scaling_configuration(AutoScalingConfigurationArn=mine["AutoScalingConfigurationArn"])
    after = create_image_service(made, client)["Service"]
    assert after["AutoScalingConfigurationSummary"] == asc_summary_of(mine)
    assert client.describe_service(ServiceArn=before["ServiceArn"])["Service"][
        "AutoScalingConfigurationSummary"] == default_asc_summary(server, DEFAULT_MOVED_REGION), \
        "changing the default does not touch existing services"


def test_connection_in_use_cannot_be_deleted(server, made):
    client = server.with_region(CODE_REGION).client("apprunner")
    conn = client.create_connection(ConnectionName=unique_name("use"), ProviderType="GITHUB")["Connection"]
    made.later(client.delete_connection, ConnectionArn=conn["ConnectionArn"])
    arn = made.service(client, ServiceName=unique_name("uses"),
                       SourceConfiguration=code_source(conn["ConnectionArn"]))["Service"]["ServiceArn"]
    assert_error(error_of(client.delete_connection, ConnectionArn=conn["ConnectionArn"]), "InvalidRequestException")
    wait_status(client, arn, "CREATE_FAILED")
    assert_error(error_of(client.delete_connection, ConnectionArn=conn["ConnectionArn"]), "InvalidRequestException")
    delete_and_wait(client, arn)
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == "DELETED"
    gone = client.delete_connection(ConnectionArn=conn["ConnectionArn"])["Connection"]
    assert gone["Status"] == "DELETED"


def test_vpc_connector_in_use(server, ar, made):
    vpc = ar.create_vpc_connector(VpcConnectorName=unique_name("vpc"), Subnets=["subnet-1"])["VpcConnector"]
    made.later(ar.delete_vpc_connector, VpcConnectorArn=vpc["VpcConnectorArn"])
    network = {"EgressConfiguration": {"EgressType": "VPC", "VpcConnectorArn": vpc["VpcConnectorArn"]}}
    svc = create_image_service(made, ar, NetworkConfiguration=network)["Service"]
    assert svc["NetworkConfiguration"] == {**DEFAULT_NETWORK, **network}
    assert_error(error_of(ar.delete_vpc_connector, VpcConnectorArn=vpc["VpcConnectorArn"]), "InvalidRequestException")
    wait_status(ar, svc["ServiceArn"], "RUNNING")
    delete_and_wait(ar, svc["ServiceArn"])
    assert ar.delete_vpc_connector(VpcConnectorArn=vpc["VpcConnectorArn"])["VpcConnector"]["Status"] == "INACTIVE"


def test_observability_configuration_in_use(server, ar, made):
    obs = ar.create_observability_configuration(ObservabilityConfigurationName=unique_name("obs"),
                                                TraceConfiguration={"Vendor": "AWSXRAY"})["ObservabilityConfiguration"]
    arn = obs["ObservabilityConfigurationArn"]
    made.later(ar.delete_observability_configuration, ObservabilityConfigurationArn=arn)
    given = {"ObservabilityEnabled": True, "ObservabilityConfigurationArn": arn}
    svc = create_image_service(made, ar, ObservabilityConfiguration=given)["Service"]
    assert svc["ObservabilityConfiguration"] == given
    assert_error(error_of(ar.delete_observability_configuration, ObservabilityConfigurationArn=arn),
                 "InvalidRequestException")
    wait_status(ar, svc["ServiceArn"], "RUNNING")
    delete_and_wait(ar, svc["ServiceArn"])
    assert ar.delete_observability_configuration(ObservabilityConfigurationArn=arn)[
        "ObservabilityConfiguration"]["Status"] == "INACTIVE"


def test_service_tags(ar, made):
    arn = create_image_service(made, ar, Tags=[{"Key": "a", "Value": "1"}])["Service"]["ServiceArn"]
    ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert ar.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    ar.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ar.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


# ---------------------------------------------------------------------------------------------------- CloudTrail

def test_every_service_call_is_recorded(server, ar, made):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    source = image_source(repo={"ImageConfiguration": {
        "StartCommand": f"./serve --token {secret}",
        "RuntimeEnvironmentVariables": {"TOKEN": secret},
        "RuntimeEnvironmentSecrets": {"DB": f"arn:aws:ssm:{server.region}:{server.account_id}:parameter/{secret}"},
    }})
    request = {"ServiceName": unique_name("ct"), "SourceConfiguration": source,
               "InstanceConfiguration": {"Cpu": "512", "Memory": "1024"},
               "Tags": [{"Key": "owner", "Value": "ci"}]}
    created = made.service(ar, **request)
    arn = created["Service"]["ServiceArn"]
    calls = [("CreateService", created, request)]
    wait_status(ar, arn, "RUNNING")
    calls.append(("DescribeService", ar.describe_service(ServiceArn=arn), {"ServiceArn": arn}))
    update = {"ServiceArn": arn, "SourceConfiguration": image_source(repo={"ImageConfiguration": {
        "StartCommand": f"./serve --again {secret}", "RuntimeEnvironmentVariables": {"TOKEN": secret + "2"}}})}
    calls.append(("UpdateService", ar.update_service(**update), update))
    wait_status(ar, arn, "RUNNING")
    calls.append(("StartDeployment", ar.start_deployment(ServiceArn=arn), {"ServiceArn": arn}))
    wait_status(ar, arn, "RUNNING")
    calls.append(("PauseService", ar.pause_service(ServiceArn=arn), {"ServiceArn": arn}))
    wait_status(ar, arn, "PAUSED")
    calls.append(("ResumeService", ar.resume_service(ServiceArn=arn), {"ServiceArn": arn}))
    wait_status(ar, arn, "RUNNING")
    calls.append(("ListOperations", ar.list_operations(ServiceArn=arn, MaxResults=5),
                  {"ServiceArn": arn, "MaxResults": 5}))
    calls.append(("ListServices", ar.list_services(MaxResults=20), {"MaxResults": 20}))
    calls.append(("DeleteService", ar.delete_service(ServiceArn=arn), {"ServiceArn": arn}))
    wait_status(ar, arn, "DELETED")

    read_only = {"DescribeService", "ListOperations", "ListServices"}
    for event_name, resp, req in calls:
        event, record = record_of(server, resp["ResponseMetadata"]["RequestId"], event_name)
        text = event["CloudTrailEvent"]
        assert secret not in text, f"{event_name} record leaks a sensitive value"
        assert record["eventSource"] == "apprunner.amazonaws.com" and record["eventName"] == event_name
        assert record["awsRegion"] == server.region
        assert "errorCode" not in record
        assert record["readOnly"] is (event_name in read_only)
        assert record["requestParameters"] == as_recorded(req), event_name
        if event_name in read_only:
            assert record["responseElements"] is None
        else:
            body = {k: v for k, v in resp.items() if k != "ResponseMetadata"}
            assert record["responseElements"] == as_recorded(body), event_name
        if event_name != "ListServices":
            assert service_resource(server, arn) in record["resources"], (event_name, record.get("resources"))
            assert {"ResourceType": "AWS::AppRunner::Service", "ResourceName": arn} in event["Resources"]
        assert secret not in "".join(server.stderr_lines)

    _, create_record = record_of(server, created["ResponseMetadata"]["RequestId"], "CreateService")
    assert create_record["resources"] == [service_resource(server, arn)]
    image_config = create_record["requestParameters"]["sourceConfiguration"]["imageRepository"]["imageConfiguration"]
    assert image_config == {"startCommand": HIDDEN, "runtimeEnvironmentVariables": HIDDEN,
                            "runtimeEnvironmentSecrets": HIDDEN}
    svc = create_record["responseElements"]["service"]
    assert svc["sourceConfiguration"]["imageRepository"]["imageConfiguration"] == {
        "startCommand": HIDDEN, "runtimeEnvironmentVariables": HIDDEN, "runtimeEnvironmentSecrets": HIDDEN,
        "port": "8080"}
    assert ISO_MS.match(svc["createdAt"]) and svc["createdAt"] == svc["updatedAt"]
    assert UUID4.match(create_record["responseElements"]["operationId"])
    assert create_record["requestParameters"]["tags"] == [{"key": "owner", "value": "ci"}]
    _, delete_record = record_of(server, calls[-1][1]["ResponseMetadata"]["RequestId"], "DeleteService")
    assert ISO_MS.match(delete_record["responseElements"]["service"]["updatedAt"])


def test_failed_service_calls_are_recorded(server, ar, made):
    arn = running_service(made, ar)["ServiceArn"]
    resp = error_of(ar.resume_service, ServiceArn=arn)
    _, record = record_of(server, resp["ResponseMetadata"]["RequestId"], "ResumeService")
    assert record["errorCode"] == "InvalidStateException"
    assert record["errorMessage"] == resp["Error"]["Message"]
    assert record["requestParameters"] == {"serviceArn": arn} and record["responseElements"] is None
    assert record["resources"] == [service_resource(server, arn)]


# ------------------------------------------------------------------------------- operations caught while running

@pytest.fixture(scope="module")
def slow():
    with running_server("--lifecycle-delay", "700ms") as srv:
        yield srv


def test_calls_while_an_operation_runs(slow):
    client = slow.client("apprunner")
    name = unique_name("busy")
    created = client.create_service(ServiceName=name, SourceConfiguration=image_source())
    arn, op_id = created["Service"]["ServiceArn"], created["OperationId"]

    first = operation(client, arn, op_id)
    assert first["Status"] in ("PENDING", "IN_PROGRESS") and "EndedAt" not in first
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == BUSY
    for call, kwargs in ((client.pause_service, {}), (client.resume_service, {}), (client.delete_service, {}),
                         (client.update_service, {"InstanceConfiguration": {"Cpu": "512", "Memory": "1024"}})):
        assert_error(error_of(call, ServiceArn=arn, **kwargs), "InvalidStateException")
    assert_error(error_of(client.start_deployment, ServiceArn=arn), "InvalidRequestException")

    seen, op = wait_operation(client, arn, op_id)
    order = ["PENDING", "IN_PROGRESS", "SUCCEEDED"]
    assert seen[-1] == "SUCCEEDED" and [order.index(s) for s in seen] == sorted(order.index(s) for s in seen), seen
    assert_finished_operation(op, op_id, "CREATE_SERVICE", "SUCCEEDED", arn)
    assert wait_status(client, arn, "RUNNING")["Status"] == "RUNNING"

    deployment = client.start_deployment(ServiceArn=arn)["OperationId"]
    assert client.describe_service(ServiceArn=arn)["Service"]["Status"] == BUSY
    assert_error(error_of(client.start_deployment, ServiceArn=arn), "InvalidRequestException")
    assert_error(error_of(client.pause_service, ServiceArn=arn), "InvalidStateException")
    wait_status(client, arn, "RUNNING")
    assert wait_operation(client, arn, deployment)[1]["Status"] == "SUCCEEDED"

    client.pause_service(ServiceArn=arn)
    for call in (client.pause_service, client.resume_service, client.delete_service):
        assert_error(error_of(call, ServiceArn=arn), "InvalidStateException")
    wait_status(client, arn, "PAUSED")

    client.delete_service(ServiceArn=arn)
    assert_error(error_of(client.delete_service, ServiceArn=arn), "InvalidStateException")
    # The name stays taken until the deletion completes.
    assert_error(error_of(client.create_service, ServiceName=name, SourceConfiguration=image_source()),
                 "InvalidRequestException")
    wait_status(client, arn, "DELETED")
    again = client.create_service(ServiceName=name, SourceConfiguration=image_source())["Service"]
    assert again["ServiceArn"] != arn
    # Every member but EndedAt is there from the start, StartedAt included (checked last: the rest above must
    # not hide behind it).
    assert set(first) == OPERATION_MEMBERS - {"EndedAt"}, first


def test_handshake_before_the_deployment_finishes(slow):
    client = slow.client("apprunner")
    conn = client.create_connection(ConnectionName=unique_name("late"), ProviderType="BITBUCKET")["Connection"]
    arn = client.create_service(ServiceName=unique_name("late"),
                                SourceConfiguration=code_source(conn["ConnectionArn"]))["Service"]["ServiceArn"]
    complete_handshake(slow, conn["ConnectionArn"])
    assert wait_status(client, arn, "RUNNING", "CREATE_FAILED")["Status"] == "RUNNING", \
        "the connection is AVAILABLE when the deployment finishes"


# -------------------------------------------------------------------------------------------------------- quotas

def test_service_quota_on_a_private_server(fresh_dir):
    srv = start_server(fresh_dir / "d", "--quota", "services=2", "--lifecycle-delay", "500ms")
    try:
        client = srv.client("apprunner")
        a = client.create_service(ServiceName="quota-a", SourceConfiguration=image_source())["Service"]
        # A service that fails to create still counts.
        b = client.create_service(ServiceName="quota-b", SourceConfiguration=code_source(
            missing_connection_arn(srv)))["Service"]
        assert_error(error_of(client.create_service, ServiceName="quota-c", SourceConfiguration=image_source()),
                     "ServiceQuotaExceededException")
        wait_status(client, b["ServiceArn"], "CREATE_FAILED")
        assert_error(error_of(client.create_service, ServiceName="quota-c", SourceConfiguration=image_source()),
                     "ServiceQuotaExceededException")
        # The slot is freed when the deletion completes, not when it starts.
        wait_status(client, a["ServiceArn"], "RUNNING")
        client.delete_service(ServiceArn=a["ServiceArn"])
        assert_error(error_of(client.create_service, ServiceName="quota-c", SourceConfiguration=image_source()),
                     "ServiceQuotaExceededException")
        wait_status(client, a["ServiceArn"], "DELETED")
        client.create_service(ServiceName="quota-c", SourceConfiguration=image_source())
        assert_error(error_of(client.create_service, ServiceName="quota-d", SourceConfiguration=image_source()),
                     "ServiceQuotaExceededException")
        # Another region has a quota of its own.
        srv.with_region("us-west-2").client("apprunner").create_service(ServiceName="quota-d",
                                                                        SourceConfiguration=image_source())
    finally:
        assert stop_server(srv) == 0


def test_service_quota_holds_under_concurrent_creates(fresh_dir):
    """Creates racing for the last slots: exactly the quota succeeds, every other call is refused with the quota's
    error (a create that loses a slot to another re-runs and picks again)."""
    from concurrent.futures import ThreadPoolExecutor
    srv = start_server(fresh_dir / "d", "--quota", "services=6", "--lifecycle-delay", "1s")
    try:
        client = srv.client("apprunner", config=botocore.config.Config(max_pool_connections=24))

        def create(i):
            try:
                client.create_service(ServiceName=f"race-{i:02d}", SourceConfiguration=image_source())
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        with ThreadPoolExecutor(24) as pool:
            outcomes = list(pool.map(create, range(24)))
        assert outcomes.count("ok") == 6, outcomes
        assert set(outcomes) == {"ok", "ServiceQuotaExceededException"}, outcomes
        assert len(all_services(client)[0]) == 6
    finally:
        assert stop_server(srv) == 0


def test_a_lowered_service_quota_holds_for_services_that_exist(fresh_dir):
    srv = start_server(fresh_dir / "d", "--quota", "services=40", "--lifecycle-delay", "100ms")
    try:
        client = srv.client("apprunner")
        for i in range(3):
            client.create_service(ServiceName=f"before-{i}", SourceConfiguration=image_source())
    finally:
        assert stop_server(srv) == 0
    srv = start_server(fresh_dir / "d", "--quota", "services=3", "--lifecycle-delay", "100ms")
    try:
        client = srv.client("apprunner")
        assert_error(error_of(client.create_service, ServiceName="after", SourceConfiguration=image_source()),
                     "ServiceQuotaExceededException")
    finally:
        assert stop_server(srv) == 0


def test_other_quotas_can_be_set(fresh_dir):
    srv = start_server(fresh_dir / "d", "--quota", "connections=1", "--quota", "vpc-connectors=1",
                       "--quota", "auto-scaling-configurations=1", "--quota", "observability-configurations=1")
    try:
        client = srv.client("apprunner")
        client.create_connection(ConnectionName="conn-1", ProviderType="GITHUB")
        assert_error(error_of(client.create_connection, ConnectionName="conn-2", ProviderType="GITHUB"),
                     "ServiceQuotaExceededException")
        client.create_vpc_connector(VpcConnectorName="vpc-1", Subnets=["subnet-1"])
        assert_error(error_of(client.create_vpc_connector, VpcConnectorName="vpc-2", Subnets=["subnet-1"]),
                     "ServiceQuotaExceededException")
        client.create_auto_scaling_configuration(AutoScalingConfigurationName="asc-1")
        assert_error(error_of(client.create_auto_scaling_configuration, AutoScalingConfigurationName="asc-2"),
                     "ServiceQuotaExceededException")
        client.create_observability_configuration(ObservabilityConfigurationName="obs-1")
        assert_error(error_of(client.create_observability_configuration, ObservabilityConfigurationName="obs-2"),
                     "ServiceQuotaExceededException")
    finally:
        assert stop_server(srv) == 0


def test_default_quota_is_thirty_services(fresh_dir):
    srv = start_server(fresh_dir / "d", "--lifecycle-delay", "100ms")
    try:
        client = srv.client("apprunner")
        for i in range(30):
            client.create_service(ServiceName=f"many-{i:02d}", SourceConfiguration=image_source())
        resp = error_of(client.create_service, ServiceName="many-30", SourceConfiguration=image_source())
        assert_error(resp, "ServiceQuotaExceededException")
        assert len(all_services(client)[0]) == 30
    finally:
        assert stop_server(srv) == 0
