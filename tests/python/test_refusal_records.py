"""Refused credentials leave a record when the refusal can be attributed to an account (issue 7: "Expired temporary
credentials and deactivated or deleted access keys are refused; the refusal is recorded").

A deactivated key whose signature verifies is recorded in its account, under its identity, with the error the
client got; so is a deleted key's (trailrunner keeps deleted keys aside for this). Unknown keys and signatures that
do not verify leave no record. Expired temporary credentials are covered at the edge with a pinned clock (Rust:
`crates/server/src/edge/tests.rs`), since they cannot expire in less than 15 minutes here.
"""

import time
import uuid

import botocore.config
import pytest
from botocore.exceptions import ClientError

from records import lookup, record_of

INVALID = "The security token included in the request is invalid."


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def refusal(call, **kwargs):
    """(code, message, status, request id) of a refused call."""
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    r = e.value.response
    return (r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"],
            r["ResponseMetadata"]["RequestId"])


def as_key(server, service, key_id, secret):
    return server.client(service, aws_access_key_id=key_id, aws_secret_access_key=secret,
                         config=botocore.config.Config(retries={"max_attempts": 1}))


def events_of_key(server, key_id):
    return lookup(server, LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}],
                  StartTime=time.time() - 600)


@pytest.fixture
def inactive_user(server):
    iam = server.client("iam")
    n = name("dormant")
    user = iam.create_user(UserName=n)["User"]
    key = iam.create_access_key(UserName=n)["AccessKey"]
    iam.update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    yield n, user, key
    for k in iam.list_access_keys(UserName=n)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=n, AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName=n)


def test_a_deactivated_key_is_refused_and_the_refusal_is_recorded(server, inactive_user):
    n, user, key = inactive_user
    key_id, secret = key["AccessKeyId"], key["SecretAccessKey"]
    identity = {"type": "IAMUser", "principalId": user["UserId"], "arn": user["Arn"],
                "accountId": server.account_id, "accessKeyId": key_id, "userName": n}

    # awsJson (App Runner): the client gets UnrecognizedClientException; the record carries the same code.
    code, message, status, request_id = refusal(as_key(server, "apprunner", key_id, secret).list_services,
                                                MaxResults=5)
    assert (code, message, status) == ("UnrecognizedClientException", INVALID, 403)
    event, record = record_of(server, request_id, "ListServices")
    assert record["userIdentity"] == identity
    assert record["errorCode"] == "UnrecognizedClientException" and record["errorMessage"] == INVALID
    assert record["eventSource"] == "apprunner.amazonaws.com" and record["eventName"] == "ListServices"
    assert record["readOnly"] is True
    assert record["requestParameters"] == {"maxResults": 5}
    assert record["responseElements"] is None
    assert record["recipientAccountId"] == server.account_id
    assert (event["Username"], event["AccessKeyId"]) == (n, key_id)

    # awsQuery (STS): InvalidClientTokenId, recorded as such in the global service's region.
    code, message, status, request_id = refusal(as_key(server, "sts", key_id, secret).get_caller_identity)
    assert (code, message, status) == ("InvalidClientTokenId", INVALID, 403)
    _, record = record_of(server, request_id, "GetCallerIdentity")
    assert record["userIdentity"] == identity
    assert (record["errorCode"], record["errorMessage"]) == ("InvalidClientTokenId", INVALID)
    assert record["eventSource"] == "sts.amazonaws.com" and record["responseElements"] is None

    assert len(events_of_key(server, key_id)) == 2


def test_the_aws_cli_with_a_deactivated_key_leaves_a_record(server, inactive_user):
    n, _, key = inactive_user
    env = server.cli_env(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    env.pop("AWS_SESSION_TOKEN", None)
    refused = server.aws("apprunner", "list-services", env=env, check=False)
    assert refused.returncode != 0 and "UnrecognizedClientException" in refused.stderr
    events = events_of_key(server, key["AccessKeyId"])
    assert [e["EventName"] for e in events] == ["ListServices"]
    assert events[0]["Username"] == n


def test_unattributable_refusals_leave_no_record(server, inactive_user):
    n, _, key = inactive_user
    key_id = key["AccessKeyId"]
    # A signature that does not verify with the inactive key's secret: refused as a bad signature, unrecorded
    # (anyone who knows a key id could otherwise make records appear in its account).
    code, _, status, request_id = refusal(as_key(server, "apprunner", key_id, "x" * 40).list_services)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert events_of_key(server, key_id) == []

    # Never existed: no account to record under.
    code, _, _, _ = refusal(as_key(server, "apprunner", "AKIAAAAAAAAAAAAAAAAA", "y" * 40).list_services)
    assert code == "UnrecognizedClientException"
    assert events_of_key(server, key_id) == []
    assert events_of_key(server, "AKIAAAAAAAAAAAAAAAAA") == []


def test_a_deleted_key_is_refused_and_recorded(server, inactive_user):
    n, _, key = inactive_user
    key_id = key["AccessKeyId"]
    server.client("iam").delete_access_key(UserName=n, AccessKeyId=key_id)
    assert server.client("iam").list_access_keys(UserName=n)["AccessKeyMetadata"] == []
    # A forged signature with the deleted key's id stays unrecorded.
    code, _, _, _ = refusal(as_key(server, "apprunner", key_id, "x" * 40).list_services)
    assert code == "InvalidSignatureException"
    assert events_of_key(server, key_id) == []
    # Signed with its real secret: refused as an unknown key, and recorded in its account under its identity.
    code, message, status, request_id = refusal(
        as_key(server, "apprunner", key_id, key["SecretAccessKey"]).list_services)
    assert (code, status) == ("UnrecognizedClientException", 403)
    _, record = record_of(server, request_id, "ListServices")
    assert (record["errorCode"], record["errorMessage"]) == (code, message)
    assert record["userIdentity"]["type"] == "IAMUser" and record["userIdentity"]["accessKeyId"] == key_id
    assert record["userIdentity"]["userName"] == n and record["responseElements"] is None
    code, _, _, _ = refusal(as_key(server, "sts", key_id, key["SecretAccessKey"]).get_caller_identity)
    assert code == "InvalidClientTokenId"
    assert [e["EventName"] for e in events_of_key(server, key_id)] == ["GetCallerIdentity", "ListServices"]


def test_a_reactivated_key_records_its_calls_normally(server, inactive_user):
    n, _, key = inactive_user
    server.client("iam").update_access_key(UserName=n, AccessKeyId=key["AccessKeyId"], Status="Active")
    out = as_key(server, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    _, record = record_of(server, out["ResponseMetadata"]["RequestId"], "GetCallerIdentity")
    assert "errorCode" not in record
