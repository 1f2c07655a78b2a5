"""App Runner tagging: TagResource, UntagResource, ListTagsForResource on connections, auto scaling and
observability configuration revisions, and VPC connectors.

The `server` fixture is shared by the whole session and every family has a per-region quota, so these tests work
in regions no other test file uses, give every resource its own name and delete what they create.
"""

import contextlib
import json
import uuid

import pytest
from botocore.exceptions import ClientError

REGION = "eu-west-3"


def unique_name(prefix="tag"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response


def assert_error(resp, code):
    assert resp["Error"]["Code"] == code, resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400, resp


@pytest.fixture
def ar(server):
    return server.with_region(REGION).client("apprunner")


def tags_of(client, arn):
    return client.list_tags_for_resource(ResourceArn=arn)["Tags"]


def as_dict(tags):
    return {t["Key"]: t["Value"] for t in tags}


@contextlib.contextmanager
def connection(client, tags=()):
    out = client.create_connection(ConnectionName=unique_name("conn"), ProviderType="GITHUB", Tags=list(tags))
    arn = out["Connection"]["ConnectionArn"]
    try:
        yield arn
    finally:
        client.delete_connection(ConnectionArn=arn)


@contextlib.contextmanager
def auto_scaling(client, tags=(), name=None):
    out = client.create_auto_scaling_configuration(
        AutoScalingConfigurationName=name or unique_name("asc"), Tags=list(tags))
    arn = out["AutoScalingConfiguration"]["AutoScalingConfigurationArn"]
    try:
        yield arn
    finally:
        client.delete_auto_scaling_configuration(AutoScalingConfigurationArn=arn)


@contextlib.contextmanager
def observability(client, tags=()):
    out = client.create_observability_configuration(ObservabilityConfigurationName=unique_name("obs"), Tags=list(tags))
    arn = out["ObservabilityConfiguration"]["ObservabilityConfigurationArn"]
    try:
        yield arn
    finally:
        client.delete_observability_configuration(ObservabilityConfigurationArn=arn)


@contextlib.contextmanager
def vpc_connector(client, tags=()):
    out = client.create_vpc_connector(
        VpcConnectorName=unique_name("vpc"), Subnets=["subnet-0123456789abcdef0"], Tags=list(tags))
    arn = out["VpcConnector"]["VpcConnectorArn"]
    try:
        yield arn
    finally:
        client.delete_vpc_connector(VpcConnectorArn=arn)


FAMILIES = [connection, auto_scaling, observability, vpc_connector]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_tags_given_at_creation_are_listed(ar, family):
    with family(ar, tags=[{"Key": "owner", "Value": "ci"}, {"Key": "empty"}]) as arn:
        assert tags_of(ar, arn) == [{"Key": "owner", "Value": "ci"}, {"Key": "empty", "Value": ""}]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
def test_tag_untag_list_round_trip(ar, family):
    with family(ar) as arn:
        assert tags_of(ar, arn) == []
        out = ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
        assert {k: v for k, v in out.items() if k != "ResponseMetadata"} == {}
        assert as_dict(tags_of(ar, arn)) == {"team": "a", "env": "dev"}
        out = ar.untag_resource(ResourceArn=arn, TagKeys=["team", "never-there"])
        assert {k: v for k, v in out.items() if k != "ResponseMetadata"} == {}
        assert tags_of(ar, arn) == [{"Key": "env", "Value": "dev"}]
        ar.untag_resource(ResourceArn=arn, TagKeys=["env"])
        assert tags_of(ar, arn) == []


def test_tag_resource_merges_and_overwrites(ar):
    with connection(ar, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]) as arn:
        ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "20"}, {"Key": "c", "Value": "3"}])
        assert as_dict(tags_of(ar, arn)) == {"a": "1", "b": "20", "c": "3"}
        ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": ""}])
        assert as_dict(tags_of(ar, arn)) == {"a": "", "b": "20", "c": "3"}
        # Tags are not part of the resource's own output.
        summaries = ar.list_connections(ConnectionName=arn.split("/")[1])["ConnectionSummaryList"]
        assert len(summaries) == 1 and "Tags" not in summaries[0]


def test_tags_belong_to_one_revision(ar):
    name = unique_name("asc")
    with auto_scaling(ar, tags=[{"Key": "rev", "Value": "1"}], name=name) as first:
        with auto_scaling(ar, name=name) as second:
            ar.tag_resource(ResourceArn=second, Tags=[{"Key": "rev", "Value": "2"}])
            assert tags_of(ar, first) == [{"Key": "rev", "Value": "1"}]
            assert tags_of(ar, second) == [{"Key": "rev", "Value": "2"}]
            partial = first.rsplit("/", 1)[0]
            assert_error(error_of(ar.list_tags_for_resource, ResourceArn=partial), "InvalidRequestException")


def test_at_most_50_tags(ar):
    with vpc_connector(ar, tags=[{"Key": f"k{i}", "Value": "v"} for i in range(30)]) as arn:
        too_many = [{"Key": f"n{i}", "Value": "v"} for i in range(21)]
        assert_error(error_of(ar.tag_resource, ResourceArn=arn, Tags=too_many), "InvalidRequestException")
        assert len(tags_of(ar, arn)) == 30
        # Overwriting existing keys does not count twice.
        ar.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "w"} for i in range(30)]
                        + [{"Key": f"n{i}", "Value": "v"} for i in range(20)])
        tags = tags_of(ar, arn)
        assert len(tags) == 50 and as_dict(tags)["k0"] == "w"
        assert_error(error_of(ar.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]),
                     "InvalidRequestException")
        ar.untag_resource(ResourceArn=arn, TagKeys=["k0"])
        ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
        assert len(tags_of(ar, arn)) == 50


