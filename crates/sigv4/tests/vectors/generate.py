#!/usr/bin/env python3
"""Generate SigV4 golden vectors with botocore, an implementation nobody here wrote.

Run from anywhere:  python3 crates/sigv4/tests/vectors/generate.py
Writes botocore.json next to this script. The output is committed so `cargo test` needs no
Python; rerunning with the same botocore version reproduces it byte for byte.

Each vector is the request as it goes on the wire (method, raw path, raw query, header lines,
body) plus the secret, the server's "now", and how the server must verify it (service,
UriEncoding). botocore's own canonical request and string to sign are recorded too (captured
from its debug log), so a failing vector shows exactly where canonicalisation differs.
"""

import base64
import datetime
import json
import logging
import os
import sys
from unittest import mock
from urllib.parse import quote, urlsplit

import botocore
from botocore.auth import (
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV4Auth,
    SigV4QueryAuth,
    _host_from_url,
)
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

assert botocore.__version__ == "1.43.11", botocore.__version__

ACCESS_KEY = "AKIDTRAILRUNNER01"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEBYaDH+/token/with+plus/and=equals//////////wEaDExample=="
REGION = "us-east-1"
SIGNED_AT = datetime.datetime(2024, 5, 1, 12, 34, 56)
# The server checks 40 s after signing: inside the 15-minute skew and inside presigned expiry.
NOW = "2024-05-01T12:35:36Z"
ENDPOINT = "http://localhost:4566"


