"""Every call becomes a CloudTrail record, shaped like AWS's, found through LookupEvents (issue: recording)."""

import calendar
import copy
import json
import re
import time
import uuid
from pathlib import Path

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import start_server, stop_server
from records import lookup, record_of
from signing import send, signed_json

SEED = json.loads((Path(__file__).parent / "fixtures" / "seed_create_service_record.json").read_text())
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def v7_time(event_id):
    """The Unix time (seconds) inside a version-7 UUID."""
    return int(event_id.replace("-", "")[:12], 16) // 1000
UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})


def seed_cli_args():
    """The seed's CreateService request, as `aws apprunner create-service` arguments."""
    p = SEED["requestParameters"]
    values = p["sourceConfiguration"]["codeRepository"]["codeConfiguration"]["codeConfigurationValues"]
    source = {
        "CodeRepository": {
            "RepositoryUrl": p["sourceConfiguration"]["codeRepository"]["repositoryUrl"],
            "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
            "CodeConfiguration": {
                "ConfigurationSource": "API",
                "CodeConfigurationValues": {
                    "Runtime": values["runtime"],
                    "BuildCommand": "pip install -r requirements.txt",
                    "StartCommand": "python server.py",
                    "Port": values["port"],
                    "RuntimeEnvironmentVariables": {"DB_PASSWORD": "s3cr3t-value-never-logged"},
                },
            },
        },
        "AutoDeploymentsEnabled": True,
        "AuthenticationConfiguration": {
            "ConnectionArn": p["sourceConfiguration"]["authenticationConfiguration"]["connectionArn"],
        },
    }
    return [
        "apprunner", "create-service", "--region", "us-east-2",
        "--service-name", p["serviceName"],
        "--source-configuration", json.dumps(source),
        "--health-check-configuration", json.dumps({"Protocol": "HTTP"}),
        "--instance-configuration", json.dumps({"Cpu": "256", "Memory": "1024"}),
    ]


def key_tree(value):
    """The keys of a JSON value, nested, without the leaf values."""
    if isinstance(value, dict):
        return {k: key_tree(v) for k, v in value.items()}
    return None


