"""App Runner VPC connectors: Create/Describe/List/DeleteVpcConnector.

The `server` fixture is shared by the whole session and the quota is 10 active connectors per account and region,
so every test uses its own names and deletes what it creates; the quota itself is tested on a private server.
"""

import contextlib
import datetime
import json
import re
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import start_server, stop_server

UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
MEMBERS = {
    "VpcConnectorName", "VpcConnectorArn", "VpcConnectorRevision", "Subnets", "SecurityGroups", "Status", "CreatedAt",
}


def unique_name(prefix="vpc"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def arn_pattern(server, name):
    return re.compile(
        rf"^arn:aws:apprunner:{server.region}:{server.account_id}:vpcconnector/{re.escape(name)}/1/[0-9a-f]{{32}}$"
    )


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


@contextlib.contextmanager
def connectors(client, *names, subnets=("subnet-0a1b2c3d",), **kwargs):
    created = []
    try:
        for name in names:
            created.append(client.create_vpc_connector(
                VpcConnectorName=name, Subnets=list(subnets), **kwargs)["VpcConnector"])
        yield created
    finally:
        for c in created:
            with contextlib.suppress(ClientError):
                client.delete_vpc_connector(VpcConnectorArn=c["VpcConnectorArn"])


def all_pages(client, **kwargs):
    out, pages, token = [], 0, None
    while True:
        page = client.list_vpc_connectors(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["VpcConnectors"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 200, "pagination does not end"


def test_create_returns_every_field(server):
    client = server.client("apprunner")
    raw = {}
    client.meta.events.register(
        "after-call.apprunner.CreateVpcConnector",
        lambda http_response, **_: raw.setdefault("body", http_response.content),
    )
    name = unique_name("full")
    before = datetime.datetime.now(datetime.timezone.utc)
    with connectors(client, name, subnets=("subnet-1", "subnet-2"), SecurityGroups=["sg-1", "sg-2"],
                    Tags=[{"Key": "team", "Value": "web"}]) as (c,):
        after = datetime.datetime.now(datetime.timezone.utc)
        assert set(c) == MEMBERS, "tags are kept, not shown; no DeletedAt while active"
        assert c["VpcConnectorName"] == name
        assert c["VpcConnectorRevision"] == 1
        assert c["Subnets"] == ["subnet-1", "subnet-2"]
        assert c["SecurityGroups"] == ["sg-1", "sg-2"]
        assert c["Status"] == "ACTIVE"
        assert arn_pattern(server, name).match(c["VpcConnectorArn"]), c
        slack = datetime.timedelta(seconds=2)
        assert before - slack <= c["CreatedAt"] <= after + slack
        body = json.loads(raw["body"])
        assert set(body) == {"VpcConnector"}
        created_at = body["VpcConnector"]["CreatedAt"]
        assert isinstance(created_at, (int, float)) and not isinstance(created_at, bool)
        assert round(created_at * 1000) == pytest.approx(created_at * 1000, abs=1e-3)
        assert client.describe_vpc_connector(VpcConnectorArn=c["VpcConnectorArn"])["VpcConnector"] == c


def test_security_groups_are_optional(server):
    client = server.client("apprunner")
    with connectors(client, unique_name("nosg")) as (c,):
        assert c["SecurityGroups"] == []
        assert c["Subnets"] == ["subnet-0a1b2c3d"]


def test_names_are_unique_among_active_connectors_and_reusable_after_delete(server):
    client = server.client("apprunner")
    name = unique_name("dup")
    with connectors(client, name) as (first,):
        err = error_of(client.create_vpc_connector, VpcConnectorName=name, Subnets=["subnet-9"])
        assert err["Error"]["Code"] == "InvalidRequestException"
        assert name in err["Error"]["Message"]
        assert err["Message"] == err["Error"]["Message"]
        client.delete_vpc_connector(VpcConnectorArn=first["VpcConnectorArn"])
        with connectors(client, name) as (second,):
            assert second["VpcConnectorRevision"] == 1, "one revision per name"
            assert second["VpcConnectorArn"] != first["VpcConnectorArn"], "a new id"
            assert client.describe_vpc_connector(VpcConnectorArn=first["VpcConnectorArn"])[
                "VpcConnector"]["Status"] == "INACTIVE"


def test_delete_makes_inactive_and_only_once(server):
    client = server.client("apprunner")
    with connectors(client, unique_name("del"), SecurityGroups=["sg-1"]) as (c,):
        gone = client.delete_vpc_connector(VpcConnectorArn=c["VpcConnectorArn"])["VpcConnector"]
        assert set(gone) == MEMBERS | {"DeletedAt"}
        assert gone["Status"] == "INACTIVE"
        assert gone["DeletedAt"] >= gone["CreatedAt"]
        assert {k: v for k, v in gone.items() if k not in ("Status", "DeletedAt")} == {
            k: v for k, v in c.items() if k != "Status"}
        assert client.describe_vpc_connector(VpcConnectorArn=c["VpcConnectorArn"])["VpcConnector"] == gone
        err = error_of(client.delete_vpc_connector, VpcConnectorArn=c["VpcConnectorArn"])
        assert err["Error"]["Code"] == "ResourceNotFoundException"
        arns = [x["VpcConnectorArn"] for x in client.list_vpc_connectors()["VpcConnectors"]]
        assert c["VpcConnectorArn"] not in arns, "lists show active connectors only"


def test_describe_and_delete_errors(server):
    client = server.client("apprunner")
    name = unique_name("err")
    with connectors(client, name) as (c,):
        arn = c["VpcConnectorArn"]
        base = f"arn:aws:apprunner:{server.region}:{server.account_id}:vpcconnector"
        not_found = [
            f"{base}/{name}/1/{uuid.uuid4().hex}",
            f"{base}/{unique_name('none')}/1/{uuid.uuid4().hex}",
            arn.replace(f":{server.region}:", ":eu-west-1:"),
            arn.replace(f":{server.account_id}:", ":210987654321:"),
        ]
        invalid = [
            f"{base}/{name}",
            f"{base}/{name}/1",
            f"{base}/{name}/2/{uuid.uuid4().hex}",
            arn.replace("vpcconnector/", "connection/"),
            arn + "/extra",
            f"{base}/abc/1/{uuid.uuid4().hex}",
        ]
        for op in (client.describe_vpc_connector, client.delete_vpc_connector):
            for bad in not_found:
                err = error_of(op, VpcConnectorArn=bad)
                assert err["Error"]["Code"] == "ResourceNotFoundException", (bad, err)
                assert err["Message"] == err["Error"]["Message"]
                assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
            for bad in invalid:
                err = error_of(op, VpcConnectorArn=bad)
                assert err["Error"]["Code"] == "InvalidRequestException", (bad, err)
        assert client.describe_vpc_connector(VpcConnectorArn=arn)["VpcConnector"] == c


def test_list_and_pagination(server):
    client = server.client("apprunner")
    names = [unique_name("pg") for _ in range(4)]
    with connectors(client, *names) as created:
        # A deleted connector in the middle must not break the pages.
        client.delete_vpc_connector(VpcConnectorArn=created[1]["VpcConnectorArn"])
        everything = client.list_vpc_connectors()
        assert "NextToken" not in everything
        full = everything["VpcConnectors"]
        mine = [c for c in full if c["VpcConnectorName"] in names]
        assert mine == [created[0], created[2], created[3]], "full connectors, insertion order, active only"
        for size in (1, 2, 100):
            paged, pages = all_pages(client, MaxResults=size)
            arns = [c["VpcConnectorArn"] for c in paged]
            assert len(arns) == len(set(arns)), "no duplicates"
            assert paged == full, "no gaps"
            assert pages == max(1, -(-len(full) // size))

        token = client.list_vpc_connectors(MaxResults=1)["NextToken"]
        for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
            err = error_of(client.list_vpc_connectors, MaxResults=1, NextToken=bad)
            assert err["Error"]["Code"] == "InvalidRequestException"
        # A token belongs to its query: not to another region.
        other = server.with_region("eu-west-1").client("apprunner")
        err = error_of(other.list_vpc_connectors, NextToken=token)
        assert err["Error"]["Code"] == "InvalidRequestException"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"VpcConnectorName": "abc", "Subnets": ["subnet-1"]},
        {"VpcConnectorName": "x" * 41, "Subnets": ["subnet-1"]},
        {"VpcConnectorName": "-abcd", "Subnets": ["subnet-1"]},
        {"Subnets": ["subnet-1"]},
        {"VpcConnectorName": "no-subnets"},
        {"VpcConnectorName": "empty-subnets", "Subnets": []},
        {"VpcConnectorName": "blank-subnet", "Subnets": [""]},
        {"VpcConnectorName": "blank-sg", "Subnets": ["subnet-1"], "SecurityGroups": [""]},
        {"VpcConnectorName": "tags-aws-prefix", "Subnets": ["subnet-1"], "Tags": [{"Key": "aws:x", "Value": "v"}]},
        {"VpcConnectorName": "tags-no-key", "Subnets": ["subnet-1"], "Tags": [{"Value": "v"}]},
        {"VpcConnectorName": "tags-too-many", "Subnets": ["subnet-1"],
         "Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
    ],
)
def test_bad_create_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    err = error_of(client.create_vpc_connector, **kwargs)
    assert err["Error"]["Code"] == "InvalidRequestException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    name = kwargs.get("VpcConnectorName")
    if name:
        assert all(c["VpcConnectorName"] != name for c in client.list_vpc_connectors()["VpcConnectors"])


@pytest.mark.parametrize("kwargs", [{"MaxResults": 0}, {"MaxResults": 101}, {"NextToken": ""}])
def test_bad_list_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    err = error_of(client.list_vpc_connectors, **kwargs)
    assert err["Error"]["Code"] == "InvalidRequestException"


def test_quota_on_a_private_server(fresh_dir):
    srv = start_server(fresh_dir / "d")
    try:
        client = srv.client("apprunner")
        made = [client.create_vpc_connector(VpcConnectorName=f"conn-{i:02}", Subnets=["subnet-1"])["VpcConnector"]
                for i in range(10)]
        err = error_of(client.create_vpc_connector, VpcConnectorName="one-too-many", Subnets=["subnet-1"])
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        assert err["Message"] == err["Error"]["Message"]
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        # Deleted (INACTIVE) connectors do not count.
        client.delete_vpc_connector(VpcConnectorArn=made[3]["VpcConnectorArn"])
        client.create_vpc_connector(VpcConnectorName="one-too-many", Subnets=["subnet-1"])
        err = error_of(client.create_vpc_connector, VpcConnectorName="conn-03", Subnets=["subnet-1"])
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        assert len(client.list_vpc_connectors()["VpcConnectors"]) == 10
    finally:
        assert stop_server(srv) == 0


def test_create_is_recorded_in_cloudtrail(server):
    name = unique_name("ct")
    out = json.loads(server.aws(
        "apprunner", "create-vpc-connector", "--vpc-connector-name", name, "--subnets", "subnet-1", "subnet-2",
        "--security-groups", "sg-1", "--tags", "Key=owner,Value=ci",
    ).stdout)
    arn = out["VpcConnector"]["VpcConnectorArn"]
    try:
        events = json.loads(server.aws(
            "cloudtrail", "lookup-events",
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateVpcConnector",
        ).stdout)["Events"]
        mine = [e for e in events
                if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("vpcConnectorName") == name]
        assert len(mine) == 1, [e["CloudTrailEvent"] for e in events]
        event = mine[0]
        record = json.loads(event["CloudTrailEvent"])
        assert event["EventSource"] == "apprunner.amazonaws.com"
        assert event["Resources"] == [{"ResourceType": "AWS::AppRunner::VpcConnector", "ResourceName": arn}]
        assert record["readOnly"] is False
        assert "errorCode" not in record
        assert record["requestParameters"] == {
            "vpcConnectorName": name, "subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"],
            "tags": [{"key": "owner", "value": "ci"}],
        }
        conn = record["responseElements"]["vpcConnector"]
        assert conn["vpcConnectorArn"] == arn
        assert conn["vpcConnectorName"] == name
        assert conn["vpcConnectorRevision"] == 1
        assert conn["subnets"] == ["subnet-1", "subnet-2"]
        assert conn["securityGroups"] == ["sg-1"]
        assert conn["status"] == "ACTIVE"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", conn["createdAt"]), conn["createdAt"]
        assert record["resources"] == [{"accountId": server.account_id, "type": "AWS::AppRunner::VpcConnector", "ARN": arn}]
    finally:
        server.aws("apprunner", "delete-vpc-connector", "--vpc-connector-arn", arn)