def test_aws_prefixed_keys_are_refused(ar):
    with observability(ar) as arn:
        for call, kwargs in [
            (ar.tag_resource, {"Tags": [{"Key": "aws:owner", "Value": "x"}]}),
            (ar.untag_resource, {"TagKeys": ["aws:owner"]}),
        ]:
            assert_error(error_of(call, ResourceArn=arn, **kwargs), "InvalidRequestException")
        assert tags_of(ar, arn) == []


def test_unknown_arns_are_not_found(server, ar):
    acct = server.account_id
    other = server.with_region("us-west-1").client("apprunner")
    with connection(ar) as arn:
        unknown = [
            f"arn:aws:apprunner:{REGION}:{acct}:connection/{unique_name('nope')}/{uuid.uuid4().hex}",
            arn.rsplit("/", 1)[0] + "/" + uuid.uuid4().hex,  # right name, wrong id
            f"arn:aws:apprunner:{REGION}:{acct}:autoscalingconfiguration/{unique_name('nope')}/1/{uuid.uuid4().hex}",
            f"arn:aws:apprunner:{REGION}:{acct}:observabilityconfiguration/{unique_name('nope')}/1/{uuid.uuid4().hex}",
            f"arn:aws:apprunner:{REGION}:{acct}:vpcconnector/{unique_name('nope')}/1/{uuid.uuid4().hex}",
            f"arn:aws:apprunner:{REGION}:{acct}:service/{unique_name('svc')}/{uuid.uuid4().hex}",
            f"arn:aws:apprunner:{REGION}:210987654321:connection/{unique_name('nope')}/{uuid.uuid4().hex}",
        ]
        for bad in unknown:
            assert_error(error_of(ar.list_tags_for_resource, ResourceArn=bad), "ResourceNotFoundException")
            assert_error(error_of(ar.tag_resource, ResourceArn=bad, Tags=[{"Key": "k", "Value": "v"}]),
                         "ResourceNotFoundException")
            assert_error(error_of(ar.untag_resource, ResourceArn=bad, TagKeys=["k"]), "ResourceNotFoundException")
        # The connection exists, but not in the region the client signs for.
        assert_error(error_of(other.list_tags_for_resource, ResourceArn=arn), "ResourceNotFoundException")


def test_deleted_connections_are_not_found(ar):
    with connection(ar) as arn:
        pass
    assert_error(error_of(ar.list_tags_for_resource, ResourceArn=arn), "ResourceNotFoundException")


def test_malformed_and_unsupported_arns_are_invalid(server, ar):
    acct = server.account_id
    for bad in [
        "not-an-arn",
        f"arn:aws:s3:::{unique_name('bucket')}",
        f"arn:aws:apprunner:{REGION}:{acct}:service/{unique_name('svc')}",
        f"arn:aws:apprunner:{REGION}:{acct}:connection/{unique_name('c')}",
        f"arn:aws:apprunner:{REGION}:{acct}:connection/{unique_name('c')}/NOT-HEX",
        f"arn:aws:apprunner:{REGION}:{acct}:vpcconnector/{unique_name('v')}/2/{uuid.uuid4().hex}",
        f"arn:aws:apprunner:{REGION}:{acct}:observabilityconfiguration/{unique_name('o')}",
    ]:
        assert_error(error_of(ar.list_tags_for_resource, ResourceArn=bad), "InvalidRequestException")
        assert_error(error_of(ar.tag_resource, ResourceArn=bad, Tags=[{"Key": "k", "Value": "v"}]),
                     "InvalidRequestException")
        assert_error(error_of(ar.untag_resource, ResourceArn=bad, TagKeys=["k"]), "InvalidRequestException")


def test_tag_resource_is_recorded_with_tags_and_resources(server, ar):
    with connection(ar) as arn:
        marker = uuid.uuid4().hex
        resp = ar.tag_resource(ResourceArn=arn, Tags=[{"Key": "marker", "Value": marker}])
        request_id = resp["ResponseMetadata"]["RequestId"]
        events = json.loads(server.aws(
            "cloudtrail", "lookup-events", "--region", REGION,
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=TagResource",
        ).stdout)["Events"]
        mine = [e for e in events if json.loads(e["CloudTrailEvent"])["requestID"] == request_id]
        assert len(mine) == 1, [e["CloudTrailEvent"] for e in events]
        event = mine[0]
        record = json.loads(event["CloudTrailEvent"])
        assert event["EventName"] == "TagResource"
        assert event["Resources"] == [{"ResourceType": "AWS::AppRunner::Connection", "ResourceName": arn}]
        assert record["readOnly"] is False and "errorCode" not in record
        assert record["requestParameters"]["resourceArn"] == arn
        assert record["requestParameters"]["tags"] == [{"key": "marker", "value": marker}]
        assert record["resources"] == [
            {"accountId": server.account_id, "type": "AWS::AppRunner::Connection", "ARN": arn}
        ]