def wait_for_status(client, arn, status, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        svc = client.describe_service(ServiceArn=arn)["Service"]
        if svc["Status"] == status:
            return svc
        assert svc["Status"] == "OPERATION_IN_PROGRESS", svc["Status"]
        assert time.monotonic() < deadline, f"{arn} did not reach {status}"
        time.sleep(0.02)


def test_seed_create_service_record_matches_the_seed(server):
    proc = server.aws(*seed_cli_args(), check=False)
    assert proc.returncode == 0, f"the seed request must succeed: {proc.stderr}"
    created = json.loads(proc.stdout)
    arn = created["Service"]["ServiceArn"]
    east2 = server.with_region("us-east-2")
    events = lookup(east2, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateService"}])
    mine = [e for e in events
            if ((json.loads(e["CloudTrailEvent"])["responseElements"] or {}).get("service") or {}).get(
                "serviceArn") == arn]
    assert len(mine) == 1, "the CreateService call left one record"
    record = json.loads(mine[0]["CloudTrailEvent"])
    # Same keys as the seed, plus the fields later record versions always carry.
    assert set(record) - {"resources"} == set(SEED) | {"managementEvent", "eventCategory"}
    assert "errorCode" not in record and "errorMessage" not in record
    assert record["requestParameters"] == SEED["requestParameters"], "lowerCamelCase, three values hidden"
    assert "s3cr3t-value-never-logged" not in mine[0]["CloudTrailEvent"]
    assert record["eventVersion"] == "1.11"
    assert record["userIdentity"] == {
        "type": "Root", "principalId": server.account_id, "arn": f"arn:aws:iam::{server.account_id}:root",
        "accountId": server.account_id, "accessKeyId": server.access_key_id,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["eventTime"])
    assert (record["eventSource"], record["eventName"], record["awsRegion"]) == (
        "apprunner.amazonaws.com", "CreateService", "us-east-2")
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("aws-cli/1.45.11")
    assert UUID.match(record["requestID"])
    # Event ids are version-7 UUIDs minted at the event's completion: they carry its time.
    assert UUID7.match(record["eventID"])
    assert v7_time(record["eventID"]) == calendar.timegm(time.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ"))
    assert record["readOnly"] is False
    assert record["eventType"] == "AwsApiCall" and record["managementEvent"] is True
    assert record["eventCategory"] == "Management"
    assert record["recipientAccountId"] == server.account_id
    assert record["resources"] == [{"accountId": server.account_id, "type": "AWS::AppRunner::Service", "ARN": arn}]
    for secret in ("pip install", "python server.py", "s3cr3t"):
        assert secret not in "".join(server.stderr_lines)

    # responseElements, field by field against the seed's.
    response = record["responseElements"]
    assert set(response) == {"service", "operationId"}, "the current API returns an OperationId beside the Service"
    assert UUID.match(response["operationId"])
    got, seed = response["service"], copy.deepcopy(SEED["responseElements"]["service"])
    # Allowed differences, each a documentation artifact of the 2020 example or a later API addition:
    # - the example prints configurationSource inside codeConfigurationValues; in the model it is a member of
    #   codeConfiguration (spec §5.1 "doc typo/nesting slip");
    seed_code = seed["sourceConfiguration"]["codeRepository"]["codeConfiguration"]
    seed_code["configurationSource"] = seed_code["codeConfigurationValues"].pop("configurationSource")
    # - the example shows sourceCodeVersion.type as a display form "Branch"; the API value is the enum "BRANCH";
    seed["sourceConfiguration"]["codeRepository"]["sourceCodeVersion"]["type"] = "BRANCH"
    # - healthyThreshold defaulted to 3 in 2020; the current model documents (and we fill in) 1;
    seed["healthCheckConfiguration"]["healthyThreshold"] = 1
    # - networkConfiguration and observabilityConfiguration did not exist in 2020; the current API always
    #   returns both (spec §4.1 defaults);
    seed["networkConfiguration"] = {"egressConfiguration": {"egressType": "DEFAULT"},
                                    "ingressConfiguration": {"isPubliclyAccessible": True}, "ipAddressType": "IPV4"}
    seed["observabilityConfiguration"] = {"observabilityEnabled": False}
    # - serviceUrl is the placeholder "generated domain" in the example: compared in form below, as are the
    #   generated serviceId/serviceArn and the timestamps; the account differs (the seed's is 123456789012).
    assert key_tree(got) == key_tree(seed), "the same members, nested the same way"
    generated = {"serviceId", "serviceArn", "serviceUrl", "createdAt", "updatedAt", "autoScalingConfigurationSummary"}
    assert {k: v for k, v in got.items() if k not in generated} == {
        k: v for k, v in seed.items() if k not in generated}, "every other value as in the seed, hidden ones included"
    assert re.fullmatch(r"[0-9a-f]{32}", got["serviceId"]), got["serviceId"]
    assert got["serviceArn"] == f"arn:aws:apprunner:us-east-2:{server.account_id}:service/python-test/{got['serviceId']}"
    assert got["serviceArn"] == arn
    assert re.fullmatch(r"[a-z0-9]{10}\.us-east-2\.awsapprunner\.com", got["serviceUrl"]), got["serviceUrl"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", got["createdAt"]), got["createdAt"]
    assert got["createdAt"] == got["updatedAt"]
    assert got["autoScalingConfigurationSummary"] == {
        "autoScalingConfigurationArn": f"arn:aws:apprunner:us-east-2:{server.account_id}:autoscalingconfiguration/"
                                       "DefaultConfiguration/1/00000000000000000000000000000001",
        "autoScalingConfigurationName": "DefaultConfiguration",
        "autoScalingConfigurationRevision": 1,
    }
    assert got["status"] == "OPERATION_IN_PROGRESS"

    # The seed's connection does not exist: the deployment fails, as the real one would without a handshake.
    client = east2.client("apprunner")
    wait_for_status(client, arn, "CREATE_FAILED")
    [op] = client.list_operations(ServiceArn=arn)["OperationSummaryList"]
    assert (op["Id"], op["Type"], op["Status"]) == (response["operationId"], "CREATE_SERVICE", "FAILED")
    client.delete_service(ServiceArn=arn)
    wait_for_status(client, arn, "DELETED")


def test_request_id_header_is_the_records_request_id(server):
    resp = server.client("apprunner").list_services()
    request_id = resp["ResponseMetadata"]["RequestId"]
    assert resp["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] == request_id
    event, record = record_of(server, request_id, "ListServices")
    assert record["readOnly"] is True
    assert record["requestParameters"] is None and record["responseElements"] is None
    assert event["EventId"] == record["eventID"] and event["ReadOnly"] == "true"
    assert event["Username"] == "root" and event["AccessKeyId"] == server.access_key_id
    assert event["EventSource"] == "apprunner.amazonaws.com"


def test_failed_calls_are_recorded_with_error_code_and_message(server):
    with pytest.raises(ClientError) as e:
        server.client("apprunner", config=UNCHECKED).list_services(MaxResults=0)
    request_id = e.value.response["ResponseMetadata"]["RequestId"]
    _, record = record_of(server, request_id, "ListServices")
    assert record["errorCode"] == "InvalidRequestException"
    assert record["errorMessage"] == e.value.response["Error"]["Message"]
    assert record["requestParameters"] == {"maxResults": 0}
    assert record["responseElements"] is None


def test_unknown_resource_call_names_the_resource(server):
    arn = f"arn:aws:apprunner:us-east-1:{server.account_id}:service/named-svc/{uuid.uuid4().hex}"
    with pytest.raises(ClientError) as e:
        server.client("apprunner").describe_service(ServiceArn=arn)
    _, record = record_of(server, e.value.response["ResponseMetadata"]["RequestId"], "DescribeService")
    assert record["errorCode"] == e.value.response["Error"]["Code"]
    assert record["resources"] == [{"accountId": server.account_id, "type": "AWS::AppRunner::Service", "ARN": arn}]
    by_type = lookup(server, LookupAttributes=[{"AttributeKey": "ResourceType", "AttributeValue": "AWS::AppRunner::Service"}])
    assert any(json.loads(ev["CloudTrailEvent"])["requestID"] == record["requestID"] for ev in by_type)
    for name in (arn, "named-svc"):
        found = lookup(server, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}])
        assert [ev["Resources"] for ev in found][0] == [{"ResourceType": "AWS::AppRunner::Service", "ResourceName": arn}]


def test_lookup_events_is_itself_recorded(server):
    resp = server.client("cloudtrail").lookup_events(MaxResults=1)
    _, record = record_of(server, resp["ResponseMetadata"]["RequestId"], "LookupEvents")
    assert record["eventSource"] == "cloudtrail.amazonaws.com" and record["readOnly"] is True
    assert record["requestParameters"] == {"maxResults": 1}


@pytest.mark.parametrize("key,value", [
    ("EventName", "GetCallerIdentity"), ("EventSource", "sts.amazonaws.com"), ("ReadOnly", "true"),
    ("Username", "root"), ("AccessKeyId", None),
])
def test_each_attribute_filters(server, key, value):
    rid = server.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
    value = value or server.access_key_id
    events = lookup(server, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}],
                    StartTime=time.time() - 600)
    assert any(json.loads(e["CloudTrailEvent"])["requestID"] == rid for e in events)
    for e in events:
        rec = json.loads(e["CloudTrailEvent"])
        got = {"EventName": rec["eventName"], "EventSource": rec["eventSource"], "ReadOnly": str(rec["readOnly"]).lower(),
               "Username": e["Username"], "AccessKeyId": rec["userIdentity"]["accessKeyId"]}[key]
        assert got == value


def test_event_id_finds_exactly_one(server):
    rid = server.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
    event, record = record_of(server, rid, "GetCallerIdentity")
    found = lookup(server, LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": record["eventID"]}])
    assert [e["EventId"] for e in found] == [record["eventID"]]
    for unknown in (str(uuid.uuid4()), record["eventID"][:-1] + ("0" if record["eventID"][-1] != "0" else "1"), "x"):
        assert lookup(server, LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": unknown}]) == []


def test_newest_first_and_time_range(server):
    before = time.time()
    ids = [server.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(3)]
    events = lookup(server, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}],
                    StartTime=int(before) - 1)
    seen = [json.loads(e["CloudTrailEvent"])["requestID"] for e in events]
    positions = [seen.index(i) for i in ids]
    assert positions == sorted(positions, reverse=True), "newest first"
    times = [e["EventTime"].timestamp() for e in events]
    assert times == sorted(times, reverse=True)
    assert lookup(server, StartTime=time.time() + 3600, EndTime=time.time() + 7200) == []


def test_cli_auto_pagination_pages_through_everything(server):
    marker = uuid.uuid4().hex[:8]
    for _ in range(7):
        server.client("sts").get_caller_identity()
    out = server.aws("cloudtrail", "lookup-events", "--page-size", "2", "--lookup-attributes",
                     "AttributeKey=EventName,AttributeValue=GetCallerIdentity")
    events = json.loads(out.stdout)["Events"]
    ids = [e["EventId"] for e in events]
    assert len(ids) >= 7 and len(ids) == len(set(ids)), marker
    all_at_once = lookup(server, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetCallerIdentity"}])
    assert ids == [e["EventId"] for e in all_at_once][: len(ids)]


@pytest.mark.parametrize("kwargs,code", [
    ({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "a"},
                           {"AttributeKey": "Username", "AttributeValue": "b"}]}, "InvalidLookupAttributesException"),
    ({"LookupAttributes": [{"AttributeKey": "Colour", "AttributeValue": "blue"}]}, "InvalidLookupAttributesException"),
    ({"StartTime": 2_000_000_000, "EndTime": 1_000_000_000}, "InvalidTimeRangeException"),
    ({"MaxResults": 0}, "InvalidMaxResultsException"),
    ({"MaxResults": 51}, "InvalidMaxResultsException"),
    ({"NextToken": "forged-token"}, "InvalidNextTokenException"),
    ({"EventCategory": "bogus"}, "InvalidEventCategoryException"),
])
def test_lookup_errors(server, kwargs, code):
    with pytest.raises(ClientError) as e:
        server.client("cloudtrail", config=UNCHECKED).lookup_events(**kwargs)
    assert e.value.response["Error"]["Code"] == code
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_next_token_is_bound_to_its_query(server):
    for _ in range(3):
        server.client("sts").get_caller_identity()
    ct = server.client("cloudtrail")
    page = ct.lookup_events(MaxResults=1)
    token = page["NextToken"]
    assert len(ct.lookup_events(MaxResults=1, NextToken=token)["Events"]) == 1
    with pytest.raises(ClientError) as e:
        ct.lookup_events(MaxResults=1, NextToken=token,
                         LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}])
    assert e.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_insight_category_returns_no_events(server):
    assert server.client("cloudtrail").lookup_events(EventCategory="insight")["Events"] == []


