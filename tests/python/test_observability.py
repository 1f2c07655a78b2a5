"""App Runner observability configurations: Create/Describe/List/DeleteObservabilityConfiguration.

The `server` fixture is shared by the whole session and the quota is 10 names per account and region, so every
test uses its own names and deletes every revision it creates; the quotas themselves are tested on a private
server.
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
    "ObservabilityConfigurationArn", "ObservabilityConfigurationName", "TraceConfiguration",
    "ObservabilityConfigurationRevision", "Latest", "Status", "CreatedAt",
}
SUMMARY = {"ObservabilityConfigurationArn", "ObservabilityConfigurationName", "ObservabilityConfigurationRevision"}


def unique_name(prefix="obs"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def arn_pattern(server, name, revision):
    return re.compile(
        rf"^arn:aws:apprunner:{server.region}:{server.account_id}:observabilityconfiguration/"
        rf"{re.escape(name)}/{revision}/[0-9a-f]{{32}}$"
    )


def name_arn(server, name, *rest):
    return "/".join(
        [f"arn:aws:apprunner:{server.region}:{server.account_id}:observabilityconfiguration/{name}", *map(str, rest)]
    )


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def delete_all(client, server, name):
    """Delete every active revision of `name` (latest first, through the `…/name` form)."""
    for _ in range(20):
        try:
            client.delete_observability_configuration(ObservabilityConfigurationArn=name_arn(server, name))
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
            return


@contextlib.contextmanager
def configs(client, server, *names, **kwargs):
    """Create one revision per entry of `names` (repeat a name for more revisions); clean up afterwards."""
    created = []
    try:
        for name in names:
            created.append(client.create_observability_configuration(
                ObservabilityConfigurationName=name, **kwargs)["ObservabilityConfiguration"])
        yield created
    finally:
        for name in set(names):
            delete_all(client, server, name)


def all_pages(client, **kwargs):
    out, pages, token = [], 0, None
    while True:
        page = client.list_observability_configurations(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["ObservabilityConfigurationSummaryList"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 200, "pagination does not end"


def summary(config):
    return {k: config[k] for k in SUMMARY}


def test_create_returns_every_field(server):
    client = server.client("apprunner")
    raw = {}
    client.meta.events.register(
        "after-call.apprunner.CreateObservabilityConfiguration",
        lambda http_response, **_: raw.setdefault("body", http_response.content),
    )
    name = unique_name("xray")
    before = datetime.datetime.now(datetime.timezone.utc)
    with configs(client, server, name, TraceConfiguration={"Vendor": "AWSXRAY"},
                 Tags=[{"Key": "team", "Value": "web"}]) as (c,):
        after = datetime.datetime.now(datetime.timezone.utc)
        assert set(c) == MEMBERS, "tags are kept, not shown; no DeletedAt while active"
        assert c["ObservabilityConfigurationName"] == name
        assert c["TraceConfiguration"] == {"Vendor": "AWSXRAY"}
        assert c["ObservabilityConfigurationRevision"] == 1
        assert c["Latest"] is True
        assert c["Status"] == "ACTIVE"
        assert arn_pattern(server, name, 1).match(c["ObservabilityConfigurationArn"]), c
        slack = datetime.timedelta(seconds=2)
        assert before - slack <= c["CreatedAt"] <= after + slack
        body = json.loads(raw["body"])
        assert set(body) == {"ObservabilityConfiguration"}
        created_at = body["ObservabilityConfiguration"]["CreatedAt"]
        assert isinstance(created_at, (int, float)) and not isinstance(created_at, bool)
        assert round(created_at * 1000) == pytest.approx(created_at * 1000, abs=1e-3)


def test_create_without_tracing_omits_trace_configuration(server):
    client = server.client("apprunner")
    with configs(client, server, unique_name("plain")) as (c,):
        assert set(c) == MEMBERS - {"TraceConfiguration"}
        described = client.describe_observability_configuration(
            ObservabilityConfigurationArn=c["ObservabilityConfigurationArn"])["ObservabilityConfiguration"]
        assert described == c


def test_same_name_makes_revisions_and_moves_latest(server):
    client = server.client("apprunner")
    name = unique_name("rev")
    with configs(client, server, name, name, name) as created:
        assert [c["ObservabilityConfigurationRevision"] for c in created] == [1, 2, 3]
        ids = {c["ObservabilityConfigurationArn"].rsplit("/", 1)[1] for c in created}
        assert len(ids) == 3
        for i, c in enumerate(created, start=1):
            assert arn_pattern(server, name, i).match(c["ObservabilityConfigurationArn"])
            d = client.describe_observability_configuration(
                ObservabilityConfigurationArn=c["ObservabilityConfigurationArn"])["ObservabilityConfiguration"]
            assert d["Latest"] is (i == 3)
            assert {k: v for k, v in d.items() if k != "Latest"} == {k: v for k, v in c.items() if k != "Latest"}

        # Deleting the latest makes the next-highest active revision the latest; revisions are never reused.
        deleted = client.delete_observability_configuration(
            ObservabilityConfigurationArn=created[2]["ObservabilityConfigurationArn"])["ObservabilityConfiguration"]
        assert deleted["Status"] == "INACTIVE" and deleted["Latest"] is False and "DeletedAt" in deleted
        latest = client.describe_observability_configuration(
            ObservabilityConfigurationArn=name_arn(server, name))["ObservabilityConfiguration"]
        assert latest["ObservabilityConfigurationRevision"] == 2 and latest["Latest"] is True
        fourth = client.create_observability_configuration(
            ObservabilityConfigurationName=name)["ObservabilityConfiguration"]
        assert fourth["ObservabilityConfigurationRevision"] == 4


def test_describe_accepts_full_name_and_revision_forms(server):
    client = server.client("apprunner")
    name = unique_name("desc")
    with configs(client, server, name, name, TraceConfiguration={"Vendor": "AWSXRAY"}) as (one, two):
        by_name = client.describe_observability_configuration(ObservabilityConfigurationArn=name_arn(server, name))
        assert by_name["ObservabilityConfiguration"] == two
        by_rev = client.describe_observability_configuration(ObservabilityConfigurationArn=name_arn(server, name, 1))
        assert by_rev["ObservabilityConfiguration"] == {**one, "Latest": False}
        full = client.describe_observability_configuration(
            ObservabilityConfigurationArn=two["ObservabilityConfigurationArn"])
        assert full["ObservabilityConfiguration"] == two


def test_describe_and_delete_errors(server):
    client = server.client("apprunner")
    name = unique_name("err")
    with configs(client, server, name) as (c,):
        arn = c["ObservabilityConfigurationArn"]
        not_found = [
            name_arn(server, unique_name("none")),
            name_arn(server, name, 2),
            name_arn(server, name, 1, uuid.uuid4().hex),
            arn.replace(f":{server.region}:", ":eu-west-1:"),
            arn.replace(f":{server.account_id}:", ":210987654321:"),
        ]
        invalid = [
            arn.replace("observabilityconfiguration/", "autoscalingconfiguration/"),
            name_arn(server, name, 0),
            name_arn(server, name, "latest"),
            name_arn(server, name, 1, "ABC"),
            name_arn(server, "abc"),
            arn + "/extra",
        ]
        for op in (client.describe_observability_configuration, client.delete_observability_configuration):
            for bad in not_found:
                err = error_of(op, ObservabilityConfigurationArn=bad)
                assert err["Error"]["Code"] == "ResourceNotFoundException", (bad, err)
                assert err["Message"] == err["Error"]["Message"]
                assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
            for bad in invalid:
                err = error_of(op, ObservabilityConfigurationArn=bad)
                assert err["Error"]["Code"] == "InvalidRequestException", (bad, err)
        # Nothing above touched the configuration.
        assert client.describe_observability_configuration(ObservabilityConfigurationArn=arn)[
            "ObservabilityConfiguration"] == c


def test_delete_makes_inactive_and_only_once(server):
    client = server.client("apprunner")
    name = unique_name("del")
    with configs(client, server, name, name) as (one, two):
        resp = client.delete_observability_configuration(ObservabilityConfigurationArn=name_arn(server, name))
        gone = resp["ObservabilityConfiguration"]
        assert gone["ObservabilityConfigurationArn"] == two["ObservabilityConfigurationArn"], "…/name → latest"
        assert gone["Status"] == "INACTIVE" and gone["Latest"] is False
        assert gone["DeletedAt"] >= gone["CreatedAt"]
        assert set(gone) == MEMBERS - {"TraceConfiguration"} | {"DeletedAt"}
        # A deleted revision can still be described, but not deleted again.
        d = client.describe_observability_configuration(ObservabilityConfigurationArn=two["ObservabilityConfigurationArn"])
        assert d["ObservabilityConfiguration"] == gone
        err = error_of(client.delete_observability_configuration,
                       ObservabilityConfigurationArn=two["ObservabilityConfigurationArn"])
        assert err["Error"]["Code"] == "ResourceNotFoundException"
        listed = client.list_observability_configurations(ObservabilityConfigurationName=name, LatestOnly=False)
        assert listed["ObservabilityConfigurationSummaryList"] == [summary(one)]
        # Deleting the last revision: the name has nothing left to describe by name.
        client.delete_observability_configuration(ObservabilityConfigurationArn=name_arn(server, name, 1))
        err = error_of(client.describe_observability_configuration, ObservabilityConfigurationArn=name_arn(server, name))
        assert err["Error"]["Code"] == "ResourceNotFoundException"
        assert client.list_observability_configurations(ObservabilityConfigurationName=name)[
            "ObservabilityConfigurationSummaryList"] == []


def test_list_filters_and_latest_only(server):
    client = server.client("apprunner")
    a, b = unique_name("lsa"), unique_name("lsb")
    with configs(client, server, a, b, a) as (a1, b1, a2):
        everything = client.list_observability_configurations()
        assert "NextToken" not in everything
        listed = everything["ObservabilityConfigurationSummaryList"]
        assert all(set(s) == SUMMARY for s in listed)
        assert summary(a2) in listed and summary(b1) in listed and summary(a1) not in listed, "LatestOnly default"
        assert [s for s in listed if s["ObservabilityConfigurationName"] in (a, b)] == [summary(a2), summary(b1)], \
            "names in the order they were first created"

        every_rev = client.list_observability_configurations(LatestOnly=False)["ObservabilityConfigurationSummaryList"]
        assert [s for s in every_rev if s["ObservabilityConfigurationName"] in (a, b)] == [
            summary(a1), summary(b1), summary(a2)], "revisions in creation order"

        assert client.list_observability_configurations(ObservabilityConfigurationName=a)[
            "ObservabilityConfigurationSummaryList"] == [summary(a2)]
        assert client.list_observability_configurations(ObservabilityConfigurationName=a, LatestOnly=True)[
            "ObservabilityConfigurationSummaryList"] == [summary(a2)]
        assert client.list_observability_configurations(ObservabilityConfigurationName=a, LatestOnly=False)[
            "ObservabilityConfigurationSummaryList"] == [summary(a1), summary(a2)]
        assert client.list_observability_configurations(ObservabilityConfigurationName=unique_name("none"))[
            "ObservabilityConfigurationSummaryList"] == []


@pytest.mark.parametrize("latest_only", [True, False])
def test_pagination_has_no_gaps_or_duplicates(server, latest_only):
    client = server.client("apprunner")
    a, b, c = (unique_name("pg") for _ in range(3))
    with configs(client, server, a, a, b, c, c, a):
        # A deleted revision in the middle must not break the pages.
        client.delete_observability_configuration(ObservabilityConfigurationArn=name_arn(server, a, 2))
        full = client.list_observability_configurations(LatestOnly=latest_only)["ObservabilityConfigurationSummaryList"]
        for size in (1, 2, 100):
            paged, pages = all_pages(client, LatestOnly=latest_only, MaxResults=size)
            arns = [s["ObservabilityConfigurationArn"] for s in paged]
            assert len(arns) == len(set(arns)), "no duplicates"
            assert paged == full, "no gaps"
            assert pages == max(1, -(-len(full) // size))
        filtered, _ = all_pages(client, ObservabilityConfigurationName=a, LatestOnly=False, MaxResults=1)
        assert [s["ObservabilityConfigurationRevision"] for s in filtered] == [1, 3]

        token = client.list_observability_configurations(LatestOnly=latest_only, MaxResults=1)["NextToken"]
        for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
            err = error_of(client.list_observability_configurations, LatestOnly=latest_only, MaxResults=1,
                           NextToken=bad)
            assert err["Error"]["Code"] == "InvalidRequestException"
        # A token belongs to its query.
        err = error_of(client.list_observability_configurations, LatestOnly=not latest_only, NextToken=token)
        assert err["Error"]["Code"] == "InvalidRequestException"
        err = error_of(client.list_observability_configurations, ObservabilityConfigurationName=a,
                       LatestOnly=latest_only, NextToken=token)
        assert err["Error"]["Code"] == "InvalidRequestException"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ObservabilityConfigurationName": "abc"},
        {"ObservabilityConfigurationName": "x" * 33},
        {"ObservabilityConfigurationName": "-abcd"},
        {},
        {"ObservabilityConfigurationName": "DefaultConfiguration"},
        {"ObservabilityConfigurationName": "trace-bad-vendor", "TraceConfiguration": {"Vendor": "DATADOG"}},
        {"ObservabilityConfigurationName": "trace-no-vendor", "TraceConfiguration": {}},
        {"ObservabilityConfigurationName": "tags-aws-prefix", "Tags": [{"Key": "aws:x", "Value": "v"}]},
        {"ObservabilityConfigurationName": "tags-dup-key",
         "Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]},
        {"ObservabilityConfigurationName": "tags-too-many", "Tags": [{"Key": f"k{i}", "Value": ""} for i in range(51)]},
    ],
)
def test_bad_create_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    err = error_of(client.create_observability_configuration, **kwargs)
    assert err["Error"]["Code"] == "InvalidRequestException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    name = kwargs.get("ObservabilityConfigurationName", "")
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{3,31}", name):
        assert client.list_observability_configurations(ObservabilityConfigurationName=name, LatestOnly=False)[
            "ObservabilityConfigurationSummaryList"] == [], "nothing was created"


@pytest.mark.parametrize("kwargs", [{"MaxResults": 0}, {"MaxResults": 101}, {"NextToken": ""}])
def test_bad_list_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    err = error_of(client.list_observability_configurations, **kwargs)
    assert err["Error"]["Code"] == "InvalidRequestException"


def test_quotas_on_a_private_server(fresh_dir):
    srv = start_server(fresh_dir / "d")
    try:
        client = srv.client("apprunner")
        # 10 revisions per name.
        for i in range(10):
            client.create_observability_configuration(ObservabilityConfigurationName="many-revisions")
        err = error_of(client.create_observability_configuration, ObservabilityConfigurationName="many-revisions")
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        assert err["Message"] == err["Error"]["Message"]
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
        # Deleting a revision frees room for one more (revision numbers keep counting).
        client.delete_observability_configuration(ObservabilityConfigurationArn=name_arn(srv, "many-revisions", 4))
        c = client.create_observability_configuration(ObservabilityConfigurationName="many-revisions")
        assert c["ObservabilityConfiguration"]["ObservabilityConfigurationRevision"] == 11

        # 10 names.
        for i in range(1, 10):
            client.create_observability_configuration(ObservabilityConfigurationName=f"name-{i:02}")
        err = error_of(client.create_observability_configuration, ObservabilityConfigurationName="one-too-many")
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        # More revisions of an existing name still fit.
        client.create_observability_configuration(ObservabilityConfigurationName="name-01")
        # Deleting every revision of a name frees its slot.
        delete_all(client, srv, "name-05")
        client.create_observability_configuration(ObservabilityConfigurationName="one-too-many")
        err = error_of(client.create_observability_configuration, ObservabilityConfigurationName="name-05")
        assert err["Error"]["Code"] == "ServiceQuotaExceededException"
        names = {s["ObservabilityConfigurationName"] for s in client.list_observability_configurations()[
            "ObservabilityConfigurationSummaryList"]}
        assert len(names) == 10 and "name-05" not in names
    finally:
        assert stop_server(srv) == 0


def test_create_is_recorded_in_cloudtrail(server):
    name = unique_name("ct")
    client = server.client("apprunner")
    out = json.loads(server.aws(
        "apprunner", "create-observability-configuration", "--observability-configuration-name", name,
        "--trace-configuration", "Vendor=AWSXRAY", "--tags", "Key=owner,Value=ci",
    ).stdout)
    arn = out["ObservabilityConfiguration"]["ObservabilityConfigurationArn"]
    try:
        events = json.loads(server.aws(
            "cloudtrail", "lookup-events",
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateObservabilityConfiguration",
        ).stdout)["Events"]
        mine = [e for e in events
                if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("observabilityConfigurationName") == name]
        assert len(mine) == 1, [e["CloudTrailEvent"] for e in events]
        event = mine[0]
        record = json.loads(event["CloudTrailEvent"])
        assert event["EventSource"] == "apprunner.amazonaws.com"
        assert event["Resources"] == [{"ResourceType": "AWS::AppRunner::ObservabilityConfiguration", "ResourceName": arn}]
        assert record["readOnly"] is False
        assert "errorCode" not in record
        assert record["requestParameters"] == {
            "observabilityConfigurationName": name, "traceConfiguration": {"vendor": "AWSXRAY"},
            "tags": [{"key": "owner", "value": "ci"}],
        }
        config = record["responseElements"]["observabilityConfiguration"]
        assert config["observabilityConfigurationArn"] == arn
        assert config["observabilityConfigurationName"] == name
        assert config["observabilityConfigurationRevision"] == 1
        assert config["latest"] is True
        assert config["status"] == "ACTIVE"
        assert config["traceConfiguration"] == {"vendor": "AWSXRAY"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", config["createdAt"]), config["createdAt"]
        assert record["resources"] == [
            {"accountId": server.account_id, "type": "AWS::AppRunner::ObservabilityConfiguration", "ARN": arn}]
    finally:
        delete_all(client, server, name)
