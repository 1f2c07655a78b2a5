"""App Runner auto scaling configurations (spec §3.5): Create, Describe, List, Delete, UpdateDefault and
ListServicesForAutoScalingConfiguration.

The `server` fixture is shared by the whole session. The name quota (10) and the default configuration are per
account and region, so tests that depend on a clean slate or change the default use a region of their own
(`region_of`); the others use unique names and delete what they create.
"""

import contextlib
import datetime
import itertools
import json
import re
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import start_server, stop_server

UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
FULL_MEMBERS = {
    "AutoScalingConfigurationArn", "AutoScalingConfigurationName", "AutoScalingConfigurationRevision", "Latest",
    "Status", "MaxConcurrency", "MinSize", "MaxSize", "CreatedAt", "HasAssociatedService", "IsDefault",
}
SUMMARY_MEMBERS = {
    "AutoScalingConfigurationArn", "AutoScalingConfigurationName", "AutoScalingConfigurationRevision", "Status",
    "CreatedAt", "HasAssociatedService", "IsDefault",
}
DEFAULT_ID = "00000000000000000000000000000001"

# Regions no other test file uses; each test that needs a clean one takes the next.
_REGIONS = iter([
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "sa-east-1",
    "eu-north-1", "eu-south-1", "eu-south-2", "eu-central-1", "eu-central-2", "me-south-1", "me-central-1",
    "af-south-1", "il-central-1", "mx-central-1",
])


def region_of(server):
    return server.with_region(next(_REGIONS))


def unique_name(prefix="asc"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def base_arn(server, region=None):
    return f"arn:aws:apprunner:{region or server.region}:{server.account_id}:autoscalingconfiguration"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def assert_error(resp, code):
    assert resp["Error"]["Code"] == code, resp["Error"]
    assert resp["Message"] == resp["Error"]["Message"] and resp["Message"], "the modeled Message member is filled"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400


@contextlib.contextmanager
def configurations(client, *names, **sizes):
    """Create one revision for each of `names`; afterwards delete every revision of them."""
    created = []
    try:
        for name in names:
            created.append(client.create_auto_scaling_configuration(
                AutoScalingConfigurationName=name, **sizes)["AutoScalingConfiguration"])
        yield created
    finally:
        for name in set(names):
            arn = f"{created[0]['AutoScalingConfigurationArn'].split(':autoscalingconfiguration/')[0]}" \
                  f":autoscalingconfiguration/{name}" if created else None
            if arn:
                with contextlib.suppress(ClientError):
                    client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn, DeleteAllRevisions=True)


def all_pages(client, **kwargs):
    out, pages, token = [], 0, None
    while True:
        page = client.list_auto_scaling_configurations(**kwargs, **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["AutoScalingConfigurationSummaryList"])
        token = page.get("NextToken")
        if not token:
            return out, pages
        assert pages < 200, "pagination does not end"


def summary_of(full):
    return {k: v for k, v in full.items() if k in SUMMARY_MEMBERS}


def test_default_configuration_exists_in_a_fresh_region(server):
    srv = region_of(server)
    client = srv.client("apprunner")
    raw = {}
    client.meta.events.register(
        "after-call.apprunner.ListAutoScalingConfigurations",
        lambda http_response, **_: raw.setdefault("body", json.loads(http_response.text)),
    )
    listed = client.list_auto_scaling_configurations()
    arn = f"{base_arn(srv)}/DefaultConfiguration/1/{DEFAULT_ID}"
    assert "NextToken" not in listed
    [summary] = listed["AutoScalingConfigurationSummaryList"]
    assert set(summary) == SUMMARY_MEMBERS
    assert summary["AutoScalingConfigurationArn"] == arn
    assert summary["AutoScalingConfigurationName"] == "DefaultConfiguration"
    assert summary["AutoScalingConfigurationRevision"] == 1
    assert summary["Status"] == "ACTIVE"
    assert summary["IsDefault"] is True
    assert summary["HasAssociatedService"] is False
    created_at = raw["body"]["AutoScalingConfigurationSummaryList"][0]["CreatedAt"]
    assert isinstance(created_at, (int, float)), "epoch seconds on the wire"

    full = client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)["AutoScalingConfiguration"]
    assert set(full) == FULL_MEMBERS
    assert {k: full[k] for k in FULL_MEMBERS - {"CreatedAt"}} == {
        "AutoScalingConfigurationArn": arn, "AutoScalingConfigurationName": "DefaultConfiguration",
        "AutoScalingConfigurationRevision": 1, "Latest": True, "Status": "ACTIVE", "MaxConcurrency": 100,
        "MinSize": 1, "MaxSize": 25, "HasAssociatedService": False, "IsDefault": True,
    }
    assert full["CreatedAt"] == summary["CreatedAt"], "materialised once, stable afterwards"