class Capture(logging.Handler):
    """Collects botocore.auth's debug output of the canonical request and string to sign."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.canonical = None
        self.string_to_sign = None

    def emit(self, record):
        msg = record.getMessage()
        if msg.startswith("CanonicalRequest:\n"):
            self.canonical = msg[len("CanonicalRequest:\n"):]
        elif msg.startswith("StringToSign:\n"):
            self.string_to_sign = msg[len("StringToSign:\n"):]


def sign(name, signer_cls, service, method, url, headers=(), body=b"", token=None,
         context=None, encoding="Double", expires=None, note=""):
    creds = Credentials(ACCESS_KEY, SECRET, token)
    if expires is None:
        signer = signer_cls(creds, service, REGION)
    else:
        signer = signer_cls(creds, service, REGION, expires=expires)
    request = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        # HTTPHeaders keeps repeated names (email.message semantics): duplicates stay.
        request.headers[k] = v
    if context:
        request.context.update(context)

    capture = Capture()
    log = logging.getLogger("botocore.auth")
    log.addHandler(capture)
    log.setLevel(logging.DEBUG)
    try:
        # botocore.auth reads the clock only through this function.
        with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
            signer.add_auth(request)
    finally:
        log.removeHandler(capture)

    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    # The headers botocore signed, repeated names included (prepare() would fold those), plus
    # what preparing adds (Content-Length).
    sent = [[k, v] for k, v in request.headers.items()]
    have = {k.lower() for k, _ in sent}
    sent += [[k, v] for k, v in prepared.headers.items() if k.lower() not in have]
    if not any(k.lower() == "host" for k, _ in sent):
        # What urllib3 puts on the wire, and what botocore signed as host.
        sent.insert(0, ["Host", _host_from_url(prepared.url)])
    raw_body = prepared.body or b""
    if isinstance(raw_body, str):
        raw_body = raw_body.encode("utf-8")
    return {
        "name": name,
        "note": note,
        "signer": signer_cls.__name__,
        "method": prepared.method,
        "path": parts.path,
        "query": parts.query if parts.query else None,
        "headers": sent,
        "body_b64": base64.b64encode(raw_body).decode("ascii"),
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET,
        "session_token": token,
        "region": REGION,
        "service": service,
        "uri_encoding": encoding,
        "now": NOW,
        "botocore_canonical_request": capture.canonical,
        "botocore_string_to_sign": capture.string_to_sign,
    }


def s3_key_path(bucket, key):
    # What botocore's S3 serializer does to a key in a path-style URL.
    return "/" + bucket + "/" + quote(key, safe="/~")


def vectors():
    json10 = [("Content-Type", "application/x-amz-json-1.0")]
    json11 = [("Content-Type", "application/x-amz-json-1.1")]
    ct_target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    s3_unsigned = {"client_config": Config(s3={"payload_signing_enabled": False})}
    v = []

    v.append(sign("apprunner-list-services", SigV4Auth, "apprunner", "POST", ENDPOINT + "/",
                  json10 + [("X-Amz-Target", "AppRunner.ListServices")],
                  b'{"MaxResults":5}'))
    v.append(sign("apprunner-create-service", SigV4Auth, "apprunner", "POST", ENDPOINT + "/",
                  json10 + [("X-Amz-Target", "AppRunner.CreateService")],
                  json.dumps({"ServiceName": "hello", "SourceConfiguration": {
                      "ImageRepository": {"ImageIdentifier": "public.ecr.aws/x/y:latest",
                                          "ImageRepositoryType": "ECR_PUBLIC"}}}).encode()))
    v.append(sign("apprunner-empty-body", SigV4Auth, "apprunner", "POST", ENDPOINT + "/",
                  json10 + [("X-Amz-Target", "AppRunner.ListConnections")], b""))
    v.append(sign("cloudtrail-lookup-events-unicode", SigV4Auth, "cloudtrail", "POST",
                  ENDPOINT + "/",
                  json11 + [("X-Amz-Target", ct_target + ".LookupEvents")],
                  json.dumps({"LookupAttributes": [{"AttributeKey": "Username",
                                                    "AttributeValue": "zoë ☃"}]},
                             ensure_ascii=False).encode("utf-8")))
    v.append(sign("cloudtrail-session-token", SigV4Auth, "cloudtrail", "POST", ENDPOINT + "/",
                  json11 + [("X-Amz-Target", ct_target + ".DescribeTrails")], b"{}",
                  token=TOKEN, note="X-Amz-Security-Token header, signed"))
    v.append(sign("cloudtrail-header-spaces-and-duplicates", SigV4Auth, "cloudtrail", "POST",
                  ENDPOINT + "/",
                  json11 + [("X-Amz-Target", ct_target + ".ListTrails"),
                            ("X-Custom-Spaces", "  a   b    c  "),
                            ("X-Custom-Dup", "second"),
                            ("X-Custom-Dup", "first  value")], b"{}",
                  note="values trimmed and collapsed; repeated header joined with ','"))
    v.append(sign("cloudtrail-date-header", SigV4Auth, "cloudtrail", "POST", ENDPOINT + "/",
                  json11 + [("X-Amz-Target", ct_target + ".ListTrails"),
                            ("Date", "placeholder")], b"{}",
                  note="Date header (RFC 2822) instead of X-Amz-Date"))
    v.append(sign("apprunner-unsigned-payload-https", SigV4Auth, "apprunner", "POST",
                  "https://localhost:4566/",
                  json10 + [("X-Amz-Target", "AppRunner.ListServices")], b"{}",
                  context={"payload_signing_enabled": False},
                  note="X-Amz-Content-SHA256: UNSIGNED-PAYLOAD"))
    v.append(sign("sts-get-caller-identity-form", SigV4Auth, "sts", "POST", ENDPOINT + "/",
                  [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                  b"Action=GetCallerIdentity&Version=2011-06-15"))
    v.append(sign("sts-assume-role-form-encoded-body", SigV4Auth, "sts", "POST", ENDPOINT + "/",
                  [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                  b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012"
                  b"%3Arole%2Fdemo&RoleSessionName=s+1"))
    v.append(sign("non-s3-query-unsorted-repeated-empty", SigV4Auth, "apprunner", "GET",
                  ENDPOINT + "/?b=2&a=1&a=0&empty=&flag=&c=%2Fx%20y&%E2%98%83=snow&Z=up",
                  note="raw query as botocore would send it; sorted by encoded key then value"))
    v.append(sign("non-s3-path-normalized", SigV4Auth, "apprunner", "GET",
                  ENDPOINT + "/a/./b//c/../d%20e/f~g", note="dot segments and // removed; "
                  "then encoded twice"))
    v.append(sign("non-s3-rest-path-double-encoded", SigV4Auth, "lambda", "POST",
                  ENDPOINT + "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1234"
                  "%3Afunction%3Afn/invocations", [("Content-Type", "application/json")],
                  b'{"k":"v"}'))

    odd_keys = [
        ("s3-get-space-plus-tilde-equals", "dir/a b+c~d=e.txt"),
        ("s3-get-unicode", "naïve/été/☃.txt"),
        ("s3-get-reserved", "k!$&'()*,;:@[]"),
    ]
    for name, key in odd_keys:
        v.append(sign(name, S3SigV4Auth, "s3", "GET", ENDPOINT + s3_key_path("bucket", key),
                      encoding="Single"))
    v.append(sign("s3-put-object-signed-body", S3SigV4Auth, "s3", "PUT",
                  ENDPOINT + s3_key_path("bucket", "up load/ü+1.bin"),
                  [("Content-Type", "application/octet-stream"),
                   ("X-Amz-Meta-Note", " spaced   out ")], b"\x00\x01binary\xffbody",
                  encoding="Single"))
    v.append(sign("s3-put-unsigned-payload", S3SigV4Auth, "s3", "PUT",
                  "https://localhost:4566" + s3_key_path("bucket", "u.txt"),
                  [("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww==")], b"hello world",
                  context=s3_unsigned, encoding="Single"))
    v.append(sign("s3-list-objects-v2-query", S3SigV4Auth, "s3", "GET",
                  ENDPOINT + "/bucket?list-type=2&prefix=a%20b%2Bc&delimiter=%2F"
                  "&encoding-type=url&start-after=%C3%A9&max-keys=10", encoding="Single"))
    v.append(sign("s3-subresource-no-value", S3SigV4Auth, "s3", "GET",
                  ENDPOINT + "/bucket?acl", encoding="Single",
                  note="'acl' without '=' canonicalises as 'acl='"))
    v.append(sign("s3-list-buckets-root", S3SigV4Auth, "s3", "GET", ENDPOINT + "/",
                  encoding="Single"))
    v.append(sign("s3-session-token", S3SigV4Auth, "s3", "DELETE",
                  ENDPOINT + s3_key_path("bucket", "gone.txt"), token=TOKEN,
                  encoding="Single"))

    v.append(sign("s3-presigned-get", S3SigV4QueryAuth, "s3", "GET",
                  ENDPOINT + s3_key_path("bucket", "shared/a b+c.txt"), encoding="Single",
                  expires=3600))
    v.append(sign("s3-presigned-get-token-and-params", S3SigV4QueryAuth, "s3", "GET",
                  ENDPOINT + s3_key_path("bucket", "ünï.txt")
                  + "?response-content-disposition=attachment%3B%20filename%3D%22x.txt%22",
                  token=TOKEN, encoding="Single", expires=600))
    v.append(sign("s3-presigned-put", S3SigV4QueryAuth, "s3", "PUT",
                  ENDPOINT + s3_key_path("bucket", "upload.bin"), encoding="Single",
                  expires=900, note="body not covered: UNSIGNED-PAYLOAD"))
    v.append(sign("sts-presigned-get-caller-identity", SigV4QueryAuth, "sts", "GET",
                  ENDPOINT + "/?Action=GetCallerIdentity&Version=2011-06-15",
                  [("x-k8s-aws-id", "my-cluster")], expires=60,
                  note="EKS-token style: non-S3 presigned signs the (empty) body hash"))
    v.append(sign("apprunner-presigned-post-body-moved", SigV4QueryAuth, "apprunner", "GET",
                  ENDPOINT + "/?Version=1&Action=Describe", expires=300))
    return v


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "botocore.json")
    doc = {
        "generator": "crates/sigv4/tests/vectors/generate.py",
        "botocore_version": botocore.__version__,
        "vectors": vectors(),
    }
    for vec in doc["vectors"]:
        assert vec["botocore_canonical_request"], vec["name"]
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(doc['vectors'])} vectors to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
