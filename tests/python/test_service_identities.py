"""What trailrunner does by itself on an account's behalf, recorded with an `AWSService` identity.

App Runner's build service (`build.apprunner.amazonaws.com`) assumes a service's ECR access role to pull its image,
and App Runner (`tasks.apprunner.amazonaws.com`) assumes the instance role when the service runs. Each is an STS
`AssumeRole` in the customer's CloudTrail with `userIdentity` `{"type": "AWSService", "invokedBy": <principal>}`
(CloudTrail spec §2.3); a role that is missing or does not trust the principal is refused (`AccessDenied`), and an
access role refused fails the deployment.
"""

import json
import re
import time
import uuid

import pytest

from conftest import running_server
from records import lookup

BUILD = "build.apprunner.amazonaws.com"
TASKS = "tasks.apprunner.amazonaws.com"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(scope="module")
def server():
    with running_server("--lifecycle-delay", "100ms") as srv:
        yield srv


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_role(server, principal, path="/service-role/"):
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}
    return server.client("iam").create_role(
        Path=path, RoleName=name("role"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]


def ecr_service(server, access_role_arn, **extra):
    image = f"{server.account_id}.dkr.ecr.{server.region}.amazonaws.com/app/web:v1"
    return server.client("apprunner").create_service(
        ServiceName=name("svc"),
        SourceConfiguration={
            "ImageRepository": {"ImageIdentifier": image, "ImageRepositoryType": "ECR"},
            "AuthenticationConfiguration": {"AccessRoleArn": access_role_arn},
        },
        **extra,
    )["Service"]


def wait_status(server, arn, *wanted, timeout=10):
    ar = server.client("apprunner")
    deadline = time.monotonic() + timeout
    while True:
        svc = ar.describe_service(ServiceArn=arn)["Service"]
        if svc["Status"] in wanted:
            return svc
        assert svc["Status"] == "OPERATION_IN_PROGRESS", svc["Status"]
        assert time.monotonic() < deadline, f"{arn} stuck in {svc['Status']}"
        time.sleep(0.05)


def assume_records(server, role_arn):
    """The AssumeRole events (LookupEvents entries, records) naming `role_arn`, newest first."""
    out = []
    for event in lookup(server, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}],
                        StartTime=time.time() - 600):
        record = json.loads(event["CloudTrailEvent"])
        if record["requestParameters"] and record["requestParameters"].get("roleArn") == role_arn:
            out.append((event, record))
    return out


def check_common(server, event, record, principal, role_arn, service_id):
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": principal}, "spec §2.3, nothing else"
    assert record["eventSource"] == "sts.amazonaws.com"
    assert record["eventName"] == "AssumeRole"
    assert record["awsRegion"] == server.region
    assert record["sourceIPAddress"] == principal
    assert record["userAgent"] == principal
    assert record["eventType"] == "AwsApiCall"
    assert record["managementEvent"] is True
    assert record["eventCategory"] == "Management"
    assert record["readOnly"] is False
    assert record["recipientAccountId"] == server.account_id
    assert UUID_RE.match(record["requestID"]) and UUID_RE.match(record["eventID"])
    assert TIME_RE.match(record["eventTime"])
    assert "tlsDetails" not in record, "absent when a service acted (spec §1.3)"
    assert "sharedEventID" not in record, "only for events delivered to several accounts"
    assert record["requestParameters"] == {"roleArn": role_arn, "roleSessionName": service_id,
                                           "durationSeconds": 3600}
    assert {"ARN": role_arn, "accountId": server.account_id, "type": "AWS::IAM::Role"} in record["resources"]
    # The LookupEvents view of it.
    assert event["EventSource"] == "sts.amazonaws.com"
    assert event["EventName"] == "AssumeRole"
    assert event["ReadOnly"] == "false"
    assert event["Username"] == service_id, "the role session name, as for services assuming roles"
    assert "AccessKeyId" not in event or event["AccessKeyId"] in ("", None)
    assert {"ResourceType": "AWS::IAM::Role", "ResourceName": role_arn} in event["Resources"]