def test_default_configuration_via_describe_first_in_a_fresh_region(server):
    srv = region_of(server)
    client = srv.client("apprunner")
    arn = f"{base_arn(srv)}/DefaultConfiguration"
    full = client.describe_auto_scaling_configuration(AutoScalingConfigurationArn=arn)["AutoScalingConfiguration"]
    assert full["AutoScalingConfigurationArn"] == f"{arn}/1/{DEFAULT_ID}"
    assert full["IsDefault"] is True
    assert len(client.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]) == 1


def test_create_returns_every_field_with_defaults(server):
    client = server.client("apprunner")
    name = unique_name()
    raw = {}
    client.meta.events.register(
        "after-call.apprunner.CreateAutoScalingConfiguration",
        lambda http_response, **_: raw.setdefault("body", json.loads(http_response.text)),
    )
    before = datetime.datetime.now(datetime.timezone.utc)
    with configurations(client, name) as (c,):
        assert set(c) == FULL_MEMBERS, "tags are stored, not shown; no DeletedAt"
        assert re.fullmatch(rf"{re.escape(base_arn(server))}/{name}/1/[0-9a-f]{{32}}", c["AutoScalingConfigurationArn"])
        assert c["AutoScalingConfigurationName"] == name
        assert c["AutoScalingConfigurationRevision"] == 1
        assert (c["MaxConcurrency"], c["MinSize"], c["MaxSize"]) == (100, 1, 25)
        assert c["Status"] == "ACTIVE" and c["Latest"] is True
        assert c["IsDefault"] is False and c["HasAssociatedService"] is False
        assert abs((c["CreatedAt"] - before).total_seconds()) < 60
        wire = raw["body"]["AutoScalingConfiguration"]["CreatedAt"]
        assert isinstance(wire, (int, float)) and round(wire, 3) == wire


