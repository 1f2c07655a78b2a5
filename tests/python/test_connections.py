"""App Runner connections: CreateConnection, ListConnections, DeleteConnection (issue: connections).

The `server` fixture is shared by the whole session and the connection quota is 10 per account and region, so
every test uses its own names and deletes what it creates; the quota itself is tested on a private server.
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
MEMBERS = {"ConnectionName", "ConnectionArn", "ProviderType", "Status", "CreatedAt"}


def unique_name(prefix="conn"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def arn_pattern(server, name, region=None):
    return re.compile(
        rf"^arn:aws:apprunner:{region or server.region}:{server.account_id}:connection/{re.escape(name)}/[0-9a-f]{{32}}$"
    )


@contextlib.contextmanager
def connections(client, *names, provider="GITHUB"):
    """Create connections named `names`; delete whatever still exists afterwards."""
    created = []
    try:
        for name in names:
            created.append(client.create_connection(ConnectionName=name, ProviderType=provider)["Connection"])
        yield created
    finally:
        for c in created:
            with contextlib.suppress(ClientError):
                client.delete_connection(ConnectionArn=c["ConnectionArn"])


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def all_pages(client, **kwargs):
    """Follow NextToken; returns (summaries, number of pages)."""
    out, pages, token = [], 0, None
    while True:
        page = client.list_connections(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["ConnectionSummaryList"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 100, "pagination does not end"


def test_create_connection_returns_every_field(server):
    client = server.client("apprunner")
    raw = {}
    client.meta.events.register(
        "after-call.apprunner.CreateConnection",
        lambda http_response, **_: raw.setdefault("body", http_response.content),
    )
    name = unique_name("gh")
    before = datetime.datetime.now(datetime.timezone.utc)
    resp = client.create_connection(ConnectionName=name, ProviderType="GITHUB")
    after = datetime.datetime.now(datetime.timezone.utc)
    try:
        c = resp["Connection"]
        assert set(c) == MEMBERS
        assert c["ConnectionName"] == name
        assert c["ProviderType"] == "GITHUB"
        assert c["Status"] == "PENDING_HANDSHAKE"
        assert arn_pattern(server, name).match(c["ConnectionArn"]), c["ConnectionArn"]
        slack = datetime.timedelta(seconds=2)
        assert before - slack <= c["CreatedAt"] <= after + slack
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
        # On the wire: epoch seconds as a JSON number (milliseconds at most), no extra members.
        body = json.loads(raw["body"])
        assert set(body) == {"Connection"}
        created_at = body["Connection"]["CreatedAt"]
        assert isinstance(created_at, (int, float)) and not isinstance(created_at, bool)
        assert round(created_at * 1000) == pytest.approx(created_at * 1000, abs=1e-3)
    finally:
        client.delete_connection(ConnectionArn=resp["Connection"]["ConnectionArn"])


def test_create_connection_with_the_cli_and_bitbucket(server):
    name = unique_name("bb")
    out = json.loads(server.aws(
        "apprunner", "create-connection", "--connection-name", name, "--provider-type", "BITBUCKET",
        "--tags", "Key=team,Value=web", "Key=empty",
    ).stdout)
    c = out["Connection"]
    try:
        assert set(c) == MEMBERS, "tags are kept, not shown"
        assert c["ProviderType"] == "BITBUCKET"
        assert arn_pattern(server, name).match(c["ConnectionArn"])
    finally:
        server.aws("apprunner", "delete-connection", "--connection-arn", c["ConnectionArn"])


def test_ids_differ_between_connections(server):
    client = server.client("apprunner")
    with connections(client, unique_name(), unique_name()) as (a, b):
        assert a["ConnectionArn"].rsplit("/", 1)[1] != b["ConnectionArn"].rsplit("/", 1)[1]


def test_duplicate_name_is_an_invalid_request(server):
    client = server.client("apprunner")
    name = unique_name("dup")
    with connections(client, name) as (first,):
        for provider in ("GITHUB", "BITBUCKET"):
            err = error_of(client.create_connection, ConnectionName=name, ProviderType=provider)
            assert err["Error"]["Code"] == "InvalidRequestException"
            assert name in err["Error"]["Message"]
            assert err["Message"] == err["Error"]["Message"], "the modeled Message member is filled"
            assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        listed = client.list_connections(ConnectionName=name)["ConnectionSummaryList"]
        assert [c["ConnectionArn"] for c in listed] == [first["ConnectionArn"]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ConnectionName": "abc", "ProviderType": "GITHUB"},
        {"ConnectionName": "x" * 33, "ProviderType": "GITHUB"},
        {"ConnectionName": "-abcd", "ProviderType": "GITHUB"},
        {"ConnectionName": "abcd", "ProviderType": "GITLAB"},
        {"ProviderType": "GITHUB"},
        {"ConnectionName": "abcd"},
        {"ConnectionName": "tags-aws-prefix", "ProviderType": "GITHUB", "Tags": [{"Key": "aws:x", "Value": "v"}]},
        {"ConnectionName": "tags-no-key", "ProviderType": "GITHUB", "Tags": [{"Value": "v"}]},
        {"ConnectionName": "tags-dup-key", "ProviderType": "GITHUB",
         "Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]},
        {"ConnectionName": "tags-too-many", "ProviderType": "GITHUB",
         "Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
    ],
)
def test_bad_create_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    err = error_of(client.create_connection, **kwargs)
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    name = kwargs.get("ConnectionName", "")
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{3,31}", name):
        assert client.list_connections(ConnectionName=name)["ConnectionSummaryList"] == [], "nothing was created"


def test_list_with_and_without_the_name_filter(server):
    client = server.client("apprunner")
    names = [unique_name("ls") for _ in range(2)]
    with connections(client, *names, provider="BITBUCKET") as created:
        everything = client.list_connections()
        assert "NextToken" not in everything
        by_arn = {c["ConnectionArn"]: c for c in everything["ConnectionSummaryList"]}
        for c in created:
            assert by_arn[c["ConnectionArn"]] == c, "a summary carries the same five members"

        one = client.list_connections(ConnectionName=names[1])
        assert one["ConnectionSummaryList"] == [created[1]]
        assert "NextToken" not in one
        assert client.list_connections(ConnectionName=names[1], MaxResults=1)["ConnectionSummaryList"] == [created[1]]
        assert client.list_connections(ConnectionName=unique_name("none"))["ConnectionSummaryList"] == []


def test_pagination_one_at_a_time(server):
    client = server.client("apprunner")
    names = [unique_name("pg") for _ in range(3)]
    with connections(client, *names) as created:
        full = client.list_connections()["ConnectionSummaryList"]
        paged, pages = all_pages(client, MaxResults=1)
        arns = [c["ConnectionArn"] for c in paged]
        assert len(arns) == len(set(arns)), "no duplicates"
        assert paged == full, "no gaps: the pages add up to the whole list, in the same order"
        assert pages == len(full)
        mine = [a for a in arns if a in {c["ConnectionArn"] for c in created}]
        assert mine == [c["ConnectionArn"] for c in created], "insertion order"

        # Two at a time ends with a short last page that carries no token.
        two, pages = all_pages(client, MaxResults=2)
        assert two == full and pages == (len(full) + 1) // 2

        token = client.list_connections(MaxResults=1)["NextToken"]
        for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
            err = error_of(client.list_connections, MaxResults=1, NextToken=bad)
            assert err["Error"]["Code"] == "InvalidRequestException"
        # A token belongs to its query: not to another filter.
        err = error_of(client.list_connections, ConnectionName=names[0], NextToken=token)
        assert err["Error"]["Code"] == "InvalidRequestException"
        # ... nor to another region.
        err = error_of(server.with_region("eu-west-1").client("apprunner").list_connections, NextToken=token)
        assert err["Error"]["Code"] == "InvalidRequestException"


@pytest.mark.parametrize("max_results", [0, 101])
def test_max_results_out_of_range(server, max_results):
    err = error_of(server.client("apprunner", config=UNCHECKED).list_connections, MaxResults=max_results)
    assert err["Error"]["Code"] == "InvalidRequestException"
    assert "maxResults" in err["Error"]["Message"]


def test_delete_then_list(server):
    client = server.client("apprunner")
    name = unique_name("del")
    created = client.create_connection(ConnectionName=name, ProviderType="GITHUB")["Connection"]
    deleted = client.delete_connection(ConnectionArn=created["ConnectionArn"])["Connection"]
    assert deleted == {**created, "Status": "DELETED"}

    assert client.list_connections(ConnectionName=name)["ConnectionSummaryList"] == []
    arns = [c["ConnectionArn"] for c in all_pages(client)[0]]
    assert created["ConnectionArn"] not in arns

    err = error_of(client.delete_connection, ConnectionArn=created["ConnectionArn"])
    assert err["Error"]["Code"] == "ResourceNotFoundException"

    # The name is free again, under a new id.
    with connections(client, name) as (again,):
        assert again["ConnectionArn"] != created["ConnectionArn"]
        assert arn_pattern(server, name).match(again["ConnectionArn"])


def test_delete_unknown_is_resource_not_found(server):
    client = server.client("apprunner")
    acct = server.account_id
    with connections(client, unique_name("rnf")) as (real,):
        name, conn_id = real["ConnectionArn"].split("/")[1:]
        for arn in (
            f"arn:aws:apprunner:us-east-1:{acct}:connection/{unique_name('nope')}/{uuid.uuid4().hex}",
            f"arn:aws:apprunner:us-east-1:{acct}:connection/{name}/{uuid.uuid4().hex}",  # right name, wrong id
            f"arn:aws:apprunner:us-east-1:{acct}:connection/{unique_name('nope')}/{conn_id}",  # wrong name
            f"arn:aws:apprunner:eu-west-1:{acct}:connection/{name}/{conn_id}",  # another region
            f"arn:aws:apprunner:us-east-1:000000000000:connection/{name}/{conn_id}",  # another account
            f"arn:aws:apprunner:us-east-1:{acct}:service/{name}/{conn_id}",  # another kind
            f"arn:aws:apprunner:us-east-1:{acct}:connection/{name}",  # no id
            f"arn:aws:apprunner:us-east-1:{acct}:connection/{name}/{conn_id.upper()}",
        ):
            err = error_of(client.delete_connection, ConnectionArn=arn)
            assert err["Error"]["Code"] == "ResourceNotFoundException", arn
            assert err["Message"], "the modeled Message member is filled"
            assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        # Still there after all of that.
        assert client.list_connections(ConnectionName=name)["ConnectionSummaryList"] == [real]

    # The CLI shows the same error.
    proc = server.aws(
        "apprunner", "delete-connection", "--connection-arn",
        f"arn:aws:apprunner:us-east-1:{acct}:connection/{unique_name('cli')}/{uuid.uuid4().hex}",
        check=False,
    )
    assert proc.returncode != 0
    assert "(ResourceNotFoundException) when calling the DeleteConnection operation" in proc.stderr


def test_arn_that_breaks_the_model_pattern_is_an_invalid_request(server):
    err = error_of(server.client("apprunner", config=UNCHECKED).delete_connection, ConnectionArn="not-an-arn")
    assert err["Error"]["Code"] == "InvalidRequestException"


def test_connections_are_per_region(server):
    east = server.client("apprunner")
    west = server.with_region("eu-west-1").client("apprunner")
    name = unique_name("rg")
    with connections(east, name) as (e,), connections(west, name) as (w,):
        assert arn_pattern(server, name, "eu-west-1").match(w["ConnectionArn"])
        assert west.list_connections(ConnectionName=name)["ConnectionSummaryList"] == [w]
        assert east.list_connections(ConnectionName=name)["ConnectionSummaryList"] == [e]


def test_quota_of_ten_per_region(fresh_dir):
    srv = start_server(fresh_dir / "data")
    try:
        client = srv.client("apprunner")
        created = [client.create_connection(ConnectionName=f"quota-{i:02d}", ProviderType="GITHUB")["Connection"]
                   for i in range(10)]
        err = error_of(client.create_connection, ConnectionName="quota-10", ProviderType="GITHUB")
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        assert err["Message"]
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert len(client.list_connections()["ConnectionSummaryList"]) == 10

        # Another region has its own quota.
        other = srv.with_region("us-west-2").client("apprunner")
        other.create_connection(ConnectionName="quota-10", ProviderType="GITHUB")

        # Deleting frees a place.
        client.delete_connection(ConnectionArn=created[3]["ConnectionArn"])
        client.create_connection(ConnectionName="quota-10", ProviderType="GITHUB")
        err = error_of(client.create_connection, ConnectionName="quota-11", ProviderType="GITHUB")
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        assert len(client.list_connections()["ConnectionSummaryList"]) == 10
    finally:
        assert stop_server(srv) == 0


def test_concurrent_creates_of_one_name_have_one_winner(fresh_dir):
    from concurrent.futures import ThreadPoolExecutor

    srv = start_server(fresh_dir / "data")
    try:
        def create(_):
            try:
                return srv.client("apprunner").create_connection(ConnectionName="same-name", ProviderType="GITHUB")
            except ClientError as e:
                return e.response

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, range(8)))
        winners = [r for r in results if "Connection" in r]
        codes = sorted(r["Error"]["Code"] for r in results if "Error" in r)
        assert len(winners) == 1, results
        assert set(codes) <= {"InvalidRequestException"}, codes
        listed = srv.client("apprunner").list_connections()["ConnectionSummaryList"]
        assert listed == [winners[0]["Connection"]]
    finally:
        assert stop_server(srv) == 0


def test_concurrent_creates_never_exceed_the_quota(fresh_dir):
    from concurrent.futures import ThreadPoolExecutor

    srv = start_server(fresh_dir / "data")
    try:
        def create(i):
            try:
                return srv.client("apprunner").create_connection(ConnectionName=f"race-{i:02d}", ProviderType="GITHUB")
            except ClientError as e:
                return e.response

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(create, range(16)))
        winners = [r for r in results if "Connection" in r]
        codes = {r["Error"]["Code"] for r in results if "Error" in r}
        assert len(winners) == 10, codes
        assert codes == {"ServiceQuotaExceededException"}
        assert len(srv.client("apprunner").list_connections()["ConnectionSummaryList"]) == 10
    finally:
        assert stop_server(srv) == 0


def test_create_connection_is_recorded_in_cloudtrail(server):
    name = unique_name("ct")
    out = json.loads(server.aws(
        "apprunner", "create-connection", "--connection-name", name, "--provider-type", "GITHUB",
        "--tags", "Key=owner,Value=ci",
    ).stdout)
    arn = out["Connection"]["ConnectionArn"]
    try:
        events = json.loads(server.aws(
            "cloudtrail", "lookup-events",
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateConnection",
        ).stdout)["Events"]
        mine = [e for e in events if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("connectionName") == name]
        assert len(mine) == 1, [e["CloudTrailEvent"] for e in events]
        event = mine[0]
        record = json.loads(event["CloudTrailEvent"])
        assert event["EventName"] == "CreateConnection"
        assert event["EventSource"] == "apprunner.amazonaws.com"
        assert event["Resources"] == [{"ResourceType": "AWS::AppRunner::Connection", "ResourceName": arn}]

        assert record["eventName"] == "CreateConnection"
        assert record["readOnly"] is False
        assert "errorCode" not in record
        assert record["requestParameters"] == {
            "connectionName": name, "providerType": "GITHUB", "tags": [{"key": "owner", "value": "ci"}],
        }
        conn = record["responseElements"]["connection"]
        assert conn["connectionArn"] == arn
        assert conn["connectionName"] == name
        assert conn["status"] == "PENDING_HANDSHAKE"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", conn["createdAt"]), conn["createdAt"]
        assert record["resources"] == [{"accountId": server.account_id, "type": "AWS::AppRunner::Connection", "ARN": arn}]
    finally:
        server.aws("apprunner", "delete-connection", "--connection-arn", arn)


def test_failed_delete_is_recorded_with_its_error(server):
    arn = f"arn:aws:apprunner:us-east-1:{server.account_id}:connection/{unique_name('gone')}/{uuid.uuid4().hex}"
    resp = error_of(server.client("apprunner").delete_connection, ConnectionArn=arn)
    request_id = resp["ResponseMetadata"]["RequestId"]
    events = json.loads(server.aws(
        "cloudtrail", "lookup-events",
        "--lookup-attributes", "AttributeKey=EventName,AttributeValue=DeleteConnection",
    ).stdout)["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    record = next(r for r in records if r["requestID"] == request_id)
    assert record["errorCode"] == "ResourceNotFoundException"
    assert record["requestParameters"] == {"connectionArn": arn}
    assert record["responseElements"] is None
