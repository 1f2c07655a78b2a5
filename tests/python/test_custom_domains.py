"""App Runner custom domains (spec §2, §3.2, §3.3, §3.10): AssociateCustomDomain, DescribeCustomDomains,
DisassociateCustomDomain, the association lifecycle, the state rules, VPC DNS targets and CloudTrail records.

trailrunner cannot look at DNS, so certificate validation always succeeds: CREATING → PENDING_CERTIFICATE_DNS_
VALIDATION → BINDING_CERTIFICATE → ACTIVE, one lifecycle delay per step. These tests run on private servers:
`fast` (delay 100 ms) where every test works in a region of its own, and `slow` (1 s) for the tests that must catch
a domain or a service in the middle of a transition. Tests poll with deadlines, never sleep blindly.
"""

import itertools
import contextlib
import re
import sqlite3
import time
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from conftest import running_server
from records import record_of

UNCHECKED = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"
BUSY = "OPERATION_IN_PROGRESS"
POLL = 0.02
ORDER = ["CREATING", "PENDING_CERTIFICATE_DNS_VALIDATION", "BINDING_CERTIFICATE", "ACTIVE"]
DOMAIN_MEMBERS = {"DomainName", "EnableWWWSubdomain", "CertificateValidationRecords", "Status"}
RESPONSE_MEMBERS = {"DNSTarget", "ServiceArn", "CustomDomain", "VpcDNSTargets"}
RECORD_NAME = re.compile(r"^_[0-9a-f]{32}\.(?P<name>.+)\.$")
RECORD_VALUE = re.compile(r"^_[0-9a-f]{32}\.[a-z0-9]{10}\.acm-validations\.aws\.$")
# One region per test on the shared fast server, so lists stay per test (any region name works).
REGIONS = (f"xx-domain-{n}" for n in itertools.count(1))


# ---------------------------------------------------------------------------------------------------- helpers

def unique_domain(prefix="app"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}.example.com"


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
    with running_server("--lifecycle-delay", "100ms") as srv:
        yield srv


@pytest.fixture(scope="module")
def slow():
    with running_server("--lifecycle-delay", "1s") as srv:
        yield srv


@pytest.fixture
def srv(fast):
    return fast.with_region(next(REGIONS))


@pytest.fixture
def ar(srv):
    return srv.client("apprunner")