def test_forwarded_for_is_ignored_from_untrusted_peers(server):
    status, headers, _ = send(server, *with_header(signed_json(server, "AppRunner.ListServices"),
                                                   "X-Forwarded-For", "203.0.113.9"))
    assert status == 200
    _, record = record_of(server, headers["x-amzn-requestid"], "ListServices")
    assert record["sourceIPAddress"] == "127.0.0.1"


def with_header(req, name, value):
    method, target, headers, body = req
    return method, target, dict(headers, **{name: value}), body


def test_forwarded_for_from_a_trusted_proxy_and_retention(fresh_dir):
    srv = start_server(fresh_dir / "d", "--trusted-proxy", "127.0.0.1", "--event-retention", "3s",
                       "--retention-sweep-interval", "1s")
    try:
        status, headers, _ = send(srv, *with_header(signed_json(srv, "AppRunner.ListServices"),
                                                    "X-Forwarded-For", "198.51.100.1, 203.0.113.9"))
        assert status == 200
        _, record = record_of(srv, headers["x-amzn-requestid"], "ListServices")
        assert record["sourceIPAddress"] == "203.0.113.9", "rightmost address the trusted proxy did not add"
        old = [srv.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(3)]
        time.sleep(5)
        recent = srv.client("sts").get_caller_identity()["ResponseMetadata"]["RequestId"]
        seen = {json.loads(e["CloudTrailEvent"])["requestID"] for e in lookup(srv)}
        assert recent in seen
        assert not seen & set(old), "records past the retention period are gone"
    finally:
        assert stop_server(srv) == 0