def test_revisions_and_latest(server):
    client = server.client("apprunner")
    name = unique_name("rev")
    with configurations(client, name, MinSize=2, MaxSize=5, MaxConcurrency=50) as (r1,):
        assert (r1["MaxConcurrency"], r1["MinSize"], r1["MaxSize"]) == (50, 2, 5)
        r2 = client.create_auto_scaling_configuration(
            AutoScalingConfigurationName=name, MaxSize=10, Tags=[{"Key": "k", "Value": "v"}],
        )["AutoScalingConfiguration"]
        assert r2["AutoScalingConfigurationRevision"] == 2 and r2["Latest"] is True
        assert (r2["MaxConcurrency"], r2["MinSize"], r2["MaxSize"]) == (100, 1, 10), "no inheritance"
        assert r1["AutoScalingConfigurationArn"].split("/")[3] != r2["AutoScalingConfigurationArn"].split("/")[3]

        old = client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=r1["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert old == {**r1, "Latest": False}

        # Deleting the latest makes the previous one latest; revisions are not reused.
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=r2["AutoScalingConfigurationArn"])
        back = client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=r1["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert back["Latest"] is True
        r3 = client.create_auto_scaling_configuration(AutoScalingConfigurationName=name)["AutoScalingConfiguration"]
        assert r3["AutoScalingConfigurationRevision"] == 3


def test_describe_by_full_and_partial_arn(server):
    client = server.client("apprunner")
    name = unique_name("desc")
    with configurations(client, name, name) as (r1, r2):
        by_name = f"{base_arn(server)}/{name}"
        full = client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=r2["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert full == r2
        assert client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=by_name)["AutoScalingConfiguration"] == r2, "name → latest active"
        assert client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=f"{by_name}/1")["AutoScalingConfiguration"] == {**r1, "Latest": False}

        # A deleted revision is still describable by full and by name/revision ARN.
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=f"{by_name}/1")
        gone = client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=r1["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert gone["Status"] == "INACTIVE" and gone["Latest"] is False and "DeletedAt" in gone

        other_id = uuid.uuid4().hex
        for arn in (
            f"{by_name}/9",
            f"{by_name}/2/{other_id}",  # right name and revision, wrong id
            f"{base_arn(server)}/{unique_name('nope')}",
            f"{base_arn(server)}/{unique_name('nope')}/1",
            r2["AutoScalingConfigurationArn"].replace(server.region, "eu-west-1"),  # another region
            r2["AutoScalingConfigurationArn"].replace(server.account_id, "000000000000"),  # another account
        ):
            assert_error(error_of(client.describe_auto_scaling_configuration, AutoScalingConfigurationArn=arn),
                         "ResourceNotFoundException")
        for arn in (
            f"{by_name}/0",
            f"{by_name}/x",
            f"{by_name}/2/{other_id.upper()}",
            f"{by_name}/2/{other_id}/extra",
            f"{base_arn(server)}/abc",  # too short a name
            f"arn:aws:apprunner:{server.region}:{server.account_id}:connection/{name}/{other_id}",
            "not-an-arn",
        ):
            resp = error_of(server.client("apprunner", config=UNCHECKED).describe_auto_scaling_configuration,
                            AutoScalingConfigurationArn=arn)
            assert_error(resp, "InvalidRequestException")


def test_list_filters_latest_only_and_pagination(server):
    srv = region_of(server)
    client = srv.client("apprunner")
    a, b = unique_name("la"), unique_name("lb")
    with configurations(client, a, a, b, a) as (a1, a2, b1, a3):
        everything, _ = all_pages(client)
        names = [s["AutoScalingConfigurationName"] for s in everything]
        assert names == ["DefaultConfiguration", b, a], "latest only by default, insertion order of the revisions"
        assert everything[2] == summary_of(a3)
        assert everything[1] == summary_of(b1)

        all_revisions, _ = all_pages(client, LatestOnly=False)
        assert [s["AutoScalingConfigurationArn"] for s in all_revisions[1:]] == [
            c["AutoScalingConfigurationArn"] for c in (a1, a2, b1, a3)]

        only_a = client.list_auto_scaling_configurations(AutoScalingConfigurationName=a, LatestOnly=False)
        assert [s["AutoScalingConfigurationRevision"] for s in only_a["AutoScalingConfigurationSummaryList"]] == [1, 2, 3]
        latest_a = client.list_auto_scaling_configurations(AutoScalingConfigurationName=a)
        assert latest_a["AutoScalingConfigurationSummaryList"] == [summary_of(a3)]
        assert client.list_auto_scaling_configurations(
            AutoScalingConfigurationName=unique_name("none"))["AutoScalingConfigurationSummaryList"] == []

        for latest_only, full in ((True, everything), (False, all_revisions)):
            for size in (1, 2, 3):
                paged, pages = all_pages(client, LatestOnly=latest_only, MaxResults=size)
                arns = [s["AutoScalingConfigurationArn"] for s in paged]
                assert len(arns) == len(set(arns)), "no duplicates"
                assert paged == full, "no gaps"
                assert pages == max(1, -(-len(full) // size))

        # Deleted revisions are not listed.
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=a2["AutoScalingConfigurationArn"])
        listed = client.list_auto_scaling_configurations(AutoScalingConfigurationName=a, LatestOnly=False)
        assert [s["AutoScalingConfigurationRevision"] for s in listed["AutoScalingConfigurationSummaryList"]] == [1, 3]

        token = client.list_auto_scaling_configurations(MaxResults=1)["NextToken"]
        for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
            assert_error(error_of(client.list_auto_scaling_configurations, MaxResults=1, NextToken=bad),
                         "InvalidRequestException")
        # A token belongs to its query.
        assert_error(error_of(client.list_auto_scaling_configurations, LatestOnly=False, NextToken=token),
                     "InvalidRequestException")
        assert_error(error_of(client.list_auto_scaling_configurations, AutoScalingConfigurationName=a,
                              NextToken=token), "InvalidRequestException")
        assert_error(error_of(server.client("apprunner").list_auto_scaling_configurations, NextToken=token),
                     "InvalidRequestException")


@pytest.mark.parametrize("max_results", [0, 101])
def test_list_max_results_out_of_range(server, max_results):
    resp = error_of(server.client("apprunner", config=UNCHECKED).list_auto_scaling_configurations,
                    MaxResults=max_results)
    assert_error(resp, "InvalidRequestException")


def test_delete_one_revision_and_all_revisions(server):
    client = server.client("apprunner")
    name = unique_name("del")
    by_name = f"{base_arn(server)}/{name}"
    with configurations(client, name, name, name) as (r1, r2, r3):
        # A name ARN deletes the latest active revision.
        deleted = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=by_name)[
            "AutoScalingConfiguration"]
        assert deleted["AutoScalingConfigurationArn"] == r3["AutoScalingConfigurationArn"]
        assert deleted["Status"] == "INACTIVE" and deleted["Latest"] is False and deleted["IsDefault"] is False
        assert isinstance(deleted["DeletedAt"], datetime.datetime)
        assert set(deleted) == FULL_MEMBERS | {"DeletedAt"}

        # Deleting it again: not found.
        assert_error(error_of(client.delete_auto_scaling_configuration,
                              AutoScalingConfigurationArn=r3["AutoScalingConfigurationArn"]),
                     "ResourceNotFoundException")
        # DeleteAllRevisions needs a name ARN.
        for arn in (f"{by_name}/1", r1["AutoScalingConfigurationArn"]):
            assert_error(error_of(client.delete_auto_scaling_configuration, AutoScalingConfigurationArn=arn,
                                  DeleteAllRevisions=True), "InvalidRequestException")

        last = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=by_name, DeleteAllRevisions=True)
        assert last["AutoScalingConfiguration"]["AutoScalingConfigurationArn"] == r2["AutoScalingConfigurationArn"]
        for r in (r1, r2):
            d = client.describe_auto_scaling_configuration(
                AutoScalingConfigurationArn=r["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
            assert d["Status"] == "INACTIVE"
        assert client.list_auto_scaling_configurations(
            AutoScalingConfigurationName=name, LatestOnly=False)["AutoScalingConfigurationSummaryList"] == []
        assert_error(error_of(client.delete_auto_scaling_configuration, AutoScalingConfigurationArn=by_name),
                     "ResourceNotFoundException")
        assert_error(error_of(client.describe_auto_scaling_configuration, AutoScalingConfigurationArn=by_name),
                     "ResourceNotFoundException")

        again = client.create_auto_scaling_configuration(AutoScalingConfigurationName=name)["AutoScalingConfiguration"]
        assert again["AutoScalingConfigurationRevision"] == 4, "revisions are never reused"


def test_update_default_and_default_deletion_rules(server):
    srv = region_of(server)
    client = srv.client("apprunner")
    default_arn = f"{base_arn(srv)}/DefaultConfiguration/1/{DEFAULT_ID}"
    assert_error(error_of(client.delete_auto_scaling_configuration, AutoScalingConfigurationArn=default_arn),
                 "InvalidRequestException")

    name = unique_name("def")
    with configurations(client, name, name) as (r1, r2):
        out = client.update_default_auto_scaling_configuration(
            AutoScalingConfigurationArn=f"{base_arn(srv)}/{name}")["AutoScalingConfiguration"]
        assert out == {**r2, "IsDefault": True}, "a name ARN makes its latest revision the default"
        listed = {s["AutoScalingConfigurationArn"]: s["IsDefault"]
                  for s in all_pages(client, LatestOnly=False)[0]}
        assert listed == {default_arn: False, r1["AutoScalingConfigurationArn"]: False,
                          r2["AutoScalingConfigurationArn"]: True}, "exactly one default"

        assert_error(error_of(client.delete_auto_scaling_configuration,
                              AutoScalingConfigurationArn=r2["AutoScalingConfigurationArn"]), "InvalidRequestException")
        assert_error(error_of(client.delete_auto_scaling_configuration,
                              AutoScalingConfigurationArn=f"{base_arn(srv)}/{name}", DeleteAllRevisions=True),
                     "InvalidRequestException")

        # DefaultConfiguration is not default any more: it can be deleted now, and revised.
        d = client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=default_arn)
        assert d["AutoScalingConfiguration"]["Status"] == "INACTIVE"
        assert_error(error_of(client.update_default_auto_scaling_configuration,
                              AutoScalingConfigurationArn=default_arn), "ResourceNotFoundException")
        rev2 = client.create_auto_scaling_configuration(
            AutoScalingConfigurationName="DefaultConfiguration")["AutoScalingConfiguration"]
        assert rev2["AutoScalingConfigurationRevision"] == 2

        # Moving the default by full ARN; the previous default can be deleted.
        out = client.update_default_auto_scaling_configuration(
            AutoScalingConfigurationArn=rev2["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]
        assert out["IsDefault"] is True
        assert client.describe_auto_scaling_configuration(
            AutoScalingConfigurationArn=r2["AutoScalingConfigurationArn"])["AutoScalingConfiguration"]["IsDefault"] is False
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=f"{base_arn(srv)}/{name}",
                                                 DeleteAllRevisions=True)

        for arn in (f"{base_arn(srv)}/{unique_name('nope')}", f"{base_arn(srv)}/{name}/7"):
            assert_error(error_of(client.update_default_auto_scaling_configuration, AutoScalingConfigurationArn=arn),
                         "ResourceNotFoundException")
        assert_error(error_of(srv.client("apprunner", config=UNCHECKED).update_default_auto_scaling_configuration,
                              AutoScalingConfigurationArn="arn:aws:apprunner:x:123456789012:service/abcd"),
                     "InvalidRequestException")


def test_list_services_for_auto_scaling_configuration(server):
    client = server.client("apprunner")
    name = unique_name("svc")
    with configurations(client, name) as (c,):
        for arn in (c["AutoScalingConfigurationArn"], f"{base_arn(server)}/{name}", f"{base_arn(server)}/{name}/1"):
            out = client.list_services_for_auto_scaling_configuration(AutoScalingConfigurationArn=arn)
            assert out["ServiceArnList"] == [] and "NextToken" not in out
        out = client.list_services_for_auto_scaling_configuration(
            AutoScalingConfigurationArn=c["AutoScalingConfigurationArn"], MaxResults=1)
        assert out["ServiceArnList"] == []
        assert_error(error_of(client.list_services_for_auto_scaling_configuration,
                              AutoScalingConfigurationArn=c["AutoScalingConfigurationArn"], NextToken="bogus"),
                     "InvalidRequestException")
        assert_error(error_of(client.list_services_for_auto_scaling_configuration,
                              AutoScalingConfigurationArn=f"{base_arn(server)}/{unique_name('nope')}"),
                     "ResourceNotFoundException")
        assert_error(error_of(server.client("apprunner", config=UNCHECKED).list_services_for_auto_scaling_configuration,
                              AutoScalingConfigurationArn=c["AutoScalingConfigurationArn"], MaxResults=101),
                     "InvalidRequestException")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"AutoScalingConfigurationName": "abc"},
        {"AutoScalingConfigurationName": "x" * 33},
        {"AutoScalingConfigurationName": "-abcd"},
        {},
        {"AutoScalingConfigurationName": "bad-min-max", "MinSize": 5, "MaxSize": 4},
        {"AutoScalingConfigurationName": "bad-min-default-max", "MinSize": 25, "MaxSize": 3},
        {"AutoScalingConfigurationName": "bad-max-cap", "MaxSize": 26},
        {"AutoScalingConfigurationName": "bad-min", "MinSize": 0},
        {"AutoScalingConfigurationName": "bad-min-high", "MinSize": 26},
        {"AutoScalingConfigurationName": "bad-conc", "MaxConcurrency": 201},
        {"AutoScalingConfigurationName": "bad-conc-low", "MaxConcurrency": 0},
        {"AutoScalingConfigurationName": "bad-max", "MaxSize": 0},
        {"AutoScalingConfigurationName": "bad-tags", "Tags": [{"Key": "aws:x", "Value": "v"}]},
        {"AutoScalingConfigurationName": "bad-tags-dup", "Tags": [{"Key": "k", "Value": "1"}, {"Key": "k"}]},
    ],
)
def test_bad_create_input_is_an_invalid_request(server, kwargs):
    client = server.client("apprunner", config=UNCHECKED)
    assert_error(error_of(client.create_auto_scaling_configuration, **kwargs), "InvalidRequestException")
    name = kwargs.get("AutoScalingConfigurationName", "")
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{3,31}", name):
        assert client.list_auto_scaling_configurations(
            AutoScalingConfigurationName=name)["AutoScalingConfigurationSummaryList"] == [], "nothing was created"


