"""App Runner VPC ingress connections (spec §2, §3.1, §3.3, §3.9, §3.11): CreateVpcIngressConnection,
DescribeVpcIngressConnection, ListVpcIngressConnections, UpdateVpcIngressConnection, DeleteVpcIngressConnection,
their lifecycle, their state rules, their tags and their CloudTrail records.

The quota is one connection per account and region (App Runner's default, not adjustable there), so these tests run
on private servers: `fast` (lifecycle delay 100 ms, three connections per region) where every test works in a
region of its own, `slow` (1 s, the default quota) for the tests that must catch a connection or a service in the
middle of a transition, and one of their own for the default quota. Tests poll with deadlines, never sleep blindly.
"""

import datetime
import itertools
import json
import re
import time
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import running_server, start_server, stop_server
from records import record_of

UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"
BUSY = "OPERATION_IN_PROGRESS"
POLL = 0.02
MEMBERS = {
    "VpcIngressConnectionArn", "VpcIngressConnectionName", "ServiceArn", "Status", "AccountId", "DomainName",
    "IngressVpcConfiguration", "CreatedAt",
}
INGRESS = {"VpcId": "vpc-0a1b2c3d4e5f60718", "VpcEndpointId": "vpce-0123456789abcdef0"}
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# One region per test on the shared private servers, so quotas and lists stay per test (any region name works).
REGIONS = (f"xx-test-{n}" for n in itertools.count(1))


# ---------------------------------------------------------------------------------------------------- helpers

