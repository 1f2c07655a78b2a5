"""The edge under bad input: every failure is AWS-shaped, carries a request id, and never takes the server down."""

import datetime
import json
import os
import random

import pytest

from signing import APPRUNNER_JSON, send, sign, signed_json

LIST = "AppRunner.ListServices"


def json_error(status, headers, body):
    assert "x-amzn-requestid" in headers, headers
    doc = json.loads(body)
    return status, doc["__type"], doc.get("message", doc.get("Message", ""))


def test_missing_authentication(server):
    status, headers, body = send(server, "POST", "/", {"Content-Type": APPRUNNER_JSON, "X-Amz-Target": LIST}, b"{}")
    assert json_error(status, headers, body) == (403, "MissingAuthenticationTokenException", "Missing Authentication Token")


@pytest.mark.parametrize("auth", [
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/apprunner/aws4_request",
    "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
    "Basic dXNlcjpwYXNz",
    "AWS4-HMAC-SHA256 " + "Credential=" + "A" * 9000,
])
def test_garbled_authorization(server, auth):
    headers = {"Content-Type": APPRUNNER_JSON, "X-Amz-Target": LIST, "Authorization": auth,
               "X-Amz-Date": "20240101T000000Z"}
    status, h, body = send(server, "POST", "/", headers, b"{}")
    status, code, _ = json_error(status, h, body)
    assert status in (400, 403)
    assert code in ("IncompleteSignatureException", "InvalidSignatureException", "MissingAuthenticationTokenException",
                    "UnrecognizedClientException")


def test_malformed_json(server):
    status, h, body = send(server, *signed_json(server, LIST, body=b'{"MaxResults": '))
    status, code, message = json_error(status, h, body)
    assert (status, code) == (400, "SerializationException")


def test_wrong_member_type(server):
    status, h, body = send(server, *signed_json(server, LIST, body=b'{"MaxResults": "ten"}'))
    assert json_error(status, h, body)[:2] == (400, "SerializationException")


def test_json_that_is_not_an_object(server):
    status, h, body = send(server, *signed_json(server, LIST, body=b"[1, 2, 3]"))
    assert json_error(status, h, body)[:2] == (400, "SerializationException")


def test_wrong_content_type(server):
    status, h, body = send(server, *signed_json(server, LIST, content_type="text/plain"))
    assert json_error(status, h, body)[:2] == (400, "SerializationException")


def test_huge_body_is_refused_and_server_survives(server):
    big = b'{"NextToken": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    status, h, body = send(server, *signed_json(server, LIST, body=big))
    assert json_error(status, h, body)[:2] == (413, "RequestEntityTooLargeException")
    # The server is still there, on a new connection.
    assert "ServiceSummaryList" in server.client("apprunner").list_services()


@pytest.mark.parametrize("target", ["AppRunner.NoSuchOperation", "NoSuchService_2020.ListServices", "nodots"])
def test_unknown_targets(server, target):
    status, h, body = send(server, *signed_json(server, target))
    assert json_error(status, h, body)[:2] == (400, "UnknownOperationException")


def test_expired_signature(server):
    req = signed_json(server, LIST, shift=-datetime.timedelta(minutes=16))
    status, code, message = json_error(*send(server, *req))
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("Signature expired: ")


def test_signature_from_the_future(server):
    req = signed_json(server, LIST, shift=datetime.timedelta(minutes=16))
    status, code, message = json_error(*send(server, *req))
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature not yet current: ")


def test_inside_the_skew_window_is_accepted(server):
    req = signed_json(server, LIST, shift=-datetime.timedelta(minutes=14))
    status, headers, body = send(server, *req)
    assert status == 200, body
    assert json.loads(body) == {"ServiceSummaryList": []}


def test_signature_for_another_service_is_refused(server):
    req = signed_json(server, LIST, service="cloudtrail")
    status, code, message = json_error(*send(server, *req))
    assert (status, code) == (403, "InvalidSignatureException")


def test_one_byte_mutations_are_refused(server):
    method, target, headers, body = signed_json(server, LIST, body=b'{"MaxResults": 5}')
    assert send(server, method, target, headers, body)[0] == 200
    mutated_body = body.replace(b"5", b"6")
    assert json_error(*send(server, method, target, headers, mutated_body))[:2] == (403, "InvalidSignatureException")
    sig = headers["Authorization"]
    last = sig[-1]
    headers2 = dict(headers, Authorization=sig[:-1] + ("0" if last != "0" else "1"))
    assert json_error(*send(server, method, target, headers2, body))[:2] == (403, "InvalidSignatureException")
    headers3 = dict(headers, **{"X-Amz-Target": "AppRunner.ListServicez"})
    assert send(server, method, target, headers3, body)[0] in (400, 403)


def test_presigned_sts_get_caller_identity(server):
    method, target, headers, body = sign(
        server, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts", query_auth=True)
    status, h, body = send(server, method, target, headers, body)
    assert status == 200, body
    assert b"<Account>" + server.account_id.encode() + b"</Account>" in body
    assert h["x-amzn-requestid"]


def test_sts_errors_are_query_xml(server):
    method, target, headers, body = sign(
        server, "POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, service="sts",
        secret="y" * 40)
    status, h, body = send(server, method, target, headers, body)
    assert status == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body
    assert b"<ErrorResponse" in body


def test_s3_requests_are_authenticated_then_served(server):
    status, h, body = send(server, "GET", "/some-bucket")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    method, target, headers, b = sign(server, "GET", "/some-bucket", service="s3",
                                      headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    status, h, body = send(server, method, target, headers, b)
    assert status == 404 and b"<Code>NoSuchBucket</Code>" in body
    assert h["x-amzn-requestid"] in body.decode()
    # A sub-resource the bucket store does not implement: an explicit 501.
    method, target, headers, b = sign(server, "GET", "/some-bucket?acl", service="s3",
                                      headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    status, h, body = send(server, method, target, headers, b)
    assert status == 501 and b"<Code>NotImplemented</Code>" in body


def test_random_garbage_never_breaks_the_server(server):
    rng = random.Random(1234)
    targets = [LIST, "AppRunner.", ".", "", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"]
    for _ in range(150):
        headers = {}
        if rng.random() < 0.8:
            headers["X-Amz-Target"] = rng.choice(targets)
        if rng.random() < 0.7:
            headers["Content-Type"] = rng.choice([APPRUNNER_JSON, "application/x-amz-json-1.1", "text/xml", "a/b"])
        if rng.random() < 0.6:
            headers["Authorization"] = "AWS4-HMAC-SHA256 " + os.urandom(rng.randint(0, 300)).hex()
        if rng.random() < 0.4:
            headers["X-Amz-Date"] = rng.choice(["20240101T000000Z", "garbage", ""])
        body = os.urandom(rng.randint(0, 2048))
        status, h, _ = send(server, rng.choice(["POST", "GET", "PUT", "DELETE"]), rng.choice(["/", "/x", "/?a=b"]),
                            headers, body)
        assert 400 <= status < 600
        assert "x-amzn-requestid" in h
    assert server.client("sts").get_caller_identity()["Account"] == server.account_id


def test_unsigned_payload_is_refused_for_json_services(server):
    method, target, headers, body = sign(
        server, "POST", "/", body=b"{}",
        headers={"Content-Type": APPRUNNER_JSON, "X-Amz-Target": LIST, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    status, code, message = json_error(*send(server, method, target, headers, b'{"MaxResults": 1}'))
    assert code == "InvalidSignatureException"
    assert "UNSIGNED-PAYLOAD" in message