def test_missing_arn_is_an_invalid_request(server):
    client = server.client("apprunner", config=UNCHECKED)
    for call in (client.describe_auto_scaling_configuration, client.delete_auto_scaling_configuration,
                 client.update_default_auto_scaling_configuration,
                 client.list_services_for_auto_scaling_configuration):
        assert_error(error_of(call), "InvalidRequestException")


def test_quotas(fresh_dir):
    srv = start_server(fresh_dir / "d")
    try:
        client = srv.client("apprunner")
        names = [f"quota-{i:02d}" for i in range(10)]
        for n in names:
            client.create_auto_scaling_configuration(AutoScalingConfigurationName=n)
        # DefaultConfiguration (App Runner's own) does not count toward the ten names.
        assert len(client.list_auto_scaling_configurations()["AutoScalingConfigurationSummaryList"]) == 11
        assert_error(error_of(client.create_auto_scaling_configuration, AutoScalingConfigurationName="quota-10"),
                     "ServiceQuotaExceededException")
        # Revisions of an existing name need no new name slot, up to five active per name.
        for _ in range(4):
            client.create_auto_scaling_configuration(AutoScalingConfigurationName="quota-00")
        assert_error(error_of(client.create_auto_scaling_configuration, AutoScalingConfigurationName="quota-00"),
                     "ServiceQuotaExceededException")
        # Deleting one revision frees a revision place; deleting every revision frees the name.
        base = base_arn(srv)
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=f"{base}/quota-00/2")
        assert client.create_auto_scaling_configuration(
            AutoScalingConfigurationName="quota-00")["AutoScalingConfiguration"]["AutoScalingConfigurationRevision"] == 6
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=f"{base}/quota-05",
                                                 DeleteAllRevisions=True)
        client.create_auto_scaling_configuration(AutoScalingConfigurationName="quota-10")
        assert_error(error_of(client.create_auto_scaling_configuration, AutoScalingConfigurationName="quota-11"),
                     "ServiceQuotaExceededException")
        # Another region has its own quota.
        srv.with_region("us-west-2").client("apprunner").create_auto_scaling_configuration(
            AutoScalingConfigurationName="quota-11")
    finally:
        assert stop_server(srv) == 0