def unique_name(prefix="vic"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def assert_error(resp, code):
    assert resp["Error"]["Code"] == code, resp["Error"]
    assert resp["Message"] == resp["Error"]["Message"] and resp["Message"], "the modeled Message member is filled"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.fixture(scope="module")
def fast():
    with running_server("--lifecycle-delay", "100ms", "--quota", "vpc-ingress-connections=3") as srv:
        yield srv


@pytest.fixture(scope="module")
def slow():
    with running_server("--lifecycle-delay", "1s") as srv:
        yield srv


@pytest.fixture
def srv(fast):
    """The fast server, signing for a region no other test uses."""
    return fast.with_region(next(REGIONS))


@pytest.fixture
def ar(srv):
    return srv.client("apprunner")


def wait_until(describe, wanted, allowed, timeout=10):
    """Poll `describe()` (a dict with Status) until its status is `wanted`; on the way only `allowed` may show.
    Returns the last description and the statuses seen, in order."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        current = describe()
        if not seen or seen[-1] != current["Status"]:
            seen.append(current["Status"])
        if current["Status"] == wanted:
            assert set(seen[:-1]) <= set(allowed), f"unexpected statuses on the way to {wanted}: {seen}"
            return current, seen
        assert current["Status"] in allowed, f"unexpected status on the way to {wanted}: {seen}"
        assert time.monotonic() < deadline, f"did not reach {wanted} in {timeout}s: {seen}"
        time.sleep(POLL)


def wait_service(client, arn, wanted, timeout=15):
    return wait_until(lambda: client.describe_service(ServiceArn=arn)["Service"], wanted, (BUSY,), timeout)[0]


def wait_vic(client, arn, wanted, allowed, timeout=15):
    return wait_until(
        lambda: client.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"],
        wanted, allowed, timeout)


def new_service(client, wait=True):
    svc = client.create_service(
        ServiceName=unique_name("svc"),
        SourceConfiguration={"ImageRepository": {"ImageIdentifier": IMAGE, "ImageRepositoryType": "ECR_PUBLIC"}},
    )["Service"]
    return wait_service(client, svc["ServiceArn"], "RUNNING") if wait else svc


def create_vic(client, service_arn, name=None, ingress=None, **kwargs):
    return client.create_vpc_ingress_connection(
        ServiceArn=service_arn, VpcIngressConnectionName=name or unique_name(),
        IngressVpcConfiguration=ingress or INGRESS, **kwargs)["VpcIngressConnection"]


def available_vic(client, service_arn, **kwargs):
    vic = create_vic(client, service_arn, **kwargs)
    return wait_vic(client, vic["VpcIngressConnectionArn"], "AVAILABLE", ("PENDING_CREATION",))[0]


def delete_and_wait(client, arn):
    client.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    return wait_vic(client, arn, "DELETED", ("PENDING_DELETION",))[0]


def all_pages(client, **kwargs):
    out, pages, token = [], 0, None
    while True:
        page = client.list_vpc_ingress_connections(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        assert set(page) - {"ResponseMetadata"} <= {"VpcIngressConnectionSummaryList", "NextToken"}
        out.extend(page["VpcIngressConnectionSummaryList"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 100, "pagination does not end"


def summary(vic):
    return {"VpcIngressConnectionArn": vic["VpcIngressConnectionArn"], "ServiceArn": vic["ServiceArn"]}


def arn_re(srv, name):
    return re.compile(
        rf"^arn:aws:apprunner:{srv.region}:{srv.account_id}:vpcingressconnection/{re.escape(name)}/[0-9a-f]{{32}}$")


# ----------------------------------------------------------------------------------------------- create, describe

def test_create_returns_every_field_then_becomes_available(srv, ar):
    svc = new_service(ar)
    raw = {}
    ar.meta.events.register("after-call.apprunner.CreateVpcIngressConnection",
                            lambda http_response, **_: raw.setdefault("body", http_response.content))
    name = unique_name("full")
    before = datetime.datetime.now(datetime.timezone.utc)
    vic = create_vic(ar, svc["ServiceArn"], name, Tags=[{"Key": "team", "Value": "net"}])
    after = datetime.datetime.now(datetime.timezone.utc)

    assert set(vic) == MEMBERS, "tags are kept, not shown; no DeletedAt while it exists"
    assert arn_re(srv, name).match(vic["VpcIngressConnectionArn"]), vic
    assert vic["VpcIngressConnectionName"] == name
    assert vic["ServiceArn"] == svc["ServiceArn"]
    assert vic["Status"] == "PENDING_CREATION"
    assert vic["AccountId"] == srv.account_id
    assert re.fullmatch(rf"[a-z0-9]{{10}}\.{srv.region}\.awsapprunner\.com", vic["DomainName"]), vic["DomainName"]
    assert vic["DomainName"] != svc["ServiceUrl"]
    assert vic["IngressVpcConfiguration"] == INGRESS
    slack = datetime.timedelta(seconds=2)
    assert before - slack <= vic["CreatedAt"] <= after + slack
    body = json.loads(raw["body"])
    assert set(body) == {"VpcIngressConnection"}
    created_at = body["VpcIngressConnection"]["CreatedAt"]
    assert isinstance(created_at, (int, float)) and not isinstance(created_at, bool)

    done, seen = wait_vic(ar, vic["VpcIngressConnectionArn"], "AVAILABLE", ("PENDING_CREATION",))
    assert done == {**vic, "Status": "AVAILABLE"}
    # The service itself is untouched.
    assert ar.describe_service(ServiceArn=svc["ServiceArn"])["Service"] == svc


def test_update_replaces_the_configuration_member_by_member(ar):
    svc = new_service(ar)
    vic = available_vic(ar, svc["ServiceArn"])
    arn = vic["VpcIngressConnectionArn"]

    updated = ar.update_vpc_ingress_connection(
        VpcIngressConnectionArn=arn, IngressVpcConfiguration={"VpcEndpointId": "vpce-0fedcba9876543210"},
    )["VpcIngressConnection"]
    assert updated == {**vic, "Status": "PENDING_UPDATE",
                       "IngressVpcConfiguration": {**INGRESS, "VpcEndpointId": "vpce-0fedcba9876543210"}}
    done, _ = wait_vic(ar, arn, "AVAILABLE", ("PENDING_UPDATE",))
    assert done == {**updated, "Status": "AVAILABLE"}

    both = {"VpcId": "vpc-11112222", "VpcEndpointId": "vpce-33334444"}
    again = ar.update_vpc_ingress_connection(VpcIngressConnectionArn=arn, IngressVpcConfiguration=both)
    assert again["VpcIngressConnection"]["IngressVpcConfiguration"] == both
    assert wait_vic(ar, arn, "AVAILABLE", ("PENDING_UPDATE",))[0]["IngressVpcConfiguration"] == both


def test_delete_ends_deleted_describable_unlisted_and_frees_the_name(ar):
    svc = new_service(ar)
    name = unique_name("del")
    vic = available_vic(ar, svc["ServiceArn"], name=name)
    arn = vic["VpcIngressConnectionArn"]

    pending = ar.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]
    assert pending == {**vic, "Status": "PENDING_DELETION"}
    gone, _ = wait_vic(ar, arn, "DELETED", ("PENDING_DELETION",))
    assert set(gone) == MEMBERS | {"DeletedAt"}
    assert gone["CreatedAt"] <= gone["DeletedAt"]
    assert {k: v for k, v in gone.items() if k not in ("Status", "DeletedAt")} == {
        k: v for k, v in vic.items() if k != "Status"}
    assert all_pages(ar)[0] == [], "deleted connections are not listed"
    assert all_pages(ar, Filter={"ServiceArn": svc["ServiceArn"]})[0] == []

    # The name and the service's one connection are free again; the new connection is a new resource.
    again = create_vic(ar, svc["ServiceArn"], name)
    assert again["VpcIngressConnectionArn"] != arn
    assert ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"] == gone


def test_one_connection_per_service_and_unique_names(ar):
    first, second = new_service(ar), new_service(ar)
    name = unique_name("one")
    vic = create_vic(ar, first["ServiceArn"], name)
    assert_error(error_of(create_vic, ar, first["ServiceArn"]), "InvalidStateException")
    err = error_of(create_vic, ar, second["ServiceArn"], name)
    assert_error(err, "InvalidRequestException")
    assert name in err["Message"]
    wait_vic(ar, vic["VpcIngressConnectionArn"], "AVAILABLE", ("PENDING_CREATION",))
    assert_error(error_of(create_vic, ar, first["ServiceArn"]), "InvalidStateException")
    assert [s["ServiceArn"] for s in all_pages(ar)[0]] == [first["ServiceArn"]]


def test_the_service_must_be_running(ar):
    svc = new_service(ar)
    ar.pause_service(ServiceArn=svc["ServiceArn"])
    assert_error(error_of(create_vic, ar, svc["ServiceArn"]), "InvalidStateException")  # OPERATION_IN_PROGRESS
    wait_service(ar, svc["ServiceArn"], "PAUSED")
    assert_error(error_of(create_vic, ar, svc["ServiceArn"]), "InvalidStateException")
    ar.delete_service(ServiceArn=svc["ServiceArn"])
    wait_service(ar, svc["ServiceArn"], "DELETED")
    assert_error(error_of(create_vic, ar, svc["ServiceArn"]), "ResourceNotFoundException")
    assert all_pages(ar)[0] == [], "nothing was created"


def test_a_service_with_a_connection_cannot_be_deleted(ar):
    svc = new_service(ar)
    vic = available_vic(ar, svc["ServiceArn"])
    err = error_of(ar.delete_service, ServiceArn=svc["ServiceArn"])
    assert_error(err, "InvalidStateException")
    assert vic["VpcIngressConnectionArn"] in err["Message"]
    assert ar.describe_service(ServiceArn=svc["ServiceArn"])["Service"]["Status"] == "RUNNING"
    ar.delete_vpc_ingress_connection(VpcIngressConnectionArn=vic["VpcIngressConnectionArn"])
    assert_error(error_of(ar.delete_service, ServiceArn=svc["ServiceArn"]), "InvalidStateException")  # pending
    wait_vic(ar, vic["VpcIngressConnectionArn"], "DELETED", ("PENDING_DELETION",))
    ar.delete_service(ServiceArn=svc["ServiceArn"])
    wait_service(ar, svc["ServiceArn"], "DELETED")


# ------------------------------------------------------------------------------------------------------ errors

def test_service_arns_that_are_malformed_unknown_or_elsewhere(srv, ar):
    svc = new_service(ar)
    arn = svc["ServiceArn"]
    base = f"arn:aws:apprunner:{srv.region}:{srv.account_id}:service"
    for bad in (f"{base}/{unique_name()}/{uuid.uuid4().hex}", arn.replace(f":{srv.region}:", ":us-east-1:"),
                arn.replace(f":{srv.account_id}:", ":210987654321:")):
        assert_error(error_of(create_vic, ar, bad), "ResourceNotFoundException")
    for bad in (f"{base}/{svc['ServiceName']}", f"{base}/abc/{uuid.uuid4().hex}", arn + "/x",
                arn.replace("service/", "connection/")):
        assert_error(error_of(create_vic, ar, bad), "InvalidRequestException")
    assert all_pages(ar)[0] == []


def test_connection_arns_that_are_malformed_unknown_or_elsewhere(srv, ar):
    svc = new_service(ar)
    name = unique_name("err")
    vic = available_vic(ar, svc["ServiceArn"], name=name)
    arn = vic["VpcIngressConnectionArn"]
    base = f"arn:aws:apprunner:{srv.region}:{srv.account_id}:vpcingressconnection"
    not_found = [
        f"{base}/{name}/{uuid.uuid4().hex}",
        f"{base}/{unique_name()}/{uuid.uuid4().hex}",
        arn.replace(f":{srv.region}:", ":us-east-1:"),
        arn.replace(f":{srv.account_id}:", ":210987654321:"),
    ]
    invalid = [f"{base}/{name}", f"{base}/{name}/1/{uuid.uuid4().hex}", f"{base}/abc/{uuid.uuid4().hex}",
               f"{base}/{name}/{uuid.uuid4().hex[:31]}", arn.replace("vpcingressconnection/", "vpcconnector/"),
               "vpcingressconnection"]
    calls = [
        (ar.describe_vpc_ingress_connection, {}),
        (ar.update_vpc_ingress_connection, {"IngressVpcConfiguration": INGRESS}),
        (ar.delete_vpc_ingress_connection, {}),
    ]
    for call, extra in calls:
        for bad in not_found:
            assert_error(error_of(call, VpcIngressConnectionArn=bad, **extra), "ResourceNotFoundException")
        for bad in invalid:
            assert_error(error_of(call, VpcIngressConnectionArn=bad, **extra), "InvalidRequestException")
    assert ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"] == vic


@pytest.mark.parametrize("case", [
    {"VpcIngressConnectionName": "abc"},
    {"VpcIngressConnectionName": "x" * 41},
    {"VpcIngressConnectionName": "-abcd"},
    {"VpcIngressConnectionName": "a.bcd"},
    {"VpcIngressConnectionName": None},
    {"IngressVpcConfiguration": None},
    {"IngressVpcConfiguration": {}},
    {"IngressVpcConfiguration": {"VpcId": "vpc-1"}},
    {"IngressVpcConfiguration": {"VpcEndpointId": "vpce-1"}},
    {"IngressVpcConfiguration": {"VpcId": "vpce-1", "VpcEndpointId": "vpc-1"}},
    {"IngressVpcConfiguration": {"VpcId": "", "VpcEndpointId": "vpce-1"}},
    {"IngressVpcConfiguration": {"VpcId": "vpc-1", "VpcEndpointId": "vpce-NOPE"}},
    {"ServiceArn": None},
    {"ServiceArn": "not-an-arn"},
    {"Tags": [{"Key": "aws:x", "Value": "v"}]},
    {"Tags": [{"Value": "v"}]},
    {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]},
    {"Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
])
def test_bad_create_input_is_an_invalid_request(srv, case):
    client = srv.client("apprunner", config=UNCHECKED)
    svc = new_service(client)
    request = {"ServiceArn": svc["ServiceArn"], "VpcIngressConnectionName": unique_name(),
               "IngressVpcConfiguration": INGRESS}
    request.update(case)
    request = {k: v for k, v in request.items() if v is not None}
    assert_error(error_of(client.create_vpc_ingress_connection, **request), "InvalidRequestException")
    assert all_pages(client)[0] == []


@pytest.mark.parametrize("ingress", [
    None, {"VpcId": "vpce-1"}, {"VpcEndpointId": ""}, {"VpcId": "VPC-1"}, {"VpcEndpointId": "endpoint"},
])
def test_bad_update_input_is_an_invalid_request(srv, ingress):
    client = srv.client("apprunner", config=UNCHECKED)
    vic = available_vic(client, new_service(client)["ServiceArn"])
    request = {"VpcIngressConnectionArn": vic["VpcIngressConnectionArn"]}
    if ingress is not None:
        request["IngressVpcConfiguration"] = ingress
    assert_error(error_of(client.update_vpc_ingress_connection, **request), "InvalidRequestException")
    assert client.describe_vpc_ingress_connection(
        VpcIngressConnectionArn=vic["VpcIngressConnectionArn"])["VpcIngressConnection"] == vic


# ------------------------------------------------------------------------------------------------------ listing

def test_list_filters_and_pagination(srv, ar):
    services = [new_service(ar) for _ in range(3)]
    endpoints = ["vpce-aaaa1111", "vpce-bbbb2222", "vpce-aaaa1111"]
    vics = [create_vic(ar, s["ServiceArn"], ingress={"VpcId": "vpc-1234", "VpcEndpointId": e})
            for s, e in zip(services, endpoints)]
    everything = ar.list_vpc_ingress_connections()
    assert "NextToken" not in everything
    assert everything["VpcIngressConnectionSummaryList"] == [summary(v) for v in vics], "creation order"
    for size in (1, 2, 3, 100):
        paged, pages = all_pages(ar, MaxResults=size)
        assert paged == [summary(v) for v in vics], size
        assert pages == max(1, -(-len(vics) // size))

    assert all_pages(ar, Filter={"ServiceArn": services[1]["ServiceArn"]})[0] == [summary(vics[1])]
    assert all_pages(ar, Filter={"VpcEndpointId": "vpce-aaaa1111"})[0] == [summary(vics[0]), summary(vics[2])]
    paged, pages = all_pages(ar, Filter={"VpcEndpointId": "vpce-aaaa1111"}, MaxResults=1)
    assert (paged, pages) == ([summary(vics[0]), summary(vics[2])], 2)
    assert all_pages(ar, Filter={"ServiceArn": services[2]["ServiceArn"], "VpcEndpointId": "vpce-aaaa1111"})[0] \
        == [summary(vics[2])]
    assert all_pages(ar, Filter={"ServiceArn": services[1]["ServiceArn"], "VpcEndpointId": "vpce-aaaa1111"})[0] == []
    assert all_pages(ar, Filter={"VpcEndpointId": "vpce-none"})[0] == []
    # The model gives List no ResourceNotFoundException: services that are not there match nothing.
    for elsewhere in (services[0]["ServiceArn"].replace(f":{srv.region}:", ":us-east-1:"),
                      f"arn:aws:apprunner:{srv.region}:{srv.account_id}:service/{unique_name()}/{uuid.uuid4().hex}"):
        assert all_pages(ar, Filter={"ServiceArn": elsewhere})[0] == []
    assert_error(error_of(ar.list_vpc_ingress_connections, Filter={"ServiceArn": "arn:aws:apprunner:x"}),
                 "InvalidRequestException")

    # A deleted connection in the middle breaks no page.
    wait_vic(ar, vics[1]["VpcIngressConnectionArn"], "AVAILABLE", ("PENDING_CREATION",))
    delete_and_wait(ar, vics[1]["VpcIngressConnectionArn"])
    assert all_pages(ar, MaxResults=1) == ([summary(vics[0]), summary(vics[2])], 2)

    token = ar.list_vpc_ingress_connections(MaxResults=1)["NextToken"]
    for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        assert_error(error_of(ar.list_vpc_ingress_connections, MaxResults=1, NextToken=bad),
                     "InvalidRequestException")
    # A token belongs to its query: not to another filter, not to another region.
    assert_error(error_of(ar.list_vpc_ingress_connections, NextToken=token,
                          Filter={"VpcEndpointId": "vpce-aaaa1111"}), "InvalidRequestException")
    other = srv.with_region("us-east-1").client("apprunner")
    assert_error(error_of(other.list_vpc_ingress_connections, NextToken=token), "InvalidRequestException")


@pytest.mark.parametrize("kwargs", [{"MaxResults": 0}, {"MaxResults": 101}, {"NextToken": ""}])
def test_bad_list_input_is_an_invalid_request(srv, kwargs):
    client = srv.client("apprunner", config=UNCHECKED)
    assert_error(error_of(client.list_vpc_ingress_connections, **kwargs), "InvalidRequestException")


# --------------------------------------------------------------------------------------------------------- tags

def test_tags(srv, ar):
    vic = available_vic(ar, new_service(ar)["ServiceArn"], Tags=[{"Key": "team", "Value": "net"}])
    arn = vic["VpcIngressConnectionArn"]
    assert ar.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "net"}]
    ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "edge"}, {"Key": "env", "Value": "ci"}])
    assert ar.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "edge"}, {"Key": "env", "Value": "ci"}]
    ar.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert ar.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"}]
    assert ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"] == vic, \
        "tags are never part of the connection"
    missing = f"arn:aws:apprunner:{srv.region}:{srv.account_id}:vpcingressconnection/{unique_name()}/{uuid.uuid4().hex}"
    assert_error(error_of(ar.list_tags_for_resource, ResourceArn=missing), "ResourceNotFoundException")
    assert_error(error_of(ar.tag_resource, ResourceArn=arn.rsplit("/", 1)[0], Tags=[{"Key": "k", "Value": "v"}]),
                 "InvalidRequestException")


# ------------------------------------------------------------------------------------------------- state rules

def test_state_rules_while_transitions_run(slow):
    client = slow.client("apprunner")
    svc, other = new_service(client, wait=False), new_service(client, wait=False)
    for s in (svc, other):
        wait_service(client, s["ServiceArn"], "RUNNING")
    vic = create_vic(client, svc["ServiceArn"])
    arn = vic["VpcIngressConnectionArn"]

    def refused(status):
        current = client.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]
        assert current["Status"] == status, "the lifecycle delay is long enough to catch it"
        assert_error(error_of(client.update_vpc_ingress_connection, VpcIngressConnectionArn=arn,
                              IngressVpcConfiguration=INGRESS), "InvalidStateException")
        assert_error(error_of(client.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn),
                     "InvalidStateException")

    refused("PENDING_CREATION")
    wait_vic(client, arn, "AVAILABLE", ("PENDING_CREATION",))
    client.update_vpc_ingress_connection(VpcIngressConnectionArn=arn, IngressVpcConfiguration=INGRESS)
    refused("PENDING_UPDATE")
    wait_vic(client, arn, "AVAILABLE", ("PENDING_UPDATE",))
    client.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    refused("PENDING_DELETION")
    # The quota slot is held until the deletion completes.
    assert_error(error_of(create_vic, client, other["ServiceArn"]), "ServiceQuotaExceededException")
    wait_vic(client, arn, "DELETED", ("PENDING_DELETION",))
    refused("DELETED")

    # A service with an operation in progress takes no connection.
    client.pause_service(ServiceArn=other["ServiceArn"])
    assert_error(error_of(create_vic, client, other["ServiceArn"]), "InvalidStateException")
    wait_service(client, other["ServiceArn"], "PAUSED")


def test_default_quota_is_one_per_region(fresh_dir):
    srv = start_server(fresh_dir / "d", "--lifecycle-delay", "100ms")
    try:
        client = srv.client("apprunner")
        first, second = new_service(client), new_service(client)
        vic = available_vic(client, first["ServiceArn"])
        err = error_of(create_vic, client, second["ServiceArn"])
        assert_error(err, "ServiceQuotaExceededException")
        # Per region: another region has its own.
        elsewhere = srv.with_region("eu-west-1").client("apprunner")
        available_vic(elsewhere, new_service(elsewhere)["ServiceArn"])
        delete_and_wait(client, vic["VpcIngressConnectionArn"])
        create_vic(client, second["ServiceArn"])
        assert len(all_pages(client)[0]) == 1
    finally:
        assert stop_server(srv) == 0


# ------------------------------------------------------------------------------------------------- CloudTrail

def test_every_call_is_recorded(srv, ar):
    svc = new_service(ar)
    service_arn = svc["ServiceArn"]
    name = unique_name("ct")
    created = ar.create_vpc_ingress_connection(
        ServiceArn=service_arn, VpcIngressConnectionName=name, IngressVpcConfiguration=INGRESS,
        Tags=[{"Key": "owner", "Value": "ci"}])
    arn = created["VpcIngressConnection"]["VpcIngressConnectionArn"]
    wait_vic(ar, arn, "AVAILABLE", ("PENDING_CREATION",))
    described = ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    listed = ar.list_vpc_ingress_connections(Filter={"ServiceArn": service_arn}, MaxResults=5)
    updated = ar.update_vpc_ingress_connection(VpcIngressConnectionArn=arn,
                                               IngressVpcConfiguration={"VpcEndpointId": "vpce-99"})
    wait_vic(ar, arn, "AVAILABLE", ("PENDING_UPDATE",))
    deleted = ar.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    failed = error_of(ar.delete_vpc_ingress_connection, VpcIngressConnectionArn=arn)

    resources = [
        {"accountId": srv.account_id, "type": "AWS::AppRunner::VpcIngressConnection", "ARN": arn},
        {"accountId": srv.account_id, "type": "AWS::AppRunner::Service", "ARN": service_arn},
    ]
    calls = [
        ("CreateVpcIngressConnection", created, False, {
            "serviceArn": service_arn, "vpcIngressConnectionName": name,
            "ingressVpcConfiguration": {"vpcId": INGRESS["VpcId"], "vpcEndpointId": INGRESS["VpcEndpointId"]},
            "tags": [{"key": "owner", "value": "ci"}]}),
        ("DescribeVpcIngressConnection", described, True, {"vpcIngressConnectionArn": arn}),
        ("ListVpcIngressConnections", listed, True, {"filter": {"serviceArn": service_arn}, "maxResults": 5}),
        ("UpdateVpcIngressConnection", updated, False, {
            "vpcIngressConnectionArn": arn, "ingressVpcConfiguration": {"vpcEndpointId": "vpce-99"}}),
        ("DeleteVpcIngressConnection", deleted, False, {"vpcIngressConnectionArn": arn}),
        ("DeleteVpcIngressConnection", failed, False, {"vpcIngressConnectionArn": arn}),
    ]
    for event_name, resp, read_only, params in calls:
        event, record = record_of(srv, resp["ResponseMetadata"]["RequestId"], event_name)
        assert record["eventSource"] == "apprunner.amazonaws.com" and record["eventName"] == event_name
        assert record["awsRegion"] == srv.region
        assert record["readOnly"] is read_only
        assert record["requestParameters"] == params, event_name
        if resp is failed:
            assert record["errorCode"] == "InvalidStateException"
            assert record["errorMessage"] == failed["Error"]["Message"]
            assert record["responseElements"] is None
        else:
            assert "errorCode" not in record
        if event_name == "ListVpcIngressConnections":
            continue
        # A failed call names what its input names; a successful one also what the service reported.
        assert record["resources"] == (resources[:1] if resp is failed else resources), (event_name, record)
        assert {"ResourceType": "AWS::AppRunner::VpcIngressConnection", "ResourceName": arn} in event["Resources"]
        if not read_only and resp is not failed:
            out = record["responseElements"]["vpcIngressConnection"]
            assert out["vpcIngressConnectionArn"] == arn and out["serviceArn"] == service_arn
            assert ISO_MS.match(out["createdAt"]), out
    _, create_record = record_of(srv, created["ResponseMetadata"]["RequestId"], "CreateVpcIngressConnection")
    out = create_record["responseElements"]["vpcIngressConnection"]
    assert out["status"] == "PENDING_CREATION" and out["accountId"] == srv.account_id
    assert out["domainName"] == created["VpcIngressConnection"]["DomainName"]
    _, delete_record = record_of(srv, deleted["ResponseMetadata"]["RequestId"], "DeleteVpcIngressConnection")
    assert delete_record["responseElements"]["vpcIngressConnection"]["status"] == "PENDING_DELETION"