def wait_service(client, arn, wanted, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        svc = client.describe_service(ServiceArn=arn)["Service"]
        if svc["Status"] == wanted:
            return svc
        assert svc["Status"] == BUSY, svc["Status"]
        assert time.monotonic() < deadline, f"{arn} did not become {wanted}"
        time.sleep(POLL)


def new_service(client, wait=True):
    svc = client.create_service(
        ServiceName=f"svc-{uuid.uuid4().hex[:12]}",
        SourceConfiguration={"ImageRepository": {"ImageIdentifier": IMAGE, "ImageRepositoryType": "ECR_PUBLIC"}},
    )["Service"]
    return wait_service(client, svc["ServiceArn"], "RUNNING") if wait else svc


def describe_all(client, service_arn, **kwargs):
    """Every page of DescribeCustomDomains: (domains, pages, last page)."""
    out, pages, token = [], 0, None
    while True:
        page = client.describe_custom_domains(ServiceArn=service_arn, **kwargs,
                                              **({"NextToken": token} if token else {}))
        pages += 1
        out.extend(page["CustomDomains"])
        token = page.get("NextToken")
        if not token:
            return out, pages, page
        assert pages < 100, "pagination does not end"


def domain_of(client, service_arn, name):
    found = [d for d in describe_all(client, service_arn)[0] if d["DomainName"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


def wait_domain(client, service_arn, name, wanted, timeout=10):
    """Poll until the domain's status is `wanted` (None: gone); returns (domain, every distinct state seen as
    (status, record statuses))."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        d = domain_of(client, service_arn, name)
        state = None if d is None else (d["Status"], tuple(r["Status"] for r in d["CertificateValidationRecords"]))
        if not seen or seen[-1] != state:
            seen.append(state)
        if (d and d["Status"]) == wanted:
            return d, seen
        assert time.monotonic() < deadline, f"{name} did not reach {wanted} in {timeout}s: {seen}"
        time.sleep(POLL)


def check_records(records, *names):
    assert [RECORD_NAME.match(r["Name"]).group("name") for r in records] == list(names), records
    for r in records:
        assert set(r) == {"Name", "Type", "Value", "Status"}
        assert r["Type"] == "CNAME"
        assert RECORD_VALUE.match(r["Value"]), r["Value"]
    assert len({r["Name"] for r in records}) == len(records)


# ----------------------------------------------------------------------------------------------------- associate

def test_associate_returns_every_field(srv, ar):
    svc = new_service(ar)
    domain = unique_domain()
    resp = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)
    assert set(resp) - {"ResponseMetadata"} == RESPONSE_MEMBERS
    assert resp["DNSTarget"] == svc["ServiceUrl"]
    assert resp["ServiceArn"] == svc["ServiceArn"]
    assert resp["VpcDNSTargets"] == []
    cd = resp["CustomDomain"]
    assert set(cd) == DOMAIN_MEMBERS
    assert (cd["DomainName"], cd["EnableWWWSubdomain"], cd["Status"]) == (domain, True, "CREATING")
    check_records(cd["CertificateValidationRecords"], domain, f"www.{domain}")
    assert {r["Status"] for r in cd["CertificateValidationRecords"]} == {"PENDING_VALIDATION"}

    described = ar.describe_custom_domains(ServiceArn=svc["ServiceArn"])
    assert set(described) - {"ResponseMetadata"} == {"DNSTarget", "ServiceArn", "CustomDomains", "VpcDNSTargets"}
    assert (described["DNSTarget"], described["ServiceArn"]) == (svc["ServiceUrl"], svc["ServiceArn"])
    [now] = described["CustomDomains"]
    assert {k: v for k, v in now.items() if k != "Status"} == {k: v for k, v in cd.items() if k != "Status"}


def test_the_association_progresses_to_active(ar):
    svc = new_service(ar)
    domain = unique_domain()
    cd = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)["CustomDomain"]
    done, seen = wait_domain(ar, svc["ServiceArn"], domain, "ACTIVE")
    statuses = [s for s, _ in seen]
    assert statuses == sorted(statuses, key=ORDER.index) and set(statuses) <= set(ORDER), seen
    for status, records in seen:
        expected = "SUCCESS" if status in ("BINDING_CERTIFICATE", "ACTIVE") else "PENDING_VALIDATION"
        assert set(records) == {expected}, seen
    assert done == {**cd, "Status": "ACTIVE",
                    "CertificateValidationRecords": [{**r, "Status": "SUCCESS"}
                                                     for r in cd["CertificateValidationRecords"]]}


def test_www_subdomain_off_and_wildcards(ar):
    svc = new_service(ar)
    plain = unique_domain("nowww")
    cd = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=plain,
                                    EnableWWWSubdomain=False)["CustomDomain"]
    assert cd["EnableWWWSubdomain"] is False
    check_records(cd["CertificateValidationRecords"], plain)

    base = unique_domain("wild")
    cd = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=f"*.{base}")["CustomDomain"]
    assert cd["DomainName"] == f"*.{base}" and cd["EnableWWWSubdomain"] is True
    check_records(cd["CertificateValidationRecords"], base)  # a wildcard covers www already

    mixed = unique_domain("Mixed").replace("example", "EXAMPLE")
    cd = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=mixed)["CustomDomain"]
    assert cd["DomainName"] == mixed, "the name as given"
    check_records(cd["CertificateValidationRecords"], mixed.lower(), f"www.{mixed.lower()}")


def test_a_domain_is_associated_once(ar):
    svc = new_service(ar)
    domain = unique_domain()
    ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)
    for again in (domain, domain.upper()):
        err = error_of(ar.associate_custom_domain, ServiceArn=svc["ServiceArn"], DomainName=again)
        assert_error(err, "InvalidRequestException")
        assert domain in err["Message"] or again in err["Message"]
    wait_domain(ar, svc["ServiceArn"], domain, "ACTIVE")
    assert_error(error_of(ar.associate_custom_domain, ServiceArn=svc["ServiceArn"], DomainName=domain),
                 "InvalidRequestException")
    assert len(describe_all(ar, svc["ServiceArn"])[0]) == 1


@pytest.mark.parametrize("kwargs", [
    {"DomainName": "localhost"},
    {"DomainName": "example..com"},
    {"DomainName": ".example.com"},
    {"DomainName": "example.com."},
    {"DomainName": "-a.example.com"},
    {"DomainName": "www.*.example.com"},
    {"DomainName": "*.com"},
    {"DomainName": f"{'a' * 64}.com"},
    {"DomainName": "exa mple.com"},
    {"DomainName": "exa_mple.com"},
    {"DomainName": ("a" * 63 + ".") * 4 + "com"},
    {"DomainName": ""},
    {"DomainName": None},
])
def test_bad_associate_input_is_an_invalid_request(srv, kwargs):
    client = srv.client("apprunner", config=UNCHECKED)
    svc = new_service(client)
    request = {"ServiceArn": svc["ServiceArn"], "DomainName": unique_domain(), **kwargs}
    request = {k: v for k, v in request.items() if v is not None}
    assert_error(error_of(client.associate_custom_domain, **request), "InvalidRequestException")
    assert describe_all(client, svc["ServiceArn"])[0] == []


# -------------------------------------------------------------------------------------------------- disassociate

def test_disassociate_then_gone_then_associate_again(ar):
    svc = new_service(ar)
    domain = unique_domain()
    ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)
    active, _ = wait_domain(ar, svc["ServiceArn"], domain, "ACTIVE")
    other = unique_domain("stays")
    ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=other, EnableWWWSubdomain=False)

    resp = ar.disassociate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain.upper())
    assert set(resp) - {"ResponseMetadata"} == RESPONSE_MEMBERS
    assert (resp["DNSTarget"], resp["ServiceArn"], resp["VpcDNSTargets"]) == (
        svc["ServiceUrl"], svc["ServiceArn"], [])
    assert resp["CustomDomain"] == {**active, "Status": "DELETING"}
    _, seen = wait_domain(ar, svc["ServiceArn"], domain, None)
    assert {s for s, _ in filter(None, seen)} <= {"DELETING"}, seen
    assert [d["DomainName"] for d in describe_all(ar, svc["ServiceArn"])[0]] == [other]
    assert_error(error_of(ar.disassociate_custom_domain, ServiceArn=svc["ServiceArn"], DomainName=domain),
                 "ResourceNotFoundException")

    again = ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)["CustomDomain"]
    assert again["Status"] == "CREATING"
    assert {r["Name"] for r in again["CertificateValidationRecords"]}.isdisjoint(
        r["Name"] for r in active["CertificateValidationRecords"]), "a new association, new records"
    wait_domain(ar, svc["ServiceArn"], domain, "ACTIVE")
    # A domain can be disassociated before its association completes.
    ar.disassociate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=other)
    wait_domain(ar, svc["ServiceArn"], other, None)
    assert [d["DomainName"] for d in describe_all(ar, svc["ServiceArn"])[0]] == [domain]


def test_disassociate_unknown_domains(ar):
    svc = new_service(ar)
    for domain in (unique_domain(), "not even a domain"):
        assert_error(error_of(ar.disassociate_custom_domain, ServiceArn=svc["ServiceArn"], DomainName=domain),
                     "ResourceNotFoundException" if " " not in domain else "InvalidRequestException")


# ------------------------------------------------------------------------------------------------------ describe

def test_describe_pages_in_association_order(srv, ar):
    svc, other = new_service(ar), new_service(ar)
    domains = [unique_domain(f"p{i}") for i in range(7)]
    for d in domains:
        ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=d)
    everything, pages, last = describe_all(ar, svc["ServiceArn"])
    assert pages == 1 and [d["DomainName"] for d in everything] == domains, "without MaxResults, all at once"
    for size in range(1, 6):
        paged, pages, last = describe_all(ar, svc["ServiceArn"], MaxResults=size)
        assert [d["DomainName"] for d in paged] == domains, size
        assert pages == -(-len(domains) // size)
        assert (last["DNSTarget"], last["ServiceArn"], last["VpcDNSTargets"]) == (
            svc["ServiceUrl"], svc["ServiceArn"], [])
    first = ar.describe_custom_domains(ServiceArn=svc["ServiceArn"], MaxResults=2)
    assert len(first["CustomDomains"]) == 2 and first["NextToken"]
    assert describe_all(ar, other["ServiceArn"])[0] == []

    token = first["NextToken"]
    for bad in ("not-a-token", "A" * 40, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        assert_error(error_of(ar.describe_custom_domains, ServiceArn=svc["ServiceArn"], NextToken=bad),
                     "InvalidRequestException")
    # A token belongs to its service.
    assert_error(error_of(ar.describe_custom_domains, ServiceArn=other["ServiceArn"], NextToken=token),
                 "InvalidRequestException")


@pytest.mark.parametrize("kwargs", [{"MaxResults": 0}, {"MaxResults": 6}, {"NextToken": "x" * 51201}])
def test_bad_describe_input_is_an_invalid_request(srv, kwargs):
    client = srv.client("apprunner", config=UNCHECKED)
    svc = new_service(client)
    assert_error(error_of(client.describe_custom_domains, ServiceArn=svc["ServiceArn"], **kwargs),
                 "InvalidRequestException")


# ------------------------------------------------------------------------------------------ services and errors

def test_service_arns_that_are_malformed_unknown_or_elsewhere(srv, ar):
    svc = new_service(ar)
    arn = svc["ServiceArn"]
    base = f"arn:aws:apprunner:{srv.region}:{srv.account_id}:service"
    not_found = [f"{base}/{svc['ServiceName']}/{uuid.uuid4().hex}", arn.replace(f":{srv.region}:", ":us-east-1:"),
                 arn.replace(f":{srv.account_id}:", ":210987654321:")]
    invalid = [f"{base}/{svc['ServiceName']}", f"{base}/abc/{uuid.uuid4().hex}", arn + "/x",
               arn.replace("service/", "vpcingressconnection/")]
    calls = [
        (ar.associate_custom_domain, {"DomainName": unique_domain()}),
        (ar.describe_custom_domains, {}),
        (ar.disassociate_custom_domain, {"DomainName": unique_domain()}),
    ]
    for call, extra in calls:
        for bad in not_found:
            assert_error(error_of(call, ServiceArn=bad, **extra), "ResourceNotFoundException")
        for bad in invalid:
            assert_error(error_of(call, ServiceArn=bad, **extra), "InvalidRequestException")


def test_a_deleted_service_has_no_domains(srv, ar):
    svc = new_service(ar)
    domain = unique_domain()
    ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)
    wait_domain(ar, svc["ServiceArn"], domain, "ACTIVE")
    ar.delete_service(ServiceArn=svc["ServiceArn"])
    wait_service(ar, svc["ServiceArn"], "DELETED")
    resp = ar.describe_custom_domains(ServiceArn=svc["ServiceArn"])
    assert (resp["DNSTarget"], resp["ServiceArn"], resp["CustomDomains"], resp["VpcDNSTargets"]) == (
        svc["ServiceUrl"], svc["ServiceArn"], [], [])
    for call in (ar.associate_custom_domain, ar.disassociate_custom_domain):
        assert_error(error_of(call, ServiceArn=svc["ServiceArn"], DomainName=domain), "ResourceNotFoundException")
    # Nothing of the domain is left behind in the store.
    with contextlib.closing(sqlite3.connect(f"file:{srv.data_dir / 'trailrunner.db'}?mode=ro", uri=True)) as db:
        left = db.execute("SELECT count(*) FROM resources WHERE kind = 'custom-domain' AND parent = ?",
                          (svc["ServiceArn"],)).fetchone()[0]
    assert left == 0


def test_service_and_domain_states(slow):
    client = slow.client("apprunner")
    svc = new_service(client, wait=False)
    arn = svc["ServiceArn"]
    domain = unique_domain()
    # Only a RUNNING service takes a domain.
    assert_error(error_of(client.associate_custom_domain, ServiceArn=arn, DomainName=domain), "InvalidStateException")
    wait_service(client, arn, "RUNNING")
    client.associate_custom_domain(ServiceArn=arn, DomainName=domain)
    kept = unique_domain("kept")
    client.associate_custom_domain(ServiceArn=arn, DomainName=kept)

    client.pause_service(ServiceArn=arn)
    assert_error(error_of(client.associate_custom_domain, ServiceArn=arn, DomainName=unique_domain()),
                 "InvalidStateException")
    assert_error(error_of(client.disassociate_custom_domain, ServiceArn=arn, DomainName=domain),
                 "InvalidStateException")  # an operation is in progress
    wait_service(client, arn, "PAUSED")
    assert_error(error_of(client.associate_custom_domain, ServiceArn=arn, DomainName=unique_domain()),
                 "InvalidStateException")
    # A paused service's domains can be removed, once.
    assert client.disassociate_custom_domain(ServiceArn=arn, DomainName=domain)["CustomDomain"]["Status"] == "DELETING"
    assert_error(error_of(client.disassociate_custom_domain, ServiceArn=arn, DomainName=domain),
                 "InvalidStateException")
    client.resume_service(ServiceArn=arn)
    wait_service(client, arn, "RUNNING")
    wait_domain(client, arn, domain, None)

    # A domain still being disassociated cannot be associated again until it is gone.
    client.disassociate_custom_domain(ServiceArn=arn, DomainName=kept)
    assert_error(error_of(client.associate_custom_domain, ServiceArn=arn, DomainName=kept), "InvalidStateException")
    assert_error(error_of(client.disassociate_custom_domain, ServiceArn=arn, DomainName=kept),
                 "InvalidStateException")
    assert domain_of(client, arn, kept)["Status"] == "DELETING", "the lifecycle delay is long enough to catch it"
    wait_domain(client, arn, kept, None)
    assert client.associate_custom_domain(ServiceArn=arn, DomainName=kept)["CustomDomain"]["Status"] == "CREATING"
    assert [d["DomainName"] for d in describe_all(client, arn)[0]] == [kept]


def test_vpc_dns_targets_list_the_services_ingress_connections(srv, ar):
    svc = new_service(ar)
    vic = ar.create_vpc_ingress_connection(
        ServiceArn=svc["ServiceArn"], VpcIngressConnectionName=f"vic-{uuid.uuid4().hex[:8]}",
        IngressVpcConfiguration={"VpcId": "vpc-0abc", "VpcEndpointId": "vpce-0def"})["VpcIngressConnection"]
    target = {"VpcIngressConnectionArn": vic["VpcIngressConnectionArn"], "VpcId": "vpc-0abc",
              "DomainName": vic["DomainName"]}
    domain = unique_domain()
    assert ar.associate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)["VpcDNSTargets"] == [target]
    assert ar.describe_custom_domains(ServiceArn=svc["ServiceArn"])["VpcDNSTargets"] == [target]
    other = new_service(ar)
    assert ar.describe_custom_domains(ServiceArn=other["ServiceArn"])["VpcDNSTargets"] == []

    arn = vic["VpcIngressConnectionArn"]
    deadline = time.monotonic() + 10
    while ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]["Status"] \
            != "AVAILABLE":
        assert time.monotonic() < deadline
        time.sleep(POLL)
    ar.delete_vpc_ingress_connection(VpcIngressConnectionArn=arn)
    while ar.describe_vpc_ingress_connection(VpcIngressConnectionArn=arn)["VpcIngressConnection"]["Status"] \
            != "DELETED":
        assert time.monotonic() < deadline
        time.sleep(POLL)
    assert ar.disassociate_custom_domain(ServiceArn=svc["ServiceArn"], DomainName=domain)["VpcDNSTargets"] == []


# ---------------------------------------------------------------------------------------------------- CloudTrail

def test_every_call_is_recorded(srv, ar):
    svc = new_service(ar)
    arn = svc["ServiceArn"]
    domain = unique_domain("ct")
    associated = ar.associate_custom_domain(ServiceArn=arn, DomainName=domain, EnableWWWSubdomain=False)
    described = ar.describe_custom_domains(ServiceArn=arn, MaxResults=5)
    disassociated = ar.disassociate_custom_domain(ServiceArn=arn, DomainName=domain)
    failed = error_of(ar.associate_custom_domain, ServiceArn=arn, DomainName=domain)

    resource = {"accountId": srv.account_id, "type": "AWS::AppRunner::Service", "ARN": arn}
    calls = [
        ("AssociateCustomDomain", associated, False,
         {"serviceArn": arn, "domainName": domain, "enableWWWSubdomain": False}),
        ("DescribeCustomDomains", described, True, {"serviceArn": arn, "maxResults": 5}),
        ("DisassociateCustomDomain", disassociated, False, {"serviceArn": arn, "domainName": domain}),
        ("AssociateCustomDomain", failed, False, {"serviceArn": arn, "domainName": domain}),
    ]
    for event_name, resp, read_only, params in calls:
        event, record = record_of(srv, resp["ResponseMetadata"]["RequestId"], event_name)
        assert record["eventSource"] == "apprunner.amazonaws.com" and record["eventName"] == event_name
        assert record["awsRegion"] == srv.region
        assert record["readOnly"] is read_only
        assert record["requestParameters"] == params
        assert record["resources"] == [resource], (event_name, record)
        assert {"ResourceType": "AWS::AppRunner::Service", "ResourceName": arn} in event["Resources"]
        if resp is failed:
            assert (record["errorCode"], record["errorMessage"]) == (
                failed["Error"]["Code"], failed["Error"]["Message"])
            assert record["responseElements"] is None
        else:
            assert "errorCode" not in record
    _, record = record_of(srv, associated["ResponseMetadata"]["RequestId"], "AssociateCustomDomain")
    out = record["responseElements"]
    assert out["dNSTarget"] == svc["ServiceUrl"], "the first letter lower-cased, as for every member"
    assert out["serviceArn"] == arn and out["customDomain"]["status"] == "CREATING"
    assert out["customDomain"]["certificateValidationRecords"][0]["type"] == "CNAME"
    _, record = record_of(srv, disassociated["ResponseMetadata"]["RequestId"], "DisassociateCustomDomain")
    assert record["responseElements"]["customDomain"]["status"] == "DELETING"