def test_concurrent_first_calls_and_creates(fresh_dir):
    from concurrent.futures import ThreadPoolExecutor

    srv = start_server(fresh_dir / "d")
    try:
        def create(i):
            try:
                return srv.client("apprunner").create_auto_scaling_configuration(
                    AutoScalingConfigurationName=f"race-{i % 2}")
            except ClientError as e:
                return e.response

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, range(8)))
        assert all("AutoScalingConfiguration" in r for r in results), results
        client = srv.client("apprunner")
        listed = all_pages(client, LatestOnly=False)[0]
        assert [s["AutoScalingConfigurationName"] for s in listed].count("DefaultConfiguration") == 1
        for n in ("race-0", "race-1"):
            revs = sorted(s["AutoScalingConfigurationRevision"] for s in listed
                          if s["AutoScalingConfigurationName"] == n)
            assert revs == [1, 2, 3, 4], "no revision is issued twice"
        assert sum(s["IsDefault"] for s in listed) == 1
    finally:
        assert stop_server(srv) == 0


def test_create_is_recorded_in_cloudtrail(server):
    name = unique_name("ct")
    out = json.loads(server.aws(
        "apprunner", "create-auto-scaling-configuration", "--auto-scaling-configuration-name", name,
        "--max-size", "4", "--tags", "Key=owner,Value=ci",
    ).stdout)
    arn = out["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]
    try:
        events = json.loads(server.aws(
            "cloudtrail", "lookup-events",
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAutoScalingConfiguration",
        ).stdout)["Events"]
        mine = [e for e in events
                if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("autoScalingConfigurationName") == name]
        assert len(mine) == 1, [e["CloudTrailEvent"] for e in events]
        event = mine[0]
        record = json.loads(event["CloudTrailEvent"])
        assert event["Resources"] == [{"ResourceType": "AWS::AppRunner::AutoScalingConfiguration", "ResourceName": arn}]
        assert record["readOnly"] is False and "errorCode" not in record
        assert record["requestParameters"] == {
            "autoScalingConfigurationName": name, "maxSize": 4, "tags": [{"key": "owner", "value": "ci"}],
        }
        asc = record["responseElements"]["autoScalingConfiguration"]
        assert asc["autoScalingConfigurationArn"] == arn
        assert asc["autoScalingConfigurationName"] == name
        assert asc["autoScalingConfigurationRevision"] == 1
        assert (asc["maxConcurrency"], asc["minSize"], asc["maxSize"]) == (100, 1, 4)
        assert asc["latest"] is True and asc["isDefault"] is False and asc["hasAssociatedService"] is False
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", asc["createdAt"]), asc["createdAt"]
        assert record["resources"] == [
            {"accountId": server.account_id, "type": "AWS::AppRunner::AutoScalingConfiguration", "ARN": arn}]
    finally:
        server.aws("apprunner", "delete-auto-scaling-configuration", "--auto-scaling-configuration-arn",
                   f"{base_arn(server)}/{name}", "--delete-all-revisions")