def test_access_role_trusting_the_build_service_is_assumed_and_recorded(server):
    role = make_role(server, BUILD)
    svc = ecr_service(server, role["Arn"])
    done = wait_status(server, svc["ServiceArn"], "RUNNING", "CREATE_FAILED")
    assert done["Status"] == "RUNNING"
    found = assume_records(server, role["Arn"])
    assert len(found) == 1, found
    event, record = found[0]
    check_common(server, event, record, BUILD, role["Arn"], svc["ServiceId"])
    assert "errorCode" not in record and "errorMessage" not in record
    creds = record["responseElements"]["credentials"]
    assert creds["accessKeyId"].startswith("ASIA") and len(creds["accessKeyId"]) == 20
    assert creds["expiration"], creds
    # Redacted like any AssumeRole's (the model's sensitive members and models/sensitive-overrides.json).
    assert creds["secretAccessKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert creds["sessionToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    session_arn = f"arn:aws:sts::{server.account_id}:assumed-role/{role['RoleName']}/{svc['ServiceId']}"
    assert record["responseElements"]["assumedRoleUser"] == {
        "assumedRoleId": f"{role['RoleId']}:{svc['ServiceId']}", "arn": session_arn}
    # Same filter through the Username attribute.
    by_user = lookup(server, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": svc["ServiceId"]}])
    assert [e["EventId"] for e in by_user] == [event["EventId"]]


@pytest.mark.parametrize("problem", ["missing", "untrusted"])
def test_access_role_refused_fails_the_creation_with_an_access_denied_record(server, problem):
    if problem == "missing":
        role_arn = f"arn:aws:iam::{server.account_id}:role/service-role/{name('gone')}"
    else:
        role_arn = make_role(server, TASKS)["Arn"]  # trusts the instances, not the build service
    svc = ecr_service(server, role_arn)
    done = wait_status(server, svc["ServiceArn"], "RUNNING", "CREATE_FAILED")
    assert done["Status"] == "CREATE_FAILED"
    ops = server.client("apprunner").list_operations(ServiceArn=svc["ServiceArn"])["OperationSummaryList"]
    assert [(o["Type"], o["Status"]) for o in ops] == [("CREATE_SERVICE", "FAILED")]
    found = assume_records(server, role_arn)
    assert len(found) == 1, found
    event, record = found[0]
    check_common(server, event, record, BUILD, role_arn, svc["ServiceId"])
    assert record["errorCode"] == "AccessDenied"
    assert record["errorMessage"] == (f"User: {BUILD} is not authorized to perform: sts:AssumeRole on resource: "
                                      f"{role_arn}")
    assert record["responseElements"] is None


def test_refused_access_role_rolls_back_a_deployment_of_a_running_service(server):
    role = make_role(server, BUILD)
    svc = ecr_service(server, role["Arn"])
    assert wait_status(server, svc["ServiceArn"], "RUNNING")["Status"] == "RUNNING"
    # Take the trust away: the next deployment cannot pull the image.
    server.client("iam").update_assume_role_policy(RoleName=role["RoleName"], PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": TASKS}, "Action": "sts:AssumeRole"}]}))
    op = server.client("apprunner").start_deployment(ServiceArn=svc["ServiceArn"])["OperationId"]
    time.sleep(0.05)
    assert wait_status(server, svc["ServiceArn"], "RUNNING")["Status"] == "RUNNING"
    ops = server.client("apprunner").list_operations(ServiceArn=svc["ServiceArn"])["OperationSummaryList"]
    assert {o["Id"]: o["Status"] for o in ops}[op] == "ROLLBACK_SUCCEEDED"
    found = assume_records(server, role["Arn"])
    assert [r.get("errorCode") for _, r in found] == ["AccessDenied", None], "newest first"


def test_instance_role_is_assumed_by_the_tasks_principal_when_the_service_runs(server):
    access = make_role(server, BUILD)
    instance = make_role(server, TASKS, path="/")
    svc = ecr_service(server, access["Arn"],
                      InstanceConfiguration={"Cpu": "1 vCPU", "Memory": "2 GB", "InstanceRoleArn": instance["Arn"]})
    assert wait_status(server, svc["ServiceArn"], "RUNNING", "CREATE_FAILED")["Status"] == "RUNNING"
    found = assume_records(server, instance["Arn"])
    assert len(found) == 1, found
    event, record = found[0]
    check_common(server, event, record, TASKS, instance["Arn"], svc["ServiceId"])
    assert "errorCode" not in record
    assert record["responseElements"]["assumedRoleUser"]["arn"] == (
        f"arn:aws:sts::{server.account_id}:assumed-role/{instance['RoleName']}/{svc['ServiceId']}")
    # The build service's assumption of the access role is a separate event with its own principal.
    [(_, build)] = assume_records(server, access["Arn"])
    assert build["userIdentity"]["invokedBy"] == BUILD
    assert build["eventID"] != record["eventID"] and build["requestID"] != record["requestID"]


def test_public_images_assume_nothing(server):
    instance = make_role(server, TASKS, path="/")
    ar = server.client("apprunner")
    svc = ar.create_service(ServiceName=name("pub"), SourceConfiguration={"ImageRepository": {
        "ImageIdentifier": "public.ecr.aws/aws-containers/hello-app-runner:latest",
        "ImageRepositoryType": "ECR_PUBLIC"}})["Service"]
    assert wait_status(server, svc["ServiceArn"], "RUNNING")["Status"] == "RUNNING"
    assert assume_records(server, instance["Arn"]) == []
